/*
 * json_writer.c: the streaming JSON writer and its string escaper.
 *
 * Everything logward writes as JSON goes through json_escape_append, so
 * that one function decides what a hostile byte becomes (RFC 8259 section
 * 7; invalid UTF-8 as \u00XX of the byte).
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json.h>

#ifdef __SSE2__
#include <emmintrin.h>
#endif

#include "json_writer.h"

/* First allocation; small enough for a scratch buffer, big enough for an event. */
#define STRBUF_MIN_CAP 256

/*
 * Byte classes for the escaper: 0 is copied as is, 1 needs an escape
 * (RFC 8259 7: quotation mark, reverse solidus, U+0000..U+001F), 2 starts
 * or continues a multi-byte sequence that must be validated.
 */
static const unsigned char json_byte_class[256] = {
	1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, /* 0x00 */
	1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, /* 0x10 */
	0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, /* 0x20 '"' */
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, /* 0x30 */
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, /* 0x40 */
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, /* 0x50 '\\' */
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, /* 0x60 */
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, /* 0x70 */
	2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, /* 0x80 */
	2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, /* 0x90 */
	2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, /* 0xa0 */
	2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, /* 0xb0 */
	2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, /* 0xc0 */
	2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, /* 0xd0 */
	2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, /* 0xe0 */
	2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, /* 0xf0 */
};

static const char json_hex_digits[] = "0123456789abcdef";

const char json_digit_pairs[201] =
    "00010203040506070809101112131415161718192021222324252627282930313233343536373839"
    "40414243444546474849505152535455565758596061626364656667686970717273747576777879"
    "8081828384858687888990919293949596979899";

/* An empty buffer; nothing is allocated until the first append. */
void
strbuf_init(struct strbuf *sb)
{
	sb->data = NULL;
	sb->len = 0;
	sb->cap = 0;
}

/* Release the bytes; the buffer is empty and reusable after. */
void
strbuf_free(struct strbuf *sb)
{
	free(sb->data);
	strbuf_init(sb);
}

/* Forget the contents, keep the memory for the next event. */
void
strbuf_reset(struct strbuf *sb)
{
	sb->len = 0;
}

/* Grow geometrically so that appending n bytes one call at a time is O(n). */
static int
strbuf_grow(struct strbuf *sb, size_t extra)
{
	size_t need, cap;
	char *p;

	if (extra > SIZE_MAX - sb->len) {
		errno = ENOMEM;
		return -1;
	}
	need = sb->len + extra;
	cap = sb->cap < STRBUF_MIN_CAP ? STRBUF_MIN_CAP : sb->cap;
	while (cap < need) {
		if (cap > SIZE_MAX / 2) {
			cap = need;
			break;
		}
		cap *= 2;
	}
	if ((p = realloc(sb->data, cap)) == NULL)
		return -1;
	sb->data = p;
	sb->cap = cap;
	return 0;
}

/* The fast path of every append: the room is usually there already. */
static inline int
strbuf_room(struct strbuf *sb, size_t extra)
{
	if (sb->cap - sb->len >= extra)
		return 0;
	return strbuf_grow(sb, extra);
}

/* Make room for extra more bytes without changing len. */
int
strbuf_reserve(struct strbuf *sb, size_t extra)
{
	return strbuf_room(sb, extra);
}

/* Append len bytes. */
int
strbuf_append(struct strbuf *sb, const void *p, size_t len)
{
	if (len == 0)
		return 0;
	if (strbuf_room(sb, len) == -1)
		return -1;
	memcpy(sb->data + sb->len, p, len);
	sb->len += len;
	return 0;
}

/* Append a NUL-terminated string (without the NUL). */
int
strbuf_append_str(struct strbuf *sb, const char *s)
{
	return strbuf_append(sb, s, strlen(s));
}

/* Append one byte. */
int
strbuf_append_char(struct strbuf *sb, char c)
{
	if (strbuf_room(sb, 1) == -1)
		return -1;
	sb->data[sb->len++] = c;
	return 0;
}

/* NUL-terminate (outside len) so the bytes can be used as a C string. */
const char *
strbuf_cstr(struct strbuf *sb)
{
	if (strbuf_reserve(sb, 1) == -1)
		return NULL;
	sb->data[sb->len] = '\0';
	return sb->data;
}

/*
 * Length of the well-formed UTF-8 sequence at s[0..len), or 0 when it is
 * not one (Unicode 15, table 3-7): this rejects overlong forms, UTF-16
 * surrogates (U+D800..U+DFFF), code points above U+10FFFF and sequences
 * cut short by the end of the input.
 */
static size_t
utf8_sequence_len(const unsigned char *s, size_t len)
{
	unsigned char c = s[0], lo = 0x80, hi = 0xbf;
	size_t n, i;

	if (c < 0x80)
		return 1;
	if (c >= 0xc2 && c <= 0xdf)
		n = 2;
	else if (c >= 0xe0 && c <= 0xef) {
		n = 3;
		if (c == 0xe0)
			lo = 0xa0; /* overlong below U+0800 */
		else if (c == 0xed)
			hi = 0x9f; /* surrogates */
	} else if (c >= 0xf0 && c <= 0xf4) {
		n = 4;
		if (c == 0xf0)
			lo = 0x90; /* overlong below U+10000 */
		else if (c == 0xf4)
			hi = 0x8f; /* above U+10FFFF */
	} else
		return 0; /* continuation byte, C0, C1, F5..FF */
	if (len < n)
		return 0;
	if (s[1] < lo || s[1] > hi)
		return 0;
	for (i = 2; i < n; i++)
		if (s[i] < 0x80 || s[i] > 0xbf)
			return 0;
	return n;
}

/* Write the escape for one byte: the short form where RFC 8259 has one. */
static void
json_escape_byte(struct strbuf *out, unsigned char c)
{
	char *p = out->data + out->len;

	p[0] = '\\';
	switch (c) {
	case '"':
		p[1] = '"';
		break;
	case '\\':
		p[1] = '\\';
		break;
	case '\b':
		p[1] = 'b';
		break;
	case '\f':
		p[1] = 'f';
		break;
	case '\n':
		p[1] = 'n';
		break;
	case '\r':
		p[1] = 'r';
		break;
	case '\t':
		p[1] = 't';
		break;
	default:
		p[1] = 'u';
		p[2] = '0';
		p[3] = '0';
		p[4] = json_hex_digits[c >> 4];
		p[5] = json_hex_digits[c & 0xf];
		out->len += 6;
		return;
	}
	out->len += 2;
}

#define WORD_ONES  0x0101010101010101ULL
#define WORD_HIGHS 0x8080808080808080ULL

/*
 * Whether any of 8 bytes needs a closer look: below 0x20, '"', '\\' or
 * 0x80 and above.  Exact as a yes/no (the classic "has zero byte" and
 * "has byte less than n" bit tricks); the escaper then finds which byte.
 */
static inline uint64_t
json_word_special(uint64_t x)
{
	uint64_t q = x ^ (WORD_ONES * '"'), b = x ^ (WORD_ONES * '\\');

	return (((x - WORD_ONES * 0x20) & ~x) | ((q - WORD_ONES) & ~q) |
	    ((b - WORD_ONES) & ~b) | x) & WORD_HIGHS;
}

#define HALF_ONES  0x01010101U
#define HALF_HIGHS 0x80808080U

/* json_word_special for 4 bytes: the short strings (ids, ports, names). */
static inline uint32_t
json_half_special(uint32_t x)
{
	uint32_t q = x ^ (HALF_ONES * '"'), b = x ^ (HALF_ONES * '\\');

	return (((x - HALF_ONES * 0x20) & ~x) | ((q - HALF_ONES) & ~q) |
	    ((b - HALF_ONES) & ~b) | x) & HALF_HIGHS;
}

#ifdef __SSE2__
/* Bit k set when byte k of the 16 at p needs a closer look (as json_word_special). */
static inline unsigned
json_special16v(__m128i v)
{
	/* signed: below 0x20 are the controls and every byte >= 0x80 */
	const __m128i special = _mm_or_si128(_mm_cmplt_epi8(v, _mm_set1_epi8(0x20)),
	    _mm_or_si128(_mm_cmpeq_epi8(v, _mm_set1_epi8('"')),
		_mm_cmpeq_epi8(v, _mm_set1_epi8('\\'))));

	return (unsigned)_mm_movemask_epi8(special);
}

/* json_special16v of the 16 bytes at p. */
static inline unsigned
json_special16(const unsigned char *p)
{
	return json_special16v(_mm_loadu_si128((const __m128i *)(const void *)p));
}
#endif

/*
 * Index of the first byte at or after i that needs a closer look, or len.
 * 16 bytes a step with SSE2 (every x86-64 has it), else 8; the last step
 * is one load that ends at len, overlapping bytes already found plain, so
 * no byte-by-byte tail unless the string is shorter than 4 bytes or a
 * step finds one (4 to 7 bytes are two 4-byte loads).
 */
static inline size_t
json_plain_end(const unsigned char *u, size_t i, size_t len)
{
	uint64_t word;
	uint32_t half, tail;
#ifdef __SSE2__
	unsigned mask;

	if (len - i >= 16) {
		for (; len - i >= 16; i += 16)
			if ((mask = json_special16(u + i)) != 0)
				return i + (size_t)__builtin_ctz(mask);
		if (i == len)
			return len;
		/* bits of the bytes from i on: the top len - i of the 16 */
		mask = json_special16(u + len - 16) >> (16 - (len - i));
		if (mask == 0)
			return len;
		return i + (size_t)__builtin_ctz(mask);
	}
#endif
	if (len - i >= 8) {
		for (; len - i >= 8; i += 8) {
			memcpy(&word, u + i, 8);
			if (json_word_special(word))
				goto bytes;
		}
		if (i == len)
			return len;
		memcpy(&word, u + len - 8, 8);
		if (!json_word_special(word))
			return len;
	} else if (len - i >= 4) {
		/* 4 to 7 bytes: two loads that overlap, each checked as a whole */
		memcpy(&half, u + i, 4);
		memcpy(&tail, u + len - 4, 4);
		if (!json_half_special(half) && !json_half_special(tail))
			return len;
	}
bytes:
	while (i < len && json_byte_class[u[i]] == 0)
		i++;
	return i;
}

/*
 * Copy the n plain bytes at u to out's end, n < 16 (the tail of a run):
 * two overlapping fixed-size copies instead of a call to memcpy.  The
 * caller has the room.
 */
static inline void
json_copy_short(struct strbuf *out, const unsigned char *u, size_t n)
{
	char *p = out->data + out->len;
	uint64_t a, b;
	uint32_t c, d;

	if (n >= 8) {
		memcpy(&a, u, 8);
		memcpy(&b, u + n - 8, 8);
		memcpy(p, &a, 8);
		memcpy(p + n - 8, &b, 8);
	} else if (n >= 4) {
		memcpy(&c, u, 4);
		memcpy(&d, u + n - 4, 4);
		memcpy(p, &c, 4);
		memcpy(p + n - 4, &d, 4);
	} else if (n > 0) {
		p[0] = (char)u[0];
		p[n / 2] = (char)u[n / 2];
		p[n - 1] = (char)u[n - 1];
	}
	out->len += n;
}

/*
 * The escaper.  On entry out has room for len + 2 bytes (the caller's
 * closing quote and suffix), and keeps room for what is left of the input
 * plus 2 at every step: plain bytes and well-formed UTF-8 are copied one
 * for one, and only an escape (one byte in, up to 6 out) checks the room
 * again.
 *
 * With SSE2, 16 bytes are stored to the output before they are looked at:
 * a plain block is then done, and a block with a special byte is written
 * over from that byte on (the output of u[i..len) is at least len - i
 * bytes, so a store never lands past the final end).  The last 16 bytes
 * of the input are loaded once more for the tail and stored where they
 * overlap output already written, which is only done when that output is
 * the same bytes: no escape since u[len - 16] (run is where the verbatim
 * stretch began).  Tails of strings shorter than 16 are checked in two
 * overlapping words (json_plain_end) and copied by json_copy_short.
 */
static __attribute__((noinline)) int
json_escape_body(struct strbuf *out, const unsigned char *u, size_t len)
{
	size_t i = 0, n, run = 0;
#ifdef __SSE2__
	unsigned mask;
	__m128i v;
#endif

	for (;;) {
#ifdef __SSE2__
		while (len - i >= 16) {
			v = _mm_loadu_si128((const __m128i *)(const void *)(u + i));
			_mm_storeu_si128((__m128i *)(void *)(out->data + out->len), v);
			if ((mask = json_special16v(v)) == 0) {
				i += 16;
				out->len += 16;
				continue;
			}
			n = (size_t)__builtin_ctz(mask);
			i += n;
			out->len += n;
			goto special;
		}
		if (i == len)
			return 0;
		if (len >= 16 && len - 16 >= run) {
			/* the tail, in the last 16 bytes: the first 16 - n already out as is */
			n = len - i;
			v = _mm_loadu_si128((const __m128i *)(const void *)(u + len - 16));
			_mm_storeu_si128((__m128i *)(void *)(out->data + out->len - (16 - n)), v);
			if ((mask = json_special16v(v) >> (16 - n)) == 0) {
				out->len += n;
				return 0;
			}
			n = (size_t)__builtin_ctz(mask);
			i += n;
			out->len += n;
			goto special;
		}
#endif
		n = json_plain_end(u, i, len) - i;
		if (n >= 16) {
			/* only without SSE2: a long run found 8 bytes a step */
			memcpy(out->data + out->len, u + i, n);
			out->len += n;
		} else
			json_copy_short(out, u + i, n);
		i += n;
		if (i == len)
			return 0;
#ifdef __SSE2__
special:
#endif
		/* well-formed UTF-8 is copied as is */
		if (json_byte_class[u[i]] == 2 && (n = utf8_sequence_len(u + i, len - i)) != 0) {
			json_copy_short(out, u + i, n);
			i += n;
			continue;
		}
		/* an escape, or a byte that is not valid UTF-8: \u00XX */
		if (strbuf_room(out, len - i - 1 + 6 + 2) == -1)
			return -1;
		json_escape_byte(out, u[i]);
		run = ++i;
	}
}

/*
 * Whether all of a short string (fewer than 16 bytes, most keys and
 * header values) is plain, and if so copy it: one check of two
 * overlapping loads, without the escaper's call.  The caller has the room.
 * Forced inline: as a call (gcc 12 declines) its frame costs as much as
 * its work.
 */
static inline __attribute__((always_inline)) bool
json_short_plain(struct strbuf *out, const unsigned char *u, size_t len)
{
	uint64_t a, b;
	uint32_t c, d;

	if (len >= 8) {
		memcpy(&a, u, 8);
		memcpy(&b, u + len - 8, 8);
#ifdef __SSE2__
		if (json_special16v(_mm_set_epi64x((long long)b, (long long)a)) != 0)
			return false;
#else
		if (json_word_special(a) != 0 || json_word_special(b) != 0)
			return false;
#endif
		memcpy(out->data + out->len, &a, 8);
		memcpy(out->data + out->len + len - 8, &b, 8);
	} else if (len >= 4) {
		memcpy(&c, u, 4);
		memcpy(&d, u + len - 4, 4);
		if (json_half_special(c) != 0 || json_half_special(d) != 0)
			return false;
		memcpy(out->data + out->len, &c, 4);
		memcpy(out->data + out->len + len - 4, &d, 4);
	} else if (json_plain_end(u, 0, len) == len) {
		json_copy_short(out, u, len); /* 0 to 3 bytes */
		return true;
	} else
		return false;
	out->len += len;
	return true;
}

/*
 * Escape u[0..len) to out, which has room for len + 2 (see
 * json_escape_body): inline, so that a short plain string costs no call.
 */
static inline __attribute__((always_inline)) int
json_escape_run(struct strbuf *out, const unsigned char *u, size_t len)
{
	if (len < 16 && json_short_plain(out, u, len))
		return 0;
	return json_escape_body(out, u, len);
}

/* Public entry to the escaper: reserve the unescaped size (and 2), then escape. */
int
json_escape_append(struct strbuf *out, const char *s, size_t len)
{
	if (len > SIZE_MAX - 2 || strbuf_room(out, len + 2) == -1)
		return -1;
	return json_escape_run(out, (const unsigned char *)s, len);
}

/* Start a writer appending to out; nothing is written yet. */
void
json_writer_init(struct json_writer *w, struct strbuf *out)
{
	w->out = out;
	w->depth = 0;
	w->need_comma = 0;
	w->failed = false;
}

/*
 * Start a value that writes at most extra bytes after its comma: the comma
 * between siblings, and one reservation for both (json_key clears
 * need_comma so the value after a key gets none).  Returns false when the
 * writer has failed and nothing must be written.
 */
static inline bool
json_value_start(struct json_writer *w, size_t extra)
{
	if (w->failed)
		return false;
	if (extra > SIZE_MAX - 1 || strbuf_room(w->out, extra + 1) == -1) {
		w->failed = true;
		return false;
	}
	if (w->need_comma & ((uint64_t)1 << w->depth))
		w->out->data[w->out->len++] = ',';
	w->need_comma |= (uint64_t)1 << w->depth;
	return true;
}

/* Open an object or array; past JSON_WRITER_MAX_DEPTH the writer fails. */
static void
json_container_begin(struct json_writer *w, char open)
{
	if (!json_value_start(w, 1))
		return;
	if (w->depth >= JSON_WRITER_MAX_DEPTH) {
		w->failed = true;
		return;
	}
	w->out->data[w->out->len++] = open;
	w->depth++;
	w->need_comma &= ~((uint64_t)1 << w->depth);
}

/* Close the innermost container; an unbalanced close fails the writer. */
static void
json_container_end(struct json_writer *w, char close)
{
	if (w->failed)
		return;
	if (w->depth <= 0) {
		w->failed = true;
		return;
	}
	if (strbuf_room(w->out, 1) == -1) {
		w->failed = true;
		return;
	}
	w->out->data[w->out->len++] = close;
	w->depth--;
}

/* Write "{" (after a comma when it is not the first value). */
void
json_object_begin(struct json_writer *w)
{
	json_container_begin(w, '{');
}

/* Write "}". */
void
json_object_end(struct json_writer *w)
{
	json_container_end(w, '}');
}

/* Write "[" (after a comma when it is not the first value). */
void
json_array_begin(struct json_writer *w)
{
	json_container_begin(w, '[');
}

/* Write "]". */
void
json_array_end(struct json_writer *w)
{
	json_container_end(w, ']');
}

/* json_value_start for a quoted string of len bytes and a suffix. */
static inline bool
json_string_start(struct json_writer *w, size_t len)
{
	if (len > SIZE_MAX - 4) {
		w->failed = true;
		return false;
	}
	return json_value_start(w, len + 3);
}

/*
 * Quote and escape s[0..len) into the output, and add suffix (':' after a
 * key) when it is not NUL.  json_value_start reserved len + 3 bytes: the
 * whole of it when nothing needs escaping, and the escaper's room.
 */
static void
json_quoted(struct json_writer *w, const char *s, size_t len, char suffix)
{
	struct strbuf *out = w->out;

	out->data[out->len++] = '"';
	if (json_escape_run(out, (const unsigned char *)s, len) == -1) {
		w->failed = true;
		return;
	}
	out->data[out->len++] = '"';
	if (suffix != '\0')
		out->data[out->len++] = suffix;
}

/* Write "key": with the key escaped like any string. */
void
json_key(struct json_writer *w, const char *key, size_t len)
{
	if (!json_string_start(w, len))
		return;
	json_quoted(w, key, len, ':');
	w->need_comma &= ~((uint64_t)1 << w->depth);
}

/*
 * Quote s[0..len) without the escaping pass (text the program spells
 * itself), then suffix unless NUL; json_string_start reserved len + 3.
 */
static void
json_ascii_quoted(struct json_writer *w, const char *s, size_t len, char suffix)
{
	struct strbuf *out = w->out;
	char *p = out->data + out->len;

	p[0] = '"';
	memcpy(p + 1, s, len);
	p[len + 1] = '"';
	out->len += len + 2;
	if (suffix != '\0')
		out->data[out->len++] = suffix;
}

/* Write "key": for keys the program spells itself, without escaping. */
void
json_key_ascii(struct json_writer *w, const char *key, size_t len)
{
	if (!json_string_start(w, len))
		return;
	json_ascii_quoted(w, key, len, ':');
	w->need_comma &= ~((uint64_t)1 << w->depth);
}

/* Write a quoted, escaped string. */
void
json_string(struct json_writer *w, const char *s, size_t len)
{
	if (!json_string_start(w, len))
		return;
	json_quoted(w, s, len, '\0');
}

/* Write "s" for a value the program spells itself, without escaping. */
void
json_string_ascii(struct json_writer *w, const char *s, size_t len)
{
	if (!json_string_start(w, len))
		return;
	json_ascii_quoted(w, s, len, '\0');
}

/* Write a NUL-terminated string. */
void
json_cstring(struct json_writer *w, const char *s)
{
	json_string(w, s, strlen(s));
}

/* Append the literal text of a number or constant. */
static void
json_literal(struct json_writer *w, const char *s, size_t len)
{
	if (!json_value_start(w, len))
		return;
	memcpy(w->out->data + w->out->len, s, len);
	w->out->len += len;
}

/*
 * 0 to 999 (codes, priorities, most ports and counts) straight into the
 * output: no digits buffer, no copy call.
 */
static void
json_small_uint(struct json_writer *w, unsigned v)
{
	char *p;

	if (!json_value_start(w, 3))
		return;
	p = w->out->data + w->out->len;
	if (v < 10) {
		p[0] = (char)('0' + v);
		w->out->len += 1;
	} else if (v < 100) {
		memcpy(p, json_digit_pairs + 2 * v, 2);
		w->out->len += 2;
	} else {
		p[0] = (char)('0' + v / 100);
		memcpy(p + 1, json_digit_pairs + 2 * (v % 100), 2);
		w->out->len += 3;
	}
}

/* Write a 64-bit integer without printf. */
void
json_int(struct json_writer *w, int64_t v)
{
	char buf[24], *p = buf + sizeof(buf);
	/* the magnitude in unsigned arithmetic: INT64_MIN has no positive */
	uint64_t m = v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v;

	if (v >= 0 && v < 1000) {
		json_small_uint(w, (unsigned)v);
		return;
	}
	while (m >= 100) {
		p -= 2;
		memcpy(p, json_digit_pairs + 2 * (m % 100), 2);
		m /= 100;
	}
	if (m >= 10) {
		p -= 2;
		memcpy(p, json_digit_pairs + 2 * m, 2);
	} else
		*--p = (char)('0' + m);
	if (v < 0)
		*--p = '-';
	json_literal(w, p, (size_t)(buf + sizeof(buf) - p));
}

/* Write a finite double that reads back exactly; null otherwise. */
void
json_double(struct json_writer *w, double v)
{
	char buf[40];
	int n;

	/* RFC 8259 6: no NaN or Infinity in JSON */
	if (!isfinite(v)) {
		json_null(w);
		return;
	}
	/* shortest of the two precisions that reads back as the same double */
	n = snprintf(buf, sizeof(buf), "%.15g", v);
	if (n > 0 && (size_t)n < sizeof(buf) && strtod(buf, NULL) != v)
		n = snprintf(buf, sizeof(buf), "%.17g", v);
	if (n <= 0 || (size_t)n >= sizeof(buf)) {
		json_null(w);
		return;
	}
	/* "%g" never writes a locale comma in the C locale; an integral
	 * double such as 3 stays "3", which JSON reads as the same number */
	json_literal(w, buf, (size_t)n);
}

/* Write true or false. */
void
json_bool(struct json_writer *w, bool v)
{
	if (v)
		json_literal(w, "true", 4);
	else
		json_literal(w, "false", 5);
}

/* Write null. */
void
json_null(struct json_writer *w)
{
	json_literal(w, "null", 4);
}

/*
 * The walk over a libfastjson value.  Recursion is bounded by the
 * writer's depth limit: past it json_object_begin fails the writer and
 * the walk returns without descending further.
 */
void
json_value_fjson(struct json_writer *w, struct json_object *v)
{
	struct json_object_iterator it, end;
	int i, n;

	if (w->failed)
		return;
	switch (json_object_get_type(v)) {
	case json_type_null:
		json_null(w);
		break;
	case json_type_boolean:
		json_bool(w, json_object_get_boolean(v) != 0);
		break;
	case json_type_int:
		json_int(w, json_object_get_int64(v));
		break;
	case json_type_double:
		json_double(w, json_object_get_double(v));
		break;
	case json_type_string:
		n = json_object_get_string_len(v);
		json_string(w, json_object_get_string(v), n > 0 ? (size_t)n : 0);
		break;
	case json_type_array:
		json_array_begin(w);
		n = json_object_array_length(v);
		for (i = 0; i < n && !w->failed; i++)
			json_value_fjson(w, json_object_array_get_idx(v, i));
		json_array_end(w);
		break;
	case json_type_object:
		json_object_begin(w);
		it = json_object_iter_begin(v);
		end = json_object_iter_end(v);
		while (!w->failed && !json_object_iter_equal(&it, &end)) {
			json_key(w, json_object_iter_peek_name(&it),
			    strlen(json_object_iter_peek_name(&it)));
			json_value_fjson(w, json_object_iter_peek_value(&it));
			json_object_iter_next(&it);
		}
		json_object_end(w);
		break;
	default:
		json_null(w);
		break;
	}
}

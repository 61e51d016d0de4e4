/*
 * json_writer.h: the one place logward produces JSON text.
 *
 * A streaming writer: values are appended to a growable byte buffer as they
 * come, with no object tree in between (DESIGN.md "Performance budget").
 * Strings are escaped per RFC 8259: '"' and '\\' with a backslash,
 * U+0000..U+001F as \b \t \n \f \r or \u00XX.  Well-formed UTF-8 (Unicode
 * table 3-7) is copied unchanged.  Every byte that is not part of a
 * well-formed sequence (stray continuation bytes, C0/C1/F5..FF, overlong
 * forms, UTF-16 surrogates, code points above U+10FFFF, sequences cut short
 * by the end of the string) is written as \u00XX of the byte's value, and
 * the bytes after it are looked at afresh.  So the output is always valid
 * JSON and valid UTF-8 whatever the input; a reader gets U+0080..U+00FF
 * back for such bytes (lossy, but visible and never dropped).  DEL and "/"
 * are not escaped.  Commas are inserted by the writer.
 *
 * Ownership: struct strbuf owns data; strbuf_free releases it.  The buffer
 * grows on demand; strbuf_* return -1 only when memory runs out.
 */
#ifndef LOGWARD_JSON_WRITER_H
#define LOGWARD_JSON_WRITER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

/*
 * libfastjson's compatibility names include a macro json_bool (for its
 * fjson_bool type) that would rename our json_bool().  Its headers are
 * included here, once, and the macro removed, so the include order of
 * users does not matter.
 */
#include <json.h>
#undef json_bool

struct strbuf {
	char *data; /* owned; not NUL-terminated unless strbuf_cstr was called */
	size_t len;
	size_t cap;
};

void strbuf_init(struct strbuf *sb);
void strbuf_free(struct strbuf *sb);
void strbuf_reset(struct strbuf *sb); /* len = 0, memory kept */
int strbuf_reserve(struct strbuf *sb, size_t extra);
int strbuf_append(struct strbuf *sb, const void *p, size_t len);
int strbuf_append_str(struct strbuf *sb, const char *s);
int strbuf_append_char(struct strbuf *sb, char c);
const char *strbuf_cstr(struct strbuf *sb); /* NUL-terminates; NULL on ENOMEM */

/*
 * Nesting limit of objects and arrays.  Opening one more, or closing one
 * too many, sets failed; every call after that writes nothing.
 */
#define JSON_WRITER_MAX_DEPTH 32
_Static_assert(JSON_WRITER_MAX_DEPTH < 64, "need_comma holds a bit a level");

struct json_writer {
	struct strbuf *out;    /* not owned */
	int depth;
	/*
	 * bit d: the container open at depth d holds a value, so the next
	 * one needs a comma (one word, so that json_splice sets the levels
	 * it passes at once)
	 */
	uint64_t need_comma;
	bool failed;           /* out of memory or depth exceeded: output unusable */
};

void json_writer_init(struct json_writer *w, struct strbuf *out);
void json_object_begin(struct json_writer *w);
void json_object_end(struct json_writer *w);
void json_array_begin(struct json_writer *w);
void json_array_end(struct json_writer *w);
/* Object member name; the next value call gives its value. */
void json_key(struct json_writer *w, const char *key, size_t len);
/*
 * json_key for a key the program itself spells (bytes 0x20..0x7e other
 * than '"' and '\\'), written without the escaping pass.  Never for keys
 * that came from the network or a rulebase.
 */
void json_key_ascii(struct json_writer *w, const char *key, size_t len);
void json_string(struct json_writer *w, const char *s, size_t len);
/* json_string for a value the program spells itself (as json_key_ascii). */
void json_string_ascii(struct json_writer *w, const char *s, size_t len);
void json_cstring(struct json_writer *w, const char *s);
void json_int(struct json_writer *w, int64_t v);
/* Shortest of %.15g/%.17g that reads back exactly; NaN and infinities as null. */
void json_double(struct json_writer *w, double v);
void json_bool(struct json_writer *w, bool v);
void json_null(struct json_writer *w);
/*
 * Write a libfastjson value (as liblognorm returns) through this writer, so
 * that its strings get the same escaping as everything else.
 */
void json_value_fjson(struct json_writer *w, struct json_object *v);

/*
 * Append text that this writer's own calls rendered earlier (closing
 * braces, a comma, opened objects, a key: a recorded move from one member
 * to the next), and take the state those calls would have left: depth
 * levels open, every enclosing level holding a value, and at depth a key
 * just written (after_key: a value comes next without a comma) or a value
 * just ended.  A shortcut for callers that repeat the same moves (event.c's
 * header fields); the bytes are never from the network.
 */
static inline void json_splice(struct json_writer *w, const char *text, size_t len, int depth,
    bool after_key);

/* "00" "01" ... "99": number formatting two digits at a time (event times too). */
extern const char json_digit_pairs[201];

/* Append s[0..len) escaped, without quotes.  Exposed for tests and fuzzing. */
int json_escape_append(struct strbuf *out, const char *s, size_t len);

/*
 * json_splice is inline: event.c calls it for most fields of every event,
 * and a call's frame cost as much as the copy of its few bytes.  Depth is
 * bounded like every other container.
 */
static inline void
json_splice(struct json_writer *w, const char *text, size_t len, int depth, bool after_key)
{
	struct strbuf *out = w->out;
	if (w->failed)
		return;
	if (depth < 1 || depth > JSON_WRITER_MAX_DEPTH ||
	    (out->cap - out->len < len && strbuf_reserve(out, len) == -1)) {
		w->failed = true;
		return;
	}
	memcpy(out->data + out->len, text, len);
	out->len += len;
	/* levels 1 to depth - 1 hold a value; level 0 as it was */
	w->need_comma = (w->need_comma & 1) | (((uint64_t)1 << depth) - 2) |
	    ((uint64_t)!after_key << depth);
	w->depth = depth;
}

#endif

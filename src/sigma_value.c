/*
 * sigma_value.c: one Sigma value with its modifiers (Sigma specification
 * 2.0 "Modifiers", "Wildcards") to a compiled matcher, and the matchers.
 *
 * Values compare ignoring ASCII case unless "cased" (or a base64 form,
 * which case would corrupt).  '*' and '?' are wildcards in every value
 * but re ones; "\*", "\?" and "\\" are the literal characters, and any
 * other backslash is itself (so "\net.exe" is a backslash and "net.exe").
 */
#include "config.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sigma_impl.h"

/* Modifiers the loader knows; any other name skips the rule. */
enum sigma_mod {
	MOD_CONTAINS = 1 << 0,
	MOD_STARTSWITH = 1 << 1,
	MOD_ENDSWITH = 1 << 2,
	MOD_ALL = 1 << 3,
	MOD_RE = 1 << 4,
	MOD_WINDASH = 1 << 5,
	MOD_CIDR = 1 << 6,
	MOD_BASE64 = 1 << 7,
	MOD_BASE64OFFSET = 1 << 8,
	MOD_FIELDREF = 1 << 9,
	MOD_EXISTS = 1 << 10,
	MOD_CASED = 1 << 11,
	MOD_RE_I = 1 << 12,
};

static const struct {
	const char *name;
	unsigned bit;
} sigma_mods[] = {
    {"contains", MOD_CONTAINS},
    {"startswith", MOD_STARTSWITH},
    {"endswith", MOD_ENDSWITH},
    {"all", MOD_ALL},
    {"re", MOD_RE},
    {"windash", MOD_WINDASH},
    {"cidr", MOD_CIDR},
    {"base64", MOD_BASE64},
    {"base64offset", MOD_BASE64OFFSET},
    {"fieldref", MOD_FIELDREF},
    {"exists", MOD_EXISTS},
    {"cased", MOD_CASED},
    {"i", MOD_RE_I},
};

/* The dashes windash puts for '-' (Sigma: '-', '/', en dash, em dash, horizontal bar). */
static const char *const windash_forms[] = {
    "-", "/", "\xe2\x80\x93", "\xe2\x80\x94", "\xe2\x80\x95"};

/* Modifier names to bits; -1 with why for an unknown one. */
static int
mods_parse(const char *const *mods, size_t n, unsigned *bits, char *why, size_t whylen)
{
	size_t i, j;

	*bits = 0;
	for (i = 0; i < n; i++) {
		for (j = 0; j < sizeof(sigma_mods) / sizeof(sigma_mods[0]); j++)
			if (strcmp(mods[i], sigma_mods[j].name) == 0)
				break;
		if (j == sizeof(sigma_mods) / sizeof(sigma_mods[0])) {
			snprintf(why, whylen, "modifier '%s' is not supported", mods[i]);
			return -1;
		}
		*bits |= sigma_mods[j].bit;
	}
	return 0;
}

/* Append one segment to g; -1 out of memory. */
static int
glob_push(struct sigma_glob *g, const char *text, const unsigned char *any, size_t len)
{
	struct sigma_segment *grown, *s;

	if ((grown = realloc(g->segs, (g->n_segs + 1) * sizeof(*grown))) == NULL)
		return -1;
	g->segs = grown;
	s = &g->segs[g->n_segs];
	s->len = len;
	s->text = malloc(len + 1);
	s->any = malloc(len + 1);
	if (s->text == NULL || s->any == NULL) {
		free(s->text);
		free(s->any);
		return -1;
	}
	memcpy(s->text, text, len);
	s->text[len] = '\0';
	memcpy(s->any, any, len);
	g->n_segs++;
	return 0;
}

/*
 * Compile text to a glob: wildcards unless literal (base64 output), a
 * star added before (leading) and after (trailing).
 */
static int
glob_compile(
    struct sigma_glob *g, const char *text, bool literal, bool cased, bool leading, bool trailing)
{
	size_t len = strlen(text), i, n = 0;
	bool ended_star = false;
	char *buf = malloc(len + 1);
	unsigned char *any = malloc(len + 1);
	int rc = -1;

	memset(g, 0, sizeof(*g));
	if (buf == NULL || any == NULL)
		goto done;
	g->star_start = leading;
	for (i = 0; i < len; i++) {
		char c = text[i];

		if (!literal && c == '\\' && i + 1 < len &&
		    (text[i + 1] == '*' || text[i + 1] == '?' || text[i + 1] == '\\')) {
			c = text[++i];
		} else if (!literal && c == '*') {
			if (n > 0 && glob_push(g, buf, any, n) == -1)
				goto done;
			if (n == 0 && g->n_segs == 0)
				g->star_start = true;
			n = 0;
			ended_star = true;
			continue;
		} else if (!literal && c == '?') {
			buf[n] = '?';
			any[n++] = 1;
			ended_star = false;
			continue;
		}
		ended_star = false;
		buf[n] = cased ? c : (char)lower((unsigned char)c);
		any[n++] = 0;
	}
	if (n > 0 && glob_push(g, buf, any, n) == -1)
		goto done;
	g->star_end = trailing || ended_star;
	rc = 0;
done:
	free(buf);
	free(any);
	return rc;
}

static void
glob_free(struct sigma_glob *g)
{
	size_t i;

	for (i = 0; i < g->n_segs; i++) {
		free(g->segs[i].text);
		free(g->segs[i].any);
	}
	free(g->segs);
}

/* Does segment s match text at p? */
static bool
segment_at(const struct sigma_segment *s, const char *p, bool cased)
{
	size_t i;

	for (i = 0; i < s->len; i++) {
		unsigned char c = (unsigned char)p[i];

		if (s->any[i])
			continue;
		if ((cased ? c : lower(c)) != (unsigned char)s->text[i])
			return false;
	}
	return true;
}

/* The next place in [from, stop) holding byte c, else stop; *next caches it. */
static const char *
next_byte(const char *from, const char *stop, unsigned char c, const char **next)
{
	const char *p;

	if (*next == NULL || *next < from) {
		p = memchr(from, c, (size_t)(stop - from));
		*next = p != NULL ? p : stop;
	}
	return *next;
}

/*
 * The leftmost place at or after from where s matches, or SIZE_MAX.  The
 * places that can start it are found with memchr (its first byte in
 * either case; each occurrence found once), not byte by byte: a long
 * command line against a rule of many "contains" values was most of what
 * a Sigma rule cost a Windows event.
 */
static size_t
segment_find(const struct sigma_segment *s, const char *text, size_t from, size_t end, bool cased)
{
	unsigned char first = (unsigned char)s->text[0], other = first;
	const char *stop, *lo = NULL, *up = NULL, *p;
	size_t i;

	if (from + s->len > end)
		return SIZE_MAX;
	if (s->any[0]) {
		for (i = from; i + s->len <= end; i++)
			if (segment_at(s, text + i, cased))
				return i;
		return SIZE_MAX;
	}
	/* the text's byte folds to first: first itself, or its upper case */
	if (!cased && first >= 'a' && first <= 'z')
		other = (unsigned char)(first - ('a' - 'A'));
	stop = text + end - s->len + 1;
	for (i = from; text + i < stop; i = (size_t)(p - text) + 1) {
		p = next_byte(text + i, stop, first, &lo);
		if (other != first && next_byte(text + i, stop, other, &up) < p)
			p = up;
		if (p == stop)
			break;
		if (segment_at(s, p, cased))
			return (size_t)(p - text);
	}
	return SIZE_MAX;
}

/*
 * Segments between stars: the first pinned at the start unless a star
 * leads, the last pinned at the end unless a star trails, the others
 * leftmost in order (leftmost is always right for fixed-length pieces).
 */
bool
sigma_glob_match(const struct sigma_glob *g, const char *text, size_t len, bool cased)
{
	size_t first = 0, last = g->n_segs, pos = 0, end = len, i;

	if (g->n_segs == 0)
		return g->star_start || len == 0;
	if (!g->star_start) {
		if (len < g->segs[0].len || !segment_at(&g->segs[0], text, cased))
			return false;
		pos = g->segs[0].len;
		first = 1;
	}
	if (!g->star_end && last > first) {
		const struct sigma_segment *s = &g->segs[last - 1];

		if (len < pos + s->len || !segment_at(s, text + len - s->len, cased))
			return false;
		end = len - s->len;
		last--;
	} else if (!g->star_end && g->n_segs == 1)
		return pos == len; /* one pinned segment: the whole value */
	for (i = first; i < last; i++) {
		size_t at = segment_find(&g->segs[i], text, pos, end, cased);

		if (at == SIZE_MAX)
			return false;
		pos = at + g->segs[i].len;
	}
	return true;
}

/* RFC 4648 base64 of in[0..len) into a new string. */
static char *
base64_encode(const unsigned char *in, size_t len)
{
	static const char tab[] =
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	char *out = malloc((len + 2) / 3 * 4 + 1), *o = out;
	size_t i;

	if (out == NULL)
		return NULL;
	for (i = 0; i + 2 < len; i += 3) {
		*o++ = tab[in[i] >> 2];
		*o++ = tab[((in[i] & 3) << 4) | (in[i + 1] >> 4)];
		*o++ = tab[((in[i + 1] & 15) << 2) | (in[i + 2] >> 6)];
		*o++ = tab[in[i + 2] & 63];
	}
	if (i < len) {
		*o++ = tab[in[i] >> 2];
		if (i + 1 < len) {
			*o++ = tab[((in[i] & 3) << 4) | (in[i + 1] >> 4)];
			*o++ = tab[(in[i + 1] & 15) << 2];
		} else {
			*o++ = tab[(in[i] & 3) << 4];
			*o++ = '=';
		}
		*o++ = '=';
	}
	*o = '\0';
	return out;
}

/*
 * base64offset (pySigma's SigmaBase64OffsetModifier): the value after 0,
 * 1 and 2 bytes of padding, encoded, with the characters that depend on
 * the unknown neighbours cut off both ends.
 */
static char *
base64_offset(const char *text, size_t shift)
{
	static const size_t start[3] = {0, 2, 3}, end_cut[3] = {0, 3, 2};
	size_t len = strlen(text), elen, cut;
	unsigned char *buf = malloc(len + 3);
	char *enc;

	if (buf == NULL)
		return NULL;
	memset(buf, ' ', shift);
	memcpy(buf + shift, text, len);
	enc = base64_encode(buf, len + shift);
	free(buf);
	if (enc == NULL)
		return NULL;
	elen = strlen(enc);
	cut = end_cut[(len + shift) % 3];
	if (elen < start[shift] + cut) {
		enc[0] = '\0';
		return enc;
	}
	memmove(enc, enc + start[shift], elen - start[shift] - cut);
	enc[elen - start[shift] - cut] = '\0';
	return enc;
}

/* Add one glob alternative built from text to v. */
static int
value_add_alt(struct sigma_value *v, const char *text, bool literal, unsigned bits)
{
	struct sigma_glob *grown;

	if ((grown = realloc(v->alts, (v->n_alts + 1) * sizeof(*grown))) == NULL)
		return -1;
	v->alts = grown;
	if (glob_compile(&v->alts[v->n_alts], text, literal, v->cased,
		(bits & (MOD_CONTAINS | MOD_ENDSWITH)) != 0,
		(bits & (MOD_CONTAINS | MOD_STARTSWITH)) != 0) == -1) {
		glob_free(&v->alts[v->n_alts]);
		return -1;
	}
	v->n_alts++;
	return 0;
}

/* text with every '-' replaced by dash (a new string). */
static char *
replace_dash(const char *text, const char *dash)
{
	size_t len = strlen(text), dlen = strlen(dash), n = 0, i;
	char *out, *o;

	for (i = 0; i < len; i++)
		n += text[i] == '-';
	if ((out = malloc(len + n * dlen + 1)) == NULL)
		return NULL;
	for (i = 0, o = out; i < len; i++) {
		if (text[i] == '-') {
			memcpy(o, dash, dlen);
			o += dlen;
		} else
			*o++ = text[i];
	}
	*o = '\0';
	return out;
}

/* The glob alternatives of a plain, windash or base64 value. */
static int
value_globs(struct sigma_value *v, const char *text, unsigned bits)
{
	size_t i, n;
	char *t;

	v->kind = SV_GLOB;
	if (bits & MOD_BASE64) {
		v->cased = true;
		if ((t = base64_encode((const unsigned char *)text, strlen(text))) == NULL)
			return -1;
		i = (size_t)value_add_alt(v, t, true, bits);
		free(t);
		return (int)i;
	}
	if (bits & MOD_BASE64OFFSET) {
		v->cased = true;
		for (i = 0; i < 3; i++) {
			if ((t = base64_offset(text, i)) == NULL)
				return -1;
			if (value_add_alt(v, t, true, bits | MOD_CONTAINS) == -1) {
				free(t);
				return -1;
			}
			free(t);
		}
		return 0;
	}
	n = (bits & MOD_WINDASH) && strchr(text, '-') != NULL
		? sizeof(windash_forms) / sizeof(windash_forms[0])
		: 1;
	for (i = 0; i < n; i++) {
		if ((t = replace_dash(text, windash_forms[i])) == NULL)
			return -1;
		if (value_add_alt(v, t, false, bits) == -1) {
			free(t);
			return -1;
		}
		free(t);
	}
	return 0;
}

/* "ADDR/LEN" (IPv4 or IPv6) into v. */
static int
value_cidr(struct sigma_value *v, const char *text, char *why, size_t whylen)
{
	char addr[64], *slash, *end;
	unsigned long len;
	unsigned max;

	v->kind = SV_CIDR;
	if (strlen(text) >= sizeof(addr))
		goto bad;
	strcpy(addr, text);
	if ((slash = strchr(addr, '/')) != NULL)
		*slash = '\0';
	if (inet_pton(AF_INET, addr, v->net) == 1) {
		v->family = AF_INET;
		max = 32;
	} else if (inet_pton(AF_INET6, addr, v->net) == 1) {
		v->family = AF_INET6;
		max = 128;
	} else
		goto bad;
	v->prefix = max;
	if (slash != NULL) {
		len = strtoul(slash + 1, &end, 10);
		if (slash[1] == '\0' || *end != '\0' || len > max)
			goto bad;
		v->prefix = (unsigned)len;
	}
	return 0;
bad:
	snprintf(why, whylen, "cidr: '%s' is not ADDRESS/LENGTH", text);
	return -1;
}

bool
sigma_cidr_match(const struct sigma_value *v, const char *text, size_t len)
{
	unsigned char a[16];
	char buf[64];
	unsigned bits = v->prefix, i;

	if (len == 0 || len >= sizeof(buf))
		return false;
	memcpy(buf, text, len);
	buf[len] = '\0';
	if (inet_pton(v->family, buf, a) != 1)
		return false;
	for (i = 0; bits >= 8; i++, bits -= 8)
		if (a[i] != v->net[i])
			return false;
	return bits == 0 || ((a[i] ^ v->net[i]) & (unsigned char)(0xff << (8 - bits))) == 0;
}

int
sigma_value_compile(struct sigma_value *v, struct sigma_rule *r, const char *text, bool is_null,
    const char *const *mods, size_t n_mods, char *why, size_t whylen)
{
	unsigned bits;

	memset(v, 0, sizeof(*v));
	if (mods_parse(mods, n_mods, &bits, why, whylen) == -1)
		return -1;
	v->cased = (bits & MOD_CASED) != 0;
	if (is_null && !(bits & MOD_EXISTS)) {
		v->kind = SV_NULL;
		return 0;
	}
	if (bits & MOD_EXISTS) {
		v->kind = SV_EXISTS;
		if (strcmp(text, "true") != 0 && strcmp(text, "false") != 0) {
			snprintf(why, whylen, "exists: expected true or false");
			return -1;
		}
		v->want = text[0] == 't';
		return 0;
	}
	if (bits & MOD_RE) {
		v->kind = SV_RE;
		if (sigma_regex_compile(&v->re, text, (bits & MOD_RE_I) != 0, why, whylen) == -1)
			return -1;
		return 0;
	}
	if (bits & MOD_CIDR)
		return value_cidr(v, text, why, whylen);
	if (bits & MOD_FIELDREF) {
		v->kind = SV_FIELDREF;
		if (bits & (MOD_CONTAINS | MOD_STARTSWITH | MOD_ENDSWITH)) {
			snprintf(why, whylen,
			    "fieldref with contains/startswith/endswith is not "
			    "supported");
			return -1;
		}
		if ((v->ref = sigma_rule_field(r, text)) == SIZE_MAX)
			goto nomem;
		return 0;
	}
	if (value_globs(v, text, bits) == -1)
		goto nomem;
	return 0;
nomem:
	snprintf(why, whylen, "out of memory");
	return -1;
}

void
sigma_value_free(struct sigma_value *v)
{
	size_t i;

	for (i = 0; i < v->n_alts; i++)
		glob_free(&v->alts[i]);
	free(v->alts);
	regex_shared_free(v->re);
	memset(v, 0, sizeof(*v));
}

/*
 * normalize_prefilter.c: the conditions a message must meet for some rule
 * to match it, read from the rulebase text the way liblognorm 2.0.6 reads
 * it (samp.c: ln_sampRead, ln_processSamp, addSampToTree, parseLiteral,
 * addFieldDescr, ln_parseLegacyFieldDescr); contract in the header.
 *
 * The reader mirrors liblognorm only where its answer is certain, and
 * gives up (pass all) everywhere else: a wrong "no rule can match" would
 * change the output, a needless "pass all" only costs time.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "normalize_prefilter.h"

#define PREFILTER_VERSION_LINE "version=2\n"
#define PREFILTER_RECORD_MAX (64 * 1024) /* ln_sampRead's line buffer */
#define PREFILTER_FIELDNAME_MAX 1024	 /* liblognorm's MAX_FIELDNAME_LEN */
#define PREFILTER_JSON_DEPTH_MAX 64
#define PREFILTER_HASH_SIZE 4096 /* pairs of bytes, folded */
#define PREFILTER_HASH(a, b) ((((unsigned)(a) << 5) ^ (unsigned)(b)) & (PREFILTER_HASH_SIZE - 1))

struct literal {
	unsigned char len;   /* <= PREFILTER_LITERAL_MAX */
	unsigned char rare;  /* a later one, by the seal: where its least common byte is */
	unsigned short hash; /* contained, by the seal: PREFILTER_HASH of its window's last pair */
	char text[PREFILTER_LITERAL_MAX];
};

struct literal_set {
	struct literal *v; /* owned */
	size_t n, cap;
};

/* One rule that starts with a literal: lead, and a later literal (len 0: none). */
struct lead_pair {
	struct literal lead, next;
};

struct pair_set {
	struct lead_pair *v; /* owned */
	size_t n, cap;
};

/*
 * The rules of one leading literal, after the seal: a message that starts
 * with lead may match one of them if it contains one of nexts.v[first..end)
 * (first == end: the lead alone).
 */
struct lead_group {
	struct literal lead;
	int32_t parent; /* the longest other lead that starts this one; -1: none */
	uint32_t first, end;
};

/* A file's bytes as read before liblognorm read it, kept until the seal. */
struct loaded_file {
	char *path; /* owned */
	char *text; /* owned */
	size_t len;
};

struct prefilter {
	const char *pass_all; /* NULL while it filters; static string */
	bool sealed;
	struct pair_set anchored;     /* until the seal: the message starts with a lead (and ...) */
	struct literal_set contained; /* the message contains one of them */
	/* Built by the seal from anchored: */
	struct lead_group *groups; /* owned; sorted by lead */
	size_t n_groups;
	uint32_t by_byte[257]; /* groups[by_byte[c]..by_byte[c + 1]): the leads that start with c */
	struct literal_set nexts; /* the groups' later literals */
	/* Built by the seal from contained (Wu-Manber, blocks of two bytes): */
	bool single_any;	   /* some literal is one byte long */
	unsigned char single[256]; /* a one-byte literal is byte c */
	size_t window;		   /* bytes of the shortest longer literal; 0: none */
	unsigned char shift[PREFILTER_HASH_SIZE];      /* safe skip when this pair ends a window */
	uint32_t hash_bucket[PREFILTER_HASH_SIZE + 1]; /* contained.v[multi + ..]: same last pair */
	size_t multi;		   /* contained.v[multi..n) are the longer ones, by hash */
	struct loaded_file *files; /* owned */
	size_t n_files, cap_files;
	char *prefix; /* owned: the current file's prefix= text */
	size_t prefix_len, prefix_cap;
	char *sample; /* owned scratch: prefix + rule body */
	size_t sample_cap;
};

/*
 * The kind of a field: json for the first-byte condition; alternative
 * (type "alternative" anywhere in its config) because liblognorm joins
 * its branches into the node where an identical parser of another rule
 * leads (pdag.c: ln_pdagAddParsers, PRS_ADD_MODE_ALTERNATIVE): a message
 * may then match that rule's tail without that rule's head, and no
 * per-rule condition is certain.
 */
enum field_kind { FIELD_OTHER, FIELD_JSON, FIELD_ALTERNATIVE };

struct prefilter *
prefilter_new(void)
{
	return calloc(1, sizeof(struct prefilter));
}

/* Drop the file copies (kept only between add and seal). */
static void
prefilter_free_files(struct prefilter *pf)
{
	size_t i;

	for (i = 0; i < pf->n_files; i++) {
		free(pf->files[i].path);
		free(pf->files[i].text);
	}
	free(pf->files);
	pf->files = NULL;
	pf->n_files = pf->cap_files = 0;
}

void
prefilter_free(struct prefilter *pf)
{
	if (pf == NULL)
		return;
	prefilter_free_files(pf);
	free(pf->anchored.v);
	free(pf->contained.v);
	free(pf->groups);
	free(pf->nexts.v);
	free(pf->prefix);
	free(pf->sample);
	free(pf);
}

/* From now on every message passes; the conditions are of no more use. */
void
prefilter_pass_all(struct prefilter *pf, const char *why)
{
	if (pf->pass_all == NULL)
		pf->pass_all = why;
	free(pf->anchored.v);
	free(pf->contained.v);
	free(pf->groups);
	free(pf->nexts.v);
	memset(&pf->anchored, 0, sizeof(pf->anchored));
	memset(&pf->contained, 0, sizeof(pf->contained));
	memset(&pf->nexts, 0, sizeof(pf->nexts));
	pf->groups = NULL;
	pf->n_groups = 0;
}

/* isspace() in the C locale; -1 for a byte whose class depends on the locale. */
static int
prefilter_space(unsigned char c)
{
	if (c >= 0x80)
		return -1;
	return c == ' ' || (c >= '\t' && c <= '\r');
}

/* Grow *buf to hold need bytes; -1 when out of memory. */
static int
prefilter_reserve(char **buf, size_t *cap, size_t need)
{
	size_t size;
	char *p;

	if (need <= *cap)
		return 0;
	for (size = *cap > 0 ? *cap : 256; size < need; size *= 2)
		;
	if ((p = realloc(*buf, size)) == NULL)
		return -1;
	*buf = p;
	*cap = size;
	return 0;
}

/* Room for one more condition?  Past PREFILTER_LITERALS_MAX every message passes. */
static bool
prefilter_room(struct prefilter *pf)
{
	if (pf->pass_all != NULL)
		return false;
	if (pf->anchored.n + pf->contained.n >= PREFILTER_LITERALS_MAX) {
		prefilter_pass_all(pf, "more conditions than PREFILTER_LITERALS_MAX");
		return false;
	}
	return true;
}

/*
 * v (*cap elements of size bytes), or a larger copy, with room for one
 * past n; NULL when out of memory (v is then unchanged).
 */
static void *
prefilter_grow(void *v, size_t *cap, size_t n, size_t size)
{
	size_t want;

	if (n < *cap)
		return v;
	want = *cap > 0 ? *cap * 2 : 64;
	if ((v = realloc(v, want * size)) != NULL)
		*cap = want;
	return v;
}

/* Append lit to set; -1 when out of memory. */
static int
prefilter_append_literal(struct literal_set *set, const struct literal *lit)
{
	struct literal *v = prefilter_grow(set->v, &set->cap, set->n, sizeof(*v));

	if (v == NULL)
		return -1;
	set->v = v;
	set->v[set->n++] = *lit;
	return 0;
}

/* Add the condition "contains lit". */
static int
prefilter_add_contained(struct prefilter *pf, const struct literal *lit)
{
	if (!prefilter_room(pf))
		return 0;
	return prefilter_append_literal(&pf->contained, lit);
}

/* Add the condition "starts with lead and contains next" (next->len 0: starts with lead). */
static int
prefilter_add_anchored(struct prefilter *pf, const struct literal *lead, const struct literal *next)
{
	struct pair_set *set = &pf->anchored;
	struct lead_pair *v;

	if (!prefilter_room(pf))
		return 0;
	if ((v = prefilter_grow(set->v, &set->cap, set->n, sizeof(*v))) == NULL)
		return -1;
	set->v = v;
	set->v[set->n].lead = *lead;
	set->v[set->n].next = *next;
	set->n++;
	return 0;
}

/*
 * parseLiteral: bytes up to the next field start, "%%" for '%', a '%' that
 * ends the sample dropped.  Into lit goes what is certain of the literal
 * once liblognorm has unescaped it: the bytes before the first backslash,
 * at most PREFILTER_LITERAL_MAX of them.  Returns how many bytes the
 * literal had before unescaping (0: none).
 */
static size_t
prefilter_parse_literal(const char *s, size_t n, size_t *pos, struct literal *lit)
{
	size_t i = *pos, raw = 0;
	bool cut = false;

	lit->len = 0;
	lit->rare = 0;
	lit->hash = 0;
	while (i < n) {
		if (s[i] == '%') {
			if (i + 1 < n && s[i + 1] != '%')
				break; /* a field starts */
			if (++i == n)
				break;
		}
		if (s[i] == '\\')
			cut = true;
		if (!cut && lit->len < PREFILTER_LITERAL_MAX)
			lit->text[lit->len++] = s[i];
		raw++;
		i++;
	}
	*pos = i;
	return raw;
}

/* The value of hex digit c, or -1. */
static int
prefilter_hex(unsigned char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/*
 * May the JSON string body s[0..n) (between its quotes) decode to word
 * (ASCII)?  False only when certain: an escape that does not decode to an
 * ASCII byte (a \u above 0x7f) cannot spell it; one this reader does not
 * know may.
 */
static bool
prefilter_json_string_may_be(const char *s, size_t n, const char *word)
{
	static const char from[] = "\"\\/bfnrt", to[] = "\"\\/\b\f\n\r\t";
	const size_t wlen = strlen(word);
	const char *e;
	size_t i, o = 0, k;
	unsigned v;
	int d;
	char c;

	for (i = 0; i < n; i++, o++) {
		c = s[i];
		if (c == '\\') {
			if (++i == n)
				return true;
			if (s[i] != '\0' && (e = strchr(from, s[i])) != NULL) {
				c = to[e - from];
			} else if (s[i] == 'u') {
				for (v = 0, k = 1; k <= 4; k++) {
					if (i + k >= n ||
					    (d = prefilter_hex((unsigned char)s[i + k])) < 0)
						return true;
					v = v * 16 + (unsigned)d;
				}
				if (v >= 0x80)
					return false;
				c = (char)v;
				i += 4;
			} else
				return true;
		}
		if (o >= wlen || word[o] != c)
			return false;
	}
	return o == wlen;
}

/*
 * Where the JSON value at s[i] ('{' or '[') ends (the index after it), or 0
 * when it is not JSON this reader can delimit exactly as json-c does: a
 * comment or a single-quoted string (json-c accepts both), nesting deeper
 * than PREFILTER_JSON_DEPTH_MAX, no end.  *json_type says whether it is an
 * object whose only "type" key (none of its keys escaped) is "json";
 * *alternative whether some string in it may be "alternative".
 */
static size_t
prefilter_json_end(const char *s, size_t n, size_t i, bool *json_type, bool *alternative)
{
	enum { WANT_KEY, AFTER_KEY, WANT_VALUE, AFTER_VALUE } state = WANT_KEY;
	unsigned depth = 0, types = 0, json_types = 0;
	bool object = s[i] == '{', key_is_type = false, escaped_key = false;
	size_t start;
	int sp;

	*json_type = false;
	*alternative = false;
	for (; i < n; i++) {
		const unsigned char c = (unsigned char)s[i];

		if (c == '"') {
			bool escaped = false;

			start = ++i;
			for (; i < n && s[i] != '"'; i++)
				if (s[i] == '\\') {
					escaped = true;
					i++;
				}
			if (i >= n)
				return 0;
			*alternative |=
			    prefilter_json_string_may_be(s + start, i - start, "alternative");
			if (depth == 1 && object && state == WANT_KEY) {
				key_is_type = i - start == 4 && memcmp(s + start, "type", 4) == 0;
				escaped_key |= escaped;
				state = AFTER_KEY;
			} else if (depth == 1 && object && state == WANT_VALUE) {
				if (key_is_type) {
					types++;
					json_types +=
					    i - start == 4 && memcmp(s + start, "json", 4) == 0;
				}
				state = AFTER_VALUE;
			}
			continue;
		}
		if (c == '/' || c == '\'')
			return 0;
		if (c == '{' || c == '[') {
			if (depth == 1 && object && state == WANT_VALUE) {
				types += key_is_type;
				state = AFTER_VALUE;
			}
			if (++depth > PREFILTER_JSON_DEPTH_MAX)
				return 0;
			continue;
		}
		if (c == '}' || c == ']') {
			if (--depth == 0) {
				*json_type =
				    object && !escaped_key && types == 1 && json_types == 1;
				return i + 1;
			}
			continue;
		}
		if (depth != 1 || !object)
			continue;
		if (c == ':' && state == AFTER_KEY)
			state = WANT_VALUE;
		else if (c == ',')
			state = WANT_KEY;
		else if (state == WANT_VALUE && (sp = prefilter_space(c)) != 1) {
			types += key_is_type; /* a number, true, ...: not "json" */
			state = AFTER_VALUE;
		}
	}
	return 0;
}

/*
 * A legacy field "%name:type[:extra]%" or "%name:type{json}%" from s[i]
 * (after the '%' and blanks), as ln_parseLegacyFieldDescr reads it.
 * Returns the index after the field, or 0 when not certain.
 */
static size_t
prefilter_legacy_field_end(const char *s, size_t n, size_t i, enum field_kind *kind)
{
	size_t name = i, type, j;
	bool json_part = false, json_type, json_alternative, alternative = false;

	while (i < n && s[i] != ':' && i - name < PREFILTER_FIELDNAME_MAX - 1)
		i++;
	if (i == n || s[i] != ':' || i == name)
		return 0; /* liblognorm rejects it, sometimes silently */
	type = ++i;
	while (i < n && s[i] != ':' && s[i] != '{' && s[i] != '%')
		i++;
	if (i == n)
		return 0;
	/* the type, its trailing blanks trimmed */
	for (j = i; j > type; j--) {
		int sp = prefilter_space((unsigned char)s[j - 1]);

		if (sp == -1)
			return 0;
		if (sp == 0)
			break;
	}
	*kind = j - type == 4 && memcmp(s + type, "json", 4) == 0 ? FIELD_JSON : FIELD_OTHER;
	if (j - type == 11 && memcmp(s + type, "alternative", 11) == 0)
		alternative = true;
	if (s[i] == '{') {
		/* its keys join the field's config and may set its type */
		json_part = true;
		if ((i = prefilter_json_end(s, n, i, &json_type, &json_alternative)) == 0 ||
		    i == n || s[i] != '%')
			return 0;
		alternative |= json_alternative;
	}
	if (json_part)
		*kind = FIELD_OTHER;
	if (alternative)
		*kind = FIELD_ALTERNATIVE;
	if (s[i] == '%')
		return i + 1;
	/* extra data after ':' up to the next '%', or to the end */
	for (i++; i < n; i++)
		if (s[i] == '%')
			return i + 1;
	return n;
}

/*
 * addFieldDescr: the field at s[*pos] ('%'), a JSON config or a legacy
 * one.  Returns 0 with *pos after it, -1 when not certain.
 */
static int
prefilter_parse_field(const char *s, size_t n, size_t *pos, enum field_kind *kind)
{
	size_t i = *pos + 1;
	bool json_type, alternative;
	int sp;

	while (i < n && (sp = prefilter_space((unsigned char)s[i])) != 0) {
		if (sp == -1)
			return -1;
		i++;
	}
	if (i == n)
		return -1; /* liblognorm reads past the sample here */
	*kind = FIELD_OTHER;
	if (s[i] == '{' || s[i] == '[') {
		if ((i = prefilter_json_end(s, n, i, &json_type, &alternative)) == 0 || i == n ||
		    s[i] != '%')
			return -1;
		*kind = alternative ? FIELD_ALTERNATIVE : json_type ? FIELD_JSON : FIELD_OTHER;
		*pos = i + 1;
		return 0;
	}
	if ((i = prefilter_legacy_field_end(s, n, i, kind)) == 0)
		return -1;
	*pos = i;
	return 0;
}

/* A leading literal shorter than this gives way to its later literals past PREFILTER_NEXTS_MAX. */
#define PREFILTER_SHORT_LEAD 3

/* The field at s[*pos]: 0, or -1 after making the prefilter pass all. */
static int
prefilter_skip_field(
    struct prefilter *pf, const char *s, size_t n, size_t *pos, enum field_kind *kind)
{
	if (prefilter_parse_field(s, n, pos, kind) == -1) {
		prefilter_pass_all(pf, "a field the prefilter cannot delimit");
		return -1;
	}
	if (*kind == FIELD_ALTERNATIVE) {
		prefilter_pass_all(pf, "an alternative field (its branches join other rules)");
		return -1;
	}
	return 0;
}

/*
 * addSampToTree: one rule's sample (prefix and body) to its condition.
 * A match consumes the rule's parts in order from offset 0, each literal
 * byte for byte; a field consumes some span (a user-defined type or a
 * repeat may even move the offset back: pdag.c tryParser sets its length
 * from npb->parsedTo).  So: the message starts with its leading literal,
 * or with '{' or ']' for a leading JSON field, and contains its longest
 * later literal somewhere (not "after the lead": see above); a rule with
 * a field first and no lead needs only that literal; none at all passes
 * all.
 */
static int
prefilter_add_sample(struct prefilter *pf, const char *s, size_t n)
{
	struct literal lead, lit, best;
	enum field_kind first = FIELD_OTHER, kind;
	size_t i = 0, raw;

	best.len = 0;
	best.rare = 0;
	best.hash = 0;
	raw = prefilter_parse_literal(s, n, &i, &lead);
	if (i < n) {
		if (prefilter_skip_field(pf, s, n, &i, &kind) == -1)
			return 0;
		if (raw == 0)
			first = kind;
	}
	while (i < n) {
		prefilter_parse_literal(s, n, &i, &lit);
		if (lit.len > best.len)
			best = lit;
		if (i < n && prefilter_skip_field(pf, s, n, &i, &kind) == -1)
			return 0;
	}
	if (lead.len > 0)
		return prefilter_add_anchored(pf, &lead, &best);
	if (first == FIELD_JSON) {
		/* parser.c, JSON: "{" or "]" (sic) first, else no match */
		lit.len = 1;
		lit.rare = 0;
		lit.hash = 0;
		lit.text[0] = '{';
		if (prefilter_add_anchored(pf, &lit, &best) == -1)
			return -1;
		lit.text[0] = ']';
		return prefilter_add_anchored(pf, &lit, &best);
	}
	if (best.len > 0)
		return prefilter_add_contained(pf, &best);
	prefilter_pass_all(pf, "a rule without a literal");
	return 0;
}

/* processRule: "TAGS:BODY", the body after the current prefix. */
static int
prefilter_add_rule(struct prefilter *pf, const char *v, size_t n)
{
	const char *colon = memchr(v, ':', n);
	size_t body;

	if (colon == NULL || (size_t)(colon - v) + 1 == n) {
		prefilter_pass_all(pf, "a rule line liblognorm rejects");
		return 0;
	}
	body = n - (size_t)(colon - v) - 1;
	if (prefilter_reserve(&pf->sample, &pf->sample_cap, pf->prefix_len + body) == -1)
		return -1;
	if (pf->prefix_len > 0)
		memcpy(pf->sample, pf->prefix, pf->prefix_len);
	memcpy(pf->sample + pf->prefix_len, colon + 1, body);
	return prefilter_add_sample(pf, pf->sample, pf->prefix_len + body);
}

/* ln_processSamp: one record, "TYPE=VALUE". */
static int
prefilter_add_record(struct prefilter *pf, const char *r, size_t n)
{
	const char *eq = memchr(r, '=', n);
	size_t tlen, vlen;

	if (eq == NULL) {
		prefilter_pass_all(pf, "a line liblognorm rejects");
		return 0;
	}
	tlen = (size_t)(eq - r);
	vlen = n - tlen - 1;
	if (tlen == 4 && memcmp(r, "rule", 4) == 0)
		return prefilter_add_rule(pf, eq + 1, vlen);
	if ((tlen == 6 && memcmp(r, "prefix", 6) == 0) ||
	    (tlen == 12 && memcmp(r, "extendprefix", 12) == 0)) {
		if (tlen == 6)
			pf->prefix_len = 0;
		if (prefilter_reserve(&pf->prefix, &pf->prefix_cap, pf->prefix_len + vlen) == -1)
			return -1;
		if (vlen > 0)
			memcpy(pf->prefix + pf->prefix_len, eq + 1, vlen);
		pf->prefix_len += vlen;
		return 0;
	}
	/* user-defined types are fields, and fields are opaque; annotations add fields */
	if ((tlen == 4 && memcmp(r, "type", 4) == 0) ||
	    (tlen == 8 && memcmp(r, "annotate", 8) == 0))
		return 0;
	prefilter_pass_all(pf, "include= or a line the prefilter does not know");
	return 0;
}

/*
 * ln_sampLoad and ln_sampRead: the first line exactly "version=2", then
 * records, one a line ('%' toggles "in a field"; a line end inside one
 * continues the record on the next line, which this reader does not
 * follow), comments where a record starts, blank lines skipped.
 */
int
prefilter_add_rulebase(struct prefilter *pf, const char *text, size_t len)
{
	const size_t vlen = sizeof(PREFILTER_VERSION_LINE) - 1;
	size_t i = vlen, start;
	bool in_field;

	if (pf->pass_all != NULL)
		return 0;
	if (len < vlen || memcmp(text, PREFILTER_VERSION_LINE, vlen) != 0) {
		prefilter_pass_all(pf, "a rulebase whose first line is not \"version=2\"");
		return 0;
	}
	if (memchr(text, '\0', len) != NULL) {
		prefilter_pass_all(pf, "a rulebase with a NUL byte");
		return 0;
	}
	pf->prefix_len = 0;
	while (i < len && pf->pass_all == NULL) {
		if (text[i] == '\n') {
			i++;
			continue;
		}
		if (text[i] == '#') {
			while (i < len && text[i] != '\n')
				i++;
			continue;
		}
		in_field = false;
		for (start = i; i < len && text[i] != '\n'; i++)
			if (text[i] == '%')
				in_field = !in_field;
		if (in_field && i < len) {
			prefilter_pass_all(pf, "a rule that spans lines");
			return 0;
		}
		if (i - start >= PREFILTER_RECORD_MAX) {
			prefilter_pass_all(pf, "a line longer than liblognorm reads");
			return 0;
		}
		if (prefilter_add_record(pf, text + start, i - start) == -1)
			return -1;
	}
	return 0;
}

/*
 * Read at most PREFILTER_FILE_MAX + 1 bytes of path into *text (caller
 * frees).  Returns 0, 1 when the file is larger, -1 on error (errno).
 */
static int
prefilter_read(const char *path, char **text, size_t *len)
{
	size_t cap = 64 * 1024, got = 0;
	char *buf = NULL, *p;
	ssize_t r;
	int fd, saved;

	*text = NULL;
	*len = 0;
	if ((fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK)) == -1)
		return -1;
	for (;;) {
		if (got == cap || buf == NULL) {
			if (buf != NULL)
				cap *= 2;
			if ((p = realloc(buf, cap)) == NULL)
				goto fail;
			buf = p;
		}
		r = read(fd, buf + got, cap - got);
		if (r == -1 && errno == EINTR)
			continue;
		if (r == -1)
			goto fail;
		if (r == 0)
			break;
		got += (size_t)r;
		if (got > PREFILTER_FILE_MAX) {
			free(buf);
			close(fd);
			return 1;
		}
	}
	close(fd);
	*text = buf;
	*len = got;
	return 0;
fail:
	saved = errno;
	free(buf);
	close(fd);
	errno = saved;
	return -1;
}

int
prefilter_add_file(struct prefilter *pf, const char *path)
{
	struct loaded_file *f;
	char *text;
	size_t len, cap;
	int rc;

	if (pf->pass_all != NULL)
		return 0;
	if ((rc = prefilter_read(path, &text, &len)) != 0) {
		if (rc == -1 && errno == ENOMEM)
			return -1;
		prefilter_pass_all(pf, rc == 1 ? "a rulebase larger than PREFILTER_FILE_MAX"
					       : "a rulebase it cannot read");
		return 0;
	}
	if (pf->n_files == pf->cap_files) {
		cap = pf->cap_files > 0 ? pf->cap_files * 2 : 16;
		if ((f = realloc(pf->files, cap * sizeof(*f))) == NULL)
			goto nomem;
		pf->files = f;
		pf->cap_files = cap;
	}
	f = &pf->files[pf->n_files];
	if ((f->path = strdup(path)) == NULL)
		goto nomem;
	f->text = text;
	f->len = len;
	pf->n_files++;
	return prefilter_add_rulebase(pf, text, len);
nomem:
	free(text);
	return -1;
}

/* Order of bytes, a literal before the longer ones it starts. */
static int
prefilter_literal_cmp(const void *a, const void *b)
{
	const struct literal *x = a, *y = b;
	size_t n = x->len < y->len ? x->len : y->len;
	int c = memcmp(x->text, y->text, n);

	if (c != 0)
		return c;
	return (int)x->len - (int)y->len;
}

/* Sort, and drop a literal that starts with a kept one (its condition is implied). */
static void
prefilter_sort_prefix_free(struct literal_set *set)
{
	size_t i, kept = 0;

	if (set->n == 0)
		return;
	qsort(set->v, set->n, sizeof(*set->v), prefilter_literal_cmp);
	for (i = 1; i < set->n; i++) {
		const struct literal *k = &set->v[kept];

		if (k->len <= set->v[i].len && memcmp(k->text, set->v[i].text, k->len) == 0)
			continue;
		set->v[++kept] = set->v[i];
	}
	set->n = kept + 1;
}

/* Order of lead, then of next. */
static int
prefilter_pair_cmp(const void *a, const void *b)
{
	const struct lead_pair *x = a, *y = b;
	int c = prefilter_literal_cmp(&x->lead, &y->lead);

	return c != 0 ? c : prefilter_literal_cmp(&x->next, &y->next);
}

static bool
prefilter_literal_eq(const struct literal *a, const struct literal *b)
{
	return a->len == b->len && memcmp(a->text, b->text, a->len) == 0;
}

/* Does lit start with head? */
static bool
prefilter_literal_starts(const struct literal *lit, const struct literal *head)
{
	return head->len <= lit->len && memcmp(lit->text, head->text, head->len) == 0;
}

/*
 * Bytes of log text, the most common first (English letters by frequency,
 * digits, the punctuation of key=value and paths); any other byte is
 * rarer still.  Only a guess of which byte of a literal a message holds
 * least often: it makes prefilter_contains faster, never different.
 */
static const char prefilter_common[] = " etaoinsrlhdcu.mp0-1g2f:b=/y3w45k67v89x_[],(jq)\"'"
				       "SCEAFDRTPIMNLOUBGHKWVYJXQZ";

/* Set lit->rare to the index of its least common byte. */
static void
prefilter_pick_rare(struct literal *lit)
{
	size_t j, best = 0, common, least = SIZE_MAX;
	const char *at;

	for (j = 0; j < lit->len; j++) {
		/* how common: 0 for a byte not in the list, else the earlier the more */
		at = lit->text[j] != '\0' ? strchr(prefilter_common, lit->text[j]) : NULL;
		common =
		    at != NULL ? sizeof(prefilter_common) - (size_t)(at - prefilter_common) : 0;
		if (common < least) {
			least = common;
			best = j;
		}
	}
	lit->rare = (unsigned char)best;
}

/*
 * The pairs v[0..n) of one lead, sorted, to its group at pf->groups[g]:
 * their distinct later literals, none when one rule needs the lead alone
 * (it comes first) or when they are more than PREFILTER_NEXTS_MAX (then
 * a lead shorter than PREFILTER_SHORT_LEAD gives the condition up and its
 * later literals go to contained: *keep false).  -1 when out of memory.
 */
static int
prefilter_group_nexts(
    struct prefilter *pf, const struct lead_pair *v, size_t n, size_t g, bool *keep)
{
	struct lead_group *grp = &pf->groups[g];
	size_t i, distinct = 1;

	*keep = true;
	grp->first = grp->end = (uint32_t)pf->nexts.n;
	if (v[0].next.len == 0)
		return 0;
	for (i = 1; i < n; i++)
		distinct += !prefilter_literal_eq(&v[i].next, &v[i - 1].next);
	if (distinct > PREFILTER_NEXTS_MAX) {
		if (v[0].lead.len >= PREFILTER_SHORT_LEAD)
			return 0;
		*keep = false;
		for (i = 0; i < n; i++)
			if (i == 0 || !prefilter_literal_eq(&v[i].next, &v[i - 1].next))
				if (prefilter_append_literal(&pf->contained, &v[i].next) == -1)
					return -1;
		return 0;
	}
	for (i = 0; i < n; i++)
		if (i == 0 || !prefilter_literal_eq(&v[i].next, &v[i - 1].next)) {
			if (prefilter_append_literal(&pf->nexts, &v[i].next) == -1)
				return -1;
			prefilter_pick_rare(&pf->nexts.v[pf->nexts.n - 1]);
		}
	grp->end = (uint32_t)pf->nexts.n;
	return 0;
}

/* by_byte: where the leads of each first byte begin (they are sorted). */
static void
prefilter_index_first_byte(struct prefilter *pf)
{
	size_t g = 0;
	unsigned c;

	for (c = 0; c <= 256; c++) {
		while (g < pf->n_groups && (unsigned char)pf->groups[g].lead.text[0] < c)
			g++;
		pf->by_byte[c] = (uint32_t)g;
	}
}

/*
 * The anchored pairs to lead groups, sorted by lead, each with its parent
 * (the longest kept lead that starts it).  A group under a lead that
 * needs nothing more is implied by it: dropped.  The pairs are freed.
 */
static int
prefilter_index_anchored(struct prefilter *pf)
{
	struct pair_set *set = &pf->anchored;
	int32_t stack[PREFILTER_LITERAL_MAX + 1];
	size_t i, j, depth = 0;
	bool keep;

	if (set->n == 0)
		return 0;
	qsort(set->v, set->n, sizeof(*set->v), prefilter_pair_cmp);
	if ((pf->groups = calloc(set->n, sizeof(*pf->groups))) == NULL)
		return -1;
	for (i = 0; i < set->n; i = j) {
		const struct literal *lead = &set->v[i].lead;
		struct lead_group *top;

		for (j = i + 1; j < set->n && prefilter_literal_eq(&set->v[j].lead, lead); j++)
			;
		/* leads on the stack start one another: each is longer than the one below */
		while (depth > 0 &&
		       !prefilter_literal_starts(lead, &pf->groups[stack[depth - 1]].lead))
			depth--;
		top = depth > 0 ? &pf->groups[stack[depth - 1]] : NULL;
		if (top != NULL && top->first == top->end)
			continue;
		if (prefilter_group_nexts(pf, set->v + i, j - i, pf->n_groups, &keep) == -1)
			return -1;
		if (!keep)
			continue;
		pf->groups[pf->n_groups].lead = *lead;
		pf->groups[pf->n_groups].parent = depth > 0 ? stack[depth - 1] : -1;
		stack[depth++] = (int32_t)pf->n_groups++;
	}
	free(set->v);
	memset(set, 0, sizeof(*set));
	prefilter_index_first_byte(pf);
	return 0;
}

/* Order of the window hash. */
static int
prefilter_hash_cmp(const void *a, const void *b)
{
	const struct literal *x = a, *y = b;

	return (x->hash > y->hash) - (x->hash < y->hash);
}

/*
 * The tables of prefilter_match_contained: one-byte literals in single;
 * the others (from multi on, sorted by the hash of the pair that ends
 * their first window bytes) in a Wu-Manber shift table, whose entry for a
 * pair is how far a window ending in it may move without passing over an
 * occurrence of any literal.
 */
static void
prefilter_index_contained(struct prefilter *pf)
{
	struct literal_set *set = &pf->contained;
	size_t i, j, w = 0;
	unsigned h;

	/* the one-byte literals to the front */
	for (i = 0, pf->multi = 0; i < set->n; i++)
		if (set->v[i].len == 1) {
			struct literal tmp = set->v[pf->multi];

			pf->single[(unsigned char)set->v[i].text[0]] = 1;
			pf->single_any = true;
			set->v[pf->multi++] = set->v[i];
			set->v[i] = tmp;
		}
	for (i = pf->multi; i < set->n; i++)
		if (w == 0 || set->v[i].len < w)
			w = set->v[i].len;
	pf->window = w;
	if (w == 0)
		return;
	memset(pf->shift, (int)(w - 1), sizeof(pf->shift));
	for (i = pf->multi; i < set->n; i++)
		for (j = 0; j + 2 <= w; j++) {
			h = PREFILTER_HASH(
			    (unsigned char)set->v[i].text[j], (unsigned char)set->v[i].text[j + 1]);
			if (pf->shift[h] > w - 2 - j)
				pf->shift[h] = (unsigned char)(w - 2 - j);
		}
	for (i = pf->multi; i < set->n; i++)
		set->v[i].hash = (unsigned short)PREFILTER_HASH(
		    (unsigned char)set->v[i].text[w - 2], (unsigned char)set->v[i].text[w - 1]);
	qsort(set->v + pf->multi, set->n - pf->multi, sizeof(*set->v), prefilter_hash_cmp);
	memset(pf->hash_bucket, 0, sizeof(pf->hash_bucket));
	for (i = pf->multi; i < set->n; i++)
		pf->hash_bucket[set->v[i].hash + 1]++;
	pf->hash_bucket[0] = (uint32_t)pf->multi;
	for (h = 1; h <= PREFILTER_HASH_SIZE; h++)
		pf->hash_bucket[h] += pf->hash_bucket[h - 1];
}

int
prefilter_seal(struct prefilter *pf)
{
	char *text;
	size_t i, len;
	int rc;

	/* liblognorm read the files between add and now: the same bytes? */
	for (i = 0; i < pf->n_files && pf->pass_all == NULL; i++) {
		const struct loaded_file *f = &pf->files[i];

		if ((rc = prefilter_read(f->path, &text, &len)) == -1 && errno == ENOMEM)
			return -1;
		if (rc != 0 || len != f->len || memcmp(text, f->text, len) != 0)
			prefilter_pass_all(pf, "a rulebase changed while it loaded");
		free(text);
	}
	prefilter_free_files(pf);
	free(pf->prefix);
	free(pf->sample);
	pf->prefix = pf->sample = NULL;
	pf->prefix_len = pf->prefix_cap = pf->sample_cap = 0;
	if (prefilter_index_anchored(pf) == -1)
		return -1;
	prefilter_sort_prefix_free(&pf->contained);
	prefilter_index_contained(pf);
	pf->sealed = true;
	return 0;
}

/*
 * Does text contain lit?  memchr finds its least common byte (few places
 * to compare, often none), then memcmp compares the whole literal there.
 */
static bool
prefilter_contains(const struct literal *lit, const char *text, size_t len)
{
	const size_t r = lit->rare;
	const char *p, *last;

	if (lit->len > len)
		return false;
	p = text + r;
	last = text + (len - lit->len) + r; /* the last place its rare byte can be */
	while ((p = memchr(p, (unsigned char)lit->text[r], (size_t)(last - p) + 1)) != NULL) {
		if (memcmp(p - r, lit->text, lit->len) == 0)
			return true;
		if (p++ == last)
			break;
	}
	return false;
}

/*
 * Does text start with the lead of a group whose rules it may match?  The
 * leads that start text are the greatest lead not above it and the leads
 * that start that one (any lead between a prefix L of text and text
 * starts with L), so the walk from it through the parents sees them all.
 */
static bool
prefilter_match_anchored(const struct prefilter *pf, const char *text, size_t len)
{
	size_t first, lo, hi, mid, n, k;
	const struct literal *l;
	int32_t g;
	int c;

	if (len == 0)
		return false;
	/* among the leads of text's first byte (the others cannot start it) */
	first = lo = pf->by_byte[(unsigned char)text[0]];
	hi = pf->by_byte[(unsigned char)text[0] + 1];
	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		l = &pf->groups[mid].lead;
		n = l->len < len ? l->len : len;
		c = memcmp(l->text + 1, text + 1, n - 1);
		if (c < 0 || (c == 0 && l->len <= len))
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo == first)
		return false;
	for (g = (int32_t)lo - 1; g >= 0; g = pf->groups[g].parent) {
		const struct lead_group *grp = &pf->groups[g];

		if (grp->lead.len > len || memcmp(grp->lead.text, text, grp->lead.len) != 0)
			continue;
		if (grp->first == grp->end)
			return true;
		for (k = grp->first; k < grp->end; k++)
			if (prefilter_contains(&pf->nexts.v[k], text, len))
				return true;
	}
	return false;
}

/*
 * Does text contain one of the contained literals?  Wu-Manber: a window of
 * the shortest longer literal's length slides along text, by the shift
 * of the byte pair it ends with; a shift of 0 checks the literals whose
 * first window bytes end in that pair.
 */
static bool
prefilter_match_contained(const struct prefilter *pf, const char *text, size_t len)
{
	const unsigned char *t = (const unsigned char *)text;
	const size_t w = pf->window;
	size_t i, k;
	unsigned h;

	if (pf->single_any)
		for (i = 0; i < len; i++)
			if (pf->single[t[i]])
				return true;
	if (w == 0 || len < w)
		return false;
	for (i = 0; i <= len - w;) {
		h = PREFILTER_HASH(t[i + w - 2], t[i + w - 1]);
		if (pf->shift[h] > 0) {
			i += pf->shift[h];
			continue;
		}
		for (k = pf->hash_bucket[h]; k < pf->hash_bucket[h + 1]; k++) {
			const struct literal *l = &pf->contained.v[k];

			if (l->len <= len - i && memcmp(l->text, t + i, l->len) == 0)
				return true;
		}
		i++;
	}
	return false;
}

bool
prefilter_may_match(const struct prefilter *pf, const char *text, size_t len)
{
	if (pf->pass_all != NULL || !pf->sealed)
		return true;
	if (pf->n_groups > 0 && prefilter_match_anchored(pf, text, len))
		return true;
	return pf->contained.n > 0 && prefilter_match_contained(pf, text, len);
}

const char *
prefilter_passes_all(const struct prefilter *pf)
{
	if (pf->pass_all == NULL && !pf->sealed)
		return "not sealed";
	return pf->pass_all;
}

size_t
prefilter_anchored_count(const struct prefilter *pf)
{
	return pf->n_groups;
}

size_t
prefilter_next_count(const struct prefilter *pf)
{
	return pf->nexts.n;
}

size_t
prefilter_contained_count(const struct prefilter *pf)
{
	return pf->contained.n;
}

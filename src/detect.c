/*
 * detect.c: load, check and run the detections (doc/detections.md).
 *
 * Loading parses each "*.detections" file with libConfuse (comments are
 * blanked by conf_strip_comments first, for the same line-count reason as
 * conf.c) and compiles every condition: fields resolved to a header field
 * or a liblognorm path, arguments lower-cased once for the *_i operators,
 * regexes compiled once.  Nothing is parsed per message.
 *
 * Line numbers: libConfuse gives a section no line of its own, so each
 * block gets a hidden integer list whose default is parsed when the block
 * opens (the trick conf.c explains), and the technique key records where
 * it was set; condition, severity and regex mistakes are reported from
 * their parse callbacks, where libConfuse's line is the value's own.
 */
#include "config.h"

#include <sys/stat.h>

#include <confuse.h>
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json.h>

#include "conf.h"
#include "detect.h"

#define DETECTIONS_SUFFIX ".detections"
#define RULEBASE_SUFFIX ".rulebase"
/* Bounds of what a detections file may hold. */
#define DETECT_MAX_FILE (1024 * 1024)
#define DETECT_PATH_MAX 255
#define DETECT_PATH_SEGMENTS 16
#define DETECT_MAX_ARGS 1024
#define DETECT_MAX_CONDS 64
/*
 * Hidden options: a '#' starts a comment, so no file can set them (a '|',
 * as conf.c uses, would be taken for a section path by cfg_getint).
 */
#define OPT_LINE "#line"
#define OPT_TECHNIQUE_LINE "#technique_line"

/* The header fields a condition may name, after liblognorm's fields. */
enum header_field {
	HDR_NONE = 0,
	HDR_APPNAME,
	HDR_HOSTNAME,
	HDR_PROCID,
	HDR_MSGID,
	HDR_FACILITY,
	HDR_SEVERITY,
	HDR_HOST_HOSTNAME,
	HDR_SOURCE_IP,
	HDR_MESSAGE,
};

static const struct {
	const char *name;
	enum header_field field;
} header_fields[] = {
    {"log.syslog.appname", HDR_APPNAME},
    {"log.syslog.hostname", HDR_HOSTNAME},
    {"log.syslog.procid", HDR_PROCID},
    {"log.syslog.msgid", HDR_MSGID},
    {"log.syslog.facility.code", HDR_FACILITY},
    {"log.syslog.severity.code", HDR_SEVERITY},
    {"host.hostname", HDR_HOST_HOSTNAME},
    {"source.ip", HDR_SOURCE_IP},
    {"message", HDR_MESSAGE},
};

enum cond_op {
	OP_EXISTS,
	OP_MISSING,
	OP_EQ,
	OP_NE,
	OP_EQ_I,
	OP_NE_I,
	OP_IN,
	OP_NOT_IN,
	OP_IN_I,
	OP_NOT_IN_I,
	OP_CONTAINS,
	OP_CONTAINS_I,
	OP_NOT_CONTAINS_I,
	OP_STARTS_I,
	OP_ENDS_I,
	OP_REGEX,
	OP_NOT_REGEX,
	OP_SAMEHOST,
	OP_NOT_SAMEHOST,
};

enum op_arg { ARG_NONE, ARG_ONE, ARG_LIST };

/* The operators: name, argument shape, case folding, truth on an absent field. */
static const struct op_def {
	const char *name;
	enum cond_op op;
	enum op_arg arg;
	bool fold;          /* compare ignoring ASCII case */
	bool when_absent;   /* value when the field is absent */
} op_defs[] = {
    {"exists", OP_EXISTS, ARG_NONE, false, false},
    {"missing", OP_MISSING, ARG_NONE, false, true},
    {"==", OP_EQ, ARG_ONE, false, false},
    {"!=", OP_NE, ARG_ONE, false, true},
    {"=~", OP_EQ_I, ARG_ONE, true, false},
    {"!~", OP_NE_I, ARG_ONE, true, true},
    {"in", OP_IN, ARG_LIST, false, false},
    {"!in", OP_NOT_IN, ARG_LIST, false, true},
    {"in_i", OP_IN_I, ARG_LIST, true, false},
    {"!in_i", OP_NOT_IN_I, ARG_LIST, true, true},
    {"contains", OP_CONTAINS, ARG_ONE, false, false},
    {"contains_i", OP_CONTAINS_I, ARG_ONE, true, false},
    {"!contains_i", OP_NOT_CONTAINS_I, ARG_ONE, true, true},
    {"starts_with_i", OP_STARTS_I, ARG_ONE, true, false},
    {"ends_with_i", OP_ENDS_I, ARG_ONE, true, false},
    {"regex", OP_REGEX, ARG_ONE, false, false},
    {"!regex", OP_NOT_REGEX, ARG_ONE, false, true},
    {"samehost", OP_SAMEHOST, ARG_ONE, false, false},
    {"!samehost", OP_NOT_SAMEHOST, ARG_ONE, false, true},
};

/* A field name resolved at load: a header field, or a liblognorm path. */
struct field_ref {
	char *path;
	size_t len;
	enum header_field header; /* HDR_NONE when not a header name */
};

struct detect_cond {
	char *text;                 /* as written, for messages and explain */
	struct field_ref field;
	const struct op_def *op;
	char **args;                /* lower-cased for folding operators */
	size_t *arg_len;
	size_t n_args;
	struct field_ref other;     /* samehost */
	regex_t re;
	bool has_re;
};

/* Detections listed under one rule tag, in load order. */
struct tag_entry {
	const char *tag;            /* points into a detection's tags */
	size_t len;
	size_t *dets;
	size_t n;
};

struct technique_slot {
	struct detect_technique t;
	char *file;
	int line;
};

struct detect_set {
	struct detection *dets;
	size_t n_dets;
	struct technique_slot *techniques;
	size_t n_techniques;
	atomic_uint_fast64_t *technique_alerts;
	struct tag_entry *tags;
	size_t n_tags;
	regex_t *redact;
	size_t n_redact;
	/* The alternation of every redact pattern (see detect_redaction_filter). */
	char *redact_alt;          /* "(p1)|(p2)|..." while loading; freed after */
	size_t redact_alt_len;
	bool redact_alt_unsafe;    /* a pattern that must not be combined */
	regex_t redact_filter;
	bool has_redact_filter;
	size_t n_files;
};

/* The state of the load in progress on this thread (libConfuse has no user pointer). */
struct detect_parse {
	char *err;
	size_t errlen;
	bool failed;
	const char *file;
};

static _Thread_local struct detect_parse *detect_current;

/* Record the first error as "file:line: message". */
static void __attribute__((format(printf, 2, 3)))
detect_error(int line, const char *fmt, ...)
{
	struct detect_parse *dp = detect_current;
	char msg[768];
	va_list ap;

	if (dp == NULL || dp->failed)
		return;
	dp->failed = true;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (line > 0)
		snprintf(dp->err, dp->errlen, "%s:%d: %s", dp->file, line, msg);
	else
		snprintf(dp->err, dp->errlen, "%s: %s", dp->file, msg);
}

/* ASCII lower case, whatever the locale. */
static inline unsigned char
lower(unsigned char c)
{
	return c >= 'A' && c <= 'Z' ? (unsigned char)(c + ('a' - 'A')) : c;
}

/* a[0..n) equals b[0..n) ignoring ASCII case; b is already lower case. */
static bool
equal_fold(const char *a, const char *b, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (lower((unsigned char)a[i]) != (unsigned char)b[i])
			return false;
	return true;
}

/* needle (lower case) occurs in hay[0..hlen), ignoring case when fold. */
static bool
contains(const char *hay, size_t hlen, const char *needle, size_t nlen, bool fold)
{
	size_t i;

	if (nlen == 0)
		return true;
	if (nlen > hlen)
		return false;
	if (!fold)
		return memmem(hay, hlen, needle, nlen) != NULL;
	for (i = 0; i + nlen <= hlen; i++)
		if (lower((unsigned char)hay[i]) == (unsigned char)needle[0] &&
		    equal_fold(hay + i, needle, nlen))
			return true;
	return false;
}

/* A field path: 1..DETECT_PATH_MAX bytes, no empty segment, no blanks or quotes. */
static const char *
path_check(const char *p, size_t len)
{
	size_t i, segs = 1;

	if (len == 0)
		return "is empty";
	if (len > DETECT_PATH_MAX)
		return "is longer than 255 bytes";
	if (p[0] == '.' || p[len - 1] == '.')
		return "has an empty segment";
	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)p[i];

		if (c <= ' ' || c == '\'' || c == '"' || c == '(' || c == ')' || c == ',' ||
		    c == 0x7f)
			return "holds a blank, quote, parenthesis or comma";
		if (c == '.') {
			if (p[i + 1] == '.')
				return "has an empty segment";
			segs++;
		}
	}
	if (segs > DETECT_PATH_SEGMENTS)
		return "has more than 16 segments";
	return NULL;
}

/* Resolve a field name once: a header field, or a path into liblognorm's fields. */
static int
field_ref_init(struct field_ref *f, const char *p, size_t len)
{
	size_t i;

	f->header = HDR_NONE;
	for (i = 0; i < sizeof(header_fields) / sizeof(header_fields[0]); i++)
		if (strlen(header_fields[i].name) == len &&
		    memcmp(header_fields[i].name, p, len) == 0)
			f->header = header_fields[i].field;
	f->path = strndup(p, len);
	f->len = len;
	return f->path == NULL ? -1 : 0;
}

/*
 * Find path in a liblognorm object: the literal dotted key first, then
 * each prefix that names an object, with the rest of the path inside it.
 */
static struct json_object *
norm_lookup(struct json_object *obj, const char *path, size_t len, int depth)
{
	char key[DETECT_PATH_MAX + 1];
	struct json_object *v;
	size_t i;

	if (obj == NULL || depth > DETECT_PATH_SEGMENTS || len > DETECT_PATH_MAX ||
	    !json_object_is_type(obj, json_type_object))
		return NULL;
	memcpy(key, path, len);
	key[len] = '\0';
	if (json_object_object_get_ex(obj, key, &v) && v != NULL)
		return v;
	for (i = 1; i + 1 < len; i++) {
		if (path[i] != '.')
			continue;
		key[i] = '\0';
		if (json_object_object_get_ex(obj, key, &v) && v != NULL &&
		    json_object_is_type(v, json_type_object)) {
			struct json_object *r = norm_lookup(v, path + i + 1, len - i - 1, depth + 1);

			if (r != NULL)
				return r;
		}
		key[i] = '.';
	}
	return NULL;
}

/* A liblognorm value as text: strings as they are, numbers and booleans as written. */
static int
json_text(struct json_object *v, struct detect_value *out)
{
	int n;

	out->terminated = true;
	switch (json_object_get_type(v)) {
	case json_type_null:
		return 0;
	case json_type_string:
		out->s.p = json_object_get_string(v);
		out->s.len = (size_t)json_object_get_string_len(v);
		return out->s.p != NULL;
	case json_type_int:
		n = snprintf(out->num, sizeof(out->num), "%" PRId64, json_object_get_int64(v));
		out->s.p = out->num;
		out->s.len = (size_t)n;
		return 1;
	case json_type_boolean:
		out->s.p = json_object_get_boolean(v) ? "true" : "false";
		out->s.len = strlen(out->s.p);
		return 1;
	default:
		/* doubles, objects, arrays: their JSON text */
		out->s.p = json_object_to_json_string_ext(v, JSON_C_TO_STRING_PLAIN);
		out->s.len = out->s.p != NULL ? strlen(out->s.p) : 0;
		return out->s.p != NULL;
	}
}

/* A slice as a value; 0 when absent. */
static int
slice_value(struct slice sl, struct detect_value *out)
{
	if (sl.p == NULL)
		return 0;
	out->s = sl;
	out->terminated = false;
	return 1;
}

/* A header field of the event. */
static int
header_value(const struct detect_event *ev, enum header_field h, struct detect_value *out)
{
	const struct syslog_msg *m = ev->msg;
	struct slice ip = {ev->source_ip, ev->source_ip ? strlen(ev->source_ip) : 0};
	int n;

	switch (h) {
	case HDR_NONE:
		return 0;
	case HDR_APPNAME:
		return slice_value(m->appname, out);
	case HDR_HOSTNAME:
		return slice_value(m->hostname, out);
	case HDR_PROCID:
		return slice_value(m->procid, out);
	case HDR_MSGID:
		return slice_value(m->msgid, out);
	case HDR_FACILITY:
	case HDR_SEVERITY:
		n = snprintf(out->num, sizeof(out->num), "%d",
		    h == HDR_FACILITY ? m->pri >> 3 : m->pri & 7);
		out->s.p = out->num;
		out->s.len = (size_t)n;
		out->terminated = true;
		return 1;
	case HDR_HOST_HOSTNAME:
		if (m->hostname.p != NULL)
			return slice_value(m->hostname, out);
		/* no hostname: the source address stands in */
		__attribute__((fallthrough));
	case HDR_SOURCE_IP:
		if (!slice_value(ip, out))
			return 0;
		out->terminated = true;
		return 1;
	case HDR_MESSAGE:
		return slice_value(m->msg, out);
	}
	return 0;
}

/* Look up a resolved field: liblognorm's fields, then the header. */
static int
field_value(const struct detect_event *ev, const struct field_ref *f, struct detect_value *out)
{
	struct json_object *v;

	out->s.p = NULL;
	out->s.len = 0;
	if (ev->norm != NULL && (v = norm_lookup(ev->norm, f->path, f->len, 0)) != NULL &&
	    json_text(v, out))
		return 1;
	return header_value(ev, f->header, out);
}

int
detect_field(const struct detect_event *ev, const char *path, struct detect_value *out)
{
	struct field_ref f;
	size_t i, len = strlen(path);

	out->s.p = NULL;
	out->s.len = 0;
	if (len == 0 || len > DETECT_PATH_MAX)
		return 0;
	f.path = (char *)path;
	f.len = len;
	f.header = HDR_NONE;
	for (i = 0; i < sizeof(header_fields) / sizeof(header_fields[0]); i++)
		if (strcmp(header_fields[i].name, path) == 0)
			f.header = header_fields[i].field;
	return field_value(ev, &f, out);
}

struct slice
detect_field_slice(const struct detect_event *ev, const char *path, struct detect_value *v)
{
	struct slice none = {NULL, 0};

	if (path == NULL || !detect_field(ev, path, v))
		return none;
	return v->s;
}

/* A host name up to its first '.', or an IP address whole. */
size_t
detect_host_key_len(const char *p, size_t len)
{
	size_t i;
	bool ipv4 = true;

	if (memchr(p, ':', len) != NULL)
		return len; /* IPv6 */
	for (i = 0; i < len; i++)
		if (!(p[i] == '.' || (p[i] >= '0' && p[i] <= '9')))
			ipv4 = false;
	if (ipv4)
		return len;
	for (i = 0; i < len; i++)
		if (p[i] == '.')
			return i;
	return len;
}

/* samehost: equal ignoring case after cutting each name at its first '.'. */
static bool
same_host(struct slice a, struct slice b)
{
	size_t la = detect_host_key_len(a.p, a.len), lb = detect_host_key_len(b.p, b.len), i;

	if (la != lb || la == 0)
		return false;
	for (i = 0; i < la; i++)
		if (lower((unsigned char)a.p[i]) != lower((unsigned char)b.p[i]))
			return false;
	return true;
}

/*
 * regexec over a value.  REG_STARTEND bounds the match, but the string
 * must still be NUL-terminated (sanitizers check it with strlen), so a
 * slice of the frame is copied first.  Offsets in m are relative to v->s.p.
 */
static int
regex_run(const regex_t *re, const struct detect_value *v, size_t nm, regmatch_t *m)
{
	char buf[1024], *copy = buf;
	const char *text = v->s.p;
	int rc;

	if (!v->terminated) {
		if (v->s.len >= sizeof(buf) && (copy = malloc(v->s.len + 1)) == NULL)
			return REG_ESPACE;
		memcpy(copy, v->s.p, v->s.len);
		copy[v->s.len] = '\0';
		text = copy;
	}
	m[0].rm_so = 0;
	m[0].rm_eo = (regoff_t)v->s.len;
	rc = regexec(re, text, nm, m, REG_STARTEND);
	if (copy != buf)
		free(copy);
	return rc;
}

/* Does the compiled regex match the value? */
static bool
regex_matches(const regex_t *re, const struct detect_value *v)
{
	regmatch_t m[1];

	return regex_run(re, v, 1, m) == 0;
}

/* Evaluate one condition on an event. */
static bool
cond_holds(const struct detect_cond *c, const struct detect_event *ev)
{
	struct detect_value v, w;
	struct slice s;
	size_t i;

	if (!field_value(ev, &c->field, &v))
		return c->op->when_absent;
	s = v.s;
	switch (c->op->op) {
	case OP_EXISTS:
		return true;
	case OP_MISSING:
		return false;
	case OP_EQ:
	case OP_NE:
		return (s.len == c->arg_len[0] && memcmp(s.p, c->args[0], s.len) == 0) ==
		    (c->op->op == OP_EQ);
	case OP_EQ_I:
	case OP_NE_I:
		return (s.len == c->arg_len[0] && equal_fold(s.p, c->args[0], s.len)) ==
		    (c->op->op == OP_EQ_I);
	case OP_IN:
	case OP_NOT_IN:
	case OP_IN_I:
	case OP_NOT_IN_I:
		for (i = 0; i < c->n_args; i++) {
			if (s.len != c->arg_len[i])
				continue;
			if (c->op->fold ? equal_fold(s.p, c->args[i], s.len)
					: memcmp(s.p, c->args[i], s.len) == 0)
				return c->op->op == OP_IN || c->op->op == OP_IN_I;
		}
		return c->op->op == OP_NOT_IN || c->op->op == OP_NOT_IN_I;
	case OP_CONTAINS:
	case OP_CONTAINS_I:
		return contains(s.p, s.len, c->args[0], c->arg_len[0], c->op->fold);
	case OP_NOT_CONTAINS_I:
		return !contains(s.p, s.len, c->args[0], c->arg_len[0], true);
	case OP_STARTS_I:
		return s.len >= c->arg_len[0] && equal_fold(s.p, c->args[0], c->arg_len[0]);
	case OP_ENDS_I:
		return s.len >= c->arg_len[0] &&
		    equal_fold(s.p + s.len - c->arg_len[0], c->args[0], c->arg_len[0]);
	case OP_REGEX:
	case OP_NOT_REGEX:
		return regex_matches(&c->re, &v) == (c->op->op == OP_REGEX);
	case OP_SAMEHOST:
	case OP_NOT_SAMEHOST:
		if (!field_value(ev, &c->other, &w))
			return c->op->op == OP_NOT_SAMEHOST;
		return same_host(s, w.s) == (c->op->op == OP_SAMEHOST);
	}
	return false;
}

/*
 * The account a detection names: its target field, or capture group 1 of
 * target_pattern in it (the whole match when the pattern has no group).
 * With a target_pattern, no match means the detection does not hold.
 */
static bool
detection_target(const struct detection *d, const struct detect_event *ev,
    struct detect_result *res)
{
	struct field_ref f = {d->target, strlen(d->target), HDR_NONE};
	struct detect_value v;
	regmatch_t m[2];
	size_t i;

	for (i = 0; i < sizeof(header_fields) / sizeof(header_fields[0]); i++)
		if (strcmp(header_fields[i].name, d->target) == 0)
			f.header = header_fields[i].field;
	res->target.p = NULL;
	res->target.len = 0;
	if (!field_value(ev, &f, &v))
		return !d->has_target_pattern;
	if (v.s.p == v.num) {
		/* a number: keep it in the result */
		memcpy(res->num, v.num, sizeof(res->num));
		v.s.p = res->num;
	}
	if (!d->has_target_pattern) {
		res->target = v.s;
		return true;
	}
	if (regex_run(&d->target_re, &v, 2, m) != 0)
		return false;
	if (d->target_re.re_nsub >= 1 && m[1].rm_so >= 0)
		m[0] = m[1];
	res->target.p = v.s.p + m[0].rm_so;
	res->target.len = (size_t)(m[0].rm_eo - m[0].rm_so);
	return res->target.len > 0;
}

/* Every when holds, no unless holds, and the target pattern (if any) matches. */
static bool
detection_holds(const struct detection *d, const struct detect_event *ev,
    struct detect_result *res)
{
	size_t i;

	for (i = 0; i < d->n_when; i++)
		if (!cond_holds(&d->when[i], ev))
			return false;
	for (i = 0; i < d->n_unless; i++)
		if (cond_holds(&d->unless[i], ev))
			return false;
	return detection_target(d, ev, res);
}

/* Severity order for detect_match: a silent detection ranks below low. */
static int
detection_rank(const struct detection *d)
{
	return d->silent ? -1 : (int)d->severity;
}

/* Binary search of the tag index; NULL when no detection lists the tag. */
static const struct tag_entry *
tag_find(const struct detect_set *s, const char *tag, size_t len)
{
	size_t lo = 0, hi = s->n_tags;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		const struct tag_entry *e = &s->tags[mid];
		size_t n = e->len < len ? e->len : len;
		int c = memcmp(e->tag, tag, n);

		if (c == 0)
			c = e->len < len ? -1 : e->len > len ? 1 : 0;
		if (c == 0)
			return e;
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

int
detect_match(const struct detect_set *s, const struct detect_event *ev,
    struct detect_result *res)
{
	struct json_object *tags, *t;
	struct detect_result cand;
	const struct detection *best = NULL;
	size_t i, j, n;

	if (s == NULL || s->n_tags == 0 || ev->norm == NULL ||
	    !json_object_object_get_ex(ev->norm, "event.tags", &tags) ||
	    !json_object_is_type(tags, json_type_array))
		return 0;
	n = json_object_array_length(tags);
	for (i = 0; i < n; i++) {
		const struct tag_entry *e;
		const char *tag;
		size_t tlen;

		t = json_object_array_get_idx(tags, i);
		if (t == NULL || !json_object_is_type(t, json_type_string))
			continue;
		tag = json_object_get_string(t);
		tlen = (size_t)json_object_get_string_len(t);
		if ((e = tag_find(s, tag, tlen)) == NULL)
			continue;
		for (j = 0; j < e->n; j++) {
			const struct detection *d = &s->dets[e->dets[j]];

			if (best != NULL && (detection_rank(d) < detection_rank(best) ||
			    (detection_rank(d) == detection_rank(best) && d->index >= best->index)))
				continue;
			if (!detection_holds(d, ev, &cand))
				continue;
			best = d;
			*res = cand;
			if (cand.target.p >= cand.num &&
			    cand.target.p < cand.num + sizeof(cand.num))
				res->target.p = res->num + (cand.target.p - cand.num);
			res->detection = d;
			res->tag.p = tag;
			res->tag.len = tlen;
		}
	}
	return best != NULL;
}

/* ---- loading ------------------------------------------------------------ */

static void
cond_free(struct detect_cond *c)
{
	size_t i;

	free(c->text);
	free(c->field.path);
	free(c->other.path);
	for (i = 0; i < c->n_args; i++)
		free(c->args[i]);
	free(c->args);
	free(c->arg_len);
	if (c->has_re)
		regfree(&c->re);
}

/* Skip blanks. */
static const char *
skip_blanks(const char *p)
{
	while (*p == ' ' || *p == '\t')
		p++;
	return p;
}

/* Add one argument to a condition; -1 when out of memory or too many. */
static int
cond_add_arg(struct detect_cond *c, const char *p, size_t len, bool fold)
{
	char **na;
	size_t *nl, i;
	char *a;

	if (c->n_args == DETECT_MAX_ARGS)
		return -1;
	if ((a = malloc(len + 1)) == NULL)
		return -1;
	for (i = 0; i < len; i++)
		a[i] = fold ? (char)lower((unsigned char)p[i]) : p[i];
	a[len] = '\0';
	na = realloc(c->args, (c->n_args + 1) * sizeof(*na));
	if (na == NULL) {
		free(a);
		return -1;
	}
	c->args = na;
	nl = realloc(c->arg_len, (c->n_args + 1) * sizeof(*nl));
	if (nl == NULL) {
		free(a);
		return -1;
	}
	c->arg_len = nl;
	c->args[c->n_args] = a;
	c->arg_len[c->n_args++] = len;
	return 0;
}

/*
 * One ARGUMENT: a bare word, or a single-quoted string with \' and \\.
 * Returns the byte after it, or NULL with *why set.
 */
static const char *
parse_arg(struct detect_cond *c, const char *p, bool fold, const char **why)
{
	char buf[4096];
	size_t n = 0;

	if (*p == '\'') {
		for (p++; *p != '\''; p++) {
			if (*p == '\0') {
				*why = "quoted argument is not closed (expected ')";
				return NULL;
			}
			if (*p == '\\' && (p[1] == '\'' || p[1] == '\\'))
				p++;
			if (n == sizeof(buf)) {
				*why = "argument longer than 4096 bytes";
				return NULL;
			}
			buf[n++] = *p;
		}
		p++;
	} else {
		const char *start = p;

		while (*p != '\0' && *p != ' ' && *p != '\t' && *p != ',' && *p != '(' &&
		    *p != ')' && *p != '\'' && *p != '"')
			p++;
		if (p == start) {
			*why = "missing argument (expected a word, 'quoted text' or a (list))";
			return NULL;
		}
		n = (size_t)(p - start);
		if (n > sizeof(buf)) {
			*why = "argument longer than 4096 bytes";
			return NULL;
		}
		memcpy(buf, start, n);
	}
	if (cond_add_arg(c, buf, n, fold) == -1) {
		*why = "too many arguments, or out of memory";
		return NULL;
	}
	return p;
}

/* Operator names for "expected one of". */
static void
op_names(char *buf, size_t len)
{
	size_t i, used = 0;
	int n;

	buf[0] = '\0';
	for (i = 0; i < sizeof(op_defs) / sizeof(op_defs[0]); i++) {
		n = snprintf(buf + used, len - used, "%s%s", i ? " " : "", op_defs[i].name);
		if (n < 0 || (size_t)n >= len - used)
			return;
		used += (size_t)n;
	}
}

/*
 * Compile "FIELD OP [ARGUMENT]" into c.  Returns 0, or -1 with the reason
 * in why (the caller's buffer).
 */
static int
cond_compile(struct detect_cond *c, const char *text, char *why, size_t whylen)
{
	const char *p, *start, *bad = NULL;
	char names[512];
	size_t i, len;
	int rc;

	memset(c, 0, sizeof(*c));
	if ((c->text = strdup(text)) == NULL)
		goto nomem;
	p = skip_blanks(text);
	for (start = p; *p != '\0' && *p != ' ' && *p != '\t'; p++)
		;
	if (p == start) {
		snprintf(why, whylen, "empty condition (expected FIELD OP [ARGUMENT])");
		return -1;
	}
	if ((bad = path_check(start, (size_t)(p - start))) != NULL) {
		snprintf(why, whylen, "field \"%.*s\" %s", (int)(p - start), start, bad);
		return -1;
	}
	if (field_ref_init(&c->field, start, (size_t)(p - start)) == -1)
		goto nomem;
	p = skip_blanks(p);
	for (start = p; *p != '\0' && *p != ' ' && *p != '\t'; p++)
		;
	len = (size_t)(p - start);
	for (i = 0; i < sizeof(op_defs) / sizeof(op_defs[0]); i++)
		if (strlen(op_defs[i].name) == len && memcmp(op_defs[i].name, start, len) == 0)
			c->op = &op_defs[i];
	if (c->op == NULL) {
		op_names(names, sizeof(names));
		if (len == 0)
			snprintf(why, whylen, "missing operator after \"%s\" (expected one of: %s)",
			    c->field.path, names);
		else
			snprintf(why, whylen, "unknown operator \"%.*s\" (expected one of: %s)",
			    (int)len, start, names);
		return -1;
	}
	p = skip_blanks(p);
	if (c->op->arg == ARG_NONE) {
		if (*p != '\0') {
			snprintf(why, whylen, "%s takes no argument (found \"%s\")", c->op->name, p);
			return -1;
		}
		return 0;
	}
	if (*p == '\0') {
		snprintf(why, whylen,
		    "%s needs an argument (expected a word, 'quoted text'%s)", c->op->name,
		    c->op->arg == ARG_LIST ? " or a (list)" : "");
		return -1;
	}
	if (*p == '(') {
		if (c->op->arg != ARG_LIST) {
			snprintf(why, whylen, "%s takes one value, not a list", c->op->name);
			return -1;
		}
		p = skip_blanks(p + 1);
		for (;;) {
			if ((p = parse_arg(c, p, c->op->fold, &bad)) == NULL) {
				snprintf(why, whylen, "%s", bad);
				return -1;
			}
			p = skip_blanks(p);
			if (*p == ')')
				break;
			if (*p != ',') {
				snprintf(why, whylen, "list not closed (expected ',' or ')')");
				return -1;
			}
			p = skip_blanks(p + 1);
		}
		p++;
	} else if ((p = parse_arg(c, p, c->op->fold, &bad)) == NULL) {
		snprintf(why, whylen, "%s", bad);
		return -1;
	}
	p = skip_blanks(p);
	if (*p != '\0') {
		snprintf(why, whylen, "unexpected \"%s\" after the argument", p);
		return -1;
	}
	if (c->op->op == OP_REGEX || c->op->op == OP_NOT_REGEX) {
		rc = regcomp(&c->re, c->args[0], REG_EXTENDED | REG_ICASE | REG_NOSUB);
		if (rc != 0) {
			char msg[256];

			regerror(rc, &c->re, msg, sizeof(msg));
			snprintf(why, whylen, "bad regex '%s': %s", c->args[0], msg);
			return -1;
		}
		c->has_re = true;
	}
	if (c->op->op == OP_SAMEHOST || c->op->op == OP_NOT_SAMEHOST) {
		if ((bad = path_check(c->args[0], c->arg_len[0])) != NULL) {
			snprintf(why, whylen, "%s needs a field name: \"%s\" %s", c->op->name,
			    c->args[0], bad);
			return -1;
		}
		if (field_ref_init(&c->other, c->args[0], c->arg_len[0]) == -1)
			goto nomem;
	}
	return 0;
nomem:
	snprintf(why, whylen, "out of memory");
	return -1;
}

/* Compile a redact pattern or target_pattern; 0, or -1 with why. */
static int
regex_compile(regex_t *re, const char *pattern, char *why, size_t whylen)
{
	int rc = regcomp(re, pattern, REG_EXTENDED | REG_ICASE);
	char msg[256];

	if (rc == 0)
		return 0;
	regerror(rc, re, msg, sizeof(msg));
	snprintf(why, whylen, "bad regex '%s': %s", pattern, msg);
	return -1;
}

/* Parse callback of when/unless: the condition must compile. */
static int
detect_condcb(cfg_t *cfg, cfg_opt_t *opt, const char *value, void *result)
{
	struct detect_cond c;
	char why[512];
	int rc = cond_compile(&c, value ? value : "", why, sizeof(why));

	cond_free(&c);
	if (rc == -1) {
		detect_error(cfg->line, "detection %s: %s \"%s\": %s", cfg->title, opt->name,
		    value ? value : "", why);
		return -1;
	}
	*(const char **)result = value;
	return 0;
}

/* Parse callback of redact and target_pattern: a POSIX ERE. */
static int
detect_regexcb(cfg_t *cfg, cfg_opt_t *opt, const char *value, void *result)
{
	regex_t re;
	char why[512];

	if (value != NULL && value[0] != '\0') {
		if (regex_compile(&re, value, why, sizeof(why)) == -1) {
			if (cfg->title != NULL)
				detect_error(cfg->line, "detection %s: %s: %s", cfg->title,
				    opt->name, why);
			else
				detect_error(cfg->line, "%s: %s", opt->name, why);
			return -1;
		}
		regfree(&re);
	}
	*(const char **)result = value;
	return 0;
}

/* Severity words in order of enum detect_severity. */
static const char *const severity_names[] = {"low", "medium", "high", "critical"};

const char *
detect_severity_name(enum detect_severity sev)
{
	return (unsigned)sev < 4 ? severity_names[sev] : "unknown";
}

int
detect_severity_score(enum detect_severity sev)
{
	static const int scores[] = {21, 47, 73, 99};

	return (unsigned)sev < 4 ? scores[sev] : 0;
}

/* Parse callback of severity: one of the four words. */
static int
detect_severitycb(cfg_t *cfg, cfg_opt_t *opt, const char *value, void *result)
{
	size_t i;

	for (i = 0; value != NULL && i < 4; i++)
		if (strcmp(value, severity_names[i]) == 0) {
			*(const char **)result = value;
			return 0;
		}
	if (value != NULL && strcmp(value, "none") == 0) {
		*(const char **)result = value;
		return 0;
	}
	detect_error(cfg->line,
	    "detection %s: unknown severity \"%s\" (expected none, low, medium, high or critical)",
	    cfg->title, value ? value : "");
	return -1;
}

/* Fact words in order of enum detect_fact (the first is none). */
static const char *const fact_names[] = {"", "account-created", "account-deleted",
    "admin-member-added", "session"};

const char *
detect_fact_name(enum detect_fact fact)
{
	return (unsigned)fact < sizeof(fact_names) / sizeof(fact_names[0]) ? fact_names[fact] : "";
}

/* Parse callback of fact: one of the fact words. */
static int
detect_factcb(cfg_t *cfg, cfg_opt_t *opt, const char *value, void *result)
{
	size_t i;

	(void)opt;
	for (i = 1; value != NULL && i < sizeof(fact_names) / sizeof(fact_names[0]); i++)
		if (strcmp(value, fact_names[i]) == 0) {
			*(const char **)result = value;
			return 0;
		}
	detect_error(cfg->line, "detection %s: unknown fact \"%s\" (expected account-created, "
	    "account-deleted, admin-member-added or session)", cfg->title, value ? value : "");
	return -1;
}

/* Parse callback of the technique key: remember its line for "unknown technique". */
static int
detect_techniquecb(cfg_t *cfg, cfg_opt_t *opt, const char *value, void *result)
{
	cfg_setint(cfg, OPT_TECHNIQUE_LINE, cfg->line);
	*(const char **)result = value;
	return 0;
}

/* Parse callback of field-name keys (target, actor, ...). */
static int
detect_pathcb(cfg_t *cfg, cfg_opt_t *opt, const char *value, void *result)
{
	const char *bad = path_check(value ? value : "", value ? strlen(value) : 0);

	if (bad != NULL) {
		detect_error(cfg->line, "detection %s: %s \"%s\" %s (expected a field name)",
		    cfg->title, opt->name, value ? value : "", bad);
		return -1;
	}
	*(const char **)result = value;
	return 0;
}

/* Validate callback of tags: at least one, none empty. */
static int
detect_tagscb(cfg_t *cfg, cfg_opt_t *opt)
{
	unsigned i;

	if (opt->nvalues == 0) {
		detect_error(cfg->line, "detection %s: tags is empty (expected at least one rule tag)",
		    cfg->title);
		return -1;
	}
	for (i = 0; i < opt->nvalues; i++)
		if (opt->values[i]->string == NULL || opt->values[i]->string[0] == '\0') {
			detect_error(cfg->line, "detection %s: empty tag in tags", cfg->title);
			return -1;
		}
	return 0;
}

/* Validate callback of when/unless: a bounded number of conditions. */
static int
detect_condscb(cfg_t *cfg, cfg_opt_t *opt)
{
	if (opt->nvalues > DETECT_MAX_CONDS) {
		detect_error(cfg->line, "detection %s: more than %d %s conditions", cfg->title,
		    DETECT_MAX_CONDS, opt->name);
		return -1;
	}
	return 0;
}

/* Validate callback of the hidden line list: parsed as the block opens. */
static int
detect_linecb(cfg_t *cfg, cfg_opt_t *opt)
{
	if (opt->nvalues == 1 && opt->values[0]->number == -1)
		opt->values[0]->number = cfg->line;
	return 0;
}

/* The line a block starts on. */
static int
block_line(cfg_t *sec)
{
	return cfg_size(sec, OPT_LINE) > 0 ? (int)cfg_getnint(sec, OPT_LINE, 0) : 0;
}

/* Option names of a section, for "expected one of". */
static void
section_keys(cfg_t *sec, char *buf, size_t len)
{
	size_t i, used = 0;
	int n;

	buf[0] = '\0';
	for (i = 0; sec->opts[i].name != NULL; i++) {
		if (sec->opts[i].name[0] == '#')
			continue;
		n = snprintf(buf + used, len - used, "%s%s", used ? ", " : "", sec->opts[i].name);
		if (n < 0 || (size_t)n >= len - used)
			return;
		used += (size_t)n;
	}
}

/* libConfuse's error callback: reword the common messages, keep the rest. */
static void __attribute__((format(printf, 2, 0)))
detect_errorcb(cfg_t *cfg, const char *fmt, va_list ap)
{
	char msg[512], keys[512];
	size_t n;

	vsnprintf(msg, sizeof(msg), fmt, ap);
	n = strlen(msg);
	if (strncmp(msg, "no such option '", 16) == 0 && n > 17 && msg[n - 1] == '\'') {
		section_keys(cfg, keys, sizeof(keys));
		detect_error(cfg->line, "unknown %s \"%.*s\" (expected one of: %s)",
		    strcmp(cfg->name, "root") == 0 ? "directive" : "key", (int)(n - 17),
		    msg + 16, keys);
		return;
	}
	if (strncmp(msg, "found duplicate title '", 23) == 0 && n > 24) {
		detect_error(cfg->line, "duplicate %s \"%.*s\" in this file (give each once)",
		    strcmp(cfg->name, "root") == 0 ? "block name" : cfg->name, (int)(n - 24),
		    msg + 23);
		return;
	}
	detect_error(cfg->line, "%s", msg);
}

static char *
xstrdup(const char *s, bool *nomem)
{
	char *r;

	if (s == NULL)
		return NULL;
	if ((r = strdup(s)) == NULL)
		*nomem = true;
	return r;
}

/* A technique id: T1234 or T1234.567; a tactic: TA1234. */
static bool
attack_id_ok(const char *s, bool tactic)
{
	size_t i, n = strlen(s);

	if (tactic)
		return n == 6 && s[0] == 'T' && s[1] == 'A' && isdigit((unsigned char)s[2]) &&
		    isdigit((unsigned char)s[3]) && isdigit((unsigned char)s[4]) &&
		    isdigit((unsigned char)s[5]);
	if ((n != 5 && n != 9) || s[0] != 'T')
		return false;
	for (i = 1; i < n; i++)
		if (i == 5 ? s[i] != '.' : !isdigit((unsigned char)s[i]))
			return false;
	return true;
}

/* Grow an array by one element; NULL when out of memory. */
static void *
grow(void *arr, size_t n, size_t size)
{
	return realloc(arr, (n + 1) * size);
}

/* Take the technique blocks of one file into the set. */
static int
take_techniques(struct detect_set *s, cfg_t *cfg, const char *file)
{
	unsigned i, n = cfg_size(cfg, "technique");
	bool nomem = false;
	size_t j;

	for (i = 0; i < n; i++) {
		cfg_t *sec = cfg_getnsec(cfg, "technique", i);
		const char *id = cfg_title(sec);
		const char *name = cfg_getstr(sec, "name"), *tactic = cfg_getstr(sec, "tactic"),
			   *tname = cfg_getstr(sec, "tactic_name");
		struct technique_slot *ts;
		int line = block_line(sec);

		if (!attack_id_ok(id, false)) {
			detect_error(line, "technique \"%s\": not an ATT&CK technique id "
			    "(expected T1234 or T1234.567)", id);
			return -1;
		}
		if (name == NULL || tactic == NULL || tname == NULL) {
			detect_error(line, "technique %s: missing %s (expected name, tactic and "
			    "tactic_name)", id, name == NULL ? "name" : tactic == NULL ? "tactic"
			    : "tactic_name");
			return -1;
		}
		if (!attack_id_ok(tactic, true)) {
			detect_error(line, "technique %s: tactic \"%s\" is not an ATT&CK tactic id "
			    "(expected TA1234)", id, tactic);
			return -1;
		}
		for (j = 0; j < s->n_techniques; j++) {
			ts = &s->techniques[j];
			if (strcmp(ts->t.id, id) != 0)
				continue;
			if (strcmp(ts->t.name, name) != 0 || strcmp(ts->t.tactic, tactic) != 0 ||
			    strcmp(ts->t.tactic_name, tname) != 0) {
				detect_error(line, "technique %s differs from its block at %s:%d "
				    "(a repeated technique block must be identical)", id, ts->file,
				    ts->line);
				return -1;
			}
			break;
		}
		if (j < s->n_techniques)
			continue;
		if ((ts = grow(s->techniques, s->n_techniques, sizeof(*ts))) == NULL)
			goto nomem;
		s->techniques = ts;
		ts = &s->techniques[s->n_techniques++];
		memset(ts, 0, sizeof(*ts));
		ts->t.id = xstrdup(id, &nomem);
		ts->t.name = xstrdup(name, &nomem);
		ts->t.tactic = xstrdup(tactic, &nomem);
		ts->t.tactic_name = xstrdup(tname, &nomem);
		ts->file = xstrdup(file, &nomem);
		ts->line = line;
		if (nomem)
			goto nomem;
	}
	return 0;
nomem:
	detect_error(0, "out of memory");
	return -1;
}

/* A technique of this file (declared in one of its technique blocks). */
static long
technique_slot(const struct detect_set *s, cfg_t *cfg, const char *id)
{
	unsigned i;
	size_t j;

	for (i = 0; i < cfg_size(cfg, "technique"); i++)
		if (strcmp(cfg_title(cfg_getnsec(cfg, "technique", i)), id) == 0)
			break;
	if (i == cfg_size(cfg, "technique"))
		return -1;
	for (j = 0; j < s->n_techniques; j++)
		if (strcmp(s->techniques[j].t.id, id) == 0)
			return (long)j;
	return -1;
}

/* Compile a list of conditions (already checked by detect_condcb). */
static int
take_conds(cfg_t *sec, const char *name, struct detect_cond **out, size_t *n)
{
	unsigned i, cnt = cfg_size(sec, name);
	char why[512];

	*n = 0;
	if (cnt == 0)
		return 0;
	if ((*out = calloc(cnt, sizeof(**out))) == NULL)
		return -1;
	for (i = 0; i < cnt; i++) {
		int rc = cond_compile(&(*out)[i], cfg_getnstr(sec, name, i), why, sizeof(why));

		(*n)++;
		if (rc == -1) {
			detect_error(block_line(sec), "detection %s: %s", cfg_title(sec), why);
			return -1;
		}
	}
	return 0;
}

/* Valid detection id: 1..128 of A-Z a-z 0-9 _ . - */
static bool
detection_id_ok(const char *s)
{
	size_t n = strlen(s), i;

	if (n == 0 || n > 128)
		return false;
	for (i = 0; i < n; i++)
		if (!isalnum((unsigned char)s[i]) && s[i] != '_' && s[i] != '.' && s[i] != '-')
			return false;
	return true;
}

/* Take the detection blocks of one file into the set. */
static int
take_detections(struct detect_set *s, cfg_t *cfg, const char *file)
{
	unsigned i, k, n = cfg_size(cfg, "detection");
	bool nomem = false;
	char why[512];
	size_t j;

	for (i = 0; i < n; i++) {
		cfg_t *sec = cfg_getnsec(cfg, "detection", i);
		const char *id = cfg_title(sec), *tech = cfg_getstr(sec, "technique");
		const char *pattern = cfg_getstr(sec, "target_pattern");
		const char *sev = cfg_getstr(sec, "severity"), *fact = cfg_getstr(sec, "fact");
		bool silent = sev != NULL && strcmp(sev, "none") == 0;
		int line = block_line(sec);
		struct detection *d;
		long slot;

		if (!detection_id_ok(id)) {
			detect_error(line, "detection name \"%s\" is invalid (expected 1..128 of "
			    "A-Z a-z 0-9 _ . -)", id);
			return -1;
		}
		for (j = 0; j < s->n_dets; j++)
			if (strcmp(s->dets[j].id, id) == 0) {
				detect_error(line, "detection %s is already defined at %s:%d "
				    "(ids must be unique across files)", id, s->dets[j].file,
				    s->dets[j].line);
				return -1;
			}
		if (cfg_getstr(sec, "title") == NULL || (tech == NULL && !silent) ||
		    sev == NULL || cfg_size(sec, "tags") == 0) {
			detect_error(line, "detection %s: missing %s", id,
			    cfg_getstr(sec, "title") == NULL	  ? "title"
				: sev == NULL ? "severity (expected none, low, medium, high or critical)"
				: tech == NULL			  ? "technique (expected technique = \"T1234.567\")"
								      : "tags (expected at least one rule tag)");
			return -1;
		}
		if (silent && fact == NULL) {
			detect_error(line, "detection %s: severity none needs a fact (expected fact = "
			    "account-created, account-deleted, admin-member-added or session)", id);
			return -1;
		}
		slot = -1;
		if (tech != NULL && (slot = technique_slot(s, cfg, tech)) < 0) {
			detect_error((int)cfg_getint(sec, OPT_TECHNIQUE_LINE),
			    "detection %s: unknown technique \"%s\" (expected a technique block "
			    "for it in this file)", id, tech);
			return -1;
		}
		if ((d = grow(s->dets, s->n_dets, sizeof(*d))) == NULL)
			goto nomem;
		s->dets = d;
		d = &s->dets[s->n_dets++];
		memset(d, 0, sizeof(*d));
		d->index = s->n_dets - 1;
		d->technique_slot = slot >= 0 ? (size_t)slot : SIZE_MAX;
		d->id = xstrdup(id, &nomem);
		d->title = xstrdup(cfg_getstr(sec, "title"), &nomem);
		for (k = 0; k < 4; k++)
			if (strcmp(sev, severity_names[k]) == 0)
				d->severity = (enum detect_severity)k;
		d->silent = silent;
		for (k = 1; fact != NULL && k < sizeof(fact_names) / sizeof(fact_names[0]); k++)
			if (strcmp(fact, fact_names[k]) == 0)
				d->fact = (enum detect_fact)k;
		d->scope = xstrdup(cfg_getstr(sec, "scope"), &nomem);
		d->account_id = xstrdup(cfg_getstr(sec, "account_id"), &nomem);
		d->action = xstrdup(cfg_getstr(sec, "action"), &nomem);
		d->target = xstrdup(cfg_getstr(sec, "target"), &nomem);
		d->target_domain = xstrdup(cfg_getstr(sec, "target_domain"), &nomem);
		d->actor = xstrdup(cfg_getstr(sec, "actor"), &nomem);
		d->group = xstrdup(cfg_getstr(sec, "group"), &nomem);
		d->file = xstrdup(file, &nomem);
		d->line = line;
		if (nomem || (d->tags = calloc(cfg_size(sec, "tags"), sizeof(char *))) == NULL)
			goto nomem;
		for (k = 0; k < cfg_size(sec, "tags"); k++) {
			d->tags[k] = xstrdup(cfg_getnstr(sec, "tags", k), &nomem);
			d->n_tags++;
		}
		if (nomem)
			goto nomem;
		if (pattern != NULL && pattern[0] != '\0') {
			if (regex_compile(&d->target_re, pattern, why, sizeof(why)) == -1) {
				detect_error(line, "detection %s: target_pattern: %s", id, why);
				return -1;
			}
			d->has_target_pattern = true;
		}
		if (take_conds(sec, "when", &d->when, &d->n_when) == -1 ||
		    take_conds(sec, "unless", &d->unless, &d->n_unless) == -1)
			return -1;
	}
	return 0;
nomem:
	detect_error(0, "out of memory");
	return -1;
}

/*
 * End of the bracket expression that starts at p ('['), or NULL when it
 * does not end: a ']' first (after an optional '^') is a member, and
 * "[:class:]", "[.x.]", "[=x=]" are read whole.  A backslash is a member
 * too (POSIX ERE).
 */
static const char *
ere_bracket_end(const char *p)
{
	char c;

	p++;
	if (*p == '^')
		p++;
	if (*p == ']')
		p++;
	while (*p != '\0') {
		if (*p == '[' && (p[1] == ':' || p[1] == '.' || p[1] == '=')) {
			c = p[1];
			for (p += 2; *p != '\0' && !(p[0] == c && p[1] == ']'); p++)
				;
			if (*p == '\0')
				return NULL;
			p += 2;
			continue;
		}
		if (*p == ']')
			return p + 1;
		p++;
	}
	return NULL;
}

/*
 * Whether "(pattern)" is the same ERE as pattern inside an alternation:
 * its parentheses balance (glibc reads an unmatched ')' as a literal, which
 * the wrapping would turn into a group end) and it has no back-reference
 * (the wrapping would renumber the groups).
 */
static bool
ere_wrappable(const char *p)
{
	int depth = 0;

	while (*p != '\0') {
		switch (*p) {
		case '\\':
			if (p[1] == '\0' || (p[1] >= '1' && p[1] <= '9'))
				return false;
			p += 2;
			continue;
		case '[':
			if ((p = ere_bracket_end(p)) == NULL)
				return false;
			continue;
		case '(':
			depth++;
			break;
		case ')':
			if (--depth < 0)
				return false;
			break;
		default:
			break;
		}
		p++;
	}
	return depth == 0;
}

/* Add a redact pattern to the alternation; -1 when out of memory. */
static int
redact_alt_add(struct detect_set *s, const char *pat)
{
	size_t len = strlen(pat), need;
	char *p;

	if (s->redact_alt_unsafe)
		return 0;
	if (!ere_wrappable(pat)) {
		s->redact_alt_unsafe = true;
		return 0;
	}
	need = s->redact_alt_len + len + 4; /* "|(" ")" NUL */
	if ((p = realloc(s->redact_alt, need)) == NULL)
		return -1;
	s->redact_alt = p;
	if (s->redact_alt_len > 0)
		p[s->redact_alt_len++] = '|';
	p[s->redact_alt_len++] = '(';
	memcpy(p + s->redact_alt_len, pat, len);
	s->redact_alt_len += len;
	p[s->redact_alt_len++] = ')';
	p[s->redact_alt_len] = '\0';
	return 0;
}

/*
 * Compile the alternation once every file is loaded.  Not compiling it is
 * not an error: each pattern compiled on its own, and alert.c then applies
 * them all to every string, as it would without the filter.
 */
static void
redact_filter_build(struct detect_set *s)
{
	if (s->n_redact > 0 && !s->redact_alt_unsafe && s->redact_alt != NULL &&
	    regcomp(&s->redact_filter, s->redact_alt,
		REG_EXTENDED | REG_ICASE | REG_NOSUB) == 0)
		s->has_redact_filter = true;
	free(s->redact_alt);
	s->redact_alt = NULL;
	s->redact_alt_len = 0;
}

/* Take the redact patterns of one file. */
static int
take_redactions(struct detect_set *s, cfg_t *cfg)
{
	unsigned i, n = cfg_size(cfg, "redact");
	char why[512];
	regex_t *r;

	for (i = 0; i < n; i++) {
		const char *pat = cfg_getnstr(cfg, "redact", i);

		if (pat == NULL || pat[0] == '\0')
			continue;
		if ((r = grow(s->redact, s->n_redact, sizeof(*r))) == NULL) {
			detect_error(0, "out of memory");
			return -1;
		}
		s->redact = r;
		if (regex_compile(&s->redact[s->n_redact], pat, why, sizeof(why)) == -1) {
			detect_error(0, "redact: %s", why);
			return -1;
		}
		s->n_redact++;
		if (redact_alt_add(s, pat) == -1) {
			detect_error(0, "out of memory");
			return -1;
		}
	}
	return 0;
}

/* Read a detections file with its comments blanked; NULL with the error recorded. */
static char *
read_file(const char *path, size_t *lenp)
{
	const char *why = NULL;
	char *buf;
	size_t len;
	FILE *fp;
	int line;

	if ((fp = fopen(path, "r")) == NULL) {
		detect_error(0, "cannot open: %s", strerror(errno));
		return NULL;
	}
	if ((buf = malloc(DETECT_MAX_FILE + 2)) == NULL) {
		fclose(fp);
		detect_error(0, "out of memory");
		return NULL;
	}
	len = fread(buf, 1, DETECT_MAX_FILE + 1, fp);
	if (ferror(fp) || len > DETECT_MAX_FILE || memchr(buf, '\0', len) != NULL) {
		detect_error(0, "%s", ferror(fp) ? "cannot read"
			: len > DETECT_MAX_FILE ? "file too large (limit 1 MiB)"
						: "contains a NUL byte (expected a text file)");
		fclose(fp);
		free(buf);
		return NULL;
	}
	fclose(fp);
	if (len == 0 || buf[len - 1] != '\n')
		buf[len++] = '\n';
	buf[len] = '\0';
	if ((line = conf_strip_comments(buf, len, &why)) != 0) {
		detect_error(line, "%s", why);
		free(buf);
		return NULL;
	}
	*lenp = len;
	return buf;
}

/* Parse one detections file into the set. */
static int
load_file(struct detect_set *s, const char *path)
{
	char line_def[] = "{-1}";
	/* clang-format off */
	cfg_opt_t technique_opts[] = {
		CFG_INT_LIST(OPT_LINE, line_def, CFGF_NONE),
		CFG_STR("name", NULL, CFGF_NODEFAULT),
		CFG_STR("tactic", NULL, CFGF_NODEFAULT),
		CFG_STR("tactic_name", NULL, CFGF_NODEFAULT),
		CFG_END()
	};
	cfg_opt_t detection_opts[] = {
		CFG_INT_LIST(OPT_LINE, line_def, CFGF_NONE),
		CFG_INT(OPT_TECHNIQUE_LINE, 0, CFGF_NONE),
		CFG_STR("title", NULL, CFGF_NODEFAULT),
		CFG_STR_CB("technique", NULL, CFGF_NODEFAULT, detect_techniquecb),
		CFG_STR_CB("severity", NULL, CFGF_NODEFAULT, detect_severitycb),
		CFG_STR_LIST("tags", NULL, CFGF_NODEFAULT),
		CFG_STR_LIST_CB("when", NULL, CFGF_NODEFAULT, detect_condcb),
		CFG_STR_LIST_CB("unless", NULL, CFGF_NODEFAULT, detect_condcb),
		CFG_STR_CB("target", "user.target.name", CFGF_NONE, detect_pathcb),
		CFG_STR_CB("target_pattern", "", CFGF_NONE, detect_regexcb),
		CFG_STR_CB("target_domain", "user.target.domain", CFGF_NONE, detect_pathcb),
		CFG_STR_CB("actor", "user.name", CFGF_NONE, detect_pathcb),
		CFG_STR_CB("group", "group.name", CFGF_NONE, detect_pathcb),
		CFG_STR("action", NULL, CFGF_NODEFAULT),
		CFG_STR_CB("fact", NULL, CFGF_NODEFAULT, detect_factcb),
		CFG_STR_CB("scope", "host.hostname", CFGF_NONE, detect_pathcb),
		CFG_STR_CB("account_id", "user.target.id", CFGF_NONE, detect_pathcb),
		CFG_END()
	};
	cfg_opt_t opts[] = {
		CFG_SEC("technique", technique_opts, CFGF_MULTI | CFGF_TITLE | CFGF_NO_TITLE_DUPES),
		CFG_SEC("detection", detection_opts, CFGF_MULTI | CFGF_TITLE | CFGF_NO_TITLE_DUPES),
		CFG_STR_LIST_CB("redact", NULL, CFGF_NODEFAULT, detect_regexcb),
		CFG_END()
	};
	/* clang-format on */
	cfg_t *cfg = NULL;
	char *buf, *fname;
	FILE *fp = NULL;
	size_t len;
	int rc = -1;

	technique_opts[0].validcb = detect_linecb;
	detection_opts[0].validcb = detect_linecb;
	detection_opts[5].validcb = detect_tagscb;
	detection_opts[6].validcb = detect_condscb;
	detection_opts[7].validcb = detect_condscb;
	detect_current->file = path;
	if ((buf = read_file(path, &len)) == NULL)
		return -1;
	if ((fp = fmemopen(buf, len, "r")) == NULL || (cfg = cfg_init(opts, CFGF_NONE)) == NULL) {
		detect_error(0, "out of memory");
		goto done;
	}
	cfg_set_error_function(cfg, detect_errorcb);
	/* cfg->filename is libConfuse's to free */
	if ((fname = strdup(path)) == NULL) {
		detect_error(0, "out of memory");
		goto done;
	}
	free(cfg->filename);
	cfg->filename = fname;
	if (cfg_parse_fp(cfg, fp) != CFG_SUCCESS) {
		detect_error(0, "parse error");
		goto done;
	}
	if (take_techniques(s, cfg, path) == -1 || take_detections(s, cfg, path) == -1 ||
	    take_redactions(s, cfg) == -1)
		goto done;
	s->n_files++;
	rc = 0;
done:
	if (cfg != NULL)
		cfg_free(cfg);
	if (fp != NULL)
		fclose(fp);
	free(buf);
	return rc;
}

/* scandir filter: "*.detections", not hidden. */
static int
filter_detections(const struct dirent *d)
{
	size_t len = strlen(d->d_name), slen = sizeof(DETECTIONS_SUFFIX) - 1;

	return d->d_name[0] != '.' && len > slen &&
	    strcmp(d->d_name + len - slen, DETECTIONS_SUFFIX) == 0;
}

/* Load every regular "*.detections" of dir in name order. */
static int
load_dir(struct detect_set *s, const char *dir)
{
	struct dirent **names = NULL;
	char path[PATH_MAX];
	const char *sep;
	struct stat st;
	int count, i, rc = 0;

	if ((count = scandir(dir, &names, filter_detections, alphasort)) == -1) {
		detect_current->file = dir;
		detect_error(0, "%s", strerror(errno));
		return -1;
	}
	sep = dir[0] != '\0' && dir[strlen(dir) - 1] == '/' ? "" : "/";
	for (i = 0; i < count && rc == 0; i++) {
		if ((size_t)snprintf(path, sizeof(path), "%s%s%s", dir, sep, names[i]->d_name) >=
		    sizeof(path)) {
			detect_current->file = dir;
			detect_error(0, "path too long");
			rc = -1;
		} else if (stat(path, &st) == 0 && S_ISREG(st.st_mode))
			rc = load_file(s, path);
	}
	for (i = 0; i < count; i++)
		free(names[i]);
	free(names);
	return rc;
}

/* Sort (tag, detection) pairs by tag, then load order. */
static int
tag_entry_cmp(const void *a, const void *b)
{
	const struct tag_entry *x = a, *y = b;
	int c = strcmp(x->tag, y->tag);

	if (c != 0)
		return c;
	return x->dets[0] < y->dets[0] ? -1 : x->dets[0] > y->dets[0];
}

/* Build the sorted tag index: one entry per tag, its detections in load order. */
static int
build_tag_index(struct detect_set *s)
{
	struct tag_entry *pairs;
	size_t *idx, n = 0, i, k, out = 0;

	for (i = 0; i < s->n_dets; i++)
		n += s->dets[i].n_tags;
	if (n == 0)
		return 0;
	pairs = calloc(n, sizeof(*pairs));
	idx = calloc(n, sizeof(*idx));
	if (pairs == NULL || idx == NULL) {
		free(pairs);
		free(idx);
		return -1;
	}
	for (i = 0, k = 0; i < s->n_dets; i++) {
		size_t t;

		for (t = 0; t < s->dets[i].n_tags; t++, k++) {
			idx[k] = i;
			pairs[k].tag = s->dets[i].tags[t];
			pairs[k].len = strlen(pairs[k].tag);
			pairs[k].dets = &idx[k];
		}
	}
	qsort(pairs, n, sizeof(*pairs), tag_entry_cmp);
	if ((s->tags = calloc(n, sizeof(*s->tags))) == NULL)
		goto nomem;
	for (i = 0; i < n; i++) {
		struct tag_entry *e;

		if (out > 0 && strcmp(s->tags[out - 1].tag, pairs[i].tag) == 0) {
			e = &s->tags[out - 1];
			if (e->dets[e->n - 1] == pairs[i].dets[0])
				continue; /* a tag listed twice by one detection */
		} else {
			e = &s->tags[out++];
			e->tag = pairs[i].tag;
			e->len = pairs[i].len;
			if ((e->dets = calloc(n, sizeof(*e->dets))) == NULL) {
				out--;
				goto nomem;
			}
		}
		e->dets[e->n++] = pairs[i].dets[0];
	}
	s->n_tags = out;
	free(pairs);
	free(idx);
	return 0;
nomem:
	s->n_tags = out;
	free(pairs);
	free(idx);
	return -1;
}

struct detect_set *
detect_load(const char *rules_path, char *err, size_t errlen)
{
	struct detect_parse parse = {err, errlen, false, rules_path};
	struct detect_set *s;
	struct stat st;
	size_t len;

	if (errlen > 0)
		err[0] = '\0';
	detect_current = &parse;
	if ((s = calloc(1, sizeof(*s))) == NULL) {
		detect_error(0, "out of memory");
		goto fail;
	}
	if (rules_path == NULL || stat(rules_path, &st) == -1) {
		detect_error(0, "%s", rules_path ? strerror(errno) : "no rules path");
		goto fail;
	}
	if (S_ISDIR(st.st_mode)) {
		if (load_dir(s, rules_path) == -1)
			goto fail;
	} else {
		/* FILE.rulebase: FILE.detections next to it, when there is one */
		char path[PATH_MAX];
		size_t slen = sizeof(RULEBASE_SUFFIX) - 1;

		len = strlen(rules_path);
		if (len > slen && strcmp(rules_path + len - slen, RULEBASE_SUFFIX) == 0 &&
		    len - slen + sizeof(DETECTIONS_SUFFIX) <= sizeof(path)) {
			memcpy(path, rules_path, len - slen);
			memcpy(path + len - slen, DETECTIONS_SUFFIX, sizeof(DETECTIONS_SUFFIX));
			if (stat(path, &st) == 0 && S_ISREG(st.st_mode) && load_file(s, path) == -1)
				goto fail;
		}
	}
	if (build_tag_index(s) == -1) {
		detect_current->file = rules_path;
		detect_error(0, "out of memory");
		goto fail;
	}
	if (s->n_techniques > 0 &&
	    (s->technique_alerts = calloc(s->n_techniques, sizeof(*s->technique_alerts))) ==
		NULL) {
		detect_current->file = rules_path;
		detect_error(0, "out of memory");
		goto fail;
	}
	for (len = 0; len < s->n_dets; len++)
		s->dets[len].technique = s->dets[len].technique_slot < s->n_techniques
		    ? &s->techniques[s->dets[len].technique_slot].t : NULL;
	redact_filter_build(s);
	detect_current = NULL;
	return s;
fail:
	detect_current = NULL;
	detect_free(s);
	return NULL;
}

void
detect_free(struct detect_set *s)
{
	size_t i, j;

	if (s == NULL)
		return;
	for (i = 0; i < s->n_dets; i++) {
		struct detection *d = &s->dets[i];

		for (j = 0; j < d->n_when; j++)
			cond_free(&d->when[j]);
		for (j = 0; j < d->n_unless; j++)
			cond_free(&d->unless[j]);
		free(d->when);
		free(d->unless);
		for (j = 0; j < d->n_tags; j++)
			free(d->tags[j]);
		free(d->tags);
		if (d->has_target_pattern)
			regfree(&d->target_re);
		free(d->id);
		free(d->title);
		free(d->action);
		free(d->target);
		free(d->target_domain);
		free(d->actor);
		free(d->group);
		free(d->scope);
		free(d->account_id);
		free(d->file);
	}
	free(s->dets);
	for (i = 0; i < s->n_techniques; i++) {
		free(s->techniques[i].t.id);
		free(s->techniques[i].t.name);
		free(s->techniques[i].t.tactic);
		free(s->techniques[i].t.tactic_name);
		free(s->techniques[i].file);
	}
	free(s->techniques);
	free(s->technique_alerts);
	for (i = 0; i < s->n_tags; i++)
		free(s->tags[i].dets);
	free(s->tags);
	for (i = 0; i < s->n_redact; i++)
		regfree(&s->redact[i]);
	free(s->redact);
	free(s->redact_alt);
	if (s->has_redact_filter)
		regfree(&s->redact_filter);
	free(s);
}

size_t
detect_count(const struct detect_set *s)
{
	return s != NULL ? s->n_dets : 0;
}

size_t
detect_file_count(const struct detect_set *s)
{
	return s != NULL ? s->n_files : 0;
}

const struct detection *
detect_at(const struct detect_set *s, size_t i)
{
	return s != NULL && i < s->n_dets ? &s->dets[i] : NULL;
}

const char *
detection_condition_text(const struct detection *d, bool unless, size_t i)
{
	if (unless)
		return i < d->n_unless ? d->unless[i].text : NULL;
	return i < d->n_when ? d->when[i].text : NULL;
}

const regex_t *
detect_redactions(const struct detect_set *s, size_t *n)
{
	*n = s != NULL ? s->n_redact : 0;
	return s != NULL ? s->redact : NULL;
}

const regex_t *
detect_redaction_filter(const struct detect_set *s)
{
	return s != NULL && s->has_redact_filter ? &s->redact_filter : NULL;
}

void
detect_count_alert(const struct detect_set *s, const struct detection *d)
{
	if (s != NULL && d != NULL && d->technique_slot < s->n_techniques)
		atomic_fetch_add_explicit(&s->technique_alerts[d->technique_slot], 1,
		    memory_order_relaxed);
}

size_t
detect_technique_count(const struct detect_set *s)
{
	return s != NULL ? s->n_techniques : 0;
}

const struct detect_technique *
detect_technique_at(const struct detect_set *s, size_t i, uint64_t *alerts)
{
	if (s == NULL || i >= s->n_techniques)
		return NULL;
	if (alerts != NULL)
		*alerts = atomic_load_explicit(&s->technique_alerts[i], memory_order_relaxed);
	return &s->techniques[i].t;
}

void
detect_technique_add(const struct detect_set *s, size_t i, uint64_t n)
{
	if (s != NULL && i < s->n_techniques)
		atomic_fetch_add_explicit(&s->technique_alerts[i], n, memory_order_relaxed);
}

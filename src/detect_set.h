/*
 * detect_set.h: the insides of a detection set, shared by the detection
 * files and by no other module (others use detect.h):
 *
 *   detect.c         the loader: detections files through libConfuse,
 *                    techniques, the tag index, the accessors
 *   detect_cond.c    the condition compiler: "FIELD OP ARGS" to a
 *                    detect_cond, once at load
 *   detect_field.c   field lookup in an event: header fields and paths
 *                    into liblognorm's fields (process.c and alert.c too)
 *   detect_match.c   the matcher: the detections of an event's rule tags
 *   detect_index.c   the (field, value) index of a tag's detections, so an
 *                    event is held only against those that can hold
 *   detect_redact.c  the redaction filter: every redact pattern in one
 *                    alternation, so a clean line costs one regexec
 *   detect_redact_need.c  the literals each redact pattern needs, so a
 *                    line with none of them costs no regexec at all
 */
#ifndef LOGWARD_DETECT_SET_H
#define LOGWARD_DETECT_SET_H

#include <regex.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "detect.h"
#include "value_table.h"

#define DETECTIONS_SUFFIX ".detections"
#define RULEBASE_SUFFIX ".rulebase"
/* Bounds of what a detections file may hold. */
#define DETECT_MAX_FILE (1024 * 1024)
#define DETECT_PATH_MAX 255
#define DETECT_PATH_SEGMENTS 16
#define DETECT_MAX_ARGS 1024
#define DETECT_MAX_CONDS 64
/*
 * Bounds of the (field, value) index (detect_index.c): key fields a tag
 * (each is one lookup an event of the tag; past them, a detection is held
 * against every such event, as without the index), and values of one
 * detection's key condition (an "in" list longer than that keys nothing).
 */
#define DETECT_INDEX_FIELDS 64
#define DETECT_INDEX_VALUES 64
/*
 * A hidden option: a '#' starts a comment, so no file can set it (a '|',
 * as cfgfile.h's lines list uses, would be taken for a section path by
 * cfg_getint).
 */
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
struct op_def {
	const char *name;
	enum cond_op op;
	enum op_arg arg;
	bool fold;          /* compare ignoring ASCII case */
	bool when_absent;   /* value when the field is absent */
};

/* A field name resolved at load: a header field, or a liblognorm path. */
struct field_ref {
	char *path;
	size_t len;
	enum header_field header; /* HDR_NONE when not a header name */
};

struct sigma_set;
struct sigma_report;

struct detect_cond {
	char *text;                 /* as written, for messages and explain */
	struct field_ref field;
	const struct op_def *op;
	char **args;                /* lower-cased for folding operators */
	size_t *arg_len;
	size_t n_args;
	struct field_ref other;     /* samehost */
	struct regex_shared *re; /* regex, !regex; NULL for the others */
};

/* A field a tag's detections are keyed by: a condition's field (not owned). */
struct index_field {
	const struct field_ref *ref;
	bool fold;                  /* the values compared ignoring ASCII case */
};

/* Detections listed under one rule tag, in load order. */
struct tag_entry {
	const char *tag;            /* points into a detection's tags */
	size_t len;
	size_t *dets;
	size_t n;
	/* the index (detect_index.c): held against every event of the tag */
	size_t *unkeyed;
	size_t n_unkeyed;
	/* ... and the others under the event's value of one of these fields */
	struct index_field *fields;
	size_t n_fields;
	size_t first_slot;          /* the table's number of fields[0] (the rest follow) */
};


struct technique_slot {
	struct detect_technique t;
	char *file;
	int line;
};

/*
 * What text a redact pattern can match must hold (detect_redact_need.c):
 * nothing known, a literal (lower case when the pattern ignores case),
 * all of kids, or one of kids.  Each node owns its lit and kids.
 */
/* Distinct literals whose search is done once a text (the others each time). */
#define REDACT_LITERALS_MAX 64

enum redact_need_kind { NEED_NOTHING, NEED_LITERAL, NEED_ALL, NEED_ONE };
struct redact_need {
	enum redact_need_kind kind;
	char *lit;
	size_t len;
	int id; /* a literal's slot in the set's table (one search a text), or -1 */
	struct redact_need *kids;
	size_t n;
};

struct detect_set {
	struct detection *dets;
	size_t n_dets;
	struct technique_slot *techniques;
	size_t n_techniques;
	atomic_uint_fast64_t *technique_alerts;
	struct tag_entry *tags;
	size_t n_tags;
	/* the (field, value) index of every tag (detect_index.c): slot a tag's field */
	struct value_table index;
	struct regex_shared **redact; /* each owned */
	size_t n_redact;
	/* The alternation of every redact pattern (see detect_redaction_filter). */
	char *redact_alt;          /* "(p1)|(p2)|..." while loading; freed after */
	size_t redact_alt_len;
	bool redact_alt_unsafe;    /* a pattern that must not be combined */
	struct regex_shared *redact_filter; /* NULL: none */
	/* what each redact pattern needs; used only when n_redact_need == n_redact */
	struct redact_need *redact_need;
	size_t n_redact_need;
	/* the distinct literals of all patterns (not owned: the nodes' text) */
	struct redact_literal {
		const char *p;
		size_t len;
	} redact_literals[REDACT_LITERALS_MAX];
	size_t n_redact_literals;
	size_t n_files;
	struct sigma_set *sigma;   /* the Sigma rules; NULL: none (sigma.h) */
	struct sigma_report *sigma_report;
};

/* ASCII lower case, whatever the locale. */
static inline unsigned char
lower(unsigned char c)
{
	return c >= 'A' && c <= 'Z' ? (unsigned char)(c + ('a' - 'A')) : c;
}

/* a[0..n) equals b[0..n) ignoring ASCII case; b is already lower case. */
static inline bool
equal_fold(const char *a, const char *b, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (lower((unsigned char)a[i]) != (unsigned char)b[i])
			return false;
	return true;
}

/* needle (lower case) occurs in hay[0..hlen), ignoring case when fold. */
static inline bool
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

/* detect_cond.c: why the field path p[0..len) is not one, or NULL when it is. */
const char *detect_path_check(const char *p, size_t len);
/* Compile text into c (caller frees with detect_cond_free, also on failure); -1 with why. */
int detect_cond_compile(struct detect_cond *c, const char *text, char *why, size_t whylen);
void detect_cond_free(struct detect_cond *c);
/* Compile a pattern to check it while parsing (ERE, no case); 0, or -1 with why. */
int detect_regex_compile(regex_t *re, const char *pattern, char *why, size_t whylen);
/*
 * The same for a pattern run over senders' text by the matcher (target_pattern,
 * group_pattern, admin_groups): into *re (caller frees with regex_shared_free),
 * case-sensitive when cased (a detection's target_case_sensitive).
 */
int detect_regex_shared(struct regex_shared **re, const char *pattern, bool cased, char *why,
    size_t whylen);

/*
 * The keys of liblognorm's objects, listed once an event (detect_field.c):
 * a JSON body's object is looked up by some forty conditions an event,
 * each a linear strcmp search in libfastjson; listed once with their
 * lengths, a lookup is a scan of lengths.  An object is listed when the
 * event's first lookup reaches it, if it has room (at most
 * DETECT_KEYS_OBJECTS objects and DETECT_KEYS_MAX keys in all); one that
 * has not is searched by libfastjson, as before.  Same answers either way.
 */
#define DETECT_KEYS_OBJECTS 8
#define DETECT_KEYS_MAX 256

struct detect_key {
	const char *name;
	size_t len;
	struct json_object *value;
};

struct detect_keys {
	struct listed_object {
		const struct json_object *obj;
		size_t first, n;        /* its keys in keys[]; n SIZE_MAX: not listed */
		uint64_t lengths;       /* bit len % 64 set for each key: most misses at once */
	} objs[DETECT_KEYS_OBJECTS];
	size_t n_objs;
	size_t n_keys;
	struct detect_key keys[DETECT_KEYS_MAX];
};

/*
 * List keys (the caller's; begin empties it) for this thread's lookups
 * until detect_keys_end(previous): around one event's matching, whose
 * objects must not change meanwhile.  Returns the previous list.
 */
struct detect_keys *detect_keys_begin(struct detect_keys *keys);
void detect_keys_end(struct detect_keys *previous);

/* detect_field.c: the header field called name (an ECS name), or HDR_NONE. */
enum header_field detect_header_of(const char *name);
/* Resolve a field name once (caller frees f->path); -1 out of memory. */
int detect_field_ref_init(struct field_ref *f, const char *p, size_t len);
/* Look up a resolved field: liblognorm's fields, then the header; 1 when found. */
int detect_field_value(const struct detect_event *ev, const struct field_ref *f,
    struct detect_value *out);

/* detect_redact.c: add pat to s's alternation of redact patterns; -1 out of memory. */
int detect_redact_alt_add(struct detect_set *s, const char *pat);
/* Compile the alternation into s->redact_filter (when it is safe to). */
void detect_redact_filter_build(struct detect_set *s);
/* Add what pat (a redact pattern) needs to s->redact_need; -1 out of memory. */
int detect_redact_need_add(struct detect_set *s, const char *pat);
/* Free s->redact_need. */
void detect_redact_need_free(struct detect_set *s);

/*
 * detect_redact_need.c: read into need what text matched by the ERE pat
 * must hold (fold: pat is REG_ICASE); need owns what it gets, freed by
 * detect_redact_need_clear.  Nothing (NEED_NOTHING) for what it cannot
 * read.  0, or -1 out of memory (need then holds nothing).
 */
int detect_redact_need_read(struct redact_need *need, const char *pat, bool fold);
void detect_redact_need_clear(struct redact_need *need);
/*
 * Whether text[0..len) holds need (ignoring ASCII case when fold).  seen,
 * when not NULL, has REDACT_LITERALS_MAX entries, zero for a new text: the
 * result of each literal with an id is kept there (1 found, -1 not).
 */
bool detect_redact_need_holds(const struct redact_need *need, const char *text, size_t len,
    bool fold, signed char *seen);

/*
 * detect_index.c: build the index of every tag of s (after its tag index);
 * -1 out of memory.  Each detection is keyed by one of its "when"
 * conditions that only a value of a field can satisfy (==, in, =~, in_i):
 * the field the most detections of the tag share, the one with more
 * distinct values on a tie.  Freed by detect_index_free.
 */
int detect_index_build(struct detect_set *s);
void detect_index_free(struct detect_set *s);
/*
 * Call offer(det, arg) for each detection of tag e that can hold on ev:
 * the unkeyed ones, and those under ev's value of each key field.  Each
 * at most once; order is not load order.
 */
void detect_index_candidates(const struct detect_set *s, const struct tag_entry *e,
    const struct detect_event *ev, void (*offer)(size_t det, void *arg), void *arg);
/* Whether detection det is keyed under tag e (for the tests). */
bool detect_index_keyed(const struct tag_entry *e, size_t det);
/* The tag entry called tag, or NULL. */
const struct tag_entry *detect_tag_find(const struct detect_set *s, const char *tag, size_t len);
/*
 * detect_match as it was before the index and the key list: every
 * detection of the event's tags, every lookup a libfastjson search (what
 * both must agree with; for the tests and fuzz_detect).
 */
int detect_match_unindexed(const struct detect_set *s, const struct detect_event *ev,
    struct detect_result *res);

/* detect_match.c: one condition on an event (sigma_map.c's shapes use them too). */
bool detect_cond_holds(const struct detect_cond *c, const struct detect_event *ev);
/* regexec over a value, bounded by it; offsets in m relative to v->s.p. */
int detect_regex_run(struct regex_shared *re, const struct detect_value *v, size_t nm, regmatch_t *m);

#endif

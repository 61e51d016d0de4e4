/*
 * sigma_impl.h: the insides of a Sigma set, shared by the sigma_*.c files
 * and no other module (others use sigma.h):
 *
 *   sigma.c        the load: files and directories, (rule, shape)
 *                  instances, detections added to the detect set
 *   sigma_load.c   one rule file: YAML (libyaml) to a struct sigma_rule
 *   sigma_value.c  one value with its modifiers to a compiled matcher
 *   sigma_cond.c   the condition grammar to a tree
 *   sigma_map.c    the mapping files: log source to event shapes, Sigma
 *                  field names to event fields
 *   sigma_index.c  the literal index that keeps many rules cheap
 *   sigma_key.c    the (field, value) index, for rules that need an equality
 *   sigma_require.c  what a rule requires of what it matches, for both indexes
 *   sigma_match.c  a rule held against an event
 *   sigma_fact.c   the correlation fact of a Sigma alert
 */
#ifndef LOGWARD_SIGMA_IMPL_H
#define LOGWARD_SIGMA_IMPL_H

#include <regex.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "detect_set.h"
#include "sigma.h"
#include "value_table.h"

#define SIGMA_KEYWORDS SIZE_MAX /* item field: full text over the message */

/* A value with '*' and '?' as the spec says: literal segments between stars. */
struct sigma_segment {
	char *text;	    /* lower-cased unless the value is cased */
	unsigned char *any; /* any[i]: text[i] stands for '?' */
	size_t len;
};

struct sigma_glob {
	struct sigma_segment *segs;
	size_t n_segs;
	bool star_start, star_end; /* a '*' before the first / after the last segment */
};

enum sigma_vkind {
	SV_GLOB, /* plain, contains, startswith, endswith, windash, base64* */
	SV_RE,
	SV_CIDR,
	SV_EXISTS,
	SV_FIELDREF,
	SV_NULL, /* "field: null": the field is absent or empty */
};

struct sigma_value {
	enum sigma_vkind kind;
	bool cased;
	struct sigma_glob *alts; /* SV_GLOB: any alternative matches */
	size_t n_alts;
	bool anchored; /* SV_GLOB of a plain value: the field's edges are the value's */
	struct regex_shared *re; /* SV_RE */
	unsigned char net[16]; /* SV_CIDR */
	int family;
	unsigned prefix;
	bool want;  /* SV_EXISTS */
	size_t ref; /* SV_FIELDREF: rule field index */
};

/* One "field|modifiers: values" entry: values OR'ed, AND'ed with |all. */
struct sigma_item {
	size_t field; /* rule field index, or SIGMA_KEYWORDS */
	bool all;
	struct sigma_value *values;
	size_t n_values;
};

/* A map: every item holds. */
struct sigma_group {
	struct sigma_item *items;
	size_t n_items;
};

/* A named selection: any group holds (a list of maps, or one map). */
struct sigma_selection {
	char *name;
	struct sigma_group *groups;
	size_t n_groups;
};

enum sigma_cond_kind { SC_AND, SC_OR, SC_NOT, SC_SEL, SC_ONE_OF, SC_ALL_OF };

struct sigma_cond {
	enum sigma_cond_kind kind;
	struct sigma_cond *a, *b; /* AND OR: both; NOT: a */
	size_t *sels;		  /* SC_SEL: one; SC_*_OF: the selections named */
	size_t n_sels;
};

struct sigma_rule {
	char *file;
	int line;
	char *id, *title, *level;
	char *product, *service, *category;
	char **tags;
	size_t n_tags;
	char **fields; /* Sigma field names the rule uses */
	size_t n_fields;
	struct sigma_selection *sels;
	size_t n_sels;
	struct sigma_cond **conds; /* a list of conditions: any holds */
	size_t n_conds;
	size_t n_values; /* all selections, for the bound */
};

/* A field a Sigma fact reads: an event field, or key=value of the message (kv). */
struct sigma_fact_field {
	struct field_ref ref; /* ref.path NULL: the mapping names none */
	bool kv;
};

/*
 * What a shape's events give the correlator when a Sigma rule of a fact
 * (sigma_fact_kind) alerts on them: the fields its mapping file names.
 */
struct sigma_fact {
	enum detect_fact kind; /* NONE: the mapping names no account for it */
	struct sigma_fact_field account, account_id, group, scope;
	struct regex_shared *admin_groups; /* the group must match; NULL: any group */
};

/* A mapping file's fact keys, Sigma field names (admin_groups: an ERE); NULL absent. */
struct sigma_fact_names {
	char *scope, *created_account, *created_account_id;
	char *member_account, *member_account_id, *member_group, *admin_groups;
};

/* Bytes of a group name held against admin_groups; a longer one is no admin group. */
#define SIGMA_FACT_GROUP_MAX 255

/* An event shape a mapping file describes, for one log source. */
struct sigma_shape {
	char *file;
	char *name;
	char *product, *service, *category;
	char **tags; /* any of these event tags ("" none: any event) */
	size_t n_tags;
	char **not_tags; /* none of these */
	size_t n_not_tags;
	uint64_t tag_bits, not_tag_bits; /* the same as bits of sigma_set.tag_names */
	struct detect_cond *when;	 /* all hold */
	size_t *when_ids; /* their memo slots (sigma_set.cond_texts), SIZE_MAX none */
	size_t n_when;
	struct detect_cond *when_any; /* one holds (none listed: true) */
	size_t *when_any_ids;
	size_t n_when_any;
	char **from, **to; /* Sigma field -> event field */
	size_t n_fields;
	char *fallback;	       /* "json.{}": any other field; NULL none; "kv:{}": key=value */
	bool fallback_lcfirst; /* "{lcfirst}": first letter lower-cased */
	char *target, *actor;  /* event fields for the alert's accounts */
	struct sigma_fact created, member; /* account-created, admin-member-added */
};

/*
 * (field, values) choices kept while deriving one rule's key: past them,
 * an AND keeps those with the fewest values (which one is keyed changes,
 * never what matches).
 */
#define SIGMA_KEY_ALTS 4

/* A (field, values) pair one of whose values any match has whole (sigma_key.c). */
struct sigma_key_alt {
	size_t field;	   /* rule field index */
	const char **vals; /* the rule's value texts (the rule owns them) */
	size_t *lens;
	size_t n;
};

/* A field the (field, value) index reads once a message. */
struct sigma_key_field {
	struct field_ref ref;
	bool kv;
	uint64_t shapes; /* the shapes of the instances keyed by it */
};

/* The instances one literal stands for. */
struct sigma_output {
	size_t *insts;
	size_t n, cap;
};

/* A rule compiled for one shape: its fields resolved, its detection. */
struct sigma_instance {
	const struct sigma_rule *rule;
	size_t shape;
	struct field_ref *refs; /* one per rule field */
	bool *kv;		/* kv[i]: field i is "key=value" text of the message */
	size_t det;		/* index of its detection in the detect set */
	char **literals;	/* lower case; one of them is in every message it matches */
	size_t n_literals;	/* 0: none; always tried for its shape */
	struct sigma_key_alt *key_alts; /* the (field, values) it could be keyed by */
	size_t n_key_alts;
	size_t key_field; /* its key in sigma_set.key_fields; SIZE_MAX: by literal */
};

/*
 * A state of the literal automaton (Aho-Corasick, sigma_index.c); state 0
 * is the root, and 0 in a link means none (or the root, for fail).
 */
struct sigma_node {
	uint32_t child;	  /* first child */
	uint32_t sibling; /* next child of the same parent */
	uint32_t fail;	  /* the longest proper suffix that is a state */
	uint32_t dict;	  /* the nearest state on the fail chain that ends a literal */
	uint32_t out;	  /* 1 + index in outs of the literal ending here; 0 none */
	uint32_t row;	  /* 1 + index in rows of its children by byte; 0: the sibling list */
	unsigned char c;  /* the byte that leads here from the parent */
};


struct sigma_set {
	struct sigma_rule **rules;
	size_t n_rules;
	struct sigma_shape *shapes;
	size_t n_shapes;
	const char *tag_names[SIGMA_MAX_TAGS]; /* every shape's tags, once (the shapes own them) */
	size_t n_tag_names;
	/* the shapes' distinct when/when_any conditions: a memo slot each per message */
	char *cond_texts[SIGMA_MAX_SHAPE_CONDS];
	size_t n_conds;
	struct sigma_instance *insts;
	size_t n_insts;
	size_t **always; /* per shape: instances with no literal */
	size_t *n_always;
	struct sigma_node *nodes; /* the literal automaton; NULL: none */
	size_t n_nodes, cap_nodes;
	uint32_t root_next[256]; /* the root's children by byte, for speed */
	uint32_t (*rows)[256];	 /* the same for states with many children */
	size_t n_rows;
	struct sigma_output *outs;
	size_t n_outs, cap_outs;
	size_t index_bytes; /* literal bytes in the automaton (<= SIGMA_MAX_INDEX_BYTES) */
	/* the (field, value) index: slot a key field, values folded (value_table.h) */
	struct sigma_key_field key_fields[SIGMA_MAX_KEY_FIELDS];
	size_t n_key_fields;
	struct value_table key_table;
};

/* sigma.c: a whole file of at most SIGMA_MAX_FILE bytes (caller frees); NULL with why. */
char *sigma_read_file(const char *path, size_t *len, char *why, size_t whylen);

/* sigma_load.c: parse one rule file; NULL with why ("line N: what"). Caller frees. */
struct sigma_rule *sigma_rule_load(
    const char *path, const char *text, size_t len, char *why, size_t whylen);
void sigma_rule_free(struct sigma_rule *r);
/* The index of field name in r->fields, added when new; SIZE_MAX out of memory. */
size_t sigma_rule_field(struct sigma_rule *r, const char *name);

/*
 * sigma_value.c: compile scalar text with the modifiers mods[0..n) into v
 * (caller frees with sigma_value_free, also on failure); -1 with why.
 * field_of resolves a fieldref's name to a rule field index.
 */
int sigma_value_compile(struct sigma_value *v, struct sigma_rule *r, const char *text, bool is_null,
    const char *const *mods, size_t n_mods, char *why, size_t whylen);
void sigma_value_free(struct sigma_value *v);
/* Does text[0..len) match g (case-folded unless cased)? */
bool sigma_glob_match(const struct sigma_glob *g, const char *text, size_t len, bool cased);
/* Translate a Sigma (PCRE-flavoured) regex to POSIX ERE and compile; -1 with why. */
int sigma_regex_compile(
    struct regex_shared **re, const char *pattern, bool icase, char *why, size_t whylen);
/* Does the text address fall in v's network? */
bool sigma_cidr_match(const struct sigma_value *v, const char *text, size_t len);

/* sigma_cond.c: parse text over r's selections; NULL with why. Caller frees. */
struct sigma_cond *sigma_cond_parse(
    const struct sigma_rule *r, const char *text, char *why, size_t whylen);
void sigma_cond_free(struct sigma_cond *c);

/* sigma_map.c: load the *.map files of dir into ss; -1 with err. */
int sigma_map_load(struct sigma_set *ss, const char *dir, char *err, size_t errlen);
void sigma_shape_free(struct sigma_shape *sh);
/* Does rule r's log source name shape sh? */
bool sigma_shape_serves(const struct sigma_shape *sh, const struct sigma_rule *r);
/* The event field for Sigma field name in sh (caller frees); NULL unmapped, *nomem set on ENOMEM.
 */
char *sigma_shape_field(const struct sigma_shape *sh, const char *name, bool *nomem);
/* The tags of ev that some shape of ss names, a bit each (the bits of ss->tag_names). */
uint64_t sigma_event_tags(const struct sigma_set *ss, const struct detect_event *ev);
/*
 * Is ev, whose tags are ev_tags (sigma_event_tags), of shape sh?  memo:
 * SIGMA_MAX_SHAPE_CONDS bytes, zero at the message's first shape, shared by
 * its others.
 */
bool sigma_shape_holds(const struct sigma_shape *sh, const struct detect_event *ev,
    uint64_t ev_tags, unsigned char *memo);

/*
 * What a condition requires, in one index's terms: a requirement is
 * size bytes that the walk allocates and the callbacks fill.
 */
struct sigma_require_ops {
	size_t size;
	/* into r what item it requires */
	void (*item)(const struct sigma_instance *in, const struct sigma_item *it, void *r);
	void (*nothing)(void *r);		/* nothing required ("not", a join's start) */
	void (*impossible)(void *r);		/* one of none holds (an empty list) */
	void (*both)(void *r, const void *b);	/* into r: r and b hold */
	void (*either)(void *r, const void *b); /* into r: r or b holds */
};
/*
 * sigma_require.c: into r (ops->size bytes, the caller's) what the
 * conditions of in's rule require of any event they match; -1 out of memory.
 */
int sigma_require(const struct sigma_instance *in, const struct sigma_require_ops *ops, void *r);

/*
 * sigma_index.c: find the literals of instance in (one of them is in any
 * message it matches); -1 out of memory.
 */
int sigma_index_literals(struct sigma_instance *in);
/*
 * Build the automaton and the always lists of ss, with at most max_bytes
 * bytes of literals (an instance past it is always tried); -1 out of memory.
 */
int sigma_index_build(struct sigma_set *ss, size_t max_bytes);
/*
 * Call f(instance, arg) for every instance whose shape bit is in shapes
 * and that may match ev: its (field, value) key is ev's, or it has none
 * and a literal of it occurs in the message text (or it has none either);
 * each instance at most once, in index order.
 */
void sigma_index_candidates(const struct sigma_set *ss, uint64_t shapes,
    const struct detect_event *ev, void (*f)(size_t inst, void *arg), void *arg);

/*
 * sigma_key.c: the (field, values) choices of instance in (in->key_alts),
 * key_field SIZE_MAX; -1 out of memory.
 */
int sigma_key_derive(struct sigma_instance *in);
/*
 * Key each instance that has a choice by the field most share (at most
 * SIGMA_MAX_KEY_FIELDS fields; past them, by literal): ss's table; -1
 * out of memory.
 */
int sigma_key_build(struct sigma_set *ss);
/* add(instance, arg) for each instance of shapes under ev's value of its key field. */
void sigma_key_candidates(const struct sigma_set *ss, uint64_t shapes, const struct detect_event *ev,
    void (*add)(size_t inst, void *arg), void *arg);
void sigma_key_free(struct sigma_set *ss);
void sigma_key_alts_free(struct sigma_instance *in);
void sigma_index_free(struct sigma_set *ss);
/* Add inst to o unless it is o's last already; -1 out of memory. */
int sigma_output_add(struct sigma_output *o, size_t inst);

/* The prefix of a mapped field that is a key=value pair of the message text. */
#define SIGMA_KV_PREFIX "kv:"

/*
 * sigma_fact.c: the fact rule r gives by its ATT&CK tags: t1136* account
 * created (first), else t1098* admin member added, else none.
 */
enum detect_fact sigma_fact_kind(const struct sigma_rule *r);
/* Resolve the fact keys n of sh's mapping file into sh; -1 with why. */
int sigma_fact_prepare(struct sigma_shape *sh, const struct sigma_fact_names *n, char *why,
    size_t whylen);
/* The fact rule r's alerts give on sh's events; NULL none. Owned by sh. */
const struct sigma_fact *sigma_fact_of(const struct sigma_shape *sh, const struct sigma_rule *r);
void sigma_fact_free(struct sigma_fact *f);

/* sigma_match.c: the value of field ref in ev (a key=value of the message when kv). */
bool sigma_field_read(const struct field_ref *ref, bool kv, const struct detect_event *ev,
    struct detect_value *v);
/* sigma_match.c: does instance in hold for ev? */
bool sigma_instance_holds(
    const struct sigma_set *ss, const struct sigma_instance *in, const struct detect_event *ev);

#endif

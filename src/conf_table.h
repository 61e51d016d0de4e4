/*
 * conf_table.h: every configuration option, declared once (conf_table.c),
 * in the spirit of Redis's standardConfig table.  Parsing (the libConfuse
 * options and their checks), the -T dump, the reload comparison and
 * freeing are all driven by these rows (conf_option.c, conf_dump.c); only
 * checks that span several options stay hand-written (conf.c,
 * conf_input.c).  Internal to the conf_* files: other modules read
 * struct conf (conf.h).
 *
 * To add an option: add one row to its section's table in conf_table.c,
 * with a field for it in the section's struct in conf.h:
 *
 *   { CONF_NUMBER_ROW(struct input_conf, idle_timeout, "idle_timeout", 0, 86400, 600) },
 *
 * gives the key, its bounds and default, its "out of range (expected
 * 0..86400)" message, its line in the -T dump, its part in input_conf_same
 * and (for strings and lists) its free.  The row's place in the table is
 * its place in "expected one of: ..." messages and, unless the section's
 * dump_first list names it, in the dump.  An option that some transports
 * only use sets .transports (checked, and dumped for those only).
 *
 * To add a section (kafka NAME { ... }): a table of rows ending with
 * CONF_END, a struct conf_section naming it, and a CONF_SECTION row in
 * conf_root that points at it.  A block given many times (CFGF_MULTI |
 * CFGF_TITLE) is an array in struct conf (array, count, size of an
 * element, the field that holds its title); a block given once writes
 * straight into struct conf (its rows' offsets are into struct conf).
 */
#ifndef LOGWARD_CONF_TABLE_H
#define LOGWARD_CONF_TABLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include <confuse.h>

#include "conf.h"

/* the build's localstatedir (configure --localstatedir), as the unit and the man pages say */
#ifndef LOGWARD_LOCALSTATEDIR
#define LOGWARD_LOCALSTATEDIR "/var"
#endif
#define CONF_DEFAULT_ARCHIVE LOGWARD_LOCALSTATEDIR "/log/logward/events-%Y%m%d.jsonl"

enum conf_kind {
	CONF_NUMBER,  /* an integer within min..max, of .size bytes (unsigned, size_t, 64-bit) */
	CONF_STRING,  /* char *; NULL when unset and without a default */
	CONF_PATH,    /* a CONF_STRING that may not be empty */
	CONF_ACCOUNT, /* a CONF_STRING that names a user or group */
	CONF_ZONE,    /* a CONF_STRING that names an IANA time zone, loaded when read (tz_zone.h) */
	CONF_ADDRESS, /* "host:port" as written at offset; its parts at .aux (host), .aux2 (port) */
	CONF_KEYWORD, /* an enum (int) named by a word: .keywords */
	CONF_LIST,    /* char ** at offset, its size_t count at .aux */
	CONF_BOOL,    /* yes/no into a bool or an int (.size bytes) */
	CONF_FLOAT,   /* a double; libConfuse checks the syntax */
	CONF_SECTION, /* a block: .section */
	CONF_FUNC,    /* include("file") */
};

/* Row flags. */
#define CONF_F_NODEFAULT 0x1  /* unset leaves the field alone (NULL, 0, or what the caller put) */
#define CONF_F_IF_SET 0x2     /* dumped only when set: non-NULL, non-zero, non-empty */
#define CONF_F_REPEATABLE 0x4 /* historical: given twice, the last wins (no "set twice") */

/* The words of a CONF_KEYWORD option. */
struct conf_keywords {
	const char *expected;          /* "low, medium, high or critical": "is invalid (expected ...)" */
	int (*parse)(const char *s);   /* the value, or -1 */
	const char *(*name)(int value);
};

struct conf_section;

/* One option: its key, how it is stored, its bounds and default. */
struct conf_option {
	const char *name;
	enum conf_kind kind;
	size_t offset;       /* the field in the block's struct */
	size_t size;         /* bytes of that field (numbers, booleans) */
	size_t aux;          /* lists: the count; addresses: the host */
	size_t aux2;         /* addresses: the port */
	long min, max, def;  /* numbers; def also for booleans (0 or 1) */
	double real;         /* floats: the default */
	const char *text;    /* strings, keywords: the default as written; NULL: none */
	const struct conf_keywords *keywords;
	const struct conf_section *section;
	unsigned flags;      /* CONF_F_* */
	unsigned transports; /* inputs: CONF_TRANSPORT_* it applies to; 0: all */
	/* lists of "name=value": a name this says is secret dumps as "name=(redacted)" */
	bool (*secret)(const char *name, size_t len);
};

/* A CONF_LIST field (a typedef, so that const applies to the field). */
typedef char **conf_strings;

#define CONF_TRANSPORT(t) (1u << (t))
/* every stream transport: TLS and RELP inputs are TCP inputs */
#define CONF_STREAM (CONF_TRANSPORT(TRANSPORT_TCP) | CONF_TRANSPORT(TRANSPORT_TLS) | \
	CONF_TRANSPORT(TRANSPORT_RELP) | CONF_TRANSPORT(TRANSPORT_RELP_TLS))
/* the transports wrapped in TLS: the TLS keys apply */
#define CONF_TLS_TRANSPORTS (CONF_TRANSPORT(TRANSPORT_TLS) | CONF_TRANSPORT(TRANSPORT_RELP_TLS))

/* A block: its libConfuse name and options, and where its values go. */
struct conf_section {
	const char *name;                  /* "input"; "root" for the file itself */
	const struct conf_option *options; /* ends with CONF_END */
	cfg_flag_t flags;                  /* CFGF_MULTI, CFGF_TITLE, CFGF_NO_TITLE_DUPES */
	const char *const *dump_first;     /* NULL, or options dumped before the others */
	/* CFGF_TITLE blocks: an array of structs in struct conf, and in each the
	 * title, the block's first line (an int) and file (CONF_NONE: not kept) */
	size_t array, count, elem_size, title, line, file;
};

#define CONF_NONE ((size_t)-1)

#define CONF_FIELD_SIZE(type, member) sizeof(((type *)0)->member)
/* The start of a row, inside its braces; more fields may follow. */
#define CONF_NUMBER_ROW(type, member, key, lo, hi, dflt) \
	.name = key, .kind = CONF_NUMBER, .offset = offsetof(type, member), \
	.size = CONF_FIELD_SIZE(type, member), .min = lo, .max = hi, .def = dflt
#define CONF_STRING_ROW(type, member, key, k, dflt) \
	.name = key, .kind = k, .offset = offsetof(type, member), .text = dflt, \
	.flags = (dflt) == NULL ? CONF_F_NODEFAULT | CONF_F_IF_SET : 0
#define CONF_LIST_ROW(type, member, key) \
	.name = key, .kind = CONF_LIST, .offset = offsetof(type, member), \
	.aux = offsetof(type, n_##member), .flags = CONF_F_NODEFAULT | CONF_F_IF_SET
#define CONF_BOOL_ROW(type, member, key) \
	.name = key, .kind = CONF_BOOL, .offset = offsetof(type, member), \
	.size = CONF_FIELD_SIZE(type, member)
#define CONF_END { .name = NULL }

extern const struct conf_section conf_root;

/* The section libConfuse calls name (its cfg->name; "root" for the file), or NULL. */
const struct conf_section *conf_section_find(const char *name);
/* The row of option name in the block libConfuse calls section (its cfg->name). */
const struct conf_option *conf_option_find(const char *section, const char *name);
/* The row of name in table, or NULL. */
const struct conf_option *conf_table_find(const struct conf_option *table, const char *name);

/*
 * Build the libConfuse options of a section from its table (with their
 * parse callbacks), recursively.  Caller frees with conf_options_free.
 */
cfg_opt_t *conf_options_build(const struct conf_section *s);
void conf_options_free(cfg_opt_t *opts);
/* Attach the seen-key and block-closing validators by path, after cfg_init. */
void conf_validators_set(cfg_t *cfg, const struct conf_section *s, const char *prefix,
    cfg_validate_callback_t sectioncb);

/*
 * Copy the values of block sec (NULL: an absent block, defaults only) into
 * the struct at base.  Returns 0, or -1 when out of memory (what was copied
 * is base's to free).
 */
int conf_options_take(cfg_t *sec, const struct conf_section *s, void *base);
/* Every option of s alike in a and b (titles included, lines not). */
bool conf_options_same(const struct conf_section *s, const void *a, const void *b);
/* Free what the options of s own in base (not base). */
void conf_options_free_values(const struct conf_section *s, void *base);

/* A CONF_NUMBER or CONF_BOOL field of size bytes, read back. */
unsigned long long conf_option_number(const void *field, size_t size);

/* Print the options of s held at base, at depth 0 (top) or 1 (in a block). */
void conf_options_dump(FILE *fp, const struct conf_section *s, const void *base, int depth);
/* Print a string as a libConfuse double-quoted string that reads back the same. */
void conf_print_string(FILE *fp, const char *s);

/* Address parsing (conf_input.c). */
#define CONF_MAX_ADDRESS 256
/* An address split into its parts; host is "" for "any address". */
struct conf_address {
	char host[CONF_MAX_ADDRESS];
	int any;
	unsigned long port;
};
/* Split "host:port" and friends; NULL, or what is wrong (static text). */
const char *conf_parse_address(const char *s, struct conf_address *a);
/* Checks made when an input block closes (the block's line, transport fit, lists, TLS). */
int conf_check_input(cfg_opt_t *opt);
/* Input names become observer.ingress.interface.name: a safe alphabet, 1..64 long. */
int conf_valid_name(const char *s);

#endif

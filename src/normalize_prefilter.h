/*
 * normalize_prefilter.h: which messages no rule of the loaded liblognorm
 * v2 rulebases can match, decided in a table lookup instead of a walk of
 * liblognorm's parse tree.
 *
 * Contract: prefilter_may_match(pf, text, len) returns false only if
 * ln_normalize(text, len) over the same rulebase files (the same bytes,
 * loaded in the same order into one context, each file starting with an
 * empty "prefix=", as normalize.c loads them) matches no rule.  It is a
 * necessary condition, never a sufficient one: true says "run liblognorm".
 * The normalizer's output is therefore byte-identical with and without it.
 *
 * How: liblognorm 2.0.6 matches a rule from offset 0 of the message, and
 * a rule's literal text (outside %fields%) is compared byte for byte.  So
 * each rule gives one condition a matching message must meet:
 *   - the rule (after its prefix) starts with literal L: the message starts
 *     with L, and contains the rule's longest later literal M (if any)
 *     somewhere: not only after L, as a user-defined type or a repeat
 *     field can move liblognorm's offset back;
 *   - it starts with a field of type "json": the message starts with '{'
 *     or ']' (the only bytes that parser accepts first), and contains M;
 *   - it starts with another field: the message contains M;
 *   - no literal at all: every message may match ("pass all").
 * Literals are cut before the first backslash (liblognorm unescapes them;
 * the bytes before a backslash are certain) and to PREFILTER_LITERAL_MAX.
 * The rules of one L are checked together: if more than
 * PREFILTER_NEXTS_MAX distinct M come with it, L alone is their condition
 * (or, for L shorter than 3 bytes, their M anywhere without L).
 * Anything the reader does not fully understand (a rule spanning lines,
 * include=, a NUL byte, a first line other than "version=2", a field it
 * cannot delimit exactly, an "alternative" field (liblognorm joins its
 * branches into other rules' parse paths, so a message can match a rule
 * without its literals), more than PREFILTER_LITERALS_MAX conditions, a
 * file over PREFILTER_FILE_MAX or changed while it loaded) turns the whole
 * prefilter into "pass all": slower, never different.
 *
 * Threads: built once by one thread; prefilter_may_match only reads, so a
 * sealed prefilter may be shared.
 */
#ifndef LOGWARD_NORMALIZE_PREFILTER_H
#define LOGWARD_NORMALIZE_PREFILTER_H

#include <stdbool.h>
#include <stddef.h>

#define PREFILTER_LITERAL_MAX 64     /* bytes of a literal kept and compared */
#define PREFILTER_LITERALS_MAX 65536 /* conditions; past it: pass all */
#define PREFILTER_NEXTS_MAX 256	     /* later literals of one leading literal; past it: see above */
#define PREFILTER_FILE_MAX (8u << 20) /* bytes of one rulebase read; past it: pass all */

struct prefilter;

/* A new, empty prefilter (no rule: nothing matches).  Caller frees. */
struct prefilter *prefilter_new(void);
void prefilter_free(struct prefilter *pf); /* NULL is fine */

/*
 * Add the rules of one rulebase file's text[0..len) (not NUL-terminated),
 * starting with an empty prefix.  Returns 0, or -1 when out of memory
 * (the prefilter is then unusable: free it).  Text it cannot read with
 * certainty is no error: the prefilter passes all (see above).
 */
int prefilter_add_rulebase(struct prefilter *pf, const char *text, size_t len);

/*
 * Read path (bounded by PREFILTER_FILE_MAX) and add it; the bytes are kept
 * until prefilter_seal, which reads the file again and passes all if it
 * changed (liblognorm reads it in between).  -1 only when out of memory; a
 * file that cannot be read makes it pass all.
 */
int prefilter_add_file(struct prefilter *pf, const char *path);

/* Pass every message from now on; why is a static string, for the log. */
void prefilter_pass_all(struct prefilter *pf, const char *why);

/*
 * Re-check the files and build the lookup tables; no rule can be added
 * afterwards.  Returns 0, or -1 when out of memory.
 */
int prefilter_seal(struct prefilter *pf);

/* May some rule match text[0..len)?  pf must be sealed. */
bool prefilter_may_match(const struct prefilter *pf, const char *text, size_t len);

/*
 * For the load log line and the tests: NULL when it filters, else why it
 * passes all (a static string).  The counts are after duplicates are
 * dropped: leading literals, the later literals that come with them, and
 * the literals a message must contain anywhere.
 */
const char *prefilter_passes_all(const struct prefilter *pf);
size_t prefilter_anchored_count(const struct prefilter *pf);
size_t prefilter_next_count(const struct prefilter *pf);
size_t prefilter_contained_count(const struct prefilter *pf);

#endif

/*
 * normalize.h: liblognorm over the rulebases under patterns/.
 *
 * rules_path is a directory (every "*.rulebase" regular file in it, loaded
 * in name order, other names skipped) or a single rulebase file.  Every
 * file must be a liblognorm v2 rulebase: its first line is exactly
 * "version=2" (liblognorm would silently fall back to its v1 engine
 * otherwise).  All files go into one liblognorm context, so rules from all
 * of them are active; a "prefix=" does not leak from one file into the
 * next (reset after each file), but user-defined types (type=@x) and
 * annotations are shared by all files of the directory.
 *
 * Threads: one normalizer per processing worker.  A normalizer (its
 * liblognorm context and scratch buffer) must not be used by two threads
 * at once; separate normalizers in one process are independent and may be
 * loaded and run concurrently (liblognorm keeps no global state; tested).
 */
#ifndef LOGWARD_NORMALIZE_H
#define LOGWARD_NORMALIZE_H

#include <stdbool.h>
#include <stddef.h>

/*
 * libfastjson's json.h #defines json_object to fjson_object: name the real
 * struct so that the prototype below is the same type whether or not the
 * includer has included json.h yet.
 */
struct fjson_object;
struct normalizer;

/*
 * Load the rulebases.  Returns NULL on failure with a message in err
 * ("file:line: what", or "path: why"); any error liblognorm reports while
 * loading is a failure, even the ones after which it would carry on with
 * the rule dropped.  A directory without any rulebase is not an error
 * (0 rulebases: no message matches); the caller decides whether to warn.
 * Caller frees with normalizer_free.
 */
struct normalizer *normalizer_new(const char *rules_path, char *err, size_t errlen);
void normalizer_free(struct normalizer *n);

/* Number of rulebase files loaded. */
size_t normalizer_rulebase_count(const struct normalizer *n);

/*
 * Normalize text[0..len), leading blanks skipped, up to its first NUL
 * byte if it has one (see normalize.c).  text need not be
 * NUL-terminated and is never
 * read past len (liblognorm 2.0.6 does read to a NUL, so the bytes are
 * copied into the normalizer's own buffer first; len is bounded by the
 * caller's max_message_size).  Returns 1 when a rule matched and *out
 * holds liblognorm's fields, flat with dotted names, the rule's tags in
 * "event.tags" (caller releases with json_object_put); 0 when no rule
 * matched (*out is NULL); -1 on error (*out is NULL).
 */
int normalizer_run(struct normalizer *n, const char *text, size_t len, struct fjson_object **out);

/*
 * The prefilter (normalize_prefilter.h) answers 0 for a message no rule
 * can match without running liblognorm; on by default.  Turning it off
 * changes no result, only the cost: for the tests that prove it.
 */
void normalizer_set_prefilter(struct normalizer *n, bool on);

#endif

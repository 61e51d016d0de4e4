/*
 * normalize.h: liblognorm over the rulebases under patterns/.
 *
 * One normalizer per processing worker: a liblognorm context is not shared
 * between threads.  rules_path is a directory (every "*.rulebase" in it,
 * loaded in name order) or a single rulebase file.
 */
#ifndef LOGWARD_NORMALIZE_H
#define LOGWARD_NORMALIZE_H

#include <stddef.h>

struct json_object;
struct normalizer;

/*
 * Load the rulebases.  Returns NULL on failure with a message in err
 * ("file:line: what", or "path: why").  Caller frees with normalizer_free.
 */
struct normalizer *normalizer_new(const char *rules_path, char *err, size_t errlen);
void normalizer_free(struct normalizer *n);

/* Number of rulebase files loaded. */
size_t normalizer_rulebase_count(const struct normalizer *n);

/*
 * Normalize text[0..len).  Returns 1 when a rule matched and *out holds
 * liblognorm's fields (caller releases with json_object_put), 0 when no
 * rule matched (*out is NULL), -1 on error (*out is NULL).
 */
int normalizer_run(struct normalizer *n, const char *text, size_t len, struct json_object **out);

#endif

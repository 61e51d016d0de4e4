/*
 * fuzz_prefilter.c: libFuzzer target for the normalizer's prefilter
 * (normalize_prefilter.c), the rulebase reader that runs at start and on
 * reload, checked against liblognorm itself.
 *
 * Input: rulebase text (after its "version=2" line), then a NUL, then
 * messages, one a line.  The reader must not crash on any text; when the
 * rulebase loads, every message must give the same result with the
 * prefilter on and off (the prefilter may only say "no rule can match"
 * where liblognorm matches none): a difference aborts.
 */
#include "config.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <json.h>

#include "normalize.h"
#include "normalize_prefilter.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/*
 * liblognorm 2.0.6 reports some rulebase errors with "%s" of its own
 * buffer, which is not NUL-terminated ("invalid json in '%s'"): ASan's
 * printf check sees liblognorm read past it.  That is liblognorm's, on the
 * error path of a broken rulebase, not this target's: not checked here.
 * Its leak suppression needs the slow unwinder (no frame pointers).
 */
const char *__asan_default_options(void);
const char *
__asan_default_options(void)
{
	return "check_printf=0:fast_unwind_on_malloc=0";
}

/* liblognorm 2.0.6 leaks the tags of a rule it rejects (check_normalize.c). */
const char *__lsan_default_suppressions(void);
const char *
__lsan_default_suppressions(void)
{
	return "leak:ln_sampLoad\nleak:ln_loadSamples\n";
}

static char fuzz_path[64];

static void
fuzz_cleanup(void)
{
	if (fuzz_path[0] != '\0')
		unlink(fuzz_path);
}

/*
 * liblognorm 2.0.6 dereferences NULL for an empty tag before a ','
 * ("rule=,a:..." or "rule=a,,b:...": processTags): its crash at load, not
 * the prefilter's; such a rulebase is only given to the reader.
 */
static bool
fuzz_lognorm_crashes(const char *text, size_t len)
{
	const char *p = text, *end = text + len, *nl, *colon;

	for (; p < end; p = nl + 1) {
		if ((nl = memchr(p, '\n', (size_t)(end - p))) == NULL)
			nl = end;
		if (nl - p < 5 || memcmp(p, "rule=", 5) != 0)
			continue;
		if ((colon = memchr(p + 5, ':', (size_t)(nl - p - 5))) == NULL)
			colon = nl;
		if (colon > p + 5 &&
		    (p[5] == ',' || memmem(p + 5, (size_t)(colon - p - 5), ",,", 2)))
			return true;
	}
	return false;
}

/* The result of one message as text ("0", "-1", or the JSON), caller frees. */
static char *
fuzz_result(struct normalizer *n, const char *msg, size_t len)
{
	struct json_object *out = NULL;
	char *copy = malloc(len > 0 ? len : 1), *text;
	int rc;

	if (copy == NULL)
		abort();
	memcpy(copy, msg, len);
	rc = normalizer_run(n, copy, len, &out);
	free(copy);
	if (out != NULL)
		text = strdup(json_object_to_json_string(out));
	else
		text = strdup(rc == 0 ? "0" : "-1");
	json_object_put(out);
	if (text == NULL)
		abort();
	return text;
}

/* Every message of msgs[0..len), one a line, both ways. */
static void
fuzz_compare(struct normalizer *n, const char *msgs, size_t len)
{
	const char *p = msgs, *end = msgs + len, *nl;
	char *on, *off;

	while (p <= end) {
		nl = memchr(p, '\n', (size_t)(end - p));
		if (nl == NULL)
			nl = end;
		normalizer_set_prefilter(n, true);
		on = fuzz_result(n, p, (size_t)(nl - p));
		normalizer_set_prefilter(n, false);
		off = fuzz_result(n, p, (size_t)(nl - p));
		if (strcmp(on, off) != 0) {
			fprintf(stderr, "prefilter: \"%.*s\": %s with it, %s without\n",
			    (int)(nl - p), p, on, off);
			abort();
		}
		free(on);
		free(off);
		p = nl + 1;
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *text = (const char *)data, *nul = memchr(data, '\0', size);
	size_t rlen = nul != NULL ? (size_t)(nul - text) : size;
	struct prefilter *pf;
	struct normalizer *n;
	char err[256];
	FILE *f;

	if (fuzz_path[0] == '\0') {
		snprintf(fuzz_path, sizeof(fuzz_path), "/tmp/fuzz_prefilter.%ld.rulebase",
		    (long)getpid());
		atexit(fuzz_cleanup);
	}
	/* the reader alone, on the raw bytes: any text */
	if ((pf = prefilter_new()) == NULL)
		return 0;
	if (prefilter_add_rulebase(pf, text, size) == 0 && prefilter_seal(pf) == 0)
		(void)prefilter_may_match(pf, text, size);
	prefilter_free(pf);

	/* against liblognorm: the same rules as a file */
	if (fuzz_lognorm_crashes(text, rlen) || (f = fopen(fuzz_path, "w")) == NULL)
		return 0;
	fputs("version=2\n", f);
	fwrite(text, 1, rlen, f);
	if (fclose(f) != 0)
		return 0;
	if ((n = normalizer_new(fuzz_path, err, sizeof(err))) == NULL)
		return 0;
	if (nul != NULL)
		fuzz_compare(n, nul + 1, size - rlen - 1);
	normalizer_free(n);
	return 0;
}

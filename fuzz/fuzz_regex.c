/*
 * fuzz_regex.c: libFuzzer target for regex_shared's linear searches
 * (regex_shared.c, regex_form.c), checked against glibc's own search.
 *
 * Input: one byte of flags (bit 0 REG_ICASE, bit 1 REG_NOSUB), a pattern,
 * a NUL, then the text (any bytes, NUL and newline included).  A pattern
 * past regex_bound's bounds, or one regcomp refuses, is skipped (regcomp's
 * cost is regex_bound's matter).  From the first few starts, with each
 * eflags, asking whether and where: the answer and the matches must be
 * glibc's, and the backwards pass must find the start glibc matches at.
 * A difference aborts.
 */
#include "config.h"

#include <regex.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "regex_bound.h"
#include "regex_shared.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define TEXT_MAX 512 /* glibc's own search is quadratic: keep each run short */
#define GROUPS 4

/* Both searches of text[so, len) with eflags and nm groups; abort on a difference. */
static void
compare(struct regex_shared *r, regex_t *plain, const char *text, size_t len, size_t so,
    size_t nm, int eflags)
{
	regmatch_t want[GROUPS], got[GROUPS];
	int want_rc, got_rc;
	size_t i;

	memset(want, 0, sizeof(want));
	memset(got, 0, sizeof(got));
	want[0].rm_so = got[0].rm_so = (regoff_t)so;
	want[0].rm_eo = got[0].rm_eo = (regoff_t)len;
	want_rc = regexec(plain, text, nm, want, eflags | REG_STARTEND);
	got_rc = regex_shared_exec(r, text, nm, got, eflags);
	if (want_rc != got_rc || regex_shared_count(r).missed != 0)
		abort();
	for (i = 0; got_rc == 0 && i < nm; i++)
		if (want[i].rm_so != got[i].rm_so || want[i].rm_eo != got[i].rm_eo)
			abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const int eflags[] = {0, REG_NOTBOL, REG_NOTEOL};
	const uint8_t *nul;
	char *pattern, *text, why[256];
	struct regex_shared *r;
	regex_t plain;
	size_t plen, len, so, e, nm;
	int flags;

	if (size < 2 || (nul = memchr(data + 1, '\0', size - 1)) == NULL)
		return 0;
	flags = REG_EXTENDED | (data[0] & 1 ? REG_ICASE : 0) | (data[0] & 2 ? REG_NOSUB : 0);
	plen = (size_t)(nul - data - 1);
	len = size - plen - 2;
	if (len > TEXT_MAX)
		len = TEXT_MAX;
	if ((pattern = malloc(plen + 1)) == NULL || (text = malloc(len + 1)) == NULL) {
		free(pattern);
		return 0;
	}
	memcpy(pattern, data + 1, plen);
	pattern[plen] = '\0';
	memcpy(text, nul + 1, len);
	text[len] = '\0';
	if (regex_bound_check(pattern, why, sizeof(why)) == 0 &&
	    regcomp(&plain, pattern, flags) == 0) {
		if ((r = regex_shared_new(pattern, flags, why, sizeof(why))) == NULL)
			abort(); /* glibc compiled it */
		for (so = 0; so <= len && so < 3; so++)
			for (e = 0; e < sizeof(eflags) / sizeof(eflags[0]); e++)
				for (nm = 0; nm <= GROUPS; nm += GROUPS)
					compare(r, &plain, text, len, so, nm, eflags[e]);
		regex_shared_free(r);
		regfree(&plain);
	}
	free(pattern);
	free(text);
	return 0;
}

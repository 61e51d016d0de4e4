/*
 * regex_shared.c: a compiled ERE shared by the workers, compiled afresh
 * every REGEX_SHARED_BUDGET bytes searched (regex_shared.h).
 *
 * glibc's regexec takes the regex's own lock for the whole search, so the
 * workers already take turns on a regex_t; the lock here is taken in its
 * place (glibc's is then never contended), and under it the search that
 * passes the budget swaps in a fresh compilation, which no other thread
 * can be using.  Should that regcomp fail (memory), the old one stays:
 * the results are the same either way.
 *
 * Measured (glibc 2.36, C locale, REG_EXTENDED | REG_ICASE | REG_NOSUB,
 * RSS growth; CPU time on a shared, loaded machine):
 * "(a|b)*a(a|b){20}" over texts of 200 random 'a' and 'b': 190 MB after
 * 10,000 texts, 1 GB after 100,000 and still growing, 1.8 ms a text on
 * average and 2.2 ms for the last ones.  Compiled afresh every 64 KiB:
 * 11 MB at most; every 256 KiB: 36 MB; every 1 MiB: 114 MB (about 140
 * bytes of states a byte searched).  One search builds states too: a
 * single text past the budget grows the cache for its length before the
 * rebuild that follows it.
 */
#include "config.h"

#include <pthread.h>
#include <stdio.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "regex_shared.h"

struct regex_shared {
	pthread_mutex_t lock; /* held for a search and a rebuild */
	regex_t re;
	char *pattern; /* owned, to compile it again */
	int flags;
	size_t searched; /* bytes since re was compiled */
	size_t budget;	 /* REGEX_SHARED_BUDGET but in tests */
	unsigned long rebuilds;
};

struct regex_shared *
regex_shared_new(const char *pattern, int flags, char *why, size_t whylen)
{
	struct regex_shared *r = calloc(1, sizeof(*r));
	int rc;

	if (r == NULL || (r->pattern = strdup(pattern)) == NULL) {
		snprintf(why, whylen, "out of memory");
		free(r);
		return NULL;
	}
	if ((rc = regcomp(&r->re, pattern, flags)) != 0) {
		regerror(rc, &r->re, why, whylen);
		free(r->pattern);
		free(r);
		return NULL;
	}
	r->flags = flags;
	r->budget = REGEX_SHARED_BUDGET;
	pthread_mutex_init(&r->lock, NULL);
	return r;
}

/* Past the budget: a fresh compilation, whose state cache is empty.  Under r->lock. */
static void
regex_shared_rebuild(struct regex_shared *r)
{
	regex_t fresh;

	r->searched = 0;
	if (regcomp(&fresh, r->pattern, r->flags) != 0)
		return; /* the old one still answers the same */
	regfree(&r->re);
	r->re = fresh;
	r->rebuilds++;
}

int
regex_shared_exec(struct regex_shared *r, const char *text, size_t nm, regmatch_t *m, int eflags)
{
	size_t len = (size_t)(m[0].rm_eo - m[0].rm_so);
	int rc;

	pthread_mutex_lock(&r->lock);
	rc = regexec(&r->re, text, nm, m, eflags | REG_STARTEND);
	if ((r->searched += len) > r->budget)
		regex_shared_rebuild(r);
	pthread_mutex_unlock(&r->lock);
	return rc;
}

size_t
regex_shared_groups(const struct regex_shared *r)
{
	return r->re.re_nsub;
}

void
regex_shared_set_budget(struct regex_shared *r, size_t bytes)
{
	r->budget = bytes;
}

unsigned long
regex_shared_rebuilds(const struct regex_shared *r)
{
	return r->rebuilds;
}

void
regex_shared_free(struct regex_shared *r)
{
	if (r == NULL)
		return;
	regfree(&r->re);
	pthread_mutex_destroy(&r->lock);
	free(r->pattern);
	free(r);
}

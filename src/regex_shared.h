/*
 * regex_shared.h: a compiled ERE that the worker threads share, compiled
 * afresh once it has searched REGEX_SHARED_BUDGET bytes.  glibc's regexec
 * keeps every DFA state it builds in the regex_t until regfree, and which
 * states it builds is the text's choice: "(a|b)*a(a|b){20}", within every
 * bound of regex_bound.h, grew by 1 GB over 100,000 texts of 200 random
 * 'a' and 'b', and each search grew slower with it.  The text is a
 * sender's; the rebuild caps what it may grow the cache to between two
 * rebuilds (regex_shared.c has the figures).
 *
 * And searched in time near linear in the text: glibc tries an unanchored
 * pattern from each place in the text, so "[a-z]+b" over 64 KiB of 'a'
 * took seconds.  Whether it matches is one anchored pass over the text;
 * where it matches, one over the text read backwards and one try of the
 * pattern where the match starts (regex_shared.c).
 */
#ifndef LOGWARD_REGEX_SHARED_H
#define LOGWARD_REGEX_SHARED_H

#include <regex.h>
#include <stddef.h>

#define REGEX_SHARED_BUDGET (256 * 1024) /* bytes searched between two rebuilds */

struct regex_shared;

/*
 * Compile pattern with regcomp's flags (the caller has held it to
 * regex_bound_check).  NULL with regcomp's reason in why (the caller's
 * buffer); the caller frees the result with regex_shared_free.
 */
struct regex_shared *regex_shared_new(const char *pattern, int flags, char *why, size_t whylen);

/*
 * regexec with REG_STARTEND over text[m[0].rm_so, m[0].rm_eo) (text
 * NUL-terminated at or past rm_eo), and eflags: the same answer and
 * matches.  nm 0 (or a pattern compiled with REG_NOSUB) asks only whether
 * it matches, in one pass; m[0] then says only the range.  Safe from any
 * thread; the search that passes the budget compiles the pattern afresh.
 */
int regex_shared_exec(
    struct regex_shared *r, const char *text, size_t nm, regmatch_t *m, int eflags);

/* What r's searches have asked of glibc (tests, figures). */
struct regex_shared_count {
	unsigned long anchored; /* passes of an anchored form: each tries one place */
	unsigned long backwards; /* passes over a copy read backwards: one place tried */
	unsigned long written;	/* searches by the pattern as written */
	unsigned long missed;	/* written searches that did not match where the backwards pass said */
	unsigned long long bytes; /* the lengths of the texts of all */
	unsigned forms;		/* compiled now: as written, anchored, backwards */
};

struct regex_shared_count regex_shared_count(const struct regex_shared *r);

/* Its parenthesized groups (regex_t's re_nsub). */
size_t regex_shared_groups(const struct regex_shared *r);

/* Tests: a budget other than REGEX_SHARED_BUDGET, before any search. */
void regex_shared_set_budget(struct regex_shared *r, size_t bytes);

/* How many times r has been compiled afresh (tests, figures). */
unsigned long regex_shared_rebuilds(const struct regex_shared *r);

void regex_shared_free(struct regex_shared *r);

#endif

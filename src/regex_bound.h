/*
 * regex_bound.h: what a POSIX ERE from the configuration may cost before
 * glibc's regcomp sees it.  regcomp writes every repetition out as copies
 * of its operand (a{5} is aaaaa, a+ is aa*), stacked and nested counts
 * multiply, and its epsilon closures grow with the square of the empty
 * transitions (groups, alternations, optional parts) and faster still
 * with anchors: "ab++++++++++++++++++++++++++c" or 2000 "^" take
 * gigabytes.  Every pattern read from configuration goes through
 * regex_bound_check before regcomp; the figures are in regex_bound.c.
 */
#ifndef LOGWARD_REGEX_BOUND_H
#define LOGWARD_REGEX_BOUND_H

#include <stddef.h>

#define REGEX_BOUND_REPEAT 255 /* a {m,n} count */
#define REGEX_BOUND_NODES 4096 /* regcomp's nodes, repetitions written out */
#define REGEX_BOUND_EMPTY 1024 /* its empty transitions times one more than its anchors */
#define REGEX_BOUND_NESTING 32 /* groups inside groups */

/*
 * 0 when pattern (an ERE) is within the bounds above and has neither a
 * quantifier right after another nor one on a part that can match
 * nothing, nor a second alternative that can, nor a back-reference
 * (matching one can take minutes of a sender's text); else -1 with the reason in
 * why (the caller's buffer).  A pattern that glibc would refuse anyway
 * may pass: regcomp then says why.
 */
int regex_bound_check(const char *pattern, char *why, size_t whylen);

/*
 * End of the bracket expression that starts at p ('['), or NULL when it
 * does not end, read as glibc reads it.
 */
const char *regex_bracket_end(const char *p);

#endif

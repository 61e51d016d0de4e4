/*
 * regex_form.h: rewritings of a POSIX ERE (REG_EXTENDED, no REG_NEWLINE,
 * no back-reference, one that regcomp accepts) into the forms that
 * regex_shared.c searches with, so that glibc tries each search at one
 * place only.  Every result is the caller's to free; NULL means no
 * memory (or, for the mirror, a back-reference).
 */
#ifndef LOGWARD_REGEX_FORM_H
#define LOGWARD_REGEX_FORM_H

#include <stdbool.h>

/* "(P)": P as one group, its ')' that close no group written "\)". */
char *regex_form_group(const char *pattern);

/*
 * pattern (its parentheses balanced) with each "^" that can only be where
 * its match starts written "\`"; *other says whether another "^" is left.
 */
char *regex_form_leading(const char *pattern, bool *other);

/*
 * The mirror image of pattern: it matches text[i, j) read backwards
 * exactly where pattern matches text[i, j), every context read mirrored
 * ("^" and "$", "\<" and "\>", "\`" and "\'" swap; "\b" "\B" stay).
 * Its parentheses balance.
 */
char *regex_form_mirror(const char *pattern);

/* Whether pattern starts with "^" and has no '|' outside groups. */
bool regex_form_start_anchored(const char *pattern);

/* Whether pattern has c ('^' or '$') as an anchor (not escaped, not in brackets). */
bool regex_form_has_anchor(const char *pattern, char c);

#endif

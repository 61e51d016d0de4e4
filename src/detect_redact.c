/*
 * detect_redact.c: the redaction filter of a detection set (detect_set.h):
 * every redact pattern of every file in one alternation, compiled once,
 * so that a line with nothing to hide costs one regexec, not one a pattern.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "detect_set.h"

/*
 * End of the bracket expression that starts at p ('['), or NULL when it
 * does not end: a ']' first (after an optional '^') is a member, and
 * "[:class:]", "[.x.]", "[=x=]" are read whole.  A backslash is a member
 * too (POSIX ERE).
 */
static const char *
ere_bracket_end(const char *p)
{
	char c;

	p++;
	if (*p == '^')
		p++;
	if (*p == ']')
		p++;
	while (*p != '\0') {
		if (*p == '[' && (p[1] == ':' || p[1] == '.' || p[1] == '=')) {
			c = p[1];
			for (p += 2; *p != '\0' && !(p[0] == c && p[1] == ']'); p++)
				;
			if (*p == '\0')
				return NULL;
			p += 2;
			continue;
		}
		if (*p == ']')
			return p + 1;
		p++;
	}
	return NULL;
}

/*
 * Whether "(pattern)" is the same ERE as pattern inside an alternation:
 * its parentheses balance (glibc reads an unmatched ')' as a literal, which
 * the wrapping would turn into a group end) and it has no back-reference
 * (the wrapping would renumber the groups).
 */
static bool
ere_wrappable(const char *p)
{
	int depth = 0;

	while (*p != '\0') {
		switch (*p) {
		case '\\':
			if (p[1] == '\0' || (p[1] >= '1' && p[1] <= '9'))
				return false;
			p += 2;
			continue;
		case '[':
			if ((p = ere_bracket_end(p)) == NULL)
				return false;
			continue;
		case '(':
			depth++;
			break;
		case ')':
			if (--depth < 0)
				return false;
			break;
		default:
			break;
		}
		p++;
	}
	return depth == 0;
}

/* Add a redact pattern to the alternation; -1 when out of memory. */
int
detect_redact_alt_add(struct detect_set *s, const char *pat)
{
	size_t len = strlen(pat), need;
	char *p;

	if (s->redact_alt_unsafe)
		return 0;
	if (!ere_wrappable(pat)) {
		s->redact_alt_unsafe = true;
		return 0;
	}
	need = s->redact_alt_len + len + 4; /* "|(" ")" NUL */
	if ((p = realloc(s->redact_alt, need)) == NULL)
		return -1;
	s->redact_alt = p;
	if (s->redact_alt_len > 0)
		p[s->redact_alt_len++] = '|';
	p[s->redact_alt_len++] = '(';
	memcpy(p + s->redact_alt_len, pat, len);
	s->redact_alt_len += len;
	p[s->redact_alt_len++] = ')';
	p[s->redact_alt_len] = '\0';
	return 0;
}

/*
 * Compile the alternation once every file is loaded.  Not compiling it is
 * not an error: each pattern compiled on its own, and alert.c then applies
 * them all to every string, as it would without the filter.
 */
void
detect_redact_filter_build(struct detect_set *s)
{
	if (s->n_redact > 0 && !s->redact_alt_unsafe && s->redact_alt != NULL &&
	    regcomp(&s->redact_filter, s->redact_alt,
		REG_EXTENDED | REG_ICASE | REG_NOSUB) == 0)
		s->has_redact_filter = true;
	free(s->redact_alt);
	s->redact_alt = NULL;
	s->redact_alt_len = 0;
}


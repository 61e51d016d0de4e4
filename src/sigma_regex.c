/*
 * sigma_regex.c: Sigma's re modifier.  SigmaHQ writes PCRE; logward runs
 * POSIX ERE (glibc regcomp, shared by the workers through regex_shared.h).  The common
 * PCRE forms are translated ("\d" "\w" "\s" and their negations, "(?:",
 * a leading "(?i)", lazy quantifiers, which do not change whether a
 * match exists); any other PCRE-only form refuses the rule rather than
 * meaning something else under ERE.  Bounds: SIGMA_MAX_REGEX bytes, and
 * no {m,n} count past SIGMA_MAX_REGEX_REPEAT (glibc builds a repetition
 * into its automaton, so a large count costs memory and time); then the
 * translation goes through regex_bound_check like every configured ERE
 * (stacked quantifiers, nesting, size).
 */
#include "config.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "regex_bound.h"
#include "sigma_impl.h"

struct re_out {
	char *p;
	size_t len, cap;
};

static int
put(struct re_out *o, const char *s)
{
	size_t n = strlen(s);

	if (o->len + n + 1 > o->cap)
		return -1;
	memcpy(o->p + o->len, s, n);
	o->len += n;
	o->p[o->len] = '\0';
	return 0;
}

static int
putc_re(struct re_out *o, char c)
{
	char s[2] = {c, '\0'};

	return put(o, s);
}

/* The class a "\d"-style escape stands for, bare (inside brackets) or not. */
static const char *
class_of(char c, bool bracket)
{
	switch (c) {
	case 'd':
		return bracket ? "0-9" : "[0-9]";
	case 'D':
		return bracket ? NULL : "[^0-9]";
	case 'w':
		return bracket ? "A-Za-z0-9_" : "[A-Za-z0-9_]";
	case 'W':
		return bracket ? NULL : "[^A-Za-z0-9_]";
	case 's':
		return bracket ? "[:space:]" : "[[:space:]]";
	case 'S':
		return bracket ? NULL : "[^[:space:]]";
	}
	return NULL;
}

/* "{m}", "{m,}" or "{m,n}" at p: its length, with the counts checked; 0 when not one. */
static size_t
repeat_len(const char *p, bool *too_big)
{
	const char *q = p + 1;
	unsigned long m;
	char *end;

	*too_big = false;
	if (!isdigit((unsigned char)*q))
		return 0;
	m = strtoul(q, &end, 10);
	if (m > SIGMA_MAX_REGEX_REPEAT)
		*too_big = true;
	q = end;
	if (*q == ',') {
		q++;
		if (isdigit((unsigned char)*q)) {
			m = strtoul(q, &end, 10);
			if (m > SIGMA_MAX_REGEX_REPEAT)
				*too_big = true;
			q = end;
		}
	}
	return *q == '}' ? (size_t)(q - p + 1) : 0;
}

/* One backslash escape at p[0] == '\\'; advances *i. */
static int
escape(struct re_out *o, const char *p, size_t *i, bool bracket, const char **bad)
{
	char c = p[1];
	const char *cls;

	*i += 2;
	if (c == '\0') {
		*bad = "a trailing backslash";
		return -1;
	}
	if ((cls = class_of(c, bracket)) != NULL)
		return put(o, cls);
	if (c == 'n' || c == 't' || c == 'r')
		return putc_re(o, c == 'n' ? '\n' : c == 't' ? '\t' : '\r');
	if (isalnum((unsigned char)c)) {
		*bad = "an escape (\\b, \\x, back-reference...) POSIX ERE lacks";
		return -1;
	}
	if (bracket) {
		if (c == ']' || c == '-' || c == '^') {
			*bad = "an escaped ']', '-' or '^' in brackets";
			return -1;
		}
		return putc_re(o, c); /* a backslash is literal in ERE brackets */
	}
	if (strchr(".[]()*+?{}|^$\\", c) != NULL) {
		char s[3] = {'\\', c, '\0'};

		return put(o, s);
	}
	return putc_re(o, c); /* "\/", "\-", "\:": the character itself */
}

/* Translate pattern to ERE in o; -1 with *bad. */
static int
translate(struct re_out *o, const char *p, bool *icase, const char **bad)
{
	size_t i = 0, n;
	bool bracket = false, too_big;

	if (strncmp(p, "(?i)", 4) == 0) {
		*icase = true;
		i = 4;
	}
	while (p[i] != '\0') {
		char c = p[i];

		if (c == '\\') {
			if (escape(o, p + i, &i, bracket, bad) == -1)
				return -1;
			continue;
		}
		if (bracket) {
			if (c == ']' && !(p[i - 1] == '[' || (p[i - 1] == '^' && p[i - 2] == '[')))
				bracket = false;
			if (putc_re(o, c) == -1)
				return -1;
			i++;
			continue;
		}
		if (c == '[') {
			bracket = true;
		} else if (c == '(' && p[i + 1] == '?') {
			if (p[i + 2] != ':') {
				*bad = "a (?...) group other than (?:";
				return -1;
			}
			i += 3;
			if (putc_re(o, '(') == -1)
				return -1;
			continue;
		} else if (c == '{') {
			if ((n = repeat_len(p + i, &too_big)) == 0) {
				if (put(o, "\\{") == -1)
					return -1;
				i++;
				continue;
			}
			if (too_big) {
				*bad = "a repetition count past "
				       "255";
				return -1;
			}
			if (o->len + n + 1 > o->cap)
				return -1;
			memcpy(o->p + o->len, p + i, n);
			o->len += n;
			o->p[o->len] = '\0';
			i += n;
			if (p[i] == '?')
				i++; /* lazy: same matches exist */
			else if (p[i] == '+') {
				*bad = "a possessive quantifier";
				return -1;
			}
			continue;
		} else if ((c == '*' || c == '+' || c == '?') &&
			   (p[i + 1] == '?' || p[i + 1] == '+')) {
			if (p[i + 1] == '+') {
				*bad = "a possessive quantifier";
				return -1;
			}
			if (putc_re(o, c) == -1)
				return -1;
			i += 2;
			continue;
		}
		if (putc_re(o, c) == -1)
			return -1;
		i++;
	}
	if (bracket) {
		*bad = "an unclosed '['";
		return -1;
	}
	return 0;
}

int
sigma_regex_compile(
    struct regex_shared **re, const char *pattern, bool icase, char *why, size_t whylen)
{
	struct re_out o;
	const char *bad = NULL;
	char msg[256];

	if (strlen(pattern) > SIGMA_MAX_REGEX) {
		snprintf(why, whylen, "re: longer than %d bytes", SIGMA_MAX_REGEX);
		return -1;
	}
	/* each byte grows to at most "[^[:space:]]" (12) */
	o.cap = strlen(pattern) * 12 + 16;
	o.len = 0;
	if ((o.p = malloc(o.cap)) == NULL) {
		snprintf(why, whylen, "out of memory");
		return -1;
	}
	o.p[0] = '\0';
	if (translate(&o, pattern, &icase, &bad) == -1) {
		snprintf(why, whylen, "re: %s", bad != NULL ? bad : "too long");
		free(o.p);
		return -1;
	}
	if (regex_bound_check(o.p, msg, sizeof(msg)) == -1) {
		snprintf(why, whylen, "re: %s", msg);
		free(o.p);
		return -1;
	}
	*re = regex_shared_new(
	    o.p, REG_EXTENDED | REG_NOSUB | (icase ? REG_ICASE : 0), msg, sizeof(msg));
	free(o.p);
	if (*re == NULL) {
		snprintf(why, whylen, "re: %s", msg);
		return -1;
	}
	return 0;
}

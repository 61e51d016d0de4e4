/*
 * regex_form.c: the rewritings of an ERE that regex_shared.c's anchored
 * searches are made of (regex_form.h): the pattern in a group, its "^"
 * that can only be at its start, and its mirror image.
 *
 * The mirror (regex_form_mirror).  The pattern
 * is read as glibc's ERE parser reads it (regex_bound.c says how): a
 * branch is a sequence of atoms, each with the quantifiers that follow
 * it; the mirror of a branch is the mirrors of its atoms in the reverse
 * order, each with the same quantifiers (a repetition of a mirror is the
 * mirror of the repetition); a group's mirror is the group of its
 * branches' mirrors; a character, '.', a bracket expression and "\w"
 * "\s" are their own mirrors; an anchor's mirror reads the other side.
 * A ')' that closes no group is a literal to glibc
 * (RE_UNMATCHED_RIGHT_PAREN_ORD): it is written "\)", so that the mirror
 * can be put inside a group.  The pattern has compiled already, so its
 * counts are well formed and no quantifier starts a branch.
 */
#include "config.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "regex_bound.h"
#include "regex_form.h"

struct text {
	char *p;
	size_t len, cap;
	bool bad; /* out of memory, or no mirror */
};

static void
text_add(struct text *t, const char *s, size_t n)
{
	char *p;

	if (t->bad)
		return;
	if (t->len + n + 1 > t->cap) {
		size_t cap = 2 * (t->len + n + 1);

		if ((p = realloc(t->p, cap)) == NULL) {
			t->bad = true;
			return;
		}
		t->p = p;
		t->cap = cap;
	}
	memcpy(t->p + t->len, s, n);
	t->len += n;
	t->p[t->len] = '\0';
}

/* The length of the quantifiers at p ("*", "+", "?", "{m,n}", any run of them). */
static size_t
quantifiers_len(const char *p)
{
	const char *q = p, *close;

	for (;;) {
		if (*q == '*' || *q == '+' || *q == '?')
			q++;
		else if (*q == '{' && (close = strchr(q, '}')) != NULL)
			q = close + 1;
		else
			return (size_t)(q - p);
	}
}

/* The mirror of an escape's anchor ("\<" reads forwards what "\>" reads backwards). */
static const char *
anchor_mirror(char c)
{
	switch (c) {
	case '<':
		return "\\>";
	case '>':
		return "\\<";
	case '`':
		return "\\'";
	case '\'':
		return "\\`";
	}
	return NULL;
}

static void mirror_alternatives(const char **pp, int depth, struct text *out);

/*
 * The mirror of the atom at *pp into item, with its quantifiers; advances
 * *pp.  False at the end of the branch ('|', the group's ')', the end).
 */
static bool
mirror_item(const char **pp, int depth, struct text *item)
{
	const char *p = *pp, *end, *a;

	switch (*p) {
	case '\0':
	case '|':
		return false;
	case ')':
		if (depth > 0)
			return false;
		text_add(item, "\\)", 2); /* a literal to glibc (RE_UNMATCHED_RIGHT_PAREN_ORD) */
		p++;
		break;
	case '(':
		p++;
		text_add(item, "(", 1);
		mirror_alternatives(&p, depth + 1, item);
		if (*p != ')')
			item->bad = true; /* regcomp would have refused it */
		else
			p++;
		text_add(item, ")", 1);
		break;
	case '[':
		end = regex_bracket_end(p);
		end = end != NULL ? end : p + strlen(p);
		text_add(item, p, (size_t)(end - p));
		p = end;
		break;
	case '^':
	case '$':
		text_add(item, *p == '^' ? "$" : "^", 1);
		p++;
		break;
	case '\\':
		if (p[1] >= '1' && p[1] <= '9')
			item->bad = true; /* a back-reference has no mirror in ERE */
		if (p[1] == '\0') {
			text_add(item, p, 1);
			p++;
		} else if ((a = anchor_mirror(p[1])) != NULL) {
			text_add(item, a, 2);
			p += 2;
		} else {
			text_add(item, p, 2);
			p += 2;
		}
		break;
	default:
		text_add(item, p, 1);
		p++;
		break;
	}
	end = p + quantifiers_len(p);
	text_add(item, p, (size_t)(end - p));
	*pp = end;
	return true;
}

/* One branch: its items' mirrors, last first. */
static void
mirror_branch(const char **pp, int depth, struct text *out)
{
	struct text *items = NULL, *more, item;
	size_t n = 0, cap = 0, i;

	for (;;) {
		memset(&item, 0, sizeof(item));
		if (!mirror_item(pp, depth, &item) || item.bad) {
			out->bad = out->bad || item.bad;
			free(item.p);
			break;
		}
		if (n == cap) {
			cap = cap != 0 ? 2 * cap : 8;
			if ((more = realloc(items, cap * sizeof(*items))) == NULL) {
				out->bad = true;
				free(item.p);
				break;
			}
			items = more;
		}
		items[n++] = item;
	}
	for (i = n; i-- > 0;) {
		text_add(out, items[i].p, items[i].len);
		free(items[i].p);
	}
	free(items);
}

/* Branches up to the group's ')' (depth > 0) or the end, in their order. */
static void
mirror_alternatives(const char **pp, int depth, struct text *out)
{
	for (;;) {
		mirror_branch(pp, depth, out);
		if (out->bad || **pp != '|')
			return;
		text_add(out, "|", 1);
		(*pp)++;
	}
}

char *
regex_form_mirror(const char *pattern)
{
	struct text out = {NULL, 0, 0, false};
	const char *p = pattern;

	text_add(&out, "", 0);
	mirror_alternatives(&p, 0, &out);
	if (out.bad || *p != '\0') {
		free(out.p);
		return NULL;
	}
	return out.p;
}

/*
 * "(P)" for P, or NULL (no memory).  A ')' that closes no group is a
 * literal to glibc (RE_UNMATCHED_RIGHT_PAREN_ORD) but would close the
 * wrapping one: it is written "\)".  Brackets and escapes are copied whole.
 * The caller frees.
 */
char *
regex_form_group(const char *p)
{
	char *out = malloc(2 * strlen(p) + 3), *o = out;
	const char *end;
	int depth = 0;

	if (out == NULL)
		return NULL;
	*o++ = '(';
	while (*p != '\0') {
		if (*p == '\\' && p[1] != '\0') {
			*o++ = *p++;
			*o++ = *p++;
			continue;
		}
		if (*p == '[' && (end = regex_bracket_end(p)) != NULL) {
			memcpy(o, p, (size_t)(end - p));
			o += end - p;
			p = end;
			continue;
		}
		if (*p == '(')
			depth++;
		else if (*p == ')' && depth-- == 0) {
			depth = 0;
			*o++ = '\\';
		}
		*o++ = *p++;
	}
	*o++ = ')';
	*o = '\0';
	return out;
}

/* The end of the group that opens at p ('('), or NULL; escapes and brackets skipped. */
static const char *
group_end(const char *p)
{
	const char *end;
	int depth = 0;

	while (*p != '\0') {
		if (*p == '\\' && p[1] != '\0')
			p += 2;
		else if (*p == '[' && (end = regex_bracket_end(p)) != NULL)
			p = end;
		else if (*p == '(') {
			depth++;
			p++;
		} else if (*p == ')' && --depth == 0)
			return p;
		else
			p++;
	}
	return NULL;
}

/*
 * A copy of the ERE p (its parentheses balanced) in which each "^" that
 * can only be where p's match starts (first in its branch, in groups
 * first in theirs and not repeated) is written "\`", which holds only at
 * the start of the text: what "^" means there in glibc's own search, which
 * does not take the byte before a try's start, a '\n', for a line's start
 * (regex_shared.c's comment).  *other: p keeps another "^".  NULL: no
 * memory; else the caller frees.
 */
char *
regex_form_leading(const char *p, bool *other)
{
	bool leading[REGEX_BOUND_NESTING + 2], fresh = true;
	char *out = malloc(2 * strlen(p) + 1), *o = out;
	const char *start = p;
	const char *end, *close;
	int depth = 0;

	*other = false;
	if (out == NULL)
		return NULL;
	leading[0] = true;
	while (*p != '\0') {
		if (*p == '\\' && p[1] != '\0') {
			*o++ = *p++;
			*o++ = *p++;
			fresh = false;
			continue;
		}
		if (*p == '[' && (end = regex_bracket_end(p)) != NULL) {
			memcpy(o, p, (size_t)(end - p));
			o += end - p;
			p = end;
			fresh = false;
			continue;
		}
		switch (*p) {
		case '(':
			close = group_end(p);
			if (depth + 1 == (int)(sizeof(leading) / sizeof(leading[0]))) {
				/* deeper than regex_bound lets a pattern be: no "^" rewritten */
				strcpy(out, start);
				*other = true;
				return out;
			}
			depth++;
			leading[depth] = leading[depth - 1] && fresh && close != NULL &&
			    close[1] != '*' && close[1] != '+' && close[1] != '{';
			fresh = true;
			break;
		case '|':
			fresh = true;
			break;
		case ')':
			leading[depth] = false;
			if (depth > 0)
				depth--;
			fresh = false;
			break;
		case '^':
			if (leading[depth] && fresh) {
				*o++ = '\\';
				*o++ = '`';
				p++;
				continue;
			}
			*other = true;
			break;
		default:
			fresh = false;
		}
		*o++ = *p++;
	}
	*o = '\0';
	return out;
}

/*
 * Whether every match of p starts at the text's start: p starts with "^"
 * and has no '|' outside groups.  glibc tries such a pattern at one place
 * only; its anchored form would read to the end of the text.
 */
bool
regex_form_start_anchored(const char *p)
{
	const char *end;
	int depth = 0;

	if (*p != '^')
		return false;
	while (*p != '\0') {
		if (*p == '\\' && p[1] != '\0')
			p += 2;
		else if (*p == '[' && (end = regex_bracket_end(p)) != NULL)
			p = end;
		else if (*p == '|' && depth == 0)
			return false;
		else {
			depth += *p == '(' ? 1 : *p == ')' && depth > 0 ? -1 : 0;
			p++;
		}
	}
	return true;
}

/* Whether the ERE p has c ('^' or '$') as an anchor. */
bool
regex_form_has_anchor(const char *p, char c)
{
	const char *end;

	while (*p != '\0') {
		if (*p == '\\' && p[1] != '\0')
			p += 2;
		else if (*p == '[' && (end = regex_bracket_end(p)) != NULL)
			p = end;
		else if (*p++ == c)
			return true;
	}
	return false;
}

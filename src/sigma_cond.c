/*
 * sigma_cond.c: the condition grammar (Sigma specification 2.0
 * "Condition"), by recursive descent:
 *
 *   or      = and { "or" and }
 *   and     = not { "and" not }
 *   not     = "not" not | primary
 *   primary = "(" or ")" | ("1" | "any" | "all") "of" (PATTERN | "them") | NAME
 *
 * A PATTERN is a selection name with '*' wildcards; "them" is every
 * selection whose name does not start with '_'.  Aggregations ("| count()")
 * are refused.  Bounds: SIGMA_MAX_COND_TOKENS tokens, SIGMA_MAX_DEPTH
 * nesting (parentheses and "not"), so no text can exhaust the stack.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "sigma_impl.h"

#define TOKEN_MAX 256

struct cond_parser {
	const struct sigma_rule *rule;
	const char *p;
	char tok[TOKEN_MAX];
	bool have; /* tok holds a token not consumed yet */
	size_t n_tokens;
	int depth;
	char *why;
	size_t whylen;
	bool failed;
};

static struct sigma_cond *parse_or(struct cond_parser *cp);

static struct sigma_cond *
fail(struct cond_parser *cp, const char *what, const char *arg)
{
	if (!cp->failed)
		snprintf(cp->why, cp->whylen, "%s%s%s%s", what, arg ? " '" : "", arg ? arg : "",
		    arg ? "'" : "");
	cp->failed = true;
	return NULL;
}

/* The next token into cp->tok ("" at the end); false on a bad one. */
static bool
peek(struct cond_parser *cp)
{
	size_t n = 0;

	if (cp->have)
		return true;
	while (*cp->p == ' ' || *cp->p == '\t' || *cp->p == '\n' || *cp->p == '\r')
		cp->p++;
	if (*cp->p == '\0') {
		cp->tok[0] = '\0';
		cp->have = true;
		return true;
	}
	if (++cp->n_tokens > SIGMA_MAX_COND_TOKENS) {
		fail(cp, "more than 512 tokens", NULL);
		return false;
	}
	if (*cp->p == '(' || *cp->p == ')' || *cp->p == '|') {
		cp->tok[n++] = *cp->p++;
	} else {
		while (*cp->p != '\0' && strchr(" \t\r\n()|", *cp->p) == NULL) {
			if (n + 1 >= sizeof(cp->tok)) {
				fail(cp, "a name longer than 255 bytes", NULL);
				return false;
			}
			cp->tok[n++] = *cp->p++;
		}
	}
	cp->tok[n] = '\0';
	cp->have = true;
	return true;
}

static bool
is(struct cond_parser *cp, const char *word)
{
	return peek(cp) && strcasecmp(cp->tok, word) == 0;
}

static void
take(struct cond_parser *cp)
{
	cp->have = false;
}

static struct sigma_cond *
node(struct cond_parser *cp, enum sigma_cond_kind kind)
{
	struct sigma_cond *c = calloc(1, sizeof(*c));

	if (c == NULL)
		return fail(cp, "out of memory", NULL);
	c->kind = kind;
	return c;
}

/* '*' matches any run, everything else itself (one backtrack point: O(n*m)). */
static bool
name_match(const char *pat, const char *s)
{
	const char *star = NULL, *resume = NULL;

	while (*s != '\0') {
		if (*pat == '*') {
			star = pat++;
			resume = s;
		} else if (*pat == *s) {
			pat++;
			s++;
		} else if (star != NULL) {
			pat = star + 1;
			s = ++resume;
		} else
			return false;
	}
	while (*pat == '*')
		pat++;
	return *pat == '\0';
}

/* "1 of X" / "all of X": the selections X names. */
static struct sigma_cond *
parse_of(struct cond_parser *cp, bool all)
{
	const struct sigma_rule *r = cp->rule;
	struct sigma_cond *c;
	size_t i;
	bool them;

	take(cp);
	if (!is(cp, "of"))
		return fail(cp, "expected 'of' after", all ? "all" : "1");
	take(cp);
	if (!peek(cp) || cp->tok[0] == '\0' || strchr("()|", cp->tok[0]) != NULL)
		return fail(cp, "expected a selection pattern or 'them' after 'of'", NULL);
	them = strcmp(cp->tok, "them") == 0;
	if ((c = node(cp, all ? SC_ALL_OF : SC_ONE_OF)) == NULL)
		return NULL;
	if ((c->sels = calloc(r->n_sels > 0 ? r->n_sels : 1, sizeof(*c->sels))) == NULL) {
		free(c);
		return fail(cp, "out of memory", NULL);
	}
	for (i = 0; i < r->n_sels; i++)
		if (them ? r->sels[i].name[0] != '_' : name_match(cp->tok, r->sels[i].name))
			c->sels[c->n_sels++] = i;
	if (c->n_sels == 0) {
		sigma_cond_free(c);
		return fail(cp, "no selection matches", cp->tok);
	}
	take(cp);
	return c;
}

static struct sigma_cond *
parse_primary(struct cond_parser *cp)
{
	struct sigma_cond *c;
	size_t i;

	if (!peek(cp))
		return NULL;
	if (cp->tok[0] == '\0')
		return fail(cp, "unexpected end", NULL);
	if (strcmp(cp->tok, "|") == 0)
		return fail(cp, "aggregations ('|') are not supported", NULL);
	if (strcmp(cp->tok, "(") == 0) {
		if (++cp->depth > SIGMA_MAX_DEPTH)
			return fail(cp, "nested deeper than 32", NULL);
		take(cp);
		if ((c = parse_or(cp)) == NULL)
			return NULL;
		if (!is(cp, ")")) {
			sigma_cond_free(c);
			return fail(cp, "expected ')'", NULL);
		}
		take(cp);
		cp->depth--;
		return c;
	}
	if (strcmp(cp->tok, "1") == 0 || strcasecmp(cp->tok, "any") == 0)
		return parse_of(cp, false);
	if (strcasecmp(cp->tok, "all") == 0)
		return parse_of(cp, true);
	if (strcmp(cp->tok, ")") == 0 || strcasecmp(cp->tok, "and") == 0 ||
	    strcasecmp(cp->tok, "or") == 0)
		return fail(cp, "unexpected", cp->tok);
	for (i = 0; i < cp->rule->n_sels; i++)
		if (strcmp(cp->rule->sels[i].name, cp->tok) == 0)
			break;
	if (i == cp->rule->n_sels)
		return fail(cp, "no selection named", cp->tok);
	if ((c = node(cp, SC_SEL)) == NULL)
		return NULL;
	if ((c->sels = malloc(sizeof(*c->sels))) == NULL) {
		free(c);
		return fail(cp, "out of memory", NULL);
	}
	c->sels[0] = i;
	c->n_sels = 1;
	take(cp);
	return c;
}

static struct sigma_cond *
parse_not(struct cond_parser *cp)
{
	struct sigma_cond *c, *a;

	if (!is(cp, "not"))
		return cp->failed ? NULL : parse_primary(cp);
	take(cp);
	if (++cp->depth > SIGMA_MAX_DEPTH)
		return fail(cp, "nested deeper than 32", NULL);
	if ((a = parse_not(cp)) == NULL)
		return NULL;
	cp->depth--;
	if ((c = node(cp, SC_NOT)) == NULL) {
		sigma_cond_free(a);
		return NULL;
	}
	c->a = a;
	return c;
}

/* left op right, for "and" and "or". */
static struct sigma_cond *
parse_binary(struct cond_parser *cp, const char *op, enum sigma_cond_kind kind,
    struct sigma_cond *(*sub)(struct cond_parser *))
{
	struct sigma_cond *left, *right, *c;

	if ((left = sub(cp)) == NULL)
		return NULL;
	while (is(cp, op)) {
		take(cp);
		if ((right = sub(cp)) == NULL || (c = node(cp, kind)) == NULL) {
			sigma_cond_free(left);
			sigma_cond_free(right);
			return NULL;
		}
		c->a = left;
		c->b = right;
		left = c;
	}
	if (cp->failed) {
		sigma_cond_free(left);
		return NULL;
	}
	return left;
}

static struct sigma_cond *
parse_and(struct cond_parser *cp)
{
	return parse_binary(cp, "and", SC_AND, parse_not);
}

static struct sigma_cond *
parse_or(struct cond_parser *cp)
{
	return parse_binary(cp, "or", SC_OR, parse_and);
}

struct sigma_cond *
sigma_cond_parse(const struct sigma_rule *r, const char *text, char *why, size_t whylen)
{
	struct cond_parser cp = {.rule = r, .p = text, .why = why, .whylen = whylen};
	struct sigma_cond *c = parse_or(&cp);

	if (c == NULL) {
		if (!cp.failed)
			snprintf(why, whylen, "out of memory");
		return NULL;
	}
	if (!peek(&cp) || cp.tok[0] != '\0') {
		sigma_cond_free(c);
		if (!cp.failed) {
			if (strcmp(cp.tok, "|") == 0)
				fail(&cp, "aggregations ('|') are not supported", NULL);
			else
				fail(&cp, "unexpected", cp.tok);
		}
		return NULL;
	}
	return c;
}

void
sigma_cond_free(struct sigma_cond *c)
{
	if (c == NULL)
		return;
	sigma_cond_free(c->a);
	sigma_cond_free(c->b);
	free(c->sels);
	free(c);
}

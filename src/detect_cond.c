/*
 * detect_cond.c: the condition compiler (detect_set.h).  A condition
 * "FIELD OP [ARG | (ARG, ...)]" is compiled once at load: its field
 * resolved, its arguments unquoted and lower-cased for the folding
 * operators, its regex compiled.  Nothing is parsed per message.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "detect_set.h"
#include "regex_bound.h"

static const struct op_def op_defs[] = {
    {"exists", OP_EXISTS, ARG_NONE, false, false},
    {"missing", OP_MISSING, ARG_NONE, false, true},
    {"==", OP_EQ, ARG_ONE, false, false},
    {"!=", OP_NE, ARG_ONE, false, true},
    {"=~", OP_EQ_I, ARG_ONE, true, false},
    {"!~", OP_NE_I, ARG_ONE, true, true},
    {"in", OP_IN, ARG_LIST, false, false},
    {"!in", OP_NOT_IN, ARG_LIST, false, true},
    {"in_i", OP_IN_I, ARG_LIST, true, false},
    {"!in_i", OP_NOT_IN_I, ARG_LIST, true, true},
    {"contains", OP_CONTAINS, ARG_ONE, false, false},
    {"contains_i", OP_CONTAINS_I, ARG_ONE, true, false},
    {"!contains_i", OP_NOT_CONTAINS_I, ARG_ONE, true, true},
    {"starts_with_i", OP_STARTS_I, ARG_ONE, true, false},
    {"ends_with_i", OP_ENDS_I, ARG_ONE, true, false},
    {"regex", OP_REGEX, ARG_ONE, false, false},
    {"!regex", OP_NOT_REGEX, ARG_ONE, false, true},
    {"samehost", OP_SAMEHOST, ARG_ONE, false, false},
    {"!samehost", OP_NOT_SAMEHOST, ARG_ONE, false, true},
};

/* A field path: 1..DETECT_PATH_MAX bytes, no empty segment, no blanks or quotes. */
const char *
detect_path_check(const char *p, size_t len)
{
	size_t i, segs = 1;

	if (len == 0)
		return "is empty";
	if (len > DETECT_PATH_MAX)
		return "is longer than 255 bytes";
	if (p[0] == '.' || p[len - 1] == '.')
		return "has an empty segment";
	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)p[i];

		if (c <= ' ' || c == '\'' || c == '"' || c == '(' || c == ')' || c == ',' ||
		    c == 0x7f)
			return "holds a blank, quote, parenthesis or comma";
		if (c == '.') {
			if (p[i + 1] == '.')
				return "has an empty segment";
			segs++;
		}
	}
	if (segs > DETECT_PATH_SEGMENTS)
		return "has more than 16 segments";
	return NULL;
}

void
detect_cond_free(struct detect_cond *c)
{
	size_t i;

	free(c->text);
	free(c->field.path);
	free(c->other.path);
	for (i = 0; i < c->n_args; i++)
		free(c->args[i]);
	free(c->args);
	free(c->arg_len);
	regex_shared_free(c->re);
}

/* Skip blanks. */
static const char *
skip_blanks(const char *p)
{
	while (*p == ' ' || *p == '\t')
		p++;
	return p;
}

/* Add one argument to a condition; -1 when out of memory or too many. */
static int
cond_add_arg(struct detect_cond *c, const char *p, size_t len, bool fold)
{
	char **na;
	size_t *nl, i;
	char *a;

	if (c->n_args == DETECT_MAX_ARGS)
		return -1;
	if ((a = malloc(len + 1)) == NULL)
		return -1;
	for (i = 0; i < len; i++)
		a[i] = fold ? (char)lower((unsigned char)p[i]) : p[i];
	a[len] = '\0';
	na = realloc(c->args, (c->n_args + 1) * sizeof(*na));
	if (na == NULL) {
		free(a);
		return -1;
	}
	c->args = na;
	nl = realloc(c->arg_len, (c->n_args + 1) * sizeof(*nl));
	if (nl == NULL) {
		free(a);
		return -1;
	}
	c->arg_len = nl;
	c->args[c->n_args] = a;
	c->arg_len[c->n_args++] = len;
	return 0;
}

/*
 * One ARGUMENT: a bare word, or a single-quoted string with \' and \\.
 * Returns the byte after it, or NULL with *why set.
 */
static const char *
parse_arg(struct detect_cond *c, const char *p, bool fold, const char **why)
{
	char buf[4096];
	size_t n = 0;

	if (*p == '\'') {
		for (p++; *p != '\''; p++) {
			if (*p == '\0') {
				*why = "quoted argument is not closed (expected ')";
				return NULL;
			}
			if (*p == '\\' && (p[1] == '\'' || p[1] == '\\'))
				p++;
			if (n == sizeof(buf)) {
				*why = "argument longer than 4096 bytes";
				return NULL;
			}
			buf[n++] = *p;
		}
		p++;
	} else {
		const char *start = p;

		while (*p != '\0' && *p != ' ' && *p != '\t' && *p != ',' && *p != '(' &&
		    *p != ')' && *p != '\'' && *p != '"')
			p++;
		if (p == start) {
			*why = "missing argument (expected a word, 'quoted text' or a (list))";
			return NULL;
		}
		n = (size_t)(p - start);
		if (n > sizeof(buf)) {
			*why = "argument longer than 4096 bytes";
			return NULL;
		}
		memcpy(buf, start, n);
	}
	if (cond_add_arg(c, buf, n, fold) == -1) {
		*why = "too many arguments, or out of memory";
		return NULL;
	}
	return p;
}

/* Operator names for "expected one of". */
static void
op_names(char *buf, size_t len)
{
	size_t i, used = 0;
	int n;

	buf[0] = '\0';
	for (i = 0; i < sizeof(op_defs) / sizeof(op_defs[0]); i++) {
		n = snprintf(buf + used, len - used, "%s%s", i ? " " : "", op_defs[i].name);
		if (n < 0 || (size_t)n >= len - used)
			return;
		used += (size_t)n;
	}
}

/* FIELD: checked, then resolved into c->field; *pp moves past it. */
static int
cond_compile_field(struct detect_cond *c, const char **pp, char *why, size_t whylen)
{
	const char *p = skip_blanks(*pp), *start = p, *bad;

	while (*p != '\0' && *p != ' ' && *p != '\t')
		p++;
	if (p == start) {
		snprintf(why, whylen, "empty condition (expected FIELD OP [ARGUMENT])");
		return -1;
	}
	if ((bad = detect_path_check(start, (size_t)(p - start))) != NULL) {
		snprintf(why, whylen, "field \"%.*s\" %s", (int)(p - start), start, bad);
		return -1;
	}
	if (detect_field_ref_init(&c->field, start, (size_t)(p - start)) == -1) {
		snprintf(why, whylen, "out of memory");
		return -1;
	}
	*pp = p;
	return 0;
}

/* OP: one of op_defs, into c->op; *pp moves past it.  An error lists them all. */
static int
cond_compile_op(struct detect_cond *c, const char **pp, char *why, size_t whylen)
{
	const char *p = skip_blanks(*pp), *start = p;
	char names[512];
	size_t i, len;

	while (*p != '\0' && *p != ' ' && *p != '\t')
		p++;
	len = (size_t)(p - start);
	for (i = 0; i < sizeof(op_defs) / sizeof(op_defs[0]); i++)
		if (strlen(op_defs[i].name) == len && memcmp(op_defs[i].name, start, len) == 0)
			c->op = &op_defs[i];
	if (c->op == NULL) {
		op_names(names, sizeof(names));
		if (len == 0)
			snprintf(why, whylen, "missing operator after \"%s\" (expected one of: %s)",
			    c->field.path, names);
		else
			snprintf(why, whylen, "unknown operator \"%.*s\" (expected one of: %s)",
			    (int)len, start, names);
		return -1;
	}
	*pp = p;
	return 0;
}

/* "(ARG, ARG ...)" at *pp, for a list operator; *pp moves past the ')'. */
static int
cond_compile_list(struct detect_cond *c, const char **pp, char *why, size_t whylen)
{
	const char *p, *bad = NULL;

	if (c->op->arg != ARG_LIST) {
		snprintf(why, whylen, "%s takes one value, not a list", c->op->name);
		return -1;
	}
	p = skip_blanks(*pp + 1);
	for (;;) {
		if ((p = parse_arg(c, p, c->op->fold, &bad)) == NULL) {
			snprintf(why, whylen, "%s", bad);
			return -1;
		}
		p = skip_blanks(p);
		if (*p == ')')
			break;
		if (*p != ',') {
			snprintf(why, whylen, "list not closed (expected ',' or ')')");
			return -1;
		}
		p = skip_blanks(p + 1);
	}
	*pp = p + 1;
	return 0;
}

/* The operator's argument or list at p, as many as it takes, and nothing after. */
static int
cond_compile_args(struct detect_cond *c, const char *p, char *why, size_t whylen)
{
	const char *bad = NULL;

	p = skip_blanks(p);
	if (c->op->arg == ARG_NONE) {
		if (*p != '\0') {
			snprintf(why, whylen, "%s takes no argument (found \"%s\")", c->op->name, p);
			return -1;
		}
		return 0;
	}
	if (*p == '\0') {
		snprintf(why, whylen,
		    "%s needs an argument (expected a word, 'quoted text'%s)", c->op->name,
		    c->op->arg == ARG_LIST ? " or a (list)" : "");
		return -1;
	}
	if (*p == '(') {
		if (cond_compile_list(c, &p, why, whylen) == -1)
			return -1;
	} else if ((p = parse_arg(c, p, c->op->fold, &bad)) == NULL) {
		snprintf(why, whylen, "%s", bad);
		return -1;
	}
	p = skip_blanks(p);
	if (*p != '\0') {
		snprintf(why, whylen, "unexpected \"%s\" after the argument", p);
		return -1;
	}
	return 0;
}

/*
 * Compile a configured ERE: refused before regcomp when past what it may
 * cost (regex_bound.h).  0, or -1 with "bad regex '...': reason" in why.
 */
static int
regex_compile(regex_t *re, const char *pattern, int flags, char *why, size_t whylen)
{
	char msg[256];
	int rc;

	if (regex_bound_check(pattern, msg, sizeof(msg)) == -1) {
		snprintf(why, whylen, "bad regex '%s': %s", pattern, msg);
		return -1;
	}
	if ((rc = regcomp(re, pattern, flags)) == 0)
		return 0;
	regerror(rc, re, msg, sizeof(msg));
	snprintf(why, whylen, "bad regex '%s': %s", pattern, msg);
	return -1;
}

/* The same into a regex the workers share (regex_shared.h). */
static int
regex_compile_shared(
    struct regex_shared **re, const char *pattern, int flags, char *why, size_t whylen)
{
	char msg[256];

	if (regex_bound_check(pattern, msg, sizeof(msg)) == -1 ||
	    (*re = regex_shared_new(pattern, flags, msg, sizeof(msg))) == NULL) {
		snprintf(why, whylen, "bad regex '%s': %s", pattern, msg);
		return -1;
	}
	return 0;
}

/*
 * What an operator needs prepared from its argument, so that nothing is
 * parsed per message: the regex compiled, samehost's other field resolved.
 */
static int
cond_compile_operand(struct detect_cond *c, char *why, size_t whylen)
{
	const char *bad;

	if (c->op->op == OP_REGEX || c->op->op == OP_NOT_REGEX) {
		if (regex_compile_shared(&c->re, c->args[0], REG_EXTENDED | REG_ICASE | REG_NOSUB,
			why, whylen) == -1)
			return -1;
	}
	if (c->op->op == OP_SAMEHOST || c->op->op == OP_NOT_SAMEHOST) {
		if ((bad = detect_path_check(c->args[0], c->arg_len[0])) != NULL) {
			snprintf(why, whylen, "%s needs a field name: \"%s\" %s", c->op->name,
			    c->args[0], bad);
			return -1;
		}
		if (detect_field_ref_init(&c->other, c->args[0], c->arg_len[0]) == -1) {
			snprintf(why, whylen, "out of memory");
			return -1;
		}
	}
	return 0;
}

/*
 * Compile "FIELD OP [ARGUMENT]" into c.  Returns 0, or -1 with the reason
 * in why (the caller's buffer).
 */
int
detect_cond_compile(struct detect_cond *c, const char *text, char *why, size_t whylen)
{
	const char *p = text;

	memset(c, 0, sizeof(*c));
	if ((c->text = strdup(text)) == NULL) {
		snprintf(why, whylen, "out of memory");
		return -1;
	}
	if (cond_compile_field(c, &p, why, whylen) == -1 ||
	    cond_compile_op(c, &p, why, whylen) == -1 ||
	    cond_compile_args(c, p, why, whylen) == -1)
		return -1;
	return cond_compile_operand(c, why, whylen);
}

/* Compile a pattern to check it while parsing; 0, or -1 with why. */
int
detect_regex_compile(regex_t *re, const char *pattern, char *why, size_t whylen)
{
	return regex_compile(re, pattern, REG_EXTENDED | REG_ICASE, why, whylen);
}

int
detect_regex_shared(
    struct regex_shared **re, const char *pattern, bool cased, char *why, size_t whylen)
{
	return regex_compile_shared(re, pattern, REG_EXTENDED | (cased ? 0 : REG_ICASE), why, whylen);
}


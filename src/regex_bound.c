/*
 * regex_bound.c: what a POSIX ERE may cost before regcomp sees it
 * (regex_bound.h).  The pattern is read as glibc's ERE parser reads it
 * (RE_SYNTAX_POSIX_EXTENDED: '{' always opens a count, an unmatched ')'
 * is a literal, a backslash is a member inside brackets, a quantifier at
 * the start of a branch or after an anchor is an error), counting the
 * nodes regcomp builds, and of them the empty ones (epsilon transitions)
 * and the anchors:
 *
 *   a character, '.', a bracket expression                     1
 *   '^' '$' '\<' '\>' '\`' '\''                  1, empty, an anchor
 *   '\b' '\B' (two anchors and their alternation)   3, empty, 2 anchors
 *   a group (its open and close)                     2 empty + its body
 *   '|'                                              1 empty
 *   X{m,n}: n copies of X and n-m empty marks; X{m,}: m+1 copies and one
 *   mark; '*' '?' one copy and a mark; '+' two copies and a mark
 *
 * It refuses a quantifier right after another (glibc writes "a++++" out
 * as 2^4 copies; ERE has no lazy or possessive forms for it to mean); a
 * count over REGEX_BOUND_REPEAT; more than REGEX_BOUND_NODES nodes, or
 * more than REGEX_BOUND_EMPTY for the empty ones times one more than the
 * anchors (the epsilon closures are quadratic in the empty nodes, and
 * glibc copies them once more for each anchor's context); a quantifier on
 * what can match nothing ("()?", "(a*)+") and a second alternative that
 * can ("(a||)"): glibc's copies for anchors then grow with the cube of the
 * pattern ("^" then "()?" x 128: 220 MB, "^((||)...)" x 120: 1.1 GB); and
 * groups nested deeper than REGEX_BOUND_NESTING (the stack here).
 * It also refuses a back-reference ("\1".."\9", a glibc extension to
 * ERE): that costs nothing to compile but everything to match, as glibc
 * then tries the ways the text can split (measured on "aaa...": "(.*)\1b"
 * 64 s of CPU over 2,000 bytes, growing with the cube of the text;
 * "(a|aa)+\1b" 18 s over 500 bytes), and the text is a sender's.
 * Counting every copy bounds what nesting multiplies: (a{255}){255} is
 * 65,000 nodes.
 *
 * Measured (glibc 2.36, C locale, REG_EXTENDED, growth of peak RSS over
 * regcomp alone, a fork per pattern): refused today, "ab" "+" x 26 "c"
 * takes 2^26 copies and "^" x 2000 10 GB in 45 s.  The worst accepted
 * patterns found, each filled to the bounds (a search by hand over 40
 * shapes, then random mutations of the worst):
 *   "(a?)" x 341, "(a*)" x 341 (1023 empty nodes)     10.5 MB  0.06 s
 *   "a?" x 1024                                        9.5 MB  0.04 s
 *   "((a{15}){15}){15}" (3856 nodes)                   1.5 MB
 *   "^" then "(a|)" x 170, "\b" then "()" x 169      5.6, 3.4 MB
 * against 0.6 MB for "a".  The shipped patterns reach 1490 nodes and
 * 444 of the 1024.
 */
#include "config.h"

#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "regex_bound.h"

/* What a part of the pattern costs regcomp. */
struct cost {
	unsigned long nodes;   /* all of them */
	unsigned long empty;   /* those that match no character: epsilon transitions */
	unsigned long anchors; /* of these, the anchors */
	bool nullable;	       /* it can match the empty string */
};

/* One group being read (the whole pattern is the outermost). */
struct frame {
	struct cost done;	/* its finished alternatives, with their '|' */
	struct cost branch;	/* the alternative being read */
	struct cost last;	/* the branch's last atom, which a quantifier copies */
	bool before_last;	/* the branch before it can match the empty string */
	int empty_alternatives; /* finished alternatives that can match the empty string */
	bool has_last;		/* an atom a quantifier may follow */
	const char *quantifier; /* the quantifier the branch ends in, or NULL */
};

struct reader {
	const char *pattern;
	struct frame stack[REGEX_BOUND_NESTING + 1];
	int depth;	/* stack[depth] is the innermost */
	const char *at; /* the next token */
	char *why;
	size_t whylen;
};

/* "no count" marker for an unbounded {m,} */
#define COUNT_NONE ((unsigned long)-1)

static void
cost_add(struct cost *to, struct cost c)
{
	to->nodes += c.nodes;
	to->empty += c.empty;
	to->anchors += c.anchors;
	to->nullable = to->nullable && c.nullable;
}

/* 0 when what has been read so far is within the bounds, else -1 with why. */
static int
reader_check(struct reader *r)
{
	struct cost total = {1, 0, 0, true}; /* regcomp's end-of-pattern node */
	int i;

	for (i = 0; i <= r->depth; i++) {
		cost_add(&total, r->stack[i].done);
		cost_add(&total, r->stack[i].branch);
	}
	if (total.nodes > REGEX_BOUND_NODES) {
		snprintf(r->why, r->whylen,
		    "too costly to compile: more than %d nodes once its repetitions are written "
		    "out (nested counts multiply)",
		    REGEX_BOUND_NODES);
		return -1;
	}
	if (total.empty * (total.anchors + 1) > REGEX_BOUND_EMPTY) {
		snprintf(r->why, r->whylen,
		    "too costly to compile: its groups, '|', '?', '*', '+' and optional copies, "
		    "times one more than its anchors (^ $ \\b \\< ...), once its repetitions "
		    "are written out, pass %d",
		    REGEX_BOUND_EMPTY);
		return -1;
	}
	return 0;
}

/* The costs of the atoms: {nodes, empty, anchors} */
static const struct cost CHARACTER = {1, 0, 0, false}; /* a character, '.', [...] */
static const struct cost ANCHOR = {1, 1, 1, true};     /* ^ $ \< \> \` \' */
static const struct cost WORD_EDGE = {3, 3, 2, true};  /* \b \B: two anchors and their '|' */

/* Append an atom of cost c to the current branch. */
static int
reader_atom(struct reader *r, struct cost c)
{
	struct frame *f = &r->stack[r->depth];

	f->before_last = f->branch.nullable;
	cost_add(&f->branch, c);
	f->last = c;
	f->has_last = true;
	f->quantifier = NULL;
	return reader_check(r);
}

/*
 * Apply the quantifier {min,max} (max COUNT_NONE: unbounded) written at
 * [p, end) to the last atom.  1 when glibc refuses it anyway (nothing to
 * repeat), 0, or -1 with why.
 */
static int
reader_quantifier(
    struct reader *r, const char *p, const char *end, unsigned long min, unsigned long max)
{
	struct frame *f = &r->stack[r->depth];
	unsigned long copies, marks;

	if (f->quantifier != NULL) {
		snprintf(r->why, r->whylen,
		    "a quantifier right after another (\"%.*s\" at byte %zu): ERE has no lazy or "
		    "possessive forms, and regcomp multiplies stacked ones; write one",
		    (int)(end - f->quantifier), f->quantifier,
		    (size_t)(f->quantifier - r->pattern));
		return -1;
	}
	if (!f->has_last)
		return 1;
	if (f->last.nullable) {
		snprintf(r->why, r->whylen,
		    "a quantifier on a part that can match nothing (\"%.*s\" at byte %zu, as in "
		    "()? or (a*)+): regcomp's cost for it grows with the cube of the pattern",
		    (int)(end - p), p, (size_t)(p - r->pattern));
		return -1;
	}
	if (max == COUNT_NONE) {
		copies = min + 1;
		marks = 1;
	} else {
		copies = max > 0 ? max : 1; /* X{0} is built, then dropped */
		marks = max - min;
	}
	f->branch.nodes += f->last.nodes * (copies - 1) + marks;
	f->branch.empty += f->last.empty * (copies - 1) + marks;
	f->branch.anchors += f->last.anchors * (copies - 1);
	f->branch.nullable = f->before_last && min == 0;
	f->quantifier = p;
	return reader_check(r);
}

/* A count at p ('{'): its end, with min and max; NULL when glibc would refuse it. */
static const char *
count_read(const char *p, unsigned long *min, unsigned long *max)
{
	bool digits = false;

	*min = 0;
	*max = COUNT_NONE;
	for (p++; *p >= '0' && *p <= '9'; p++, digits = true)
		if (*min <= REGEX_BOUND_REPEAT)
			*min = *min * 10 + (unsigned long)(*p - '0');
	if (*p == '}') {
		*max = *min;
		return digits ? p + 1 : NULL; /* "{}" */
	}
	if (*p++ != ',')
		return NULL;
	if (*p >= '0' && *p <= '9')
		for (*max = 0; *p >= '0' && *p <= '9'; p++)
			if (*max <= REGEX_BOUND_REPEAT)
				*max = *max * 10 + (unsigned long)(*p - '0');
	if (*p != '}' || (*max != COUNT_NONE && *max < *min))
		return NULL;
	return p + 1;
}

/* Read a count at *p; advances *p.  1 when glibc refuses it, 0, or -1 with why. */
static int
reader_count(struct reader *r, const char **p)
{
	unsigned long min, max;
	const char *start = *p, *end = count_read(start, &min, &max);

	if (end == NULL)
		return 1;
	if (min > REGEX_BOUND_REPEAT || (max != COUNT_NONE && max > REGEX_BOUND_REPEAT)) {
		snprintf(r->why, r->whylen, "a repetition count over %d (\"%.*s\" at byte %zu)",
		    REGEX_BOUND_REPEAT, (int)(end - start), start, (size_t)(start - r->pattern));
		return -1;
	}
	*p = end;
	return reader_quantifier(r, start, end, min, max);
}

/* A backslash escape at *p; advances *p.  1 when glibc refuses it, 0, or -1. */
static int
reader_escape(struct reader *r, const char **p)
{
	char c = (*p)[1];

	if (c == '\0')
		return 1;
	*p += 2;
	if (c >= '1' && c <= '9') {
		snprintf(r->why, r->whylen,
		    "a back-reference (\"\\%c\" at byte %zu): glibc matches it by trying "
		    "the ways the text can split, so a sender's message can take minutes",
		    c, (size_t)(*p - 2 - r->pattern));
		return -1;
	}
	if (c == 'b' || c == 'B')
		return reader_atom(r, WORD_EDGE);
	if (c == '<' || c == '>' || c == '`' || c == '\'')
		return reader_atom(r, ANCHOR);
	return reader_atom(r, CHARACTER);
}

/* Count the branch just finished when it can match the empty string. */
static int
reader_branch_end(struct reader *r)
{
	struct frame *f = &r->stack[r->depth];

	if (f->branch.nullable && ++f->empty_alternatives > 1) {
		snprintf(r->why, r->whylen,
		    "a second alternative that can match nothing (ending at byte %zu, as in "
		    "(a||) or (a?|b*)): regcomp's cost for it grows with the cube of the pattern",
		    (size_t)(r->at - r->pattern));
		return -1;
	}
	return 0;
}

/* A fresh frame: an empty branch, which matches the empty string. */
static void
frame_init(struct frame *f)
{
	memset(f, 0, sizeof(*f));
	f->branch.nullable = true;
}

static int
reader_open(struct reader *r)
{
	if (r->depth == REGEX_BOUND_NESTING) {
		snprintf(r->why, r->whylen, "groups nested deeper than %d", REGEX_BOUND_NESTING);
		return -1;
	}
	frame_init(&r->stack[++r->depth]);
	return 0;
}

/* The end of the innermost group: the group becomes its parent's last atom. */
static int
reader_close(struct reader *r)
{
	struct frame *f = &r->stack[r->depth];
	struct cost g = {2, 2, 0, true}; /* its open and close */

	if (reader_branch_end(r) == -1)
		return -1;
	cost_add(&g, f->done);
	cost_add(&g, f->branch);
	g.nullable = f->empty_alternatives > 0;
	r->depth--;
	return reader_atom(r, g);
}

static int
reader_alternative(struct reader *r)
{
	struct frame *f = &r->stack[r->depth];

	if (reader_branch_end(r) == -1)
		return -1;
	cost_add(&f->done, f->branch);
	f->done.nodes++;
	f->done.empty++;
	memset(&f->branch, 0, sizeof(f->branch));
	f->branch.nullable = true;
	f->has_last = false;
	f->quantifier = NULL;
	return reader_check(r);
}

/* One token at *p; advances *p.  1 when glibc refuses the pattern there, 0, or -1. */
static int
reader_step(struct reader *r, const char **p)
{
	const char *q = *p;

	switch (*q) {
	case '\\':
		return reader_escape(r, p);
	case '{':
		return reader_count(r, p);
	case '[':
		if ((*p = regex_bracket_end(q)) == NULL)
			return 1;
		return reader_atom(r, CHARACTER);
	}
	(*p)++;
	switch (*q) {
	case '*':
		return reader_quantifier(r, q, *p, 0, COUNT_NONE);
	case '+':
		return reader_quantifier(r, q, *p, 1, COUNT_NONE);
	case '?':
		return reader_quantifier(r, q, *p, 0, 1);
	case '^':
	case '$':
		return reader_atom(r, ANCHOR);
	case '(':
		return reader_open(r);
	case ')':
		return r->depth > 0 ? reader_close(r) : reader_atom(r, CHARACTER);
	case '|':
		return reader_alternative(r);
	}
	return reader_atom(r, CHARACTER);
}

int
regex_bound_check(const char *pattern, char *why, size_t whylen)
{
	struct reader r;
	const char *p = pattern;
	int rc = 0;

	r.pattern = pattern;
	r.at = pattern;
	r.depth = 0;
	r.why = why;
	r.whylen = whylen;
	frame_init(&r.stack[0]);
	while (*p != '\0' && (rc = reader_step(&r, &p)) == 0)
		r.at = p;
	/* 1: regcomp refuses the pattern where we stopped, having built no more than we counted */
	if (rc == 0 && r.depth == 0)
		rc = reader_branch_end(&r);
	return rc == -1 ? -1 : 0;
}

/*
 * A ']' first (after an optional '^') is a member, and "[:class:]",
 * "[.x.]", "[=x=]" are read whole.  A backslash is a member too (POSIX
 * ERE).
 */
const char *
regex_bracket_end(const char *p)
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

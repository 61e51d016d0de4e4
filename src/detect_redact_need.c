/*
 * detect_redact_need.c: the literals a redact pattern needs (detect_set.h).
 *
 * A redact pattern such as "(password|secret) +(.+)$" can only match text
 * that holds "password" or "secret".  Most strings of an alert hold none
 * of the literals of any pattern, and a case-insensitive search for a few
 * bytes costs a small part of one regexec (glibc's REG_ICASE regexec
 * copies and folds the whole string before it starts).  So each pattern
 * gets, once at load, a tree of what it needs (all of these, one of
 * those, a literal), read from its ERE; redaction skips a pattern whose
 * tree does not hold, and the result stays the result of regexec.
 *
 * The derivation only ever says "needs" for a byte sequence that every
 * match must contain; anything it does not understand (a bracket, '.', a
 * GNU escape, an optional or repeated atom, an interval it cannot read, a
 * quantifier in an odd place, nesting deeper than NEED_MAX_DEPTH) needs
 * nothing, so a pattern it cannot read is simply always run.  Literals
 * are compared ignoring ASCII case when the pattern is (REG_ICASE):
 * that is glibc's folding in the C locale only, so without the C locale's
 * LC_CTYPE no pattern gets a tree (detect_redact_need_add).
 */
#include "config.h"

#include <locale.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#ifdef __SSE2__
#include <emmintrin.h>
#endif

#include "detect_set.h"
#include "regex_bound.h"

/* Groups within groups that are read; deeper ones need nothing. */
#define NEED_MAX_DEPTH 16
/* Groups within groups that are scanned for their end; deeper: give up. */
#define NEED_MAX_NESTING 64

/* While reading one pattern: give up (needs nothing) on what is not understood. */
struct need_reader {
	bool fold;
	bool unsure;
	bool nomem;
};

/* One of ERE's special characters outside a bracket (POSIX 9.4.3). */
static bool
ere_special(char c)
{
	return c != '\0' && strchr(".[\\()*+?{|^$", c) != NULL;
}

/*
 * End of the atom at p (a character, an escape, a bracket expression or a
 * whole group), or NULL when it does not end before end or its groups
 * nest deeper than NEED_MAX_NESTING (nesting levels: 0 from a caller).
 */
static const char *
need_atom_end(const char *p, const char *end, int nesting)
{
	const char *q;

	if (*p == '\\')
		return p + 1 < end ? p + 2 : NULL;
	if (*p == '[') {
		q = regex_bracket_end(p);
		return q != NULL && q <= end ? q : NULL;
	}
	if (*p != '(')
		return p + 1;
	if (nesting >= NEED_MAX_NESTING)
		return NULL;
	for (q = p + 1; q < end && *q != ')';)
		if ((q = need_atom_end(q, end, nesting + 1)) == NULL)
			return NULL;
	return q < end ? q + 1 : NULL;
}

/*
 * Read a quantifier at *pp, if any: its minimum count goes to min (1
 * without one).  False when it cannot be read ("{" that is not an
 * interval) or a second quantifier follows: the reader gives up.
 */
static bool
need_quantifier(const char **pp, const char *end, unsigned long *min)
{
	const char *p = *pp;
	char *q;

	*min = 1;
	if (p < end && (*p == '*' || *p == '?'))
		*min = 0, p++;
	else if (p < end && *p == '+')
		p++;
	else if (p < end && *p == '{') {
		if (p + 1 >= end || p[1] < '0' || p[1] > '9')
			return false;
		*min = strtoul(p + 1, &q, 10);
		if (q < end && *q == ',')
			for (q++; q < end && *q >= '0' && *q <= '9'; q++)
				;
		if (q >= end || *q != '}')
			return false;
		p = q + 1;
	}
	*pp = p;
	return p >= end || (*p != '*' && *p != '?' && *p != '+' && *p != '{');
}

/* Append a copy of kid to list (*n items); false when out of memory. */
static bool
need_push(
    struct need_reader *r, struct redact_need **list, size_t *n, const struct redact_need *kid)
{
	struct redact_need *p;

	if ((p = realloc(*list, (*n + 1) * sizeof(*p))) == NULL) {
		r->nomem = true;
		return false;
	}
	*list = p;
	p[(*n)++] = *kid;
	return true;
}

/* A literal node of run[0..len), when len > 0; the run is emptied. */
static void
need_flush(struct need_reader *r, char *run, size_t *len, struct redact_need **kids, size_t *n)
{
	struct redact_need lit = {.kind = NEED_LITERAL, .id = -1};

	if (*len == 0)
		return;
	if ((lit.lit = malloc(*len)) == NULL) {
		r->nomem = true;
		*len = 0;
		return;
	}
	memcpy(lit.lit, run, *len);
	lit.len = *len;
	*len = 0;
	if (!need_push(r, kids, n, &lit))
		free(lit.lit);
}

/* Free the nodes kids[0..n) and the list. */
static void
need_list_free(struct redact_need *kids, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		detect_redact_need_clear(&kids[i]);
	free(kids);
}

/* How much a node narrows: a literal its length, ONE its weakest, ALL its strongest. */
static size_t
need_weight(const struct redact_need *need)
{
	size_t i, w, best;

	if (need->kind == NEED_LITERAL)
		return need->len;
	if (need->kind != NEED_ALL && need->kind != NEED_ONE)
		return 0;
	best = need->kind == NEED_ONE ? SIZE_MAX : 0;
	for (i = 0; i < need->n; i++) {
		w = need_weight(&need->kids[i]);
		if (need->kind == NEED_ONE ? w < best : w > best)
			best = w;
	}
	return best;
}

/* qsort: the strongest first, so that ALL gives up after as few searches as it can. */
static int
need_weight_cmp(const void *pa, const void *pb)
{
	size_t a = need_weight(pa), b = need_weight(pb);

	return a > b ? -1 : a < b;
}

/* Whether literal a is inside literal b (then b's search covers a's). */
static bool
need_literal_within(const struct redact_need *a, const struct redact_need *b)
{
	return a->kind == NEED_LITERAL && b->kind == NEED_LITERAL && a->len <= b->len &&
	       memmem(b->lit, b->len, a->lit, a->len) != NULL;
}

/*
 * Of ALL's kids, drop a literal found inside another (""" four times,
 * " " inside "local-user "), strongest first.  Returns the new count.
 */
static size_t
need_all_tidy(struct redact_need *kids, size_t n)
{
	size_t i, j, out = 0;

	qsort(kids, n, sizeof(*kids), need_weight_cmp);
	for (i = 0; i < n; i++) {
		for (j = 0; j < out; j++)
			if (need_literal_within(&kids[i], &kids[j]))
				break;
		if (j < out)
			detect_redact_need_clear(&kids[i]);
		else
			kids[out++] = kids[i];
	}
	return out;
}

/* What nodes kids[0..n) of kind give: nothing, the one node, or the list. */
static struct redact_need
need_of(enum redact_need_kind kind, struct redact_need *kids, size_t n)
{
	struct redact_need out = {.kind = NEED_NOTHING};

	if (kind == NEED_ALL && n > 1)
		n = need_all_tidy(kids, n);
	if (n == 1) {
		out = kids[0];
		free(kids);
	} else if (n > 1) {
		out.kind = kind;
		out.kids = kids;
		out.n = n;
	} else
		free(kids);
	return out;
}

static struct redact_need need_alternation(
    struct need_reader *r, const char *p, const char *end, int depth);

/*
 * What a concatenation p[0..end) needs: its runs of required literal
 * characters, and what its required groups need.
 */
static struct redact_need
need_sequence(struct need_reader *r, const char *p, const char *end, int depth)
{
	struct redact_need *kids = NULL, kid;
	size_t n = 0, len = 0;
	unsigned long min;
	const char *q, *atom;
	char *run, c;
	bool literal;

	if ((run = malloc((size_t)(end - p) + 1)) == NULL) {
		r->nomem = true;
		return (struct redact_need){.kind = NEED_NOTHING};
	}
	while (p < end && !r->unsure && !r->nomem) {
		if (*p == '*' || *p == '+' || *p == '?' || *p == '{' || *p == ')' ||
		    (q = need_atom_end(p, end, 0)) == NULL) {
			r->unsure = true; /* glibc reads some of these as literals */
			break;
		}
		atom = p;
		p = q;
		if (!need_quantifier(&p, end, &min)) {
			r->unsure = true;
			break;
		}
		/*
		 * a literal character: an ordinary one, or a special one escaped
		 * ("\\w", "\\<", back-references are not); ASCII only
		 */
		if (atom[0] == '\\') {
			literal = ere_special(atom[1]);
			c = atom[1];
		} else {
			literal = !ere_special(atom[0]);
			c = atom[0];
		}
		if (literal && (unsigned char)c < 0x80 && min > 0) {
			run[len++] = r->fold ? (char)lower((unsigned char)c) : c;
			if (q != p) /* repeated: what follows is not next to it */
				need_flush(r, run, &len, &kids, &n);
			continue;
		}
		need_flush(r, run, &len, &kids, &n);
		if (atom[0] == '(' && min > 0) {
			if (depth >= NEED_MAX_DEPTH)
				continue;
			kid = need_alternation(r, atom + 1, q - 1, depth + 1);
			if (kid.kind != NEED_NOTHING && !need_push(r, &kids, &n, &kid))
				detect_redact_need_clear(&kid);
		}
	}
	need_flush(r, run, &len, &kids, &n);
	free(run);
	return need_of(NEED_ALL, kids, n);
}

/* What p[0..end) needs: one of what its branches (split at '|') need. */
static struct redact_need
need_alternation(struct need_reader *r, const char *p, const char *end, int depth)
{
	struct redact_need *kids = NULL, kid, none = {.kind = NEED_NOTHING};
	size_t n = 0;
	const char *start = p, *q;

	for (;;) {
		for (q = start; q < end && *q != '|';)
			if ((q = need_atom_end(q, end, 0)) == NULL) {
				r->unsure = true;
				need_list_free(kids, n);
				return none;
			}
		kid = need_sequence(r, start, q, depth);
		/* a branch that needs nothing: the alternation needs nothing */
		if (kid.kind == NEED_NOTHING || !need_push(r, &kids, &n, &kid)) {
			detect_redact_need_clear(&kid);
			need_list_free(kids, n);
			return none;
		}
		if (q >= end)
			break;
		start = q + 1;
	}
	return need_of(NEED_ONE, kids, n);
}

void
detect_redact_need_clear(struct redact_need *need)
{
	size_t i;

	if (need->kind == NEED_LITERAL)
		free(need->lit);
	else if (need->kind == NEED_ALL || need->kind == NEED_ONE) {
		for (i = 0; i < need->n; i++)
			detect_redact_need_clear(&need->kids[i]);
		free(need->kids);
	}
	memset(need, 0, sizeof(*need));
	need->kind = NEED_NOTHING;
}

int
detect_redact_need_read(struct redact_need *need, const char *pat, bool fold)
{
	struct need_reader r = {.fold = fold};
	const char *ctype = setlocale(LC_CTYPE, NULL);

	*need = (struct redact_need){.kind = NEED_NOTHING};
	/* ASCII folding is REG_ICASE's only in the C locale */
	if (fold && (ctype == NULL || (strcmp(ctype, "C") != 0 && strcmp(ctype, "POSIX") != 0)))
		return 0;
	*need = need_alternation(&r, pat, pat + strlen(pat), 0);
	if (r.unsure || r.nomem)
		detect_redact_need_clear(need);
	return r.nomem ? -1 : 0;
}

/*
 * Whether needle (lower case, len > 0) is in hay[0..hlen) ignoring ASCII
 * case.  Candidates for the first byte are found 16 bytes a step: a
 * letter c matches b when (b | 0x20) == c (c and its upper case only).
 */
static bool
need_find_fold(const char *hay, size_t hlen, const char *needle, size_t nlen)
{
	const unsigned char *h = (const unsigned char *)hay;
	unsigned char c = (unsigned char)needle[0];
	unsigned char bit = c >= 'a' && c <= 'z' ? 0x20 : 0;
	size_t i = 0, last;
#ifdef __SSE2__
	unsigned mask;
	__m128i v;
#endif

	if (nlen > hlen)
		return false;
	last = hlen - nlen; /* the last start that fits */
#ifdef __SSE2__
	for (; i + 15 <= last; i += 16) {
		v = _mm_loadu_si128((const __m128i *)(const void *)(h + i));
		v = _mm_or_si128(v, _mm_set1_epi8((char)bit));
		mask = (unsigned)_mm_movemask_epi8(_mm_cmpeq_epi8(v, _mm_set1_epi8((char)c)));
		for (; mask != 0; mask &= mask - 1)
			if (equal_fold(hay + i + (size_t)__builtin_ctz(mask), needle, nlen))
				return true;
	}
#endif
	for (; i <= last; i++)
		if ((h[i] | bit) == c && equal_fold(hay + i, needle, nlen))
			return true;
	return false;
}

bool
detect_redact_need_holds(const struct redact_need *need, const char *text, size_t len, bool fold,
    signed char *seen)
{
	size_t i;
	bool found;

	switch (need->kind) {
	case NEED_LITERAL:
		if (seen != NULL && need->id >= 0 && seen[need->id] != 0)
			return seen[need->id] > 0;
		if (!fold)
			found = contains(text, len, need->lit, need->len, false);
		else
			found = need->len == 0 || need_find_fold(text, len, need->lit, need->len);
		if (seen != NULL && need->id >= 0)
			seen[need->id] = found ? 1 : -1;
		return found;
	case NEED_ALL:
		for (i = 0; i < need->n; i++)
			if (!detect_redact_need_holds(&need->kids[i], text, len, fold, seen))
				return false;
		return true;
	case NEED_ONE:
		for (i = 0; i < need->n; i++)
			if (detect_redact_need_holds(&need->kids[i], text, len, fold, seen))
				return true;
		return false;
	default:
		return true;
	}
}

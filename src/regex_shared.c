/*
 * regex_shared.c: a compiled ERE shared by the workers, compiled afresh
 * every REGEX_SHARED_BUDGET bytes searched, and searched in time linear
 * in the text (regex_shared.h).
 *
 * glibc's regexec takes the regex's own lock for the whole search, so the
 * workers already take turns on a regex_t; the lock here is taken in its
 * place (glibc's is then never contended), and under it the search that
 * passes the budget swaps in a fresh compilation, which no other thread
 * can be using.  Should that regcomp fail (memory), the old one stays:
 * the results are the same either way.
 *
 * Measured (glibc 2.36, C locale, REG_EXTENDED | REG_ICASE | REG_NOSUB,
 * RSS growth; CPU time on a shared, loaded machine):
 * "(a|b)*a(a|b){20}" over texts of 200 random 'a' and 'b': 190 MB after
 * 10,000 texts, 1 GB after 100,000 and still growing, 1.8 ms a text on
 * average and 2.2 ms for the last ones.  Compiled afresh every 64 KiB:
 * 11 MB at most; every 256 KiB: 36 MB; every 1 MiB: 114 MB (about 140
 * bytes of states a byte searched).  One search builds states too: a
 * single text past the budget grows the cache for its length before the
 * rebuild that follows it.
 *
 * Time.  glibc tries an unanchored pattern from each place in the text
 * in turn, each try running its automaton until it dies or the text ends:
 * "[a-z]+b" over 64 KiB of 'a' is 64 Ki tries of up to 64 Ki bytes, 6 to
 * 11 s of CPU.  An anchored pattern is tried once, and with REG_NOSUB the
 * try stops at the first accepting state.  So whether a match of P starts
 * at or after the start of the range is asked of "\`ANY*(P)", ANY
 * "([^a]|a)" (every byte: '.' is every byte but NUL), in one pass: 0.5 ms
 * there.  "\`" (the buffer's start) rather than "^", which REG_NOTBOL
 * would make fail; P's own "^" still matches only at the buffer's start,
 * and before no later byte since REG_NEWLINE is not used.  Whether one
 * starts at or after k > 0 is asked of "\`ANY+(P)" over the text from
 * k - 1, so that the byte before k is still the context of P's "\<",
 * "\b" and "^" as in the whole text.  A search that needs where the match
 * is reads the text backwards, in a copy, with "\`ANY*(R)", R the mirror
 * of P (regex_form.h), and without REG_NOSUB: glibc's longest match of
 * it ends where the first match of P starts, s, in one pass that runs to
 * the end of the copy.  Then the pattern as written runs from s, where
 * glibc's first try matches: the same match and groups as the whole
 * search, in two passes.  From k > 0 the copy also holds the byte before
 * k, and "\`ANY*(R)ANY" keeps R's context there the whole text's.
 * In a multibyte locale ANY would be a character, not a byte: there (not
 * logward's, which stays in the C locale) the pattern runs as written.
 *
 * One context differs: glibc's automaton gives the place after a '\n' it
 * has read the context of a line's start (so "^" and "$" hold next to it
 * inside a match, even without REG_NEWLINE), but the place where a try
 * starts the context of the byte before it, by which "^" holds there only
 * at the text's start.  After ANY has read a '\n', P's first "^" would
 * hold where glibc's own search says it does not.  So the forms write a
 * "^" that can only be at P's start "\`" (regex_form_leading), which holds
 * only at the text's start, and the same backwards for P's last "$".  A
 * pattern with another "^" (or, for where it matches, another "$", or a
 * "^" from k > 0) runs as written over a text that holds a '\n': in time
 * quadratic, as before (syslog lines hold none but what a NUL-terminated
 * or octet-counted frame carries; no shipped pattern and none of
 * SigmaHQ's 149 re has such an anchor).
 * A pattern that starts with "^" and has no '|' outside groups is tried
 * by glibc at the text's start only: it runs as written, which stops
 * where the pattern can no longer match, where its anchored form would
 * read to the end of the text.
 */
#include "config.h"

#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "regex_bound.h"
#include "regex_form.h"
#include "regex_shared.h"

#define ANY "([^a]|a)" /* every byte, whatever the case folding */

/* One compiled form, compiled when first needed. */
struct form {
	regex_t re;
	bool ready;
	bool failed; /* regcomp refused it: the pattern runs as written */
};

struct regex_shared {
	pthread_mutex_t lock; /* held for a search and a rebuild */
	struct form written;  /* the pattern as written: where a match is */
	struct form from;     /* "\`ANY*(P)": a match starts at or after the start */
	struct form after;    /* "\`ANY+(P)": one starts after the first byte */
	struct form back;     /* "\`ANY*(R)", R P's mirror: where the first match starts */
	struct form back_after; /* "\`ANY*(R)ANY": the same, from k > 0 */
	char *pattern;	      /* owned, to compile it again */
	char *wrapped;	      /* owned: "(P)" with its unmatched ')' escaped; NULL: not linear */
	char *mirror;	      /* owned: "(R)"; NULL: captures run as written */
	bool caret, dollar;   /* P has "^", "$" */
	bool start_anchored;  /* glibc tries P at the text's start only: it runs as written */
	bool caret_inside;    /* P has a "^" not at its start: a text with '\n' runs as written */
	bool dollar_inside;   /* the same for "$" not at its end, when the match is wanted */
	int flags;
	size_t groups;	 /* P's parenthesized groups */
	size_t searched; /* bytes since the forms were compiled */
	size_t budget;	 /* REGEX_SHARED_BUDGET but in tests */
	unsigned long rebuilds;
	struct regex_shared_count count;
};

/*
 * Compile f: P as written (body NULL), or "\`ANY" quantifier body tail,
 * with REG_NOSUB when only whether it matches is asked (nosub).
 */
static void
form_compile(struct regex_shared *r, struct form *f, const char *quantifier, const char *body,
    const char *tail, bool nosub)
{
	char *text;
	int flags = r->flags & ~REG_NOSUB;
	size_t len;

	f->ready = false;
	if (body == NULL) {
		f->failed = regcomp(&f->re, r->pattern, r->flags) != 0;
		f->ready = !f->failed;
		return;
	}
	len = strlen(ANY) + strlen(body) + strlen(tail) + 8;
	if ((text = malloc(len)) == NULL) {
		f->failed = true;
		return;
	}
	snprintf(text, len, "\\`" ANY "%s%s%s", quantifier, body, tail);
	f->failed = regcomp(&f->re, text, flags | (nosub ? REG_NOSUB : 0)) != 0;
	f->ready = !f->failed;
	free(text);
}

/* The forms but the pattern as written, by index (rebuilds, lazy compilation). */
enum form_kind { FORM_FROM, FORM_AFTER, FORM_BACK, FORM_BACK_AFTER };

static struct form *
form_of(struct regex_shared *r, enum form_kind kind)
{
	switch (kind) {
	case FORM_FROM:
		return &r->from;
	case FORM_AFTER:
		return &r->after;
	case FORM_BACK:
		return &r->back;
	case FORM_BACK_AFTER:
		return &r->back_after;
	}
	return NULL;
}

/* Compile the form of that kind when it is not (yet); false when it cannot be. */
static bool
form_ready(struct regex_shared *r, enum form_kind kind)
{
	struct form *f = form_of(r, kind);

	if (!f->ready && !f->failed) {
		if (kind == FORM_FROM || kind == FORM_AFTER) {
			if (r->wrapped == NULL)
				f->failed = true;
			else
				form_compile(r, f, kind == FORM_FROM ? "*" : "+", r->wrapped, "", true);
		} else if (r->mirror == NULL)
			f->failed = true;
		else
			form_compile(r, f, "*", r->mirror, kind == FORM_BACK ? "" : ANY, false);
	}
	return f->ready;
}

static void
form_free(struct form *f)
{
	if (f->ready)
		regfree(&f->re);
	f->ready = false;
	f->failed = false;
}

/*
 * Whether the anchored passes can stand for the pattern: ANY is a byte
 * only in a single-byte locale, and under REG_NEWLINE "^" would match
 * after every newline.
 */
static bool
linear_possible(int flags)
{
	return MB_CUR_MAX == 1 && (flags & REG_NEWLINE) == 0;
}

struct regex_shared *
regex_shared_new(const char *pattern, int flags, char *why, size_t whylen)
{
	struct regex_shared *r = calloc(1, sizeof(*r));
	regex_t probe;
	char *mirror, *wrapped;
	int rc;

	if (r == NULL || (r->pattern = strdup(pattern)) == NULL) {
		snprintf(why, whylen, "out of memory");
		free(r);
		return NULL;
	}
	/* the pattern as written says whether it is one, and why not */
	if ((rc = regcomp(&probe, pattern, flags)) != 0) {
		regerror(rc, &probe, why, whylen);
		free(r->pattern);
		free(r);
		return NULL;
	}
	r->groups = probe.re_nsub;
	r->flags = flags;
	r->budget = REGEX_SHARED_BUDGET;
	r->caret = regex_form_has_anchor(pattern, '^');
	r->dollar = regex_form_has_anchor(pattern, '$');
	r->start_anchored = regex_form_start_anchored(pattern);
	if (linear_possible(flags) && (wrapped = regex_form_group(pattern)) != NULL) {
		r->wrapped = regex_form_leading(wrapped, &r->caret_inside);
		free(wrapped);
		/*
		 * Its anchored form is compiled at its first search, not here: it
		 * costs regcomp several times the pattern's memory, and most of a
		 * rulebase's regexes wait behind other conditions that ordinary
		 * traffic never meets (shipped rules, loaded: 36.1 MB eager, 28.9
		 * lazy; 200,000 bench messages: 52.9 MB and 45.6).
		 */
	}
	if (linear_possible(flags) && (flags & REG_NOSUB) == 0 &&
	    (mirror = regex_form_mirror(pattern)) != NULL) {
		if ((wrapped = regex_form_group(mirror)) != NULL)
			r->mirror = regex_form_leading(wrapped, &r->dollar_inside);
		free(wrapped);
		free(mirror);
	}
	/* as written: where the match is, and where the anchored forms cannot say */
	if (!r->from.ready || (flags & REG_NOSUB) == 0 || r->caret) {
		r->written.re = probe;
		r->written.ready = true;
	} else
		regfree(&probe);
	pthread_mutex_init(&r->lock, NULL);
	return r;
}

/* Past the budget: fresh compilations, whose state caches are empty.  Under r->lock. */
static void
regex_shared_rebuild(struct regex_shared *r)
{
	struct form fresh = {.ready = false};
	enum form_kind k;

	r->searched = 0;
	if (r->written.ready) {
		/* a failure (memory) keeps the old one: the results are the same */
		form_compile(r, &fresh, NULL, NULL, NULL, false);
		if (!fresh.ready)
			return;
		form_free(&r->written);
		r->written = fresh;
	}
	/* the others are compiled again when next needed (from, at once) */
	for (k = FORM_FROM; k <= FORM_BACK_AFTER; k++)
		form_free(form_of(r, k));
	form_ready(r, FORM_FROM);
	if (!r->from.ready && !r->written.ready) {
		/* no memory for either: P as written, so that searches still answer */
		form_compile(r, &r->written, NULL, NULL, NULL, false);
	}
	r->rebuilds++;
}

/* One regexec over text[so, eo), counted; under r->lock. */
static int
pass(struct regex_shared *r, regex_t *re, const char *text, size_t so, size_t eo, size_t nm,
    regmatch_t *m, int eflags)
{
	regmatch_t range[1];

	if (m == NULL || nm == 0) {
		m = range;
		nm = 0;
	}
	m[0].rm_so = (regoff_t)so;
	m[0].rm_eo = (regoff_t)eo;
	r->searched += eo - so;
	r->count.bytes += eo - so;
	if (re == &r->written.re)
		r->count.written++;
	else if (re == &r->back.re || re == &r->back_after.re)
		r->count.backwards++;
	else
		r->count.anchored++;
	return regexec(re, text, nm, m, eflags | REG_STARTEND);
}

/*
 * Whether a match of P starts in text[k, end], in one anchored pass: 0,
 * REG_NOMATCH, or another regexec error.  Under r->lock.
 */
static int
starts_from(struct regex_shared *r, const char *text, size_t k, size_t end, int eflags)
{
	if (k == 0)
		return form_ready(r, FORM_FROM) ? pass(r, &r->from.re, text, 0, end, 0, NULL, eflags)
						: -1;
	if (!form_ready(r, FORM_AFTER))
		return -1;
	/* from the byte before k: P's context there is the whole text's */
	return pass(r, &r->after.re, text + k - 1, 0, end - k + 1, 0, NULL, eflags);
}

/* The pattern as written over text[k, end), or REG_ESPACE when only the anchored form is kept. */
static int
written(struct regex_shared *r, const char *text, size_t k, size_t end, size_t nm, regmatch_t *m,
    int eflags)
{
	if (!r->written.ready)
		return REG_ESPACE;
	return pass(r, &r->written.re, text, k, end, nm, m, eflags);
}

/*
 * Where the first match of P in text[k, end) starts, reading the text
 * backwards: *start, and 0; REG_NOMATCH; or -1 when the mirror cannot be
 * used (the caller then searches as written).  Under r->lock.
 */
static int
first_start(struct regex_shared *r, const char *text, size_t k, size_t end, int eflags,
    size_t *start)
{
	enum form_kind kind = k == 0 ? FORM_BACK : FORM_BACK_AFTER;
	size_t n = k == 0 ? end : end - k + 1, i;
	regmatch_t m[1];
	int rc, mirrored = 0;
	char *copy;

	if (!form_ready(r, kind) || (copy = malloc(n + 1)) == NULL)
		return -1;
	for (i = 0; i < n; i++)
		copy[i] = text[end - 1 - i];
	copy[n] = '\0';
	/* the end of the text is the start of the copy; its start, the copy's end (k == 0) */
	if (eflags & REG_NOTEOL)
		mirrored |= REG_NOTBOL;
	if (k == 0 && (eflags & REG_NOTBOL))
		mirrored |= REG_NOTEOL;
	rc = pass(r, &form_of(r, kind)->re, copy, 0, n, 1, m, mirrored);
	free(copy);
	if (rc == 0)
		*start = end - (size_t)m[0].rm_eo + (k == 0 ? 0 : 1);
	return rc;
}

/* Whether text[k - 1, end) holds a '\n' (the byte before k is P's context). */
static bool
has_newline(const char *text, size_t k, size_t end)
{
	size_t from = k > 0 ? k - 1 : 0;

	return end > from && memchr(text + from, '\n', end - from) != NULL;
}

/* The search, under r->lock (regex_shared_exec). */
static int
search(struct regex_shared *r, const char *text, size_t nm, regmatch_t *m, int eflags)
{
	size_t k = (size_t)m[0].rm_so, end = (size_t)m[0].rm_eo, start;
	int rc;

	if (r->start_anchored)
		return written(r, text, k, end, nm, m, eflags);
	if (nm == 0 || (r->flags & REG_NOSUB) != 0) {
		/* "\`" stands for P's first "^": for the others, and under REG_NOTBOL, as written */
		if ((r->caret_inside && has_newline(text, k, end)) || (r->caret && k == 0 && (eflags & REG_NOTBOL)) ||
		    (rc = starts_from(r, text, k, end, eflags)) == -1)
			return written(r, text, k, end, nm, m, eflags);
		return rc;
	}
	/*
	 * The same, backwards, for P's last "$"; and from k > 0 P's first "^"
	 * is no longer the end of the backwards form (ANY follows it).
	 */
	if (((r->dollar_inside || (r->caret && k > 0)) && has_newline(text, k, end)) ||
	    (r->dollar && (eflags & REG_NOTEOL)))
		return written(r, text, k, end, nm, m, eflags);
	if ((rc = first_start(r, text, k, end, eflags, &start)) == -1)
		return written(r, text, k, end, nm, m, eflags);
	if (rc != 0)
		return rc;
	/*
	 * glibc's first try, at start, matches: the match the whole search
	 * would find.  Were it not so, glibc would go on to the next places,
	 * as the whole search does: the answer stays right, only slower.
	 */
	rc = pass(r, &r->written.re, text, start, end, nm, m, eflags);
	if (rc != 0 || (size_t)m[0].rm_so != start)
		r->count.missed++;
	return rc;
}

int
regex_shared_exec(struct regex_shared *r, const char *text, size_t nm, regmatch_t *m, int eflags)
{
	int rc;

	pthread_mutex_lock(&r->lock);
	rc = search(r, text, nm, m, eflags);
	if (r->searched > r->budget)
		regex_shared_rebuild(r);
	pthread_mutex_unlock(&r->lock);
	return rc;
}

size_t
regex_shared_groups(const struct regex_shared *r)
{
	return r->groups;
}

void
regex_shared_set_budget(struct regex_shared *r, size_t bytes)
{
	r->budget = bytes;
}

unsigned long
regex_shared_rebuilds(const struct regex_shared *r)
{
	return r->rebuilds;
}

struct regex_shared_count
regex_shared_count(const struct regex_shared *r)
{
	struct regex_shared_count c = r->count;

	c.forms = (unsigned)r->written.ready + r->from.ready + r->after.ready + r->back.ready +
		  r->back_after.ready;
	return c;
}

void
regex_shared_free(struct regex_shared *r)
{
	if (r == NULL)
		return;
	form_free(&r->written);
	form_free(&r->from);
	form_free(&r->after);
	form_free(&r->back);
	form_free(&r->back_after);
	pthread_mutex_destroy(&r->lock);
	free(r->wrapped);
	free(r->mirror);
	free(r->pattern);
	free(r);
}

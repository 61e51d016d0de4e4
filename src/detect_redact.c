/*
 * detect_redact.c: the redaction filter of a detection set (detect_set.h):
 * every redact pattern of every file in one alternation, compiled once,
 * so that a line with nothing to hide costs one regexec, not one a pattern;
 * before it, the literals each pattern needs (detect_redact_need.c), so
 * that a line without any of them costs no regexec; and the redaction of
 * a string by the patterns one after the other, skipping those whose
 * literals are not in the text.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "detect_set.h"
#include "json_writer.h"
#include "regex_bound.h"

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
			if ((p = regex_bracket_end(p)) == NULL)
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
 * them all to every string, as it would without the filter.  Each pattern
 * is within regex_bound's bounds, but not always their sum.
 */
void
detect_redact_filter_build(struct detect_set *s)
{
	char why[256];

	if (s->n_redact > 0 && !s->redact_alt_unsafe && s->redact_alt != NULL &&
	    regex_bound_check(s->redact_alt, why, sizeof(why)) == 0)
		s->redact_filter = regex_shared_new(
		    s->redact_alt, REG_EXTENDED | REG_ICASE | REG_NOSUB, why, sizeof(why));
	free(s->redact_alt);
	s->redact_alt = NULL;
	s->redact_alt_len = 0;
}

/*
 * Give each literal of need its slot in s's table of distinct literals, so
 * that "password", needed by many patterns, is searched once a text.
 */
static void
redact_need_number(struct detect_set *s, struct redact_need *need)
{
	size_t i;

	if (need->kind == NEED_ALL || need->kind == NEED_ONE) {
		for (i = 0; i < need->n; i++)
			redact_need_number(s, &need->kids[i]);
		return;
	}
	if (need->kind != NEED_LITERAL)
		return;
	for (i = 0; i < s->n_redact_literals; i++)
		if (s->redact_literals[i].len == need->len &&
		    memcmp(s->redact_literals[i].p, need->lit, need->len) == 0)
			break;
	if (i == s->n_redact_literals) {
		if (i == REDACT_LITERALS_MAX)
			return; /* searched every time */
		s->redact_literals[i].p = need->lit;
		s->redact_literals[i].len = need->len;
		s->n_redact_literals++;
	}
	need->id = (int)i;
}

/* Add what pat needs, in step with s->redact (redact patterns fold case). */
int
detect_redact_need_add(struct detect_set *s, const char *pat)
{
	struct redact_need *p;

	if (s->n_redact_need + 1 != s->n_redact)
		return 0; /* out of step after an earlier failure: unused anyway */
	if ((p = realloc(s->redact_need, s->n_redact * sizeof(*p))) == NULL)
		return -1;
	s->redact_need = p;
	if (detect_redact_need_read(&p[s->n_redact_need], pat, true) == -1)
		return -1;
	redact_need_number(s, &p[s->n_redact_need]);
	s->n_redact_need++;
	return 0;
}

void
detect_redact_need_free(struct detect_set *s)
{
	size_t i;

	for (i = 0; i < s->n_redact_need; i++)
		detect_redact_need_clear(&s->redact_need[i]);
	free(s->redact_need);
	s->redact_need = NULL;
	s->n_redact_need = 0;
	s->n_redact_literals = 0;
}

/* The needs of set's patterns, or NULL when they are not all known. */
static const struct redact_need *
redact_needs(const struct detect_set *set)
{
	return set != NULL && set->n_redact_need == set->n_redact ? set->redact_need : NULL;
}

#define REDACTED "<redacted>"
/* Capture groups looked at per redact match (the last of these is replaced). */
#define REDACT_GROUPS 10

/* Apply one pattern to s[0..len), appending the result to out. */
static int
redact_one(struct regex_shared *re, const char *s, size_t len, struct strbuf *out)
{
	regmatch_t m[REDACT_GROUPS];
	size_t groups = regex_shared_groups(re);
	size_t nm = groups + 1 < REDACT_GROUPS ? groups + 1 : REDACT_GROUPS;
	size_t pos = 0, g;

	while (pos <= len) {
		size_t so, eo, end;

		m[0].rm_so = (regoff_t)pos;
		m[0].rm_eo = (regoff_t)len;
		if (regex_shared_exec(re, s, nm, m, pos > 0 ? REG_NOTBOL : 0) != 0)
			break;
		for (g = nm - 1; g > 0 && m[g].rm_so < 0; g--)
			;
		so = (size_t)m[g].rm_so;
		eo = (size_t)m[g].rm_eo;
		end = (size_t)m[0].rm_eo;
		if (strbuf_append(out, s + pos, so - pos) == -1)
			return -1;
		if (eo > so && strbuf_append_str(out, REDACTED) == -1)
			return -1;
		if (strbuf_append(out, s + eo, end - eo) == -1)
			return -1;
		if (end == (size_t)m[0].rm_so) {
			/* empty match: keep one byte and look again after it */
			if (end < len && strbuf_append_char(out, s[end]) == -1)
				return -1;
			end++;
		}
		pos = end;
	}
	if (pos < len && strbuf_append(out, s + pos, len - pos) == -1)
		return -1;
	return 0;
}

/* detect_redact, skipping pattern i when need (if not NULL) says it cannot match. */
static int
redact_all(struct regex_shared *const *re, const struct redact_need *need, size_t n,
    const char *s, size_t len, struct strbuf *out)
{
	struct strbuf a, b, tmp;
	size_t i, limit = 4 * len + 4096;
	signed char seen[REDACT_LITERALS_MAX] = {0};
	int rc = -1;

	if (n == 0)
		return strbuf_append(out, s, len);
	strbuf_init(&a);
	strbuf_init(&b);
	/* regexec needs NUL-terminated text even with REG_STARTEND (sanitizers) */
	if (strbuf_append(&a, s, len) == -1 || strbuf_cstr(&a) == NULL)
		goto done;
	for (i = 0; i < n; i++) {
		/* regexec would find nothing: the text stays as it is */
		if (need != NULL && !detect_redact_need_holds(&need[i], a.data, a.len, true, seen))
			continue;
		strbuf_reset(&b);
		if (redact_one(re[i], a.data, a.len, &b) == -1)
			goto done;
		tmp = a;
		a = b;
		b = tmp;
		if (strbuf_cstr(&a) == NULL)
			goto done;
		/* a new text: what was found in the old one does not hold */
		memset(seen, 0, sizeof(seen));
		if (a.len > limit) {
			rc = strbuf_append_str(out, REDACTED);
			goto done;
		}
	}
	rc = strbuf_append(out, a.data, a.len);
done:
	strbuf_free(&a);
	strbuf_free(&b);
	return rc;
}

int
detect_redact(
    struct regex_shared *const *re, size_t n, const char *s, size_t len, struct strbuf *out)
{
	return redact_all(re, NULL, n, s, len, out);
}

int
detect_redact_set(const struct detect_set *set, const char *s, size_t len, struct strbuf *out)
{
	size_t n;
	struct regex_shared *const *re = detect_redactions(set, &n);

	return redact_all(re, redact_needs(set), n, s, len, out);
}

/* scratch: regexec reads to the NUL despite REG_STARTEND under the sanitizers. */
bool
detect_redact_needed(const struct detect_set *set, struct strbuf *scratch, const char *s,
    size_t len)
{
	struct regex_shared *filter = detect_redaction_filter(set);
	const struct redact_need *need = redact_needs(set);
	signed char seen[REDACT_LITERALS_MAX] = {0};
	size_t i, n = 0, cand[2];
	regmatch_t m[1];

	if (need != NULL) {
		for (i = 0; i < set->n_redact && n <= 2; i++)
			if (detect_redact_need_holds(&need[i], s, len, true, seen)) {
				if (n < 2)
					cand[n] = i;
				n++;
			}
		if (n == 0)
			return false; /* no pattern's literals: none can match */
	}
	if (filter == NULL && (n == 0 || n > 2))
		return true;
	strbuf_reset(scratch);
	if (strbuf_append(scratch, s, len) == -1 || strbuf_cstr(scratch) == NULL)
		return true;
	m[0].rm_so = 0;
	m[0].rm_eo = (regoff_t)len;
	if (n == 0 || n > 2)
		return regex_shared_exec(filter, scratch->data, 0, m, 0) != REG_NOMATCH;
	/* one or two candidates: their own regexes say what the alternation would */
	for (i = 0; i < n; i++) {
		m[0].rm_so = 0;
		m[0].rm_eo = (regoff_t)len;
		if (regex_shared_exec(set->redact[cand[i]], scratch->data, 0, m, 0) != REG_NOMATCH)
			return true;
	}
	return false;
}

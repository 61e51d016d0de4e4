/*
 * sigma_index.c: the word index that keeps thousands of Sigma rules from
 * multiplying the cost of a message.
 *
 * A word is a run of letters, digits, '_' and non-ASCII bytes, compared
 * in lower case.  For each compiled rule the loader looks for a set of
 * words one of which must occur in any message the rule matches: a word
 * of a value that is bounded on both sides inside the value (by a
 * non-word character, or by the value's edge where no wildcard is), for
 * every alternative of an OR, for the most selective part of an AND.  A
 * message is split into its words once, each looked up in one hash
 * table; only the rules whose words it holds are evaluated, plus the few
 * that yield no word (a "not", a re, a cidr...).  So the per-message cost
 * grows with the message and the rules that may match, not with the rule
 * count.
 *
 * What this trusts: an event field's value is a piece of the message
 * bounded by non-word characters (JSON quoting, separators), which holds
 * for JSON bodies and for liblognorm's rulebases.  A JSON "\uXXXX" escape
 * can hide a letter from the split, so a message holding one is matched
 * against every rule of its shapes (the unindexed cost, never a miss);
 * "\n" "\t"-style escapes split both ways.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "sigma_impl.h"

#define WORD_MAX 255
#define REQ_MAX 64 /* words of one requirement; more: no requirement */

static bool
word_char(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       c == '_' || c >= 0x80;
}

/* A set of words one of which must occur; none: nothing required. */
struct req {
	const char *w[REQ_MAX];
	size_t len[REQ_MAX];
	size_t n;
	bool none;
};

static const struct req req_none = {.none = true};

static struct req
req_union(const struct req *a, const struct req *b)
{
	struct req r = *a;
	size_t i;

	if (a->none || b->none || a->n + b->n > REQ_MAX)
		return req_none;
	for (i = 0; i < b->n; i++) {
		r.w[r.n] = b->w[i];
		r.len[r.n++] = b->len[i];
	}
	return r;
}

static size_t
req_shortest(const struct req *r)
{
	size_t i, m = SIZE_MAX;

	for (i = 0; i < r->n; i++)
		if (r->len[i] < m)
			m = r->len[i];
	return m;
}

/* The more selective of two requirements (both must hold: either will do). */
static struct req
req_best(const struct req *a, const struct req *b)
{
	if (a->none)
		return *b;
	if (b->none)
		return *a;
	if (a->n != b->n)
		return a->n < b->n ? *a : *b;
	return req_shortest(a) >= req_shortest(b) ? *a : *b;
}

/*
 * The longest bounded word of a glob: edges count as bounds only where
 * the value's edge is the field's (no star) and the field is a piece of
 * the message.
 */
static struct req
glob_req(const struct sigma_glob *g, bool delimited)
{
	struct req r = {.n = 0};
	size_t i, a, b, best_len = 0;
	const char *best = NULL;

	for (i = 0; i < g->n_segs; i++) {
		const struct sigma_segment *s = &g->segs[i];
		bool left_edge = i == 0 && !g->star_start && delimited;
		bool right_edge = i + 1 == g->n_segs && !g->star_end && delimited;

		for (a = 0; a < s->len; a = b + 1) {
			for (b = a;
			     b < s->len && !s->any[b] && word_char((unsigned char)s->text[b]); b++)
				;
			if (b == a)
				continue;
			if (!(a == 0 ? left_edge : !s->any[a - 1]))
				continue;
			if (!(b == s->len ? right_edge : !s->any[b]))
				continue;
			if (b - a > best_len && b - a <= WORD_MAX) {
				best = s->text + a;
				best_len = b - a;
			}
		}
	}
	if (best == NULL)
		return req_none;
	r.w[0] = best;
	r.len[0] = best_len;
	r.n = 1;
	return r;
}

/* Is the field (rule field index or keywords) a piece of the message? */
static bool
field_in_message(const struct sigma_instance *in, size_t field)
{
	if (field == SIGMA_KEYWORDS)
		return true;
	return in->refs[field].header == HDR_NONE || in->refs[field].header == HDR_MESSAGE;
}

static struct req
value_req(const struct sigma_value *v, bool delimited)
{
	struct req r = {.n = 0}, a;
	size_t i;

	if (v->kind != SV_GLOB || v->n_alts == 0)
		return req_none;
	for (i = 0; i < v->n_alts; i++) {
		a = glob_req(&v->alts[i], delimited);
		r = req_union(&r, &a);
	}
	return r;
}

static struct req
item_req(const struct sigma_instance *in, const struct sigma_item *it)
{
	struct req r = {.n = 0}, v;
	size_t i;

	if (!field_in_message(in, it->field))
		return req_none;
	if (it->all)
		r = req_none;
	for (i = 0; i < it->n_values; i++) {
		v = value_req(&it->values[i], true);
		r = it->all ? req_best(&r, &v) : req_union(&r, &v);
	}
	return r;
}

static struct req
selection_req(const struct sigma_instance *in, const struct sigma_selection *sel)
{
	struct req r = {.n = 0}, g, it;
	size_t i, j;

	for (i = 0; i < sel->n_groups; i++) {
		g = req_none;
		for (j = 0; j < sel->groups[i].n_items; j++) {
			it = item_req(in, &sel->groups[i].items[j]);
			g = req_best(&g, &it);
		}
		r = req_union(&r, &g);
	}
	return r;
}

static struct req
cond_req(const struct sigma_instance *in, const struct sigma_cond *c)
{
	struct req r, a, b;
	size_t i;

	switch (c->kind) {
	case SC_AND:
		a = cond_req(in, c->a);
		b = cond_req(in, c->b);
		return req_best(&a, &b);
	case SC_OR:
		a = cond_req(in, c->a);
		b = cond_req(in, c->b);
		return req_union(&a, &b);
	case SC_NOT:
		return req_none;
	case SC_SEL:
	case SC_ONE_OF:
	case SC_ALL_OF:
		r = c->kind == SC_ALL_OF ? req_none : (struct req){.n = 0};
		for (i = 0; i < c->n_sels; i++) {
			a = selection_req(in, &in->rule->sels[c->sels[i]]);
			r = c->kind == SC_ALL_OF ? req_best(&r, &a) : req_union(&r, &a);
		}
		return r;
	}
	return req_none;
}

int
sigma_index_words(struct sigma_instance *in)
{
	struct req r = {.n = 0}, c;
	size_t i, j;

	for (i = 0; i < in->rule->n_conds; i++) {
		c = cond_req(in, in->rule->conds[i]);
		r = req_union(&r, &c);
	}
	if (r.none || r.n == 0)
		return 0;
	if ((in->words = calloc(r.n, sizeof(*in->words))) == NULL)
		return -1;
	for (i = 0; i < r.n; i++) {
		if ((in->words[i] = malloc(r.len[i] + 1)) == NULL)
			return -1;
		for (j = 0; j < r.len[i]; j++)
			in->words[i][j] = (char)lower((unsigned char)r.w[i][j]);
		in->words[i][r.len[i]] = '\0';
		in->n_words++;
	}
	return 0;
}

/* FNV-1a over a lower-cased word. */
static uint64_t
word_hash(const char *w, size_t len)
{
	uint64_t h = 1469598103934665603ULL;
	size_t i;

	for (i = 0; i < len; i++) {
		h ^= lower((unsigned char)w[i]);
		h *= 1099511628211ULL;
	}
	return h;
}

/* The slot of word (lower case), or of the empty slot where it goes. */
static struct sigma_posting *
table_slot(const struct sigma_set *ss, const char *w, size_t len, uint64_t h)
{
	size_t mask = ss->table_size - 1, i = (size_t)h & mask;

	for (;;) {
		struct sigma_posting *p = &ss->table[i];

		if (p->word == NULL)
			return p;
		if (p->hash == h && p->len == len && equal_fold(w, p->word, len))
			return p;
		i = (i + 1) & mask;
	}
}

/* Append instance i to word's posting list. */
static int
table_add(struct sigma_set *ss, const char *word, size_t i)
{
	size_t len = strlen(word);
	uint64_t h = word_hash(word, len);
	struct sigma_posting *p = table_slot(ss, word, len, h);
	size_t *grown;

	if (p->word == NULL) {
		if ((p->word = strdup(word)) == NULL)
			return -1;
		p->len = len;
		p->hash = h;
	}
	if (p->n > 0 && p->insts[p->n - 1] == i)
		return 0; /* a word twice in one instance */
	if (p->n == p->cap) {
		size_t cap = p->cap ? p->cap * 2 : 4;

		if ((grown = realloc(p->insts, cap * sizeof(*grown))) == NULL)
			return -1;
		p->insts = grown;
		p->cap = cap;
	}
	p->insts[p->n++] = i;
	return 0;
}

int
sigma_index_build(struct sigma_set *ss)
{
	size_t words = 0, i, j, size = 16;

	ss->always = calloc(ss->n_shapes > 0 ? ss->n_shapes : 1, sizeof(*ss->always));
	ss->n_always = calloc(ss->n_shapes > 0 ? ss->n_shapes : 1, sizeof(*ss->n_always));
	if (ss->always == NULL || ss->n_always == NULL)
		return -1;
	for (i = 0; i < ss->n_shapes; i++)
		if ((ss->always[i] = calloc(ss->n_insts + 1, sizeof(**ss->always))) == NULL)
			return -1;
	for (i = 0; i < ss->n_insts; i++)
		words += ss->insts[i].n_words;
	while (size < words * 2)
		size *= 2;
	if ((ss->table = calloc(size, sizeof(*ss->table))) == NULL)
		return -1;
	ss->table_size = size;
	for (i = 0; i < ss->n_insts; i++) {
		const struct sigma_instance *in = &ss->insts[i];

		if (in->n_words == 0)
			ss->always[in->shape][ss->n_always[in->shape]++] = i;
		for (j = 0; j < in->n_words; j++)
			if (table_add(ss, in->words[j], i) == -1)
				return -1;
	}
	return 0;
}

void
sigma_index_free(struct sigma_set *ss)
{
	size_t i;

	for (i = 0; ss->table != NULL && i < ss->table_size; i++) {
		free(ss->table[i].word);
		free(ss->table[i].insts);
	}
	free(ss->table);
	for (i = 0; ss->always != NULL && i < ss->n_shapes; i++)
		free(ss->always[i]);
	free(ss->always);
	free(ss->n_always);
}

/* Candidates gathered for one message, deduplicated before they are tried. */
struct cand_list {
	size_t buf[256];
	size_t *v;
	size_t n, cap;
	bool overflow; /* out of memory: try every instance of the shapes */
};

static void
cand_add(struct cand_list *c, size_t i)
{
	size_t *grown;

	if (c->overflow)
		return;
	if (c->n == c->cap) {
		size_t cap = c->cap * 2;

		if (c->v == c->buf) {
			if ((grown = malloc(cap * sizeof(*grown))) != NULL)
				memcpy(grown, c->buf, sizeof(c->buf));
		} else
			grown = realloc(c->v, cap * sizeof(*grown));
		if (grown == NULL) {
			c->overflow = true;
			return;
		}
		c->v = grown;
		c->cap = cap;
	}
	c->v[c->n++] = i;
}

/* Look up one word of the message and gather its instances of the shapes. */
static void
lookup(const struct sigma_set *ss, uint64_t shapes, const char *w, size_t len, struct cand_list *c)
{
	const struct sigma_posting *p;
	size_t i;

	if (len == 0 || len > WORD_MAX)
		return;
	p = table_slot(ss, w, len, word_hash(w, len));
	for (i = 0; p->word != NULL && i < p->n; i++)
		if (shapes & (UINT64_C(1) << ss->insts[p->insts[i]].shape))
			cand_add(c, p->insts[i]);
}

static int
size_cmp(const void *a, const void *b)
{
	size_t x = *(const size_t *)a, y = *(const size_t *)b;

	return x < y ? -1 : x > y;
}

static bool
is_hex(char c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

/* Split msg into words and look each up; true when a "\uXXXX" escape was seen. */
static bool
split(const struct sigma_set *ss, uint64_t shapes, const char *msg, size_t len, struct cand_list *c)
{
	size_t i = 0, start;

	while (i < len) {
		if (msg[i] == '\\' && i + 1 < len) {
			char e = msg[i + 1];

			if (e == 'u' && i + 5 < len && is_hex(msg[i + 2]) && is_hex(msg[i + 3]) &&
			    is_hex(msg[i + 4]) && is_hex(msg[i + 5]))
				return true;
			if (e == 'n' || e == 't' || e == 'r' || e == 'b' || e == 'f') {
				/* also the word after the escape letter */
				for (start = i + 2; i + 2 < len && start < len &&
						    word_char((unsigned char)msg[start]);
				     start++)
					;
				lookup(ss, shapes, msg + i + 2, start - (i + 2), c);
			}
		}
		if (!word_char((unsigned char)msg[i])) {
			i++;
			continue;
		}
		for (start = i; i < len && word_char((unsigned char)msg[i]); i++)
			;
		lookup(ss, shapes, msg + start, i - start, c);
	}
	return false;
}

void
sigma_index_candidates(const struct sigma_set *ss, uint64_t shapes, const char *msg, size_t len,
    void (*f)(size_t inst, void *arg), void *arg)
{
	struct cand_list c = {.n = 0};
	size_t s, i;

	c.v = c.buf;
	c.cap = sizeof(c.buf) / sizeof(c.buf[0]);
	for (s = 0; s < ss->n_shapes; s++)
		if (shapes & (UINT64_C(1) << s))
			for (i = 0; i < ss->n_always[s]; i++)
				f(ss->always[s][i], arg);
	if (ss->table_size == 0)
		return;
	if ((msg != NULL && split(ss, shapes, msg, len, &c)) || c.overflow) {
		/* every instance of the shapes that has words */
		for (i = 0; i < ss->n_insts; i++)
			if ((shapes & (UINT64_C(1) << ss->insts[i].shape)) &&
			    ss->insts[i].n_words > 0)
				f(i, arg);
	} else {
		qsort(c.v, c.n, sizeof(*c.v), size_cmp);
		for (i = 0; i < c.n; i++)
			if (i == 0 || c.v[i] != c.v[i - 1])
				f(c.v[i], arg);
	}
	if (c.v != c.buf)
		free(c.v);
}

/*
 * sigma_index.c: the literal index that keeps thousands of Sigma rules
 * from multiplying the cost of a message.
 *
 * For each compiled rule the loader derives a set of literals one of
 * which must occur in any message the rule matches: a piece of a value
 * between wildcards, for every alternative of an OR, from the most
 * selective part of an AND (a long literal before a short one, one
 * literal before many).  Every literal of every rule goes into one
 * Aho-Corasick automaton; a message is scanned once, in lower case, and
 * only the rules whose literal it holds are evaluated, plus the few that
 * yield none (a "not" alone, a re, a cidr, an exists...).  So the
 * per-message cost grows with the message and with the rules that may
 * match, not with the rule count.
 *
 * What this trusts: an event field's value is a piece of the message
 * (JSON bodies, key=value text, liblognorm's fields), up to JSON's
 * escapes.  So a literal holds no byte that JSON escapes ('"', '\\',
 * control bytes), the scan reads the optional escape "\/" as '/', and a
 * message holding a "\uXXXX" escape (which can hide any letter) is
 * matched against every rule of its shapes: the unindexed cost, never a
 * miss.  Fields of the syslog header are not pieces of the message: a
 * requirement on one is no requirement.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "sigma_impl.h"

#define REQ_MAX 256   /* literals of one requirement; more: no requirement */
#define ROW_MIN 4     /* children from which a state gets a row of 256 */
#define ROW_BYTES 256 /* literal bytes indexed per row allowed (the rows' bound) */

/* A set of literals one of which must occur; none: nothing required. */
struct req {
	const char *lit[REQ_MAX];
	size_t len[REQ_MAX];
	size_t n;
	bool none;
};

/* Can byte c stand in the message as it stands in the field's value? */
static bool
literal_byte(unsigned char c)
{
	return c >= 0x20 && c != 0x7f && c != '"' && c != '\\';
}

/* Into r the union of r and b (either literal will do). */
static void
req_union(struct req *r, const struct req *b)
{
	size_t i;

	if (r->none || b->none || r->n + b->n > REQ_MAX) {
		r->none = true;
		r->n = 0;
		return;
	}
	for (i = 0; i < b->n; i++) {
		r->lit[r->n] = b->lit[i];
		r->len[r->n++] = b->len[i];
	}
}

/*
 * How often a requirement lets a message through, roughly: a literal of
 * one byte is in most messages, one of eight or more in few.
 */
static unsigned long
req_cost(const struct req *r)
{
	unsigned long cost = 0;
	size_t i;

	for (i = 0; i < r->n; i++)
		cost += 1UL << (2 * (r->len[i] >= 8 ? 0 : 8 - r->len[i]));
	return cost;
}

/* Into r the more selective of r and b (both must hold: either will do). */
static void
req_best(struct req *r, const struct req *b)
{
	if (b->none)
		return;
	if (r->none || req_cost(b) < req_cost(r))
		*r = *b;
}

/* The longest run of literal bytes in a glob's segments, outside '?'. */
static void
glob_req(const struct sigma_glob *g, struct req *r)
{
	size_t i, a, b, best_len = 0;
	const char *best = NULL;

	for (i = 0; i < g->n_segs; i++) {
		const struct sigma_segment *s = &g->segs[i];

		for (a = 0; a < s->len; a = b + 1) {
			for (b = a;
			     b < s->len && !s->any[b] && literal_byte((unsigned char)s->text[b]);
			     b++)
				;
			if (b - a > best_len) {
				best = s->text + a;
				best_len = b - a;
			}
		}
	}
	r->n = 0;
	r->none = best == NULL;
	if (best != NULL) {
		r->lit[0] = best;
		r->len[0] = best_len;
		r->n = 1;
	}
}

/* Is the field (rule field index or keywords) a piece of the message? */
static bool
field_in_message(const struct sigma_instance *in, size_t field)
{
	if (field == SIGMA_KEYWORDS)
		return true;
	return in->refs[field].header == HDR_NONE || in->refs[field].header == HDR_MESSAGE;
}

static void
value_req(const struct sigma_value *v, struct req *r)
{
	struct req a;
	size_t i;

	r->n = 0;
	r->none = v->kind != SV_GLOB || v->n_alts == 0;
	for (i = 0; !r->none && i < v->n_alts; i++) {
		glob_req(&v->alts[i], &a);
		req_union(r, &a);
	}
}

static void
item_req(const struct sigma_instance *in, const struct sigma_item *it, struct req *r)
{
	struct req v;
	size_t i;

	r->n = 0;
	r->none = true;
	if (!field_in_message(in, it->field))
		return;
	/* |all: the best of the values; else any value: the union, from nothing */
	r->none = it->all;
	for (i = 0; i < it->n_values; i++) {
		value_req(&it->values[i], &v);
		if (it->all)
			req_best(r, &v);
		else
			req_union(r, &v);
	}
}

/* sigma_require's callbacks: struct req, the literals; "both" keeps the more selective. */
static void
req_itemcb(const struct sigma_instance *in, const struct sigma_item *it, void *r)
{
	item_req(in, it, r);
}

static void
req_nothingcb(void *r)
{
	struct req *q = r;

	q->n = 0;
	q->none = true;
}

static void
req_impossiblecb(void *r)
{
	struct req *q = r;

	q->n = 0;
	q->none = false;
}

static void
req_bothcb(void *r, const void *b)
{
	req_best(r, b);
}

static void
req_eithercb(void *r, const void *b)
{
	req_union(r, b);
}

static const struct sigma_require_ops req_ops = {
    sizeof(struct req), req_itemcb, req_nothingcb, req_impossiblecb, req_bothcb, req_eithercb};

int
sigma_index_literals(struct sigma_instance *in)
{
	struct req *r = malloc(sizeof(*r));
	size_t i, j;
	int rc = -1;

	if (r == NULL)
		goto done;
	rc = 0;
	/* out of memory in the walk: nothing required, correct, only slower */
	if (sigma_require(in, &req_ops, r) == -1 || r->none || r->n == 0)
		goto done;
	rc = -1;
	if ((in->literals = calloc(r->n, sizeof(*in->literals))) == NULL)
		goto done;
	for (i = 0; i < r->n; i++) {
		if ((in->literals[i] = malloc(r->len[i] + 1)) == NULL)
			goto done;
		for (j = 0; j < r->len[i]; j++)
			in->literals[i][j] = (char)lower((unsigned char)r->lit[i][j]);
		in->literals[i][r->len[i]] = '\0';
		in->n_literals++;
	}
	rc = 0;
done:
	free(r);
	return rc;
}

/* The child of state s by byte c; 0 none. */
static uint32_t
node_child(const struct sigma_set *ss, uint32_t s, unsigned char c)
{
	uint32_t t;

	if (s == 0)
		return ss->root_next[c];
	if (ss->nodes[s].row != 0)
		return ss->rows[ss->nodes[s].row - 1][c];
	for (t = ss->nodes[s].child; t != 0; t = ss->nodes[t].sibling)
		if (ss->nodes[t].c == c)
			return t;
	return 0;
}

/* A new child of s by byte c; 0 out of memory. */
static uint32_t
node_add(struct sigma_set *ss, uint32_t s, unsigned char c)
{
	struct sigma_node *grown;
	uint32_t t;

	if (ss->n_nodes == ss->cap_nodes) {
		size_t cap = ss->cap_nodes * 2;

		if ((grown = realloc(ss->nodes, cap * sizeof(*grown))) == NULL)
			return 0;
		ss->nodes = grown;
		ss->cap_nodes = cap;
	}
	t = (uint32_t)ss->n_nodes++;
	memset(&ss->nodes[t], 0, sizeof(ss->nodes[t]));
	ss->nodes[t].c = c;
	ss->nodes[t].sibling = ss->nodes[s].child;
	ss->nodes[s].child = t;
	if (s == 0)
		ss->root_next[c] = t;
	return t;
}

int
sigma_output_add(struct sigma_output *o, size_t inst)
{
	size_t *grown;

	if (o->n > 0 && o->insts[o->n - 1] == inst)
		return 0; /* a literal (or value) twice in one instance */
	if (o->n == o->cap) {
		size_t cap = o->cap ? o->cap * 2 : 4;

		if ((grown = realloc(o->insts, cap * sizeof(*grown))) == NULL)
			return -1;
		o->insts = grown;
		o->cap = cap;
	}
	o->insts[o->n++] = inst;
	return 0;
}

/* Instance i on the output of literal lit (lower case); -1 out of memory. */
static int
literal_add(struct sigma_set *ss, const char *lit, size_t i)
{
	const unsigned char *p;
	struct sigma_output *o;
	uint32_t s = 0, t;

	for (p = (const unsigned char *)lit; *p != '\0'; p++, s = t)
		if ((t = node_child(ss, s, *p)) == 0 && (t = node_add(ss, s, *p)) == 0)
			return -1;
	if (ss->nodes[s].out == 0) {
		if (ss->n_outs == ss->cap_outs) {
			size_t cap = ss->cap_outs ? ss->cap_outs * 2 : 64;

			if ((o = realloc(ss->outs, cap * sizeof(*o))) == NULL)
				return -1;
			ss->outs = o;
			ss->cap_outs = cap;
		}
		memset(&ss->outs[ss->n_outs], 0, sizeof(*o));
		ss->nodes[s].out = (uint32_t)++ss->n_outs;
	}
	return sigma_output_add(&ss->outs[ss->nodes[s].out - 1], i);
}

/*
 * Rows of 256 for the states with ROW_MIN children or more, shallow ones
 * first (the trie's order is breadth first enough: a parent precedes its
 * children), at most one per ROW_BYTES literal bytes the index may hold;
 * past that, sibling lists.  A scan is mostly such states' lookups.
 */
static int
rows_build(struct sigma_set *ss, size_t max_bytes)
{
	size_t i, n, max_rows = max_bytes / ROW_BYTES;
	uint32_t t;

	for (i = 1; i < ss->n_nodes && ss->n_rows < max_rows; i++) {
		for (n = 0, t = ss->nodes[i].child; t != 0; t = ss->nodes[t].sibling)
			n++;
		if (n < ROW_MIN)
			continue;
		if ((ss->n_rows & (ss->n_rows - 1)) == 0) {
			void *grown = realloc(
			    ss->rows, (ss->n_rows ? 2 * ss->n_rows : 1) * sizeof(*ss->rows));

			if (grown == NULL)
				return -1;
			ss->rows = grown;
		}
		memset(ss->rows[ss->n_rows], 0, sizeof(ss->rows[ss->n_rows]));
		for (t = ss->nodes[i].child; t != 0; t = ss->nodes[t].sibling)
			ss->rows[ss->n_rows][ss->nodes[t].c] = t;
		ss->nodes[i].row = (uint32_t)++ss->n_rows;
	}
	return 0;
}

/* Fail and dictionary links, breadth first (Aho and Corasick 1975, algorithm 3). */
static int
links_build(struct sigma_set *ss)
{
	uint32_t *queue = malloc(ss->n_nodes * sizeof(*queue)), s, t, f;
	size_t head = 0, tail = 0;

	if (queue == NULL)
		return -1;
	for (t = ss->nodes[0].child; t != 0; t = ss->nodes[t].sibling)
		queue[tail++] = t; /* depth one: fail to the root */
	while (head < tail) {
		s = queue[head++];
		for (t = ss->nodes[s].child; t != 0; t = ss->nodes[t].sibling) {
			queue[tail++] = t;
			for (f = ss->nodes[s].fail;
			     f != 0 && node_child(ss, f, ss->nodes[t].c) == 0;
			     f = ss->nodes[f].fail)
				;
			f = node_child(ss, f, ss->nodes[t].c);
			ss->nodes[t].fail = f != t ? f : 0;
			f = ss->nodes[t].fail;
			ss->nodes[t].dict = ss->nodes[f].out != 0 ? f : ss->nodes[f].dict;
		}
	}
	free(queue);
	return 0;
}

int
sigma_index_build(struct sigma_set *ss, size_t max_bytes)
{
	size_t i, j, bytes;

	ss->always = calloc(ss->n_shapes > 0 ? ss->n_shapes : 1, sizeof(*ss->always));
	ss->n_always = calloc(ss->n_shapes > 0 ? ss->n_shapes : 1, sizeof(*ss->n_always));
	if (ss->always == NULL || ss->n_always == NULL)
		return -1;
	for (i = 0; i < ss->n_shapes; i++)
		if ((ss->always[i] = calloc(ss->n_insts + 1, sizeof(**ss->always))) == NULL)
			return -1;
	ss->cap_nodes = 64;
	if ((ss->nodes = calloc(ss->cap_nodes, sizeof(*ss->nodes))) == NULL)
		return -1;
	ss->n_nodes = 1; /* the root */
	if (sigma_key_build(ss) == -1)
		return -1;
	for (i = 0; i < ss->n_insts; i++) {
		const struct sigma_instance *in = &ss->insts[i];

		if (in->key_field != SIZE_MAX)
			continue; /* found by its (field, value) */

		for (bytes = 0, j = 0; j < in->n_literals; j++)
			bytes += strlen(in->literals[j]);
		/* the bound: past it, an instance is tried on every message of its shape */
		if (in->n_literals == 0 || bytes > max_bytes - ss->index_bytes) {
			ss->always[in->shape][ss->n_always[in->shape]++] = i;
			continue;
		}
		ss->index_bytes += bytes;
		for (j = 0; j < in->n_literals; j++)
			if (literal_add(ss, in->literals[j], i) == -1)
				return -1;
	}
	if (rows_build(ss, max_bytes) == -1)
		return -1;
	return links_build(ss);
}

void
sigma_index_free(struct sigma_set *ss)
{
	size_t i;

	sigma_key_free(ss);
	for (i = 0; ss->outs != NULL && i < ss->n_outs; i++)
		free(ss->outs[i].insts);
	free(ss->outs);
	free(ss->nodes);
	free(ss->rows);
	for (i = 0; ss->always != NULL && i < ss->n_shapes; i++)
		free(ss->always[i]);
	free(ss->always);
	free(ss->n_always);
	ss->outs = NULL;
	ss->nodes = NULL;
	ss->rows = NULL;
	ss->always = NULL;
	ss->n_always = NULL;
	ss->n_rows = ss->n_outs = ss->cap_outs = ss->n_nodes = ss->cap_nodes = ss->index_bytes = 0;
	memset(ss->root_next, 0, sizeof(ss->root_next));
}

/* A list of indexes gathered for one message: a buffer first, the heap past it. */
struct idx_list {
	size_t buf[256];
	size_t *v;
	size_t n, cap;
	bool overflow; /* out of memory: the caller falls back to trying all */
};

static void
idx_init(struct idx_list *c)
{
	c->v = c->buf;
	c->n = 0;
	c->cap = sizeof(c->buf) / sizeof(c->buf[0]);
	c->overflow = false;
}

static void
idx_add(struct idx_list *c, size_t i)
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

static bool
is_hex(char c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

/* The state of one scan: which literals were seen, once each. */
struct scan {
	unsigned char *seen; /* a bit per output */
	struct idx_list outs;
};

/* Record the literals that end at state s (its dictionary chain), each once. */
static void
scan_outputs(const struct sigma_set *ss, struct scan *sc, uint32_t s)
{
	uint32_t o = ss->nodes[s].out != 0 ? s : ss->nodes[s].dict;

	for (; o != 0; o = ss->nodes[o].dict) {
		size_t k = ss->nodes[o].out - 1;

		if (sc->seen[k / 8] & (1u << (k % 8)))
			return; /* and the rest of its chain with it */
		sc->seen[k / 8] |= (unsigned char)(1u << (k % 8));
		idx_add(&sc->outs, k);
	}
}

/* Run the automaton over msg in lower case; true when a "\uXXXX" escape was seen. */
static bool
scan_message(const struct sigma_set *ss, struct scan *sc, const char *msg, size_t len)
{
	uint32_t s = 0, t;
	size_t i;

	for (i = 0; i < len; i++) {
		unsigned char c = lower((unsigned char)msg[i]);

		if (c == '\\' && i + 1 < len) {
			if (msg[i + 1] == 'u' && i + 5 < len && is_hex(msg[i + 2]) &&
			    is_hex(msg[i + 3]) && is_hex(msg[i + 4]) && is_hex(msg[i + 5]))
				return true;
			if (msg[i + 1] == '/')
				continue; /* JSON's "\/" is '/' in the field */
		}
		while (s != 0 && (t = node_child(ss, s, c)) == 0)
			s = ss->nodes[s].fail;
		s = node_child(ss, s, c);
		if (s != 0)
			scan_outputs(ss, sc, s);
	}
	return false;
}

static int
size_cmp(const void *a, const void *b)
{
	size_t x = *(const size_t *)a, y = *(const size_t *)b;

	return x < y ? -1 : x > y;
}

/* Every instance of the shapes, with or without literals. */
static void
all_of_shapes(const struct sigma_set *ss, uint64_t shapes, void (*f)(size_t, void *), void *arg)
{
	size_t i;

	for (i = 0; i < ss->n_insts; i++)
		if (shapes & (UINT64_C(1) << ss->insts[i].shape))
			f(i, arg);
}

/* sigma_key_candidates' callback: into the list. */
static void
keyedcb(size_t inst, void *arg)
{
	idx_add(arg, inst);
}

void
sigma_index_candidates(const struct sigma_set *ss, uint64_t shapes, const struct detect_event *ev,
    void (*f)(size_t inst, void *arg), void *arg)
{
	const char *msg = ev->msg->msg.p;
	size_t len = ev->msg->msg.len;
	unsigned char seen[1024];
	struct scan sc; /* not zeroed whole: its buffer is written before it is read */
	struct idx_list c;
	size_t s, i, j, bytes = (ss->n_outs + 7) / 8;

	if (ss->nodes == NULL) {
		all_of_shapes(ss, shapes, f, arg);
		return;
	}
	sc.seen = seen;
	if (bytes > sizeof(seen) && (sc.seen = calloc(bytes, 1)) == NULL) {
		all_of_shapes(ss, shapes, f, arg);
		return;
	}
	if (sc.seen == seen)
		memset(seen, 0, bytes);
	idx_init(&sc.outs);
	idx_init(&c);
	for (s = 0; s < ss->n_shapes; s++)
		if (shapes & (UINT64_C(1) << s))
			for (i = 0; i < ss->n_always[s]; i++)
				idx_add(&c, ss->always[s][i]);
	sigma_key_candidates(ss, shapes, ev, keyedcb, &c);
	if ((msg != NULL && scan_message(ss, &sc, msg, len)) || sc.outs.overflow) {
		c.overflow = true; /* every instance of the shapes */
	} else {
		for (i = 0; i < sc.outs.n; i++) {
			const struct sigma_output *o = &ss->outs[sc.outs.v[i]];

			for (j = 0; j < o->n; j++)
				if (shapes & (UINT64_C(1) << ss->insts[o->insts[j]].shape))
					idx_add(&c, o->insts[j]);
		}
	}
	if (c.overflow)
		all_of_shapes(ss, shapes, f, arg);
	else {
		qsort(c.v, c.n, sizeof(*c.v), size_cmp);
		for (i = 0; i < c.n; i++)
			if (i == 0 || c.v[i] != c.v[i - 1])
				f(c.v[i], arg);
	}
	if (c.v != c.buf)
		free(c.v);
	if (sc.outs.v != sc.outs.buf)
		free(sc.outs.v);
	if (sc.seen != seen)
		free(sc.seen);
}

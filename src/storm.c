/*
 * storm.c: the storm control table (storm.h): a fixed array of windows,
 * chained in hash buckets, free ones on a free list.  Nothing grows after
 * storm_new.
 */
#include "config.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "storm.h"

struct storm {
	struct storm_window *windows;  /* owned: max_keys */
	int32_t *buckets;              /* owned: n_buckets heads, -1 empty */
	size_t n_buckets;              /* a power of two */
	size_t max_keys;
	size_t used;
	int32_t free_head;
};

/*
 * FNV-1a.  Keys come from the network, so a sender could aim them at one
 * bucket; the chain is still bounded by max_keys, which bounds the work.
 */
static uint64_t
storm_hash(const char *key, size_t len)
{
	uint64_t h = 14695981039346656037ULL;
	size_t i;

	for (i = 0; i < len; i++) {
		h ^= (unsigned char)key[i];
		h *= 1099511628211ULL;
	}
	return h;
}

struct storm *
storm_new(size_t max_keys)
{
	struct storm *s;
	size_t i;

	if (max_keys == 0 || max_keys > INT32_MAX / 2 || (s = calloc(1, sizeof(*s))) == NULL)
		return NULL;
	for (s->n_buckets = 16; s->n_buckets < max_keys; s->n_buckets *= 2)
		;
	s->max_keys = max_keys;
	s->windows = calloc(max_keys, sizeof(*s->windows));
	s->buckets = malloc(s->n_buckets * sizeof(*s->buckets));
	if (s->windows == NULL || s->buckets == NULL) {
		storm_free(s);
		return NULL;
	}
	for (i = 0; i < s->n_buckets; i++)
		s->buckets[i] = -1;
	for (i = 0; i < max_keys; i++)
		s->windows[i].next = i + 1 < max_keys ? (int32_t)(i + 1) : -1;
	s->free_head = 0;
	return s;
}

void
storm_free(struct storm *s)
{
	size_t i;

	if (s == NULL)
		return;
	for (i = 0; s->windows != NULL && i < s->max_keys; i++)
		free(s->windows[i].key);
	free(s->windows);
	free(s->buckets);
	free(s);
}

/* Copy a timestamp, cut to fit; "" for NULL. */
static void
storm_set_time(char dst[STORM_TIME_MAX], const char *ts)
{
	size_t n = ts != NULL ? strnlen(ts, STORM_TIME_MAX - 1) : 0;

	memcpy(dst, ts != NULL ? ts : "", n);
	dst[n] = '\0';
}

enum storm_verdict
storm_offer(struct storm *s, const char *key, size_t keylen, const char *timestamp,
    int severity, int64_t now_ms, int64_t window_ms, struct storm_window **w)
{
	size_t b;
	int32_t i;
	struct storm_window *nw;

	*w = NULL;
	if (keylen > STORM_KEY_MAX)
		return STORM_OVERFLOW;
	b = (size_t)(storm_hash(key, keylen) & (s->n_buckets - 1));
	for (i = s->buckets[b]; i != -1; i = s->windows[i].next) {
		struct storm_window *cur = &s->windows[i];

		/* past closes_ms but not yet expired: still folds (one summary a window) */
		if (cur->keylen != keylen || memcmp(cur->key, key, keylen) != 0)
			continue;
		*w = cur;
		/* a worse alert than the window has shown goes out now (issue 13 point 4) */
		if (severity > cur->severity) {
			cur->raised_from = cur->severity;
			cur->severity = severity;
			return STORM_SEVERER;
		}
		/*
		 * Workers may hand alerts over out of order: keep the earliest and
		 * latest (RFC 3339 UTC strings of one shape sort by time).
		 */
		if (cur->folded == 0 || (timestamp != NULL && strcmp(timestamp, cur->first) < 0))
			storm_set_time(cur->first, timestamp);
		if (cur->folded == 0 || (timestamp != NULL && strcmp(timestamp, cur->last) > 0))
			storm_set_time(cur->last, timestamp);
		cur->folded++;
		return STORM_FOLD;
	}
	if (s->free_head == -1)
		return STORM_OVERFLOW;
	nw = &s->windows[s->free_head];
	if ((nw->key = malloc(keylen + 1)) == NULL)
		return STORM_OVERFLOW;
	s->free_head = nw->next;
	memcpy(nw->key, key, keylen);
	nw->key[keylen] = '\0';
	nw->keylen = keylen;
	nw->closes_ms = now_ms + window_ms;
	nw->severity = severity;
	nw->folded = 0;
	nw->first[0] = nw->last[0] = '\0';
	nw->summary_seq = 0;
	nw->has_summary = false;
	nw->next = s->buckets[b];
	s->buckets[b] = (int32_t)(nw - s->windows);
	s->used++;
	*w = nw;
	return STORM_FIRST;
}

size_t
storm_expire(struct storm *s, int64_t now_ms, void (*closed)(void *, struct storm_window *),
    void *arg)
{
	size_t b, n = 0;

	if (s->used == 0)
		return 0;
	for (b = 0; b < s->n_buckets; b++) {
		int32_t *link = &s->buckets[b];

		while (*link != -1) {
			struct storm_window *cur = &s->windows[*link];
			int32_t idx = *link;

			if (cur->closes_ms > now_ms) {
				link = &cur->next;
				continue;
			}
			closed(arg, cur);
			*link = cur->next;
			free(cur->key);
			cur->key = NULL;
			cur->next = s->free_head;
			s->free_head = idx;
			s->used--;
			n++;
		}
	}
	return n;
}

/* Unlink window idx from its bucket and put it on the free list. */
static void
storm_remove(struct storm *s, int32_t idx)
{
	struct storm_window *w = &s->windows[idx];
	int32_t *link = &s->buckets[storm_hash(w->key, w->keylen) & (s->n_buckets - 1)];

	while (*link != -1 && *link != idx)
		link = &s->windows[*link].next;
	if (*link == idx)
		*link = w->next;
	free(w->key);
	w->key = NULL;
	w->next = s->free_head;
	s->free_head = idx;
	s->used--;
}

void
storm_undo(struct storm *s, struct storm_window *w, enum storm_verdict v)
{
	if (w == NULL)
		return;
	if (v == STORM_FIRST)
		storm_remove(s, (int32_t)(w - s->windows));
	else if (v == STORM_SEVERER)
		w->severity = w->raised_from;
}

size_t
storm_count(const struct storm *s)
{
	return s->used;
}

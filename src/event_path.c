/*
 * event_path.c: an event's dotted keys written as nested JSON objects
 * (event_path.h): "user.target.name" opens "user" and "target" once for
 * all their leaves, with a stack of open path segments.
 */
#include "config.h"

#include <string.h>

#include "event_path.h"

/* A key segment: ours need no escaping. */
static void
event_write_key(struct json_writer *w, const struct field *f, size_t pos, size_t len)
{
	if (f->trusted)
		json_key_ascii(w, f->key + pos, len);
	else
		json_key(w, f->key + pos, len);
}

void
event_path_move(struct json_writer *w, struct path_state *ps, const struct field *f)
{
	const char *key = f->key;
	size_t dir = f->dir, n, c, pos, e;
	int segs = 0;

	/* open segments this key shares: same bytes, and a boundary */
	if (ps->open_segs > 0 && ps->open_end[ps->open_segs - 1] == dir &&
	    memcmp(ps->open, key, dir) == 0)
		segs = ps->open_segs; /* a sibling of the last key: the usual case */
	else if (ps->open_segs > 0) {
		n = ps->open_end[ps->open_segs - 1] < dir ? ps->open_end[ps->open_segs - 1] : dir;
		for (c = 0; c < n && ps->open[c] == key[c]; c++)
			;
		while (segs < ps->open_segs && ps->open_end[segs] <= c &&
		    (ps->open_end[segs] == dir || key[ps->open_end[segs]] == '.'))
			segs++;
	}
	for (; ps->open_segs > segs; ps->open_segs--)
		json_object_end(w);

	/* open the rest of this key's directory */
	pos = segs > 0 ? ps->open_end[segs - 1] + 1 : 0;
	while (pos < dir) {
		for (e = pos; e < dir && key[e] != '.'; e++)
			;
		event_write_key(w, f, pos, e - pos);
		json_object_begin(w);
		ps->open_end[ps->open_segs++] = e;
		pos = e + 1;
	}
	ps->open = key;

	pos = dir > 0 ? dir + 1 : 0;
	event_write_key(w, f, pos, f->key_len - pos);
}

void
event_path_close(struct json_writer *w, struct path_state *ps)
{
	for (; ps->open_segs > 0; ps->open_segs--)
		json_object_end(w);
}

/* The field of header key k, without a value: all a move needs. */
static void
header_field(struct field *f, const struct field_key *keys, int k)
{
	memset(f, 0, sizeof(*f));
	f->key = keys[k].key;
	f->key_len = keys[k].len;
	f->dir = keys[k].dir;
	f->trusted = true;
	f->hk = k;
}

/* Render the move from a to b (a < b) into all; 0 or -1 (out of memory). */
static int
header_move_render(struct header_moves *hm, struct strbuf *all, const struct field_key *keys,
    int n, int a, int b)
{
	struct strbuf sb;
	struct json_writer w;
	struct path_state ps = { 0 };
	struct field fa, fb;
	size_t mark;
	int rc = 0;

	strbuf_init(&sb);
	json_writer_init(&w, &sb);
	json_object_begin(&w);
	if (a < n) {
		header_field(&fa, keys, a);
		event_path_move(&w, &ps, &fa);
		json_int(&w, 0);
	}
	mark = sb.len;
	if (b < n) {
		header_field(&fb, keys, b);
		event_path_move(&w, &ps, &fb);
		hm->after[b] = ps;
		hm->depth[b] = w.depth;
	} else
		event_path_close(&w, &ps);
	if (w.failed || sb.len - mark > UINT16_MAX)
		rc = -1;
	else {
		hm->off[a][b] = (uint32_t)all->len;
		hm->len[a][b] = (uint16_t)(sb.len - mark);
		rc = strbuf_append(all, sb.data + mark, sb.len - mark);
	}
	strbuf_free(&sb);
	return rc;
}

void
event_path_moves_render(struct header_moves *hm, const struct field_key *keys, int n)
{
	struct strbuf all;
	int a, b;

	strbuf_init(&all);
	for (a = 0; a <= n; a++)
		for (b = a == n ? 0 : a + 1; b <= n; b++)
			if (!(a == n && b == n) &&
			    header_move_render(hm, &all, keys, n, a, b) == -1) {
				strbuf_free(&all);
				return;
			}
	hm->text = all.data; /* kept for the life of the process */
	hm->ready = true;
}

/*
 * event_path.h: an event's dotted keys ("log.syslog.appname") written as
 * nested JSON objects; event.c's only.
 *
 * event.c writes its fields sorted by its event_key_cmp ('.' below every
 * other byte), so every key under one path is adjacent: between two
 * fields event_path_move closes the objects the next key does not share,
 * opens the rest of its path and writes its leaf name.  Most of an event is header fields in a fixed
 * order, so the moves between header keys are rendered once by
 * event_path_moves_render and then copied (json_splice).
 */
#ifndef LOGWARD_EVENT_PATH_H
#define LOGWARD_EVENT_PATH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "json_writer.h"
#include "parse.h"

struct json_object;

/* Bounds on what liblognorm and the sender control (see event.h). */
#define EVENT_HEADER_MAX       32
#define EVENT_KEY_MAX_SEGMENTS 16

enum field_kind {
	FIELD_STRING,
	FIELD_ASCII,  /* a string the program spells itself: no escaping pass */
	FIELD_INT,
	FIELD_FJSON,
	FIELD_FJSON_ARRAY,  /* a liblognorm string written as [string] */
	FIELD_FJSON_NUMBER, /* a liblognorm string of digits written as a number */
	FIELD_SD,
	FIELD_TAGS,
};

/* One (dotted key, value) pair of an event; points into the caller's data. */
struct field {
	const char *key;
	size_t key_len;
	size_t dir;   /* length of the path before the leaf name; 0: top level */
	bool trusted; /* key is ours: plain ASCII, no escaping needed */
	int hk;       /* its enum header_key, or -1 (liblognorm's) */
	enum field_kind kind;
	union {
		struct slice str;
		int64_t num;
		struct json_object *fjson;
	} v;
};

/*
 * A header key, split at compile time: KEY2("log.syslog", "appname") is
 * "log.syslog.appname" with its directory length, so no scanning per event.
 */
struct field_key {
	const char *key;
	size_t len;
	size_t dir;
};
#define KEY1(leaf) { leaf, sizeof(leaf) - 1, 0 }
#define KEY2(dir, leaf) { dir "." leaf, sizeof(dir "." leaf) - 1, sizeof(dir) - 1 }

/*
 * Where the writer stands in the key paths: the directory part of the last
 * key (open points into that field's key, which must outlive the state),
 * with the end offset of each of its segments open as objects.
 */
struct path_state {
	const char *open;
	size_t open_end[EVENT_KEY_MAX_SEGMENTS];
	int open_segs;
};

/*
 * Move from the last key written to f: close the objects f does not
 * share, open the rest of its directory, write its leaf name.  f's key
 * has at most EVENT_KEY_MAX_SEGMENTS segments.
 */
void event_path_move(struct json_writer *w, struct path_state *ps, const struct field *f);

/* Close every object ps has open: the fields are all written. */
void event_path_close(struct json_writer *w, struct path_state *ps);

/*
 * The moves between the n header keys of a table, rendered once by
 * event_path_move itself: the move from a to b is the text from the end of
 * a's value to b's name (n as a: the top object just opened; as b: every
 * directory closed), and after[b] the path state it leaves.
 */
struct header_moves {
	char *text; /* owned, all moves back to back; kept for the process */
	uint32_t off[EVENT_HEADER_MAX + 1][EVENT_HEADER_MAX + 1];
	uint16_t len[EVENT_HEADER_MAX + 1][EVENT_HEADER_MAX + 1];
	struct path_state after[EVENT_HEADER_MAX]; /* its open points into keys */
	int depth[EVENT_HEADER_MAX];               /* writer depth after the name */
	bool ready;
};

/*
 * Render into hm every move between keys[0..n) (n <= EVENT_HEADER_MAX,
 * in event.c's key order; keys must live as long as hm).  hm is left not
 * ready, so unused, when out of memory.
 */
void event_path_moves_render(struct header_moves *hm, const struct field_key *keys, int n);

#endif

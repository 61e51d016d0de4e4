/*
 * replay.h: what a webhook's spool has taken from the alerts file, so
 * that every alert in the alerts file reaches every spool: after a
 * SIGKILL between the alerts file and the hand-over to delivery, and
 * after alerts a full spool disk refused (issue 13 points 3 and 5).
 *
 * Per webhook, in the spool directory:
 *   NAME.mark   the high-water mark, one line
 *               "logward-mark 1 DEV INO OFFSET PATH": every alert line of
 *               the alerts file PATH (device DEV, inode INO) before OFFSET
 *               has been taken.  Written to NAME.mark.tmp, fsync'd, renamed.
 *   NAME.taken  the alert lines taken since the mark, 16 bytes each: the
 *               first half of the SHA-256 of the line (without LF).
 *
 * The workers hand alert lines over in their own order, not the file's,
 * so the mark cannot follow the hand-overs; instead a replay pass reads
 * the alerts file from the mark and offers every line whose hash was not
 * taken, then moves the mark to the end and empties NAME.taken.  Two
 * identical alert lines are one alert to this scheme (they also carry the
 * same event.created to the microsecond).
 *
 * A taken set is used by one thread (the delivery loop).
 */
#ifndef LOGWARD_REPLAY_H
#define LOGWARD_REPLAY_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#define REPLAY_HASH_LEN 16
/* Entries a taken set holds at most (16 B on disk, 32 B of table each). */
#define REPLAY_TAKEN_MAX 262144
/* An alert line longer than this is damaged (alerts come from bounded frames). */
#define REPLAY_LINE_MAX (16u * 1024 * 1024)

struct replay_mark {
	char path[PATH_MAX];
	uint64_t dev, ino, offset;
};

struct taken;

/*
 * Open (creating, 0600) dir/name.taken and load it.  NULL with err set.
 * Caller frees with taken_close.
 */
struct taken *taken_open(const char *dir, const char *name, char *err, size_t errlen);
void taken_close(struct taken *t);	/* NULL is fine */

bool taken_has(const struct taken *t, const unsigned char h[REPLAY_HASH_LEN]);

/*
 * Remember h, in memory and in the file (not fsync'd: losing it means
 * one more delivery after a restart).  -1: the set is full, out of
 * memory, or the file cannot be written (logged once a streak); the line
 * may be delivered again after a restart.
 */
int taken_add(struct taken *t, const unsigned char h[REPLAY_HASH_LEN]);

/* Empty the set and the file but for keep[0..n).  -1 when not written (logged). */
int taken_reset(struct taken *t, const unsigned char *keep, size_t n);

size_t taken_count(const struct taken *t);

/* The first REPLAY_HASH_LEN bytes of SHA-256(line). */
void replay_hash(const char *line, size_t len, unsigned char h[REPLAY_HASH_LEN]);

/* Load dir/name.mark.  1: there is none; 0: *m set; -1: damaged, with err set. */
int replay_mark_load(const char *dir, const char *name, struct replay_mark *m, char *err,
    size_t errlen);

/* Write dir/name.mark durably (tmp, fsync, rename, fsync of dir).  -1 logged. */
int replay_mark_store(const char *dir, const char *name, const struct replay_mark *m);

/* The file the alerts file template names at now.  -1 when it does not expand. */
int replay_current_path(const char *template, time_t now, char *buf, size_t size);

/* Offer one alert line (no LF): 0 taken (or already), -1 refused: stop there. */
typedef int (*replay_line_fn)(void *arg, const char *line, size_t len);

struct replay_result {
	struct replay_mark end;   /* complete: the new mark, at the end */
	bool complete;            /* every line up to end was taken */
	struct replay_mark stop;  /* not complete: the line refused, everything before taken */
	bool stopped;             /* stop is set (else the pass failed before any file) */
	uint64_t lines;           /* whole lines read */
	uint64_t damaged;         /* lines skipped: not a JSON object, too long, torn */
	bool lost_file;           /* the mark's file was rotated away: its tail not replayed */
};

/*
 * Read the alerts file from mark (when has_mark; else only find the end
 * of the current file) and call fn for each whole line, streaming: memory
 * is bounded by the longest line.  Rotation: when the current file is not
 * the mark's, the mark's file is read to its end if it is still at its
 * path with its inode, then the current file from its beginning (its lines
 * taken already are in the taken set); a mark's file that is gone is
 * reported (lost_file).  A current file shorter than the mark (cut by
 * copytruncate) is read from its beginning.  Damaged lines are reported
 * with file:offset (the first of a pass) and skipped.  A line fn refuses
 * ends the pass: stop says where it is, a mark for the next pass.
 * Returns 0, or -1 when the current file cannot be read (logged).
 */
int replay_alerts(const char *template, time_t now, const struct replay_mark *mark,
    bool has_mark, replay_line_fn fn, void *arg, struct replay_result *res);

#endif

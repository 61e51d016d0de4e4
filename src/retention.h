/*
 * retention.h: the archive's days kept for keep_days and compressed once
 * closed (archive { keep_days = N  compress = zstd }), by a thread of its
 * own, so that neither intake nor the workers ever wait for it.
 *
 * The archive template's file name is dated ("events-%Y%m%d.jsonl"); the
 * files in its directory whose names the template could have produced are
 * the archive's.  A pass, at start, hourly and on retention_kick:
 *   - removes every archive file (compressed or not) last written more
 *     than keep_days days ago (keep_days 0: none);
 *   - compresses each other closed day (a name other than the current
 *     one, not written for a minute): into NAME.zst.tmp, fsync, rename to
 *     NAME.zst, fsync the directory, then unlink NAME.  A crash at any
 *     point leaves NAME whole, or NAME.zst whole, or both whole; the next
 *     pass removes a leftover .tmp and compresses again, or removes NAME
 *     next to its complete NAME.zst.  Never neither.
 * A failure (disk full...) removes the .tmp and leaves NAME as it was; it is
 * logged once with the path and errno, counted, and logged again once an
 * operation of the same kind works again.
 */
#ifndef LOGWARD_RETENTION_H
#define LOGWARD_RETENTION_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "compress.h"

/* The most keep_days may say (100 years). */
#define RETENTION_MAX_KEEP_DAYS 36500
/* A closed day is compressed once it has not been written for this long. */
#define RETENTION_QUIET_SECONDS 60

enum retention_op {
	RETENTION_COMPRESS,
	RETENTION_REMOVE,
	RETENTION_N_OPS,
};

/* "compress", "remove": the op label of logward_archive_retention_errors_total. */
const char *retention_op_name(enum retention_op op);

/* What the passes did since start; read with relaxed atomics. */
struct retention_stats {
	uint64_t compressed;		  /* files compressed */
	uint64_t removed;		  /* files removed by age */
	uint64_t errors[RETENTION_N_OPS]; /* failed operations */
};

/*
 * The template's file name must hold a date the matcher knows (%Y %y %m %d
 * %j %H %M %S %F %%, nothing else) and its directory none at all.  Returns
 * 0, or -1 with what is wrong in err.
 */
int retention_check_template(const char *path_template, char *err, size_t errlen);

struct retention;

/*
 * Retention of the archive path_template (copied), with files kept
 * keep_days days (0: forever) and closed days compressed as format
 * (COMPRESS_NONE: never).  No thread yet.  Returns NULL with err set.
 * Caller frees with retention_free.
 */
struct retention *retention_new(const char *path_template, unsigned keep_days,
    enum compress_format format, char *err, size_t errlen);

/* Start the thread; its first pass runs at once.  -1 with err set. */
int retention_start(struct retention *r, char *err, size_t errlen);

/* Run a pass soon (SIGUSR1, after logrotate).  Safe from any thread. */
void retention_kick(struct retention *r);

/* One pass now, in the caller's thread, as if the time were now.  For tests. */
void retention_pass(struct retention *r, time_t now);

/* Whether r does what these settings say (a reload keeps it then). */
bool retention_same(const struct retention *r, const char *path_template, unsigned keep_days,
    enum compress_format format);

void retention_get_stats(const struct retention *r, struct retention_stats *st);

/* Count what st says as done by r too: a reload's new retention carries the old one's counters. */
void retention_add_stats(struct retention *r, const struct retention_stats *st);

/* Stop the thread (a compression in progress is abandoned, its .tmp removed) and free. */
void retention_free(struct retention *r); /* NULL is fine */

#endif

/*
 * archive.h: the event archive, JSON lines in files named by a strftime
 * template ("/var/log/logward/events-%Y%m%d.jsonl": one file a day).
 *
 * Writers hand in whole lines in batches; archive_write is thread-safe and
 * each call's bytes land contiguously (O_APPEND, one lock).  The file name
 * is re-evaluated from the current local time on every write, so a new day
 * opens a new file.  archive_reopen makes the next write reopen the file
 * (logrotate moved it: SIGUSR1).
 */
#ifndef LOGWARD_ARCHIVE_H
#define LOGWARD_ARCHIVE_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

struct archive;

/*
 * Check the template and open today's file (O_APPEND, mode 0640),
 * creating missing parent directories (mode 0750).  A template that
 * expands to an empty name or to no file name ("dir/") is an error.
 * Returns NULL with err set on failure.  Caller frees with archive_close.
 */
struct archive *archive_open(const char *path_template, char *err, size_t errlen);

/*
 * Append len bytes.  Returns 0, or -1 (bytes counted lost).  A failure
 * is logged once per streak of failing writes, and the file is reopened
 * on the next write; a partial write is cut back off the file when it can
 * be, so no half line is left behind.
 */
int archive_write(struct archive *a, const char *data, size_t len);

/* archive_write as if the time were now.  For tests. */
int archive_write_at(struct archive *a, const char *data, size_t len, time_t now);

/* The name of the file written now, into buf (for handing it to the run-as user). */
void archive_current_path(struct archive *a, char *buf, size_t len);

/* Ask the next write to reopen the file.  Safe from any thread. */
void archive_reopen(struct archive *a);

/* fsync the current file (on exit). */
void archive_sync(struct archive *a);

/*
 * Make the archive durable (the alerts file): from now on a background
 * thread fsyncs behind every write, one fsync covering all writes before it
 * (group commit), so writers never wait for the disk; a rotated file is
 * fsync'd before it is closed.  -1 with err set if the thread cannot start.
 */
int archive_set_durable(struct archive *a, char *err, size_t errlen);

/* Durable archive: bytes written since open that are known to be on disk. */
uint64_t archive_synced_bytes(struct archive *a);

/* Durable archive: wait until everything written so far is on disk. */
void archive_wait_synced(struct archive *a);

/* Bytes that could not be written (disk full, ...), for the counters. */
uint64_t archive_lost_bytes(const struct archive *a);

/* Close the file (no fsync: call archive_sync first) and free. */
void archive_close(struct archive *a);

#endif

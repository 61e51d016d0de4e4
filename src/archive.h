/*
 * archive.h: the event archive, JSON lines in files named by a strftime
 * template ("/var/log/logward/events-%Y%m%d.jsonl": one file a day).
 *
 * Writers hand in whole lines in batches; archive_write is thread-safe and
 * each call's bytes land contiguously (O_APPEND, one lock), or not at all.  The file name
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
 * Append len bytes.  Returns 0, or -1 when they could not be written
 * (disk full, ...): the caller keeps them and tries again (pipeline.c), or
 * gives them up with archive_give_up.  A partial write is cut back off the
 * file, so a retry leaves no half line behind (should even the cut fail,
 * the half line stays and is logged).  The first failure of a streak is
 * logged with the path and errno, and the first success after it; the file
 * is reopened on the next write.  A file removed or replaced under us (the
 * directory deleted, a rotation without SIGUSR1) is noticed by its inode at
 * the first write of a new second, and created again.
 */
int archive_write(struct archive *a, const char *data, size_t len);

/* Count len bytes the caller will not retry as lost (archive_lost_bytes). */
void archive_give_up(struct archive *a, size_t len);

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

/* Bytes given up (archive_give_up), for the exit summary. */
uint64_t archive_lost_bytes(const struct archive *a);

/* Close the file (no fsync: call archive_sync first) and free. */
void archive_close(struct archive *a);

#endif

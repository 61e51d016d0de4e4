/*
 * archive.c: append-only JSON-lines files named by a strftime template.
 *
 * One mutex serializes the writers, so a call's bytes are contiguous in
 * the file even though several processing workers write; O_APPEND keeps
 * them at the end even if logrotate's copytruncate shrinks the file under
 * us.  Nothing is buffered here: the workers hand in whole batches, and a
 * batch that cannot be written is theirs to keep and retry.
 */
#include "config.h"

#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "archive.h"
#include "log.h"

#define ARCHIVE_FILE_MODE 0640
#define ARCHIVE_DIR_MODE 0750
/*
 * Least time from one fsync of a durable archive to the next.  On a burst
 * of alerts this turns thousands of fsyncs a second (each a device flush,
 * and a costly exit on a virtual machine) into at most 100 covering the
 * same writes; an alert after a quiet spell is synced at once.
 */
#define ARCHIVE_SYNC_GAP_NS (10 * 1000 * 1000LL)

struct archive {
	pthread_mutex_t lock;      /* guards everything but reopen and lost */
	char *template;            /* owned */
	char path[PATH_MAX];       /* the file open (or to open) */
	int fd;                    /* -1 when closed: opened on the next write */
	dev_t dev;                 /* the open file's identity, to notice it is gone */
	ino_t ino;
	time_t checked_at;         /* the second of the last look at path */
	time_t named_at;           /* the second path was computed for */
	bool failing;              /* in a streak of failed writes (logged once) */
	uint64_t streak_errors;    /* failed writes in the current streak */
	atomic_bool reopen;        /* set by archive_reopen from any thread */
	atomic_uint_fast64_t lost; /* bytes lost since open */

	/* Durable mode (archive_set_durable): a syncer thread fsyncs behind the writers. */
	bool durable;
	pthread_t syncer;
	pthread_mutex_t sync_lock; /* guards the three below */
	pthread_cond_t sync_cv;
	uint64_t written;          /* bytes written so far */
	uint64_t synced;           /* of which known to be on disk */
	bool stopping;
};

/*
 * Expand the template for now into buf.  Returns 0, or -1 with why in
 * *cause when the name is empty, too long, or has no file part.
 */
static int
archive_expand(const char *template, time_t now, char *buf, size_t size, const char **cause)
{
	const char *base;
	struct tm tm;
	size_t len;

	if (localtime_r(&now, &tm) == NULL) {
		*cause = "cannot convert the time";
		return -1;
	}
	/*
	 * The template is the configured strftime format, by design.  strftime
	 * returns 0 for an empty result and for one that does not fit.
	 */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
	len = strftime(buf, size, template, &tm);
#pragma GCC diagnostic pop
	if (len == 0) {
		*cause = "expands to an empty or over-long name";
		return -1;
	}
	base = strrchr(buf, '/');
	base = base != NULL ? base + 1 : buf;
	if (base[0] == '\0' || strcmp(base, ".") == 0 || strcmp(base, "..") == 0) {
		*cause = "has no file name after its last '/'";
		return -1;
	}
	return 0;
}

/* mkdir -p for the directories above path; errno set on failure. */
static int
archive_make_parents(const char *path)
{
	char dir[PATH_MAX];
	size_t i, len = strlen(path);

	if (len >= sizeof(dir)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	memcpy(dir, path, len + 1);
	for (i = 1; i < len; i++) {
		if (dir[i] != '/' || dir[i - 1] == '/')
			continue;
		dir[i] = '\0';
		if (mkdir(dir, ARCHIVE_DIR_MODE) == -1 && errno != EEXIST)
			return -1;
		dir[i] = '/';
	}
	return 0;
}

static int64_t
archive_monotonic_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

/* Open a->path for appending, creating it and its directories; errno set. */
static int
archive_open_file(struct archive *a)
{
	const int flags = O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC;
	struct stat st;

	a->fd = open(a->path, flags, ARCHIVE_FILE_MODE);
	if (a->fd == -1 && errno == ENOENT && archive_make_parents(a->path) == 0)
		a->fd = open(a->path, flags, ARCHIVE_FILE_MODE);
	if (a->fd == -1)
		return -1;
	if (fstat(a->fd, &st) == 0) {
		a->dev = st.st_dev;
		a->ino = st.st_ino;
	}
	return 0;
}

/* Close the current file; the next write opens a->path again. */
static void
archive_close_file(struct archive *a)
{
	if (a->fd != -1) {
		/* What a durable file got must be on disk before it is let go. */
		if (a->durable && fsync(a->fd) == -1 && errno != EINVAL)
			log_warn("archive %s: fsync", a->path);
		close(a->fd);
		a->fd = -1;
	}
}

/*
 * Close the file when writing on would lose what is written: it was
 * deleted (alone or with its directory: no link left), or another file now
 * has its name (logrotate's "create" made the new one).  The next write
 * opens the name again, where until SIGUSR1 everything would go into a
 * file nobody can read.  A file only renamed away (logrotate's "mv", USR1
 * to follow) keeps what comes until the USR1, as every syslog daemon does.
 * One stat a second at most (the first write of each second).  Lock held.
 */
static void
archive_check_file(struct archive *a, time_t now)
{
	struct stat st, open_st;

	if (a->fd == -1 || now == a->checked_at)
		return;
	a->checked_at = now;
	if (stat(a->path, &st) == 0) {
		if (st.st_dev == a->dev && st.st_ino == a->ino)
			return;
	} else if (errno != ENOENT && errno != ENOTDIR)
		return; /* cannot tell (EACCES...): keep writing where we are */
	else if (fstat(a->fd, &open_st) == -1 || open_st.st_nlink > 0)
		return; /* renamed away, not deleted: until USR1 */
	log_info("archive %s: the file was removed or replaced: opening it again", a->path);
	archive_close_file(a);
}

/* Validate the template and open the current file, so that errors show at start-up. */
struct archive *
archive_open(const char *path_template, char *err, size_t errlen)
{
	struct archive *a;
	const char *cause;
	size_t len;
	time_t now;

	if (path_template == NULL || (len = strlen(path_template)) == 0) {
		snprintf(err, errlen, "archive path is empty");
		return NULL;
	}
	if (path_template[len - 1] == '/') {
		snprintf(err, errlen, "archive path \"%s\": has no file name after its last '/'",
		    path_template);
		return NULL;
	}
	if ((a = calloc(1, sizeof(*a))) == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	a->fd = -1;
	atomic_init(&a->reopen, false);
	atomic_init(&a->lost, 0);
	if ((a->template = strdup(path_template)) == NULL) {
		snprintf(err, errlen, "out of memory");
		goto fail;
	}
	if (pthread_mutex_init(&a->lock, NULL) != 0) {
		snprintf(err, errlen, "archive: cannot create its lock");
		goto fail;
	}
	tzset();
	now = time(NULL);
	if (archive_expand(a->template, now, a->path, sizeof(a->path), &cause) == -1) {
		snprintf(err, errlen, "archive path \"%s\": %s", path_template, cause);
		goto fail_lock;
	}
	if (archive_open_file(a) == -1) {
		snprintf(err, errlen, "archive %s: %s", a->path, strerror(errno));
		goto fail_lock;
	}
	a->named_at = now;
	a->checked_at = now;
	return a;
fail_lock:
	pthread_mutex_destroy(&a->lock);
fail:
	free(a->template);
	free(a);
	return NULL;
}

/* A failed write: log only the first of a streak, then unlock.  Lock held. */
static int
archive_fail(struct archive *a, int errnum, const char *what)
{
	a->streak_errors++;
	if (!a->failing) {
		a->failing = true;
		errno = errnum;
		log_warn("archive %s: %s failed, retrying until it succeeds", a->path, what);
	}
	pthread_mutex_unlock(&a->lock);
	return -1;
}

void
archive_give_up(struct archive *a, size_t len)
{
	atomic_fetch_add_explicit(&a->lost, len, memory_order_relaxed);
}

/*
 * After a partial write of done bytes, cut them back off the file so that
 * a retry leaves no half line.  Lock held.
 */
static void
archive_cut_back(struct archive *a, size_t done)
{
	off_t end;

	if (done == 0)
		return;
	if ((end = lseek(a->fd, 0, SEEK_CUR)) >= (off_t)done &&
	    ftruncate(a->fd, end - (off_t)done) == 0)
		return;
	log_warn("archive %s: cannot cut a partial write of %zu bytes back off", a->path, done);
}

/* Append one batch under the lock, switching files when the name changes. */
int
archive_write_at(struct archive *a, const char *data, size_t len, time_t now)
{
	char name[PATH_MAX];
	const char *cause;
	size_t done = 0;
	ssize_t n;
	int saved;

	if (len == 0)
		return 0;
	pthread_mutex_lock(&a->lock);
	if (atomic_exchange(&a->reopen, false))
		archive_close_file(a);
	/* A new second may be a new day: a new name, a new file. */
	if (now != a->named_at) {
		a->named_at = now;
		if (archive_expand(a->template, now, name, sizeof(name), &cause) == 0 &&
		    strcmp(name, a->path) != 0) {
			archive_close_file(a);
			memcpy(a->path, name, strlen(name) + 1);
		}
	}
	archive_check_file(a, now);
	if (a->fd == -1 && archive_open_file(a) == -1)
		return archive_fail(a, errno, "open");
	while (done < len) {
		n = write(a->fd, data + done, len - done);
		if (n == -1 && errno == EINTR)
			continue;
		if (n <= 0) {
			saved = n == 0 ? EIO : errno;
			archive_cut_back(a, done);
			archive_close_file(a);
			return archive_fail(a, saved, "write");
		}
		done += (size_t)n;
	}
	if (a->failing) {
		log_info("archive %s: writing again after %" PRIu64 " failed attempts",
		    a->path, a->streak_errors);
		a->failing = false;
		a->streak_errors = 0;
	}
	pthread_mutex_unlock(&a->lock);
	if (a->durable) {
		pthread_mutex_lock(&a->sync_lock);
		a->written += len;
		pthread_cond_broadcast(&a->sync_cv);
		pthread_mutex_unlock(&a->sync_lock);
	}
	return 0;
}

/* Sleep out what is left of ARCHIVE_SYNC_GAP_NS since last (sync_lock held). */
static void
archive_sync_gap(struct archive *a, int64_t last)
{
	int64_t left = last + ARCHIVE_SYNC_GAP_NS - archive_monotonic_ns();
	struct timespec ts;

	if (left <= 0 || a->stopping)
		return;
	ts.tv_sec = 0;
	ts.tv_nsec = (long)left;
	pthread_mutex_unlock(&a->sync_lock);
	nanosleep(&ts, NULL);
	pthread_mutex_lock(&a->sync_lock);
}

/*
 * The syncer of a durable archive: fsync whatever was written since the
 * last fsync, at most once every ARCHIVE_SYNC_GAP_NS.  One fsync covers
 * every write before it (group commit), so writers never wait for the disk.
 */
static void *
archive_syncer(void *arg)
{
	struct archive *a = arg;
	uint64_t target;
	int64_t last = archive_monotonic_ns() - ARCHIVE_SYNC_GAP_NS;
	int fd;

	pthread_mutex_lock(&a->sync_lock);
	for (;;) {
		while (a->synced == a->written && !a->stopping)
			pthread_cond_wait(&a->sync_cv, &a->sync_lock);
		if (a->synced == a->written)
			break;
		archive_sync_gap(a, last);
		last = archive_monotonic_ns();
		target = a->written;
		pthread_mutex_unlock(&a->sync_lock);
		/* A duplicate, so a rotation cannot close it under the fsync. */
		pthread_mutex_lock(&a->lock);
		fd = a->fd != -1 ? dup(a->fd) : -1;
		pthread_mutex_unlock(&a->lock);
		if (fd != -1) {
			if (fsync(fd) == -1 && errno != EINVAL)
				log_warn("archive %s: fsync", a->path);
			close(fd);
		}
		pthread_mutex_lock(&a->sync_lock);
		a->synced = target;
		pthread_cond_broadcast(&a->sync_cv);
	}
	pthread_mutex_unlock(&a->sync_lock);
	return NULL;
}

int
archive_set_durable(struct archive *a, char *err, size_t errlen)
{
	int rc;

	if (a->durable)
		return 0;
	pthread_mutex_init(&a->sync_lock, NULL);
	pthread_cond_init(&a->sync_cv, NULL);
	a->durable = true;
	if ((rc = pthread_create(&a->syncer, NULL, archive_syncer, a)) != 0) {
		snprintf(err, errlen, "archive %s: cannot start its fsync thread: %s", a->path,
		    strerror(rc));
		a->durable = false;
		pthread_cond_destroy(&a->sync_cv);
		pthread_mutex_destroy(&a->sync_lock);
		return -1;
	}
	return 0;
}

uint64_t
archive_synced_bytes(struct archive *a)
{
	uint64_t n;

	if (!a->durable)
		return 0;
	pthread_mutex_lock(&a->sync_lock);
	n = a->synced;
	pthread_mutex_unlock(&a->sync_lock);
	return n;
}

void
archive_wait_synced(struct archive *a)
{
	if (!a->durable)
		return;
	pthread_mutex_lock(&a->sync_lock);
	while (a->synced != a->written)
		pthread_cond_wait(&a->sync_cv, &a->sync_lock);
	pthread_mutex_unlock(&a->sync_lock);
}

/* Append one batch at the current time. */
int
archive_write(struct archive *a, const char *data, size_t len)
{
	return archive_write_at(a, data, len, time(NULL));
}

void
archive_current_path(struct archive *a, char *buf, size_t len)
{
	pthread_mutex_lock(&a->lock);
	snprintf(buf, len, "%s", a->path);
	pthread_mutex_unlock(&a->lock);
}

/* Flag only: the writer that holds the lock does the reopening. */
void
archive_reopen(struct archive *a)
{
	atomic_store(&a->reopen, true);
}

/* Flush the current file to disk (at exit). */
void
archive_sync(struct archive *a)
{
	pthread_mutex_lock(&a->lock);
	if (a->fd != -1 && fsync(a->fd) == -1 && errno != EINVAL)
		log_warn("archive %s: fsync", a->path);
	pthread_mutex_unlock(&a->lock);
}

/* Read the lost-bytes counter without the lock. */
uint64_t
archive_lost_bytes(const struct archive *a)
{
	return atomic_load_explicit(&a->lost, memory_order_relaxed);
}

/* Close the file and free the archive. */
void
archive_close(struct archive *a)
{
	if (a == NULL)
		return;
	if (a->durable) {
		pthread_mutex_lock(&a->sync_lock);
		a->stopping = true;
		pthread_cond_broadcast(&a->sync_cv);
		pthread_mutex_unlock(&a->sync_lock);
		pthread_join(a->syncer, NULL);
		pthread_cond_destroy(&a->sync_cv);
		pthread_mutex_destroy(&a->sync_lock);
	}
	archive_close_file(a);
	pthread_mutex_destroy(&a->lock);
	free(a->template);
	free(a);
}

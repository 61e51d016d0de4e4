/*
 * retention.c: the archive's old days removed and closed days compressed,
 * by one thread that sleeps between passes (retention.h says what a pass
 * does and why it is crash-safe).  Nothing here takes the archive's lock:
 * the only file the writers touch is the current one, which a pass never
 * opens, and a day that is still written to (a straggling batch just after
 * midnight) is left for the next pass by the quiet period and by checking
 * that its size and time did not move while it was compressed.
 */
#include "config.h"

#include <sys/stat.h>

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "retention.h"

#define RETENTION_FILE_MODE 0640
/* Files looked at in one pass; a directory with more is worked through over several. */
#define RETENTION_MAX_FILES 100000
/* Between passes: an hour, so a day closed at midnight is compressed within the hour. */
#define RETENTION_INTERVAL 3600
#define RETENTION_TMP ".tmp"

struct retention {
	char *template;	    /* owned: the archive's path template */
	char *dir;	    /* owned: its directory ("." without one) */
	const char *base;   /* into template: the dated file name */
	unsigned keep_days; /* 0: keep forever */
	enum compress_format format;
	bool failing[RETENTION_N_OPS]; /* in a streak of failures (logged once) */
	atomic_uint_fast64_t compressed, removed, errors[RETENTION_N_OPS];
	atomic_bool stop; /* set by retention_free: abandon the pass */
	bool started;
	pthread_t thread;
	pthread_mutex_t lock; /* guards kick */
	pthread_cond_t cv;
	bool kick; /* a pass is asked for */
};

const char *
retention_op_name(enum retention_op op)
{
	switch (op) {
	case RETENTION_COMPRESS:
		return "compress";
	case RETENTION_REMOVE:
		return "remove";
	case RETENTION_N_OPS:
		break;
	}
	return "unknown";
}

/* n digits at s. */
static bool
retention_digits(const char *s, int n)
{
	int i;

	for (i = 0; i < n; i++)
		if (!isdigit((unsigned char)s[i]))
			return false;
	return true;
}

/* The width of what strftime writes for conversion c, or -1 for one the matcher does not know. */
static int
retention_width(char c)
{
	switch (c) {
	case 'Y':
		return 4;
	case 'j':
		return 3;
	case 'y':
	case 'm':
	case 'd':
	case 'H':
	case 'M':
	case 'S':
		return 2;
	default:
		return -1;
	}
}

/*
 * How many leading bytes of name the file name template fmt produces for
 * some date, or -1.  %F is %Y-%m-%d.
 */
static ssize_t
retention_match(const char *fmt, const char *name)
{
	const char *n = name;
	int w;

	for (; *fmt != '\0'; fmt++) {
		if (*fmt != '%') {
			if (*n++ != *fmt)
				return -1;
			continue;
		}
		fmt++;
		if (*fmt == '%') {
			if (*n++ != '%')
				return -1;
			continue;
		}
		if (*fmt == 'F') {
			if (!retention_digits(n, 4) || n[4] != '-' || !retention_digits(n + 5, 2) ||
			    n[7] != '-' || !retention_digits(n + 8, 2))
				return -1;
			n += 10;
			continue;
		}
		if ((w = retention_width(*fmt)) < 0 || !retention_digits(n, w))
			return -1;
		n += w;
	}
	return n - name;
}

int
retention_check_template(const char *path_template, char *err, size_t errlen)
{
	const char *slash = strrchr(path_template, '/');
	const char *base = slash != NULL ? slash + 1 : path_template, *p;
	int dated = 0;

	if (memchr(path_template, '%', (size_t)(base - path_template)) != NULL) {
		snprintf(err, errlen,
		    "keep_days and compress need the date in the file name, "
		    "not in the directory (\"%s\")",
		    path_template);
		return -1;
	}
	for (p = base; *p != '\0'; p++) {
		if (*p != '%')
			continue;
		p++;
		if (*p == '%')
			continue;
		if (*p != 'F' && retention_width(*p) < 0) {
			snprintf(err, errlen,
			    "keep_days and compress cannot date file names made "
			    "with %%%c (expected %%Y, %%y, %%m, %%d, %%j, %%H, %%M, %%S or %%F)",
			    *p != '\0' ? *p : '?');
			return -1;
		}
		dated++;
	}
	if (dated == 0) {
		snprintf(err, errlen,
		    "keep_days and compress need a dated file name, one a day "
		    "(\"%s\" has no %%Y, %%m, %%d...)",
		    path_template);
		return -1;
	}
	return 0;
}

struct retention *
retention_new(const char *path_template, unsigned keep_days, enum compress_format format, char *err,
    size_t errlen)
{
	struct retention *r;
	const char *slash;

	if (retention_check_template(path_template, err, errlen) == -1)
		return NULL;
	if ((r = calloc(1, sizeof(*r))) == NULL || (r->template = strdup(path_template)) == NULL)
		goto nomem;
	slash = strrchr(r->template, '/');
	r->base = slash != NULL ? slash + 1 : r->template;
	if (slash == r->template)
		r->dir = strdup("/");
	else
		r->dir = slash != NULL ? strndup(r->template, (size_t)(slash - r->template))
				       : strdup(".");
	if (r->dir == NULL)
		goto nomem;
	r->keep_days = keep_days;
	r->format = format;
	pthread_mutex_init(&r->lock, NULL);
	pthread_cond_init(&r->cv, NULL);
	r->kick = true; /* the first pass at once */
	return r;
nomem:
	snprintf(err, errlen, "archive retention: out of memory");
	if (r != NULL) {
		free(r->template);
		free(r);
	}
	return NULL;
}

/* Count a failure; log the first of a streak with the path and errno. */
static void
retention_fail(struct retention *r, enum retention_op op, const char *name, int e)
{
	atomic_fetch_add_explicit(&r->errors[op], 1, memory_order_relaxed);
	if (r->failing[op])
		return;
	r->failing[op] = true;
	log_warnx("archive retention: cannot %s %s/%s: %s (left as it is, tried again every "
		  "hour; further failures counted in logward_archive_retention_errors_total only)",
	    retention_op_name(op), r->dir, name, strerror(e));
}

/* An operation of this kind worked: say so once after a streak of failures. */
static void
retention_ok(struct retention *r, enum retention_op op, const char *name)
{
	if (!r->failing[op])
		return;
	r->failing[op] = false;
	log_info("archive retention: %s works again (%s/%s)", retention_op_name(op), r->dir, name);
}

/* Remove a day past keep_days. */
static void
retention_remove(struct retention *r, int dfd, const char *name)
{
	if (unlinkat(dfd, name, 0) == -1) {
		if (errno != ENOENT)
			retention_fail(r, RETENTION_REMOVE, name, errno);
		return;
	}
	atomic_fetch_add_explicit(&r->removed, 1, memory_order_relaxed);
	retention_ok(r, RETENTION_REMOVE, name);
	log_info(
	    "archive retention: removed %s/%s (older than %u days)", r->dir, name, r->keep_days);
}

/* The same size and modification time: nobody wrote to the file meanwhile. */
static bool
retention_unchanged(const struct stat *a, const struct stat *b)
{
	return a->st_size == b->st_size && a->st_mtim.tv_sec == b->st_mtim.tv_sec &&
	       a->st_mtim.tv_nsec == b->st_mtim.tv_nsec;
}

/*
 * Compress name into tmp: the whole stream on disk (fsync) with name's
 * times, or -1 with errno set (1 when name changed meanwhile: try later).
 */
static int
retention_write_tmp(struct retention *r, int dfd, const char *name, const char *tmp)
{
	struct stat before, after;
	struct timespec times[2];
	int in, out = -1, rc = -1, saved;

	if ((in = openat(dfd, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC)) == -1)
		return -1;
	if (fstat(in, &before) == -1)
		goto fail;
	out = openat(
	    dfd, tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, RETENTION_FILE_MODE);
	if (out == -1 || compress_fd(in, out, r->format, &r->stop) == -1 || fsync(out) == -1 ||
	    fstat(in, &after) == -1)
		goto fail;
	rc = 1;
	if (!retention_unchanged(&before, &after))
		goto fail;
	times[0] = before.st_atim;
	times[1] = before.st_mtim; /* the day's age stays the original's (keep_days) */
	if (futimens(out, times) == -1)
		goto fail;
	rc = 0;
fail:
	saved = errno;
	if (out != -1 && close(out) == -1 && rc == 0) {
		saved = errno;
		rc = -1;
	}
	close(in);
	errno = saved;
	return rc;
}

/* Compress a closed day: tmp, fsync, rename, fsync the directory, unlink the original. */
static void
retention_compress(struct retention *r, int dfd, const char *name)
{
	char dst[NAME_MAX + 1], tmp[NAME_MAX + 1];
	int rc;

	if ((size_t)snprintf(dst, sizeof(dst), "%s%s", name, compress_suffix(r->format)) >=
		sizeof(dst) ||
	    (size_t)snprintf(tmp, sizeof(tmp), "%s%s", dst, RETENTION_TMP) >= sizeof(tmp)) {
		retention_fail(r, RETENTION_COMPRESS, name, ENAMETOOLONG);
		return;
	}
	rc = retention_write_tmp(r, dfd, name, tmp);
	if (rc != 0) {
		int e = errno;

		unlinkat(dfd, tmp, 0);
		if (rc == -1 && e != ECANCELED && e != ENOENT)
			retention_fail(r, RETENTION_COMPRESS, name, e);
		return;
	}
	if (renameat(dfd, tmp, dfd, dst) == -1 || fsync(dfd) == -1) {
		int e = errno;

		unlinkat(dfd, tmp, 0);
		retention_fail(r, RETENTION_COMPRESS, name, e);
		return;
	}
	/* dst is whole and durable: from here on a crash leaves both, never neither */
	if (unlinkat(dfd, name, 0) == -1 || fsync(dfd) == -1) {
		retention_fail(r, RETENTION_COMPRESS, name, errno);
		return;
	}
	atomic_fetch_add_explicit(&r->compressed, 1, memory_order_relaxed);
	retention_ok(r, RETENTION_COMPRESS, name);
	log_debug("archive retention: compressed %s/%s to %s", r->dir, name, dst);
}

/* Whether a compressed copy of name (any format) is in the directory. */
static bool
retention_has_copy(int dfd, const char *name)
{
	static const enum compress_format all[] = {COMPRESS_ZSTD, COMPRESS_GZIP};
	char dst[NAME_MAX + 1];
	struct stat st;
	size_t i;

	for (i = 0; i < sizeof(all) / sizeof(all[0]); i++) {
		if ((size_t)snprintf(dst, sizeof(dst), "%s%s", name, compress_suffix(all[i])) <
			sizeof(dst) &&
		    fstatat(dfd, dst, &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISREG(st.st_mode))
			return true;
	}
	return false;
}

/* What follows the dated name: the day itself, a compressed copy, a half-done one. */
enum retention_kind { KIND_DAY, KIND_COPY, KIND_TMP, KIND_OTHER };

static enum retention_kind
retention_kind(const char *suffix)
{
	static const enum compress_format all[] = {COMPRESS_ZSTD, COMPRESS_GZIP};
	size_t i, n;

	if (*suffix == '\0')
		return KIND_DAY;
	for (i = 0; i < sizeof(all) / sizeof(all[0]); i++) {
		n = strlen(compress_suffix(all[i]));
		if (strncmp(suffix, compress_suffix(all[i]), n) != 0)
			continue;
		if (suffix[n] == '\0')
			return KIND_COPY;
		if (strcmp(suffix + n, RETENTION_TMP) == 0)
			return KIND_TMP;
	}
	return KIND_OTHER;
}

/* One archive file found by a pass. */
static void
retention_file(struct retention *r, int dfd, const char *name, enum retention_kind kind,
    const char *current, time_t now)
{
	struct stat st;

	if (fstatat(dfd, name, &st, AT_SYMLINK_NOFOLLOW) == -1 || !S_ISREG(st.st_mode))
		return;
	if (kind == KIND_DAY && strcmp(name, current) == 0)
		return; /* written now */
	if (r->keep_days > 0 && st.st_mtime < now - (time_t)r->keep_days * 86400) {
		retention_remove(r, dfd, name);
		return;
	}
	if (kind != KIND_DAY || r->format == COMPRESS_NONE ||
	    now - st.st_mtime < RETENTION_QUIET_SECONDS)
		return;
	if (retention_has_copy(dfd, name)) {
		/* a crash between the rename and the unlink: the copy is whole */
		if (unlinkat(dfd, name, 0) == 0)
			log_info("archive retention: removed %s/%s, compressed before a restart",
			    r->dir, name);
		return;
	}
	retention_compress(r, dfd, name);
}

static int
retention_namecmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The names in dir the template could have made, sorted; *n of them.  Caller frees. */
static char **
retention_list(struct retention *r, DIR *d, size_t *n)
{
	char **names = NULL, **grown;
	size_t cap = 0;
	struct dirent *de;

	*n = 0;
	while ((de = readdir(d)) != NULL && *n < RETENTION_MAX_FILES) {
		if (retention_match(r->base, de->d_name) < 0)
			continue;
		if (*n == cap) {
			cap = cap == 0 ? 64 : cap * 2;
			if ((grown = realloc(names, cap * sizeof(*names))) == NULL)
				break;
			names = grown;
		}
		if ((names[*n] = strdup(de->d_name)) == NULL)
			break;
		(*n)++;
	}
	if (*n > 0)
		qsort(names, *n, sizeof(*names), retention_namecmp);
	return names;
}

void
retention_pass(struct retention *r, time_t now)
{
	char current[PATH_MAX], *slash;
	char **names;
	struct tm tm;
	size_t n, i;
	DIR *d;

	localtime_r(&now, &tm);
	/* the configured strftime format, by design (archive.c does the same) */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
	if (strftime(current, sizeof(current), r->template, &tm) == 0)
		return;
#pragma GCC diagnostic pop
	slash = strrchr(current, '/');
	if (slash != NULL)
		memmove(current, slash + 1, strlen(slash + 1) + 1);
	if ((d = opendir(r->dir)) == NULL)
		return; /* the archive's own write reports a missing directory */
	names = retention_list(r, d, &n);
	/* half-done compressions first, so that their days are compressed again below */
	for (i = 0; i < n; i++)
		if (retention_kind(names[i] + retention_match(r->base, names[i])) == KIND_TMP &&
		    unlinkat(dirfd(d), names[i], 0) == 0)
			log_info("archive retention: removed %s/%s, a compression cut short",
			    r->dir, names[i]);
	for (i = 0; i < n && !atomic_load(&r->stop); i++) {
		enum retention_kind k =
		    retention_kind(names[i] + retention_match(r->base, names[i]));

		if (k == KIND_DAY || k == KIND_COPY)
			retention_file(r, dirfd(d), names[i], k, current, now);
	}
	for (i = 0; i < n; i++)
		free(names[i]);
	free(names);
	closedir(d);
}

/* The thread: a pass, then sleep until the next hour or a kick. */
static void *
retention_main(void *arg)
{
	struct retention *r = arg;
	struct timespec until;

	pthread_mutex_lock(&r->lock);
	while (!atomic_load(&r->stop)) {
		if (!r->kick) {
			clock_gettime(CLOCK_REALTIME, &until);
			until.tv_sec += RETENTION_INTERVAL;
			if (pthread_cond_timedwait(&r->cv, &r->lock, &until) == 0 && !r->kick)
				continue;
		}
		r->kick = false;
		pthread_mutex_unlock(&r->lock);
		if (!atomic_load(&r->stop))
			retention_pass(r, time(NULL));
		pthread_mutex_lock(&r->lock);
	}
	pthread_mutex_unlock(&r->lock);
	return NULL;
}

int
retention_start(struct retention *r, char *err, size_t errlen)
{
	int e = pthread_create(&r->thread, NULL, retention_main, r);

	if (e != 0) {
		snprintf(err, errlen, "archive retention: cannot start a thread: %s", strerror(e));
		return -1;
	}
	r->started = true;
	return 0;
}

void
retention_kick(struct retention *r)
{
	if (r == NULL)
		return;
	pthread_mutex_lock(&r->lock);
	r->kick = true;
	pthread_cond_signal(&r->cv);
	pthread_mutex_unlock(&r->lock);
}

bool
retention_same(const struct retention *r, const char *path_template, unsigned keep_days,
    enum compress_format format)
{
	return r != NULL && strcmp(r->template, path_template) == 0 && r->keep_days == keep_days &&
	       r->format == format;
}

void
retention_get_stats(const struct retention *r, struct retention_stats *st)
{
	struct retention *w = (struct retention *)r; /* atomics are read through non-const */
	int op;

	st->compressed = atomic_load_explicit(&w->compressed, memory_order_relaxed);
	st->removed = atomic_load_explicit(&w->removed, memory_order_relaxed);
	for (op = 0; op < RETENTION_N_OPS; op++)
		st->errors[op] = atomic_load_explicit(&w->errors[op], memory_order_relaxed);
}

void
retention_add_stats(struct retention *r, const struct retention_stats *st)
{
	int op;

	atomic_fetch_add_explicit(&r->compressed, st->compressed, memory_order_relaxed);
	atomic_fetch_add_explicit(&r->removed, st->removed, memory_order_relaxed);
	for (op = 0; op < RETENTION_N_OPS; op++)
		atomic_fetch_add_explicit(&r->errors[op], st->errors[op], memory_order_relaxed);
}

void
retention_free(struct retention *r)
{
	if (r == NULL)
		return;
	if (r->started) {
		pthread_mutex_lock(&r->lock);
		atomic_store(&r->stop, true);
		pthread_cond_signal(&r->cv);
		pthread_mutex_unlock(&r->lock);
		pthread_join(r->thread, NULL);
	}
	pthread_cond_destroy(&r->cv);
	pthread_mutex_destroy(&r->lock);
	free(r->dir);
	free(r->template);
	free(r);
}

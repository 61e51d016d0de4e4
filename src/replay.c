/*
 * replay.c: the taken set, the high-water mark and the replay of the
 * alerts file (replay.h).
 *
 * The taken set is an open-addressing table of 16-byte hashes (linear
 * probing on their first 8 bytes, which are already uniform), doubled
 * at half load, never past REPLAY_TAKEN_MAX entries.
 */
#include "config.h"

#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/sha.h>

#include "log.h"
#include "replay.h"

#define REPLAY_CHUNK 65536
#define TAKEN_FILE_MODE 0600

struct taken {
	char path[PATH_MAX];
	int fd;                       /* NAME.taken, O_APPEND */
	unsigned char *slots;         /* owned: n_slots * REPLAY_HASH_LEN, all-zero = empty */
	size_t n_slots;               /* a power of two */
	size_t used;
	bool has_zero;                /* the all-zero hash, which cannot sit in a slot */
	bool failing;                 /* the file cannot be written (logged once a streak) */
};

static const unsigned char zero_hash[REPLAY_HASH_LEN];

void
replay_hash(const char *line, size_t len, unsigned char h[REPLAY_HASH_LEN])
{
	unsigned char full[SHA256_DIGEST_LENGTH];

	SHA256((const unsigned char *)line, len, full);
	memcpy(h, full, REPLAY_HASH_LEN);
}

/* The slot of h, or the empty slot where it would go. */
static unsigned char *
taken_slot(const struct taken *t, const unsigned char h[REPLAY_HASH_LEN])
{
	uint64_t v;
	size_t i;

	memcpy(&v, h, sizeof(v));
	for (i = (size_t)v & (t->n_slots - 1);; i = (i + 1) & (t->n_slots - 1)) {
		unsigned char *s = t->slots + i * REPLAY_HASH_LEN;

		if (memcmp(s, h, REPLAY_HASH_LEN) == 0 || memcmp(s, zero_hash, REPLAY_HASH_LEN) == 0)
			return s;
	}
}

/* Double the table (rehashing).  -1 when out of memory. */
static int
taken_grow(struct taken *t)
{
	struct taken n = *t;
	size_t i;

	n.n_slots = t->n_slots == 0 ? 1024 : 2 * t->n_slots;
	if ((n.slots = calloc(n.n_slots, REPLAY_HASH_LEN)) == NULL)
		return -1;
	for (i = 0; i < t->n_slots; i++) {
		const unsigned char *s = t->slots + i * REPLAY_HASH_LEN;

		if (memcmp(s, zero_hash, REPLAY_HASH_LEN) != 0)
			memcpy(taken_slot(&n, s), s, REPLAY_HASH_LEN);
	}
	free(t->slots);
	t->slots = n.slots;
	t->n_slots = n.n_slots;
	return 0;
}

/* Put h in memory.  1 when it was there, 0 added, -1 full or out of memory. */
static int
taken_insert(struct taken *t, const unsigned char h[REPLAY_HASH_LEN])
{
	unsigned char *s;

	if (memcmp(h, zero_hash, REPLAY_HASH_LEN) == 0) {
		if (t->has_zero)
			return 1;
		t->has_zero = true;
		t->used++;
		return 0;
	}
	if (t->n_slots > 0 && memcmp(taken_slot(t, h), h, REPLAY_HASH_LEN) == 0)
		return 1;
	if (t->used >= REPLAY_TAKEN_MAX)
		return -1;
	if ((t->used + 1) * 2 > t->n_slots && taken_grow(t) == -1)
		return -1;
	s = taken_slot(t, h);
	memcpy(s, h, REPLAY_HASH_LEN);
	t->used++;
	return 0;
}

bool
taken_has(const struct taken *t, const unsigned char h[REPLAY_HASH_LEN])
{
	if (memcmp(h, zero_hash, REPLAY_HASH_LEN) == 0)
		return t->has_zero;
	return t->n_slots > 0 && memcmp(taken_slot(t, h), h, REPLAY_HASH_LEN) == 0;
}

/* write(2) all of it. */
static int
write_all(int fd, const void *data, size_t len)
{
	const char *p = data;

	while (len > 0) {
		ssize_t w = write(fd, p, len);

		if (w == -1 && errno == EINTR)
			continue;
		if (w <= 0)
			return -1;
		p += w;
		len -= (size_t)w;
	}
	return 0;
}

struct taken *
taken_open(const char *dir, const char *name, char *err, size_t errlen)
{
	struct taken *t;
	unsigned char buf[REPLAY_HASH_LEN * 1024];
	ssize_t r;
	off_t off = 0;

	if ((t = calloc(1, sizeof(*t))) == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	if ((size_t)snprintf(t->path, sizeof(t->path), "%s/%s.taken", dir, name) >= sizeof(t->path)) {
		snprintf(err, errlen, "%s: path too long", dir);
		free(t);
		return NULL;
	}
	t->fd = open(t->path, O_RDWR | O_APPEND | O_CREAT | O_CLOEXEC, TAKEN_FILE_MODE);
	if (t->fd == -1) {
		snprintf(err, errlen, "%s: %s", t->path, strerror(errno));
		free(t);
		return NULL;
	}
	/* a torn last entry (a crash mid-write) is ignored: one more delivery at most */
	while ((r = pread(t->fd, buf, sizeof(buf), off)) > 0) {
		size_t i;

		for (i = 0; i + REPLAY_HASH_LEN <= (size_t)r; i += REPLAY_HASH_LEN)
			if (taken_insert(t, buf + i) == -1)
				break;
		off += r - (r % REPLAY_HASH_LEN);
		if (r % REPLAY_HASH_LEN != 0)
			break;
	}
	if (r == -1) {
		snprintf(err, errlen, "%s: %s", t->path, strerror(errno));
		taken_close(t);
		return NULL;
	}
	return t;
}

int
taken_add(struct taken *t, const unsigned char h[REPLAY_HASH_LEN])
{
	int in = taken_insert(t, h);

	if (in == 1)
		return 0;
	if (in == -1)
		return -1;
	if (write_all(t->fd, h, REPLAY_HASH_LEN) == -1) {
		if (!t->failing)
			log_warn("cannot append to %s: alerts handed over now may be delivered "
			    "again after a restart (further failures are not logged)", t->path);
		t->failing = true;
		return -1;
	}
	if (t->failing)
		log_info("%s: written again", t->path);
	t->failing = false;
	return 0;
}

int
taken_reset(struct taken *t, const unsigned char *keep, size_t n)
{
	size_t i;
	int rc = 0;

	if (t->slots != NULL)
		memset(t->slots, 0, t->n_slots * REPLAY_HASH_LEN);
	t->used = 0;
	t->has_zero = false;
	if (ftruncate(t->fd, 0) == -1) {
		log_warn("cannot empty %s", t->path);
		rc = -1;
	}
	for (i = 0; i < n; i++)
		if (taken_add(t, keep + i * REPLAY_HASH_LEN) == -1)
			rc = -1;
	return rc;
}

size_t
taken_count(const struct taken *t)
{
	return t->used;
}

void
taken_close(struct taken *t)
{
	if (t == NULL)
		return;
	if (t->fd != -1)
		close(t->fd);
	free(t->slots);
	free(t);
}

/* dir/name.mark into buf; -1 when too long. */
static int
mark_path(const char *dir, const char *name, const char *suffix, char *buf, size_t size)
{
	return (size_t)snprintf(buf, size, "%s/%s.mark%s", dir, name, suffix) >= size ? -1 : 0;
}

int
replay_mark_load(const char *dir, const char *name, struct replay_mark *m, char *err,
    size_t errlen)
{
	char path[PATH_MAX], buf[PATH_MAX + 128];
	ssize_t n;
	int fd, used = 0;
	unsigned long long dev, ino, off;

	if (mark_path(dir, name, "", path, sizeof(path)) == -1) {
		snprintf(err, errlen, "%s: path too long", dir);
		return -1;
	}
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1) {
		if (errno == ENOENT)
			return 1;
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0) {
		snprintf(err, errlen, "%s: %s", path, n == 0 ? "empty" : strerror(errno));
		return -1;
	}
	buf[n] = '\0';
	if (buf[n - 1] != '\n' || memchr(buf, '\0', (size_t)n) != NULL ||
	    sscanf(buf, "logward-mark 1 %llu %llu %llu %n", &dev, &ino, &off, &used) != 3 ||
	    used == 0 || (size_t)(n - 1 - used) >= sizeof(m->path) || n - 1 - used <= 0) {
		snprintf(err, errlen, "%s: not a mark (expected \"logward-mark 1 DEV INO OFFSET "
		    "PATH\")", path);
		return -1;
	}
	memcpy(m->path, buf + used, (size_t)(n - 1 - used));
	m->path[n - 1 - used] = '\0';
	m->dev = dev;
	m->ino = ino;
	m->offset = off;
	return 0;
}

int
replay_mark_store(const char *dir, const char *name, const struct replay_mark *m)
{
	char tmp[PATH_MAX], path[PATH_MAX], buf[PATH_MAX + 128];
	int fd, len, dfd;

	if (mark_path(dir, name, ".tmp", tmp, sizeof(tmp)) == -1 ||
	    mark_path(dir, name, "", path, sizeof(path)) == -1)
		return -1;
	len = snprintf(buf, sizeof(buf), "logward-mark 1 %" PRIu64 " %" PRIu64 " %" PRIu64 " %s\n",
	    m->dev, m->ino, m->offset, m->path);
	if (len < 0 || (size_t)len >= sizeof(buf))
		return -1;
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, TAKEN_FILE_MODE);
	if (fd == -1 || write_all(fd, buf, (size_t)len) == -1 || fsync(fd) == -1) {
		log_warn("cannot write %s", tmp);
		if (fd != -1)
			close(fd);
		unlink(tmp);
		return -1;
	}
	close(fd);
	if (rename(tmp, path) == -1) {
		log_warn("cannot rename %s", tmp);
		unlink(tmp);
		return -1;
	}
	/* the rename itself durable */
	if ((dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) != -1) {
		fsync(dfd);
		close(dfd);
	}
	return 0;
}

int
replay_current_path(const char *template, time_t now, char *buf, size_t size)
{
	struct tm tm;

	if (localtime_r(&now, &tm) == NULL)
		return -1;
	/* archive.c expands the same configured strftime template the same way */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
	return strftime(buf, size, template, &tm) == 0 ? -1 : 0;
#pragma GCC diagnostic pop
}

/* Is this line an alert line at all?  Cheap: a JSON object without NUL. */
static bool
replay_plausible(const char *line, size_t len)
{
	return len >= 2 && line[0] == '{' && line[len - 1] == '}' && memchr(line, '\0', len) == NULL;
}

/* Reading one file, and what the pass found so far. */
struct replay_reader {
	const char *path;
	uint64_t dev, ino;
	int fd;
	uint64_t off;               /* of the next byte to read */
	uint64_t line_end;          /* just after the last whole line */
	char *buf;
	size_t have, cap;
	bool skipping;              /* in an over-long line: drop to the next LF */
	uint64_t skip_start;
	struct replay_result *res;
};

/* Count a damaged line; the first of a pass is reported with file:offset. */
static void
replay_damaged(struct replay_reader *r, uint64_t at, const char *what)
{
	if (r->res->damaged++ == 0)
		log_warnx("%s:%" PRIu64 ": %s: skipped (further damaged lines are counted)",
		    r->path, at, what);
}

/* Stream one open file from r->off: 0 done, 1 stopped by a refusal, -1 read error. */
static int
replay_file(struct replay_reader *r, replay_line_fn fn, void *arg)
{
	for (;;) {
		size_t start = 0;
		char *lf;
		ssize_t n;

		if (r->have == r->cap) {
			/* a line longer than the buffer may grow to: skip it */
			if (r->cap >= REPLAY_LINE_MAX) {
				if (!r->skipping)
					r->skip_start = r->off - r->have;
				r->skipping = true;
				r->have = 0;
			} else {
				char *nb = realloc(r->buf, r->cap * 2);

				if (nb == NULL)
					return -1;
				r->buf = nb;
				r->cap *= 2;
			}
		}
		n = pread(r->fd, r->buf + r->have, r->cap - r->have, (off_t)r->off);
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1) {
			log_warn("cannot read %s", r->path);
			return -1;
		}
		if (n == 0)
			return 0;
		r->off += (uint64_t)n;
		r->have += (size_t)n;
		while ((lf = memchr(r->buf + start, '\n', r->have - start)) != NULL) {
			size_t len = (size_t)(lf - (r->buf + start));
			uint64_t at = r->off - r->have + start;

			if (r->skipping) {
				replay_damaged(r, r->skip_start, "line too long");
				r->skipping = false;
			} else if (!replay_plausible(r->buf + start, len)) {
				if (len > 0)
					replay_damaged(r, at, "not an alert line");
			} else {
				r->res->lines++;
				if (fn(arg, r->buf + start, len) == -1) {
					struct replay_mark *m = &r->res->stop;

					snprintf(m->path, sizeof(m->path), "%s", r->path);
					m->dev = r->dev;
					m->ino = r->ino;
					m->offset = at;
					r->res->stopped = true;
					return 1;
				}
			}
			start += len + 1;
			r->line_end = at + len + 1;
		}
		memmove(r->buf, r->buf + start, r->have - start);
		r->have -= start;
	}
}

/* Open path for the pass; -1 (errno) when it cannot be. */
static int
replay_open(const char *path, struct stat *st)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);

	if (fd == -1)
		return -1;
	if (fstat(fd, st) == -1 || !S_ISREG(st->st_mode)) {
		close(fd);
		errno = EINVAL;
		return -1;
	}
	return fd;
}

/* Read the mark's own file to its end when it is still there (a rotated day). */
static int
replay_old_file(struct replay_reader *r, const struct replay_mark *mark, replay_line_fn fn,
    void *arg)
{
	struct stat st;
	int fd = replay_open(mark->path, &st), rc;

	if (fd == -1 || (uint64_t)st.st_dev != mark->dev || (uint64_t)st.st_ino != mark->ino ||
	    (uint64_t)st.st_size < mark->offset) {
		log_warnx("alerts file %s (inode %" PRIu64 ") was rotated away or cut since the "
		    "webhook mark at offset %" PRIu64 ": alerts written to it after that are not "
		    "replayed", mark->path, mark->ino, mark->offset);
		r->res->lost_file = true;
		if (fd != -1)
			close(fd);
		return 0;
	}
	r->path = mark->path;
	r->dev = mark->dev;
	r->ino = mark->ino;
	r->fd = fd;
	r->off = r->line_end = mark->offset;
	rc = replay_file(r, fn, arg);
	if (rc == 0 && r->have > 0)
		replay_damaged(r, r->line_end, "torn last line of a rotated file");
	close(fd);
	r->have = 0;
	r->skipping = false;
	return rc;
}

int
replay_alerts(const char *template, time_t now, const struct replay_mark *mark, bool has_mark,
    replay_line_fn fn, void *arg, struct replay_result *res)
{
	struct replay_reader r;
	struct stat st;
	char cur[PATH_MAX];
	int fd, rc;

	memset(res, 0, sizeof(*res));
	memset(&r, 0, sizeof(r));
	r.res = res;
	if (replay_current_path(template, now, cur, sizeof(cur)) == -1) {
		log_warnx("alerts file template %s does not expand", template);
		return -1;
	}
	snprintf(res->end.path, sizeof(res->end.path), "%s", cur);
	if ((fd = replay_open(cur, &st)) == -1) {
		if (errno != ENOENT) {
			log_warn("cannot open the alerts file %s", cur);
			return -1;
		}
		/* no alert today yet: nothing to read in it (inode 0: any file is new) */
		st.st_dev = st.st_ino = 0;
		st.st_size = 0;
	}
	res->end.dev = (uint64_t)st.st_dev;
	res->end.ino = (uint64_t)st.st_ino;
	if (!has_mark) {
		/* the first start with a webhook: what came before is not its business */
		res->end.offset = (uint64_t)st.st_size;
		res->complete = true;
		if (fd != -1)
			close(fd);
		return 0;
	}
	r.cap = REPLAY_CHUNK;
	if ((r.buf = malloc(r.cap)) == NULL) {
		if (fd != -1)
			close(fd);
		return -1;
	}
	rc = 0;
	if (mark->ino != 0 && (strcmp(mark->path, cur) != 0 || mark->dev != res->end.dev ||
	    mark->ino != res->end.ino))
		rc = replay_old_file(&r, mark, fn, arg);
	r.line_end = 0;
	if (rc == 0 && fd != -1) {
		r.path = cur;
		r.dev = res->end.dev;
		r.ino = res->end.ino;
		r.fd = fd;
		r.off = 0;
		if (strcmp(mark->path, cur) == 0 && mark->dev == res->end.dev &&
		    mark->ino == res->end.ino) {
			if (mark->offset <= (uint64_t)st.st_size)
				r.off = mark->offset;
			else
				log_warnx("alerts file %s is shorter (%" PRIu64 " bytes) than the "
				    "webhook mark (%" PRIu64 "): cut by copytruncate?  Replaying it "
				    "from its beginning", cur, (uint64_t)st.st_size, mark->offset);
		}
		r.line_end = r.off;
		rc = replay_file(&r, fn, arg);
	}
	/* a torn last line of the current file: being written, or cut; not yet taken */
	res->end.offset = fd != -1 ? r.line_end : 0;
	res->complete = rc == 0;
	if (fd != -1)
		close(fd);
	free(r.buf);
	return rc == -1 ? -1 : 0;
}

/*
 * spool.c: a webhook's durable queue: an append-only record file and an
 * append-only ack file (spool.h has the format and the guarantees).
 *
 * In memory the live records sit in one array ordered by seq; records[i]
 * has seq base_seq + i, so a seq finds its record in O(1) while acks
 * arrive out of order.  Acknowledged records at the head are dropped and
 * the array is compacted now and then.
 */
#include "config.h"

#include <sys/stat.h>

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/rand.h>

#include "log.h"
#include "spool.h"

#define SPOOL_FILE_MODE 0600
#define SPOOL_READ_CHUNK 65536
/* One alert line is at most this long (alerts are built from bounded frames). */
#define SPOOL_MAX_LINE (16u * 1024 * 1024)
/* An ack: 8 bytes of offset, then the first 16 hex digits of the record's id. */
#define SPOOL_ACK_ID 16
#define SPOOL_ACK_SIZE (8 + SPOOL_ACK_ID)

struct spool {
	char *name;                    /* owned: the webhook's name, for messages */
	char path[PATH_MAX];
	char ack_path[PATH_MAX];
	int fd;                        /* NAME.spool, O_APPEND */
	int ack_fd;                    /* NAME.ack, O_APPEND */
	uint64_t bytes;                /* size of NAME.spool */
	uint64_t max_bytes;
	struct spool_record *records;  /* owned; records[i].seq == base_seq + i */
	size_t head;                   /* first live index */
	size_t n;                      /* used entries, head included */
	size_t cap;
	size_t live;                   /* not acknowledged */
	uint64_t base_seq;
	uint64_t next_seq;
	unsigned char *unwritten;      /* owned: acks not yet in NAME.ack, SPOOL_ACK_SIZE each */
	size_t n_unwritten, cap_unwritten;
	bool write_failing;            /* appends fail (logged once a streak) */
	bool ack_failing;              /* acks cannot be written (logged once a streak) */
	bool sync_failing;             /* fdatasync fails (logged once a streak) */
};

/* Hex digits of 16 random bytes: unique per alert without coordination. */
int
spool_new_id(char id[SPOOL_ID_LEN + 1])
{
	static const char hex[] = "0123456789abcdef";
	unsigned char raw[SPOOL_ID_LEN / 2];
	size_t i;

	if (RAND_bytes(raw, sizeof(raw)) != 1)
		return -1;
	for (i = 0; i < sizeof(raw); i++) {
		id[2 * i] = hex[raw[i] >> 4];
		id[2 * i + 1] = hex[raw[i] & 0xf];
	}
	id[SPOOL_ID_LEN] = '\0';
	return 0;
}

/* write(2) all of it, retrying short writes and EINTR. */
static int
spool_write_all(int fd, const void *data, size_t len)
{
	const char *p = data;

	while (len > 0) {
		ssize_t w = write(fd, p, len);

		if (w == -1) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		p += w;
		len -= (size_t)w;
	}
	return 0;
}

/* Room for one more record at the end of the array (compacting first). */
static int
spool_grow(struct spool *s)
{
	struct spool_record *nr;
	size_t ncap;

	if (s->head > 0 && s->head >= s->n / 2) {
		memmove(s->records, s->records + s->head, (s->n - s->head) * sizeof(*s->records));
		s->n -= s->head;
		s->base_seq += s->head;
		s->head = 0;
	}
	if (s->n < s->cap)
		return 0;
	ncap = s->cap == 0 ? 64 : s->cap * 2;
	nr = reallocarray(s->records, ncap, sizeof(*nr));
	if (nr == NULL)
		return -1;
	s->records = nr;
	s->cap = ncap;
	return 0;
}

/* Add a record to memory. */
static struct spool_record *
spool_push(struct spool *s, uint64_t offset, uint32_t len, const char *id, int64_t now_ms)
{
	struct spool_record *r;

	if (spool_grow(s) == -1)
		return NULL;
	r = &s->records[s->n++];
	memset(r, 0, sizeof(*r));
	r->seq = s->next_seq++;
	r->offset = offset;
	r->len = len;
	memcpy(r->id, id, SPOOL_ID_LEN);
	r->id[SPOOL_ID_LEN] = '\0';
	r->spooled_ms = now_ms;
	s->live++;
	return r;
}

/* Is p[0..32) lowercase hex followed by a space? */
static bool
spool_valid_prefix(const char *p, size_t len)
{
	size_t i;

	if (len < SPOOL_ID_LEN + 1 || p[SPOOL_ID_LEN] != ' ')
		return false;
	for (i = 0; i < SPOOL_ID_LEN; i++)
		if (!((p[i] >= '0' && p[i] <= '9') || (p[i] >= 'a' && p[i] <= 'f')))
			return false;
	return true;
}

/* One acknowledgement: the record's offset and the start of its id. */
struct spool_ack_entry {
	uint64_t offset;
	char id[SPOOL_ACK_ID];
};

/* Order acks by offset for qsort. */
static int
spool_cmp_ack(const void *a, const void *b)
{
	uint64_t x = ((const struct spool_ack_entry *)a)->offset;
	uint64_t y = ((const struct spool_ack_entry *)b)->offset;

	return x < y ? -1 : x > y;
}

/* Is the record at off with this id acknowledged?  (acks sorted by offset) */
static bool
spool_is_acked(const struct spool_ack_entry *acks, size_t n, uint64_t off, const char *id)
{
	size_t lo = 0, hi = n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (acks[mid].offset < off)
			lo = mid + 1;
		else
			hi = mid;
	}
	/* several acks may share an offset: older generations of a cut-back spool */
	for (; lo < n && acks[lo].offset == off; lo++)
		if (memcmp(acks[lo].id, id, SPOOL_ACK_ID) == 0)
			return true;
	return false;
}

/* Read the ack file: acknowledged records sorted by offset (caller frees). */
static int
spool_load_acks(struct spool *s, struct spool_ack_entry **acks, size_t *n_acks, char *err,
    size_t errlen)
{
	struct stat st;
	unsigned char *buf = NULL;
	struct spool_ack_entry *a = NULL;
	size_t n, i, k;
	ssize_t r;

	*acks = NULL;
	*n_acks = 0;
	if (fstat(s->ack_fd, &st) == -1) {
		snprintf(err, errlen, "%s: %s", s->ack_path, strerror(errno));
		return -1;
	}
	/* a torn last ack is ignored: that record is delivered again */
	n = (size_t)st.st_size / SPOOL_ACK_SIZE;
	if (n == 0)
		return 0;
	if ((buf = malloc(n * SPOOL_ACK_SIZE)) == NULL || (a = calloc(n, sizeof(*a))) == NULL)
		goto nomem;
	r = pread(s->ack_fd, buf, n * SPOOL_ACK_SIZE, 0);
	if (r != (ssize_t)(n * SPOOL_ACK_SIZE)) {
		snprintf(err, errlen, "%s: short read", s->ack_path);
		free(buf);
		free(a);
		return -1;
	}
	for (i = 0; i < n; i++) {
		const unsigned char *e = buf + i * SPOOL_ACK_SIZE;
		uint64_t v = 0;

		for (k = 0; k < 8; k++)
			v |= (uint64_t)e[k] << (8 * k);
		a[i].offset = v;
		memcpy(a[i].id, e + 8, SPOOL_ACK_ID);
	}
	free(buf);
	qsort(a, n, sizeof(*a), spool_cmp_ack);
	*acks = a;
	*n_acks = n;
	return 0;
nomem:
	free(buf);
	free(a);
	snprintf(err, errlen, "%s: out of memory", s->ack_path);
	return -1;
}

/* The read side of spool_replay: NAME.spool in chunks, and the acks to skip. */
struct spool_replay_state {
	struct spool_ack_entry *acks; /* sorted, owned: freed by spool_replay */
	size_t n_acks;
	char *buf;                    /* owned: freed by spool_replay */
	size_t have, cap;
	uint64_t file_off;            /* offset of buf[0] */
	uint64_t skipped;             /* malformed records, reported once at the end */
};

/*
 * Double a full buffer, so that a record longer than one chunk still fits;
 * a buffer past the longest record spool_append writes means a damaged file.
 */
static int
spool_replay_grow(struct spool *s, struct spool_replay_state *r, char *err, size_t errlen)
{
	char *nb;

	if (r->cap >= SPOOL_MAX_LINE + SPOOL_ID_LEN + 2) {
		snprintf(err, errlen, "%s: record at offset %" PRIu64 " is too long",
		    s->path, r->file_off);
		return -1;
	}
	if ((nb = realloc(r->buf, r->cap * 2)) == NULL) {
		snprintf(err, errlen, "%s: out of memory", s->path);
		return -1;
	}
	r->buf = nb;
	r->cap *= 2;
	return 0;
}

/*
 * Load each whole record (up to its LF) of the buffer that has no ack,
 * then keep only the incomplete tail for the next read.
 */
static int
spool_replay_records(struct spool *s, struct spool_replay_state *r, char *err, size_t errlen)
{
	size_t start = 0;
	char *lf;

	while ((lf = memchr(r->buf + start, '\n', r->have - start)) != NULL) {
		size_t rlen = (size_t)(lf - (r->buf + start));
		uint64_t off = r->file_off + start;

		if (!spool_valid_prefix(r->buf + start, rlen)) {
			r->skipped++;
		} else if (!spool_is_acked(r->acks, r->n_acks, off, r->buf + start)) {
			if (spool_push(s, off, (uint32_t)(rlen - SPOOL_ID_LEN - 1),
			    r->buf + start, 0) == NULL) {
				snprintf(err, errlen, "%s: out of memory", s->path);
				return -1;
			}
		}
		start += rlen + 1;
	}
	memmove(r->buf, r->buf + start, r->have - start);
	r->have -= start;
	r->file_off += start;
	return 0;
}

/*
 * Scan NAME.spool and load every record whose offset has no ack; a torn
 * last record (no LF) is cut off the file.
 */
static int
spool_replay(struct spool *s, char *err, size_t errlen)
{
	struct spool_replay_state r = {.cap = SPOOL_READ_CHUNK};
	int rc = -1;

	if (spool_load_acks(s, &r.acks, &r.n_acks, err, errlen) == -1)
		return -1;
	if ((r.buf = malloc(r.cap)) == NULL) {
		snprintf(err, errlen, "%s: out of memory", s->path);
		goto out;
	}
	for (;;) {
		ssize_t n;

		if (r.have == r.cap && spool_replay_grow(s, &r, err, errlen) == -1)
			goto out;
		n = pread(s->fd, r.buf + r.have, r.cap - r.have, (off_t)(r.file_off + r.have));
		if (n == -1) {
			if (errno == EINTR)
				continue;
			snprintf(err, errlen, "%s: %s", s->path, strerror(errno));
			goto out;
		}
		if (n == 0)
			break;
		r.have += (size_t)n;
		if (spool_replay_records(s, &r, err, errlen) == -1)
			goto out;
	}
	if (r.have > 0) {
		/* A crash in the middle of an append: that record was never synced. */
		log_warnx("spool %s: cutting a torn record of %zu bytes at offset %" PRIu64,
		    s->name, r.have, r.file_off);
		if (ftruncate(s->fd, (off_t)r.file_off) == -1 || fsync(s->fd) == -1) {
			snprintf(err, errlen, "%s: cannot cut torn record: %s", s->path, strerror(errno));
			goto out;
		}
	}
	if (r.skipped > 0)
		log_warnx("spool %s: %" PRIu64 " malformed records skipped", s->name, r.skipped);
	s->bytes = r.file_off;
	rc = 0;
out:
	free(r.buf);
	free(r.acks);
	return rc;
}

struct spool *
spool_open(const char *dir, const char *name, uint64_t max_bytes, char *err, size_t errlen)
{
	struct spool *s;
	struct stat st;

	if ((s = calloc(1, sizeof(*s))) == NULL || (s->name = strdup(name)) == NULL) {
		snprintf(err, errlen, "out of memory");
		free(s);
		return NULL;
	}
	s->fd = s->ack_fd = -1;
	s->max_bytes = max_bytes;
	if ((size_t)snprintf(s->path, sizeof(s->path), "%s/%s.spool", dir, name) >= sizeof(s->path) ||
	    (size_t)snprintf(s->ack_path, sizeof(s->ack_path), "%s/%s.ack", dir, name) >= sizeof(s->ack_path)) {
		snprintf(err, errlen, "%s: spool path too long", dir);
		goto fail;
	}
	if (mkdir(dir, 0700) == -1 && errno != EEXIST) {
		snprintf(err, errlen, "%s: %s", dir, strerror(errno));
		goto fail;
	}
	s->fd = open(s->path, O_RDWR | O_APPEND | O_CREAT | O_CLOEXEC, SPOOL_FILE_MODE);
	if (s->fd == -1) {
		snprintf(err, errlen, "%s: %s", s->path, strerror(errno));
		goto fail;
	}
	s->ack_fd = open(s->ack_path, O_RDWR | O_APPEND | O_CREAT | O_CLOEXEC, SPOOL_FILE_MODE);
	if (s->ack_fd == -1) {
		snprintf(err, errlen, "%s: %s", s->ack_path, strerror(errno));
		goto fail;
	}
	if (fstat(s->fd, &st) == -1) {
		snprintf(err, errlen, "%s: %s", s->path, strerror(errno));
		goto fail;
	}
	if (st.st_size == 0 && ftruncate(s->ack_fd, 0) == -1) {
		/* Acks of a spool cut back before a crash: no use any more. */
		snprintf(err, errlen, "%s: %s", s->ack_path, strerror(errno));
		goto fail;
	}
	if (spool_replay(s, err, errlen) == -1)
		goto fail;
	if (s->live == 0 && s->bytes > 0 && (ftruncate(s->fd, 0) == -1 ||
	    ftruncate(s->ack_fd, 0) == -1)) {
		snprintf(err, errlen, "%s: %s", s->path, strerror(errno));
		goto fail;
	} else if (s->live == 0)
		s->bytes = 0;
	return s;
fail:
	spool_close(s);
	return NULL;
}

enum spool_status
spool_append(struct spool *s, const char *line, size_t len, int64_t now_ms)
{
	return spool_append_id(s, line, len, NULL, now_ms);
}

/* Is id SPOOL_ID_LEN hex digits, as a record's first field must be? */
static bool
spool_id_valid(const char *id)
{
	size_t i;

	for (i = 0; i < SPOOL_ID_LEN; i++)
		if (!isxdigit((unsigned char)id[i]))
			return false;
	return id[SPOOL_ID_LEN] == '\0';
}

enum spool_status
spool_append_id(struct spool *s, const char *line, size_t len, const char *given,
    int64_t now_ms)
{
	char id[SPOOL_ID_LEN + 1];
	char *rec;
	size_t rlen = SPOOL_ID_LEN + 1 + len + 1;

	if (len > SPOOL_MAX_LINE || memchr(line, '\n', len) != NULL)
		return SPOOL_ERROR;
	if (given != NULL && !spool_id_valid(given))
		return SPOOL_ERROR;
	if (s->bytes + rlen > s->max_bytes)
		return SPOOL_FULL;
	if (given != NULL)
		memcpy(id, given, SPOOL_ID_LEN + 1);
	else if (spool_new_id(id) == -1) {
		log_warnx("spool %s: no random bytes for an id", s->name);
		return SPOOL_ERROR;
	}
	if ((rec = malloc(rlen)) == NULL)
		return SPOOL_ERROR;
	memcpy(rec, id, SPOOL_ID_LEN);
	rec[SPOOL_ID_LEN] = ' ';
	memcpy(rec + SPOOL_ID_LEN + 1, line, len);
	rec[rlen - 1] = '\n';
	if (spool_write_all(s->fd, rec, rlen) == -1) {
		if (!s->write_failing)
			log_warn("spool %s: cannot append to %s (further failures are counted, "
			    "not logged)", s->name, s->path);
		s->write_failing = true;
		/* Cut a partial record back so the file stays a sequence of records. */
		if (ftruncate(s->fd, (off_t)s->bytes) == -1)
			log_warn("spool %s: ftruncate", s->name);
		free(rec);
		return SPOOL_ERROR;
	}
	free(rec);
	if (s->write_failing)
		log_info("spool %s: appending again", s->name);
	s->write_failing = false;
	if (spool_push(s, s->bytes, (uint32_t)len, id, now_ms) == NULL) {
		/* On disk but not in memory: replayed at the next start. */
		log_warnx("spool %s: out of memory", s->name);
		s->bytes += rlen;
		return SPOOL_ERROR;
	}
	s->bytes += rlen;
	return SPOOL_OK;
}

int
spool_sync(struct spool *s)
{
	if (fdatasync(s->fd) == -1) {
		if (!s->sync_failing)
			log_warn("spool %s: fdatasync %s (further failures are not logged)", s->name,
			    s->path);
		s->sync_failing = true;
		return -1;
	}
	if (s->sync_failing)
		log_info("spool %s: fdatasync works again", s->name);
	s->sync_failing = false;
	return 0;
}

size_t
spool_count(const struct spool *s)
{
	return s->live;
}

struct spool_record *
spool_at(struct spool *s, size_t i)
{
	size_t k;

	/* Live records in order; acked ones in between are skipped. */
	for (k = s->head; k < s->n; k++) {
		if (s->records[k].acked)
			continue;
		if (i-- == 0)
			return &s->records[k];
	}
	return NULL;
}

struct spool_record *
spool_next(struct spool *s, const struct spool_record *r)
{
	size_t k = r == NULL ? s->head : (size_t)(r - s->records) + 1;

	for (; k < s->n; k++)
		if (!s->records[k].acked)
			return &s->records[k];
	return NULL;
}

struct spool_record *
spool_find(struct spool *s, uint64_t seq)
{
	struct spool_record *r;

	if (seq < s->base_seq + s->head || seq >= s->base_seq + s->n)
		return NULL;
	r = &s->records[seq - s->base_seq];
	return r->acked ? NULL : r;
}

int
spool_read(struct spool *s, const struct spool_record *r, struct strbuf *out)
{
	size_t done = 0;

	if (strbuf_reserve(out, r->len) == -1)
		return -1;
	while (done < r->len) {
		ssize_t n = pread(s->fd, out->data + out->len + done, r->len - done,
		    (off_t)(r->offset + SPOOL_ID_LEN + 1 + done));

		if (n == -1 && errno == EINTR)
			continue;
		if (n <= 0) {
			log_warn("spool %s: read at %" PRIu64, s->name, r->offset);
			return -1;
		}
		done += (size_t)n;
	}
	out->len += r->len;
	return 0;
}

/* Write the acks remembered in memory, oldest first; stop at the first failure. */
static int
spool_write_unwritten(struct spool *s)
{
	size_t done = 0;

	while (done < s->n_unwritten) {
		if (spool_write_all(s->ack_fd, s->unwritten + done * SPOOL_ACK_SIZE,
		    SPOOL_ACK_SIZE) == -1)
			break;
		done++;
	}
	if (done == 0)
		return s->n_unwritten == 0 ? 0 : -1;
	memmove(s->unwritten, s->unwritten + done * SPOOL_ACK_SIZE,
	    (s->n_unwritten - done) * SPOOL_ACK_SIZE);
	s->n_unwritten -= done;
	return s->n_unwritten == 0 ? 0 : -1;
}

/* Keep an ack that could not be written; -1 when memory ran out too. */
static int
spool_remember_ack(struct spool *s, const unsigned char b[SPOOL_ACK_SIZE])
{
	if (s->n_unwritten == s->cap_unwritten) {
		size_t cap = s->cap_unwritten > 0 ? 2 * s->cap_unwritten : 64;
		unsigned char *n = reallocarray(s->unwritten, cap, SPOOL_ACK_SIZE);

		if (n == NULL)
			return -1;
		s->unwritten = n;
		s->cap_unwritten = cap;
	}
	memcpy(s->unwritten + s->n_unwritten * SPOOL_ACK_SIZE, b, SPOOL_ACK_SIZE);
	s->n_unwritten++;
	return 0;
}

/* Every record is acknowledged: cut both files back (spool.h). */
static void
spool_cut_back(struct spool *s)
{
	/* the spool file first: acks without records are harmless, not the reverse */
	if (ftruncate(s->fd, 0) == -1) {
		log_warn("spool %s: cut back %s", s->name, s->path);
		return;
	}
	s->bytes = 0;
	if (ftruncate(s->ack_fd, 0) == -1)
		log_warn("spool %s: cut back %s", s->name, s->ack_path);
	/* no record left for them to name */
	s->n_unwritten = 0;
	s->base_seq = s->next_seq;
	s->head = s->n = 0;
}

int
spool_flush_acks(struct spool *s)
{
	if (s->n_unwritten == 0)
		return 0;
	if (spool_write_unwritten(s) == -1)
		return -1;
	if (s->ack_failing)
		log_info("spool %s: acknowledgements written again to %s", s->name, s->ack_path);
	s->ack_failing = false;
	return 0;
}

int
spool_ack(struct spool *s, uint64_t seq)
{
	struct spool_record *r = spool_find(s, seq);
	unsigned char b[SPOOL_ACK_SIZE];
	size_t k;
	int rc = 0;

	if (r == NULL)
		return 0;
	for (k = 0; k < 8; k++)
		b[k] = (unsigned char)(r->offset >> (8 * k));
	memcpy(b + 8, r->id, SPOOL_ACK_ID);
	/*
	 * No fsync: a lost ack (an OS crash, not a process crash: the page
	 * cache survives SIGKILL) only means one more delivery, and the id
	 * in it keeps an ack from matching a later record at the same offset.
	 * An ack that cannot be written (a full disk) is remembered in memory
	 * and written later (spool_flush_acks): the record is done either way,
	 * and is never handed out again in this run.
	 */
	if (spool_write_unwritten(s) == -1 || spool_write_all(s->ack_fd, b, sizeof(b)) == -1) {
		if (!s->ack_failing)
			log_warn("spool %s: cannot write an acknowledgement to %s; delivered "
			    "records are remembered in memory until it can be written", s->name,
			    s->ack_path);
		s->ack_failing = true;
		rc = -1;
		if (spool_remember_ack(s, b) == -1)
			/* out of memory as well: at worst delivered again after a restart */
			log_warnx("spool %s: out of memory for an unwritten ack", s->name);
	}
	r->acked = true;
	s->live--;
	while (s->head < s->n && s->records[s->head].acked)
		s->head++;
	if (s->live == 0) {
		spool_cut_back(s);
		/* no record left for an ack to name: nothing is owed */
		if (s->n_unwritten == 0)
			rc = 0;
	}
	return rc;
}

size_t
spool_unwritten_acks(const struct spool *s)
{
	return s->n_unwritten;
}

uint64_t
spool_bytes(const struct spool *s)
{
	return s->bytes;
}

void
spool_close(struct spool *s)
{
	if (s == NULL)
		return;
	if (s->ack_fd != -1)
		close(s->ack_fd);
	if (s->fd != -1)
		close(s->fd);
	free(s->records);
	free(s->unwritten);
	free(s->name);
	free(s);
}

/*
 * fuzz_spool.c: libFuzzer target for what delivery reads back from disk at
 * start-up: a spool (NAME.spool, NAME.ack: spool_open's replay), the taken
 * set (NAME.taken), the mark (NAME.mark) and the alerts file a replay pass
 * streams (replay_alerts).  All of it may be torn, damaged or hostile (an
 * alert line carries what senders sent).
 *
 * The input is five parts: four of them prefixed by a 2-byte little-endian
 * length (spool, ack, taken, mark), the rest the alerts file.  They are
 * written to a per-process directory under /dev/shm (or /tmp).  Then: the spool is
 * opened, every record read and every other one acknowledged, the spool
 * reopened (the acks must hold: no more records than before); the taken
 * set loaded and the mark loaded; a replay pass run from the mark (or from
 * the start of the alerts file when there is none), its callback refusing
 * the lines whose hash starts with an odd byte.  Invariants: a refused
 * pass stops inside the file; a complete pass ends inside the file.
 */
#include <sys/stat.h>

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "replay.h"
#include "spool.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char dir[64];

/* Write n bytes to dir/name; aborts on failure (the fuzzer cannot go on). */
static void
fuzz_write_file(const char *name, const void *p, size_t n)
{
	char path[128];
	FILE *fp;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	if ((fp = fopen(path, "w")) == NULL || fwrite(p, 1, n, fp) != n || fclose(fp) != 0)
		abort();
}

/* Take the next length-prefixed part; the whole rest when the prefix is short. */
static const uint8_t *
fuzz_part(const uint8_t **data, size_t *size, size_t *len)
{
	const uint8_t *p;

	if (*size < 2) {
		*len = 0;
		return *data;
	}
	*len = (size_t)(*data)[0] | (size_t)(*data)[1] << 8;
	*data += 2;
	*size -= 2;
	if (*len > *size)
		*len = *size;
	p = *data;
	*data += *len;
	*size -= *len;
	return p;
}

/* The pass' callback: refuse lines whose hash starts with an odd byte. */
static int
fuzz_linecb(void *arg, const char *line, size_t len)
{
	unsigned char h[REPLAY_HASH_LEN];

	(void)arg;
	replay_hash(line, len, h);
	return (h[0] & 1) ? -1 : 0;
}

/* Open the spool, read every record, ack every other one; -1 when it did not open. */
static long
fuzz_spool(void)
{
	char err[512];
	struct spool *s = spool_open(dir, "soc", 1 << 20, err, sizeof(err));
	struct spool_record *r = NULL;
	struct strbuf sb;
	uint64_t *seqs;
	size_t n = 0, i;
	long left;

	if (s == NULL)
		return -1;
	if ((seqs = calloc(spool_count(s) + 1, sizeof(*seqs))) == NULL)
		abort();
	strbuf_init(&sb);
	while ((r = spool_next(s, r)) != NULL) {
		strbuf_reset(&sb);
		spool_read(s, r, &sb);
		seqs[n++] = r->seq;
	}
	if (n != spool_count(s))
		abort();
	for (i = 0; i < n; i += 2)
		spool_ack(s, seqs[i]);
	strbuf_free(&sb);
	free(seqs);
	left = (long)spool_count(s);
	spool_close(s);
	return left;
}

/* Remove the per-process directory when libFuzzer exits. */
static void
fuzz_cleanup(void)
{
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	if (system(cmd) != 0)
		fprintf(stderr, "cannot remove %s\n", dir);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const uint8_t *part;
	size_t len;
	char err[512], tmpl[128];
	struct replay_mark mark;
	struct replay_result res;
	struct taken *t;
	struct stat st;
	long left, again;
	int has;

	if (dir[0] == '\0') {
		/* on tmpfs when there is one: every input is files written and read back */
		snprintf(dir, sizeof(dir), "%s/fuzz_spool.%ld",
		    access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp", (long)getpid());
		if (mkdir(dir, 0700) == -1)
			abort();
		atexit(fuzz_cleanup);
		log_set_level(LOG_LEVEL_ERROR);	/* warnings about damaged input are expected */
	}
	part = fuzz_part(&data, &size, &len);
	fuzz_write_file("soc.spool", part, len);
	part = fuzz_part(&data, &size, &len);
	fuzz_write_file("soc.ack", part, len);
	part = fuzz_part(&data, &size, &len);
	fuzz_write_file("soc.taken", part, len);
	part = fuzz_part(&data, &size, &len);
	fuzz_write_file("soc.mark", part, len);
	fuzz_write_file("alerts.jsonl", data, size);

	left = fuzz_spool();
	again = fuzz_spool();
	/* what was acknowledged stays acknowledged: a reopen never brings more back */
	if (left >= 0 && again > left)
		abort();

	if ((t = taken_open(dir, "soc", err, sizeof(err))) != NULL) {
		if (taken_count(t) > REPLAY_TAKEN_MAX)
			abort();
		taken_close(t);
	}
	snprintf(tmpl, sizeof(tmpl), "%s/alerts.jsonl", dir);
	has = replay_mark_load(dir, "soc", &mark, err, sizeof(err));
	if (has != 0) {
		/* no usable mark: replay the whole alerts file */
		memset(&mark, 0, sizeof(mark));
		snprintf(mark.path, sizeof(mark.path), "%s", tmpl);
		if (stat(tmpl, &st) == 0) {
			mark.dev = (uint64_t)st.st_dev;
			mark.ino = (uint64_t)st.st_ino;
		}
	}
	if (replay_alerts(tmpl, 0, &mark, true, fuzz_linecb, NULL, &res) == 0) {
		if (stat(tmpl, &st) != 0)
			abort();
		if (res.complete && res.end.offset > (uint64_t)st.st_size)
			abort();
		if (!res.complete && res.stopped && strcmp(res.stop.path, tmpl) == 0 &&
		    res.stop.offset >= (uint64_t)st.st_size)
			abort();
	}
	return 0;
}

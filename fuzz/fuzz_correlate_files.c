/*
 * fuzz_correlate_files.c: libFuzzer target for the two files the
 * correlator reads back at start-up: its journal (state_dir/
 * correlate.journal) and the admin baseline.
 *
 * Input: byte 0 chooses the file (bit 0: 0 journal, 1 baseline) and
 * max_entries (1 + byte 0 / 2 % 32, so that a replay crosses the bound);
 * the rest is the file.  A journal never stops the start (damaged records
 * are skipped and counted); a rejected baseline comes back with an error
 * message.  A state that started takes a few facts from hosts the file
 * may name, and stays within max_entries; with a journal, it is read back
 * once more from the snapshot the start wrote, with no damaged record.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "correlate.h"
#include "log.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define T0 1700000000LL

static char fuzz_dir[64];

/* Remove the per-process directory when libFuzzer exits. */
static void
fuzz_cleanup(void)
{
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", fuzz_dir);
	if (system(cmd) != 0)
		fprintf(stderr, "cannot remove %s\n", fuzz_dir);
}

static struct slice
fuzz_slice(const char *s)
{
	struct slice r = {s, strlen(s)};

	return r;
}

static void
fuzz_write(const char *path, const uint8_t *data, size_t size)
{
	FILE *fp = fopen(path, "w");

	if (fp == NULL || (size > 0 && fwrite(data, 1, size, fp) != size) || fclose(fp) != 0)
		abort();
}

static void
fuzz_check(struct correlate *c, size_t max, bool fresh)
{
	struct correlate_stats st;

	correlate_get_stats(c, &st);
	if (st.entries > max || st.scopes > st.entries || (fresh && st.bad_records != 0))
		abort();
}

/* A few facts on hosts a file may name. */
static void
fuzz_facts(struct correlate *c, size_t max)
{
	static const char *const hosts[] = {"h", "web1", "*", "dc01"};
	struct correlate_result res;
	struct correlate_fact f;
	size_t i;

	for (i = 0; i < 12; i++) {
		memset(&f, 0, sizeof(f));
		f.kind = (enum detect_fact)(1 + i % 4);
		f.scope = fuzz_slice(hosts[i % 4]);
		f.account = fuzz_slice(i & 1 ? "eve" : "bob");
		f.group = fuzz_slice(i & 2 ? "sudo" : "wheel");
		f.actor = fuzz_slice("alice");
		f.raw = fuzz_slice("a line");
		f.rule_id = "fuzz";
		f.received = T0 + (int64_t)i;
		f.event_us = f.received * 1000000;
		correlate_observe(c, &f, &res);
		correlate_result_clear(&res);
		fuzz_check(c, max, false);
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct correlate_settings s = {3600, 300, NULL, 1, NULL, 2, true};
	char err[512] = "", journal[128], baseline[128];
	struct correlate *c;

	if (size < 1)
		return 0;
	if (fuzz_dir[0] == '\0') {
		/* on tmpfs when there is one: the journal is fsync'd at every start */
		snprintf(fuzz_dir, sizeof(fuzz_dir), "%s/fuzz_correlate_files.%ld",
		    access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp", (long)getpid());
		snprintf(journal, sizeof(journal), "mkdir -p '%s'", fuzz_dir);
		if (system(journal) != 0)
			abort();
		atexit(fuzz_cleanup);
		log_set_level(LOG_LEVEL_ERROR); /* warnings about damaged files are expected */
	}
	snprintf(journal, sizeof(journal), "%s/correlate.journal", fuzz_dir);
	snprintf(baseline, sizeof(baseline), "%s/baseline", fuzz_dir);
	unlink(journal);
	s.max_entries = 1 + (data[0] >> 1) % 32;
	if (data[0] & 1) {
		fuzz_write(baseline, data + 1, size - 1);
		s.baseline = baseline;
	} else {
		fuzz_write(journal, data + 1, size - 1);
		s.state_dir = fuzz_dir;
	}
	c = correlate_new(&s, T0 + 1, err, sizeof(err));
	if (c == NULL) {
		/* only a baseline may be refused, and never without saying why */
		if (s.baseline == NULL || err[0] == '\0')
			abort();
		return 0;
	}
	fuzz_check(c, s.max_entries, false);
	fuzz_facts(c, s.max_entries);
	correlate_free(c);
	if (s.state_dir != NULL) {
		/* the snapshot and journal written since read back whole */
		if ((c = correlate_new(&s, T0 + 20, err, sizeof(err))) == NULL)
			abort();
		fuzz_check(c, s.max_entries, true);
		correlate_free(c);
	}
	return 0;
}

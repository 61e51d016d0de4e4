/*
 * fuzz_correlate.c: libFuzzer target for the correlator's state under a
 * stream of facts from many made-up hosts, with a tiny max_entries.
 *
 * Input: byte 0 sets max_entries (1..32), byte 1 the journal (bit 0), the
 * admin threshold (bits 1-2) and alert_on_unknown (bit 3); then 6 bytes a
 * fact: kind (and whether it names an actor), host, account, account id,
 * group, and the seconds the receipt clock moves (255: past every window).
 * After each fact the state holds at most max_entries entries and at most
 * as many hosts; with a journal, the state is read back from it (as a
 * start after a crash would) with no damaged record, and takes more facts.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "correlate.h"

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

static const char *const fuzz_groups[] = {"sudo", "wheel", "Domain Admins", ""};

static struct slice
fuzz_slice(const char *s)
{
	struct slice r = {s, strlen(s)};

	return r;
}

/* The state must stay within its bounds after every fact. */
static void
fuzz_check(struct correlate *c, size_t max)
{
	struct correlate_stats st;

	correlate_get_stats(c, &st);
	if (st.entries > max || st.scopes > st.entries || st.bad_records != 0)
		abort();
}

/* Apply the 6-byte fact p at *clock. */
static void
fuzz_fact(struct correlate *c, const uint8_t *p, int64_t *clock)
{
	static const enum detect_fact kinds[] = {DETECT_FACT_ACCOUNT_CREATED,
	    DETECT_FACT_ACCOUNT_DELETED, DETECT_FACT_ADMIN_MEMBER_ADDED, DETECT_FACT_SESSION,
	    DETECT_FACT_NONE};
	char host[32], account[16], id[16], raw[128];
	struct correlate_fact f;
	struct correlate_result res;
	size_t i;

	/* hosts differ in case and domain: one scope for "H1" and "h1.example" */
	snprintf(host, sizeof(host), p[1] & 0x80 ? "H%u.example" : "h%u", p[1] & 0x7f);
	snprintf(account, sizeof(account), "a%u", p[2] % 16);
	snprintf(id, sizeof(id), "S-%u", p[3] % 8);
	snprintf(raw, sizeof(raw), "fact %u %s %s", p[0], host, account);
	*clock += p[5] == 255 ? 100000 : p[5];
	memset(&f, 0, sizeof(f));
	f.kind = kinds[p[0] % 5];
	f.scope = fuzz_slice(host);
	if (p[2] % 16 != 15)
		f.account = fuzz_slice(account);
	if (p[3] & 0x8)
		f.account_id = fuzz_slice(id);
	f.group = fuzz_slice(fuzz_groups[p[4] % 4]);
	if (p[0] & 0x10)
		f.actor = fuzz_slice("alice");
	f.raw = fuzz_slice(raw);
	f.rule_id = "fuzz-rule";
	f.event_us = (*clock + (int64_t)(p[4] >> 2) - 32) * 1000000;
	f.received = *clock;
	correlate_observe(c, &f, &res);
	if (res.n_alerts > CORRELATE_MAX_ALERTS)
		abort();
	for (i = 0; i < res.n_alerts; i++)
		if (res.alerts[i].rule == NULL || res.alerts[i].n_evidence > CORRELATE_MAX_EVIDENCE)
			abort();
	correlate_result_clear(&res);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct correlate_settings s = {3600, 300, NULL, 1, NULL, 0, false};
	char err[512], path[128];
	struct correlate *c;
	int64_t clock = T0;
	size_t i, half;

	if (size < 2)
		return 0;
	if (fuzz_dir[0] == '\0') {
		/* on tmpfs when there is one: the journal is fsync'd at every start */
		snprintf(fuzz_dir, sizeof(fuzz_dir), "%s/fuzz_correlate.%ld",
		    access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp", (long)getpid());
		snprintf(path, sizeof(path), "mkdir -p '%s'", fuzz_dir);
		if (system(path) != 0)
			abort();
		atexit(fuzz_cleanup);
	}
	snprintf(path, sizeof(path), "%s/correlate.journal", fuzz_dir);
	unlink(path);
	s.max_entries = 1 + data[0] % 32;
	s.state_dir = data[1] & 1 ? fuzz_dir : NULL;
	s.threshold = (data[1] >> 1) & 3;
	s.alert_on_unknown = (data[1] & 8) != 0;
	data += 2;
	size -= 2;
	if ((c = correlate_new(&s, T0, err, sizeof(err))) == NULL)
		abort();
	/* the first half of the facts, a restart on the journal, the rest */
	half = size / 6 / 2 * 6;
	for (i = 0; i + 6 <= size; i += 6) {
		if (i == half && s.state_dir != NULL) {
			correlate_free(c);
			if ((c = correlate_new(&s, clock, err, sizeof(err))) == NULL)
				abort();
			fuzz_check(c, s.max_entries);
		}
		fuzz_fact(c, data + i, &clock);
		fuzz_check(c, s.max_entries);
	}
	correlate_free(c);
	return 0;
}

/*
 * check_pipeline.c: the hand-over from intake to the workers (pipeline.h)
 * with the shipped patterns and real archive files: every message added
 * is archived once, an alert goes to the alerts file; a failing archive
 * write (RLIMIT_FSIZE: EFBIG, as a full disk would fail it) holds the
 * batches, pauses intake exactly when the pool is used up, not a batch
 * before, and loses nothing once writes work again; a swap sends what
 * follows it to the new archive and retires the old one once; a stalled
 * Kafka produce step holds back at most the pool (the batches processed
 * meanwhile wait for their turn in it), then intake pauses.
 */
#include "config.h"

#include <signal.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>

#include <check.h>
#include <event2/event.h>
#include <event2/thread.h>

#include "archive.h"
#include "kafka.h"
#include "kafka_conf.h"
#include "peer.h"
#include "pipeline.h"
#include "ruleset.h"
#include "stats.h"
#include "unit.h"

#define POOL 4

/* What the pipeline told intake: pause/resume calls, retirements. */
struct seen {
	int pauses, resumes;
	bool paused;
	int retired;
};

struct fixture {
	struct event_base *base;
	struct ruleset *rules;
	struct archive *archive, *alerts;
	struct pipeline *p;
	struct input_stats stats;
	struct input_ident ident;
	struct seen seen;
};

static struct fixture fx;

static void
pausecb(void *arg, bool paused)
{
	struct seen *s = arg;

	s->paused = paused;
	if (paused)
		s->pauses++;
	else
		s->resumes++;
}

static void
retirecb(void *arg)
{
	((struct seen *)arg)->retired++;
}

static struct archive *
open_archive(const char *name)
{
	char err[512] = "";
	struct archive *a = archive_open(unit_path(name), err, sizeof(err));

	ck_assert_msg(a != NULL, "archive_open: %s", err);
	return a;
}

/* A pipeline of workers workers over the shipped patterns, archiving into unit_dir (and k). */
static void
start_with(unsigned workers, struct kafka *k)
{
	struct pipeline_outputs out;
	char err[512] = "";

	memset(&fx, 0, sizeof(fx));
	ck_assert_int_eq(evthread_use_pthreads(), 0);
	fx.base = event_base_new();
	ck_assert_ptr_nonnull(fx.base);
	ck_assert_int_eq(event_base_priority_init(fx.base, 3), 0);
	fx.rules = ruleset_load(unit_srcpath("patterns"), NULL, workers, err, sizeof(err));
	ck_assert_msg(fx.rules != NULL, "ruleset_load: %s", err);
	fx.archive = open_archive("events.jsonl");
	fx.alerts = open_archive("alerts.jsonl");
	fx.ident.name = "unit";
	fx.ident.transport = "tcp";
	fx.ident.stats = &fx.stats;
	out = (struct pipeline_outputs){ .rules = fx.rules, .archive = fx.archive, .alerts = fx.alerts,
		.kafka = k };
	fx.p = pipeline_new(fx.base, workers, POOL, &out, pausecb, &fx.seen, err, sizeof(err));
	ck_assert_msg(fx.p != NULL, "pipeline_new: %s", err);
}

static void
start(unsigned workers)
{
	start_with(workers, NULL);
}

static void
finish(void)
{
	pipeline_drain(fx.p);
	pipeline_free(fx.p);
	archive_close(fx.archive);
	archive_close(fx.alerts);
	ruleset_free(fx.rules);
	event_base_free(fx.base);
}

/* Add one frame "TAG N" as a syslog line from 192.0.2.7, over TLS when t (its handshake). */
static void
add_tls(struct peer_tls *t, const char *tag, int n)
{
	struct peer_addr peer = { AF_INET, 5140, { 192, 0, 2, 7 } };
	struct timespec now;
	char frame[256];
	int len;

	clock_gettime(CLOCK_REALTIME, &now);
	len = snprintf(frame, sizeof(frame), "<13>Dec  7 10:00:00 web1 app: %s %d", tag, n);
	pipeline_add(fx.p, &fx.ident, frame, (size_t)len, 0, &peer, t, &now);
}

static void
add(const char *tag, int n)
{
	add_tls(NULL, tag, n);
}

/* Run the intake loop's pending events for about ms milliseconds. */
static void
spin(long ms)
{
	struct timespec ts = { 0, 1000000 };
	long i;

	for (i = 0; i < ms; i++) {
		event_base_loop(fx.base, EVLOOP_NONBLOCK);
		nanosleep(&ts, NULL);
	}
}

/* How many lines of file name contain "TAG N " or end in "TAG N\"", for each N < n. */
static void
expect_each_once(const char *name, const char *tag, int n)
{
	char line[8192], want[64];
	int *count = calloc((size_t)n, sizeof(int));
	FILE *fp = fopen(unit_path(name), "r");
	int i, total = 0;

	ck_assert_ptr_nonnull(count);
	ck_assert_ptr_nonnull(fp);
	snprintf(want, sizeof(want), "\"message\":\"%s ", tag);
	while (fgets(line, sizeof(line), fp) != NULL) {
		char *m = strstr(line, want);

		ck_assert_msg(line[0] == '{', "not a JSON object: %s", line);
		if (m == NULL)
			continue;
		i = atoi(m + strlen(want));
		ck_assert_int_ge(i, 0);
		ck_assert_int_lt(i, n);
		count[i]++;
		total++;
	}
	fclose(fp);
	for (i = 0; i < n; i++)
		ck_assert_msg(count[i] == 1, "%s %d archived %d times", tag, i, count[i]);
	ck_assert_int_eq(total, n);
	free(count);
}

START_TEST(test_every_message_once)
{
	int i, n = 5000;
	struct pipeline_write_stats ws;

	start(2);
	for (i = 0; i < n; i++) {
		add("m", i);
		if (i % 700 == 0)
			pipeline_flush(fx.p);
	}
	pipeline_add(fx.p, &fx.ident, "<86>Dec  7 10:00:01 web1 useradd[42]: new user: "
	    "name=mallory, UID=1001, GID=1001, home=/home/mallory, shell=/bin/bash, from=/dev/pts/0",
	    strlen("<86>Dec  7 10:00:01 web1 useradd[42]: new user: name=mallory, UID=1001, "
	    "GID=1001, home=/home/mallory, shell=/bin/bash, from=/dev/pts/0"), 0,
	    &(struct peer_addr){ AF_INET, 5140, { 192, 0, 2, 7 } }, NULL,
	    &(struct timespec){ 1795773600, 0 });
	spin(20);
	pipeline_get_write_stats(fx.p, &ws);
	finish();
	expect_each_once("events.jsonl", "m", n);
	ck_assert_uint_eq(ws.errors[PIPELINE_ARCHIVE], 0);
	{
		FILE *fp = fopen(unit_path("alerts.jsonl"), "r");
		char line[16384];
		int alerts = 0;

		ck_assert_ptr_nonnull(fp);
		while (fgets(line, sizeof(line), fp) != NULL) {
			ck_assert_ptr_nonnull(strstr(line, "\"name\":\"mallory\""));
			alerts++;
		}
		fclose(fp);
		ck_assert_int_eq(alerts, 1);
	}
}
END_TEST

static struct peer_tls *
new_tls(void)
{
	struct peer_tls *t = calloc(1, sizeof(*t) + 1);

	ck_assert_ptr_nonnull(t);
	atomic_init(&t->refs, 1);
	t->version = "1.3";
	t->cipher = "TLS_AES_256_GCM_SHA384";
	return t;
}

/*
 * A batch holds one TLS reference a run of items from one sender, not one
 * a message (one atomic operation where there were as many as messages),
 * and gives every one back: interleaved senders, runs across a flush.
 */
START_TEST(test_tls_reference_a_run)
{
	struct peer_tls *a = new_tls(), *b = new_tls();
	int i = 0;

	start(1);
	add_tls(a, "ta", i++);
	add_tls(a, "ta", i++);
	add_tls(a, "ta", i++);
	/* the sender's own reference and the batch's one */
	ck_assert_uint_eq(atomic_load(&a->refs), 2);
	add_tls(b, "ta", i++);
	add_tls(b, "ta", i++);
	add_tls(a, "ta", i++);
	add("plain", 0);
	add_tls(a, "ta", i++);
	/* a: runs 1-3, 6 and 8 in this batch; b: one run */
	ck_assert_uint_eq(atomic_load(&a->refs), 4);
	ck_assert_uint_eq(atomic_load(&b->refs), 2);
	pipeline_flush(fx.p);
	/* the next batch's first item takes its own reference */
	add_tls(a, "ta", i++);
	ck_assert_uint_ge(atomic_load(&a->refs), 2);
	spin(20);
	finish();
	ck_assert_uint_eq(atomic_load(&a->refs), 1);
	ck_assert_uint_eq(atomic_load(&b->refs), 1);
	expect_each_once("events.jsonl", "ta", i);
	peer_tls_release(a);
	peer_tls_release(b);
}
END_TEST

/*
 * The pool is POOL batches: with the one worker stuck on a failing write,
 * intake pauses at the POOL-th hand-over, not before; once writes work
 * again it resumes and every message is archived once.
 */
START_TEST(test_pause_at_pool_bound)
{
	struct rlimit none = { 0, RLIM_INFINITY }, back = { RLIM_INFINITY, RLIM_INFINITY };
	struct pipeline_write_stats ws;
	int batch, i, per = 50, paused_at = -1, pauses;
	bool paused_after_pool;

	signal(SIGXFSZ, SIG_IGN);
	start(1);
	ck_assert_int_eq(getrlimit(RLIMIT_FSIZE, &back), 0);
	/*
	 * While writes fail nothing may be asserted: Check reports a failure
	 * through a file, which RLIMIT_FSIZE 0 would stop too.  Observe, lift
	 * the limit, then assert.
	 */
	ck_assert_int_eq(setrlimit(RLIMIT_FSIZE, &none), 0);
	for (batch = 0; batch < POOL && paused_at < 0; batch++) {
		if (pipeline_paused(fx.p))
			paused_at = batch;
		for (i = 0; i < per; i++)
			add("p", batch * per + i);
		pipeline_flush(fx.p);
		spin(5);
	}
	paused_after_pool = pipeline_paused(fx.p);
	pauses = fx.seen.pauses;
	for (i = 0; i < 5000; i++) {
		pipeline_get_write_stats(fx.p, &ws);
		if (ws.errors[PIPELINE_ARCHIVE] > 0 && ws.failing[PIPELINE_ARCHIVE])
			break;
		spin(1);
	}
	setrlimit(RLIMIT_FSIZE, &back);
	ck_assert_msg(paused_at < 0, "paused before hand-over %d of %d", paused_at + 1, POOL);
	ck_assert_msg(paused_after_pool, "not paused after %d hand-overs with the worker stuck", POOL);
	ck_assert_int_eq(pauses, 1);
	ck_assert_uint_gt(ws.errors[PIPELINE_ARCHIVE], 0);
	ck_assert(ws.failing[PIPELINE_ARCHIVE]);

	/* the disk has room again (the limit was lifted above) */
	for (i = 0; i < 10000 && fx.seen.paused; i++)
		spin(1);
	ck_assert_msg(!fx.seen.paused, "intake still paused after writes work again");
	ck_assert_int_eq(fx.seen.resumes, 1);
	pipeline_get_write_stats(fx.p, &ws);
	finish();
	ck_assert_uint_eq(ws.given_up[PIPELINE_ARCHIVE], 0);
	expect_each_once("events.jsonl", "p", POOL * per);
}
END_TEST

/*
 * The pool used up while the worker is healthy: intake waits for the batch
 * the worker releases instead of pausing its inputs (a pause disables and
 * re-enables every connection).  The wait is lengthened to 60 s so that a
 * busy machine cannot turn it into a pause; test_pause_at_pool_bound shows
 * that an output that is stuck still pauses after the default wait.
 */
START_TEST(test_full_pool_waits_for_worker)
{
	int batch, i, per = 50, batches = POOL * 8;

	start(1);
	pipeline_set_pause_wait(fx.p, 60L * 1000000000L);
	/* no loop pass in between: a pause could only be lifted by one */
	for (batch = 0; batch < batches; batch++) {
		for (i = 0; i < per; i++)
			add("w", batch * per + i);
		pipeline_flush(fx.p);
	}
	ck_assert_int_eq(fx.seen.pauses, 0);
	ck_assert(!pipeline_paused(fx.p));
	finish();
	expect_each_once("events.jsonl", "w", batches * per);
}
END_TEST

#ifdef HAVE_KAFKA
/*
 * The ordered produce step stalls (Kafka's queue holds 1 message and
 * nothing is delivered: no broker, no report thread): the worker whose
 * turn it is waits in it, the other one processes the next batches, which
 * wait for their turn holding their pool slots.  Intake pauses once the
 * pool is used up, not a batch before; at stop, the stalled step gives up
 * (counted stopped) and every message is in the archive once.
 */
START_TEST(test_produce_stall_pauses_at_pool)
{
	char name[] = "unit", brokers[] = "127.0.0.1:1", topic[] = "t", none[] = "none";
	struct kafka_settings s = { .name = name, .brokers = brokers, .topic = topic,
		.key = KAFKA_KEY_HOST, .compression = none, .queue_max_messages = 1,
		.queue_max_kbytes = 1024, .max_spool_bytes = 4096, .flush_timeout = 0,
		.file = name, .line = 1 };
	struct kafka_stats st;
	struct kafka *k;
	char err[512] = "";
	int batch, i, per = 50, paused_at = -1, pauses;
	bool paused_after_pool;

	k = kafka_new(&s, unit_path(""), err, sizeof(err));
	ck_assert_msg(k != NULL, "kafka_new: %s", err);
	start_with(2, k);
	for (batch = 0; batch < POOL && paused_at < 0; batch++) {
		if (pipeline_paused(fx.p))
			paused_at = batch;
		for (i = 0; i < per; i++)
			add("k", batch * per + i);
		pipeline_flush(fx.p);
		spin(20);
	}
	paused_after_pool = pipeline_paused(fx.p);
	pauses = fx.seen.pauses;
	ck_assert_msg(paused_at < 0, "paused before hand-over %d of %d", paused_at + 1, POOL);
	ck_assert_msg(paused_after_pool, "not paused after %d hand-overs with produce stalled",
	    POOL);
	ck_assert_int_eq(pauses, 1);
	kafka_get_stats(k, &st);
	ck_assert_uint_eq(st.produced[KAFKA_EVENTS], 1);
	ck_assert_uint_eq(st.queue_full_waits, 1);

	kafka_stop(k); /* flush_timeout 0: the stalled step gives up at once */
	for (i = 0; i < 10000 && fx.seen.paused; i++)
		spin(1);
	ck_assert_msg(!fx.seen.paused, "intake still paused after the stop");
	finish();
	kafka_get_stats(k, &st);
	ck_assert_uint_eq(st.failed[KAFKA_EVENTS][KAFKA_FAIL_STOPPED], POOL * per - 1);
	kafka_free(k);
	expect_each_once("events.jsonl", "k", POOL * per);
}
END_TEST
#endif

/* What is added after a swap goes to the new archive; the old outputs retire once. */
START_TEST(test_swap)
{
	struct archive *next;
	struct pipeline_outputs out;
	int i;

	start(2);
	for (i = 0; i < 300; i++)
		add("before", i);
	next = open_archive("events2.jsonl");
	out = (struct pipeline_outputs){ .rules = fx.rules, .archive = next, .alerts = fx.alerts };
	pipeline_swap(fx.p, &out, retirecb, &fx.seen);
	for (i = 0; i < 200; i++)
		add("after", i);
	spin(20);
	pipeline_drain(fx.p);
	ck_assert_int_eq(fx.seen.retired, 1);
	pipeline_free(fx.p);
	archive_close(next);
	archive_close(fx.archive);
	archive_close(fx.alerts);
	ruleset_free(fx.rules);
	event_base_free(fx.base);
	expect_each_once("events.jsonl", "before", 300);
	expect_each_once("events2.jsonl", "after", 200);
}
END_TEST

Suite *
unit_suite(void)
{
	Suite *s = suite_create("pipeline");
	TCase *tc = tcase_create("pipeline");

	tcase_add_checked_fixture(tc, unit_dir_setup, unit_dir_teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_every_message_once);
	tcase_add_test(tc, test_tls_reference_a_run);
	tcase_add_test(tc, test_pause_at_pool_bound);
	tcase_add_test(tc, test_full_pool_waits_for_worker);
	tcase_add_test(tc, test_swap);
#ifdef HAVE_KAFKA
	tcase_add_test(tc, test_produce_stall_pauses_at_pool);
#endif
	suite_add_tcase(s, tc);
	return s;
}

/*
 * sigma_cost.c: what Sigma rules cost a message, through the whole path
 * a worker runs (parse, normalize, ECS event, detections and Sigma rules,
 * alert): one thread, messages held in memory, no I/O.
 *
 *   make bench/sigma_cost
 *   bench/sigma_cost RULES_DIR SIGMA_DIR|- MESSAGES [PASSES]
 *   bench/sigma_cost --verify RULES_DIR SIGMA_DIR MESSAGES
 *
 * Prints the Sigma rules loaded and compiled, messages run, seconds,
 * msg/s and alerts.  bench/sigma runs it with no Sigma rules, with the 61
 * of tests/data/sigma and with a SigmaHQ checkout (bench/README.md).
 * --verify matches each message through the indexes (literal, and
 * (field, value): sigma_key.c) and by trying every rule (sigma_match_all),
 * and fails when they differ; it says how many instances are keyed.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <json.h>

#include "detect.h"
#include "detect_set.h"
#include "json_writer.h"
#include "normalize.h"
#include "parse.h"
#include "process.h"
#include "sigma.h"

/* The messages of path, one a line (caller frees *buf and *lines). */
static size_t
read_lines(const char *path, char **buf, char ***lines, size_t **lens)
{
	FILE *fp = fopen(path, "r");
	size_t cap = 0, n = 0, size, i, start = 0;
	long len;

	if (fp == NULL || fseek(fp, 0, SEEK_END) != 0 || (len = ftell(fp)) < 0) {
		perror(path);
		exit(1);
	}
	rewind(fp);
	size = (size_t)len;
	if ((*buf = malloc(size + 1)) == NULL || fread(*buf, 1, size, fp) != size)
		exit(1);
	fclose(fp);
	*lines = NULL;
	*lens = NULL;
	for (i = 0; i <= size; i++) {
		if (i < size && (*buf)[i] != '\n')
			continue;
		if (i > start) {
			if (n == cap) {
				cap = cap ? cap * 2 : 1024;
				*lines = realloc(*lines, cap * sizeof(**lines));
				*lens = realloc(*lens, cap * sizeof(**lens));
				if (*lines == NULL || *lens == NULL)
					exit(1);
			}
			(*lines)[n] = *buf + start;
			(*lens)[n++] = i - start;
		}
		start = i + 1;
	}
	return n;
}

/* The detections offered for one message, in order. */
struct offered {
	size_t *v;
	size_t n, cap;
};

static void
offercb(size_t det, void *arg)
{
	struct offered *o = arg;

	if (o->n == o->cap) {
		o->cap = o->cap ? o->cap * 2 : 64;
		if ((o->v = realloc(o->v, o->cap * sizeof(*o->v))) == NULL)
			exit(1);
	}
	o->v[o->n++] = det;
}

/* --verify: the index against trying every rule, message by message. */
static int
verify(const char *rules, const char *sigma, const char *messages)
{
	struct offered indexed = {NULL, 0, 0}, all = {NULL, 0, 0};
	size_t *lens, n, i, matched = 0, differ = 0, keyed, key_fields;
	struct json_object *norm;
	struct detect_event ev;
	struct syslog_msg msg;
	struct normalizer *nz;
	struct detect_set *set;
	char err[1024], *buf, **lines;

	n = read_lines(messages, &buf, &lines, &lens);
	if ((nz = normalizer_new(rules, err, sizeof(err))) == NULL ||
	    (set = detect_load_sigma(rules, sigma, err, sizeof(err))) == NULL) {
		fprintf(stderr, "sigma_cost: %s\n", err);
		return 1;
	}
	for (i = 0; i < n; i++) {
		norm = NULL;
		parse_message(lines[i], lens[i], 1764237600, &msg);
		if (msg.msg.p != NULL)
			normalizer_run(nz, msg.msg.p, msg.msg.len, &norm);
		ev.msg = &msg;
		ev.norm = norm;
		ev.source_ip = "127.0.0.1";
		indexed.n = all.n = 0;
		sigma_match(set->sigma, &ev, offercb, &indexed);
		sigma_match_all(set->sigma, &ev, offercb, &all);
		matched += all.n > 0;
		if (indexed.n != all.n || memcmp(indexed.v, all.v, all.n * sizeof(*all.v)) != 0) {
			if (differ++ < 10)
				fprintf(stderr, "differ: line %zu: index %zu, all %zu\n", i + 1,
				    indexed.n, all.n);
		}
		if (norm != NULL)
			json_object_put(norm);
	}
	keyed = sigma_keyed_count(set->sigma, &key_fields);
	printf("verify: messages=%zu matched=%zu differ=%zu instances=%zu keyed=%zu key_fields=%zu\n",
	    n, matched, differ, sigma_instance_count(set->sigma), keyed, key_fields);
	detect_free(set);
	normalizer_free(nz);
	free(indexed.v);
	free(all.v);
	free(lines);
	free(lens);
	free(buf);
	return differ > 0;
}

int
main(int argc, char **argv)
{
	struct processor p;
	struct detect_set *set;
	struct frame_meta meta;
	struct process_result res;
	struct strbuf out, alerts;
	struct timespec t0, t1;
	char err[1024], *buf, **lines;
	size_t *lens, n, i, pass, passes, alerted = 0;
	double secs;

	if (argc == 5 && strcmp(argv[1], "--verify") == 0)
		return verify(argv[2], argv[3], argv[4]);
	if (argc < 4) {
		fprintf(stderr, "usage: sigma_cost RULES_DIR SIGMA_DIR|- MESSAGES [PASSES]\n"
				"       sigma_cost --verify RULES_DIR SIGMA_DIR MESSAGES\n");
		return 2;
	}
	passes = argc > 4 ? strtoul(argv[4], NULL, 10) : 1;
	n = read_lines(argv[3], &buf, &lines, &lens);
	if (processor_init(&p, argv[1], err, sizeof(err)) == -1 ||
	    (set = detect_load_sigma(
		 argv[1], strcmp(argv[2], "-") == 0 ? NULL : argv[2], err, sizeof(err))) == NULL) {
		fprintf(stderr, "sigma_cost: %s\n", err);
		return 1;
	}
	processor_set_detect(&p, set, false);
	strbuf_init(&out);
	strbuf_init(&alerts);
	memset(&meta, 0, sizeof(meta));
	meta.input_name = "bench";
	meta.transport = "tcp";
	meta.source_ip = "127.0.0.1";
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (pass = 0; pass < passes; pass++)
		for (i = 0; i < n; i++) {
			clock_gettime(CLOCK_REALTIME, &meta.received);
			strbuf_reset(&out);
			strbuf_reset(&alerts);
			if (processor_run(&p, lines[i], lens[i], &meta, &out, &alerts, &res) == -1)
				return 1;
			alerted += res.alerted;
		}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	secs = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
	printf("detections=%zu messages=%zu seconds=%.3f msg/s=%.0f alerts=%zu\n",
	    detect_count(set), n * passes, secs, (double)(n * passes) / secs, alerted);
	detect_sigma_log(set, 0);
	strbuf_free(&out);
	strbuf_free(&alerts);
	processor_fini(&p);
	detect_free(set);
	free(lines);
	free(lens);
	free(buf);
	return 0;
}

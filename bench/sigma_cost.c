/*
 * sigma_cost.c: what Sigma rules cost a message, through the whole path
 * a worker runs (parse, normalize, ECS event, detections and Sigma rules,
 * alert): one thread, messages held in memory, no I/O.
 *
 *   make bench/sigma_cost
 *   bench/sigma_cost RULES_DIR SIGMA_DIR|- MESSAGES [PASSES]
 *
 * Prints the Sigma rules loaded and compiled, messages run, seconds,
 * msg/s and alerts.  bench/sigma runs it with no Sigma rules, with the 61
 * of tests/data/sigma and with a SigmaHQ checkout (bench/README.md).
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "detect.h"
#include "json_writer.h"
#include "process.h"

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

	if (argc < 4) {
		fprintf(stderr, "usage: sigma_cost RULES_DIR SIGMA_DIR|- MESSAGES [PASSES]\n");
		return 2;
	}
	passes = argc > 4 ? strtoul(argv[4], NULL, 10) : 1;
	n = read_lines(argv[3], &buf, &lines, &lens);
	if (processor_init(&p, argv[1], err, sizeof(err)) == -1 ||
	    (set = detect_load_sigma(argv[1], strcmp(argv[2], "-") == 0 ? NULL : argv[2], err,
		 sizeof(err))) == NULL) {
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
	printf("detections=%zu messages=%zu seconds=%.3f msg/s=%.0f alerts=%zu\n", detect_count(set),
	    n * passes, secs, (double)(n * passes) / secs, alerted);
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

/*
 * kafka_mock: a librdkafka mock cluster (the real Kafka protocol on
 * loopback ports) for the Kafka scenario tests, driven on stdin.
 *
 *   kafka_mock BROKERS TOPIC:PARTITIONS...
 *
 * prints "bootstrap HOST:PORT,..." once the cluster is up, then runs one
 * command a line and answers "ok" (or "error ..."):
 *
 *   down ID | up ID            a broker refuses connections / accepts again
 *   leader TOPIC PART ID       move a partition's leadership
 *   produce-errors N CODE...   the next N Produce requests fail with the
 *                              codes (Kafka error numbers), in order
 *   consume TOPIC FILE         read TOPIC from the start to its end with a
 *                              librdkafka consumer: "KEY<TAB>VALUE" a line
 *                              into FILE, then answer "ok COUNT"
 *   watermarks TOPIC           each partition's log as the leader has it:
 *                              "ok TOTAL P:LOW-HIGH..." (TOTAL: the sum of
 *                              HIGH - LOW, the messages on the topic)
 *   quit
 *
 * The cluster lives in this process: it serves as long as this runs.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>

#define PRODUCE_API_KEY 0
#define MAX_CODES 64

static rd_kafka_mock_cluster_t *cluster;
static char bootstraps[1024];

/* Read the whole of topic (every partition, start to end) into path. */
static long
consume(const char *topic, const char *path)
{
	char err[512];
	rd_kafka_conf_t *conf = rd_kafka_conf_new();
	rd_kafka_t *rk;
	const rd_kafka_metadata_t *md = NULL;
	rd_kafka_topic_partition_list_t *parts;
	rd_kafka_topic_t *rkt;
	rd_kafka_message_t *m;
	long count = 0;
	int i, eof = 0, n_parts = 0, idle = 0;
	FILE *out;

	rd_kafka_conf_set(conf, "bootstrap.servers", bootstraps, err, sizeof(err));
	rd_kafka_conf_set(conf, "group.id", "kafka-mock-reader", err, sizeof(err));
	rd_kafka_conf_set(conf, "enable.partition.eof", "true", err, sizeof(err));
	rd_kafka_conf_set(conf, "enable.auto.commit", "false", err, sizeof(err));
	if ((rk = rd_kafka_new(RD_KAFKA_CONSUMER, conf, err, sizeof(err))) == NULL)
		return -1;
	rkt = rd_kafka_topic_new(rk, topic, NULL);
	if (rd_kafka_metadata(rk, 0, rkt, &md, 10000) != RD_KAFKA_RESP_ERR_NO_ERROR ||
	    md->topic_cnt != 1) {
		rd_kafka_topic_destroy(rkt);
		rd_kafka_destroy(rk);
		return -1;
	}
	n_parts = md->topics[0].partition_cnt;
	parts = rd_kafka_topic_partition_list_new(n_parts);
	for (i = 0; i < n_parts; i++)
		rd_kafka_topic_partition_list_add(parts, topic, md->topics[0].partitions[i].id)
		    ->offset = RD_KAFKA_OFFSET_BEGINNING;
	rd_kafka_metadata_destroy(md);
	rd_kafka_topic_destroy(rkt);
	rd_kafka_assign(rk, parts);
	rd_kafka_topic_partition_list_destroy(parts);
	if ((out = fopen(path, "w")) == NULL) {
		rd_kafka_destroy(rk);
		return -1;
	}
	/* every partition reports its end once; 30 idle seconds is a failure */
	while (eof < n_parts && idle < 300) {
		if ((m = rd_kafka_consumer_poll(rk, 100)) == NULL) {
			idle++;
			continue;
		}
		idle = 0;
		if (m->err == RD_KAFKA_RESP_ERR__PARTITION_EOF)
			eof++;
		else if (m->err == RD_KAFKA_RESP_ERR_NO_ERROR) {
			fprintf(out, "%.*s\t%.*s\n", (int)m->key_len, m->key ? (char *)m->key : "",
			    (int)m->len, (char *)m->payload);
			count++;
		}
		rd_kafka_message_destroy(m);
	}
	fclose(out);
	rd_kafka_consumer_close(rk);
	rd_kafka_destroy(rk);
	return eof == n_parts ? count : -1;
}

/*
 * Answer with the low and high watermarks of every partition of topic, from
 * the leaders (ListOffsets): what a reader from the start can get, whatever
 * the producer was told.  -1 when the cluster does not answer.
 */
static int
watermarks(const char *topic)
{
	char err[512], parts[4096];
	rd_kafka_conf_t *conf = rd_kafka_conf_new();
	rd_kafka_t *rk;
	const rd_kafka_metadata_t *md = NULL;
	rd_kafka_topic_t *rkt;
	int64_t low, high, total = 0;
	size_t used = 0;
	int i, rc = -1;

	rd_kafka_conf_set(conf, "bootstrap.servers", bootstraps, err, sizeof(err));
	if ((rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, err, sizeof(err))) == NULL)
		return -1;
	rkt = rd_kafka_topic_new(rk, topic, NULL);
	if (rd_kafka_metadata(rk, 0, rkt, &md, 10000) != RD_KAFKA_RESP_ERR_NO_ERROR ||
	    md->topic_cnt != 1)
		goto done;
	parts[0] = '\0';
	for (i = 0; i < md->topics[0].partition_cnt; i++) {
		int32_t id = md->topics[0].partitions[i].id;

		if (rd_kafka_query_watermark_offsets(rk, topic, id, &low, &high, 10000) !=
		    RD_KAFKA_RESP_ERR_NO_ERROR)
			goto done;
		total += high - low;
		used += (size_t)snprintf(parts + used, sizeof(parts) - used, " %d:%lld-%lld",
		    (int)id, (long long)low, (long long)high);
		if (used >= sizeof(parts))
			goto done;
	}
	printf("ok %lld%s\n", (long long)total, parts);
	fflush(stdout);
	rc = 0;
done:
	if (md != NULL)
		rd_kafka_metadata_destroy(md);
	rd_kafka_topic_destroy(rkt);
	rd_kafka_destroy(rk);
	return rc;
}

/* Run one command line; the answer goes to stdout. */
static void
command(char *line)
{
	char *argv[MAX_CODES + 4], *save = NULL, *t;
	rd_kafka_resp_err_t codes[MAX_CODES];
	int argc = 0, i;

	for (t = strtok_r(line, " \t\n", &save); t != NULL && argc < MAX_CODES + 4;
	    t = strtok_r(NULL, " \t\n", &save))
		argv[argc++] = t;
	if (argc == 0)
		return;
	if (strcmp(argv[0], "down") == 0 && argc == 2)
		rd_kafka_mock_broker_set_down(cluster, atoi(argv[1]));
	else if (strcmp(argv[0], "up") == 0 && argc == 2)
		rd_kafka_mock_broker_set_up(cluster, atoi(argv[1]));
	else if (strcmp(argv[0], "leader") == 0 && argc == 4)
		rd_kafka_mock_partition_set_leader(cluster, argv[1], atoi(argv[2]), atoi(argv[3]));
	else if (strcmp(argv[0], "produce-errors") == 0 && argc >= 3 &&
	    atoi(argv[1]) == argc - 2) {
		for (i = 2; i < argc; i++)
			codes[i - 2] = (rd_kafka_resp_err_t)atoi(argv[i]);
		rd_kafka_mock_push_request_errors_array(cluster, PRODUCE_API_KEY,
		    (size_t)(argc - 2), codes);
	} else if (strcmp(argv[0], "consume") == 0 && argc == 3) {
		long n = consume(argv[1], argv[2]);

		if (n < 0)
			printf("error consume %s\n", argv[1]);
		else
			printf("ok %ld\n", n);
		fflush(stdout);
		return;
	} else if (strcmp(argv[0], "watermarks") == 0 && argc == 2) {
		if (watermarks(argv[1]) == -1) {
			printf("error watermarks %s\n", argv[1]);
			fflush(stdout);
		}
		return;
	} else if (strcmp(argv[0], "quit") == 0) {
		printf("ok\n");
		fflush(stdout);
		rd_kafka_mock_cluster_destroy(cluster);
		exit(0);
	} else {
		printf("error unknown command %s\n", argv[0]);
		fflush(stdout);
		return;
	}
	printf("ok\n");
	fflush(stdout);
}

int
main(int argc, char **argv)
{
	char err[512], line[4096];
	rd_kafka_conf_t *conf = rd_kafka_conf_new();
	rd_kafka_t *rk;
	int i;

	if (argc < 2) {
		fprintf(stderr, "usage: kafka_mock BROKERS [TOPIC:PARTITIONS...]\n");
		return 2;
	}
	rd_kafka_conf_set(conf, "log_level", "0", err, sizeof(err));
	if ((rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, err, sizeof(err))) == NULL ||
	    (cluster = rd_kafka_mock_cluster_new(rk, atoi(argv[1]))) == NULL) {
		fprintf(stderr, "kafka_mock: %s\n", err);
		return 1;
	}
	for (i = 2; i < argc; i++) {
		char *colon = strchr(argv[i], ':');

		if (colon == NULL)
			continue;
		*colon = '\0';
		rd_kafka_mock_topic_create(cluster, argv[i], atoi(colon + 1), 3);
	}
	snprintf(bootstraps, sizeof(bootstraps), "%s", rd_kafka_mock_cluster_bootstraps(cluster));
	printf("bootstrap %s\n", bootstraps);
	fflush(stdout);
	while (fgets(line, sizeof(line), stdin) != NULL)
		command(line);
	rd_kafka_mock_cluster_destroy(cluster);
	rd_kafka_destroy(rk);
	return 0;
}

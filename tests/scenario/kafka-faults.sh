#!/bin/sh
# kafka-faults: broker faults on a 3-broker librdkafka mock cluster lose
# nothing accepted over TCP and duplicate nothing (idempotent producer):
#  1. all brokers down for 4 s mid-stream: nothing delivered meanwhile,
#     the messages wait in the queue; brokers up: every one delivered
#  2. a leader change on every partition of the topic
#  3. 3 retriable produce errors (NOT_ENOUGH_REPLICAS) on one message: retried,
#     delivered, and counted in logward_kafka_retries_total; a stream after it
#  4. 1 permanent produce error (MESSAGE_TOO_LARGE) on one message: counted
#     failed{reason="message_too_large"} once, logged once; the rest goes on
# The mock's partitions hold as many messages as were reported delivered, and
# the topic read back with kcat holds them all: every sequence once, in order
# per host.
TEST_NAME=kafka-faults
. "$(dirname "$0")/lib.sh"
. "$SCENARIO_DIR/kafka-lib.sh"

# the mock's brokers first: their ports are then taken, and ports cannot pick them
mock_start 3 events:4 alerts:2
ports 2
set -- $PORTS
P=$1 MP=$2
KAFKA_WORKERS=1 kafka_conf "$P" "$MP" >"$T/logward.conf"
logward_start "$T/logward.conf"
DELIVERED='logward_kafka_messages_total{output="bus",stream="events",result="delivered"}'

send a 1000
kmetric_wait "$DELIVERED" 1000 60

# 1. every broker down, a stream sent meanwhile, then up
mock down 1; mock down 2; mock down 3
send b 1000
sleep 4
[ "$(kmetric "$DELIVERED")" = 1000 ] || fail "delivered while every broker was down: $(kmetric "$DELIVERED")"
[ "$(kmetric 'logward_kafka_queue_messages{output="bus"}')" = 1000 ] ||
	fail "queue holds $(kmetric 'logward_kafka_queue_messages{output="bus"}'), expected 1000"
grep -q "kafka bus: .*brokers are down\|kafka bus: .*Connect" "$T/logward.err" || fail "the outage is not logged"
mock up 1; mock up 2; mock up 3
kmetric_wait "$DELIVERED" 2000 60
grep -q "kafka bus: delivering again" "$T/logward.err" || fail "the recovery is not logged"

# 2. leaders move
mock leader events 0 2; mock leader events 1 3; mock leader events 2 1; mock leader events 3 1
send c 1000
kmetric_wait "$DELIVERED" 3000 60

# 3. retriable errors (19: NOT_ENOUGH_REPLICAS) on a lone message, nothing
# else in flight: its request and the 2 retries fail, the third is delivered.
# Not on a stream: the mock checks no sequence number of an idempotent
# producer that is not transactional, so a request sent behind the failed
# one succeeds where a broker refuses it (OUT_OF_ORDER_SEQUENCE_NUMBER), and
# librdkafka then reports the failed request's messages delivered ("implicitly
# acked", offset -1001) though they never reached the log: a loss that the
# mock makes, which once took "d seq=0" off the topic.
RETRIES='logward_kafka_retries_total{output="bus"}'
retries_before=$(kmetric "$RETRIES")
mock produce-errors 3 19 19 19
send r 1
kmetric_wait "$DELIVERED" 3001 60
# the statistics come every second: the retried sends show in the next ones
wait_for '[ "$(kmetric "$RETRIES")" -ge $((retries_before + 3)) ]' 10 ||
	fail "3 retriable produce errors, retries_total $(kmetric "$RETRIES") (was $retries_before)"
retries_after=$(kmetric "$RETRIES")
send d 1000
kmetric_wait "$DELIVERED" 4001 60

# 4. one permanent error (10: MESSAGE_TOO_LARGE) on a lone message
mock produce-errors 1 10
send perm 1
kmetric_wait 'logward_kafka_failed_total{output="bus",stream="events",reason="message_too_large"}' 1 30
send e 1000
kmetric_wait "$DELIVERED" 5001 60
[ "$(grep -c "not delivered: .*too large" "$T/logward.err")" = 1 ] || fail "the permanent error is not logged once"
failed=$(grep '^logward_kafka_failed_total' "$T/metrics.txt" | awk '{ s += $2 } END { print s }')
[ "$failed" = 1 ] || fail "failures counted: $failed, expected 1"

# what the brokers hold, then what a reader gets: a delivery report for a
# message that is not on the topic, and a read that stops short, are told apart
topic_count events
[ "$ON_TOPIC" = 5001 ] ||
	fail "5001 events reported delivered, the partitions hold $ON_TOPIC (${MOCK_ANSWER#ok })"
kcat_read events "$T/events.tsv"
[ "$(wc -l <"$T/events.tsv")" = 5001 ] ||
	fail "kcat read $(wc -l <"$T/events.tsv") events of the 5001 on the topic"
check_topic "$T/events.tsv" r 1 >"$T/check.out" || fail "r: $(cat "$T/check.out")"
for p in a b c d e; do
	check_topic "$T/events.tsv" $p 1000 >"$T/check.out" || fail "$p: $(cat "$T/check.out")"
done
grep -q "perm seq=0" "$T/events.tsv" && fail "the refused message is on the topic"
note "5001 delivered once each through an outage, leader moves, 3 retried and 1 permanent error; retries_total $retries_before before the retriable errors, $retries_after after"
logward_stop

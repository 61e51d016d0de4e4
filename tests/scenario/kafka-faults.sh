#!/bin/sh
# kafka-faults: broker faults on a 3-broker librdkafka mock cluster lose
# nothing accepted over TCP and duplicate nothing (idempotent producer):
#  1. all brokers down for 4 s mid-stream: nothing delivered meanwhile,
#     the messages wait in the queue; brokers up: every one delivered
#  2. a leader change on every partition of the topic
#  3. 3 retriable produce errors (NOT_ENOUGH_REPLICAS): retried, delivered,
#     and counted in logward_kafka_retries_total
#  4. 1 permanent produce error (MESSAGE_TOO_LARGE) on one message: counted
#     failed{reason="message_too_large"} once, logged once; the rest goes on
# The topic read back with kcat holds every sequence once, in order per host.
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

# 3. retriable errors (19: NOT_ENOUGH_REPLICAS)
RETRIES='logward_kafka_retries_total{output="bus"}'
retries_before=$(kmetric "$RETRIES")
mock produce-errors 3 19 19 19
send d 1000
kmetric_wait "$DELIVERED" 4000 60
# the statistics come every second: the retried sends show in the next ones
wait_for '[ "$(kmetric "$RETRIES")" -gt "$retries_before" ]' 10 ||
	fail "3 retriable produce errors, retries_total still $(kmetric "$RETRIES") (was $retries_before)"
retries_after=$(kmetric "$RETRIES")

# 4. one permanent error (10: MESSAGE_TOO_LARGE) on a lone message
mock produce-errors 1 10
send perm 1
kmetric_wait 'logward_kafka_failed_total{output="bus",stream="events",reason="message_too_large"}' 1 30
send e 1000
kmetric_wait "$DELIVERED" 5000 60
[ "$(grep -c "not delivered: .*too large" "$T/logward.err")" = 1 ] || fail "the permanent error is not logged once"
failed=$(grep '^logward_kafka_failed_total' "$T/metrics.txt" | awk '{ s += $2 } END { print s }')
[ "$failed" = 1 ] || fail "failures counted: $failed, expected 1"

kcat_read events "$T/events.tsv"
for p in a b c d e; do
	check_topic "$T/events.tsv" $p 1000 >"$T/check.out" || fail "$p: $(cat "$T/check.out")"
done
grep -q "perm seq=0" "$T/events.tsv" && fail "the refused message is on the topic"
[ "$(wc -l <"$T/events.tsv")" = 5000 ] || fail "topic holds $(wc -l <"$T/events.tsv") events, expected 5000"
note "5000 delivered once each through an outage, leader moves, 3 retried and 1 permanent error; retries_total $retries_before before the retriable errors, $retries_after after"
logward_stop

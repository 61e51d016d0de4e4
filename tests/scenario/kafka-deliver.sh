#!/bin/sh
# kafka-deliver: events and alerts published to a Kafka cluster (a librdkafka
# mock cluster of 3 brokers, the real protocol on loopback) arrive once each:
# read back with kcat and with a librdkafka consumer, every event sent over
# TCP is there once, valid JSON, keyed by its host, in order per host; every
# alert is on the alerts topic; /metrics counts what happened.  One worker
# (kafka-order: several).
TEST_NAME=kafka-deliver
. "$(dirname "$0")/lib.sh"
. "$SCENARIO_DIR/kafka-lib.sh"

# the mock's brokers first: their ports are then taken, and ports cannot pick them
mock_start 3 events:4 alerts:2
ports 2
set -- $PORTS
P=$1 MP=$2
KAFKA_WORKERS=1 kafka_conf "$P" "$MP" >"$T/logward.conf"
logward_start "$T/logward.conf"

N=3000
send ev "$N" 10
send_alerts acct 5
TOTAL=$((N + 5))
kmetric_wait 'logward_kafka_messages_total{output="bus",stream="events",result="delivered"}' "$TOTAL" 60
kmetric_wait 'logward_kafka_messages_total{output="bus",stream="alerts",result="delivered"}' 5 30
[ "$(kmetric 'logward_kafka_messages_total{output="bus",stream="events",result="produced"}')" = "$TOTAL" ] ||
	fail "events produced: $(kmetric 'logward_kafka_messages_total{output="bus",stream="events",result="produced"}')"
grep 'logward_kafka_failed_total' "$T/metrics.txt" | grep -v '^#' | grep -qv ' 0$' &&
	fail "failures counted: $(grep '^logward_kafka_failed_total' "$T/metrics.txt" | grep -v ' 0$')"
[ "$(kmetric 'logward_kafka_queue_messages{output="bus"}')" = 0 ] || fail "queue not empty"
# nothing was sent twice: the statistics (every second) say no retry
sleep 2
[ "$(kmetric 'logward_kafka_retries_total{output="bus"}')" = 0 ] ||
	fail "retries counted without a fault: $(kmetric 'logward_kafka_retries_total{output="bus"}')"
# librdkafka connects to the brokers it needs (sparse connections): each of
# the 3 has a series, and one that leads a partition is up
wait_for '[ "$(grep -c "^logward_kafka_broker_up{" "$T/metrics.txt")" = 3 ] && grep -q "^logward_kafka_broker_up{.*} 1$" "$T/metrics.txt" || { kmetric x >/dev/null; false; }' 10 ||
	fail "brokers not shown: $(grep broker_up "$T/metrics.txt")"

kcat_read events "$T/kcat-events.tsv"
check_topic "$T/kcat-events.tsv" ev "$N" >"$T/check.out" || fail "kcat: $(cat "$T/check.out")"
note "kcat: $(cat "$T/check.out")"
mock consume events "$T/consumer-events.tsv"
[ "$MOCK_ANSWER" = "ok $TOTAL" ] || fail "librdkafka consumer read $MOCK_ANSWER, expected $TOTAL"
check_topic "$T/consumer-events.tsv" ev "$N" >"$T/check.out" || fail "consumer: $(cat "$T/check.out")"
note "librdkafka consumer: $(cat "$T/check.out")"

kcat_read alerts "$T/kcat-alerts.tsv"
[ "$(wc -l <"$T/kcat-alerts.tsv")" = 5 ] || fail "alerts topic holds $(wc -l <"$T/kcat-alerts.tsv"), expected 5"
for i in 0 1 2 3 4; do
	grep -q "acct$i" "$T/kcat-alerts.tsv" || fail "alert for acct$i not on the alerts topic"
done
cut -f2 "$T/kcat-alerts.tsv" | $PY -c 'import json,sys; [json.loads(l) for l in sys.stdin]' ||
	fail "an alert is not valid JSON"
# issue 19: the event.id of each alert on the topic is the one in the alerts file
cut -f2 "$T/kcat-alerts.tsv" | $PY -c '
import json, sys
topic = sorted(json.loads(l)["event"]["id"] for l in sys.stdin)
file = sorted(json.loads(l)["event"]["id"] for l in open(sys.argv[1]))
sys.exit(0 if topic == file and len(set(file)) == 5 else 1)' "$T/alerts.jsonl" ||
	fail "event.id on the alerts topic differs from the alerts file"
[ "$(wc -l <"$T/spool/kafka-bus.spool")" = 0 ] || fail "delivered alerts still in the spool"
logward_stop
[ "$LOGWARD_STATUS" = 0 ] || fail "logward exited with $LOGWARD_STATUS"
note "all $TOTAL events and 5 alerts delivered once"

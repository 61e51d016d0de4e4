#!/bin/sh
# kafka-bounds: the Kafka output's two bounds, at and past each.
#  1. queue_max_messages = 100, every broker down: the queue holds exactly
#     100 (at the bound); the 101st holds its worker (past it), the batch
#     pool runs out and TCP intake pauses (the sender is slowed, nothing is
#     dropped); brokers up: all 200000 delivered, once each.
#  2. max_spool_bytes = 4096, every broker down: the spool takes the alerts
#     that fit, the next ones are counted spool_refused_total{reason=
#     "spool_full"} and wait in memory; brokers up: every alert delivered.
TEST_NAME=kafka-bounds
. "$(dirname "$0")/lib.sh"
. "$SCENARIO_DIR/kafka-lib.sh"

# the mock's brokers first: their ports are then taken, and ports cannot pick them
mock_start 3 events:4 alerts:2
ports 2
set -- $PORTS
P=$1 MP=$2
{ KAFKA_WORKERS=1 kafka_conf "$P" "$MP" "queue_max_messages = 100  max_spool_bytes = 4096"
  echo "queue_batches = 2"; } >"$T/logward.conf"
logward_start "$T/logward.conf"
QUEUE='logward_kafka_queue_messages{output="bus"}'
DELIVERED='logward_kafka_messages_total{output="bus",stream="events",result="delivered"}'

# 1. the queue bound
mock down 1; mock down 2; mock down 3
send q 200000 &
SENDER=$!
kmetric_wait "$QUEUE" 100 30
sleep 2
[ "$(kmetric "$QUEUE")" = 100 ] || fail "queue holds $(kmetric "$QUEUE"), bound 100"
[ "$(kmetric 'logward_kafka_messages_total{output="bus",stream="events",result="produced"}')" = 100 ] ||
	fail "produced past the bound"
[ "$(kmetric 'logward_kafka_queue_full_waits_total{output="bus"}')" -ge 1 ] || fail "no wait on the full queue"
logward_stats
[ "$(counter tcp4 paused)" -ge 1 ] || fail "TCP intake never paused (paused=$(counter tcp4 paused))"
kill -0 $SENDER 2>/dev/null || fail "the sender was not slowed: it finished while Kafka was down"
mock up 1; mock up 2; mock up 3
wait $SENDER || fail "sender failed"
kmetric_wait "$DELIVERED" 200000 120
kcat_read events "$T/events.tsv"
check_topic "$T/events.tsv" q 200000 >"$T/check.out" || fail "$(cat "$T/check.out")"
note "queue bound: held at 100, intake paused, then $(cat "$T/check.out")"

# 2. the spool bound
mock down 1; mock down 2; mock down 3
send_alerts acct 10
wait_for '[ "$(kmetric "logward_kafka_spool_refused_total{output=\"bus\",reason=\"spool_full\"}")" -ge 1 ]' 30 ||
	fail "no alert refused by the full spool"
spooled=$(kmetric 'logward_kafka_spool_records{output="bus"}')
refused=$(kmetric 'logward_kafka_spool_refused_total{output="bus",reason="spool_full"}')
[ "$((spooled + refused))" = 10 ] || fail "spooled $spooled + refused $refused is not 10"
[ "$(wc -c <"$T/spool/kafka-bus.spool")" -le 4096 ] || fail "spool file past 4096 bytes"
mock up 1; mock up 2; mock up 3
kmetric_wait 'logward_kafka_messages_total{output="bus",stream="alerts",result="delivered"}' 10 60
kcat_read alerts "$T/alerts.tsv"
for i in 0 1 2 3 4 5 6 7 8 9; do
	[ "$(grep -c "acct$i\b" "$T/alerts.tsv")" = 1 ] || fail "alert acct$i on the topic $(grep -c "acct$i\b" "$T/alerts.tsv") times"
done
note "spool bound: $spooled spooled, $refused refused (spool_full) and held in memory, all 10 delivered"
logward_stop

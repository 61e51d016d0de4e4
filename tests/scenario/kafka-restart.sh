#!/bin/sh
# kafka-restart: alerts raised while every broker is down are in the Kafka
# spool (fsync'd) before they are produced; logward is SIGKILLed; the
# brokers come back and logward restarts: the spooled alerts reach the
# alerts topic, each once, and the spool empties.
TEST_NAME=kafka-restart
. "$(dirname "$0")/lib.sh"
. "$SCENARIO_DIR/kafka-lib.sh"

# the mock's brokers first: their ports are then taken, and ports cannot pick them
mock_start 3 events:2 alerts:2
ports 2
set -- $PORTS
P=$1 MP=$2
kafka_conf "$P" "$MP" >"$T/logward.conf"
logward_start "$T/logward.conf"
mock down 1; mock down 2; mock down 3
send_alerts acct 5
kmetric_wait 'logward_kafka_spool_records{output="bus"}' 5 30
[ "$(wc -l <"$T/spool/kafka-bus.spool")" = 5 ] || fail "spool file: $(wc -l <"$T/spool/kafka-bus.spool") records"
logward_stop KILL
mock up 1; mock up 2; mock up 3
logward_start "$T/logward.conf"
grep -q "kafka bus: 5 alerts in the spool, produced again" "$T/logward.err" || fail "no replay said"
kmetric_wait 'logward_kafka_messages_total{output="bus",stream="alerts",result="delivered"}' 5 60
kmetric_wait 'logward_kafka_spool_records{output="bus"}' 0 10
kcat_read alerts "$T/alerts.tsv"
for i in 0 1 2 3 4; do
	[ "$(grep -c "acct$i\b" "$T/alerts.tsv")" = 1 ] || fail "alert acct$i is on the topic $(grep -c "acct$i\b" "$T/alerts.tsv") times"
done
logward_stop
[ "$(wc -c <"$T/spool/kafka-bus.spool")" = 0 ] || fail "spool not cut back after delivery"
note "5 alerts spooled while Kafka was down survived SIGKILL and arrived once after restart"

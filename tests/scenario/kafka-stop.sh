#!/bin/sh
# kafka-stop: SIGTERM while every broker is down ends within the kafka
# block's flush_timeout (here the default), not after a grace for the
# workers and then another for librdkafka; nothing accepted is lost: every
# event is in the archive, the alerts stay in the Kafka spool and reach the
# topic after a restart with the brokers back.  The time TERM took is
# printed, not asserted (lib.sh's logward_stop bounds it at 15 s).
TEST_NAME=kafka-stop
. "$(dirname "$0")/lib.sh"
. "$SCENARIO_DIR/kafka-lib.sh"

# the mock's brokers first: their ports are then taken, and ports cannot pick them
mock_start 3 events:2 alerts:2
ports 2
set -- $PORTS
P=$1 MP=$2
# a small queue: the worker producing waits on it when TERM comes
kafka_conf "$P" "$MP" "queue_max_messages = 200" >"$T/logward.conf"
logward_start "$T/logward.conf"
mock down 1; mock down 2; mock down 3
send_alerts acct 5
send ev 2000 10
kmetric_wait 'logward_kafka_spool_records{output="bus"}' 5 30
wait_for '[ "$(kmetric "logward_kafka_queue_full_waits_total{output=\"bus\"}")" -ge 1 ]' 30 ||
	fail "no worker waits on the full queue"
t0=$($PY -c 'import time; print(time.monotonic())')
logward_stop TERM
t1=$($PY -c 'import time; print(time.monotonic())')
[ "$LOGWARD_STATUS" -eq 0 ] || fail "exit status $LOGWARD_STATUS at SIGTERM"
grep -q "kafka bus: [0-9]* messages not delivered at exit within flush_timeout (3 s" "$T/logward.err" ||
	fail "what was left at the default flush_timeout is not said"
[ "$(grep -c ' seq=' "$T/archive/events.jsonl")" = 2000 ] ||
	fail "archive holds $(grep -c ' seq=' "$T/archive/events.jsonl") events, expected 2000"
[ "$(wc -l <"$T/spool/kafka-bus.spool")" = 5 ] || fail "spool file: $(wc -l <"$T/spool/kafka-bus.spool") records"

mock up 1; mock up 2; mock up 3
logward_start "$T/logward.conf"
grep -q "kafka bus: 5 alerts in the spool, produced again" "$T/logward.err" || fail "no replay said"
kmetric_wait 'logward_kafka_messages_total{output="bus",stream="alerts",result="delivered"}' 5 60
kmetric_wait 'logward_kafka_spool_records{output="bus"}' 0 10
logward_stop
note "TERM with every broker down and a worker on the full queue: exited after $($PY -c "print('%.1f' % ($t1 - $t0))") s; 2000 events in the archive, 5 alerts spooled then delivered after the restart"

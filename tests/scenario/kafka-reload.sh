#!/bin/sh
# kafka-reload: SIGHUP applies a changed kafka block with nothing lost and
# nothing duplicated (counted in logward_kafka_producer_restarts_total
# {reason="reload"}):
#  1. a new topic and a property, mid-stream with 2 workers: the old
#     producer drains, then the new one takes over; every event is on one
#     of the two topics once, each host in order across the switch
#  2. new brokers (a second cluster) while the old ones are all down: after
#     flush_timeout the old producer's events move to the new one, in
#     order, and the spooled alerts follow from the spool
#  3. a block librdkafka refuses (an unreadable CA file): the reload fails
#     with file:line, the running producer stays and keeps delivering
TEST_NAME=kafka-reload
. "$(dirname "$0")/lib.sh"
. "$SCENARIO_DIR/kafka-lib.sh"

# the mock's brokers first: their ports are then taken, and ports cannot pick them
mock_start 3 events:4 events2:4 alerts:2
ports 2
set -- $PORTS
P=$1 MP=$2
BOOTSTRAP1=$BOOTSTRAP
EV_DELIVERED='logward_kafka_messages_total{output="bus",stream="events",result="delivered"}'
AL_DELIVERED='logward_kafka_messages_total{output="bus",stream="alerts",result="delivered"}'
RELOADS='logward_kafka_producer_restarts_total{output="bus",reason="reload"}'
KAFKA_WORKERS=2 kafka_conf "$P" "$MP" "flush_timeout = 1" >"$T/logward.conf"
logward_start "$T/logward.conf"

# reload CONF: SIGHUP with CONF in place, wait for its outcome line
reload() {
	logward_reload "$1" >/dev/null
}

send a 2000
kmetric_wait "$EV_DELIVERED" 2000 60

# 1. a new topic and a property, while 20,000 events stream in
KAFKA_WORKERS=2 kafka_conf "$P" "$MP" 'flush_timeout = 1
	properties = { "linger.ms=20" }' | sed 's/topic = "events"/topic = "events2"/' >"$T/new.conf"
grep -q 'topic = "events2"' "$T/new.conf" || fail "test: the new configuration"
# b: 20,000 events over about 2 s, so that the reload falls mid-stream
$PY - "$P" <<'PYEOF' &
import socket, sys, time
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=30)
for c in range(40):
    s.sendall(b"".join(b"<134>Nov 27 10:00:00 b-h%d app[1]: b seq=%d\n" % (i % 10, i)
                       for i in range(c * 500, (c + 1) * 500)))
    time.sleep(0.05)
s.close()
PYEOF
SENDER=$!
sleep 0.5
reload "$T/new.conf"
wait "$SENDER" || fail "sender failed"
grep -q "^.*reloaded" "$T/logward.err" || fail "reload 1 failed: $(grep 'reload failed' "$T/logward.err")"
kmetric_wait "$RELOADS" 1 10
kmetric_wait "$EV_DELIVERED" 22000 60
kcat_read events "$T/events.tsv"
kcat_read events2 "$T/events2.tsv"
[ -s "$T/events2.tsv" ] || fail "nothing on the new topic"
# the old topic then the new one: each host's events in order across the switch
cat "$T/events.tsv" "$T/events2.tsv" >"$T/both.tsv"
check_topic "$T/both.tsv" b 20000 >"$T/check.out" || fail "switch: $(cat "$T/check.out")"
n1=$(grep -c ' b seq=' "$T/events.tsv")
n2=$(grep -c ' b seq=' "$T/events2.tsv")

# 2. new brokers while the old ones are all down
mkfifo "$T/mock2.in" || fail "mkfifo"
exec 8<>"$T/mock2.in"
"$KAFKA_MOCK" 3 events:4 alerts:2 <"$T/mock2.in" >"$T/mock2.out" 2>"$T/mock2.err" &
BG_PIDS="$BG_PIDS $!"
wait_for 'grep -q "^bootstrap " "$T/mock2.out"' 20 || fail "the second mock cluster did not start"
BOOTSTRAP2=$(sed -n 's/^bootstrap //p' "$T/mock2.out")
mock down 1; mock down 2; mock down 3
send c 1000
send_alerts acct 3
kmetric_wait 'logward_kafka_spool_records{output="bus"}' 3 30
BOOTSTRAP=$BOOTSTRAP2 KAFKA_WORKERS=2 kafka_conf "$P" "$MP" "flush_timeout = 1" >"$T/new2.conf"
reload "$T/new2.conf"
kmetric_wait "$RELOADS" 2 10
kmetric_wait "$EV_DELIVERED" 23003 60 # the alerts' 3 lines are events too
kmetric_wait "$AL_DELIVERED" 3 60
kmetric_wait 'logward_kafka_spool_records{output="bus"}' 0 10
grep -q "kafka bus: [0-9]* messages not delivered by the replaced producer" "$T/logward.err" ||
	fail "the move is not logged"
BOOTSTRAP=$BOOTSTRAP2 kcat_read events "$T/events-b2.tsv"
BOOTSTRAP=$BOOTSTRAP2 kcat_read alerts "$T/alerts-b2.tsv"
check_topic "$T/events-b2.tsv" c 1000 >"$T/check.out" || fail "moved: $(cat "$T/check.out")"
for i in 0 1 2; do
	[ "$(grep -c "acct$i\b" "$T/alerts-b2.tsv")" = 1 ] || fail "alert acct$i is on the new cluster $(grep -c "acct$i\b" "$T/alerts-b2.tsv") times"
done

# 3. a block librdkafka refuses: the running producer stays
BOOTSTRAP=$BOOTSTRAP2 KAFKA_WORKERS=2 kafka_conf "$P" "$MP" 'flush_timeout = 1
	properties = { "security.protocol=ssl", "ssl.ca.location=/nonexistent/ca.pem" }' >"$T/bad.conf"
reload "$T/bad.conf"
grep -q "reload failed, still running the previous configuration: $T/logward.conf:[0-9]*: kafka \"bus\": " "$T/logward.err" ||
	fail "the refused block is not reported with file:line: $(grep 'reload failed' "$T/logward.err" | tail -n 1)"
send d 1000
kmetric_wait "$EV_DELIVERED" 24003 60
[ "$(kmetric "$RELOADS")" = 2 ] || fail "restarts after the refused reload: $(kmetric "$RELOADS")"
failed=$(grep '^logward_kafka_failed_total' "$T/metrics.txt" | awk '{ s += $2 } END { print s }')
[ "$failed" = 0 ] || fail "failures counted: $(grep '^logward_kafka_failed_total' "$T/metrics.txt" | grep -v ' 0$')"
BOOTSTRAP=$BOOTSTRAP2 kcat_read events "$T/events-b2.tsv"
check_topic "$T/events-b2.tsv" d 1000 >"$T/check.out" || fail "after the refused reload: $(cat "$T/check.out")"
note "topic change mid-stream: $n1 + $n2 of 20000 on the old and new topic, once each, in order; brokers change during an outage: 1000 events moved, 3 alerts from the spool; refused block kept the running producer"
logward_stop

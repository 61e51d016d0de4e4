#!/bin/sh
# kafka-conf: a kafka block in the configuration, as this build takes it.
# Built with librdkafka (LOGWARD_KAFKA=yes): -t accepts it and -T prints it
# with secret properties redacted.  Built --without-kafka: -t and start-up
# refuse it, naming the file and line of the block and saying why.  With
# Kafka, a block without alerts_topic whose brokers are unreachable starts
# and stops cleanly.
TEST_NAME=kafka-conf
. "$(dirname "$0")/lib.sh"

cat >"$T/logward.conf" <<CONF
input a { transport = udp  address = "127.0.0.1:5514" }
rules = "$top_srcdir/patterns"
archive { path = "$T/events.jsonl" }

kafka bus {
	brokers = "127.0.0.1:9"
	topic = "events"
	properties = { "sasl.password=hunter2", "client.rack=r1" }
}
CONF
case ${LOGWARD_KAFKA:-} in
yes)
	root_ok "$T/logward.conf"
	"$LOGWARD" -t -f "$T/logward.conf" >"$T/t.out" 2>&1 || fail "-t refused: $(cat "$T/t.out")"
	"$LOGWARD" -T -f "$T/logward.conf" >"$T/dump.out" 2>&1 || fail "-T failed: $(cat "$T/dump.out")"
	grep -q '"sasl.password=(redacted)"' "$T/dump.out" || fail "no redacted password in -T"
	grep -q hunter2 "$T/dump.out" && fail "-T printed the password"
	grep -q '"client.rack=r1"' "$T/dump.out" || fail "-T lost a property"
	note "with Kafka: accepted, -T redacts sasl.password"
	# no alerts_topic and no broker to reach: starts, and stops cleanly
	# (a block without alerts_topic once crashed at exit: no spool to sync)
	sed -i 's|^input a .*|input a { transport = tcp  address = "127.0.0.1:'"$(ports 1; echo $PORTS)"'" }|' \
		"$T/logward.conf"
	logward_start "$T/logward.conf"
	logward_stop TERM
	[ "$LOGWARD_STATUS" -eq 0 ] || fail "exit status $LOGWARD_STATUS at SIGTERM: $(tail -n 5 "$T/logward.err")"
	note "with Kafka, no alerts_topic, brokers unreachable: started and stopped cleanly"
	;;
no)
	"$LOGWARD" -t -f "$T/logward.conf" >"$T/t.out" 2>&1 && fail "-t accepted a kafka block without Kafka"
	grep -q "logward.conf:5: kafka \"bus\": this logward was built without Kafka" "$T/t.out" ||
		fail "unclear refusal: $(cat "$T/t.out")"
	note "without Kafka: $(head -n 1 "$T/t.out")"
	;;
*)
	fail "LOGWARD_KAFKA is neither yes nor no (run through make check)"
	;;
esac

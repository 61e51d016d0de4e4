#!/bin/sh
# grafana-dashboard: every query of the shipped Grafana dashboard
# (conf/logward-grafana.json) names metrics a running logward serves.  The
# real daemon starts with every kind of series on: UDP, TCP, TLS and RELP
# inputs, a webhook, archive retention and (when built with librdkafka) a
# kafka block on a mock cluster; its /metrics is scraped and
# tests/doc/grafana_check.py checks each expression's metric names and the
# labels it groups by.  A copy of the dashboard with one misspelt name must
# fail the same check.
TEST_NAME=grafana-dashboard
. "$(dirname "$0")/lib.sh"

DASH="$top_srcdir/conf/logward-grafana.json"
CHECK="$PY $top_srcdir/tests/doc/grafana_check.py"
ports 6
set -- $PORTS
P=$1 MP=$2 TP=$3 RP=$4 DEAD=$5
openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=localhost \
    -keyout "$T/server.key" -out "$T/server.crt" >/dev/null 2>&1 || fail "openssl req"
KAFKA_BLOCK=""
ABSENT=""
if [ "${LOGWARD_KAFKA:-no}" = yes ]; then
	. "$SCENARIO_DIR/kafka-lib.sh"
	mock_start 1 events:1 alerts:1
	KAFKA_BLOCK="kafka bus { brokers = \"$BOOTSTRAP\"  topic = \"events\"  alerts_topic = \"alerts\" }"
else
	ABSENT="--absent-ok logward_kafka_" # built without librdkafka: no Kafka series
fi
cat >"$T/logward.conf" <<CONF
input tcp4 { transport = tcp  address = "127.0.0.1:$P" }
input udp4 { transport = udp  address = "127.0.0.1:$P" }
input tls4 { transport = tls  address = "127.0.0.1:$TP"  verify = none
	certificate = "$T/server.crt"  key = "$T/server.key" }
input relp4 { transport = relp  address = "127.0.0.1:$RP" }
rules = "$top_srcdir/patterns"
archive { path = "$T/archive/events-%Y%m%d.jsonl"  keep_days = 30  compress = yes }
alerts { path = "$T/alerts.jsonl" }
spool = "$T/spool"
stats_interval = 0
metrics { address = "127.0.0.1:$MP" }
webhook soc { url = "http://127.0.0.1:$DEAD/hook" }
$KAFKA_BLOCK
CONF
chmod 600 "$T/server.key"
logward_start "$T/logward.conf"
[ "$(http_get "http://127.0.0.1:$MP/metrics" "$T/metrics.txt")" = 200 ] || fail "GET /metrics"
# the brokers' series come with librdkafka's first statistics
if [ -n "$KAFKA_BLOCK" ]; then
	wait_for 'http_get "http://127.0.0.1:$MP/metrics" "$T/metrics.txt" >/dev/null &&
	    grep -q "^logward_kafka_broker_up{" "$T/metrics.txt"' 30 || fail "no logward_kafka_broker_up"
fi
logward_stop TERM
[ "$LOGWARD_STATUS" -eq 0 ] || fail "logward exited with $LOGWARD_STATUS"

# shellcheck disable=SC2086
$CHECK "$DASH" "$T/metrics.txt" $ABSENT >"$T/check.out" 2>&1 || fail "$(cat "$T/check.out")"
note "$(cat "$T/check.out")${ABSENT:+ (built without Kafka: its series not checked)}"

# the check can fail: a misspelt name, and a grouping label no series has
sed 's/logward_received_messages_total/logward_received_message_total/' "$DASH" >"$T/bad1.json"
sed 's/sum by (webhook) (logward_webhook_spool_records/sum by (hook) (logward_webhook_spool_records/' \
    "$DASH" >"$T/bad2.json"
# shellcheck disable=SC2086
$CHECK "$T/bad1.json" "$T/metrics.txt" $ABSENT >"$T/bad1.out" 2>&1 &&
	fail "a misspelt metric passed: $(cat "$T/bad1.out")"
grep -q "logward_received_message_total is not served" "$T/bad1.out" || fail "bad1: $(cat "$T/bad1.out")"
# shellcheck disable=SC2086
$CHECK "$T/bad2.json" "$T/metrics.txt" $ABSENT >"$T/bad2.out" 2>&1 &&
	fail "a grouping by a label no series has passed: $(cat "$T/bad2.out")"
grep -q "label hook is on none of logward_webhook_spool_records" "$T/bad2.out" ||
	fail "bad2: $(cat "$T/bad2.out")"
exit 0

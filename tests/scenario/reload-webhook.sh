#!/bin/sh
# reload-webhook: webhooks across a SIGHUP reload.  Webhook "soc" points at
# a port where nothing listens, and webhook "old" at a receiver that answers
# 503 to everything: the alerts of both wait in their spools.  The reload
# points "soc" at a live receiver and removes "old": soc's spooled alerts
# (same name, same spool) and the alerts after the reload reach the new
# receiver, each once; old's spool file stays on disk as it was (its
# alerts are not lost, they wait for a webhook of that name).  /metrics
# counts by webhook.
TEST_NAME=reload-webhook
. "$(dirname "$0")/lib.sh"
RECV="$PY $SCENARIO_DIR/receiver.py"

ports 3
set -- $PORTS
P=$1 PM=$2 PDOWN=$3
bg_start recv_old $RECV serve --port-file "$T/old.port" --out "$T/old.jsonl" --max-seconds 120 \
    --fail 1000000 --fail-status 503
bg_start recv_new $RECV serve --port-file "$T/new.port" --out "$T/new.jsonl" --max-seconds 120
wait_for '[ -s "$T/old.port" ] && [ -s "$T/new.port" ]' 10 || fail "receivers did not start"

# conf SOC_PORT [OLD_BLOCK]
conf() {
	cat >"$T/next.conf" <<CONF
input tcp { transport = tcp  address = "127.0.0.1:$P" }
rules = "$top_srcdir/patterns"
archive { path = "$T/archive/events.jsonl" }
alerts { path = "$T/alerts.jsonl" }
spool = "$T/spool"
stats_interval = 0
metrics { address = "127.0.0.1:$PM" }
webhook soc { url = "http://127.0.0.1:$1/hook"  retry_min = 0.2  retry_max = 0.5 }
${2:-}
CONF
	mv "$T/next.conf" "$T/logward.conf"
}
# alerts FIRST LAST: useradd lines for accounts hookFIRST..hookLAST
alerts() {
	$PY - "$P" "$1" "$2" <<'PYEOF' || fail "sender failed"
import socket, sys
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=10)
for i in range(int(sys.argv[2]), int(sys.argv[3]) + 1):
    s.sendall(b"<86>Nov 27 10:00:00 web1 useradd[4242]: new user: name=hook%d, UID=%d, "
              b"GID=100, home=/home/hook%d, shell=/bin/bash, from=/dev/pts/0\n" % (i, 2000 + i, i))
s.close()
PYEOF
}
summary() {
	$RECV summary "$T/$1.jsonl" | $PY -c "import json, sys; s = json.load(sys.stdin); print($2)"
}
metric() {
	http_get "http://127.0.0.1:$PM/metrics" "$T/metrics.txt" >/dev/null
	prom "$T/metrics.txt" "$1"
}

conf "$PDOWN" "webhook old { url = \"http://127.0.0.1:$(cat "$T/old.port")/hook\"  retry_min = 0.2  retry_max = 0.5 }"
logward_start "$T/logward.conf"
alerts 0 4
wait_for '[ "$(summary old "s[\"requests\"]")" -ge 1 ]' 20 || fail "old: no request"
wait_for '[ "$(metric "logward_webhook_spool_records{webhook=\"old\"}")" = 5 ]' 10 ||
    fail "old: spool holds '$(metric 'logward_webhook_spool_records{webhook="old"}')', expected 5"
wait_for '[ "$(metric "logward_webhook_spool_records{webhook=\"soc\"}")" = 5 ]' 10 ||
    fail "soc: spool holds '$(metric 'logward_webhook_spool_records{webhook="soc"}')', expected 5"
wait_for '[ "$(metric "logward_webhook_deliveries_total{webhook=\"soc\",result=\"retried\"}")" -ge 1 ]' 10 ||
    fail "soc: no retry counted while its receiver is down"
[ "$(metric 'logward_webhook_deliveries_total{webhook="old",result="delivered"}')" = 0 ] ||
    fail "old: delivered counter $(metric 'logward_webhook_deliveries_total{webhook="old",result="delivered"}')"
old_size=$(wc -c <"$T/spool/old.spool")
[ "$old_size" -gt 0 ] || fail "old: empty spool file"

conf "$(cat "$T/new.port")"
kill -HUP "$LOGWARD_PID"
wait_for 'grep -q "reloaded \|reload failed" "$T/logward.err"' 20 || fail "no reload outcome"
grep -q "reloaded " "$T/logward.err" || fail "the reload failed"
alerts 5 9
wait_for '[ "$(summary new "s[\"ids\"]")" -eq 10 ]' 20 ||
    fail "new receiver: $(summary new "s")"
[ "$(summary new "s[\"names\"]")" = "$(
	$PY -c 'print(sorted("hook%d" % i for i in range(10)))')" ] || fail "new receiver: accounts differ"
[ "$(summary old "s[\"ok\"]")" -eq 0 ] || fail "old: a request was answered 2xx"
[ "$(wc -c <"$T/spool/old.spool")" -eq "$old_size" ] ||
    fail "the removed webhook's spool changed: $(wc -c <"$T/spool/old.spool") bytes, was $old_size"
[ ! -s "$T/spool/old.ack" ] || fail "the removed webhook's alerts were acknowledged"
wait_for '[ "$(metric "logward_webhook_spool_records{webhook=\"soc\"}")" = 0 ]' 10 ||
    fail "soc: spool not empty after delivery"
[ "$(metric 'logward_webhook_deliveries_total{webhook="soc",result="delivered"}')" = 10 ] ||
    fail "soc: delivered $(metric 'logward_webhook_deliveries_total{webhook="soc",result="delivered"}'), expected 10"
grep -q 'webhook="old"' "$T/metrics.txt" && fail "the removed webhook is still in the metrics"

logward_stop TERM
[ "$LOGWARD_STATUS" -eq 0 ] || fail "logward exited with status $LOGWARD_STATUS"
note "soc kept its spool across the reload (5 alerts spooled while down + 5 after, all delivered once to the new URL); old removed, its spool ($old_size bytes, 5 alerts) kept as it was"

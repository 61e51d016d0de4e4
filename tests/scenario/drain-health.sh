#!/bin/sh
# drain-health: while logward drains after TERM, /healthz answers 503 and
# /metrics still answers.  To hold the drain open for as long as the test
# needs, the archive is a FIFO whose reader the test stops (SIGSTOP): the
# workers block writing, TERM arrives, the test sees 503, lets the reader
# go on (SIGCONT), and every message is archived before logward exits 0.
TEST_NAME=drain-health
. "$(dirname "$0")/lib.sh"

# Few enough to sit in the socket buffers whole (TERM reads what the kernel
# holds, not what waits in the sender's send queue), far more than the
# FIFO's 64 KiB of events.
N=2000
ports 2
set -- $PORTS
P=$1 PM=$2
mkdir "$T/archive"
mkfifo "$T/archive/events.jsonl"
cat >"$T/logward.conf" <<CONF
input tcp { transport = tcp  address = "127.0.0.1:$P" }
rules = "$top_srcdir/patterns"
archive { path = "$T/archive/events.jsonl" }
alerts { path = "$T/alerts.jsonl" }
workers = 1
stats_interval = 0
metrics { address = "127.0.0.1:$PM" }
CONF

# the archive's reader: opening the FIFO waits for logward, the writer
bg_start reader sh -c 'exec cat "$1" >"$2"' sh "$T/archive/events.jsonl" "$T/archived.jsonl"
reader=$BG_LAST
logward_start "$T/logward.conf"

status() {
	http_get "http://127.0.0.1:$PM$1" "$T/http.body"
}
[ "$(status /healthz)" = 200 ] || fail "/healthz is not 200 while running"

kill -STOP "$reader"
$PEER tcpmany 127.0.0.1 "$P" "$N" drainmsg >"$T/peer.out" 2>&1 || fail "sender: $(cat "$T/peer.out")"
# the FIFO is full long before N events: the worker is stuck writing
received() {
	status /metrics >/dev/null
	prom "$T/http.body" 'logward_received_messages_total{input="tcp",transport="tcp"}'
}
wait_for '[ "$(received)" = "$N" ]' 10 || fail "logward read $(received) of $N messages"
kill -TERM "$LOGWARD_PID"
wait_for 'grep -q "draining and exiting" "$T/logward.err"' 5 || fail "TERM not seen"
h=$(status /healthz)
m=$(status /metrics)
logward_alive || fail "logward exited while its archive could not be written"
kill -CONT "$reader"
[ "$h" = 503 ] || fail "/healthz answered '$h' while draining, expected 503"
[ "$m" = 200 ] || fail "/metrics answered '$m' while draining, expected 200"

deadline=$(($(date +%s) + 30))
while logward_alive; do
	[ "$(date +%s)" -lt "$deadline" ] || fail "logward did not finish draining within 30 s"
	sleep 0.1
done
wait "$LOGWARD_PID"
LOGWARD_STATUS=$?
LOGWARD_PID=""
[ "$LOGWARD_STATUS" -eq 0 ] || fail "logward exited with $LOGWARD_STATUS"
wait_for '! kill -0 "$reader" 2>/dev/null' 10 || fail "the FIFO reader did not see the end"
got=$($EV count "$T/archived.jsonl" "message^drainmsg ")
[ "$got" -eq "$N" ] || fail "$got of $N messages archived after the drain"
note "/healthz 503 and /metrics 200 while draining; all $N messages archived, exit 0"

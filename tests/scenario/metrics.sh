#!/bin/sh
# metrics: the counters in GET /metrics equal what the test sent and what
# logward had to drop: UDP datagrams, TCP octet-counted frames, a frame over
# max_message_size = 64 (too_long), a bad octet count (bad_frame), a
# connection over max_connections = 1 (refused), one alert by technique;
# then N of each kind (good RFC 5424, good RFC 3164, malformed, oversize
# frame, bad octet count) and every counter moves by exactly that.
# GET /healthz is 200 "ok"; other paths are 404 (503 while draining:
# drain-health.sh).
TEST_NAME=metrics
. "$(dirname "$0")/lib.sh"

ports 3
set -- $PORTS
P=$1 PU=$2 PM=$3
cat >"$T/logward.conf" <<CONF
input lan_udp { transport = udp  address = "127.0.0.1:$PU" }
input lan_tcp {
	transport = tcp
	address = "127.0.0.1:$P"
	max_message_size = 64
	max_connections = 1
}
rules = "$top_srcdir/patterns"
archive { path = "$T/archive/events-%Y%m%d.jsonl" }
alerts { path = "$T/alerts.jsonl" }
workers = 2
stats_interval = 0
metrics { address = "127.0.0.1:$PM" }
CONF
logward_start "$T/logward.conf"
grep -q "metrics: serving /metrics and /healthz on http://127.0.0.1:$PM/" "$T/logward.err" ||
    fail "no metrics start-up line in the log"

# fetch PATH: the status in $T/http.status, the body in $T/http.body
fetch() {
	$PY - "http://127.0.0.1:$PM$1" "$T/http" <<'PYEOF' || fail "GET $1: $(cat "$T/http.err")"
import sys, urllib.request, urllib.error
url, out = sys.argv[1], sys.argv[2]
try:
    r = urllib.request.urlopen(url, timeout=5)
    status, body, ctype = r.status, r.read(), r.headers.get("Content-Type", "")
except urllib.error.HTTPError as e:
    status, body, ctype = e.code, e.read(), e.headers.get("Content-Type", "")
open(out + ".status", "w").write("%d\n" % status)
open(out + ".type", "w").write(ctype + "\n")
open(out + ".body", "wb").write(body)
PYEOF
}
# metric 'NAME{LABELS}': its value in the last fetched body ("" when absent)
metric() {
	awk -v k="$1" '$1 == k { print $2 }' "$T/http.body"
}
# expect 'NAME{LABELS}' VALUE
expect() {
	v=$(metric "$1")
	[ "$v" = "$2" ] || fail "$1 is '$v', expected $2"
}

fetch /healthz
[ "$(cat "$T/http.status")" = 200 ] || fail "/healthz: status $(cat "$T/http.status")"
[ "$(cat "$T/http.body")" = ok ] || fail "/healthz: body '$(cat "$T/http.body")'"
fetch /nothing-here
[ "$(cat "$T/http.status")" = 404 ] || fail "/nothing-here: status $(cat "$T/http.status")"

fetch /metrics
[ "$(cat "$T/http.status")" = 200 ] || fail "/metrics: status $(cat "$T/http.status")"
grep -q '^text/plain; version=0.0.4' "$T/http.type" || fail "/metrics: type $(cat "$T/http.type")"
v=$("$LOGWARD" -V | sed 's/^logward //')
expect "logward_build_info{version=\"$v\"}" 1
ts=$(metric logward_config_last_reload_success_timestamp_seconds)
now=$(date +%s)
[ -n "$ts" ] && [ "$ts" -le "$now" ] && [ "$ts" -gt $((now - 60)) ] ||
    fail "last reload timestamp '$ts' is not the start time (now $now)"
expect 'logward_received_messages_total{input="lan_udp",transport="udp"}' 0
expect 'logward_tcp_connections_open{input="lan_tcp"}' 0

# --- UDP: 3 datagrams, one of them a useradd line that alerts (T1136.001)
U1='<13>1 2026-11-27T10:00:00Z h metrics - - - udp one'
U2='<13>1 2026-11-27T10:00:00Z h metrics - - - udp two'
U3='<86>Nov 27 10:00:00 web1 useradd[4242]: new user: name=mallory, UID=1337, GID=1337, home=/home/mallory, shell=/bin/bash, from=/dev/pts/0'
$PEER udp 127.0.0.1 "$PU" "$U1" "$U2" "$U3" >"$T/peer.out" 2>&1 || fail "peer: $(cat "$T/peer.out")"
ubytes=$((${#U1} + ${#U2} + ${#U3}))

# --- TCP, one connection: 3 octet-counted frames, one frame of 100 bytes
#     (cut to 64: too_long), one bad count read as an LF frame (bad_frame)
T1='<13>1 - h metrics - - - tcp one'
T2='<13>1 - h metrics - - - tcp two'
T3='<13>1 - h metrics - - - tcp three'
LONG=$(printf '<13>1 - h metrics - - - long %071d' 0)
[ ${#LONG} -eq 100 ] || fail "test bug: LONG is ${#LONG} bytes"
BAD='1q <13>1 - h metrics - - - bad count'
$PEER tcp 127.0.0.1 "$P" "@oc:$T1" "@oc:$T2" "@oc:$T3" "@oc:$LONG" "$BAD\\n" >"$T/peer.out" 2>&1 ||
    fail "peer: $(cat "$T/peer.out")"
tbytes=$((${#T1} + 3 + ${#T2} + 3 + ${#T3} + 3 + ${#LONG} + 4 + ${#BAD} + 1))

ev_wait 7 5 "event.original~ metrics - - - "
ev_wait 1 5 "message~mallory"
fetch /metrics
expect 'logward_received_messages_total{input="lan_udp",transport="udp"}' 3
expect 'logward_received_bytes_total{input="lan_udp",transport="udp"}' "$ubytes"
expect 'logward_received_messages_total{input="lan_tcp",transport="tcp"}' 5
expect 'logward_received_bytes_total{input="lan_tcp",transport="tcp"}' "$tbytes"
expect 'logward_dropped_messages_total{input="lan_udp",reason="too_long"}' 0
expect 'logward_dropped_messages_total{input="lan_udp",reason="kernel_overflow"}' 0
expect 'logward_dropped_messages_total{input="lan_tcp",reason="too_long"}' 1
expect 'logward_dropped_messages_total{input="lan_tcp",reason="bad_frame"}' 1
expect 'logward_dropped_messages_total{input="lan_tcp",reason="refused"}' 0
expect 'logward_tcp_connections_total{input="lan_tcp"}' 1
expect 'logward_alerts_total{technique="T1136.001"}' 1
alerts=$(awk '/^logward_alerts_total\{/ { s += $2 } END { print s + 0 }' "$T/http.body")
[ "$alerts" -eq 1 ] || fail "$alerts alerts over all techniques, expected 1"
grep -q '^# TYPE logward_alerts_total counter$' "$T/http.body" || fail "no TYPE line for alerts"
# every sample has a HELP and a TYPE; no label names a peer
awk '/^# TYPE / { t[$3] = 1 } /^[a-z]/ { n = $1; sub(/\{.*/, "", n); if (!(n in t)) bad = n }
    END { if (bad != "") { print bad; exit 1 } }' "$T/http.body" >"$T/awk.out" ||
    fail "sample without a TYPE line: $(cat "$T/awk.out")"
! grep -q '127\.0\.0\.1\|source\|peer' "$T/http.body" || fail "a label names a peer"

# --- max_connections = 1: one connection held open, the next is refused
#     (the held connection's one message is longer than 64 bytes: too_long)
bg_start holder $PEER tcpmany 127.0.0.1 "$P" 1 metrics-held 3
wait_for 'fetch /metrics; [ "$(metric "logward_tcp_connections_open{input=\"lan_tcp\"}")" = 1 ]' 5 ||
    fail "the held connection is not open in the metrics"
n=$($PEER connburst 127.0.0.1 "$P" 1) || fail "peer connburst failed"
wait_for 'fetch /metrics; [ "$(metric "logward_dropped_messages_total{input=\"lan_tcp\",reason=\"refused\"}")" = 1 ]' 5 ||
    fail "refused is '$(metric 'logward_dropped_messages_total{input="lan_tcp",reason="refused"}')', expected 1"
expect 'logward_tcp_connections_open{input="lan_tcp"}' 1
wait_for 'fetch /metrics; [ "$(metric "logward_tcp_connections_open{input=\"lan_tcp\"}")" = 0 ]' 10 ||
    fail "the held connection did not close"
expect 'logward_received_messages_total{input="lan_tcp",transport="tcp"}' 6
expect 'logward_tcp_connections_total{input="lan_tcp"}' 2
expect 'logward_dropped_messages_total{input="lan_tcp",reason="too_long"}' 2

# --- the metrics agree with the daemon's own counter summary
logward_stats
for f in lan_udp:messages=3 lan_tcp:messages=6 lan_tcp:truncated=2 lan_tcp:bad_frames=1 \
    lan_tcp:refused=1; do
	in=${f%%:*}
	kv=${f#*:}
	c=$(counter "$in" "${kv%%=*}")
	[ "$c" = "${kv#*=}" ] || fail "summary of $in: ${kv%%=*}=$c, expected ${kv#*=}"
done
pf=$(counter lan_tcp parse_failures)
expect 'logward_parse_failures_total{input="lan_tcp"}' "$pf"
nz=$(counter lan_udp normalized)
expect 'logward_normalized_messages_total{input="lan_udp"}' "$nz"
[ "$nz" -ge 1 ] || fail "the useradd line was not normalized (normalized=$nz)"

# --- N of each kind, counted from what the test sends: good RFC 5424, good
#     RFC 3164, malformed (an invalid PRI: a parse failure) over UDP and over
#     TCP, and over TCP oversize frames (too_long) and bad octet counts
#     (bad_frame, read as LF frames).  Every counter moves by exactly that.
N=5
fetch /metrics
cp "$T/http.body" "$T/before.txt"
before() {
	v=$(awk -v k="$1" '$1 == k { print $2 }' "$T/before.txt")
	echo "${v:-0}"
}
# delta 'NAME{LABELS}' N: the counter grew by N since before.txt
delta() {
	b=$(before "$1")
	expect "$1" $((b + $2))
}
set --
ub=0
tb=0
i=0
while [ $i -lt $N ]; do
	g5="<13>1 2026-11-27T10:00:00Z h kinds - - - udp good5424 $i"
	g3="<13>Nov 27 10:00:00 h kinds: udp good3164 $i"
	bad="<999>kinds udp malformed $i"
	set -- "$@" "$g5" "$g3" "$bad"
	ub=$((ub + ${#g5} + ${#g3} + ${#bad}))
	i=$((i + 1))
done
$PEER udp 127.0.0.1 "$PU" "$@" >"$T/peer.out" 2>&1 || fail "peer: $(cat "$T/peer.out")"
set --
i=0
while [ $i -lt $N ]; do
	g5="<13>1 2026-11-27T10:00:00Z h kinds - - - tcp good5424 $i"
	g3="<13>Nov 27 10:00:00 h kinds: tcp good3164 $i"
	bad="<999>kinds tcp malformed $i"
	long=$(printf '<13>1 - h kinds - - - tcp oversize %d %060d' "$i" 0)
	bc="9x <13>1 - h kinds - - - tcp badcount $i"
	set -- "$@" "@oc:$g5" "$g3\n" "$bad\n" "@oc:$long" "$bc\n"
	# an octet-counted frame is "LEN SP MSG"; the others end in LF
	l5=${#g5} ll=${#long}
	tb=$((tb + ${#l5} + 1 + l5 + ${#g3} + 1 + ${#bad} + 1 + ${#ll} + 1 + ll + ${#bc} + 1))
	i=$((i + 1))
done
$PEER tcp 127.0.0.1 "$P" "$@" >"$T/peer.out" 2>&1 || fail "peer: $(cat "$T/peer.out")"
ev_wait $((8 * N)) 10 "event.original~kinds"
fetch /metrics
delta 'logward_received_messages_total{input="lan_udp",transport="udp"}' $((3 * N))
delta 'logward_received_bytes_total{input="lan_udp",transport="udp"}' "$ub"
delta 'logward_parse_failures_total{input="lan_udp"}' "$N"
delta 'logward_dropped_messages_total{input="lan_udp",reason="too_long"}' 0
delta 'logward_dropped_messages_total{input="lan_udp",reason="kernel_overflow"}' 0
delta 'logward_received_messages_total{input="lan_tcp",transport="tcp"}' $((5 * N))
delta 'logward_received_bytes_total{input="lan_tcp",transport="tcp"}' "$tb"
delta 'logward_parse_failures_total{input="lan_tcp"}' "$N"
delta 'logward_dropped_messages_total{input="lan_tcp",reason="too_long"}' "$N"
delta 'logward_dropped_messages_total{input="lan_tcp",reason="bad_frame"}' "$N"
delta 'logward_dropped_messages_total{input="lan_tcp",reason="refused"}' 0
delta 'logward_tcp_connections_total{input="lan_tcp"}' 1
delta 'logward_normalized_messages_total{input="lan_udp"}' 0
delta 'logward_normalized_messages_total{input="lan_tcp"}' 0
expect 'logward_tcp_connections_open{input="lan_tcp"}' 0
[ "$($EV count "$T/archive" "event.original~kinds" "tags[]=_syslog_parse_failure")" -eq $((2 * N)) ] ||
    fail "not $((2 * N)) events tagged _syslog_parse_failure"
[ "$($EV count "$T/archive" "event.original~kinds" "tags[]=_frame_truncated")" -eq "$N" ] ||
    fail "not $N events tagged _frame_truncated"
[ "$($EV count "$T/archive" "event.original~kinds" "tags[]=_frame_bad_count")" -eq "$N" ] ||
    fail "not $N events tagged _frame_bad_count"

logward_stop TERM
[ "$LOGWARD_STATUS" -eq 0 ] || fail "logward exited with status $LOGWARD_STATUS after TERM"

# --- built with libsystemd: sd_notify READY=1 once bound, STOPPING=1 on TERM
if grep -q '^#define HAVE_SYSTEMD 1' "$top_builddir/config.h" 2>/dev/null; then
	bg_start notify $PY -c '
import socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(sys.argv[1])
s.settimeout(30)
with open(sys.argv[2], "a") as f:
    while True:
        try:
            m = s.recv(4096)
        except OSError:
            break
        f.write(m.decode("utf-8", "replace") + "\n")
        f.flush()
' "$T/notify.sock" "$T/notify.log"
	wait_for '[ -S "$T/notify.sock" ]' 5 || fail "the test's notify socket did not appear"
	NOTIFY_SOCKET="$T/notify.sock" logward_start "$T/logward.conf"
	wait_for 'grep -qx "READY=1" "$T/notify.log"' 5 || fail "no READY=1 from sd_notify"
	grep -qx "STOPPING=1" "$T/notify.log" && fail "STOPPING=1 before TERM"
	# HUP: RELOADING=1 with MONOTONIC_USEC (systemd >= 253), then READY=1 again
	kill -HUP "$LOGWARD_PID"
	wait_for '[ "$(grep -cx "READY=1" "$T/notify.log")" -ge 2 ]' 10 || fail "no READY=1 after HUP"
	grep -q "^RELOADING=1$" "$T/notify.log" || fail "no RELOADING=1 on HUP"
	grep -q "^MONOTONIC_USEC=[1-9][0-9]*$" "$T/notify.log" || fail "no MONOTONIC_USEC with RELOADING=1"
	[ "$(grep -n "" "$T/notify.log" | grep -m1 "RELOADING=1" | cut -d: -f1)" -lt \
	    "$(grep -n "" "$T/notify.log" | grep "READY=1" | tail -n 1 | cut -d: -f1)" ] ||
	    fail "READY=1 did not follow RELOADING=1"
	logward_stop TERM
	wait_for 'grep -qx "STOPPING=1" "$T/notify.log"' 5 || fail "no STOPPING=1 from sd_notify on TERM"
	note "sd_notify: READY=1 after binding, RELOADING=1 then READY=1 on HUP, STOPPING=1 on TERM"
fi
note "counters equal what was sent: udp 3 ($ubytes bytes), tcp 6, too_long 2, bad_frame 1, refused 1, 1 alert; then $N of each kind"

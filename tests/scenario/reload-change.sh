#!/bin/sh
# reload-change: one SIGHUP reload that changes nearly everything, against
# the real daemon:
# - input "keep" is unchanged: its open TCP connection stays (same port,
#   never closed) and keeps being archived;
# - input "gone" is removed: its held connection is closed after what it
#   sent is archived (the unterminated last frame included), its port
#   refuses connections;
# - input "chg" (UDP) changes max_message_size and recv_buffer on the same
#   port: applied to its socket as it is (not reopened), a datagram cut
#   before is whole after, the socket's buffer (ss) follows;
# - input "mv" moves to another port: reopened there, the old port closed
#   (reload-live.sh covers the settings applied to open connections);
# - input "new" appears and archives under its name;
# - the rules gain linux-shadow-utils: a useradd line that did not alert
#   before the reload alerts after it;
# - the archive moves to another directory, /metrics to another port;
# - workers cannot change without a restart: warned, kept.
TEST_NAME=reload-change
. "$(dirname "$0")/lib.sh"

ports 8
set -- $PORTS
PK=$1 PG=$2 PC=$3 PN=$4 PM1=$5 PM2=$6 PV1=$7 PV2=$8
cp -r "$top_srcdir/patterns" "$T/rules-after"
cp -r "$top_srcdir/patterns" "$T/rules-before"
chmod -R u+w "$T/rules-before"
rm "$T/rules-before"/linux-shadow-utils.*

cat >"$T/before.conf" <<CONF
input keep { transport = tcp  address = "127.0.0.1:$PK" }
input gone { transport = tcp  address = "127.0.0.1:$PG" }
input chg { transport = udp  address = "127.0.0.1:$PC"  max_message_size = 1000 }
input mv { transport = tcp  address = "127.0.0.1:$PV1" }
rules = "$T/rules-before"
archive { path = "$T/archive1/events.jsonl" }
alerts { path = "$T/alerts.jsonl" }
workers = 2
stats_interval = 0
metrics { address = "127.0.0.1:$PM1" }
CONF
cat >"$T/after.conf" <<CONF
input new { transport = tcp  address = "127.0.0.1:$PN" }
input chg { transport = udp  address = "127.0.0.1:$PC"  max_message_size = 2000  recv_buffer = 1048576 }
input keep { transport = tcp  address = "127.0.0.1:$PK" }
input mv { transport = tcp  address = "127.0.0.1:$PV2" }
rules = "$T/rules-after"
archive { path = "$T/archive2/events.jsonl" }
alerts { path = "$T/alerts.jsonl" }
workers = 3
stats_interval = 0
metrics { address = "127.0.0.1:$PM2" }
CONF
cp "$T/before.conf" "$T/logward.conf"

# get PORT PATH: the body on stdout; fails unless the answer is 200
get() {
	[ "$(http_get "http://127.0.0.1:$1$2" "$T/http.body")" = 200 ] && cat "$T/http.body"
}
ADD='<86>Nov 27 10:00:00 web1 useradd[4242]: new user: name=mallory, UID=1337, GID=1337, home=/home/mallory, shell=/bin/bash, from=/dev/pts/0'
LONG=$(printf '<13>1 - h reload - - - long %01472d' 0)
[ ${#LONG} -eq 1500 ] || fail "test bug: LONG is ${#LONG} bytes"

logward_start "$T/logward.conf"
bg_start keeper $PEER --timeout 60 --pause 0.01 stream 127.0.0.1 "$PK" keepstream "$T/stop"
keeper=$BG_LAST
bg_start holder $PEER --timeout 30 tcpmany 127.0.0.1 "$PG" 100 gonemsg 30
holder=$BG_LAST
$PEER udp 127.0.0.1 "$PC" "$ADD" "$LONG" >"$T/peer.out" 2>&1 || fail "peer: $(cat "$T/peer.out")"
A=$T/archive1
$EV wait "$A" 99 10 "message^gonemsg " >"$T/ev.out" 2>&1 || fail "$(cat "$T/ev.out")"
$EV wait "$A" 1 10 "message~mallory" >"$T/ev.out" 2>&1 || fail "$(cat "$T/ev.out")"
$EV wait "$A" 1 10 "message^long " "tags[]=_frame_truncated" >"$T/ev.out" 2>&1 ||
    fail "the 1500-byte datagram was not cut at 1000 before the reload: $(cat "$T/ev.out")"
$EV wait "$A" 100 10 "message^keepstream " >"$T/ev.out" 2>&1 || fail "$(cat "$T/ev.out")"
[ ! -s "$T/alerts.jsonl" ] || fail "useradd alerted before its rules were loaded"
get "$PM1" /healthz >/dev/null || fail "no metrics on the first port"

# rb PORT: the receive buffer of the UDP socket on PORT; want_rb SIZE: what
# recv_buffer = SIZE gives (doubled by the kernel; past rmem_max only as root)
rb() {
	ss -uanm "sport = :$1" | sed -n 's/.*skmem:(r[0-9]*,rb\([0-9]*\),.*/\1/p'
}
want_rb() {
	size=$1
	if [ "$(id -u)" -ne 0 ] && [ "$size" -gt "$(cat /proc/sys/net/core/rmem_max)" ]; then
		size=$(cat /proc/sys/net/core/rmem_max)
	fi
	echo $((size * 2))
}
[ "$(rb "$PC")" = "$(want_rb 4194304)" ] || fail "input chg: receive buffer $(rb "$PC") before the reload"

cp "$T/after.conf" "$T/logward.conf"
kill -HUP "$LOGWARD_PID"
wait_for 'grep -q "reloaded \|reload failed" "$T/logward.err"' 20 || fail "no reload outcome within 20 s"
grep -q "reloaded " "$T/logward.err" || fail "the reload failed"
grep -q "workers 2 -> 3 needs a restart; keeping 2" "$T/logward.err" ||
    fail "no needs-restart warning for workers"
grep -q "input gone: closed" "$T/logward.err" || fail "input gone not closed"
grep -q "input chg: settings applied" "$T/logward.err" || fail "input chg not changed in place"
[ "$(grep -c "input chg: listening" "$T/logward.err")" -eq 1 ] || fail "input chg was reopened"
[ "$(rb "$PC")" = "$(want_rb 1048576)" ] || fail "input chg: receive buffer $(rb "$PC") after the reload"
grep -q "input mv: reopening" "$T/logward.err" || fail "input mv not reopened"
grep -q "input mv: listening on tcp 127.0.0.1:$PV2" "$T/logward.err" || fail "input mv not opened on its new port"
tcp_refused 127.0.0.1 "$PV1" || fail "input mv's old port still accepts connections"
grep -q "input new: listening on tcp 127.0.0.1:$PN" "$T/logward.err" || fail "input new not opened"
[ "$(grep -c "input keep: listening" "$T/logward.err")" -eq 1 ] || fail "input keep was reopened"

# gone: every message it sent archived (the held unterminated one too), connection closed
wait_for '! kill -0 "$holder" 2>/dev/null' 10 || fail "the connection of the removed input is still open"
$EV wait "$A" 100 10 "message^gonemsg " >"$T/ev.out" 2>&1 || fail "removed input: $(cat "$T/ev.out")"
[ "$($EV count "$A" "message^gonemsg ")" -eq 100 ] || fail "removed input: not exactly 100 messages"
tcp_refused 127.0.0.1 "$PG" || fail "the removed input's port still accepts connections"

# new outputs and inputs
B=$T/archive2
$PEER udp 127.0.0.1 "$PC" "$ADD" "$LONG" >"$T/peer.out" 2>&1 || fail "peer: $(cat "$T/peer.out")"
$PEER tcp 127.0.0.1 "$PN" '<13>1 - h reload - - - to the new input\n' >"$T/peer.out" 2>&1 ||
    fail "peer: $(cat "$T/peer.out")"
$EV wait "$B" 1 10 "message=to the new input" "observer.ingress.interface.name=new" >"$T/ev.out" 2>&1 ||
    fail "new input: $(cat "$T/ev.out")"
$EV wait "$B" 1 10 "message^long " "observer.ingress.interface.name=chg" >"$T/ev.out" 2>&1 ||
    fail "changed input: $(cat "$T/ev.out")"
$EV check "$B" "message^long " -- "tags[]!=_frame_truncated" >"$T/ev.out" 2>&1 ||
    fail "the changed max_message_size did not apply: $(cat "$T/ev.out")"
wait_for '[ -s "$T/alerts.jsonl" ]' 10 || fail "useradd did not alert after the rules changed"
[ "$(grep -c mallory "$T/alerts.jsonl")" -eq 1 ] || fail "not exactly one alert"
grep -q '"T1136.001"' "$T/alerts.jsonl" || fail "the alert is not T1136.001"
[ "$($EV count "$A" "message=to the new input")" -eq 0 ] || fail "an event went to the old archive"

# metrics moved; the kept connection counts on, once
get "$PM1" /healthz >/dev/null && fail "metrics still answer on the old port"
get "$PM2" /metrics >"$T/metrics.txt" || fail "no metrics on the new port"
grep -q '^logward_config_reloads_total{result="success"} 1$' "$T/metrics.txt" ||
    fail "reload counter: $(grep reloads_total "$T/metrics.txt")"
grep -q '^logward_received_messages_total{input="new",transport="tcp"} 1$' "$T/metrics.txt" ||
    fail "the new input is not in the metrics"
grep -q 'input="gone"' "$T/metrics.txt" && fail "the removed input is still in the metrics"
grep -q '^logward_tcp_connections_total{input="keep"} 1$' "$T/metrics.txt" ||
    fail "input keep: $(grep 'connections_total{input="keep"}' "$T/metrics.txt")"
grep -q '^logward_alerts_total{technique="T1136.001"} 1$' "$T/metrics.txt" ||
    fail "alerts by technique: $(grep alerts_total "$T/metrics.txt" | grep T1136)"

touch "$T/stop"
wait "$keeper"
out=$(cat "$T/keeper.out")
sent=$(echo "$out" | sed -n 's/.*sent=\([0-9]*\).*/\1/p')
port=$(echo "$out" | sed -n 's/.*port=\([0-9]*\).*/\1/p')
case $out in *closed=0) ;; *) fail "the kept input's connection was closed: $out" ;; esac
wait_for '[ $(($($EV count "$A" "message^keepstream ") + $($EV count "$B" "message^keepstream "))) -ge "$sent" ]' 60 ||
    fail "kept connection: not every message archived"
[ "$($EV count "$B" "message^keepstream ")" -gt 0 ] || fail "nothing from the kept connection after the reload"
[ $(($($EV count "$A" "message^keepstream ") + $($EV count "$B" "message^keepstream "))) -eq "$sent" ] ||
    fail "kept connection: duplicates"
ports_seen=$( ($EV values "$A" source.port "message^keepstream "; $EV values "$B" source.port "message^keepstream ") | sort -u)
[ "$ports_seen" = "$port" ] || fail "kept connection: source ports '$ports_seen', sender $port"

logward_stop TERM
[ "$LOGWARD_STATUS" -eq 0 ] || fail "logward exited with status $LOGWARD_STATUS"
note "one reload: input kept (connection too, $sent frames), removed (100 archived), changed, added; rules, archive and metrics port changed; workers kept"

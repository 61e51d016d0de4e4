#!/bin/sh
# hup-reload: a sender keeps sending octet-counted frames over one TCP
# connection, and another paced UDP datagrams, while logward is reloaded 20
# times with SIGHUP, alternating a good configuration and a bad one (a
# syntax error, then a broken rulebase line).  Every message is archived
# exactly once, the TCP connection is the same one throughout (one source
# port, never closed by logward), each bad reload is logged once with
# file:line and changes nothing, and /metrics counts the reloads.
TEST_NAME=hup-reload
. "$(dirname "$0")/lib.sh"

ports 3
set -- $PORTS
P=$1 PU=$2 PM=$3
cp -r "$top_srcdir/patterns" "$T/rules-good"
cp -r "$top_srcdir/patterns" "$T/rules-bad"
chmod -R u+w "$T/rules-good" "$T/rules-bad"
echo 'rule=:%broken' >>"$T/rules-bad/linux-sudo.rulebase"
bad_rule_line=$(wc -l <"$T/rules-bad/linux-sudo.rulebase")

# conf RULES [EXTRA]: the configuration, written whole then renamed into place
conf() {
	cat >"$T/next.conf" <<CONF
input tcp { transport = tcp  address = "127.0.0.1:$P" }
input udp { transport = udp  address = "127.0.0.1:$PU" }
rules = "$1"
archive { path = "$T/archive/events-%Y%m%d.jsonl" }
alerts { path = "$T/alerts.jsonl" }
workers = 2
stats_interval = 0
metrics { address = "127.0.0.1:$PM" }
${2:-}
CONF
	mv "$T/next.conf" "$T/logward.conf"
}
fetch_metrics() {
	[ "$(http_get "http://127.0.0.1:$PM/metrics" "$T/metrics.txt")" = 200 ] ||
	    fail "GET /metrics failed"
}
metric() {
	prom "$T/metrics.txt" "$1"
}
# reload N: SIGHUP, then wait for the N-th "reloaded" or "reload failed" line
reload() {
	want=$1
	kill -HUP "$LOGWARD_PID"
	wait_for '[ "$(grep -c "reloaded \|reload failed" "$T/logward.err")" -ge "$want" ]' 20 ||
	    fail "reload $1: no outcome logged within 20 s"
}

conf "$T/rules-good"
start_time=$(date +%s)
logward_start "$T/logward.conf"
bg_start tcpsender $PEER --timeout 120 --pause 0.01 stream 127.0.0.1 "$P" tcpstream "$T/stop"
tcp_pid=$BG_LAST
bg_start udpsender $PEER --timeout 120 --pause 0.01 udpstream 127.0.0.1 "$PU" udpstream "$T/stop"
udp_pid=$BG_LAST
ev_wait 100 10 "message^tcpstream "

i=1
while [ $i -le 20 ]; do
	case $((i % 4)) in
	1) conf "$T/rules-good" "bogus_directive = 1" ;; # line 9
	3) conf "$T/rules-bad" ;;
	*) conf "$T/rules-good" ;;
	esac
	reload $i
	logward_alive || fail "logward died at reload $i"
	if [ $i -eq 1 ]; then
		fetch_metrics
		[ "$(metric logward_config_last_reload_successful)" = 0 ] ||
		    fail "after a failed reload: last_reload_successful=$(metric logward_config_last_reload_successful)"
	fi
	sleep 0.2
	i=$((i + 1))
done

touch "$T/stop"
wait "$tcp_pid"
wait "$udp_pid"
tcp_out=$(cat "$T/tcpsender.out")
udp_sent=$(cat "$T/udpsender.out")
note "tcp sender: $tcp_out; udp sender: $udp_sent datagrams"
tcp_sent=$(echo "$tcp_out" | sed -n 's/.*sent=\([0-9]*\).*/\1/p')
tcp_port=$(echo "$tcp_out" | sed -n 's/.*port=\([0-9]*\).*/\1/p')
case $tcp_out in *closed=0) ;; *) fail "logward closed the TCP connection: $tcp_out" ;; esac
[ -n "$tcp_sent" ] && [ "$tcp_sent" -gt 0 ] || fail "tcp sender: $tcp_out"

ev_wait "$tcp_sent" 30 "message^tcpstream "
ev_wait "$udp_sent" 30 "message^udpstream "
fetch_metrics

# exactly once, each of them: 0..N-1, no duplicate, nothing else
for kind in tcpstream:$tcp_sent udpstream:$udp_sent; do
	$EV values "$T/archive" message "message^${kind%%:*} " >"$T/values" ||
	    fail "ev values failed"
	$PY - "$T/values" "${kind%%:*}" "${kind#*:}" <<'PYEOF' >"$T/once.out" 2>&1 || fail "$(cat "$T/once.out")"
import json, sys
path, kind, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
seen = [int(json.loads(line).split()[1]) for line in open(path) if line.strip()]
dups = len(seen) - len(set(seen))
missing = set(range(n)) - set(seen)
if dups or missing or len(seen) != n:
    sys.exit("%s: %d archived of %d sent, %d duplicates, missing e.g. %s"
             % (kind, len(seen), n, dups, sorted(missing)[:5]))
PYEOF
done
ports_seen=$($EV values "$T/archive" source.port "message^tcpstream " | sort -u)
[ "$ports_seen" = "$tcp_port" ] || fail "TCP events came from ports '$ports_seen', sender used $tcp_port"
[ "$(metric 'logward_tcp_connections_total{input="tcp"}')" = 1 ] ||
    fail "tcp connections: $(metric 'logward_tcp_connections_total{input="tcp"}'), expected 1"
[ "$(metric 'logward_dropped_messages_total{input="udp",reason="kernel_overflow"}')" = 0 ] ||
    fail "the kernel dropped UDP datagrams: the pacing is too fast for this machine"

# the bad reloads: each logged once, with file and line
syntax=$(grep -c "reload failed, still running the previous configuration: $T/logward.conf:9: " \
    "$T/logward.err")
rules=$(grep -c "reload failed, still running the previous configuration: $T/rules-bad/linux-sudo.rulebase:$bad_rule_line: " \
    "$T/logward.err")
[ "$syntax" -eq 5 ] || fail "$syntax syntax-error reloads logged with file:line, expected 5"
[ "$rules" -eq 5 ] || fail "$rules broken-rulebase reloads logged with file:line, expected 5"
[ "$(grep -c "reloaded " "$T/logward.err")" -eq 10 ] || fail "not 10 successful reloads logged"

[ "$(metric 'logward_config_reloads_total{result="success"}')" = 10 ] ||
    fail "reloads success=$(metric 'logward_config_reloads_total{result="success"}'), expected 10"
[ "$(metric 'logward_config_reloads_total{result="failure"}')" = 10 ] ||
    fail "reloads failure=$(metric 'logward_config_reloads_total{result="failure"}'), expected 10"
[ "$(metric logward_config_last_reload_successful)" = 1 ] || fail "the last reload is not successful"
ts=$(metric logward_config_last_reload_success_timestamp_seconds)
[ "$ts" -ge "$start_time" ] && [ "$ts" -le "$(date +%s)" ] || fail "last reload time $ts"
[ "$(metric 'logward_received_messages_total{input="tcp",transport="tcp"}')" = "$tcp_sent" ] ||
    fail "received tcp $(metric 'logward_received_messages_total{input="tcp",transport="tcp"}'), sent $tcp_sent"

logward_stop TERM
[ "$LOGWARD_STATUS" -eq 0 ] || fail "logward exited with status $LOGWARD_STATUS"
note "20 reloads (10 good, 5 syntax errors, 5 broken rulebases): $tcp_sent TCP frames on one connection and $udp_sent UDP datagrams archived exactly once"

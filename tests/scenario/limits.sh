#!/bin/sh
# limits: hostile senders against allow, max_connections_per_address and the
# per-address rate limit, while a well-behaved sender (127.0.0.3) keeps being
# served.  127.0.0.2 is a second IPv4 source on loopback; ::1 is refused by an
# IPv6 allow list that does not hold it.  Every step is bounded.
# - allow: TCP from 127.0.0.2 refused before any byte is read, a UDP
#   datagram from it dropped; IPv6 the same; all counted, nothing archived.
# - a slowloris sender (12 connections, one byte a second, never a LF) gets
#   max_connections_per_address = 5 of them; a burst of 200 more is refused.
# - a TCP sender at 5000 messages over a rate of 1000 a second is paused,
#   never dropped: all 5000 arrive.  A UDP sender over 50 a minute has the
#   rest dropped and counted.
TEST_NAME=limits
. "$(dirname "$0")/lib.sh"

ports 4
set -- $PORTS
P=$1 PU=$2 P6=$3 P6DENY=$4
cat >"$T/logward.conf" <<CONF
input lim {
	transport = tcp
	address = "127.0.0.1:$P"
	allow = { "127.0.0.1", "127.0.0.3/32" }
	max_connections_per_address = 5
	idle_timeout = 60
	ratelimit_interval = 1
	ratelimit_burst = 1000
}
input lim_udp {
	transport = udp
	address = "127.0.0.1:$PU"
	allow = { "127.0.0.0/31" }
	ratelimit_interval = 60
	ratelimit_burst = 50
}
input v6ok { transport = tcp  address = "[::1]:$P6"  allow = { "::1" } }
input v6deny { transport = tcp  address = "[::1]:$P6DENY"  allow = { "2001:db8::/32", "127.0.0.0/8" } }
rules = "$top_srcdir/patterns"
archive { path = "$T/archive/events-%Y%m%d.jsonl" }
workers = 2
stats_interval = 0
CONF
logward_start "$T/logward.conf"
tok=lim$$

# The well-behaved sender: one message from 127.0.0.3, archived.
N_GOOD=0
good() {
	N_GOOD=$((N_GOOD + 1))
	$PEER --source 127.0.0.3 tcp 127.0.0.1 "$P" \
	    "<13>1 2026-11-27T10:00:00Z good limits - - - $tok-good $N_GOOD after $1\\n" \
	    >"$T/peer.out" 2>&1 || fail "the good sender failed after $1: $(cat "$T/peer.out")"
	ev_wait 1 10 "message=$tok-good $N_GOOD after $1"
	logward_alive || fail "logward died after $1"
}
good start

# --- allow, IPv4 and IPv6: refused and counted, nothing archived
$PEER --source 127.0.0.2 tcp 127.0.0.1 "$P" \
    "<13>1 2026-11-27T10:00:00Z evil limits - - - $tok-refused v4\\n" >/dev/null 2>&1
$PEER --source 127.0.0.2 udp 127.0.0.1 "$PU" \
    "<13>1 2026-11-27T10:00:00Z evil limits - - - $tok-refused v4 udp" >/dev/null 2>&1
$PEER tcp ::1 "$P6DENY" "<13>1 2026-11-27T10:00:00Z evil limits - - - $tok-refused v6\\n" \
    >/dev/null 2>&1
$PEER tcp ::1 "$P6" "<13>1 2026-11-27T10:00:00Z ok limits - - - $tok-v6 allowed\\n" \
    >"$T/peer.out" 2>&1 || fail "IPv6 sender failed: $(cat "$T/peer.out")"
ev_wait 1 10 "message=$tok-v6 allowed" observer.ingress.interface.name=v6ok source.ip=::1
good allow

# --- slowloris: 12 connections, 5 admitted
bg_start slowloris $PEER slowloris 127.0.0.1 "$P" 12 4
SLOW_PID=$BG_LAST
good "slowloris started"
wait "$SLOW_PID"
read -r connected closed <"$T/slowloris.out" || fail "slowloris said nothing: $(cat "$T/slowloris.err")"
[ "$connected" -eq 12 ] || fail "slowloris connected $connected of 12"
[ "$closed" -eq 7 ] || fail "logward closed $closed slowloris connections, expected 7 (5 allowed)"
good slowloris
burst=$($PEER --source 127.0.0.1 connburst 127.0.0.1 "$P" 200) || fail "connburst failed"
note "connection burst: $burst of 200 connected"
good "a connection burst"

# --- TCP over its rate: paused, nothing lost
sent=$($PEER --source 127.0.0.3 --timeout 60 tcpmany 127.0.0.1 "$P" 5000 "$tok-rate") ||
    fail "tcpmany failed: $sent"
[ "$sent" = 5000 ] || fail "tcpmany sent $sent"
ev_wait 5000 60 "message~$tok-rate "
note "5000 messages over the rate: $EV_WAIT_RESULT"
good "a fast sender"

# --- UDP over its rate: 50 kept, the rest dropped and counted
sentu=$($PEER udpflood 127.0.0.1 "$PU" 200 "$tok-udprate") || fail "udpflood failed"
ev_wait 50 10 "message~$tok-udprate "
good "a UDP flood"

logward_stats
[ "$(counter lim refused_acl)" = 1 ] || fail "lim refused_acl=$(counter lim refused_acl), expected 1"
[ "$(counter lim_udp refused_acl)" = 1 ] ||
    fail "lim_udp refused_acl=$(counter lim_udp refused_acl), expected 1"
[ "$(counter v6deny refused_acl)" = 1 ] ||
    fail "v6deny refused_acl=$(counter v6deny refused_acl), expected 1"
[ "$(counter v6deny messages)" = 0 ] || fail "v6deny archived $(counter v6deny messages)"
# 7 slowloris connections, and 195 of the burst (it holds all 200 open at once)
per=$(counter lim refused_per_address)
[ "$per" -eq 202 ] || fail "lim refused_per_address=$per, expected 7 + 195"
paused=$(counter lim rate_limited)
[ "$paused" -ge 1 ] || fail "lim rate_limited=$paused: the fast sender was never paused"
kdrop=$(counter lim_udp kernel_drops)
udp_limited=$(counter lim_udp rate_limited)
[ "$udp_limited" -eq $((sentu - 50 - kdrop)) ] ||
    fail "lim_udp rate_limited=$udp_limited, expected $sentu sent - 50 kept - $kdrop kernel drops"
[ "$(counter lim_udp messages)" = 50 ] || fail "lim_udp messages=$(counter lim_udp messages)"
grep -q "connection refused from 127.0.0.2: not in allow" "$T/logward.err" ||
    fail "no log line for the allow refusal"
refusal_lines=$(grep -c "connection refused from" "$T/logward.err")
[ "$refusal_lines" -le 2 ] || fail "$refusal_lines log lines for $((per + 2)) refusals: not a summary"
note "refused_per_address=$per, TCP rate pauses=$paused, UDP rate-limited=$udp_limited"

logward_stop TERM
[ "$LOGWARD_STATUS" -eq 0 ] || fail "logward exited with status $LOGWARD_STATUS after TERM"
if grep -q "$tok-refused" "$T"/archive/*.jsonl; then
	fail "a refused sender's message was archived"
fi
$EV valid "$T/archive" >"$T/ev.out" || fail "archive: $(cat "$T/ev.out")"
note "PASS"

#!/bin/sh
# hostile: what the network may throw at logward.  Random bytes (fixed seed)
# over TCP and UDP, a 1 MB line, a count of 99999999999, half frames cut by
# a close, 10,000 TCP connections opened and closed in a burst, a flood of
# 50,000 UDP datagrams.  Afterwards logward still runs, a normal message still
# arrives, TERM exits 0, and the counters account for what was sent and the
# archive for the counters.
TEST_NAME=hostile
. "$(dirname "$0")/lib.sh"

ports 2
set -- $PORTS
P=$1 PU=$2
cat >"$T/logward.conf" <<CONF
input tcp { transport = tcp  address = "127.0.0.1:$P"  max_message_size = 65536
            max_connections = 1000  idle_timeout = 600 }
input udp { transport = udp  address = "127.0.0.1:$PU" }
rules = "$top_srcdir/patterns"
archive { path = "$T/archive/events-%Y%m%d.jsonl" }
workers = 2
stats_interval = 0
CONF
logward_start "$T/logward.conf"

tcp_conns=0
send() {
	$PEER "$@" >"$T/peer.out" 2>&1 || fail "peer $1: $(cat "$T/peer.out")"
	tcp_conns=$((tcp_conns + 1))
}
alive() {
	logward_alive || fail "logward died after $1"
}
# A normal message still goes through: $1 names the step.
# A probe's connection can be refused (counted) while the daemon still
# closes the connections of a burst at max_connections (slowly, under ASan):
# send it again, up to 10 times; each send counts as a connection made.
probe() {
	pr_try=0
	while [ $pr_try -lt 10 ]; do
		pr_try=$((pr_try + 1))
		send tcp 127.0.0.1 "$P" "<13>1 2026-11-27T10:00:00Z probe hostile - - - probe after $1\\n"
		$EV wait "$T/archive" 1 3 "message=probe after $1" >"$T/ev.out" 2>&1 && return 0
	done
	fail "no probe after $1 archived in 10 tries: $(cat "$T/ev.out")"
}

# Random bytes, fixed seed: 256 KiB over one connection, 300 datagrams.
$PEER random 20261127 262144 "$T/random.bin" || fail "cannot write random bytes"
send tcpfile 127.0.0.1 "$P" "$T/random.bin"
alive "random bytes over TCP"
udp_random=$($PEER udprandom 127.0.0.1 "$PU" 20261127 300) || fail "peer udprandom failed"
alive "random datagrams"
probe random

# A 1 MB line (cut at max_message_size, the rest skipped), then a normal frame
# on the same connection.
{
	printf '<13>long '
	head -c 1048576 /dev/zero | tr '\0' A
	printf '\n<13>1 2026-11-27T10:00:00Z h hostile - - - after the long line\n'
} >"$T/long.bin"
send tcpfile 127.0.0.1 "$P" "$T/long.bin"
ev_wait 1 5 "message=after the long line"
ev_wait 1 5 "event.original^<13>long AAAA"
len=$($EV values "$T/archive" event.original "event.original^<13>long AAAA" | wc -c)
# JSON string with quotes and newline: 65536 + 3
[ "$len" -eq 65539 ] || fail "the 1 MB line was archived with $((len - 3)) bytes, expected 65536"
alive "a 1 MB line"

# A count that does not fit: framing error, read as an LF frame.
send tcp 127.0.0.1 "$P" '99999999999 a\n'
ev_wait 1 5 "event.original=99999999999 a"
alive "99999999999 a"

# Half frames, then close: the last frame is delivered as it is.
send tcp 127.0.0.1 "$P" '100 <13>1 2026-11-27T10:00:00Z h hostile - - - half octet frame'
send tcp 127.0.0.1 "$P" '<13>1 2026-11-27T10:00:00Z h hostile - - - half LF frame'
send tcp 127.0.0.1 "$P" '12'
ev_wait 1 5 "message=half octet frame"
ev_wait 1 5 "message=half LF frame"
alive "half frames"

# 10,000 connections opened and closed in a burst.
burst=$($PEER --timeout 20 connburst 127.0.0.1 "$P" 10000) || fail "peer connburst failed"
note "connection burst: $burst of 10000 connected"
[ "$burst" -ge 9000 ] || fail "only $burst of 10000 connections were established"
tcp_conns=$((tcp_conns + burst))
alive "10,000 connections"
probe burst

# 50,000 UDP datagrams as fast as python sends them.
flood=$($PEER --timeout 30 udpflood 127.0.0.1 "$PU" 50000 flood-$$) || fail "peer udpflood failed"
note "UDP flood: $flood of 50000 datagrams sent"
alive "the UDP flood"
probe flood
$PEER udp 127.0.0.1 "$PU" '<13>1 2026-11-27T10:00:00Z h hostile - - - probe over udp' ||
    fail "peer udp failed"
ev_wait 1 5 "message=probe over udp"
udp_sent=$((udp_random + flood + 1))

logward_stop TERM
[ "$LOGWARD_STATUS" -eq 0 ] || fail "logward exited with status $LOGWARD_STATUS after TERM"
if grep -Eq "Sanitizer|runtime error" "$T/logward.err"; then
	fail "logward reported errors: $(grep -E "Sanitizer|runtime error" "$T/logward.err" | head -5)"
fi
$EV valid "$T/archive" >"$T/ev.out" || fail "archive: $(cat "$T/ev.out")"
grep "messages=" "$T/logward.err" | tail -n 2 | sed "s/^/$TEST_NAME: exit summary: /"

# Every frame handed to processing is archived, once.
for in in tcp udp; do
	m=$(counter $in messages)
	a=$($EV count "$T/archive" "observer.ingress.interface.name=$in")
	[ "$m" = "$a" ] || fail "input $in: messages=$m but $a events archived"
done
# TCP: every connection accounted for; the 1 MB line truncated; the bad count seen.
c=$(counter tcp connections)
r=$(counter tcp refused)
[ $((c + r)) -eq "$tcp_conns" ] ||
    fail "tcp: connections=$c + refused=$r, expected $tcp_conns connections made"
[ "$(counter tcp truncated)" -ge 1 ] || fail "tcp: truncated=$(counter tcp truncated), expected >= 1"
[ "$(counter tcp bad_frames)" -ge 1 ] || fail "tcp: bad_frames=$(counter tcp bad_frames), expected >= 1"
[ "$(counter tcp open)" -eq 0 ] || fail "tcp: open=$(counter tcp open) after exit"
# UDP: received + dropped by the kernel = sent, when the kernel reports drops.
m=$(counter udp messages)
k=$(counter udp kernel_drops)
if [ $((m + k)) -eq "$udp_sent" ]; then
	note "udp: messages=$m + kernel_drops=$k = $udp_sent sent"
elif [ "$k" -eq 0 ] && [ "$m" -le "$udp_sent" ]; then
	note "udp: messages=$m of $udp_sent sent, kernel_drops=0: this kernel does not report" \
	    "UDP drops (SO_RXQ_OVFL); $((udp_sent - m)) datagrams lost uncounted"
else
	fail "udp: messages=$m + kernel_drops=$k, but $udp_sent datagrams were sent"
fi
note "PASS"

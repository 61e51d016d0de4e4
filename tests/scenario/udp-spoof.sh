#!/bin/sh
# udp-spoof: a flood of datagrams from made-up source addresses must not
# silence real senders.  With a per-address rate limit (50 a minute), one
# datagram from each of 100,000 distinct sources (127.20.1.1 upwards: all of
# 127/8 is loopback on Linux, the source set per datagram) fills the
# per-address table (16,384 entries) six times over.  None of them is over
# its rate, so none may be dropped; then:
# - a sender over its rate (127.0.0.2, 200 datagrams) still has 150 dropped,
# - 10,000 new one-datagram senders all get through,
# - the sender over its rate, 20 more datagrams: all dropped (its window is
#   remembered: fewer new addresses than the table holds came since).
# The daemon's RSS is reported empty and with the table full.
TEST_NAME=udp-spoof
. "$(dirname "$0")/lib.sh"

FLOOD=100000
REAL=10000
ports 1
P=$PORTS
cat >"$T/logward.conf" <<CONF
input spoof {
	transport = udp
	address = "127.0.0.1:$P"
	ratelimit_interval = 60
	ratelimit_burst = 50
	recv_buffer = 67108864
}
rules = "$top_srcdir/patterns"
archive { path = "$T/archive/events-%Y%m%d.jsonl" }
workers = 2
stats_interval = 0
CONF
logward_start "$T/logward.conf"
tok=spoof$$
rss() { ps -o rss= -p "$LOGWARD_PID" | tr -d ' '; }
SENT=0
# Wait until the daemon has read (and counted) the $SENT datagrams sent so
# far, then until what it admitted is archived.  (A marker datagram would not
# do: before the fix, a new address could be rate-limited itself.)
settle() {
	deadline=$(($(date +%s) + 60))
	while :; do
		logward_stats
		seen=$(($(counter spoof messages) + $(counter spoof rate_limited) + \
		    $(counter spoof kernel_drops)))
		[ "$seen" -ge "$SENT" ] && break
		[ "$(date +%s)" -ge "$deadline" ] && fail "the daemon read $seen of $SENT datagrams in 60 s"
		sleep 0.5
	done
	ev_wait "$(counter spoof messages)" 120 "message~$tok-"
}
rss_empty=$(rss)

sent=$($PEER --timeout 120 --pause 0.002 udpspoof 127.0.0.1 "$P" 0 "$FLOOD" "$tok-flood") ||
    fail "udpspoof failed: $sent"
[ "$sent" -eq "$FLOOD" ] || fail "udpspoof sent $sent of $FLOOD"
SENT=$FLOOD
settle
rss_full=$(rss)

over=$($PEER --source 127.0.0.2 udpflood 127.0.0.1 "$P" 200 "$tok-over") || fail "udpflood failed"
[ "$over" -eq 200 ] || fail "udpflood sent $over of 200"
real=$($PEER --timeout 60 --pause 0.002 udpspoof 127.0.0.1 "$P" 200000 "$REAL" "$tok-real") ||
    fail "udpspoof failed: $real"
[ "$real" -eq "$REAL" ] || fail "udpspoof sent $real of $REAL"
again=$($PEER --source 127.0.0.2 udpflood 127.0.0.1 "$P" 20 "$tok-again") || fail "udpflood failed"
SENT=$((SENT + over + real + again))
settle
kdrop=$(counter spoof kernel_drops)
limited=$(counter spoof rate_limited)
full=$(counter spoof table_full)
got_flood=$($EV count "$T/archive" "message~$tok-flood ")
got_over=$($EV count "$T/archive" "message~$tok-over ")
got_real=$($EV count "$T/archive" "message~$tok-real ")
got_again=$($EV count "$T/archive" "message~$tok-again ")
note "flood: $got_flood of $FLOOD archived; real senders after it: $((REAL - got_real)) of $REAL dropped"
note "over its rate: $got_over of 200, then $got_again of 20 archived; rate_limited=$limited table_full=$full"
note "RSS: ${rss_empty} KB at start, ${rss_full} KB with the table full"
# Every datagram must have reached the daemon for the figures to mean anything.
[ "$kdrop" -eq 0 ] || fail "the kernel dropped $kdrop datagrams (receive buffer): no measure"
[ "$got_flood" -eq "$FLOOD" ] || fail "$((FLOOD - got_flood)) of $FLOOD one-datagram senders dropped"
[ "$got_real" -eq "$REAL" ] ||
    fail "$((REAL - got_real)) of $REAL one-datagram senders dropped after the flood"
[ "$got_over" -eq 50 ] || fail "the sender over its rate got $got_over of 200 through, expected 50"
[ "$got_again" -eq 0 ] || fail "the sender over its rate got $got_again of 20 more through"
[ "$limited" -eq 170 ] || fail "rate_limited=$limited, expected 150 + 20"
logward_stop TERM
[ "$LOGWARD_STATUS" -eq 0 ] || fail "logward exited with status $LOGWARD_STATUS after TERM"
note "PASS"

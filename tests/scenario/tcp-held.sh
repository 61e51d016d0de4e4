#!/bin/sh
# tcp-held: plain TCP reads with an edge-triggered read event (listen_tcp.c
# tcp_plain_read), which announces bytes only as they arrive.  What a read
# leaves in the socket is read on a later turn without any event: after a
# full read (64 KB), after a pause of intake (the bytes waited in the
# socket), after the sender's shutdown (its end is read after the data).
# A sender that bursts and then holds its connection open, quiet, must get
# every message archived without closing; one that bursts and shuts down
# right after an unterminated last line must get that line too, and its
# connection closed.  One worker and a pool of two batches with no wait
# (as in backpressure.sh) make intake pause during a burst; the bursts are
# repeated (up to three rounds) until one made a connection stop, which
# pause_stops shows.  idle_timeout (600 s) never closes a held connection
# meanwhile, which the open-connection count shows.  Then the same bursts
# on libevent's poll backend, where plain TCP reads through a bufferevent.
TEST_NAME=tcp-held
. "$(dirname "$0")/lib.sh"

ports 1
P=$PORTS
cat >"$T/logward.conf" <<CONF
input tcp { transport = tcp  address = "127.0.0.1:$P"  idle_timeout = 600 }
rules = "$top_srcdir/patterns"
archive { path = "$T/archive/events-%Y%m%d.jsonl" }
workers = 1
queue_batches = 2
queue_wait = 0
stats_interval = 0
CONF
logward_start "$T/logward.conf"
tok=tch$$
total=0

# burst NAME N END: N messages in one burst; END hold (kept open) or tail (FIN after)
burst() {
	bg_start "burst-$1" $PEER --timeout 120 tcpheld 127.0.0.1 "$P" "$2" "$tok-$1" "$3"
	sender=$BG_LAST
	out="$T/burst-$1.out"
	wait_for '[ -s "$out" ]' 60 || fail "$1: the sender did not finish its burst: $(cat "$T/burst-$1.err")"
	[ "$(cat "$out")" = "$2" ] || fail "$1: sent $(cat "$out") of $2"
	$EV wait "$T/archive" "$2" 60 "message^$tok-$1 " >/dev/null 2>&1
	got=$($EV count "$T/archive" "message^$tok-$1 ")
	[ "$got" -eq "$2" ] || fail "$1: $got of $2 messages archived ($3)"
	if [ "$3" = hold ]; then
		logward_stats
		open=$(counter tcp open)
		kill -0 "$sender" 2>/dev/null || fail "$1: the sender's connection closed: $(cat "$T/burst-$1.err")"
		[ "$open" = 1 ] || fail "$1: $open connections open, expected the held one"
		kill "$sender"
	fi
	wait "$sender" 2>/dev/null
	wait_for '[ "$(logward_stats; counter tcp open)" = 0 ]' 30 || fail "$1: connection not closed"
	total=$((total + $2))
	note "$1: $got of $2 archived ($3)"
}

burst one 1 hold
burst tailone 1 tail
round=0 stops=0
while [ "$round" -lt 3 ] && [ "$stops" -lt 1 ]; do
	round=$((round + 1))
	burst "held$round" 30000 hold
	burst "tail$round" 30000 tail
	logward_stats
	stops=$(counter tcp pause_stops)
done
[ "$stops" -ge 1 ] || fail "no connection was stopped by a pause in $round rounds: the paused path was not crossed"
# the unterminated last line of each tail burst is archived whole
last=$((30000 - 1))
[ "$($EV count "$T/archive" "message=$tok-tail1 $last")" = 1 ] ||
    fail "the unterminated last line of tail1 was not archived"
logward_alive || fail "logward died"
[ "$(counter tcp bad_frames)" = 0 ] || fail "bad_frames=$(counter tcp bad_frames)"
[ "$(counter tcp idle_closed)" = 0 ] || fail "idle_closed=$(counter tcp idle_closed)"
logward_stop TERM
[ "$LOGWARD_STATUS" -eq 0 ] || fail "logward exited with status $LOGWARD_STATUS after TERM"
$EV valid "$T/archive" "$total" >"$T/ev.out" || fail "archive: $(cat "$T/ev.out")"
note "epoll: $round rounds, $stops connection stops by a pause"

# The same on libevent's poll backend (no edge-triggered events): plain TCP
# falls back to a bufferevent, and says so.
EVENT_NOEPOLL=1 logward_start "$T/logward.conf"
grep -q "input tcp: libevent's poll backend has no edge-triggered events" "$T/logward.err" ||
    fail "on poll, the fallback to bufferevents was not reported: $(grep tcp "$T/logward.err" | head -n 3)"
burst pollheld 30000 hold
burst polltail 30000 tail
[ "$($EV count "$T/archive" "message=$tok-polltail $last")" = 1 ] ||
    fail "poll: the unterminated last line of polltail was not archived"
logward_stop TERM
[ "$LOGWARD_STATUS" -eq 0 ] || fail "logward exited with status $LOGWARD_STATUS after TERM (poll)"
$EV valid "$T/archive" "$total" >"$T/ev.out" || fail "archive: $(cat "$T/ev.out")"
note "PASS"

#!/bin/sh
# backpressure: with one worker and a pool of two batches, a sender over
# one TCP connection outruns processing.  Intake must stop reading (the
# "paused" counter moves) instead of dropping or buffering without bound,
# and every message must reach the archive.  queue_wait = 0: intake pauses
# as soon as the pool is used up (with the default 5 ms wait, a worker as
# fast as today's frees a batch in time and the pause is never taken).
# Whether the sender outruns the worker depends on what else the machine
# runs: up to three rounds of N are sent until one made intake pause.
TEST_NAME=backpressure
. "$(dirname "$0")/lib.sh"

N=200000
ports 1
P=$PORTS
cat >"$T/logward.conf" <<CONF
input tcp { transport = tcp  address = "127.0.0.1:$P" }
rules = "$top_srcdir/patterns"
archive { path = "$T/archive/events-%Y%m%d.jsonl" }
workers = 1
queue_batches = 2
queue_wait = 0
stats_interval = 0
CONF

logward_start "$T/logward.conf"
round=0 paused=0
while [ "$round" -lt 3 ] && [ "$paused" -lt 1 ]; do
	round=$((round + 1))
	$PEER tcpmany 127.0.0.1 "$P" "$N" "pressure$round" >"$T/peer.out" 2>&1 ||
	    fail "sender: $(cat "$T/peer.out")"
	# Processing may lag well behind the sender: wait for the last message.
	ev_wait 1 120 "message=pressure$round $((N - 1))"
	logward_stats
	paused=$(counter tcp paused)
done
logward_stop TERM
[ "$LOGWARD_STATUS" -eq 0 ] || fail "logward exited with $LOGWARD_STATUS"
got=$($EV count "$T/archive")
[ "$got" -eq $((round * N)) ] || fail "$got of $((round * N)) messages archived"
[ "$(counter tcp messages)" -eq $((round * N)) ] ||
    fail "messages counter $(counter tcp messages), sent $((round * N))"
paused=$(counter tcp paused)
[ "$paused" -ge 1 ] || fail "intake never paused in $round rounds (paused=$paused): backpressure not exercised"
note "$((round * N)) messages in $round rounds archived, intake paused $paused times"

#!/bin/sh
# pause-many: an intake pause costs the connections that are read while it
# lasts, not every connection.  1,000 idle connections are held while one
# sender floods a worker with a pool of two batches (queue_wait = 0:
# intake pauses as soon as the pool is used up).  The pause is made
# certain, not left to the sender outrunning the worker: the archive is on
# a full tmpfs until intake has paused, so the worker holds its batches.
# Each pause used to stop and restart every connection (an epoll_ctl each
# way: 2,000 system calls a pause); now only a connection that has bytes
# while paused is stopped.  pause_stops counts connections stopped by a
# pause: at most the busy sender's one a pause (one more for slack), never
# the idle ones.  Every message must still be archived once space is back,
# and the idle connections stay open.
TEST_NAME=pause-many
. "$(dirname "$0")/lib.sh"

N=100000
IDLE=1000
ulimit -n $((IDLE + 256)) 2>/dev/null || ulimit -n "$(ulimit -Hn)"
M="$T/full"
tmpfs_mount "$M" 200m
ports 1
P=$PORTS
cat >"$T/logward.conf" <<CONF
input tcp { transport = tcp  address = "127.0.0.1:$P"  max_connections = $((IDLE + 10))
            idle_timeout = 0 }
rules = "$top_srcdir/patterns"
archive { path = "$M/archive/events-%Y%m%d.jsonl" }
workers = 1
queue_batches = 2
queue_wait = 0
stats_interval = 0
CONF

logward_start "$T/logward.conf"
# GOFILE never appears: the connections stay idle until --timeout.
bg_start hold $PEER --timeout 120 hold 127.0.0.1 "$P" "$IDLE" "$T/never" idle
wait_for 'grep -q "^open $IDLE\$" "$T/hold.out"' 40 ||
    fail "peer did not open $IDLE connections: $(cat "$T/hold.out" "$T/hold.err")"
mkdir -p "$M/archive" || fail "mkdir $M/archive"
dd if=/dev/zero of="$M/filler" bs=64k >/dev/null 2>&1
[ "$(df --output=avail "$M" | tail -n 1 | tr -d ' ')" -eq 0 ] || fail "$M is not full"
bg_start sender $PEER --timeout 120 tcpmany 127.0.0.1 "$P" "$N" "pressure"
SENDER=$BG_LAST
paused_now() {
	logward_stats
	[ "$(counter tcp paused)" -ge 1 ]
}
wait_for paused_now 60 || fail "intake did not pause on a full archive within 60 s"
rm -f "$M/filler"
wait "$SENDER" || fail "sender: $(cat "$T/sender.out" "$T/sender.err")"
ln -s "$M/archive" "$T/archive"
ev_wait 1 120 "message=pressure $((N - 1))"
logward_stats
got=$($EV count "$T/archive")
[ "$got" -eq "$N" ] || fail "$got of $N messages archived"
[ "$(counter tcp open)" -eq "$IDLE" ] ||
    fail "$(counter tcp open) connections open, expected the $IDLE idle ones"
paused=$(counter tcp paused)
stops=$(counter tcp pause_stops)
[ "$paused" -ge 1 ] || fail "intake never paused (paused=$paused): backpressure not exercised"
[ "$stops" -le $((2 * paused)) ] ||
    fail "$paused pauses stopped $stops connections: more than the busy sender's"
note "$N messages, $IDLE idle connections: $paused pauses, $stops connections stopped"
logward_stop TERM
[ "$LOGWARD_STATUS" -eq 0 ] || fail "logward exited with $LOGWARD_STATUS"

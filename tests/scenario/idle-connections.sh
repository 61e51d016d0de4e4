#!/bin/sh
# idle-connections: 10,000 concurrent idle TCP connections cost less than
# 100 MiB of logward's resident memory (issue 6), first never having sent
# anything, then each after one message.  The cost is the growth of VmRSS
# (/proc/PID/status) over a daemon that has already processed messages,
# so the pipeline's own buffers are in the baseline.  Where the descriptor
# hard limit is below 10,000 connections, as many as it allows are opened
# (at least 1,000) and the bound scales: 100 MiB / 10,000 a connection.
TEST_NAME=idle-connections
. "$(dirname "$0")/lib.sh"

N=10000
hard=$(ulimit -Hn)
if [ "$hard" != unlimited ] && [ "$hard" -lt $((N + 128)) ]; then
	N=$((hard - 128))
	note "descriptor hard limit $hard: $N connections"
fi
[ "$N" -ge 1000 ] || fail "descriptor hard limit $hard allows fewer than 1000 connections"
ulimit -n $((N + 128)) || fail "cannot raise the descriptor limit to $((N + 128))"
# 100 MiB for 10,000 connections, in KiB
BOUND_KIB=$((N * 1024 / 100))

ports 1
P=$PORTS
cat >"$T/logward.conf" <<CONF
input tcp { transport = tcp  address = "127.0.0.1:$P"  max_connections = $((N + 10))
            idle_timeout = 0 }
rules = "$top_srcdir/patterns"
archive { path = "$T/archive/events-%Y%m%d.jsonl" }
workers = 1
stats_interval = 0
CONF

rss_kib() {
	awk '/^VmRSS:/ { print $2 }' "/proc/$LOGWARD_PID/status"
}

# Wait until the daemon holds $1 open connections.
wait_open() {
	wo_deadline=$(($(date +%s) + 30))
	while :; do
		logward_stats
		[ "$(counter tcp open)" = "$1" ] && return 0
		[ "$(date +%s)" -ge "$wo_deadline" ] &&
		    fail "logward holds $(counter tcp open) connections, expected $1"
		sleep 0.2
	done
}

logward_start "$T/logward.conf"
# The baseline: every buffer the processing of messages needs is there.
$PEER tcpmany 127.0.0.1 "$P" 5000 "warm-up" >"$T/warm.out" 2>&1 ||
    fail "warm-up sender: $(cat "$T/warm.out")"
ev_wait 1 30 "message=warm-up 4999"
wait_open 0
rss0=$(rss_kib)

bg_start hold $PEER --timeout 60 hold 127.0.0.1 "$P" "$N" "$T/go" idle
wait_for 'grep -q "^open $N\$" "$T/hold.out"' 40 ||
    fail "peer did not open $N connections: $(cat "$T/hold.out" "$T/hold.err")"
wait_open "$N"
rss1=$(rss_kib)

: >"$T/go"
wait_for 'grep -q "^sent $N\$" "$T/hold.out"' 30 ||
    fail "peer did not send on $N connections: $(cat "$T/hold.out" "$T/hold.err")"
ev_wait 1 30 "message=idle $((N - 1))"
wait_for '[ "$($EV count "$T/archive")" -eq $((5000 + N)) ]' 30 ||
    fail "$($EV count "$T/archive") events archived, expected $((5000 + N))"
wait_open "$N"
rss2=$(rss_kib)

note "$N connections: VmRSS $rss0 KiB before, +$((rss1 - rss0)) KiB idle," \
    "+$((rss2 - rss0)) KiB after one message each (bound $BOUND_KIB KiB)"
[ $((rss1 - rss0)) -lt "$BOUND_KIB" ] ||
    fail "$N idle connections cost $((rss1 - rss0)) KiB, bound $BOUND_KIB KiB"
[ $((rss2 - rss0)) -lt "$BOUND_KIB" ] ||
    fail "$N connections after one message each cost $((rss2 - rss0)) KiB, bound $BOUND_KIB KiB"
logward_stop TERM
[ "$LOGWARD_STATUS" -eq 0 ] || fail "logward exited with $LOGWARD_STATUS"

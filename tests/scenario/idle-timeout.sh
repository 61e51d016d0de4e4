#!/bin/sh
# idle-timeout: a connection that sends nothing for idle_timeout seconds is
# closed and counted (idle_closed), and each read restarts the wait: 6
# connections sending one byte a second for 8 s through an idle_timeout
# of 5 s stay open.  The timeouts are libevent common timeouts (one queue
# a duration), so this checks that they fire, and fire late enough.
TEST_NAME=idle-timeout
. "$(dirname "$0")/lib.sh"

ports 1
P=$PORTS
cat >"$T/logward.conf" <<CONF
input tcp { transport = tcp  address = "127.0.0.1:$P"  idle_timeout = 5 }
rules = "$top_srcdir/patterns"
archive { path = "$T/archive/events-%Y%m%d.jsonl" }
workers = 1
stats_interval = 0
CONF
logward_start "$T/logward.conf"

bg_start slow $PEER --timeout 30 slowloris 127.0.0.1 "$P" 6 8
r=$($PEER --timeout 30 halfopen 127.0.0.1 "$P") ||
    fail "a connection that sent nothing was not closed (idle_timeout = 5): $r"
wait_for '[ -s "$T/slow.out" ]' 30 || fail "slow senders said nothing: $(cat "$T/slow.err")"
read -r connected closed <"$T/slow.out"
[ "$connected" -eq 6 ] || fail "slow senders connected $connected of 6"
[ "$closed" -eq 0 ] || fail "$closed of 6 connections that sent a byte a second were closed as idle"
logward_stats
[ "$(counter tcp idle_closed)" -eq 1 ] || fail "idle_closed=$(counter tcp idle_closed), expected 1"
logward_stop TERM
[ "$LOGWARD_STATUS" -eq 0 ] || fail "logward exited with $LOGWARD_STATUS"

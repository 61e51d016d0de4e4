#!/bin/sh
# relp-kill: the point of RELP.  A private rsyslogd forwards N numbered
# messages with omrelp (memory action queue, endless retries); logward is
# SIGKILLed while they flow and started again on the same archive; once
# rsyslog has drained, every one of the N is in the archive.  Duplicates
# (messages written but not yet acknowledged at the kill) are counted and
# printed, as is the loss of the same stream forwarded over plain TCP
# (omfwd, the same queue) in the same run, for contrast: not asserted, TCP
# has no acknowledgement.
TEST_NAME=relp-kill
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/relp-lib.sh"

N=${RELP_KILL_N:-20000}
RATE=10000
ports 4
set -- $PORTS
LW_RELP=$1 LW_TCP=$2 RS_RELP=$3 RS_TCP=$4

cat >"$T/logward.conf" <<CONF
input lw_relp { transport = relp  address = "127.0.0.1:$LW_RELP" }
input lw_tcp { transport = tcp  address = "127.0.0.1:$LW_TCP" }
rules = "$top_srcdir/patterns"
archive { path = "$T/archive/events.jsonl" }
workers = 2
stats_interval = 0
CONF
logward_start "$T/logward.conf"

rsyslog_forwarder "$T/rsyslog.conf" "$RS_RELP" "$LW_RELP" "$RS_TCP" "$LW_TCP"
rsyslog_run "$T/rsyslog.conf" "$RS_TCP"

tok=k$$
numbered "$RS_RELP" "$tok-r" "$N" "$RATE"
numbered "$RS_TCP" "$tok-t" "$N" "$RATE"

# kill once a tenth of the RELP stream is in the archive
wait_for '[ "$(grep -c "$tok-r " "$T/archive/events.jsonl" 2>/dev/null)" -ge $((N / 10)) ]' 30 ||
    fail "a tenth of the RELP stream did not arrive within 30 s"
kill -KILL "$LOGWARD_PID"
wait "$LOGWARD_PID" 2>/dev/null
LOGWARD_PID=""
at_kill=$(grep -c "$tok-r " "$T/archive/events.jsonl")
note "SIGKILL with $at_kill of $N RELP messages archived"
[ "$at_kill" -lt "$N" ] || fail "the kill came after the whole RELP stream: nothing tested"
mv "$T/logward.err" "$T/logward-1.err"
logward_start "$T/logward.conf"

wait_for 'relp_complete lw_relp "$tok-r" "$N"' 120 ||
    fail "RELP: not every message arrived within 120 s: $(relp_report lw_relp "$tok-r" "$N")"
note "RELP after SIGKILL: $(relp_report lw_relp "$tok-r" "$N")"
# TCP: give it as long to drain what rsyslog still resends
wait_for 'relp_complete lw_tcp "$tok-t" "$N"' 10 || true
note "TCP (contrast, not asserted) after SIGKILL: $(relp_report lw_tcp "$tok-t" "$N")"

kill -0 "$RS_PID" 2>/dev/null || fail "rsyslogd died: $(cat "$T/rsyslogd.err")"
end_process "$RS_PID"
logward_stop TERM
[ "$LOGWARD_STATUS" -eq 0 ] || fail "logward exited with status $LOGWARD_STATUS after TERM"
note "PASS"

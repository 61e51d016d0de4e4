#!/bin/sh
# relp-term: a SIGTERM while RELP messages are in flight gives neither loss
# nor duplicates.  The messages logward took are written by the drain and
# answered before the session ends with serverclose; what it did not take is
# not answered, and the sender resends it to the next daemon.  (A SIGKILL
# cannot promise that: relp-kill.sh counts its duplicates.)
#
# 1. Made certain: the archive is on a full tmpfs, so the messages rsyslog
#    forwards (omrelp, window 128) are taken and held, their writes failing
#    and retried; SIGTERM; once logward says it is draining, space returns,
#    the drain's retry writes them, and they must be answered before the
#    session closes.  (The old drain closed RELP connections at the signal:
#    every one of them came again after the restart, 128 duplicates.)
# 2. Live: a 40,000-message stream at 10,000 a second, SIGTERM while rsyslog
#    resends its backlog to the restarted daemon.
# Every one of the N of each stream is archived exactly once.
# RELP_TERM_TLS=1 runs the same over RELP-TLS (relp-tls-term.sh).
TEST_NAME=${TEST_NAME:-relp-term}
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/relp-lib.sh"

M="$T/full"
RELP_ARCHIVE="$M/archive"
tmpfs_mount "$M" 48m

ports 3
set -- $PORTS
LW_RELP=$1 RS_RELP=$2 MP=$3
RELP_TRANSPORT=relp
if [ "${RELP_TERM_TLS:-0}" = 1 ]; then
	RELP_TRANSPORT=relp-tls
	relp_pki "$T/pki"
	RELP_FORWARD_PKI=$T/pki
	RELP_INPUT_TLS="certificate = \"$T/pki/server.crt\"  key = \"$T/pki/server.key\"  ca = \"$T/pki/ca.crt\"  verify = peer"
fi
cat >"$T/logward.conf" <<CONF
input lw_relp { transport = $RELP_TRANSPORT  address = "127.0.0.1:$LW_RELP"  ${RELP_INPUT_TLS:-} }
rules = "$top_srcdir/patterns"
archive { path = "$M/archive/events.jsonl" }
alerts { path = "$T/alerts.jsonl" }
metrics { address = "127.0.0.1:$MP" }
workers = 2
stats_interval = 0
CONF
# stop_term PART: SIGTERM, exit 0, no session given up by the drain
stop_term() {
	logward_stop TERM
	[ "$LOGWARD_STATUS" -eq 0 ] || fail "logward exited with status $LOGWARD_STATUS after TERM"
	grep -q "still open" "$T/logward.err" &&
	    fail "the drain gave up on a RELP session: $(grep 'still open' "$T/logward.err")"
	mv "$T/logward.err" "$T/logward-$1.err"
}
logward_start "$T/logward.conf"
rsyslog_forwarder "$T/rsyslog.conf" "$RS_RELP" "$LW_RELP"
rsyslog_run "$T/rsyslog.conf" "$RS_RELP"

# 1. in flight, made certain by a full archive
N1=1000
tok=h$$
relp_held "$M" "$RS_RELP" "$tok" "$N1" "$RELP_TRANSPORT"
held=$RELP_HELD
kill -TERM "$LOGWARD_PID"
wait_for 'grep -q "draining" "$T/logward.err"' 10 || fail "logward did not start draining"
rm -f "$M/filler"
wait_for '! kill -0 "$LOGWARD_PID" 2>/dev/null' 20 || fail "logward did not exit within 20 s"
wait "$LOGWARD_PID"
LOGWARD_STATUS=$? LOGWARD_PID=""
[ "$LOGWARD_STATUS" -eq 0 ] || fail "logward exited with status $LOGWARD_STATUS after TERM"
grep -q "still open" "$T/logward.err" && fail "the drain gave up on a RELP session"
mv "$T/logward.err" "$T/logward-1.err"
note "held $held messages at SIGTERM on a full archive"
logward_start "$T/logward.conf"
wait_for 'relp_complete lw_relp "$tok" "$N1"' 60 ||
    fail "not every message arrived within 60 s: $(relp_report lw_relp "$tok" "$N1")"
report=$(relp_report lw_relp "$tok" "$N1")
note "held at SIGTERM: $report"
case $report in
*" duplicates=0 "*) ;;
*) fail "messages held at SIGTERM were written and not answered (sent again): $report" ;;
esac

# 2. a live stream, stopped while rsyslog catches up
N=40000
tok=t$$
archived() { grep -c "$tok " "$M/archive/events.jsonl"; } # quick: one line an event
numbered "$RS_RELP" "$tok" "$N" 10000
wait_for '[ "$(archived)" -ge $((N / 5)) ]' 60 ||
    fail "a fifth of the stream did not arrive within 60 s"
stop_term 2
logward_start "$T/logward.conf"
at_restart=$(archived)
wait_for '[ "$(archived)" -ge $((at_restart + 2000)) ]' 60 ||
    fail "the stream did not go on after the restart"
stop_term 3
at_term=$(archived)
note "stream: SIGTERM with $at_restart, then with $at_term of $N archived"
[ "$at_term" -lt "$N" ] || note "the second stop came after the whole stream (a slow restart)"
logward_start "$T/logward.conf"
wait_for 'relp_complete lw_relp "$tok" "$N"' 120 ||
    fail "not every message arrived within 120 s: $(relp_report lw_relp "$tok" "$N")"
report=$(relp_report lw_relp "$tok" "$N")
note "stream: $report"
case $report in
*" duplicates=0 "*) ;;
*) fail "messages written twice across a SIGTERM: $report" ;;
esac

kill -0 "$RS_PID" 2>/dev/null || fail "rsyslogd died: $(cat "$T/rsyslogd.err")"
end_process "$RS_PID"
stop_term 4
note "PASS"

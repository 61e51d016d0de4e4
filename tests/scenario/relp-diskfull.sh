#!/bin/sh
# relp-diskfull: the archive on a full filesystem (a small tmpfs the test
# mounts and fills).  A private rsyslogd forwards N numbered messages with
# omrelp (window 128); while the archive cannot be written nothing is
# acknowledged: logward_relp_acknowledged_total stays 0 although the writes
# were tried and failed, rsyslog stops at its window (at most 128 received),
# and nothing is archived.  Then logward is SIGKILLed with those messages in
# its memory, space returns, logward starts again: every one of the N is in
# the archive (acknowledged at receipt, the ones held at the kill would be
# lost), duplicates counted and printed.
TEST_NAME=relp-diskfull
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/relp-lib.sh"

N=3000
M="$T/full"
RELP_ARCHIVE="$M/archive"

tmpfs_mount "$M" 8m

ports 3
set -- $PORTS
LW_RELP=$1 RS_RELP=$2 MP=$3
cat >"$T/logward.conf" <<CONF
input lw_relp { transport = relp  address = "127.0.0.1:$LW_RELP" }
rules = "$top_srcdir/patterns"
archive { path = "$M/archive/events.jsonl" }
alerts { path = "$T/alerts.jsonl" }
metrics { address = "127.0.0.1:$MP" }
workers = 1
queue_batches = 4
stats_interval = 0
CONF
logward_start "$T/logward.conf"
metric() {
	[ "$(http_get "http://127.0.0.1:$MP/metrics" "$T/metrics")" = 200 ] || fail "/metrics"
	prom "$T/metrics" "$1"
}

dd if=/dev/zero of="$M/filler" bs=64k >/dev/null 2>&1
[ "$(df --output=avail "$M" | tail -n 1 | tr -d ' ')" -eq 0 ] || fail "$M is not full"

rsyslog_forwarder "$T/rsyslog.conf" "$RS_RELP" "$LW_RELP"
rsyslog_run "$T/rsyslog.conf" "$RS_RELP"
tok=f$$
numbered "$RS_RELP" "$tok" "$N" 20000

# logward received and tried to write: failed writes, and not one answer
wait_for '[ "$(metric "logward_write_errors_total{output=\"archive\"}")" -ge 3 ]' 30 ||
    fail "no failed archive writes within 30 s"
received=$(metric "logward_received_messages_total{input=\"lw_relp\",transport=\"relp\"}")
acked=$(metric "logward_relp_acknowledged_total{input=\"lw_relp\"}")
note "archive full: $received received, $acked acknowledged"
[ "${received:-0}" -gt 0 ] || fail "nothing received while full: nothing tested"
[ "$acked" = 0 ] || fail "$acked messages acknowledged while the archive was full"
[ "$(relp_numbers lw_relp "$tok" | wc -l)" -eq 0 ] || fail "messages archived on a full disk?"
sleep 1 # a sender answered at receipt would go on past its window meanwhile
received=$(metric "logward_received_messages_total{input=\"lw_relp\",transport=\"relp\"}")
[ "$received" -le 128 ] || fail "$received received while full: past rsyslog's window of 128"
[ "$(metric "logward_relp_acknowledged_total{input=\"lw_relp\"}")" = 0 ] ||
    fail "messages acknowledged while the archive was full"

kill -KILL "$LOGWARD_PID"
wait "$LOGWARD_PID" 2>/dev/null
LOGWARD_PID=""
rm -f "$M/filler"
mv "$T/logward.err" "$T/logward-1.err"
logward_start "$T/logward.conf"
wait_for 'relp_complete lw_relp "$tok" "$N"' 60 ||
    fail "not every message arrived within 60 s of space returning: $(relp_report lw_relp "$tok" "$N")"
note "SIGKILL while full, space back: $(relp_report lw_relp "$tok" "$N")"

end_process "$RS_PID"
logward_stop TERM
[ "$LOGWARD_STATUS" -eq 0 ] || fail "logward exited with status $LOGWARD_STATUS after TERM"
note "PASS"

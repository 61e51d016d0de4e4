#!/bin/sh
# reload-relp: a reload whose allow no longer covers a RELP sender ends its
# session the RELP way: the messages logward took are answered once they
# are written, then serverclose.  Made certain as in relp-term.sh: the
# archive is on a full tmpfs, so the messages rsyslog forwards (omrelp) are
# taken and held, their writes failing and retried, when the reload with
# allow = 10.0.0.0/8 comes; space returns; a second reload lets 127.0.0.1
# back, and rsyslog sends again what was not answered.  Every message is
# archived exactly once.  (Ended with the plain close, as before, the held
# messages were never answered and no serverclose was sent: the test fails
# on the missing serverclose.)
TEST_NAME=reload-relp
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/relp-lib.sh"

M="$T/full"
RELP_ARCHIVE="$M/archive"
tmpfs_mount "$M" 48m

ports 3
set -- $PORTS
LW_RELP=$1 RS_RELP=$2 MP=$3
# conf NAME ALLOW
conf() {
	cat >"$T/$1.conf" <<CONF
input lw_relp { transport = relp  address = "127.0.0.1:$LW_RELP"  allow = { "$2" } }
rules = "$top_srcdir/patterns"
archive { path = "$M/archive/events.jsonl" }
metrics { address = "127.0.0.1:$MP" }
workers = 2
stats_interval = 0
run_as_root = yes
CONF
}
conf open 127.0.0.0/8
conf denied 10.0.0.0/8
# reload NAME: HUP onto $T/NAME.conf, which must take
reload() {
	case $(logward_reload "$T/$1.conf") in
	*reloaded*) ;;
	*) fail "$1: $(grep 'reload failed' "$T/logward.err" | tail -n 1)" ;;
	esac
}

cp "$T/open.conf" "$T/logward.conf"
logward_start "$T/logward.conf"
rsyslog_forwarder "$T/rsyslog.conf" "$RS_RELP" "$LW_RELP"
rsyslog_run "$T/rsyslog.conf" "$RS_RELP"

N=1000
tok=r$$
relp_held "$M" "$RS_RELP" "$tok" "$N" relp

reload denied
grep -q "input lw_relp: settings applied, 0 connections kept, 1 closed (not in allow)" \
    "$T/logward.err" || fail "the RELP session was not closed by allow: $(grep 'settings applied' "$T/logward.err")"
rm -f "$M/filler"
# answered once written, then serverclose: the session ends as the sender closed it
wait_for '[ "$(relp_metric "logward_relp_sessions_closed_total{input=\"lw_relp\",reason=\"ok\"}")" -ge 1 ]' 30 ||
    fail "no RELP session ended with serverclose within 30 s: $(grep -i relp "$T/metrics")"
[ "$(relp_metric 'logward_dropped_messages_total{input="lw_relp",reason="refused_acl"}')" -ge 1 ] ||
    fail "the closed session is not counted as refused by allow"
note "held $RELP_HELD messages at the reload that closed their session"

reload open
wait_for 'relp_complete lw_relp "$tok" "$N"' 60 ||
    fail "not every message arrived within 60 s: $(relp_report lw_relp "$tok" "$N")"
report=$(relp_report lw_relp "$tok" "$N")
note "$report"
case $report in
*" duplicates=0 "*) ;;
*) fail "messages held at the reload were written and not answered (sent again): $report" ;;
esac
kill -0 "$RS_PID" 2>/dev/null || fail "rsyslogd died: $(cat "$T/rsyslogd.err")"
end_process "$RS_PID"
logward_stop TERM
note "PASS"

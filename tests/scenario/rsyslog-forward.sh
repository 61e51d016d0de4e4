#!/bin/sh
# rsyslog-forward: a real rsyslogd, started by this test with its own config
# and work directory (inputs imtcp and imudp on loopback only, no imuxsock or
# imklog), receives messages from util-linux logger and forwards each one to
# logward twice: in RSYSLOG_SyslogProtocol23Format over octet-counted TCP, and
# in its traditional format over UDP.  Every archived event is checked field
# by field.
TEST_NAME=rsyslog-forward
. "$(dirname "$0")/lib.sh"

# /usr/sbin may not be on a user's PATH.
RSYSLOGD=${RSYSLOGD:-$(command -v rsyslogd || echo /usr/sbin/rsyslogd)}
[ -x "$RSYSLOGD" ] || fail "no rsyslogd (the quickstart installs rsyslog)"

ports 3
set -- $PORTS
LW_TCP=$1 LW_UDP=$2 RS_PORT=$3

cat >"$T/logward.conf" <<CONF
input lw_tcp { transport = tcp  address = "127.0.0.1:$LW_TCP" }
input lw_udp { transport = udp  address = "127.0.0.1:$LW_UDP" }
rules = "$top_srcdir/patterns"
archive { path = "$T/archive/events-%Y%m%d.jsonl" }
workers = 2
stats_interval = 0
CONF
logward_start "$T/logward.conf"

mkdir -p "$T/rsyslog-work"
cat >"$T/rsyslog.conf" <<CONF
# Only what this test needs: no imuxsock, no imklog, no system files.
global(workDirectory="$T/rsyslog-work")
module(load="imtcp")
module(load="imudp")
input(type="imtcp" address="127.0.0.1" port="$RS_PORT" ruleset="forward")
input(type="imudp" address="127.0.0.1" port="$RS_PORT" ruleset="forward")
ruleset(name="forward") {
	action(type="omfwd" target="127.0.0.1" port="$LW_TCP" protocol="tcp"
	       TCP_Framing="octet-counted" template="RSYSLOG_SyslogProtocol23Format")
	action(type="omfwd" target="127.0.0.1" port="$LW_UDP" protocol="udp"
	       template="RSYSLOG_TraditionalForwardFormat")
}
CONF
"$RSYSLOGD" -N1 -f "$T/rsyslog.conf" >"$T/rsyslog-check.out" 2>&1 ||
    fail "rsyslogd rejects the test's config: $(cat "$T/rsyslog-check.out")"
bg_start rsyslogd "$RSYSLOGD" -n -f "$T/rsyslog.conf" -i "$T/rsyslog.pid"
RS_PID=$BG_LAST
$PEER listening 127.0.0.1 "$RS_PORT" >"$T/peer.out" ||
    fail "rsyslogd: $(cat "$T/peer.out"): $(cat "$T/rsyslogd.err")"

host=$(hostname)
tok=rs$$

# Two messages in each format, one through each rsyslog input.
logger --rfc5424 --tcp --octet-count -n 127.0.0.1 -P "$RS_PORT" -t myapp -p auth.warning \
    --id=4242 --msgid ID47 --sd-id exampleSDID@32473 --sd-param 'iut="3"' \
    --sd-param 'eventSource="Appl\"x\]y"' "$tok-a hello world" || fail "logger (a) failed"
logger --rfc3164 --tcp --octet-count -n 127.0.0.1 -P "$RS_PORT" -t myapp -p local3.err \
    --id=4242 "$tok-b hello world" || fail "logger (b) failed"
logger --rfc5424 --udp -n 127.0.0.1 -P "$RS_PORT" -t otherapp -p daemon.info \
    --id=77 --msgid M2 "$tok-c hello world" || fail "logger (c) failed"
logger --rfc3164 --udp -n 127.0.0.1 -P "$RS_PORT" -t otherapp -p mail.notice \
    "$tok-d hello world" || fail "logger (d) failed"

ev_wait 4 10 "message~$tok" network.transport=tcp
note "TCP: $EV_WAIT_RESULT"
ev_wait 4 10 "message~$tok" network.transport=udp
note "UDP: $EV_WAIT_RESULT"

common_tcp="network.transport=tcp observer.ingress.interface.name=lw_tcp source.ip=127.0.0.1
    source.port? log.syslog.version=1 log.syslog.hostname=$host error.message!
    tags[]!=_syslog_parse_failure event.created? @timestamp?"
common_udp="network.transport=udp observer.ingress.interface.name=lw_udp source.ip=127.0.0.1
    source.port? log.syslog.hostname=$host error.message!
    tags[]!=_syslog_parse_failure event.created? @timestamp?"

# --- RSYSLOG_SyslogProtocol23Format over octet-counted TCP
# shellcheck disable=SC2086
ev_check "message~$tok-a" network.transport=tcp -- $common_tcp \
    "message=$tok-a hello world" \
    log.syslog.priority=36 log.syslog.facility.name=auth log.syslog.severity.name=warning \
    log.syslog.appname=myapp log.syslog.procid=4242 log.syslog.msgid=ID47 \
    log.syslog.structured_data.exampleSDID@32473.iut=3 \
    'log.syslog.structured_data.exampleSDID@32473.eventSource=Appl"x]y' \
    log.syslog.structured_data.timeQuality.tzKnown=1 \
    "event.original^<36>1 "
# rsyslog sends MSG with the space that followed the 3164 tag: compare loosely.
# shellcheck disable=SC2086
ev_check "message~$tok-b" network.transport=tcp -- $common_tcp \
    "message~$tok-b hello world" \
    log.syslog.priority=155 log.syslog.facility.code=19 log.syslog.severity.code=3 \
    log.syslog.appname=myapp log.syslog.procid=4242 log.syslog.msgid! \
    log.syslog.structured_data! "event.original^<155>1 "
# shellcheck disable=SC2086
ev_check "message~$tok-c" network.transport=tcp -- $common_tcp \
    "message=$tok-c hello world" \
    log.syslog.priority=30 log.syslog.facility.name=daemon log.syslog.severity.name=info \
    log.syslog.appname=otherapp log.syslog.procid=77 log.syslog.msgid=M2 \
    log.syslog.structured_data.timeQuality.tzKnown=1
# shellcheck disable=SC2086
ev_check "message~$tok-d" network.transport=tcp -- $common_tcp \
    "message~$tok-d hello world" \
    log.syslog.priority=21 log.syslog.facility.name=mail log.syslog.severity.name=notice \
    log.syslog.appname=otherapp log.syslog.msgid!

# --- the traditional format over UDP: "<PRI>Mmm dd hh:mm:ss HOST TAG MSG"
# (a TAG from an RFC 5424 message has no colon: "myapp[4242] msg")
# shellcheck disable=SC2086
ev_check "message~$tok-a" network.transport=udp -- $common_udp \
    "message=$tok-a hello world" \
    log.syslog.priority=36 log.syslog.facility.code=4 log.syslog.severity.code=4 \
    log.syslog.appname=myapp log.syslog.procid=4242 log.syslog.structured_data! \
    "event.original^<36>" "event.original~ $host myapp[4242] $tok-a hello world"
# shellcheck disable=SC2086
ev_check "message~$tok-b" network.transport=udp -- $common_udp \
    "message=$tok-b hello world" \
    log.syslog.priority=155 log.syslog.facility.name=local3 log.syslog.severity.name=err \
    log.syslog.appname=myapp log.syslog.procid=4242 \
    "event.original~ $host myapp[4242]: $tok-b hello world"
# shellcheck disable=SC2086
ev_check "message~$tok-c" network.transport=udp -- $common_udp \
    "message=$tok-c hello world" log.syslog.priority=30 \
    log.syslog.appname=otherapp log.syslog.procid=77
# shellcheck disable=SC2086
ev_check "message~$tok-d" network.transport=udp -- $common_udp \
    "message=$tok-d hello world" log.syslog.priority=21 \
    log.syslog.appname=otherapp log.syslog.procid!

# Stop rsyslogd first so that it does not forward its shutdown to a dead peer.
kill -0 "$RS_PID" 2>/dev/null || fail "rsyslogd died: $(cat "$T/rsyslogd.err")"
end_process "$RS_PID"
logward_stop TERM
[ "$LOGWARD_STATUS" -eq 0 ] || fail "logward exited with status $LOGWARD_STATUS after TERM"
$EV valid "$T/archive" 8 >"$T/ev.out" || fail "archive: $(cat "$T/ev.out")"
[ "$(counter lw_tcp bad_frames)" = 0 ] || fail "lw_tcp bad_frames=$(counter lw_tcp bad_frames)"
[ "$(counter lw_tcp messages)" = 4 ] || fail "lw_tcp messages=$(counter lw_tcp messages), expected 4"
[ "$(counter lw_udp messages)" = 4 ] || fail "lw_udp messages=$(counter lw_udp messages), expected 4"
note "PASS"

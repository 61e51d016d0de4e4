#!/bin/sh
# logger-tcp: util-linux logger sends RFC 5424 and RFC 3164 messages over TCP,
# LF-framed and octet-counted (RFC 6587), to IPv4 and IPv6 listeners; every
# field of each archived event is checked, each within 5 s.
TEST_NAME=logger-tcp
. "$(dirname "$0")/lib.sh"

ports 1
P=$PORTS
cat >"$T/logward.conf" <<CONF
input tcp4 { transport = tcp  address = "127.0.0.1:$P"  max_message_size = 65536
             max_connections = 1000  idle_timeout = 600 }
input tcp6 { transport = tcp  address = "[::1]:$P" }
rules = "$top_srcdir/patterns"
archive { path = "$T/archive/events-%Y%m%d.jsonl" }
workers = 2
stats_interval = 0
CONF
logward_start "$T/logward.conf"

for host in 127.0.0.1 ::1; do
	case $host in *:*) input=tcp6 ;; *) input=tcp4 ;; esac
	logger_case $input $host "$P" rfc5424 --tcp
	logger_case $input $host "$P" rfc5424 --tcp --octet-count
	logger_case $input $host "$P" rfc3164 --tcp
	logger_case $input $host "$P" rfc3164 --tcp --octet-count
done

logward_alive || fail "logward is not running after the messages"
logward_stop TERM
[ "$LOGWARD_STATUS" -eq 0 ] || fail "logward exited with status $LOGWARD_STATUS after TERM"
$EV valid "$T/archive" 8 >"$T/ev.out" || fail "archive: $(cat "$T/ev.out")"
for input in tcp4 tcp6; do
	for f in messages=4 connections=4 bad_frames=0 truncated=0 parse_failures=0 open=0; do
		v=$(counter $input "${f%%=*}")
		[ "$v" = "${f#*=}" ] || fail "$input ${f%%=*}=$v, expected ${f#*=}"
	done
done
note "PASS"

#!/bin/sh
# logger-udp: util-linux logger sends RFC 5424 and RFC 3164 messages over UDP,
# to IPv4 and IPv6 listeners; every field of each archived event is checked,
# and each event must be archived within 5 s (the latency is reported).
TEST_NAME=logger-udp
. "$(dirname "$0")/lib.sh"

ports 1
P=$PORTS
cat >"$T/logward.conf" <<CONF
input udp4 { transport = udp  address = "127.0.0.1:$P" }
input udp6 { transport = udp  address = "[::1]:$P" }
rules = "$top_srcdir/patterns"
archive { path = "$T/archive/events-%Y%m%d.jsonl" }
workers = 2
stats_interval = 0
CONF
logward_start "$T/logward.conf"

logger_case udp4 127.0.0.1 "$P" rfc5424 --udp
logger_case udp4 127.0.0.1 "$P" rfc3164 --udp
logger_case udp6 ::1 "$P" rfc5424 --udp
logger_case udp6 ::1 "$P" rfc3164 --udp

logward_alive || fail "logward is not running after the messages"
logward_stop TERM
[ "$LOGWARD_STATUS" -eq 0 ] || fail "logward exited with status $LOGWARD_STATUS after TERM"
$EV valid "$T/archive" 4 >"$T/ev.out" || fail "archive: $(cat "$T/ev.out")"
[ "$(counter udp4 messages)" = 2 ] || fail "udp4 messages=$(counter udp4 messages), expected 2"
[ "$(counter udp6 messages)" = 2 ] || fail "udp6 messages=$(counter udp6 messages), expected 2"
[ "$(counter udp4 parse_failures)" = 0 ] || fail "udp4 parse_failures=$(counter udp4 parse_failures)"
note "PASS"

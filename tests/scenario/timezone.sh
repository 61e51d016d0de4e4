#!/bin/sh
# timezone: zone-less timestamps are read in their input's timezone, else the
# top-level one (tz_zone.c, from the system's tzdata); a SIGHUP that changes
# the top-level timezone applies to the inputs it kept; a reload naming a
# zone without a file fails with file:line and changes nothing.
TEST_NAME=timezone
. "$(dirname "$0")/lib.sh"

ports 2
set -- $PORTS
PA=$1 PB=$2

# conf TOPLEVEL: the configuration, written whole then renamed into place
conf() {
	cat >"$T/next.conf" <<CONF
input a { transport = udp  address = "127.0.0.1:$PA" }
input b { transport = udp  address = "127.0.0.1:$PB"  timezone = "UTC" }
rules = "$top_srcdir/patterns"
archive { path = "$T/archive/events-%Y%m%d.jsonl" }
workers = 2
stats_interval = 0
timezone = "$1"
CONF
	mv "$T/next.conf" "$T/logward.conf"
}
send() { # PORT TEXT
	$PY -c 'import socket,sys; s=socket.socket(socket.AF_INET,socket.SOCK_DGRAM); s.sendto(sys.argv[2].encode(),("127.0.0.1",int(sys.argv[1])))' "$1" "$2"
}
reload() { # N: wait for the N-th reload outcome
	want=$1
	kill -HUP "$LOGWARD_PID"
	wait_for '[ "$(grep -c "reloaded \|reload failed" "$T/logward.err")" -ge "$want" ]' 20 ||
	    fail "reload $1: no outcome logged within 20 s"
}

conf "Asia/Kolkata"
logward_start "$T/logward.conf"
send "$PA" "<13>2026-07-01 12:00:00 tzhost t: one"
send "$PB" "<13>2026-07-01 12:00:00 tzhost t: one-b"
# DST end in Paris comes later: here the fall-back hour in New York, after the reload
ev_wait 2 10 "host.hostname=tzhost"
ev_check "message=one" -- "@timestamp=2026-07-01T06:30:00.000000Z"
ev_check "message=one-b" -- "@timestamp=2026-07-01T12:00:00.000000Z"

conf "America/New_York"
reload 1
grep -q "reload failed" "$T/logward.err" && fail "the reload failed"
send "$PA" "<13>2026-07-01 12:00:00 tzhost t: two"
send "$PB" "<13>2026-07-01 12:00:00 tzhost t: two-b"
send "$PA" "<13>2026-11-01 01:30:00 tzhost t: twice"
ev_wait 5 10 "host.hostname=tzhost"
ev_check "message=two" -- "@timestamp=2026-07-01T16:00:00.000000Z"
ev_check "message=two-b" -- "@timestamp=2026-07-01T12:00:00.000000Z"
ev_check "message=twice" -- "tags[]=_syslog_time_ambiguous"

# line 7: a zone that has no file
conf "America/Atlantis"
reload 2
grep -q "reload failed, still running the previous configuration: $T/logward.conf:7: timezone: unknown time zone \"America/Atlantis\"" "$T/logward.err" ||
    fail "the bad reload was not logged with file:line"
send "$PA" "<13>2026-07-01 12:00:00 tzhost t: three"
ev_wait 6 10 "host.hostname=tzhost"
ev_check "message=three" -- "@timestamp=2026-07-01T16:00:00.000000Z"

logward_stop TERM
[ "$LOGWARD_STATUS" -eq 0 ] || fail "logward exited with status $LOGWARD_STATUS after TERM"
note "PASS"

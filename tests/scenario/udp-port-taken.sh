#!/bin/sh
# udp-port-taken: a UDP port another process holds is a start-up error, never
# a shared port.  The other process here binds with SO_REUSEADDR, as several
# syslog daemons do: had logward set it too, both sockets would bind and the
# kernel would hand each datagram to one of them, so half the traffic would go
# to the other daemon without a word.  logward must refuse to start and name
# the address.  A TCP input restarted over its own TIME_WAIT connections still
# binds (SO_REUSEADDR stays on TCP sockets).
TEST_NAME=udp-port-taken
. "$(dirname "$0")/lib.sh"

ports 2
set -- $PORTS
PU=$1 PT=$2

# the other daemon: holds 127.0.0.1:PU with SO_REUSEADDR until killed
bg_start holder $PY -c '
import socket, sys, time
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", int(sys.argv[1])))
print("bound", flush=True)
time.sleep(120)
' "$PU"
wait_for "grep -q bound '$T/holder.out'" 10 || fail "the holder did not bind 127.0.0.1:$PU"

cat >"$T/logward.conf" <<CONF
input taken { transport = udp  address = "127.0.0.1:$PU" }
rules = "$top_srcdir/patterns"
archive { path = "$T/archive/events-%Y%m%d.jsonl" }
stats_interval = 0
CONF
root_ok "$T/logward.conf"
status=0
timeout 30 "$LOGWARD" -f "$T/logward.conf" >"$T/taken.out" 2>"$T/taken.err" || status=$?
[ "$status" = 1 ] || { cat "$T/taken.err" >&2; fail "logward on a taken UDP port exited $status, expected 1"; }
grep -q "input taken: bind udp 127.0.0.1:$PU: Address already in use" "$T/taken.err" ||
    { cat "$T/taken.err" >&2; fail "no bind error naming the taken address"; }

# TCP keeps SO_REUSEADDR: a daemon that had a connection is stopped and a new
# one binds the same port at once.
cat >"$T/tcp.conf" <<CONF
input t { transport = tcp  address = "127.0.0.1:$PT" }
rules = "$top_srcdir/patterns"
archive { path = "$T/archive/events-%Y%m%d.jsonl" }
stats_interval = 0
CONF
logward_start "$T/tcp.conf"
$PEER tcp 127.0.0.1 "$PT" "<13>1 2026-12-07T06:00:00Z h app - - - before restart\\n" >/dev/null ||
    fail "tcp send failed"
ev_wait 1 10 "message=before restart"
logward_stop
logward_start "$T/tcp.conf"
$PEER tcp 127.0.0.1 "$PT" "<13>1 2026-12-07T06:00:01Z h app - - - after restart\\n" >/dev/null ||
    fail "tcp send after restart failed"
ev_wait 1 10 "message=after restart"
logward_stop
note "PASS"

#!/bin/sh
# socket-activation: systemd-socket-activate (the systemd package's tool
# that passes sockets the way logward.socket does, no running systemd
# needed) binds a UDP and two TCP ports and starts logward on the first
# datagram.  Built with libsystemd, logward uses the passed sockets for the
# inputs whose address matches, binds its third input itself, closes the
# passed socket no input claims, and archives the datagram that woke it.
# Built without, it does not take passed sockets: its bind of the TCP port
# fails and it says so (no socket unit is installed then).
TEST_NAME=socket-activation
. "$(dirname "$0")/lib.sh"

ACTIVATE=$(command -v systemd-socket-activate) ||
    fail "systemd-socket-activate not found (package systemd)"
ports 4
set -- $PORTS
PU=$1 PT=$2 PX=$3 PO=$4
cat >"$T/logward.conf" <<CONF
input udp { transport = udp  address = "127.0.0.1:$PU" }
input tcp { transport = tcp  address = "127.0.0.1:$PT" }
input own { transport = tcp  address = "127.0.0.1:$PO" }
rules = "$top_srcdir/patterns"
archive { path = "$T/archive/events.jsonl" }
alerts { path = "$T/alerts.jsonl" }
stats_interval = 0
# started directly as root (not through logward_start): say so
run_as_root = yes
CONF

# -d applies to every socket of one invocation: the UDP one passes its
# socket down through the TCP one (LISTEN_FDS), which adds two.
: >"$T/logward.err"
"$ACTIVATE" -d -l "127.0.0.1:$PU" -- \
    "$ACTIVATE" -l "127.0.0.1:$PT" -l "127.0.0.1:$PX" -- \
    "$LOGWARD" -f "$T/logward.conf" >"$T/logward.out" 2>>"$T/logward.err" &
LOGWARD_PID=$!
wait_for 'grep -q "Listening on 127.0.0.1:$PU" "$T/logward.err"' 10 ||
    fail "systemd-socket-activate does not listen"
# logward is not running yet: this datagram waits in the passed socket
$PEER udp 127.0.0.1 "$PU" '<13>1 - h activation - - - the datagram that woke it' \
    >"$T/peer.out" 2>&1 || fail "peer: $(cat "$T/peer.out")"

if ! grep -q '^#define HAVE_SYSTEMD 1' "$top_builddir/config.h" 2>/dev/null; then
	wait_for '! kill -0 "$LOGWARD_PID" 2>/dev/null' 10 || fail "logward did not exit"
	wait "$LOGWARD_PID"
	LOGWARD_STATUS=$?
	LOGWARD_PID=""
	[ "$LOGWARD_STATUS" -ne 0 ] || fail "without libsystemd logward ran on a port already bound"
	# (UDP binds: both sides set SO_REUSEADDR; TCP refuses a listening port)
	grep -q "bind tcp 127.0.0.1:$PT: Address already in use" "$T/logward.err" ||
	    fail "no bind error for the TCP port systemd holds"
	note "without libsystemd: passed sockets are not used (bind fails, said clearly)"
	exit 0
fi

wait_for 'grep -q " started" "$T/logward.err"' 10 || fail "logward did not start"
grep -q "input udp: using the udp socket systemd passed for 127.0.0.1:$PU" "$T/logward.err" ||
    fail "input udp did not take the passed socket"
grep -q "input tcp: using the tcp socket systemd passed for 127.0.0.1:$PT" "$T/logward.err" ||
    fail "input tcp did not take the passed socket"
grep -q "input own: listening on tcp 127.0.0.1:$PO" "$T/logward.err" || fail "input own not bound"
grep -q "input own: using" "$T/logward.err" && fail "input own took a passed socket"
grep -q "socket activation: no input listens on tcp 127.0.0.1:$PX: closed" "$T/logward.err" ||
    fail "the unclaimed socket was not closed and logged"

A=$T/archive
$EV wait "$A" 1 10 "message=the datagram that woke it" "observer.ingress.interface.name=udp" >"$T/ev.out" 2>&1 ||
    fail "the datagram sent before logward ran: $(cat "$T/ev.out")"
$PEER tcp 127.0.0.1 "$PT" '<13>1 - h activation - - - over the passed tcp socket\n' \
    '<13>1 - h activation - - - second\n' >"$T/peer.out" 2>&1 || fail "peer: $(cat "$T/peer.out")"
$PEER tcp 127.0.0.1 "$PO" '<13>1 - h activation - - - over its own socket\n' \
    >"$T/peer.out" 2>&1 || fail "peer: $(cat "$T/peer.out")"
$EV wait "$A" 2 10 "event.original~activation" "observer.ingress.interface.name=tcp" >"$T/ev.out" 2>&1 ||
    fail "passed tcp socket: $(cat "$T/ev.out")"
$EV wait "$A" 1 10 "message=over its own socket" >"$T/ev.out" 2>&1 || fail "$(cat "$T/ev.out")"
tcp_refused 127.0.0.1 "$PX" || fail "the unclaimed passed socket still accepts"

logward_stop TERM
[ "$LOGWARD_STATUS" -eq 0 ] || fail "logward exited with status $LOGWARD_STATUS"
note "udp and tcp inputs on sockets systemd passed (the waking datagram archived), one bound itself, the unclaimed socket closed"

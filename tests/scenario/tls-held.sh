#!/bin/sh
# tls-held: a TLS sender that sends a burst and then keeps its connection
# open, quiet, gets every message archived without closing.  OpenSSL reads
# ahead (tls.c): the bytes of the last records wait in OpenSSL once the
# socket is empty, and libevent's reader stops after a record, so only
# listen_tcp's drain of what OpenSSL holds frames them: after the handshake
# (the client's last handshake flight and its records in one TCP write),
# and past TLS_DRAIN_MAX (64 KB) in a turn, which the next turn finishes.
# Bursts: one message; 200 and 1,000 one-record messages (about 15 KB and
# 76 KB: under and just past the bound); 3,000 messages in 200-byte records
# cut anywhere (about 230 KB, the bound passed three times).  The senders hold
# until the daemon has archived them all; idle_timeout (600 s) never closes
# them meanwhile, which the open-connection count shows.
TEST_NAME=tls-held
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/tls-lib.sh"

K="$T/pki"
tls_self_signed "$K"

ports 1
P=$PORTS
tls_conf "$P" "$K" "idle_timeout = 600" >"$T/logward.conf"
logward_start "$T/logward.conf"
tok=th$$

# held NAME N [RECORD]: N octet-counted messages in one burst, connection held open
held() {
	rec=""
	[ -n "${3:-}" ] && rec="--record $3"
	# shellcheck disable=SC2086
	bg_start "held-$1" $PEER --timeout 120 $rec tlsmany 127.0.0.1 "$P" "$K/server.crt" \
	    "$2" "$tok-$1" hold oc
	sender=$BG_LAST
	out="$T/held-$1.out"
	wait_for '[ -s "$out" ]' 60 || fail "$1: the sender did not finish its burst: $(cat "$T/held-$1.err")"
	[ "$(cat "$T/held-$1.out")" = "$2" ] || fail "$1: sent $(cat "$T/held-$1.out") of $2"
	$EV wait "$T/archive" "$2" 60 "message^$tok-$1 " >/dev/null 2>&1
	got=$($EV count "$T/archive" "message^$tok-$1 ")
	logward_stats
	open=$(counter tls open)
	kill -0 "$sender" 2>/dev/null || fail "$1: the sender's connection closed: $(cat "$T/held-$1.err")"
	[ "$got" -eq "$2" ] || fail "$1: $got of $2 messages archived while the connection was open"
	[ "$open" = 1 ] || fail "$1: $open connections open, expected the held one"
	kill "$sender"
	wait "$sender" 2>/dev/null
	wait_for '[ "$(logward_stats; counter tls open)" = 0 ]' 30 || fail "$1: connection not closed"
	note "$1: $got of $2 archived with the connection open"
}

held one 1
held under 200
held past 1000
held far 3000 200
logward_alive || fail "logward died"
logward_stats
[ "$(counter tls bad_frames)" = 0 ] || fail "bad_frames=$(counter tls bad_frames)"
logward_stop TERM
[ "$LOGWARD_STATUS" -eq 0 ] || fail "logward exited with status $LOGWARD_STATUS after TERM"
$EV valid "$T/archive" 4201 >"$T/ev.out" || fail "archive: $(cat "$T/ev.out")"
note "PASS"

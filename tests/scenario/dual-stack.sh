#!/bin/sh
# dual-stack: "[::]:P" is one socket that IPv4 senders reach too, and "*:P"
# binds 0.0.0.0 and [::] side by side (the IPv6 one IPv6-only, else the
# second bind fails).  logger sends from 127.0.0.1 and from ::1 over UDP and
# TCP to each; an IPv4 sender on [::] is archived as source.ip 127.0.0.1,
# never ::ffff:127.0.0.1, and an allow list of 127.0.0.0/8 on a [::] input
# admits it (as IPv4) and refuses ::1.  An input on 0.0.0.0:P next to one on
# [::]:P is a configuration error (-t says so), not an EADDRINUSE at start.
TEST_NAME=dual-stack
. "$(dirname "$0")/lib.sh"

# Every IPv6 case needs ::1; without it, say so and fail those cases only.
HAVE_V6=yes
$PY -c 'import socket; s = socket.socket(socket.AF_INET6); s.bind(("::1", 0))' \
    2>/dev/null || HAVE_V6=no
V6_MISSING=0

ports 4
set -- $PORTS
PD=$1 PA=$2 PACL=$3 PX=$4
cat >"$T/logward.conf" <<CONF
input dual_udp { transport = udp  address = "[::]:$PD" }
input dual_tcp { transport = tcp  address = "[::]:$PD" }
input any_udp { transport = udp  address = "*:$PA" }
input any_tcp { transport = tcp  address = "*:$PA" }
input acl_udp { transport = udp  address = "[::]:$PACL"  allow = { "127.0.0.0/8" } }
input acl_tcp { transport = tcp  address = "[::]:$PACL"  allow = { "127.0.0.0/8" } }
rules = "$top_srcdir/patterns"
archive { path = "$T/archive/events-%Y%m%d.jsonl" }
workers = 2
stats_interval = 0
CONF
logward_start "$T/logward.conf"

# logger_case checks every field, source.ip among them (= the sender as sent).
for pair in "dual_udp $PD --udp" "dual_tcp $PD --tcp" "any_udp $PA --udp" "any_tcp $PA --tcp"; do
	set -- $pair
	logger_case "$1" 127.0.0.1 "$2" rfc5424 "$3"
	if [ "$HAVE_V6" = yes ]; then
		logger_case "$1" ::1 "$2" rfc5424 "$3"
	else
		note "FAIL (IPv6 part): no ::1 on this machine, $1 not tried from ::1"
		V6_MISSING=$((V6_MISSING + 1))
	fi
done
n=$($EV count "$T/archive" "source.ip^::ffff:") || fail "ev.py count failed"
[ "$n" = 0 ] || fail "$n event(s) from an IPv4 sender archived with an IPv4-mapped source.ip"

# allow = 127.0.0.0/8 on [::]: 127.0.0.1 (mapped on the wire) is admitted
tok=dual-$$
$PEER udp 127.0.0.1 "$PACL" "<13>1 2026-11-27T10:00:00Z ok dual - - - $tok-v4 udp" >/dev/null ||
    fail "udp send to 127.0.0.1:$PACL failed"
$PEER tcp 127.0.0.1 "$PACL" "<13>1 2026-11-27T10:00:00Z ok dual - - - $tok-v4 tcp\\n" >/dev/null ||
    fail "tcp send to 127.0.0.1:$PACL failed"
ev_wait 1 10 "message=$tok-v4 udp" observer.ingress.interface.name=acl_udp source.ip=127.0.0.1
ev_wait 1 10 "message=$tok-v4 tcp" observer.ingress.interface.name=acl_tcp source.ip=127.0.0.1
if [ "$HAVE_V6" = yes ]; then
	# ... and ::1 is refused, counted, not archived
	$PEER udp ::1 "$PACL" "<13>1 2026-11-27T10:00:00Z evil dual - - - $tok-v6 udp" \
	    >/dev/null 2>&1
	$PEER tcp ::1 "$PACL" "<13>1 2026-11-27T10:00:00Z evil dual - - - $tok-v6 tcp\\n" \
	    >/dev/null 2>&1
else
	note "FAIL (IPv6 part): no ::1 on this machine, the allow list not tried from ::1"
	V6_MISSING=$((V6_MISSING + 1))
fi

logward_alive || fail "logward is not running after the messages"
logward_stats
if [ "$HAVE_V6" = yes ]; then
	[ "$(counter acl_udp refused_acl)" = 1 ] ||
	    fail "acl_udp refused_acl=$(counter acl_udp refused_acl), expected 1 (::1)"
	[ "$(counter acl_tcp refused_acl)" = 1 ] ||
	    fail "acl_tcp refused_acl=$(counter acl_tcp refused_acl), expected 1 (::1)"
fi
logward_stop TERM
[ "$LOGWARD_STATUS" -eq 0 ] || fail "logward exited with status $LOGWARD_STATUS after TERM"
n=$($EV count "$T/archive" "message~$tok-v6") || fail "ev.py count failed"
[ "$n" = 0 ] || fail "$n message(s) from ::1 archived by an input that allows 127.0.0.0/8 only"
[ "$(counter acl_udp messages)" = 1 ] || fail "acl_udp messages=$(counter acl_udp messages)"
[ "$(counter acl_tcp messages)" = 1 ] || fail "acl_tcp messages=$(counter acl_tcp messages)"

# 0.0.0.0:P next to [::]:P would fail to bind at start: -t refuses it by name
cat >"$T/overlap.conf" <<CONF
input v4 { transport = tcp  address = "0.0.0.0:$PX" }
input v6 { transport = tcp  address = "[::]:$PX" }
rules = "$top_srcdir/patterns"
archive { path = "$T/archive2/events-%Y%m%d.jsonl" }
CONF
root_ok "$T/overlap.conf"
"$LOGWARD" -t -f "$T/overlap.conf" >"$T/t.out" 2>&1 &&
    fail "-t accepted 0.0.0.0:$PX and [::]:$PX as two inputs"
grep -q 'is already used by input "v4".*\[::\] takes IPv4 senders as well' "$T/t.out" ||
    fail "-t did not say why: $(cat "$T/t.out")"

[ "$V6_MISSING" -eq 0 ] || fail "$V6_MISSING IPv6 part(s) could not run: no ::1"
note "PASS"

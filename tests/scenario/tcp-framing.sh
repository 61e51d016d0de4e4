#!/bin/sh
# tcp-framing: byte-exact streams over real TCP connections (RFC 6587 and the
# framing cases of tests/data/CORPUS-README.md): octet counting, LF, CRLF,
# NUL, mixed framing, frames split across writes, every cut position, the
# max_message_size truncation with the next frame intact, bad counts falling
# back to LF framing.  Frames are checked by event.original (the raw frame),
# and the truncated and bad_frames counters by the summary logged at exit.
TEST_NAME=tcp-framing
. "$(dirname "$0")/lib.sh"

ports 2
set -- $PORTS
P=$1 P64=$2
cat >"$T/logward.conf" <<CONF
input tcp   { transport = tcp  address = "127.0.0.1:$P" }
input lim64 { transport = tcp  address = "127.0.0.1:$P64"  max_message_size = 64 }
rules = "$top_srcdir/patterns"
archive { path = "$T/archive/events-%Y%m%d.jsonl" }
workers = 2
stats_interval = 0
CONF
logward_start "$T/logward.conf"

nl='
'
send() {
	$PEER tcp "$@" >"$T/peer.out" 2>&1 || fail "peer: $(cat "$T/peer.out")"
}
# expect N ORIGINAL: exactly N events have event.original ORIGINAL (waits 5 s)
expect() {
	ev_wait "$1" 5 "event.original=$2"
	c=$($EV count "$T/archive" "event.original=$2")
	[ "$c" -eq "$1" ] || fail "$c events with event.original='$2', expected $1"
}
# expect_input INPUT ORIGINAL...: one event each, from that input
expect_input() {
	ei=$1
	shift
	for o in "$@"; do
		expect 1 "$o"
		ev_check "event.original=$o" -- "observer.ingress.interface.name=$ei" network.transport=tcp \
		    source.ip=127.0.0.1
	done
}

# 1. octet counting; LF and NUL inside a counted frame are data (corpus 5)
send 127.0.0.1 "$P" '@oc:<13>c1 one' '@oc:<13>c1 two with\nLF inside' '@oc:<13>c1 nul\0inside'
expect_input tcp "<13>c1 one" "<13>c1 two with${nl}LF inside"
ev_wait 1 5 "event.original^<13>c1 nul"

# 2. LF framing
send 127.0.0.1 "$P" '<13>c2 one\n<13>c2 two\n'
expect_input tcp "<13>c2 one" "<13>c2 two"

# 3. CRLF: the CR is dropped
send 127.0.0.1 "$P" '<13>c3 one\r\n<13>c3 two\r\n'
expect_input tcp "<13>c3 one" "<13>c3 two"

# 4. NUL ends a frame
send 127.0.0.1 "$P" '<13>c4 one\0<13>c4 two\0'
expect_input tcp "<13>c4 one" "<13>c4 two"

# 5. mixed framing, frame by frame; the unterminated last frame is delivered
send 127.0.0.1 "$P" '<13>c5 lf\n' '@oc:<13>c5 oc' '<13>c5 crlf\r\n' '<13>c5 nul\0' \
    '@oc:<13>c5 oc2' '<13>c5 last without LF'
expect_input tcp "<13>c5 lf" "<13>c5 oc" "<13>c5 crlf" "<13>c5 nul" "<13>c5 oc2" \
    "<13>c5 last without LF"

# 6. frames split across writes with pauses: in the count, after the count,
#    in the middle of an LF frame
$PEER --pause 0.3 tcp 127.0.0.1 "$P" '3' '2 <13>c6 split octet-counted ' 'frame' \
    '<13>c6 split ' 'LF frame\n' '<13>c6 tail' >"$T/peer.out" 2>&1 ||
    fail "peer: $(cat "$T/peer.out")"
expect_input tcp "<13>c6 split octet-counted frame" "<13>c6 split LF frame" "<13>c6 tail"

# 7. corpus 1: the same stream cut at every byte position gives the same frames
cuts=$($PEER --pause 0.01 splitall 127.0.0.1 "$P" '@oc:<13>c7 oc' '<13>c7 lf\n' \
    '<13>c7 crlf\r\n' '@oc:<13>c7 oc\n2' '<13>c7 nul\0') || fail "peer splitall failed"
for o in "<13>c7 oc" "<13>c7 lf" "<13>c7 crlf" "<13>c7 oc${nl}2" "<13>c7 nul"; do
	expect "$cuts" "$o"
done

# 8. corpus 2 (with 64, the smallest max_message_size logward accepts, for
#    its 32): a 64-byte frame under a 64-byte limit is whole; a longer one is
#    cut to 64 bytes and flagged; the next frame is read correctly
sixteen=0123456789ABCDEF
over="<13>c8 this frame is longer than sixty-four bytes: it is cut right there"
send 127.0.0.1 "$P64" "64 $sixteen$sixteen$sixteen$sixteen" "@oc:$over" '@oc:<13>c8 next'
expect_input lim64 "$sixteen$sixteen$sixteen$sixteen" "$(printf '%.64s' "$over")" "<13>c8 next"

# 9. max_message_size = 64: an LF frame and a counted frame over the limit are
#    truncated to 64 bytes; the frames after them are intact
long=$(printf '%0200d' 0 | tr 0 A)
send 127.0.0.1 "$P64" "<13>c9 lf $long\\n" '<13>c9 after lf\n' "@oc:<13>c9 oc $long" \
    '@oc:<13>c9 after oc'
lf64=$(printf '%.64s' "<13>c9 lf $long")
oc64=$(printf '%.64s' "<13>c9 oc $long")
expect_input lim64 "$lf64" "<13>c9 after lf" "$oc64" "<13>c9 after oc"

# 10. corpus 3: digits not followed by SP are a framing error; LF framing is used
send 127.0.0.1 "$P" '1q 0123\n' '16<1>1\n' '<13>c10 after\n'
expect_input tcp "1q 0123" "16<1>1" "<13>c10 after"

# 11. corpus 4: huge, zero and zero-padded counts never overflow, hang or
#     allocate: each is a framing error, read as an LF frame
zeros=$(printf '%0300d' 0)
send 127.0.0.1 "$P" '214000000000 <120>c11 huge\n' '0 <120>c11 zero\n' '99999999999 a\n' \
    "${zeros}200000 <120>c11 padded\\n" '<13>c11 after\n'
expect_input tcp "214000000000 <120>c11 huge" "0 <120>c11 zero" "99999999999 a" \
    "${zeros}200000 <120>c11 padded" "<13>c11 after"

# 12. corpus 6: a bad message inside well-formed frames does not lose sync
send 127.0.0.1 "$P" '16 <1>1 - - - - - -17 <2>12 A B C D E -16 <1>1 - - - - - -'
expect 2 "<1>1 - - - - - -"
expect 1 "<2>12 A B C D E -"

# 13. corpus 7: Cisco ASA's space after LF, text that starts with digits, TLS
#     and HTTP bytes on a plain port: the connection keeps working
send 127.0.0.1 "$P" '<166>c13 asa one\n <166>c13 asa two\n' \
    '2024-01-01 12:00:00 appliance c13\n' \
    '\x16\x03\x01\x00\xa5\x01\x00\x00\xa1\x03\x03\x8a\x91\xfe\xffc13tls\n' \
    'GET / HTTP/1.1\r\nHost: c13\r\n\r\n' '<13>c13 after\n'
# (framing.h: the one space after LF is dropped)
expect_input tcp "<166>c13 asa one" "<166>c13 asa two" "2024-01-01 12:00:00 appliance c13" \
    "<13>c13 after"
ev_wait 1 5 "event.original=GET / HTTP/1.1"

logward_alive || fail "logward is not running after the framing cases"
logward_stop TERM
[ "$LOGWARD_STATUS" -eq 0 ] || fail "logward exited with status $LOGWARD_STATUS after TERM"
$EV valid "$T/archive" >"$T/ev.out" || fail "archive: $(cat "$T/ev.out")"
# bad counts: 1q, 16<1>1 (case 10); 214000000000, 0, 99999999999, zero-padded
# (case 11); 2024-01-01 (case 13)
for f in tcp:bad_frames=7 tcp:truncated=0 lim64:truncated=3 lim64:bad_frames=0 \
    lim64:messages=7 tcp:open=0; do
	in=${f%%:*}
	kv=${f#*:}
	v=$(counter "$in" "${kv%%=*}")
	[ "$v" = "${kv#*=}" ] || fail "input $in: ${kv%%=*}=$v, expected ${kv#*=}"
done
note "PASS"

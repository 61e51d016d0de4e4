#!/bin/sh
# reload-live: a HUP that changes an input's settings but not its transport
# or address applies them without closing its socket or its connections
# (src/tcp_retune.c), against the real daemon and real clients:
# - TCP limits: a streaming connection lives through a reload that changes
#   idle_timeout and max_connections and sets max_connections_per_address
#   = 2 (the per-address table is made at the reload and the open
#   connection counted in it): a second connection from 127.0.0.1 is
#   accepted (at the bound), a third refused (past it); every frame the
#   stream sent is archived once, from one source port; a reload back to
#   no per-address limit drops the table under the connection it holds
#   (three more from 127.0.0.1 are accepted, all close cleanly); a sender
#   stopped by a rate limit (10 an hour) resumes at once when a reload
#   takes the limit away;
# - UDP: a rate limit set by a reload (its table made then) drops past the
#   burst (5 of 8 kept), and a reload that takes it away keeps all 8;
# - allow: a reload whose allow no longer covers 127.0.0.1 closes such a
#   connection (counted refused_acl, logged) and refuses new ones;
# - TLS: a certificate renewed under the same file names is read at the
#   HUP: new connections get it (openssl s_client) while a TLS stream made
#   before goes on; with the key gone, a reload that changes nothing keeps
#   the running certificate with a warning, and one that changes the TLS
#   input fails and keeps the running configuration;
# - a client-certificate check (verify = peer) that runs after the reload
#   replaced its TLS context, for a handshake begun before: it is checked
#   against the context it began with, which the connection holds (under
#   the sanitizers, a use after free if it did not).
TEST_NAME=reload-live
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/tls-lib.sh"

ports 5
set -- $PORTS
PT=$1 PS=$2 PM=$3 PP=$4 PU=$5
tls_self_signed "$T/pki"
tls_self_signed "$T/pki-new"
tls_self_signed "$T/client"

# conf NAME T-SETTINGS S-SETTINGS [U-SETTINGS]: $T/NAME.conf
conf() {
	cat >"$T/$1.conf" <<CONF
input t {
	transport = tcp
	address = "127.0.0.1:$PT"
	$2
}
input s {
	transport = tls
	address = "127.0.0.1:$PS"
	certificate = "$T/pki/server.crt"
	key = "$T/pki/server.key"
	verify = none
	$3
}
input p {
	transport = tls
	address = "127.0.0.1:$PP"
	certificate = "$T/pki/server.crt"
	key = "$T/pki/server.key"
	ca = "$T/client/server.crt"
	verify = peer
}
input u {
	transport = udp
	address = "127.0.0.1:$PU"
	${4:-}
}
rules = "$top_srcdir/patterns"
archive { path = "$T/archive/events.jsonl" }
workers = 1
stats_interval = 0
metrics { address = "127.0.0.1:$PM" }
run_as_root = yes
CONF
}
conf before "idle_timeout = 600
	max_connections = 100" ""
conf limits "idle_timeout = 300
	max_connections = 50
	max_connections_per_address = 2" "" "ratelimit_interval = 3600
	ratelimit_burst = 5"
conf nolimit "idle_timeout = 300
	max_connections = 50" ""
conf ratelimited "idle_timeout = 300
	max_connections = 50
	ratelimit_interval = 3600
	ratelimit_burst = 10" ""
conf denied "max_connections_per_address = 2
	allow = { \"10.0.0.0/8\" }" ""
conf tlschg "max_connections_per_address = 2
	allow = { \"10.0.0.0/8\" }" "idle_timeout = 300"

# reload NAME: HUP onto $T/NAME.conf; prints the outcome line
reload() {
	logward_reload "$T/$1.conf"
}

# served_fp: the SHA-256 of the certificate a new TLS connection is shown
served_fp() {
	timeout 10 openssl s_client -connect "127.0.0.1:$PS" -servername localhost </dev/null 2>/dev/null |
	    openssl x509 -noout -fingerprint -sha256 | sed 's/.*=//; s/://g' | tr 'A-F' 'a-f'
}
file_fp() {
	openssl x509 -in "$1" -noout -fingerprint -sha256 | sed 's/.*=//; s/://g' | tr 'A-F' 'a-f'
}

# archived_once OUT TEXT: every frame the stream that wrote OUT sent is archived, once, from its port
archived_once() {
	sent=$(sed -n 's/.*sent=\([0-9]*\).*/\1/p' "$1")
	port=$(sed -n 's/.*port=\([0-9]*\).*/\1/p' "$1")
	[ -n "$sent" ] || fail "$2: the stream said nothing: $(cat "$1")"
	$EV wait "$T/archive" "$sent" 30 "message^$2 " >"$T/ev.out" 2>&1 || fail "$2: $(cat "$T/ev.out")"
	[ "$($EV count "$T/archive" "message^$2 ")" -eq "$sent" ] || fail "$2: duplicates"
	[ "$($EV values "$T/archive" source.port "message^$2 " | sort -u)" = "$port" ] ||
		fail "$2: frames from more than the stream's port $port"
}

# udp8 TEXT: eight datagrams "TEXT 1" .. "TEXT 8"
udp8() {
	udp_text=$1
	set --
	for i in 1 2 3 4 5 6 7 8; do
		set -- "$@" "<13>1 - h app - - - $udp_text $i"
	done
	$PEER udp 127.0.0.1 "$PU" "$@" >"$T/peer.out" 2>&1 || fail "peer: $(cat "$T/peer.out")"
}

cp "$T/before.conf" "$T/logward.conf"
logward_start "$T/logward.conf"

# --- TCP limits, live ---------------------------------------------------------
bg_start s1 $PEER --timeout 60 --pause 0.01 stream 127.0.0.1 "$PT" s1 "$T/stop1"
s1=$BG_LAST
$EV wait "$T/archive" 100 10 "message^s1 " >"$T/ev.out" 2>&1 || fail "$(cat "$T/ev.out")"
case $(reload limits) in *reloaded*) ;; *) fail "limits: the reload failed" ;; esac
grep -q "input t: settings applied, 1 connection kept, 0 closed" "$T/logward.err" ||
	fail "limits: input t not retuned: $(grep "input t:" "$T/logward.err")"
[ "$(grep -c "input t: listening" "$T/logward.err")" -eq 1 ] || fail "limits: input t was reopened"
bg_start held $PEER --timeout 60 hold 127.0.0.1 "$PT" 1 "$T/go-held" held
held=$BG_LAST
wait_for 'grep -q "open 1" "$T/held.out"' 10 || fail "the second connection did not open"
touch "$T/go-held"
$EV wait "$T/archive" 1 10 "message^held " >"$T/ev.out" 2>&1 ||
	fail "the second connection from 127.0.0.1 (at the bound of 2) was refused: $(cat "$T/ev.out")"
$PEER tcp 127.0.0.1 "$PT" '<13>1 - h app - - - third\n' >"$T/peer.out" 2>&1
wait_for '[ "$(logward_stats; counter t refused_per_address)" = 1 ]' 10 ||
	fail "the third connection (past the bound) was not refused: $(counter t refused_per_address)"
touch "$T/stop1"
wait "$s1"
case $(cat "$T/s1.out") in *closed=0*) ;; *) fail "the stream was closed by the reload: $(cat "$T/s1.out")" ;; esac
archived_once "$T/s1.out" s1
[ "$($EV count "$T/archive" "message=third")" -eq 0 ] || fail "the refused connection's message was archived"
udp8 udp-limited
wait_for '[ "$(logward_stats; counter u rate_limited)" = 3 ]' 10 ||
	fail "udp: a rate limit set by the reload: rate_limited=$(counter u rate_limited), not 3 of 8"
$EV wait "$T/archive" 5 10 "message^udp-limited " >"$T/ev.out" 2>&1 || fail "udp: $(cat "$T/ev.out")"
[ "$($EV count "$T/archive" "message^udp-limited ")" -eq 5 ] || fail "udp: not the burst of 5 kept"
note "limits: a stream of $(sed -n 's/.*sent=\([0-9]*\).*/\1/p' "$T/s1.out") frames kept; per-address bound 2 counted it"
case $(reload nolimit) in *reloaded*) ;; *) fail "nolimit: the reload failed" ;; esac
grep -q "input t: settings applied, 1 connection kept, 0 closed" "$T/logward.err" ||
	fail "nolimit: input t: $(grep "input t:" "$T/logward.err" | tail -n 1)"
bg_start more $PEER --timeout 60 hold 127.0.0.1 "$PT" 3 "$T/go-more" more
more=$BG_LAST
wait_for 'grep -q "open 3" "$T/more.out"' 10 || fail "nolimit: three more connections did not open"
touch "$T/go-more"
$EV wait "$T/archive" 3 10 "message^more " >"$T/ev.out" 2>&1 ||
	fail "nolimit: the per-address limit still refuses: $(cat "$T/ev.out")"
logward_stats
[ "$(counter t open)" = 4 ] || fail "nolimit: $(counter t open) connections open, not 4"
[ "$(counter t refused_per_address)" = 1 ] || fail "nolimit: refused_per_address=$(counter t refused_per_address)"
udp8 udp-free
$EV wait "$T/archive" 8 10 "message^udp-free " >"$T/ev.out" 2>&1 ||
	fail "udp: the rate limit the reload took away still drops: $(cat "$T/ev.out")"
kill "$more"
wait "$more" 2>/dev/null
kill "$held"
wait "$held" 2>/dev/null

# --- a rate limit taken away: the sender it stopped resumes at once ----------
case $(reload ratelimited) in *reloaded*) ;; *) fail "ratelimited: the reload failed" ;; esac
set --
for i in $(seq 1 30); do
	set -- "$@" "@oc:<13>1 - h app - - - rated $i"
done
bg_start rated $PEER --timeout 60 --pause 0.02 tcp 127.0.0.1 "$PT" "$@"
rated=$BG_LAST
$EV wait "$T/archive" 10 10 "message^rated " >"$T/ev.out" 2>&1 || fail "ratelimited: $(cat "$T/ev.out")"
wait_for '[ "$(logward_stats; counter t rate_limited)" -ge 1 ]' 10 || fail "ratelimited: the sender was not stopped"
n=$($EV count "$T/archive" "message^rated ")
[ "$n" -lt 30 ] || fail "ratelimited: all 30 archived under a limit of 10 an hour"
case $(reload nolimit) in *reloaded*) ;; *) fail "nolimit again: the reload failed" ;; esac
$EV wait "$T/archive" 30 10 "message^rated " >"$T/ev.out" 2>&1 ||
	fail "the sender stopped by the rate limit did not resume when it was taken away: $(cat "$T/ev.out")"
wait "$rated" 2>/dev/null
note "rate limit taken away: $n of 30 before, all 30 after"
wait_for '[ "$(logward_stats; counter t open)" = 0 ]' 10 || fail "connections left open"

# --- allow, live: the connection it no longer covers is closed ---------------
bg_start s2 $PEER --timeout 60 --pause 0.01 stream 127.0.0.1 "$PT" s2 "$T/stop2"
s2=$BG_LAST
$EV wait "$T/archive" 100 10 "message^s2 " >"$T/ev.out" 2>&1 || fail "$(cat "$T/ev.out")"
case $(reload denied) in *reloaded*) ;; *) fail "denied: the reload failed" ;; esac
wait_for '! kill -0 "$s2" 2>/dev/null' 10 || fail "denied: the connection from 127.0.0.1 is still open"
wait "$s2"
case $(cat "$T/s2.out") in *closed=1*) ;; *) fail "denied: the stream was not closed: $(cat "$T/s2.out")" ;; esac
grep -q "input t: settings applied, 0 connections kept, 1 closed (not in allow)" "$T/logward.err" ||
	fail "denied: $(grep "input t:" "$T/logward.err" | tail -n 2)"
logward_stats
[ "$(counter t refused_acl)" = 1 ] || fail "denied: refused_acl=$(counter t refused_acl)"
$PEER tcp 127.0.0.1 "$PT" '<13>1 - h app - - - after-deny\n' >"$T/peer.out" 2>&1
wait_for '[ "$(logward_stats; counter t refused_acl)" = 2 ]' 10 || fail "denied: a new connection was not refused"
[ "$($EV count "$T/archive" "message=after-deny")" -eq 0 ] || fail "denied: a refused message was archived"

# --- TLS: a handshake begun before the reload, checked after it --------------
bg_start late $PEER --timeout 30 tlslate 127.0.0.1 "$PP" "$T/client/server.crt" \
    "$T/client/server.key" "$T/go-late" '<13>1 - h app - - - late-handshake'
late=$BG_LAST
wait_for 'grep -q held "$T/late.out"' 10 || fail "late: no handshake under way: $(cat "$T/late.err")"
case $(reload denied) in *reloaded*) ;; *) fail "late: the reload failed" ;; esac
grep -q "input p: settings applied, 1 connection kept, 0 closed" "$T/logward.err" ||
	fail "late: input p not retuned: $(grep "input p:" "$T/logward.err")"
touch "$T/go-late"
wait "$late"
$EV wait "$T/archive" 1 10 "message=late-handshake" >"$T/ev.out" 2>&1 ||
	fail "late: the handshake begun before the reload did not deliver: $(cat "$T/ev.out")"
logward_stats
[ "$(counter p tls_failures)" = 0 ] || fail "late: tls_failures=$(counter p tls_failures)"

# --- TLS: a certificate renewed under the same names -------------------------
old_fp=$(file_fp "$T/pki/server.crt")
new_fp=$(file_fp "$T/pki-new/server.crt")
[ "$(served_fp)" = "$old_fp" ] || fail "tls: the first certificate is not the one served"
bg_start s3 $PEER --timeout 60 --pause 0.01 tlsstream 127.0.0.1 "$PS" s3 "$T/stop3"
s3=$BG_LAST
$EV wait "$T/archive" 100 10 "message^s3 " >"$T/ev.out" 2>&1 || fail "$(cat "$T/ev.out")"
cp "$T/pki-new/server.crt" "$T/pki-new/server.key" "$T/pki/"
case $(reload denied) in *reloaded*) ;; *) fail "renewed: the reload failed" ;; esac
grep -q "input s: settings applied, 1 connection kept, 0 closed" "$T/logward.err" ||
	fail "renewed: input s not retuned: $(grep "input s:" "$T/logward.err")"
[ "$(served_fp)" = "$new_fp" ] || fail "renewed: new connections are not shown the renewed certificate"

rm "$T/pki/server.key"
case $(reload denied) in *reloaded*) ;; *) fail "key gone, nothing changed: the reload failed" ;; esac
grep -q "new connections keep the certificate read before" "$T/logward.err" ||
	fail "key gone: no warning"
[ "$(served_fp)" = "$new_fp" ] || fail "key gone: the running certificate was not kept"
case $(reload tlschg) in
*"reload failed"*"server.key"*) ;;
*) fail "key gone, the TLS input changed: the reload did not fail on the key" ;;
esac
[ "$(served_fp)" = "$new_fp" ] || fail "after the failed reload: not the running certificate"

touch "$T/stop3"
wait "$s3"
case $(cat "$T/s3.out") in
*closed=0*"fp=$old_fp"*) ;;
*) fail "tls: the stream made before the renewal did not go on with its certificate: $(cat "$T/s3.out")" ;;
esac
archived_once "$T/s3.out" s3
note "tls: renewed certificate served after HUP, a stream of $(sed -n 's/.*sent=\([0-9]*\).*/\1/p' "$T/s3.out") frames kept"

logward_alive || fail "logward died"
logward_stop TERM
[ "$LOGWARD_STATUS" -eq 0 ] || fail "logward exited with status $LOGWARD_STATUS"

#!/bin/sh
# tls: RFC 5425 intake.  The test makes a private CA with openssl, a server
# certificate for localhost / 127.0.0.1 and client certificates, then:
# - a real rsyslogd (its own instance, ossl driver, x509/name, client
#   certificate) forwards over TLS: messages archived with tls.client.subject
#   and tls.client.hash.sha256;
# - an untrusted certificate, no certificate, a wrong name and a wrong
#   fingerprint are refused and counted by reason (/metrics), nothing archived;
# - a client certificate listed by fingerprint is accepted;
# - plain TCP bytes to the TLS port, TLS to a plain TCP port, and a
#   half-open handshake (closed at handshake_timeout) are refused and counted;
# - rsyslogd still gets through afterwards.
TEST_NAME=tls
. "$(dirname "$0")/lib.sh"

RSYSLOGD=${RSYSLOGD:-$(command -v rsyslogd || echo /usr/sbin/rsyslogd)}
[ -x "$RSYSLOGD" ] || fail "no rsyslogd (the quickstart installs rsyslog)"
RS_OSSL=$(ls /usr/lib/*/rsyslog/lmnsd_ossl.so /usr/lib/rsyslog/lmnsd_ossl.so 2>/dev/null | head -n 1)
[ -n "$RS_OSSL" ] || fail "no rsyslog ossl driver (the quickstart installs rsyslog-openssl)"

# --- a private CA, step by step as README.md shows it
K="$T/pki"
mkdir -p "$K"
ssl() { openssl "$@" >>"$K/openssl.log" 2>&1 || fail "openssl $1 failed: $(tail -n 3 "$K/openssl.log")"; }
# newcert NAME SUBJECT SAN EKU CA: a key and a certificate signed by CA
newcert() {
	ssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj "$2" \
	    -keyout "$K/$1.key" -out "$K/$1.csr"
	printf 'subjectAltName=%s\nextendedKeyUsage=%s\n' "$3" "$4" >"$K/$1.ext"
	ssl x509 -req -in "$K/$1.csr" -CA "$K/$5.crt" -CAkey "$K/$5.key" -CAcreateserial \
	    -days 30 -extfile "$K/$1.ext" -out "$K/$1.crt"
}
ssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 30 \
    -subj "/O=Example/CN=Example Syslog CA" -keyout "$K/ca.key" -out "$K/ca.crt"
ssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 30 \
    -subj "/CN=Rogue CA" -keyout "$K/rogue.key" -out "$K/rogue.crt"
newcert server "/CN=localhost" "DNS:localhost,IP:127.0.0.1" serverAuth ca
newcert client1 "/O=Example/CN=client1.example.net" "DNS:client1.example.net" clientAuth ca
newcert other "/O=Example/CN=other.example.org" "DNS:other.example.org" clientAuth ca
newcert intruder "/CN=client9.example.net" "DNS:client9.example.net" clientAuth rogue
fp1=$(openssl x509 -in "$K/client1.crt" -noout -fingerprint -sha256 | sed 's/^.*=/sha256:/')
hash1=$(echo "$fp1" | sed 's/^sha256://; s/://g')
[ ${#hash1} -eq 64 ] || fail "cannot read the client fingerprint: $fp1"

ports 5
set -- $PORTS
LW_TLS=$1 LW_FP=$2 LW_TCP=$3 RS_PORT=$4 METRICS=$5

cat >"$T/logward.conf" <<CONF
input tls_name {
	transport = tls
	address = "127.0.0.1:$LW_TLS"
	certificate = "$K/server.crt"
	key = "$K/server.key"
	ca = "$K/ca.crt"
	verify = name
	permitted_peers = { "*.example.net" }
	handshake_timeout = 2
}
input tls_fp {
	transport = tls
	address = "127.0.0.1:$LW_FP"
	certificate = "$K/server.crt"
	key = "$K/server.key"
	verify = fingerprint
	fingerprints = { "$fp1" }
}
input plain { transport = tcp  address = "127.0.0.1:$LW_TCP" }
rules = "$top_srcdir/patterns"
archive { path = "$T/archive/events-%Y%m%d.jsonl" }
metrics { address = "127.0.0.1:$METRICS" }
workers = 2
stats_interval = 0
run_as_root = yes
CONF
# -t loads the certificates and keys as the daemon will
"$LOGWARD" -t -f "$T/logward.conf" >"$T/check.out" 2>&1 || fail "-t: $(cat "$T/check.out")"
sed "s|$K/server.key|$K/client1.key|" "$T/logward.conf" >"$T/badkey.conf"
if "$LOGWARD" -t -f "$T/badkey.conf" >"$T/check.out" 2>&1; then
	fail "-t accepts a key that does not belong to the certificate"
fi
grep -q "input tls_name: key $K/client1.key" "$T/check.out" ||
    fail "-t with a wrong key: $(cat "$T/check.out")"
logward_start "$T/logward.conf"

# --- rsyslogd forwards over TLS with client1's certificate
mkdir -p "$T/rsyslog-work"
cat >"$T/rsyslog.conf" <<CONF
# Only what this test needs: no imuxsock, no imklog, no system files.
global(workDirectory="$T/rsyslog-work"
       DefaultNetstreamDriverCAFile="$K/ca.crt"
       DefaultNetstreamDriverCertFile="$K/client1.crt"
       DefaultNetstreamDriverKeyFile="$K/client1.key")
module(load="imudp")
input(type="imudp" address="127.0.0.1" port="$RS_PORT" ruleset="forward")
ruleset(name="forward") {
	action(type="omfwd" target="127.0.0.1" port="$LW_TLS" protocol="tcp"
	       StreamDriver="ossl" StreamDriverMode="1" StreamDriverAuthMode="x509/name"
	       StreamDriverPermittedPeers="localhost"
	       TCP_Framing="octet-counted" template="RSYSLOG_SyslogProtocol23Format")
}
CONF
"$RSYSLOGD" -N1 -f "$T/rsyslog.conf" >"$T/rsyslog-check.out" 2>&1 ||
    fail "rsyslogd rejects the test's config: $(cat "$T/rsyslog-check.out")"
bg_start rsyslogd "$RSYSLOGD" -n -f "$T/rsyslog.conf" -i "$T/rsyslog.pid"
RS_PID=$BG_LAST
tok=tls$$
# imudp has no "listening" to wait for: send until the first one arrives.
n=0
until [ -s "$T/archive/events-$(date -u +%Y%m%d).jsonl" ] &&
    grep -q "$tok-first" "$T/archive/events-$(date -u +%Y%m%d).jsonl"; do
	n=$((n + 1))
	[ $n -le 50 ] || fail "nothing from rsyslogd over TLS: $(tail -n 5 "$T/rsyslogd.err")"
	kill -0 "$RS_PID" 2>/dev/null || fail "rsyslogd died: $(cat "$T/rsyslogd.err")"
	logger --udp -n 127.0.0.1 -P "$RS_PORT" -t myapp -p auth.notice "$tok-first $n"
	sleep 0.2
done
for i in 1 2 3; do
	logger --rfc5424 --udp -n 127.0.0.1 -P "$RS_PORT" -t myapp -p auth.warning \
	    --msgid TLS1 "$tok-msg $i hello over tls" || fail "logger failed"
done
ev_wait 3 10 "message~$tok-msg"
note "rsyslogd over TLS: $EV_WAIT_RESULT"
ev_check "message=$tok-msg 2 hello over tls" -- network.transport=tcp \
    observer.ingress.interface.name=tls_name source.ip=127.0.0.1 log.syslog.appname=myapp \
    log.syslog.msgid=TLS1 log.syslog.version=1 \
    "tls.client.subject=CN=client1.example.net,O=Example" \
    "tls.client.hash.sha256=$hash1" tls.version_protocol=tls tls.version? tls.cipher? \
    "tags[]!=_syslog_parse_failure"

# --- refused clients: each sends a message that must not be archived
hostile_tls() {
	$PEER tls 127.0.0.1 "$1" "$K/ca.crt" "$2" "$3" \
	    "<13>1 2026-11-27T10:00:00Z evil tls - - - $tok-refused $4" >"$T/peer.out" 2>&1 ||
	    fail "peer tls ($4): $(cat "$T/peer.out")"
	logward_alive || fail "logward died after $4"
}
hostile_tls "$LW_TLS" "$K/intruder.crt" "$K/intruder.key" untrusted
hostile_tls "$LW_TLS" - - nocert
hostile_tls "$LW_TLS" "$K/other.crt" "$K/other.key" wrongname
hostile_tls "$LW_FP" "$K/other.crt" "$K/other.key" wrongfingerprint
# accepted by fingerprint (tls_fp has no ca at all)
$PEER tls 127.0.0.1 "$LW_FP" "$K/ca.crt" "$K/client1.crt" "$K/client1.key" \
    "<13>1 2026-11-27T10:00:00Z good tls - - - $tok-fp accepted" >"$T/peer.out" 2>&1 ||
    fail "peer tls (fingerprint): $(cat "$T/peer.out")"
ev_wait 1 5 "message=$tok-fp accepted" observer.ingress.interface.name=tls_fp "tls.client.hash.sha256=$hash1"

# plain TCP to the TLS port; TLS to the plain port; a half-open handshake
$PEER tcp 127.0.0.1 "$LW_TLS" "<13>1 2026-11-27T10:00:00Z evil tcp - - - $tok-refused plain\\n" \
    >"$T/peer.out" 2>&1 || fail "peer tcp: $(cat "$T/peer.out")"
$PEER tls 127.0.0.1 "$LW_TCP" "$K/ca.crt" "$K/client1.crt" "$K/client1.key" \
    "<13>1 2026-11-27T10:00:00Z evil tls - - - $tok-refused tls-on-plain" >"$T/peer.out" 2>&1 ||
    fail "peer tls to plain: $(cat "$T/peer.out")"
grep -q "^failed" "$T/peer.out" || fail "a TLS client got through to the plain port: $(cat "$T/peer.out")"
r=$($PEER --timeout 20 halfopen 127.0.0.1 "$LW_TLS") ||
    fail "a half-open handshake was not closed (handshake_timeout = 2): $r"

# counters by reason, from /metrics
fetch_metrics() {
	$PY -c 'import sys, urllib.request
sys.stdout.write(urllib.request.urlopen(sys.argv[1], timeout=5).read().decode())' \
	    "http://127.0.0.1:$METRICS/metrics" >"$T/metrics.txt" || fail "GET /metrics failed"
}
metric() {
	awk -v k="$1" '$1 == k { print $2 }' "$T/metrics.txt"
}
expect_metric() {
	v=$(metric "$1")
	[ "$v" = "$2" ] || fail "$1 is ${v:-absent}, expected $2"
}
fetch_metrics
F=logward_tls_handshake_failures_total
expect_metric "$F{input=\"tls_name\",reason=\"untrusted\"}" 2
expect_metric "$F{input=\"tls_name\",reason=\"name\"}" 1
expect_metric "$F{input=\"tls_name\",reason=\"protocol\"}" 1
expect_metric "$F{input=\"tls_name\",reason=\"timeout\"}" 1
expect_metric "$F{input=\"tls_fp\",reason=\"fingerprint\"}" 1
expect_metric "logward_tls_handshakes_total{input=\"tls_fp\"}" 1
logward_stats
[ "$(counter plain tls_on_plain)" = 1 ] || fail "plain tls_on_plain=$(counter plain tls_on_plain)"
[ "$(counter plain messages)" = 0 ] || fail "the plain input archived $(counter plain messages)"
grep -q "TLS handshake failed from 127.0.0.1" "$T/logward.err" || fail "no log line for a refusal"
# a summary, not a line per refusal
lines=$(grep -c "TLS handshake failed" "$T/logward.err")
[ "$lines" -le 2 ] || fail "$lines log lines for 6 refused handshakes"

# rsyslogd is still served
logger --rfc5424 --udp -n 127.0.0.1 -P "$RS_PORT" -t myapp "$tok-after all refusals"
ev_wait 1 10 "message=$tok-after all refusals" network.transport=tcp tls.version_protocol=tls \
    "tls.client.subject=CN=client1.example.net,O=Example"

kill -0 "$RS_PID" 2>/dev/null || fail "rsyslogd died: $(cat "$T/rsyslogd.err")"
end_process "$RS_PID"
logward_stop TERM
[ "$LOGWARD_STATUS" -eq 0 ] || fail "logward exited with status $LOGWARD_STATUS after TERM"
if grep -q "$tok-refused" "$T"/archive/*.jsonl; then
	fail "a refused client's message was archived: $(grep -h "$tok-refused" "$T"/archive/*.jsonl | head -n 1)"
fi
$EV valid "$T/archive" >"$T/ev.out" || fail "archive: $(cat "$T/ev.out")"
note "PASS"

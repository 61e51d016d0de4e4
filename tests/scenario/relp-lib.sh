# relp-lib.sh: shared by the RELP scenario tests; sourced after lib.sh.
#   relp_pki DIR          a CA, a server certificate for 127.0.0.1 and a
#                         client certificate (CN=relp-client.example.net)
#   rsyslog_check CONF    rsyslogd -N1 accepts CONF, else fail
#   rsyslog_run CONF PORT  rsyslog_check, start rsyslogd (RS_PID), wait for PORT
#   relp_numbers INPUT TOKEN  print the numbers of the archived messages
#                         "TOKEN n" of INPUT, one a line, sorted
#   relp_metric NAME      a sample of logward's /metrics on port $MP
#   relp_held DIR PORT TOKEN N TRANSPORT  fill the tmpfs DIR (the archive's),
#                         send TOKEN 1..N to rsyslog's PORT, and wait until
#                         logward's archive writes fail: RELP_HELD is what its
#                         input (of TRANSPORT) took meanwhile, held unwritten
RSYSLOGD=${RSYSLOGD:-$(command -v rsyslogd || echo /usr/sbin/rsyslogd)}
[ -x "$RSYSLOGD" ] || fail "no rsyslogd (the quickstart installs rsyslog)"
[ -n "$(ls /usr/lib/*/rsyslog/omrelp.so /usr/lib/rsyslog/omrelp.so 2>/dev/null)" ] ||
    fail "no omrelp (the quickstart installs rsyslog-relp)"

relp_pki() {
	K=$1
	mkdir -p "$K"
	for step in "req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 30
	    -subj /CN=RELP-Test-CA -keyout $K/ca.key -out $K/ca.crt" \
	    "req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj /CN=localhost
	    -keyout $K/server.key -out $K/server.csr" \
	    "req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes
	    -subj /O=Example/CN=relp-client.example.net -keyout $K/client.key -out $K/client.csr"; do
		# shellcheck disable=SC2086
		openssl $step >>"$K/openssl.log" 2>&1 || fail "openssl: $(tail -n 3 "$K/openssl.log")"
	done
	printf 'subjectAltName=DNS:localhost,IP:127.0.0.1\nextendedKeyUsage=serverAuth\n' >"$K/server.ext"
	printf 'subjectAltName=DNS:relp-client.example.net\nextendedKeyUsage=clientAuth\n' >"$K/client.ext"
	for who in server client; do
		openssl x509 -req -in "$K/$who.csr" -CA "$K/ca.crt" -CAkey "$K/ca.key" -CAcreateserial \
		    -days 30 -extfile "$K/$who.ext" -out "$K/$who.crt" >>"$K/openssl.log" 2>&1 ||
		    fail "openssl x509: $(tail -n 3 "$K/openssl.log")"
	done
}

rsyslog_check() {
	"$RSYSLOGD" -N1 -f "$1" >"$T/rsyslog-check.out" 2>&1 ||
	    fail "rsyslogd rejects the test's config: $(cat "$T/rsyslog-check.out")"
}

# rsyslog_run CONF PORT: check CONF, start a private rsyslogd on it (RS_PID),
# and wait until it listens on PORT
rsyslog_run() {
	rsyslog_check "$1"
	bg_start rsyslogd "$RSYSLOGD" -n -f "$1" -i "$T/rsyslog.pid"
	RS_PID=$BG_LAST
	$PEER listening 127.0.0.1 "$2" >"$T/peer.out" ||
	    fail "rsyslogd: $(cat "$T/peer.out"): $(cat "$T/rsyslogd.err")"
}

relp_numbers() {
	$EV values "${RELP_ARCHIVE:-$T/archive}" message "observer.ingress.interface.name=$1" "message~$2 " >"$T/values.out" 2>&1 ||
	    fail "ev values: $(cat "$T/values.out")"
	sed -n "s/.*$2 \([0-9]*\).*/\1/p" "$T/values.out" | sort -n
}

# rsyslog_forwarder CONF IN_PORT RELP_PORT [TCP_IN_PORT TCP_PORT]: a private
# rsyslogd config: imtcp on IN_PORT forwarded with omrelp to RELP_PORT, with
# the memory action queue and endless retries rsyslog recommends for
# reliable forwarding; with the last two, imtcp on TCP_IN_PORT forwarded with
# omfwd over TCP (the same queue) to TCP_PORT, for contrast.  With
# RELP_FORWARD_PKI=DIR (relp_pki's), omrelp speaks TLS (OpenSSL) with DIR's
# client certificate.
rsyslog_forwarder() {
	mkdir -p "$T/rsyslog-work"
	rf_module='module(load="omrelp")' rf_tls=""
	if [ -n "${RELP_FORWARD_PKI:-}" ]; then
		rf_module='module(load="omrelp" tls.tlslib="openssl")'
		rf_tls="tls=\"on\" tls.cacert=\"$RELP_FORWARD_PKI/ca.crt\" tls.mycert=\"$RELP_FORWARD_PKI/client.crt\" tls.myprivkey=\"$RELP_FORWARD_PKI/client.key\" tls.authmode=\"certvalid\""
	fi
	cat >"$1" <<CONF
global(workDirectory="$T/rsyslog-work")
module(load="imtcp")
$rf_module
input(type="imtcp" address="127.0.0.1" port="$2" ruleset="relp")
ruleset(name="relp") {
	action(type="omrelp" target="127.0.0.1" port="$3" template="RSYSLOG_SyslogProtocol23Format"
	       windowSize="128" queue.type="LinkedList" queue.size="200000"
	       action.resumeRetryCount="-1" action.resumeInterval="1" $rf_tls)
}
CONF
	[ $# -ge 5 ] || return 0
	cat >>"$1" <<CONF
input(type="imtcp" address="127.0.0.1" port="$4" ruleset="tcp")
ruleset(name="tcp") {
	action(type="omfwd" target="127.0.0.1" port="$5" protocol="tcp" TCP_Framing="octet-counted"
	       template="RSYSLOG_SyslogProtocol23Format"
	       queue.type="LinkedList" queue.size="200000" action.resumeRetryCount="-1"
	       action.resumeInterval="1")
}
CONF
}

# numbered PORT TOKEN N RATE: send "TOKEN 1" .. "TOKEN N" to PORT over TCP,
# RATE messages a second (LF framing), in the background.
numbered() {
	bg_start "numbered-$1" $PY -c 'import socket, sys, time
port, tok, n, rate = int(sys.argv[1]), sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
s = socket.create_connection(("127.0.0.1", port), timeout=10)
t0 = time.monotonic()
for i in range(1, n + 1, 100):
    s.sendall(b"".join(b"<14>numbered: %s %d\n" % (tok.encode(), j)
                       for j in range(i, min(i + 100, n + 1))))
    delay = t0 + i / rate - time.monotonic()
    if delay > 0:
        time.sleep(delay)
s.close()' "$1" "$2" "$3" "$4"
}

# relp_complete INPUT TOKEN N: all of 1..N archived for INPUT
relp_complete() {
	[ "$(relp_numbers "$1" "$2" | uniq | wc -l)" -eq "$3" ]
}

# relp_report INPUT TOKEN N: print "distinct=D missing=M duplicates=U" and
# the duplicated numbers (at most 20)
relp_report() {
	relp_numbers "$1" "$2" >"$T/numbers"
	d=$(uniq "$T/numbers" | wc -l)
	u=$(($(wc -l <"$T/numbers") - d))
	echo "distinct=$d missing=$(($3 - d)) duplicates=$u" \
	    "$(uniq -d "$T/numbers" | head -n 20 | tr '\n' ' ')"
}

relp_metric() {
	[ "$(http_get "http://127.0.0.1:$MP/metrics" "$T/metrics")" = 200 ] || fail "/metrics"
	prom "$T/metrics" "$1"
}

relp_held() {
	dd if=/dev/zero of="$1/filler" bs=64k >/dev/null 2>&1
	[ "$(df --output=avail "$1" | tail -n 1 | tr -d ' ')" -eq 0 ] || fail "$1 is not full"
	numbered "$2" "$3" "$4" 20000
	wait_for '[ "$(relp_metric "logward_write_errors_total{output=\"archive\"}")" -ge 3 ]' 30 ||
	    fail "no failed archive writes within 30 s"
	RELP_HELD=$(relp_metric "logward_received_messages_total{input=\"lw_relp\",transport=\"$5\"}")
	[ "${RELP_HELD:-0}" -gt 0 ] || fail "nothing received while full: nothing tested"
}

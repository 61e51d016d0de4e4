# relp-lib.sh: shared by the RELP scenario tests; sourced after lib.sh.
#   relp_pki DIR          a CA, a server certificate for 127.0.0.1 and a
#                         client certificate (CN=relp-client.example.net)
#   rsyslog_check CONF    rsyslogd -N1 accepts CONF, else fail
#   relp_numbers INPUT TOKEN  print the numbers of the archived messages
#                         "TOKEN n" of INPUT, one a line, sorted
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

relp_numbers() {
	$EV values "$T/archive" message "observer.ingress.name=$1" "message~$2 " >"$T/values.out" 2>&1 ||
	    fail "ev values: $(cat "$T/values.out")"
	sed -n "s/.*$2 \([0-9]*\).*/\1/p" "$T/values.out" | sort -n
}

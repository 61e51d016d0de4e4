# tls-lib.sh: shared by the tls-* scenarios; sourced after lib.sh.
#   tls_self_signed DIR   DIR (made when absent) with server.key and
#                         server.crt: a P-256 certificate for localhost,
#                         signed by itself
#   tls_conf PORT PKI [SETTING ...]  the lines each of their configurations
#                         starts with: a TLS input on 127.0.0.1:PORT with
#                         PKI/server.crt and PKI/server.key, no client
#                         certificate asked, and the SETTINGs (one a line);
#                         the shipped rules, the archive in $T, one worker,
#                         no stats

tls_self_signed() {
	mkdir -p "$1"
	openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 30 \
	    -subj "/CN=localhost" -addext "subjectAltName=DNS:localhost" \
	    -keyout "$1/server.key" -out "$1/server.crt" >>"$1/openssl.log" 2>&1 ||
	    fail "openssl req failed: $(tail -n 3 "$1/openssl.log")"
}

tls_conf() {
	tls_port=$1 tls_pki=$2 tls_settings=""
	shift 2
	for s in "$@"; do
		tls_settings="$tls_settings	$s
"
	done
	cat <<CONF
input tls {
	transport = tls
	address = "127.0.0.1:$tls_port"
	certificate = "$tls_pki/server.crt"
	key = "$tls_pki/server.key"
	verify = none
${tls_settings}}
rules = "$top_srcdir/patterns"
archive { path = "$T/archive/events-%Y%m%d.jsonl" }
workers = 1
stats_interval = 0
CONF
}

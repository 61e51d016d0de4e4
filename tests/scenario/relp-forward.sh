#!/bin/sh
# relp-forward: a real rsyslogd, started by this test with its own config
# (imtcp on loopback only, no imuxsock or imklog), forwards what logger sends
# it to logward with omrelp, plain and over TLS with a client certificate.
# Every message is archived once, with network.protocol relp, its fields, and
# over TLS the client certificate's subject; the RELP metrics count them as
# acknowledged.
TEST_NAME=relp-forward
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/relp-lib.sh"

ports 4
set -- $PORTS
LW_RELP=$1 LW_RELPS=$2 RS_PORT=$3 METRICS=$4

# A CA, a server certificate for 127.0.0.1 and a client certificate.
relp_pki "$T/pki"

cat >"$T/logward.conf" <<CONF
input lw_relp { transport = relp  address = "127.0.0.1:$LW_RELP" }
input lw_relps {
	transport = relp-tls  address = "127.0.0.1:$LW_RELPS"
	certificate = "$T/pki/server.crt"  key = "$T/pki/server.key"
	ca = "$T/pki/ca.crt"  verify = peer
}
rules = "$top_srcdir/patterns"
archive { path = "$T/archive/events-%Y%m%d.jsonl" }
metrics { address = "127.0.0.1:$METRICS" }
workers = 2
stats_interval = 0
CONF
logward_start "$T/logward.conf"

mkdir -p "$T/rsyslog-work"
cat >"$T/rsyslog.conf" <<CONF
global(workDirectory="$T/rsyslog-work")
module(load="imtcp")
module(load="omrelp" tls.tlslib="openssl")
input(type="imtcp" address="127.0.0.1" port="$RS_PORT" ruleset="forward")
ruleset(name="forward") {
	action(type="omrelp" target="127.0.0.1" port="$LW_RELP"
	       template="RSYSLOG_SyslogProtocol23Format")
	action(type="omrelp" target="127.0.0.1" port="$LW_RELPS"
	       template="RSYSLOG_SyslogProtocol23Format" tls="on"
	       tls.cacert="$T/pki/ca.crt" tls.mycert="$T/pki/client.crt"
	       tls.myprivkey="$T/pki/client.key" tls.authmode="certvalid")
}
CONF
rsyslog_run "$T/rsyslog.conf" "$RS_PORT"

host=$(hostname)
tok=relp$$
N=200
logger --rfc5424 --tcp --octet-count -n 127.0.0.1 -P "$RS_PORT" -t myapp -p auth.warning \
    --id=4242 --msgid ID47 --sd-id exampleSDID@32473 --sd-param 'iut="3"' \
    "$tok-a hello world" || fail "logger (a) failed"
i=1
while [ $i -le $N ]; do echo "<14>$(date '+%b %e %H:%M:%S') $host numbered: $tok-n $i"; i=$((i + 1)); done |
    logger --tcp -n 127.0.0.1 -P "$RS_PORT" --skip-empty --prio-prefix --rfc3164 ||
    fail "logger (numbered) failed"

ev_wait $((N + 1)) 20 "message~$tok" observer.ingress.interface.name=lw_relp
note "RELP: $EV_WAIT_RESULT"
ev_wait $((N + 1)) 20 "message~$tok" observer.ingress.interface.name=lw_relps
note "RELP over TLS: $EV_WAIT_RESULT"

common="network.transport=tcp network.protocol=relp source.ip=127.0.0.1 source.port?
    log.syslog.hostname=$host error.message! tags[]!=_syslog_parse_failure"
# shellcheck disable=SC2086
ev_check "message~$tok-a" observer.ingress.interface.name=lw_relp -- $common \
    "message=$tok-a hello world" log.syslog.priority=36 log.syslog.appname=myapp \
    log.syslog.procid=4242 log.syslog.msgid=ID47 \
    log.syslog.structured_data.exampleSDID@32473.iut=3 tls.client.subject!
# shellcheck disable=SC2086
ev_check "message~$tok-a" observer.ingress.interface.name=lw_relps -- $common \
    "message=$tok-a hello world" log.syslog.priority=36 log.syslog.msgid=ID47 \
    "tls.client.subject~CN=relp-client.example.net" tls.version?

# every numbered message once on each input, none lost or doubled
for input in lw_relp lw_relps; do
	relp_numbers $input "$tok-n" >"$T/$input.msgs"
	got=$(uniq "$T/$input.msgs" | wc -l)
	all=$(wc -l <"$T/$input.msgs")
	[ "$got" -eq $N ] && [ "$all" -eq $N ] || fail "$input: $got distinct of $N, $all events"
done

status=$(http_get "http://127.0.0.1:$METRICS/metrics" "$T/metrics")
[ "$status" = 200 ] || fail "/metrics: $status"
for input in lw_relp lw_relps; do
	acked=$(prom "$T/metrics" "logward_relp_acknowledged_total{input=\"$input\"}")
	[ "$acked" = $((N + 1)) ] || fail "$input: $acked acknowledged, expected $((N + 1))"
done

kill -0 "$RS_PID" 2>/dev/null || fail "rsyslogd died: $(cat "$T/rsyslogd.err")"
end_process "$RS_PID"
logward_stop TERM
[ "$LOGWARD_STATUS" -eq 0 ] || fail "logward exited with status $LOGWARD_STATUS after TERM"
$EV valid "$T/archive" $((2 * N + 2)) >"$T/ev.out" || fail "archive: $(cat "$T/ev.out")"
note "PASS"

#!/bin/sh
# cli: the command line.  -V, -h; -t on a good configuration and on bad ones
# (each error names file:line); -T prints a configuration that loads again;
# --test-rules prints one valid JSON event per input line with the expected
# fields, the shadow-utils useradd rule included.
TEST_NAME=cli
. "$(dirname "$0")/lib.sh"

[ -x "$LOGWARD" ] || fail "no daemon at LOGWARD=$LOGWARD"
run() {
	"$LOGWARD" "$@" >"$T/out" 2>"$T/err"
	RC=$?
}
show() {
	echo "stdout: $(head -c 2000 "$T/out")"
	echo "stderr: $(head -c 2000 "$T/err")"
}

# -V, -h, a bad option
run -V
[ $RC -eq 0 ] || fail "-V: exit $RC"
grep -Eq '^logward [0-9]+\.[0-9]+' "$T/out" || fail "-V: $(show)"
run --version
[ $RC -eq 0 ] && grep -q '^logward ' "$T/out" || fail "--version: exit $RC, $(show)"
run -h
[ $RC -eq 0 ] || fail "-h: exit $RC"
for word in usage: -f -t -T -V --test-rules; do
	grep -q -- "$word" "$T/out" || fail "-h does not mention $word: $(show)"
done
run --no-such-option
[ $RC -ne 0 ] || fail "an unknown option exited 0"
grep -q usage "$T/err" || fail "an unknown option gives no usage on stderr: $(show)"

# -t on a good configuration
cat >"$T/good.conf" <<CONF
# a comment
input lan_udp { transport = udp  address = "127.0.0.1:5514" }
input lan_tcp { transport = tcp  address = "127.0.0.1:5514"  max_message_size = 65536
                max_connections = 1000  idle_timeout = 600 }
input v6 { transport = tcp  address = "[::1]:5515" }
rules = "$top_srcdir/patterns"
archive { path = "$T/archive/events-%Y%m%d.jsonl" }
workers = 2
stats_interval = 0
CONF
cp "$T/good.conf" "$T/noroot.conf"
root_ok "$T/good.conf"
run -t -f "$T/good.conf"
[ $RC -eq 0 ] || fail "-t on a good configuration: exit $RC, $(show)"

# -t runs the checks start-up runs (startup.h): what would not start fails -t
if [ "$(id -u)" -eq 0 ]; then
	# as root without user = or run_as_root = yes, start-up refuses
	run -t -f "$T/noroot.conf"
	[ $RC -eq 1 ] || fail "-t as root without user: exit $RC (expected 1), $(show)"
	grep -q "error: .*noroot.conf: refusing to run as root" "$T/err" || fail "-t as root: $(show)"
	note "-t as root without user or run_as_root: refused as start-up refuses"
fi
{ cat "$T/noroot.conf"; echo 'user = "no-such-user-lw"'; } >"$T/nouser.conf"
run -t -f "$T/nouser.conf"
[ $RC -eq 1 ] || fail "-t with a user that does not exist: exit $RC (expected 1), $(show)"
grep -q 'no-such-user-lw' "$T/err" || fail "-t with a missing user does not name it: $(show)"
# rules without one detection: accepted, loudly (it would never alert)
mkdir -p "$T/nodet"
cp "$top_srcdir/patterns/linux-shadow-utils.rulebase" "$T/nodet/"
sed "s|^rules = .*|rules = \"$T/nodet\"|" "$T/good.conf" >"$T/nodet.conf"
run -t -f "$T/nodet.conf"
[ $RC -eq 0 ] || fail "-t with rules but no detections: exit $RC, $(show)"
grep -q "warning: rules $T/nodet: no detections: logward would archive every message and never raise an alert" \
    "$T/err" || fail "-t says nothing of a rule set without detections: $(show)"
grep -q " 0 detections (0 files) OK" "$T/out" || fail "-t with no detections: $(show)"
note "-t: a missing user refused, a rule set without detections accepted with a warning"
# the correlate baseline, which start-up reads: a bad line fails -t at its file:line
printf '* sudo alice\nweb1 only-two-fields\n' >"$T/bad.baseline"
{ cat "$T/good.conf"; echo "correlate { baseline = \"$T/bad.baseline\" }"; } >"$T/baseline.conf"
run -t -f "$T/baseline.conf"
[ $RC -eq 1 ] || fail "-t with a bad correlate baseline: exit $RC (expected 1), $(show)"
grep -q "bad.baseline:2" "$T/err" || fail "-t does not say where the baseline is bad: $(show)"
note "-t: a bad correlate baseline refused at $(sed -n 's/.*\(bad.baseline:[0-9]*\).*/\1/p' "$T/err")"

# metrics beyond loopback: -t says so (and still accepts it); loopback: silent
for addr in '*:9514' '0.0.0.0:9514' '192.0.2.1:9514' '127.0.0.1:9514' '[::1]:9514'; do
	{ cat "$T/good.conf"; echo "metrics { address = \"$addr\" }"; } >"$T/metrics.conf"
	run -t -f "$T/metrics.conf"
	[ $RC -eq 0 ] || fail "-t with metrics at $addr: exit $RC, $(show)"
	case $addr in
	127.* | '[::1]'*)
		! grep -q "not loopback" "$T/err" || fail "-t warns about metrics at $addr: $(show)" ;;
	*)
		grep -qF "metrics: address \"$addr\" is not loopback" "$T/err" ||
		    fail "-t says nothing of metrics exposed at $addr: $(show)" ;;
	esac
done

# -t on bad configurations: exit 1, and stderr says file:line
bad() {
	# bad NAME LINE TEXT: TEXT is the file; the error must name line LINE
	printf '%s\n' "$3" >"$T/$1.conf"
	run -t -f "$T/$1.conf"
	[ $RC -eq 1 ] || fail "-t on $1.conf: exit $RC (expected 1), $(show)"
	grep -q "$T/$1.conf:$2:" "$T/err" ||
	    fail "-t on $1.conf: stderr does not say $1.conf:$2: $(show)"
	note "$1.conf: $(head -n 1 "$T/err")"
}
hdr='input t { transport = tcp  address = "127.0.0.1:5514" }
archive { path = "/tmp/x/events.jsonl" }'
bad unknown-key 3 "$hdr
frobnicate = 3"
bad unknown-input-key 3 "$hdr
input u { transport = udp  address = \"127.0.0.1:5516\"  colour = blue }"
bad bad-transport 5 "$hdr

input u {
	transport = pigeon
	address = \"127.0.0.1:5516\"
}"
bad bad-number 3 "$hdr
workers = many"
bad bad-size 3 "$hdr
input u { transport = tcp  address = \"127.0.0.1:5516\"  max_message_size = -5 }"
bad bad-port 3 "$hdr
input u { transport = udp  address = \"127.0.0.1:99999\" }"
bad bad-host 3 "$hdr
input u { transport = udp  address = \"300.1.2.3:514\" }"
bad no-port 3 "$hdr
input u { transport = udp  address = \"127.0.0.1\" }"
bad syntax 3 "$hdr
input u { transport = udp"
bad duplicate-input 3 "$hdr
input t { transport = udp  address = \"127.0.0.1:5517\" }"

# -t with a missing rulebase fails too
sed "s|^rules = .*|rules = \"$T/no-such-rules\"|" "$T/good.conf" >"$T/norules.conf"
run -t -f "$T/norules.conf"
[ $RC -eq 1 ] || fail "-t with a missing rules directory: exit $RC, $(show)"
# ... said at the file and line that set rules, also from an included file
line=$(grep -n '^rules = ' "$T/norules.conf" | cut -d: -f1)
grep -q "error: $T/norules.conf:$line: rules \"$T/no-such-rules\": No such file or directory" \
    "$T/err" || fail "-t with a missing rules directory: not at its file:line: $(show)"
grep '^rules = ' "$T/norules.conf" >"$T/rules.inc"
{ grep -v '^rules = ' "$T/norules.conf"; echo "include(\"$T/rules.inc\")"; } >"$T/incrules.conf"
run -t -f "$T/incrules.conf"
[ $RC -eq 1 ] && grep -q "error: $T/rules.inc:1: rules \"$T/no-such-rules\": No such file" "$T/err" ||
	fail "-t with a missing rules directory set in an include: exit $RC, $(show)"

# -t checks each webhook's secret_file and ca_file, at the webhook block's file:line
n=$(($(wc -l <"$T/good.conf") + 2))
: >"$T/empty.secret"
chmod 600 "$T/empty.secret"
printf 'a-secret-of-sixteen-bytes-or-more\n' >"$T/good.secret"
chmod 600 "$T/good.secret"
cp "$T/good.secret" "$T/open.secret"
chmod 644 "$T/open.secret"
printf 'not really a CA\n' >"$T/ca.crt"
hook() {
	# hook NAME WANT ATTRIBUTES: -t fails at the block's line and stderr says WANT
	{ cat "$T/good.conf"; printf '\nwebhook soc {\n url = "https://h.example/"\n %s }\n' "$3"; } \
	    >"$T/$1.conf"
	run -t -f "$T/$1.conf"
	[ $RC -eq 1 ] || fail "-t on $1.conf: exit $RC (expected 1), $(show)"
	grep -q "$T/$1.conf:$n: webhook soc: .*$2" "$T/err" ||
	    fail "-t on $1.conf: stderr does not say $1.conf:$n: ... $2: $(show)"
	note "$1.conf: $(head -n 1 "$T/err")"
}
hook secret-missing "No such file" "secret_file = \"$T/nope.secret\""
hook secret-empty "empty secret" "secret_file = \"$T/empty.secret\""
hook secret-open "not be accessible to others" "secret_file = \"$T/open.secret\""
hook ca-missing "ca_file $T/nope.crt: No such file" "ca_file = \"$T/nope.crt\""
hook ca-directory "not a regular file" "ca_file = \"$T\""
{ cat "$T/good.conf"; printf 'webhook soc { url = "https://h.example/"\n secret_file = "%s"  ca_file = "%s" }\n' \
    "$T/good.secret" "$T/ca.crt"; } >"$T/hook-ok.conf"
run -t -f "$T/hook-ok.conf"
[ $RC -eq 0 ] || fail "-t with readable webhook files: exit $RC, $(show)"

# -T prints the effective configuration; it loads again and dumps the same
run -T -f "$T/good.conf"
[ $RC -eq 0 ] || fail "-T: exit $RC, $(show)"
cp "$T/out" "$T/dump1.conf"
for want in lan_udp lan_tcp v6 '127.0.0.1:5514' '\[::1\]:5515' max_message_size \
    max_connections idle_timeout workers; do
	grep -q -- "$want" "$T/dump1.conf" || fail "-T output lacks $want: $(cat "$T/dump1.conf")"
done
run -t -f "$T/dump1.conf"
[ $RC -eq 0 ] || fail "-t on the -T output: exit $RC, $(show)"
run -T -f "$T/dump1.conf"
cmp -s "$T/out" "$T/dump1.conf" ||
    fail "-T of the -T output differs: $(diff "$T/dump1.conf" "$T/out" | head -20)"

# --test-rules: one JSON event per line, in order
{
	echo '<38>1 2026-11-27T10:00:00.123456Z host1 sshd 4242 ID1 [ex@32473 a="1" b="x\"y"] hello 5424'
	echo '<86>Nov 27 10:00:00 host2 useradd[1234]: new user: name=bob, UID=1001, GID=1001, home=/home/bob, shell=/bin/bash, from=/dev/pts/0'
	echo '<13>Nov 27 10:00:00 host3 app: plain message'
	echo '<999>bad pri'
	printf '<13>Nov 27 10:00:00 host4 app: caf\351 \001 "quoted" back\\slash\n'
	printf '<14>1 2026-11-27T10:00:00Z host5 app - - - crlf line\r\n'
} >"$T/lines.log"
check_test_rules() {
	$EV valid "$T/out" >"$T/ev.out" || fail "--test-rules $1: $(cat "$T/ev.out")"
	# one event per message; alerts (event.kind "alert") follow their event
	[ "$($EV count "$T/out" event.kind=event)" = 6 ] ||
	    fail "--test-rules $1: $($EV count "$T/out" event.kind=event) events, expected 6"
	tr_check() {
		$EV check "$T/out" "$@" >"$T/ev.out" 2>&1 || fail "--test-rules $1: $(cat "$T/ev.out")"
	}
	tr_check "log.syslog.hostname=host1" -- log.syslog.priority=38 log.syslog.version=1 \
	    log.syslog.appname=sshd log.syslog.procid=4242 log.syslog.msgid=ID1 \
	    log.syslog.structured_data.ex@32473.a=1 'log.syslog.structured_data.ex@32473.b=x"y' \
	    "message=hello 5424" "@timestamp^2026-11-27T10:00:00.123456" \
	    log.syslog.facility.name=auth log.syslog.severity.name=info
	tr_check "log.syslog.hostname=host2" -- tags[]=iam.user.create user.target.name=bob \
	    user.target.id=1001 log.syslog.appname=useradd log.syslog.procid=1234 \
	    log.syslog.priority=86 log.syslog.facility.name=authpriv 'event.category[]=iam' \
	    "message^new user: name=bob"
	tr_check "log.syslog.hostname=host3" -- "message=plain message" log.syslog.appname=app \
	    tags[]!=iam.user.create tags[]!=_syslog_parse_failure
	tr_check "event.original=<999>bad pri" -- tags[]=_syslog_parse_failure error.message?
	tr_check "log.syslog.hostname=host4" -- "message^caf" 'message~ "quoted" back\slash'
	tr_check "log.syslog.hostname=host5" -- "message=crlf line"
	# in input order
	$EV values "$T/out" log.syslog.hostname event.kind=event | sed -n '1,3p;5,6p' | tr -d '"\n' >"$T/order"
	[ "$(cat "$T/order")" = host1host2host3host4host5 ] ||
	    fail "--test-rules $1: events out of order: $(cat "$T/order")"
}
run -f "$T/good.conf" --test-rules "$T/lines.log"
[ $RC -eq 0 ] || fail "--test-rules FILE: exit $RC, $(show)"
check_test_rules "FILE with -f"
run --rules "$top_srcdir/patterns" --test-rules "$T/lines.log"
[ $RC -eq 0 ] || fail "--rules --test-rules FILE: exit $RC, $(show)"
check_test_rules "FILE with --rules"
"$LOGWARD" --rules "$top_srcdir/patterns" --test-rules <"$T/lines.log" >"$T/out" 2>"$T/err" ||
    fail "--test-rules on stdin: exit $?, $(show)"
check_test_rules "stdin"
note "PASS"

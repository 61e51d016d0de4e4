#!/bin/sh
# file-modes: a configuration file, rules, state or spool directory that
# anyone on the host may change, and a TLS key anyone may read, each get a
# warning naming the path, from -t and at start; logward still starts
# (OpenSSH refuses such files; logward says so and goes on; a webhook
# secret_file open to others is refused, as before: cli.sh).
# A private set-up gets none (the check that the test can fail both ways).
TEST_NAME=file-modes
. "$(dirname "$0")/lib.sh"

ports 3
set -- $PORTS
P=$1 PS=$2 PH=$3
umask 022
mkdir -p "$T/etc" "$T/state" "$T/spool"
cp -R "$top_srcdir/patterns" "$T/rules"
chmod -R go-w "$T/rules"
chmod 0700 "$T/state" "$T/spool"
printf 'not a real secret\n' >"$T/etc/hook.secret"
chmod 0600 "$T/etc/hook.secret"
openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=localhost \
    -keyout "$T/etc/server.key" -out "$T/etc/server.crt" >"$T/openssl.out" 2>&1 ||
    fail "openssl: $(cat "$T/openssl.out")"
chmod 0600 "$T/etc/server.key"
cat >"$T/etc/logward.conf" <<CONF
input t { transport = tcp  address = "127.0.0.1:$P" }
input s { transport = tls  address = "127.0.0.1:$PS"
          certificate = "$T/etc/server.crt"  key = "$T/etc/server.key"  verify = none }
rules = "$T/rules"
archive { path = "$T/archive/events-%Y%m%d.jsonl" }
alerts { path = "$T/alerts.jsonl" }
correlate { state_dir = "$T/state" }
spool = "$T/spool"
webhook soc { url = "http://127.0.0.1:$PH/hook"  secret_file = "$T/etc/hook.secret" }
workers = 1
stats_interval = 0
run_as_root = yes
CONF
chmod 0644 "$T/etc/logward.conf"

# check_t EXPECTED PATTERN...: -t exits 0 with EXPECTED warnings, each pattern among them
check_t() {
	want=$1
	shift
	"$LOGWARD" -t -f "$T/etc/logward.conf" >"$T/t.out" 2>"$T/t.err" ||
	    fail "-t: exit $?: $(cat "$T/t.err")"
	n=$(grep -c "is world-" "$T/t.err")
	[ "$n" -eq "$want" ] || fail "-t gave $n warnings, expected $want: $(cat "$T/t.err")"
	for pat in "$@"; do
		grep -qF -- "$pat" "$T/t.err" || fail "-t does not say '$pat': $(cat "$T/t.err")"
	done
}

check_t 0
chmod o+w "$T/etc/logward.conf"
check_t 1 "configuration file $T/etc/logward.conf is world-writable (mode 0646)"
chmod o+w "$T/etc"
check_t 2 "configuration directory $T/etc is world-writable"
chmod o-w "$T/etc/logward.conf" "$T/etc"
chmod o+w "$T/rules" "$T/rules/linux-sudo.rulebase"
check_t 2 "rules directory $T/rules is world-writable" \
    "rules file $T/rules/linux-sudo.rulebase is world-writable"
chmod o-w "$T/rules" "$T/rules/linux-sudo.rulebase"
chmod 0777 "$T/state"
chmod 1777 "$T/spool"
check_t 2 "correlate state_dir $T/state is world-writable" \
    "spool directory $T/spool is world-writable (mode 1777)"
chmod 0700 "$T/state" "$T/spool"
chmod 0644 "$T/etc/server.key"
check_t 1 "TLS key $T/etc/server.key is world-readable"

# at start: the same warnings in the log, and logward runs
chmod o+w "$T/etc/logward.conf"
logward_start "$T/etc/logward.conf"
for pat in "configuration file $T/etc/logward.conf is world-writable" \
    "TLS key $T/etc/server.key is world-readable"; do
	grep -qF -- "$pat" "$T/logward.err" || fail "no warning at start: '$pat'"
done
logward_stop TERM
[ "$LOGWARD_STATUS" -eq 0 ] || fail "exit status $LOGWARD_STATUS after TERM"
note "ok: 7 kinds of path warned about, by -t and at start"

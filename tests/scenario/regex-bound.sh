#!/bin/sh
# regex-bound: a detections file whose regex would make glibc's regcomp
# take gigabytes ("ab++...+c": stacked quantifiers, each doubling its
# parse tree) is refused before regcomp, fast, at its file:line with the
# reason: by `logward -t`, at start-up, and by a SIGHUP reload, after which
# the daemon runs on with its previous rules.  The address space is capped
# (unless sanitized) only so that a regression fails here instead of taking
# the machine; the expected message is ours, not regcomp's "Memory
# exhausted".
TEST_NAME=regex-bound
. "$(dirname "$0")/lib.sh"

[ "${LOGWARD_SANITIZED:-no}" = yes ] || ulimit -v 2000000

ports 1
P=$PORTS
repro='ab++++++++++++++++++++++++++c'
mkdir -p "$T/good" "$T/bad"
cp "$top_srcdir/patterns/linux-shadow-utils.rulebase" \
    "$top_srcdir/patterns/linux-shadow-utils.detections" \
    "$T/good/"
cp "$T/good/"* "$T/bad/"
# a native detection whose one condition is the reproducer, at line 12
cat >"$T/bad/repro.detections" <<EOF
technique T1136 {
	name = "Create Account"
	tactic = "TA0003"
	tactic_name = "Persistence"
}

detection repro {
	title = "stacked quantifiers"
	technique = "T1136"
	severity = low
	tags = { "x" }
	when = { "user.target.name regex '$repro'" }
}
EOF
want="$T/bad/repro.detections:12: detection repro: when \"user.target.name regex '$repro'\": bad regex '$repro': a quantifier right after another (\"++\" at byte 2)"

conf() {
	cat >"$T/next.conf" <<CONF
input tcp { transport = tcp  address = "127.0.0.1:$P" }
rules = "$1"
archive { path = "$T/archive/events-%Y%m%d.jsonl" }
alerts { path = "$T/alerts.jsonl" }
workers = 1
stats_interval = 0
CONF
	root_ok "$T/next.conf"
	mv "$T/next.conf" "$T/logward.conf"
}

# -t: refused at once (timeout: a regression must not hang the suite)
conf "$T/bad"
timeout 30 "$LOGWARD" -t -f "$T/logward.conf" >"$T/t.out" 2>"$T/t.err"
rc=$?
[ $rc -eq 1 ] || fail "-t with the reproducer: exit $rc (expected 1): $(head -c 1000 "$T/t.err")"
grep -qF "$want" "$T/t.err" || fail "-t does not say where and why: $(head -c 1000 "$T/t.err")"
! grep -q "Memory exhausted" "$T/t.err" || fail "-t reached regcomp: $(head -c 1000 "$T/t.err")"
note "-t: $(grep -o 'repro.detections:12:.*byte 2)' "$T/t.err")"

# a reload onto the reproducer fails, logs the same, and changes nothing
conf "$T/good"
logward_start "$T/logward.conf"
conf "$T/bad"
kill -HUP "$LOGWARD_PID"
wait_for 'grep -q "reload failed" "$T/logward.err"' 30 || fail "no reload outcome within 30 s"
logward_alive || fail "logward died on the reload"
grep -qF "$want" "$T/logward.err" || fail "the failed reload does not say where and why"
conf "$T/good"
kill -HUP "$LOGWARD_PID"
wait_for 'grep -q "reloaded" "$T/logward.err"' 30 || fail "the good reload after it did not happen"
logward_stop
[ "$LOGWARD_STATUS" -eq 0 ] || fail "logward exited with $LOGWARD_STATUS"
note "SIGHUP onto the reproducer refused with file:line, the daemon ran on"

#!/bin/sh
# regex-time: what a regex may cost over a sender's message is linear in
# its length.  glibc tries an unanchored pattern from each place in the
# text, so "[a-z]+b" over 64 KB of 'a' took seconds of CPU a message
# (growing with the square of the length) before regex_shared.c asked it
# only for anchored passes.  A detection with such a condition, a
# target_pattern and a redact pattern gets eight hostile messages (one
# worker), then one that matches all three after 64 KB of 'a', then an
# ordinary line: every one is archived, the alert names the account the
# target_pattern captured, and /metrics answers.  The waits are the
# suite's usual bounds, not timings: before the fix the eight took minutes.
TEST_NAME=regex-time
. "$(dirname "$0")/lib.sh"

ports 2
set -- $PORTS
P=$1 MP=$2
mkdir -p "$T/rules"
cat >"$T/rules/probe.rulebase" <<'EOF2'
version=2
rule=test.probe:probe %process.command_line:rest%
EOF2
cat >"$T/rules/probe.detections" <<'EOF2'
technique T1059 {
	name = "Command and Scripting Interpreter"
	tactic = "TA0002"
	tactic_name = "Execution"
}

detection probe-regex {
	title = "regexes over a sender's text"
	technique = "T1059"
	severity = low
	tags = { "test.probe" }
	when = { "process.command_line regex '[a-z]+b'" }
	target = "process.command_line"
	target_pattern = "([a-z]+)c$"
}

redact = { "[a-z]+q" }
EOF2
cat >"$T/logward.conf" <<CONF
input tcp { transport = tcp  address = "127.0.0.1:$P" }
rules = "$T/rules"
archive { path = "$T/archive/events.jsonl" }
alerts { path = "$T/alerts.jsonl" }
metrics { address = "127.0.0.1:$MP" }
spool = "$T/spool"
workers = 1
stats_interval = 0
CONF
root_ok "$T/logward.conf"
"$LOGWARD" -t -f "$T/logward.conf" >"$T/t.out" 2>&1 || fail "-t: $(cat "$T/t.out")"

# eight of 64,000 'a' (no match anywhere), one that ends ".xb zc" (all
# three match), then an ordinary line; each within max_message_size
$PY - "$T/lines" <<'PY'
import sys
a = "a" * 64000
with open(sys.argv[1], "w") as f:
    for i in range(8):
        f.write("<13>Dec  8 01:00:0%d h1 app: probe %s\n" % (i, a))
    f.write("<13>Dec  8 01:00:08 h1 app: probe %s.xb zc\n" % a)
    f.write("<13>Dec  8 01:00:09 h1 app: after the hostile ones\n")
PY
logward_start "$T/logward.conf"
$PEER --timeout 60 tcpfile 127.0.0.1 "$P" "$T/lines" >"$T/peer.out" 2>&1 ||
	fail "sender failed: $(cat "$T/peer.out")"
$EV wait "$T/archive" 10 60 >/dev/null ||
	fail "not all 10 messages archived: $($EV count "$T/archive" 2>&1)"
$EV wait "$T/archive" 1 10 "message~after the hostile ones" >/dev/null ||
	fail "the ordinary line after the hostile ones is not archived"
wait_for '[ -s "$T/alerts.jsonl" ]' 10 || fail "no alert for the matching message"
n=$(grep -c . "$T/alerts.jsonl")
[ "$n" -eq 1 ] || fail "$n alerts, not 1 (only the message ending \".xb zc\" matches)"
$PY - "$T/alerts.jsonl" <<'PY' || fail "the alert: $(head -c 600 "$T/alerts.jsonl")"
import json, sys
a = json.loads(open(sys.argv[1]).readline())
assert a["rule"]["id"] == "probe-regex", a["rule"]
assert a["user"]["target"]["name"] == "z", a["user"]
PY
[ "$(http_get "http://127.0.0.1:$MP/metrics" "$T/metrics.txt")" = 200 ] ||
	fail "/metrics does not answer"
logward_alive || fail "logward died"
logward_stop
[ "$LOGWARD_STATUS" -eq 0 ] || fail "logward exited with $LOGWARD_STATUS"
note "8 hostile messages of 64 KB, a matching one and an ordinary line archived; the alert's account captured; /metrics answers"

#!/bin/sh
# webhook-replay: every alert in the alerts file reaches the webhook after a
# restart (issue 13 point 5): the spool takes at start-up what the alerts
# file holds beyond its mark and it never took.
#  1. alerts refused by a full spool (max_spool_bytes) while the receiver
#     is down, then SIGKILL: after the restart each arrives exactly once;
#  2. the hand-over lost (alert lines in the alerts file that delivery never
#     got: what a SIGKILL between the two leaves), plus a damaged line: each
#     alert arrives exactly once, the damaged line is reported with
#     file:offset and counted, nothing delivered before comes again;
#  3. SIGKILL in the middle of a flood: every alert in the alerts file
#     arrives; only requests in flight at the kill (at most 4) may repeat.
TEST_NAME=webhook-replay
. "$(dirname "$0")/lib.sh"
. "$SCENARIO_DIR/webhook-lib.sh"

ports 3
set -- $PORTS
P=$1 RP=$2 MP=$3
{ webhook_conf "$P"; cat <<CONF
metrics { address = "127.0.0.1:$MP" }
max_spool_bytes = 8192
webhook soc { url = "http://127.0.0.1:$RP/hook"  retry_min = 0.1  retry_max = 0.5 }
CONF
} >"$T/logward.conf"
# send FIRST N: N useradd lines, accounts uFIRST.. (one alert each, none folded)
send() { send_useradd "$P" "$1" "$2"; }
in_file() { grep -c '"kind":"alert"' "$T/alerts.jsonl"; }
# check MAXDUP: "file received duplicates missing" (alerts by account name)
check() {
	$PY - "$T/alerts.jsonl" "$T/recv.jsonl" <<'PYEOF'
import collections, json, sys
want = set()
for line in open(sys.argv[1]):
    try:
        want.add(json.loads(line)["user"]["target"]["name"])
    except ValueError:
        pass
got = collections.Counter()
try:
    for line in open(sys.argv[2]):
        r = json.loads(line)
        if r["status"] // 100 == 2:
            got[r["body"]["data"]["user"]["target"]["name"]] += 1
except FileNotFoundError:
    pass
print(len(want), len(got), sum(c - 1 for c in got.values()), len(want - set(got)))
PYEOF
}
all_there() { check | { read -r f r _ m; [ "$m" -eq 0 ] && [ "$r" -eq "$f" ]; }; }
recv_start() {
	bg_start recv $RECV serve --port "$RP" --port-file "$T/recv.port" --out "$T/recv.jsonl" \
	    --max-seconds 120
	RECV_PID=$BG_LAST
	wait_for '[ -s "$T/recv.port" ]' 10 || fail "receiver did not start"
}

# 1. refused by the full spool, receiver down, SIGKILL
logward_start "$T/logward.conf"
send 0 100
wait_for '[ "$(in_file)" -eq 100 ]' 20 || fail "the alerts file holds $(in_file) alerts, not 100"
wait_for '[ "$(metric logward_webhook_refused_total webhook=soc reason=spool_full)" -gt 50 ]' 10 ||
	fail "refusals not counted by reason: $(metric logward_webhook_refused_total webhook=soc reason=spool_full)"
logward_stop KILL
recv_start
logward_start "$T/logward.conf"
wait_for all_there 30 || fail "after the restart: $(check) (alerts file, received, duplicates, missing)"
sleep 0.5
set -- $(check)
[ "$3" -eq 0 ] || fail "step 1: $3 alerts delivered twice"
note "step 1: 100 alerts, $(metric logward_webhook_replayed_total webhook=soc) queued from the alerts file after the restart; $(check)"

# 2. the hand-over lost: alert lines in the alerts file delivery never got
logward_stop TERM
[ "$LOGWARD_STATUS" -eq 0 ] || fail "logward exited with status $LOGWARD_STATUS"
$PY - "$T/alerts.jsonl" <<'PYEOF'
import json, sys
lines = open(sys.argv[1]).read().splitlines()
proto = json.loads(lines[-1])
with open(sys.argv[1], "a") as f:
    f.write("{damaged line, not an alert\n")
    for i in range(50):
        proto["user"]["target"]["name"] = "lost%02d" % i
        f.write(json.dumps(proto, separators=(",", ":")) + "\n")
PYEOF
damaged_at=$(($(wc -c <"$T/alerts.jsonl") - $(tail -n 51 "$T/alerts.jsonl" | wc -c)))
logward_start "$T/logward.conf"
wait_for all_there 30 || fail "lost hand-overs: $(check)"
sleep 0.5
set -- $(check)
[ "$1" -eq 150 ] && [ "$3" -eq 0 ] || fail "step 2: $(check)"
grep -q "alerts.jsonl:$damaged_at: not an alert line: skipped" "$T/logward.err" ||
	fail "the damaged line is not reported at alerts.jsonl:$damaged_at"
[ "$(metric logward_webhook_replay_damaged_total webhook=soc)" = 1 ] || fail "damaged line not counted"
note "step 2: 50 lost hand-overs delivered once, damaged line reported at offset $damaged_at"

# 3. SIGKILL in the middle of a flood
send 1000 2000
wait_for '[ "$(in_file)" -ge 600 ]' 20 || fail "the flood did not start"
logward_stop KILL
killed_with=$(in_file)
logward_start "$T/logward.conf"
wait_for all_there 60 || fail "after SIGKILL in a flood: $(check)"
sleep 0.5
set -- $(check)
note "step 3: killed with $killed_with alerts in the file: $(check) (alerts file, received, duplicates, missing)"
[ "$4" -eq 0 ] || fail "step 3: $4 alerts of the alerts file never delivered"
[ "$3" -le 4 ] || fail "step 3: $3 duplicates (more than the 4 requests in flight)"
logward_stop TERM
[ "$LOGWARD_STATUS" -eq 0 ] || fail "logward exited with status $LOGWARD_STATUS"
note "ok"

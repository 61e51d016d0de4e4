#!/bin/sh
# webhook-fail: what a receiver can answer, and the teams format.
#  - an unknown host (a .invalid name, RFC 6761): a clear error logged once,
#    retried (counted in /metrics), no hang, no crash; the alerts stay spooled.
#  - a receiver answering 404: each alert goes to NAME.dead with the status
#    and the response, logged once; nothing is left in the spool.
#  - format = teams: the receiver parses a message with an Adaptive Card
#    whose facts carry the accounts, a crafted one escaped.
#  - a receiver that takes the connections and never answers: SIGTERM still
#    ends logward (requests in flight get DELIVER_STOP_GRACE_MS, 2 s, to be
#    answered), and its alerts stay spooled for the next run.
#  /metrics agrees with what the receivers saw.
TEST_NAME=webhook-fail
. "$(dirname "$0")/lib.sh"
. "$SCENARIO_DIR/webhook-lib.sh"

ports 5
set -- $PORTS
P=$1 RP=$2 TP=$3 MP=$4 SP=$5
bg_start silent $PY -c 'import socket, sys, time
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", int(sys.argv[1])))
s.listen(16)
s.settimeout(1)
open(sys.argv[2], "w").write("up")
held, end = [], time.time() + 120
while time.time() < end:
    try:
        held.append(s.accept()[0])  # read nothing, answer nothing
    except socket.timeout:
        pass' "$SP" "$T/silent.up"
bg_start recv404 $RECV serve --port "$RP" --port-file "$T/r404.port" --out "$T/r404.jsonl" \
    --fail 1000000 --fail-status 404 --max-seconds 120
bg_start recvteams $RECV serve --port "$TP" --port-file "$T/teams.port" --out "$T/teams.jsonl" \
    --max-seconds 120
wait_for '[ -s "$T/r404.port" ] && [ -s "$T/teams.port" ] && [ -s "$T/silent.up" ]' 10 ||
	fail "receivers did not start"
{ webhook_conf "$P"; cat <<CONF
storm_window = 0
metrics { address = "127.0.0.1:$MP" }
webhook nowhere { url = "http://logward-test.invalid:9/hook"  timeout = 5
	retry_min = 0.1  retry_max = 0.3 }
webhook reject { url = "http://127.0.0.1:$RP/hook"  retry_min = 0.1  retry_max = 0.3 }
webhook ms { url = "http://127.0.0.1:$TP/hook"  format = teams }
webhook silent { url = "http://127.0.0.1:$SP/hook"  timeout = 60 }
CONF
} >"$T/logward.conf"
logward_start "$T/logward.conf"
$PY - "$P" <<'PYEOF' || fail "sender failed"
import socket, sys
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=10)
for i, name in enumerate([b"fail0", b"fail1", b"x[click](http://e.example)"]):
    s.sendall(b"<86>Nov 27 10:00:00 web1 useradd[1]: new user: name=%s, UID=%d, "
              b"GID=100, home=/home/x, shell=/bin/bash\n" % (name, 4000 + i))
s.close()
PYEOF

# unknown host: retried, said once
wait_for '[ "$(metric logward_webhook_deliveries_total webhook=nowhere result=retried)" -ge 5 ]' 20 ||
	fail "unknown host not retried: $(metric logward_webhook_deliveries_total webhook=nowhere result=retried)"
n=$(grep -c "webhook nowhere: delivery failed" "$T/logward.err")
[ "$n" -eq 1 ] || fail "unknown host logged $n times, not once"
grep -q "webhook nowhere: delivery failed (.*resolve.*logward-test.invalid" "$T/logward.err" ||
	fail "no clear error for the unknown host"
[ "$(metric logward_webhook_spool_records webhook=nowhere)" = 3 ] || fail "nowhere: not 3 queued"
[ "$(metric logward_webhook_deliveries_total webhook=nowhere result=delivered)" = 0 ] ||
	fail "nowhere: a success"

# 404: dead letters with the response, logged once
wait_for '[ "$(wc -l <"$T/spool/reject.dead" 2>/dev/null)" = 3 ]' 10 || fail "not 3 dead letters"
# 0600 like the spool: alerts can hold secrets (issue 13 point 8)
[ "$(stat -c %a "$T/spool/reject.dead")" = 600 ] ||
	fail "NAME.dead is mode $(stat -c %a "$T/spool/reject.dead"), not 600"
$PY - "$T/spool/reject.dead" <<'PYEOF' || fail "dead letters: $(cat "$T/spool/reject.dead")"
import json, sys
names = set()
for line in open(sys.argv[1]):
    d = json.loads(line)
    assert d["webhook"] == "reject" and d["status"] == 404, d
    assert d["response"] == "ok", d["response"]
    assert d["error"] == "HTTP 404", d["error"]
    names.add(json.loads(d["alert"])["user"]["target"]["name"])
assert names == {"fail0", "fail1", "x[click](http://e.example)"}, names
PYEOF
n=$(grep -c "webhook reject: alert .* refused for good (HTTP 404)" "$T/logward.err")
[ "$n" -eq 1 ] || fail "the 404s were logged $n times, not once"
r=$(wc -l <"$T/r404.jsonl")
[ "$r" -eq 3 ] || fail "the 404 receiver got $r requests: a 404 was retried"
[ "$(metric logward_webhook_deliveries_total webhook=reject result=failed)" = "$r" ] ||
	fail "dead_letter metric != $r"
[ "$(metric logward_webhook_deliveries_total webhook=reject result=retried)" = 0 ] ||
	fail "a 404 was counted as a retry"
[ "$(metric logward_webhook_spool_records webhook=reject)" = 0 ] || fail "reject: queued"
[ "$(metric logward_webhook_spool_oldest_age_seconds webhook=reject)" = 0 ] ||
	fail "reject: an oldest undelivered age"

# teams
wait_for '[ "$(wc -l <"$T/teams.jsonl" 2>/dev/null)" = 3 ]' 10 || fail "teams: not 3 requests"
$PY - "$T/teams.jsonl" <<'PYEOF' || fail "teams bodies: $(head -c 3000 "$T/teams.jsonl")"
import json, sys
accounts = set()
for line in open(sys.argv[1]):
    b = json.loads(line)["body"]
    assert b["type"] == "message", b
    a = b["attachments"][0]
    assert a["contentType"] == "application/vnd.microsoft.card.adaptive", a
    card = a["content"]
    assert card["type"] == "AdaptiveCard" and card["version"] == "1.4", card
    assert card["body"][0]["type"] == "TextBlock" and "useradd" in card["body"][0]["text"]
    facts = {f["title"]: f["value"] for f in card["body"][1]["facts"]}
    assert facts["Host"] == "web1", facts
    assert facts["Technique"].startswith("T1136.001"), facts
    accounts.add(facts["Account"])
# the crafted name cannot form a link: [ ] ( ) escaped
assert accounts == {"fail0", "fail1", r"x\[click\]\(http://e.example\)"}, accounts
PYEOF
[ "$(metric logward_webhook_deliveries_total webhook=ms result=delivered)" = 3 ] ||
	fail "teams: success metric != 3"

logward_alive || fail "logward died"
[ "$(metric logward_webhook_spool_records webhook=silent)" = 3 ] || fail "silent: not 3 queued"
t0=$(date +%s.%N)
logward_stop TERM
[ "$LOGWARD_STATUS" -eq 0 ] || fail "logward exited with status $LOGWARD_STATUS"
note "SIGTERM with 3 requests unanswered: exited in $(awk -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }') s"
[ "$(wc -l <"$T/spool/silent.spool")" -eq 3 ] || fail "silent spool does not hold its 3 records"
[ ! -s "$T/spool/silent.ack" ] || fail "unanswered requests acknowledged: $(wc -c <"$T/spool/silent.ack")"
n=$(wc -l <"$T/spool/nowhere.spool")
[ "$n" -eq 3 ] || fail "nowhere spool holds $n records, not 3"
[ ! -s "$T/spool/reject.spool" ] || fail "reject spool not empty"
note "ok"

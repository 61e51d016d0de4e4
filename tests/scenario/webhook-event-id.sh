#!/bin/sh
# webhook-event-id: every alert has one event.id (issue 19, "Alerts as an
# analyst needs them"), the same in the alerts file and in every webhook
# body, and each webhook's Standard Webhooks webhook-id is derived from it
# (the first 32 hex digits of HMAC-SHA256(key = webhook name, event.id),
# computed here with Python's hmac):
#  1. two webhooks, "soc" (standard) up and "chat" (slack) down: soc gets
#     each alert with data.event.id and its derived webhook-id; chat's
#     alerts wait in its spool; SIGTERM;
#  2. restart with chat up: the alerts spooled before the restart arrive
#     with the webhook-id derived from their event.id (a spool replay keeps
#     it), the Slack text names the event.id; the new run's alerts get ids
#     of another run (unique across restarts).
TEST_NAME=webhook-event-id
. "$(dirname "$0")/lib.sh"
. "$SCENARIO_DIR/webhook-lib.sh"

ports 4
set -- $PORTS
P=$1 RA=$2 RB=$3 MP=$4
{ webhook_conf "$P"; cat <<CONF
metrics { address = "127.0.0.1:$MP" }
webhook soc { url = "http://127.0.0.1:$RA/hook"  retry_min = 0.1  retry_max = 0.5 }
webhook chat { url = "http://127.0.0.1:$RB/hook"  format = slack  retry_min = 0.1  retry_max = 0.5 }
CONF
} >"$T/logward.conf"
# send FIRST N: N useradd lines, accounts uFIRST.. (one alert each)
send() { send_useradd "$P" "$1" "$2"; }
in_file() { grep -c '"kind":"alert"' "$T/alerts.jsonl"; }
recv_start() { # NAME PORT
	bg_start "recv-$1" $RECV serve --port "$2" --port-file "$T/$1.port" --out "$T/$1.jsonl" \
	    --max-seconds 120
	wait_for "[ -s '$T/$1.port' ]" 10 || fail "receiver $1 did not start"
}
# check: "alerts soc_ok chat_ok" or a line saying what is wrong (exit 1)
check() {
	$PY - "$T/alerts.jsonl" "$T/soc.jsonl" "$T/chat.jsonl" <<'PYEOF'
import hashlib, hmac, json, os, re, sys
def derived(name, eid):
    return hmac.new(name.encode(), eid.encode(), hashlib.sha256).hexdigest()[:32]
ids = [json.loads(l)["event"]["id"] for l in open(sys.argv[1])]
bad = [i for i in ids if not re.fullmatch(r"[0-9a-f]{32}", i)]
if bad or len(set(ids)) != len(ids):
    print("event.id not 32 hex digits or not unique:", bad[:3], len(ids) - len(set(ids)))
    sys.exit(1)
def got(path):
    return [json.loads(l) for l in open(path)] if os.path.exists(path) else []
soc = {}
for r in got(sys.argv[2]):
    if r["status"] // 100 != 2:
        continue
    eid = r["body"]["data"]["event"]["id"]
    if r["id"] != derived("soc", eid):
        print("soc: webhook-id %s is not derived from event.id %s" % (r["id"], eid))
        sys.exit(1)
    soc[eid] = True
chat = {}
for r in got(sys.argv[3]):
    if r["status"] // 100 != 2:
        continue
    m = re.search(r"event ([0-9a-f]{32})", json.dumps(r["body"]))
    if m is None:
        print("chat: no event.id in the Slack body")
        sys.exit(1)
    if r["id"] != derived("chat", m.group(1)):
        print("chat: webhook-id %s is not derived from event.id %s" % (r["id"], m.group(1)))
        sys.exit(1)
    chat[m.group(1)] = True
unknown = (set(soc) | set(chat)) - set(ids)
if unknown:
    print("event.id received but not in the alerts file:", sorted(unknown)[:3])
    sys.exit(1)
print(len(ids), len(set(ids) & set(soc)), len(set(ids) & set(chat)))
PYEOF
}
all_at() { # N: every one of N alerts at both webhooks
	c=$(check) || return 1
	[ "$c" = "$1 $1 $1" ]
}

recv_start soc "$RA"
logward_start "$T/logward.conf"
send 0 20
wait_for '[ "$(in_file)" -eq 20 ]' 20 || fail "the alerts file holds $(in_file) alerts, not 20"
wait_for '[ "$(check | cut -d" " -f2)" = 20 ]' 20 || fail "step 1: $(check)"
[ "$(metric logward_webhook_spool_records webhook=chat)" = 20 ] ||
	fail "chat's spool holds $(metric logward_webhook_spool_records webhook=chat), not 20"
logward_stop TERM
[ "$LOGWARD_STATUS" -eq 0 ] || fail "logward exited with status $LOGWARD_STATUS"
note "step 1: $(check) (alerts file, at soc, at chat)"

recv_start chat "$RB"
logward_start "$T/logward.conf"
send 100 20
wait_for 'all_at 40' 30 || fail "step 2: $(check) (alerts file, at soc, at chat)"
runs=$($PY -c '
import json, sys
print(len({json.loads(l)["event"]["id"][:16] for l in open(sys.argv[1])}))' "$T/alerts.jsonl")
[ "$runs" = 2 ] || fail "the two runs' event.ids share $runs run prefixes, expected 2"
logward_stop TERM
[ "$LOGWARD_STATUS" -eq 0 ] || fail "logward exited with status $LOGWARD_STATUS"
note "step 2: $(check); chat's 20 spooled alerts replayed with derived webhook-ids; 2 runs"
note "ok"

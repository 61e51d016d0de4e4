#!/bin/sh
# webhook-retry: nothing is lost when the receiver is down, throttles or
# logward is killed.
#  1. receiver down (connection refused): alerts wait in the spool, logward
#     says why once; receiver up, answering 429 + Retry-After: 2 to its
#     first 3 requests: the next attempt waits >= 2 s (the backoff alone
#     would be <= 1 s), then every alert arrives, once.
#  2. SIGKILL in the middle of delivering a burst, restart: every alert
#     arrives with the id it was spooled with.  At-least-once: a request
#     the receiver answered 2xx just before the kill may come again (same
#     id); at most DELIVER_IN_FLIGHT (4) such duplicates.
TEST_NAME=webhook-retry
. "$(dirname "$0")/lib.sh"
. "$SCENARIO_DIR/webhook-lib.sh"

ports 2
set -- $PORTS
P=$1 RP=$2
printf 'whsec_%s\n' "$(head -c 32 /dev/urandom | base64 | tr -d '\n')" >"$T/secret"
chmod 600 "$T/secret"
{ webhook_conf "$P"; cat <<CONF
webhook soc { url = "http://127.0.0.1:$RP/hook"  secret_file = "$T/secret"
	retry_min = 0.2  retry_max = 1 }
CONF
} >"$T/logward.conf"

# send PREFIX N: N useradd lines for accounts PREFIX0..PREFIX(N-1), at once
send() {
	$PY - "$P" "$1" "$2" <<'PYEOF' || fail "sender failed"
import socket, sys
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=10)
p = sys.argv[2].encode()
s.sendall(b"".join(b"<86>Nov 27 10:00:00 web1 useradd[1]: new user: name=%s%d, UID=%d, "
                   b"GID=100, home=/home/x, shell=/bin/bash\n" % (p, i, 3000 + i)
                   for i in range(int(sys.argv[3]))))
s.close()
PYEOF
}
summary() {
	$RECV summary "$T/recv.jsonl" >"$T/summary.json"
	$PY -c "import json; s = json.load(open('$T/summary.json')); print($1)"
}

logward_start "$T/logward.conf"
send a 50
wait_for 'grep -q "webhook soc: delivery failed (.*refused\|webhook soc: delivery failed (.*connect" "$T/logward.err"' 10 ||
	fail "no clear error while the receiver is down"
wait_for '[ "$(wc -l <"$T/spool/soc.spool" 2>/dev/null)" = 50 ]' 10 || fail "50 alerts not spooled"
sleep 1
bg_start recv $RECV serve --port "$RP" --port-file "$T/recv.port" --out "$T/recv.jsonl" \
    --secret-file "$T/secret" --fail 3 --fail-status 429 --retry-after 2 --max-seconds 300
wait_for '[ "$(summary "s[\"ids\"]")" -ge 50 ]' 60 || fail "not every alert arrived: $(cat "$T/summary.json")"
$PY - "$T/recv.jsonl" <<'PYEOF' || fail "Retry-After not honoured"
import json, sys
reqs = [json.loads(l) for l in open(sys.argv[1])]
last429 = max(i for i, r in enumerate(reqs) if r["status"] == 429)
t429 = reqs[last429]["time"]
# requests already in flight with the 429 (up to 4 at once) arrive within ms of it
after = [r["time"] for r in reqs[last429 + 1:] if r["time"] - t429 > 0.1]
gap = min(after) - t429
assert gap >= 1.9, "next request %.2f s after a 429 with Retry-After: 2" % gap
PYEOF
[ "$(summary "s['bad_sig']")" = 0 ] || fail "bad signatures"
[ "$(summary "s['dup_ok']")" = 0 ] || fail "duplicates without a crash: $(cat "$T/summary.json")"
[ "$(summary "len(s['names'])")" = 50 ] || fail "accounts missing: $(cat "$T/summary.json")"
grep -q "webhook soc: delivering again" "$T/logward.err" || fail "recovery not logged"

# 2. SIGKILL mid-delivery.
send b 300
wait_for '[ "$(summary "len([n for n in s[\"names\"] if n.startswith(\"b\")])")" -ge 20 ]' 30 ||
	fail "delivery of the burst did not start"
logward_stop KILL
before=$(summary "len([n for n in s['names'] if n.startswith('b')])")
[ "$before" -lt 300 ] || note "all delivered before the kill (fast machine)"
logward_start "$T/logward.conf"
wait_for '[ "$(summary "len([n for n in s[\"names\"] if n.startswith(\"b\")])")" -ge 300 ]' 60 ||
	fail "not every alert arrived after the restart: $(cat "$T/summary.json")"
sleep 0.5
summary "s" >/dev/null
$PY - "$T/summary.json" <<'PYEOF' || fail "after the restart: $(cat "$T/summary.json")"
import json, sys
s = json.load(open(sys.argv[1]))
names = s["names"]
assert len(names) == len(set(names)) == 350, "each account once under one id (%d ids, %d names)" % (s["ids"], len(names))
assert s["ids"] == 350, "an alert got a new id on replay"
assert s["dup_ok"] <= 4, "%d duplicates (at most 4 in flight)" % s["dup_ok"]

PYEOF
note "killed with $before of 300 delivered; duplicate deliveries: $(summary "s['dup_ok']")"
logward_stop TERM
[ "$LOGWARD_STATUS" -eq 0 ] || fail "logward exited with status $LOGWARD_STATUS"
[ ! -s "$T/spool/soc.spool" ] || fail "spool not empty"
note "ok"

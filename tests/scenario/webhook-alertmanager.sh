#!/bin/sh
# webhook-alertmanager: format = alertmanager posts what Alertmanager's
# POST /api/v2/alerts accepts.  A real logward delivers a plain alert, a
# storm summary (count 4 in the annotations) and an alert whose account has
# quotes, backslashes, markup, non-ASCII and an invalid UTF-8 byte; every
# body received validates against definitions/postableAlerts of the pinned
# Alertmanager v2 OpenAPI spec (tests/data/alertmanager), and the account
# comes back exactly.  The same alerts sent with format = alertmanager-webhook
# (the outgoing webhook v4 message, the old meaning of "alertmanager") are
# all rejected by the same check: the validator can fail.
TEST_NAME=webhook-alertmanager
. "$(dirname "$0")/lib.sh"
. "$SCENARIO_DIR/webhook-lib.sh"
SPEC="$top_srcdir/tests/data/alertmanager/openapi.yaml"
CHECK="$PY $SCENARIO_DIR/alertmanager_schema.py"
$PY -c "import yaml, jsonschema" 2>/dev/null ||
	fail "python3-yaml and python3-jsonschema are needed (quickstart installs them)"

ports 1
P=$PORTS
for r in am v4; do
	bg_start "recv_$r" $RECV serve --port-file "$T/$r.port" --out "$T/$r.jsonl" \
	    --max-seconds 120
done
wait_for '[ -s "$T/am.port" ] && [ -s "$T/v4.port" ]' 10 || fail "receivers did not start"
# one account's alerts one after the other are one incident (alert-merge.sh): not here
{ webhook_conf "$P" | sed 's|^alerts {|alerts { merge_window = 0 |'; cat <<CONF
webhook am { url = "http://127.0.0.1:$(cat "$T/am.port")/api/v2/alerts"  format = alertmanager
	retry_min = 0.2  retry_max = 1  storm_window = 2 }
webhook v4 { url = "http://127.0.0.1:$(cat "$T/v4.port")/hook"  format = alertmanager-webhook
	retry_min = 0.2  retry_max = 1  storm_window = 2 }
CONF
} >"$T/logward.conf"
logward_start "$T/logward.conf"

# 5 alerts for "stormy" (one delivered, 4 folded), one for the odd account.
$PY - "$P" <<'PYEOF' || fail "sender failed"
import socket, sys
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=10)
line = b"<86>Nov 27 10:00:%02d web1 useradd[1]: new user: name=%s, UID=%d, GID=100, home=/home/x, shell=/bin/bash\n"
s.sendall(b"".join(line % (i, b"stormy", 3000 + i) for i in range(1, 6)))
s.sendall(line % (9, b'o"d\\\\d<&>\xc3\xa9\xe2\x98\x83\xff{}', 5))
s.close()
PYEOF

# what a receiver got: "plain=N summaries=C odd=N" (labels.account, annotations.count)
got() {
	$PY - "$T/$1.jsonl" "$1" <<'PYEOF'
import json, sys
plain = odd = 0
counts = []
for line in open(sys.argv[1]):
    b = json.loads(line)["body"]
    a = b[0] if sys.argv[2] == "am" else b["alerts"][0]
    account = a["labels"].get("account")
    if account == "stormy":
        if "count" in a["annotations"]:
            counts.append(a["annotations"]["count"])
        else:
            plain += 1
    elif account == 'o"d\\\\d<&>\u00e9\u2603\u00ff{}':
        odd += 1
print("plain=%d summaries=%s odd=%d" % (plain, ",".join(counts), odd))
PYEOF
}
wait_for '[ "$(got v4)" = "plain=1 summaries=4 odd=1" ]' 20 ||
	fail "v4: not the alerts sent: $(got v4)"
wait_for '[ "$(wc -l <"$T/am.jsonl")" -ge 3 ]' 20 || fail "am: not the 3 deliveries"
$CHECK "$SPEC" "$T/am.jsonl" >"$T/am.check" 2>&1 ||
	fail "format = alertmanager: bodies Alertmanager would reject: $(cut -c1-300 "$T/am.check")"
[ "$(got am)" = "plain=1 summaries=4 odd=1" ] || fail "am: not the alerts sent: $(got am)"
$CHECK "$SPEC" "$T/v4.jsonl" --expect-invalid >"$T/v4.check" 2>&1 ||
	fail "the validator accepted a v4 webhook message: $(cat "$T/v4.check")"
$PY - "$T/am.jsonl" <<'PYEOF' || fail "alertmanager body: $(head -c 2000 "$T/am.jsonl")"
import json, sys
for line in open(sys.argv[1]):
    b = json.loads(line)["body"]
    assert len(b) == 1, b
    a = b[0]
    assert a["labels"]["alertname"] == "linux-useradd", a
    assert a["labels"]["severity"] == "medium", a
    assert "endsAt" not in a, a  # Alertmanager's resolve_timeout ends it (webhook.c)
PYEOF
logward_alive || fail "logward died"
logward_stop TERM
[ "$LOGWARD_STATUS" -eq 0 ] || fail "logward exited with status $LOGWARD_STATUS"
note "am: $(cat "$T/am.check"); v4: $(cat "$T/v4.check")"
note "ok"

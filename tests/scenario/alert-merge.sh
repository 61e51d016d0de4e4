#!/bin/sh
# alert-merge: one incident, one alert (issue 19).  The daemon holds the
# alerts of one host, account and technique for alerts { merge_window }
# and writes them as one, every line kept as evidence:
#  1. merge_window 30, merge_max 2: a sudo'd useradd (2 lines) and a
#     usermod group + shadow group (2 lines) are 2 incidents: at the bound,
#     both held (nothing in the alerts file, 2 open); a third incident is
#     past it: written at once, counted as table_full;
#  2. SIGTERM with the 2 windows open: both are written at drain, one
#     alert each with both lines as evidence; nothing lost;
#  3. restart: the webhook gets each of the 3 alerts once, with the
#     event.id of the alerts file;
#  4. merge_window 1: an incident is written when its window closes, with
#     no signal and no other traffic.
TEST_NAME=alert-merge
. "$(dirname "$0")/lib.sh"
. "$SCENARIO_DIR/webhook-lib.sh"

ports 3
set -- $PORTS
P=$1 RP=$2 MP=$3
conf() { # WINDOW
	{ webhook_conf "$P" | sed "s|^alerts {|alerts { merge_window = $1  merge_max = 2 |"; cat <<CONF
metrics { address = "127.0.0.1:$MP" }
webhook soc { url = "http://127.0.0.1:$RP/hook"  retry_min = 0.1  retry_max = 0.5 }
CONF
	} >"$T/logward.conf"
}
send() { # LINE...
	$PY - "$P" "$@" <<'PYEOF' || fail "sender failed"
import socket, sys
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=10)
s.sendall("".join(l + "\n" for l in sys.argv[2:]).encode())
s.close()
PYEOF
}
# the alerts file's single-line alerts (correlations aside): "account technique count" each
in_file() {
	$PY - "$T/alerts.jsonl" <<'PYEOF'
import json, os, sys
if os.path.exists(sys.argv[1]):
    for l in open(sys.argv[1]):
        a = json.loads(l)
        if a["rule"]["id"].startswith("correlate-"):
            continue
        ev = (a.get("logward") or {}).get("incident", {}).get("evidence", [])
        print(a["user"]["target"]["name"], " ".join(a["threat"]["technique"]["id"]), len(ev) or 1)
PYEOF
}
n_file() { in_file | wc -l; }
SUDO="<86>Nov 27 10:00:00 web1 sudo:    alice : TTY=pts/0 ; PWD=/home/alice ; USER=root ; COMMAND=/usr/sbin/useradd bob"
USERADD="<86>Nov 27 10:00:00 web1 useradd[123]: new user: name=bob, UID=1001, GID=1001, home=/home/bob, shell=/bin/bash"
GROUP="<86>Nov 27 10:00:01 web1 usermod[124]: add 'eve' to group 'sudo'"
SHADOW="<86>Nov 27 10:00:01 web1 usermod[124]: add 'eve' to shadow group 'sudo'"
CAROL="<86>Nov 27 10:00:02 web1 useradd[125]: new user: name=carol, UID=1002, GID=1002, home=/home/carol, shell=/bin/bash"

bg_start recv $RECV serve --port "$RP" --port-file "$T/recv.port" --out "$T/recv.jsonl" --max-seconds 120
wait_for '[ -s "$T/recv.port" ]' 10 || fail "receiver did not start"

# 1. at the bound and past it
conf 30
logward_start "$T/logward.conf"
send "$SUDO" "$USERADD" "$GROUP" "$SHADOW"
wait_for '[ "$(metric logward_alert_incidents_open)" = 2 ]' 20 ||
	fail "open incidents: $(metric logward_alert_incidents_open), expected 2"
[ "$(n_file)" = 0 ] || fail "held alerts are in the alerts file already: $(in_file)"
[ "$(metric logward_alerts_merged_total)" = 2 ] ||
	fail "merged: $(metric logward_alerts_merged_total), expected 2"
send "$CAROL"
wait_for '[ "$(n_file)" = 1 ]' 20 || fail "the alert past the bound is not written at once: $(in_file)"
[ "$(in_file)" = "carol T1136.001 1" ] || fail "past the bound: $(in_file)"
[ "$(metric logward_alerts_unmerged_total reason=table_full)" = 1 ] ||
	fail "table_full: $(metric logward_alerts_unmerged_total reason=table_full), expected 1"
note "step 1: 2 incidents held at merge_max 2, the third written at once and counted"

# 2. SIGTERM with both windows open
logward_stop TERM
[ "$LOGWARD_STATUS" -eq 0 ] || fail "logward exited with status $LOGWARD_STATUS"
got=$(in_file | sort | tr '\n' ';')
[ "$got" = "bob T1136.001 2;carol T1136.001 1;eve T1098 2;" ] || fail "after the drain: $got"
$PY - "$T/alerts.jsonl" "$SUDO" "$USERADD" <<'PYEOF' || fail "the incident's evidence is not both lines"
import json, sys
for l in open(sys.argv[1]):
    a = json.loads(l)
    if a["user"]["target"]["name"] == "bob" and not a["rule"]["id"].startswith("correlate-"):
        ev = a["logward"]["incident"]["evidence"]
        sys.exit(0 if [e["event"]["original"] for e in ev] == sys.argv[2:] else 1)
sys.exit(1)
PYEOF
note "step 2: the open windows written at SIGTERM: $got"

# 3. every alert reaches the webhook, with its event.id, once.  The drain of
# step 2 wrote the held incidents and handed them to delivery as it stopped;
# their requests were abandoned unanswered (the receiver had them; they
# stayed spooled) and sent again after the restart, in about half the runs,
# until the stop gave requests in flight 2 s to be answered.
logward_start "$T/logward.conf"
ids() { # the event.ids of the alerts file, or of the 2xx bodies, sorted
	$PY - "$1" "$2" <<'PYEOF'
import json, sys
if sys.argv[1] == "file":
    ids = [json.loads(l)["event"]["id"] for l in open(sys.argv[2])]
else:
    ids = [json.loads(l)["body"]["data"]["event"]["id"] for l in open(sys.argv[2])
           if json.loads(l)["status"] // 100 == 2]
print(" ".join(sorted(set(ids))))
PYEOF
}
wait_for '[ "$(ids body "$T/recv.jsonl")" = "$(ids file "$T/alerts.jsonl")" ]' 30 ||
	fail "webhook got $(ids body "$T/recv.jsonl"), alerts file holds $(ids file "$T/alerts.jsonl")"
logward_stop TERM
dups=$($PY - "$T/recv.jsonl" <<'PYEOF'
import json, sys
ids = [json.loads(l)["body"]["data"]["event"]["id"] for l in open(sys.argv[1])
       if json.loads(l)["status"] // 100 == 2]
print(len(ids) - len(set(ids)))
PYEOF
)
[ "$dups" = 0 ] || fail "$dups alerts delivered twice across the SIGTERM of step 2"
note "step 3: the webhook got every alert with the alerts file's event.id, once"

# 4. a window closes by itself
conf 1
logward_start "$T/logward.conf"
send "$(echo "$SUDO" | sed 's/bob/dave/')" "$(echo "$USERADD" | sed 's/bob/dave/g')"
wait_for 'in_file | grep -q "^dave T1136.001 2$"' 20 || fail "the incident of dave not written: $(in_file)"
logward_stop TERM
[ "$LOGWARD_STATUS" -eq 0 ] || fail "logward exited with status $LOGWARD_STATUS"
note "step 4: the window closed by itself"
note "ok"

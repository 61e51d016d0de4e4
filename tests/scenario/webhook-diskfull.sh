#!/bin/sh
# webhook-diskfull: a full spool disk does not turn delivery into a request
# storm (issue 13 point 3).  The spool directory is a 1 MiB tmpfs; 3,000
# alerts (one account each, so storm control folds none) arrive while the
# receiver is down, so most of them cannot be spooled and, once the spool is
# full, no acknowledgement can be written either.  Then the receiver comes
# up: every alert reaches it exactly once (those refused by the full disk
# come back from the alerts file once delivery frees the spool), in fewer
# than 2N requests, and the log stays short.
TEST_NAME=webhook-diskfull
. "$(dirname "$0")/lib.sh"
. "$SCENARIO_DIR/webhook-lib.sh"

N=3000
tmpfs_mount "$T/spool" 1m 0700

ports 3
set -- $PORTS
P=$1 RP=$2 MP=$3
{ webhook_conf "$P"; cat <<CONF
metrics { address = "127.0.0.1:$MP" }
webhook soc { url = "http://127.0.0.1:$RP/hook"  retry_min = 0.2  retry_max = 1 }
CONF
} >"$T/logward.conf"
logward_start "$T/logward.conf"
$PY - "$P" "$N" <<'PYEOF' || fail "sender failed"
import socket, sys
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=10)
s.sendall(b"".join(b"<86>Nov 27 10:00:00 web1 useradd[1]: new user: name=u%05d, UID=%d, "
                   b"GID=100, home=/home/x, shell=/bin/bash\n" % (i, 3000 + i)
                   for i in range(int(sys.argv[2]))))
s.close()
PYEOF
wait_for '[ "$(grep -c "\"kind\":\"alert\"" "$T/alerts.jsonl")" -eq $N ]' 30 ||
	fail "the alerts file holds $(grep -c '"kind":"alert"' "$T/alerts.jsonl") alerts, not $N"
wait_for '[ "$(metric logward_webhook_deliveries_total webhook=soc result=retried)" != 0 ]' 10 ||
	fail "no failed attempt while the receiver is down"
df -k "$T/spool" | tail -1 | awk '{ exit !($4 < 64) }' || fail "the spool disk is not full: $(df -k "$T/spool" | tail -1)"
log_before=$(wc -l <"$T/logward.err")

bg_start recv $RECV serve --port "$RP" --port-file "$T/recv.port" --out "$T/recv.jsonl" \
    --max-seconds 120
wait_for '[ -s "$T/recv.port" ]' 10 || fail "receiver did not start"
# got: "requests distinct duplicates" at the receiver, an alert named by its account
got() {
	$PY - "$T/recv.jsonl" <<'PYEOF'
import collections, json, sys
names, reqs = collections.Counter(), 0
try:
    lines = open(sys.argv[1]).read().splitlines()
except FileNotFoundError:
    lines = []
for line in lines:
    reqs += 1
    r = json.loads(line)
    if r["status"] // 100 == 2:
        names[r["body"]["data"]["user"]["target"]["name"]] += 1
print(reqs, len(names), sum(c - 1 for c in names.values()))
PYEOF
}
# done: every alert arrived, or 2N requests show a storm
done_or_storm() {
	got | { read -r r d _; [ "$d" -eq $N ] || [ "$r" -ge $((2 * N)) ]; }
}
wait_for done_or_storm 60
sleep 1
set -- $(got)
reqs=$1 distinct=$2 dups=$3
log_lines=$(($(wc -l <"$T/logward.err") - log_before))
note "$N alerts, spool on a full 1 MiB disk: $reqs requests, $distinct distinct alerts delivered, $dups duplicates, $log_lines log lines after the receiver came up"
[ "$reqs" -lt $((2 * N)) ] || fail "$reqs requests for $N alerts (not < 2N)"
[ "$dups" -eq 0 ] || fail "$dups alerts delivered more than once"
[ "$distinct" -eq $N ] || fail "$distinct of $N alerts delivered"
[ "$log_lines" -lt 50 ] || fail "$log_lines log lines after the receiver came up"
[ "$(metric logward_webhook_spool_records webhook=soc)" = 0 ] || fail "records left in the spool"
logward_stop TERM
[ "$LOGWARD_STATUS" -eq 0 ] || fail "logward exited with status $LOGWARD_STATUS"
note "ok"

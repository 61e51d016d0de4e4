#!/bin/sh
# tls-many: 100 TLS connections sending at once, each 2,000 octet-counted
# messages in 16 KB records and 64 KB writes (half end with close_notify,
# half without): every message is archived exactly once, and each
# connection's messages in the order it sent them.  One worker (with more,
# batches are written side by side: the archive's order is not receipt
# order) and a pool of four batches, so that the connections' frames share
# batches and intake pauses and resumes on the way.
TEST_NAME=tls-many
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/tls-lib.sh"

K="$T/pki"
tls_self_signed "$K"

ports 1
P=$PORTS
{ tls_conf "$P" "$K"; echo "queue_batches = 4"; } >"$T/logward.conf"
logward_start "$T/logward.conf"
tok=tm$$
C=100
N=2000

sent=$($PEER --timeout 120 tlsconns 127.0.0.1 "$P" "$K/server.crt" "$C" "$N" "$tok") ||
    fail "tlsconns: $sent"
[ "$sent" -eq $((C * N)) ] || fail "sent $sent of $((C * N))"
$EV wait "$T/archive" $((C * N)) 120 "message^$tok-" >/dev/null 2>&1
$EV values "$T/archive" message "message^$tok-" >"$T/messages.json"
$PY - "$T/messages.json" "$tok" "$C" "$N" <<'PY' >"$T/order.out" || fail "$(cat "$T/order.out")"
import json, sys
path, tok, conns, n = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
seen = [[] for _ in range(conns)]
for line in open(path):
    name, i = json.loads(line).rsplit(" ", 1)
    seen[int(name[len(tok) + 1:])].append(int(i))
bad = [c for c in range(conns) if seen[c] != list(range(n))]
for c in bad[:5]:
    s = seen[c]
    dups = len(s) - len(set(s))
    print("connection %d: %d messages, %d duplicates, in order: %s"
          % (c, len(s), dups, s == sorted(s)))
sys.exit(1 if bad else 0)
PY
logward_stats
[ "$(counter tls bad_frames)" = 0 ] || fail "bad_frames=$(counter tls bad_frames)"
[ "$(counter tls connections)" = "$C" ] || fail "connections=$(counter tls connections)"
note "$C connections, $((C * N)) messages archived once each, in order; intake paused $(counter tls paused) times"
logward_stop TERM
[ "$LOGWARD_STATUS" -eq 0 ] || fail "logward exited with status $LOGWARD_STATUS after TERM"
note "PASS"

#!/bin/sh
# correlate-restart: the correlator's state survives a restart in the
# middle of a window.  An account is created, logward stops (TERM, then
# another time SIGKILL), starts again on the same state_dir, and the next
# line of the sequence still gives the correlated alert (created then put
# into sudo; created then deleted), linking the line sent before the
# restart.  A restart also keeps an account already correlated from being
# reported twice.  Without a state_dir nothing survives (the check that the
# test could fail).
TEST_NAME=correlate-restart
. "$(dirname "$0")/lib.sh"

ports 1
P=$PORTS
write_conf() {
	cat >"$T/logward.conf" <<CONF
input tcp4 { transport = tcp  address = "127.0.0.1:$P" }
rules = "$top_srcdir/patterns"
archive { path = "$T/archive/events-%Y%m%d.jsonl" }
alerts { path = "$T/alerts.jsonl" }
workers = 2
stats_interval = 0
correlate { window = 3600  state_dir = "$1" }
CONF
}

# send LINE: one message over TCP, archived within 5 s
N_SENT=0
send() {
	$PEER tcp 127.0.0.1 "$P" "$1\n" >"$T/peer.out" 2>&1 || fail "peer: $(cat "$T/peer.out")"
	N_SENT=$((N_SENT + 1))
	ev_wait "$N_SENT" 5 "log.syslog.hostname=web1"
}

# correlated ALERTS RULE ACCOUNT: how many alerts of RULE for ACCOUNT
correlated() {
	$PY - "$T/alerts.jsonl" "$1" "$2" <<'PY'
import json, os, sys
sys.path.insert(0, os.environ["top_srcdir"] + "/tests")
from dotted import get  # tests/dotted.py
n = 0
for line in open(sys.argv[1], encoding="utf-8"):
    a = json.loads(line)
    if a["rule"]["id"] == sys.argv[2] and get(a, "user.target.name") == sys.argv[3]:
        ev = a["logward"]["correlation"]["evidence"]
        assert len(ev) == 2, ev
        assert all(e["event"]["original"] and e["@timestamp"] for e in ev), ev
        n += 1
print(n)
PY
}

day=$(date -u '+%b %e %H:%M:%S')
write_conf "$T/state"
logward_start "$T/logward.conf"

# 1. created, TERM, restart, into sudo
send "<86>$day web1 useradd[101]: new user: name=rs1, UID=2001, GID=2001, home=/home/rs1, shell=/bin/sh, from=none"
logward_stop TERM
[ "$LOGWARD_STATUS" -eq 0 ] || fail "logward exited with status $LOGWARD_STATUS after TERM"
[ -s "$T/state/correlate.journal" ] || fail "no journal in $T/state"
logward_start "$T/logward.conf"
send "<86>$day web1 usermod[102]: add 'rs1' to group 'sudo'"
wait_for '[ "$(correlated correlate-created-then-admin rs1)" = 1 ]' 5 ||
    fail "no correlate-created-then-admin for rs1 after a TERM restart"
grep -q "new user: name=rs1" "$T/alerts.jsonl" || fail "evidence lacks the line sent before the restart"

# 1b. a reload (HUP) swaps the rules, not the correlation state
send "<86>$day web1 useradd[107]: new user: name=rs4, UID=2004, GID=2004, home=/home/rs4, shell=/bin/sh, from=none"
kill -HUP "$LOGWARD_PID"
wait_for 'grep -q "reloaded " "$T/logward.err"' 10 || fail "no reload within 10 s of SIGHUP"
send "<86>$day web1 usermod[108]: add 'rs4' to group 'sudo'"
wait_for '[ "$(correlated correlate-created-then-admin rs4)" = 1 ]' 5 ||
    fail "no correlate-created-then-admin for rs4 across a reload"

# 2. created, SIGKILL (no clean exit), restart, deleted
send "<86>$day web1 useradd[103]: new user: name=rs2, UID=2002, GID=2002, home=/home/rs2, shell=/bin/sh, from=none"
# the alert of the creation is written: the fact was journaled before it
wait_for '[ "$(grep -c "name=rs2" "$T/alerts.jsonl")" -ge 1 ]' 5 || fail "no alert for rs2's creation"
logward_stop KILL
logward_start "$T/logward.conf"
send "<86>$day web1 userdel[104]: delete user 'rs2'"
wait_for '[ "$(correlated correlate-short-lived-account rs2)" = 1 ]' 5 ||
    fail "no correlate-short-lived-account for rs2 after a SIGKILL restart"

# 3. rs1 was correlated before the restarts: its shadow-group line is no second alert
send "<86>$day web1 usermod[102]: add 'rs1' to shadow group 'sudo'"
sleep 0.5
[ "$(correlated correlate-created-then-admin rs1)" = 1 ] || fail "rs1 correlated twice"
logward_stop TERM

# 4. the same with the state in memory only: the restart forgets the creation
write_conf ""
logward_start "$T/logward.conf"
grep -q "state is in memory only" "$T/logward.err" || fail "no warning for a memory-only state"
send "<86>$day web1 useradd[105]: new user: name=rs3, UID=2003, GID=2003, home=/home/rs3, shell=/bin/sh, from=none"
logward_stop TERM
logward_start "$T/logward.conf"
send "<86>$day web1 usermod[106]: add 'rs3' to group 'sudo'"
wait_for '[ "$(grep -c "add .rs3. to group" "$T/alerts.jsonl")" -ge 1 ]' 5 || fail "no alert for rs3's add"
sleep 0.5
[ "$(correlated correlate-created-then-admin rs3)" = 0 ] || fail "memory-only state survived a restart"
logward_stop TERM
[ "$LOGWARD_STATUS" -eq 0 ] || fail "logward exited with status $LOGWARD_STATUS"
note "PASS"

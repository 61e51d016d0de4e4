#!/bin/sh
# archive-removed: the archive's and the alerts file's directories deleted
# while logward runs, with no SIGUSR1.  A message sent a second later must
# land in a newly created file, not in the unlinked one (where it would be
# lost): logward looks at the name by inode at the first write of each
# second.
TEST_NAME=archive-removed
. "$(dirname "$0")/lib.sh"

ports 1
P=$PORTS
cat >"$T/logward.conf" <<CONF
input tcp { transport = tcp  address = "127.0.0.1:$P" }
rules = "$top_srcdir/patterns"
archive { path = "$T/arch/sub/events.jsonl" }
alerts { path = "$T/al/alerts.jsonl" }
spool = "$T/spool"
stats_interval = 0
CONF
logward_start "$T/logward.conf"

useradd_line() {
	printf '<86>Nov 27 10:00:00 web1 useradd[1]: new user: name=%s, UID=4001, GID=100, home=/home/x, shell=/bin/bash\n' "$1"
}
$PEER tcp 127.0.0.1 "$P" "$(useradd_line before)" >/dev/null || fail "sender failed"
$EV wait "$T/arch/sub" 1 10 "message~name=before" >/dev/null || fail "first message not archived"
wait_for 'grep -q "name.*before" "$T/al/alerts.jsonl" 2>/dev/null' 10 || fail "first alert not written"

rm -rf "$T/arch" "$T/al"
sleep 1.2 # the next write is in a new second: the name is looked at
$PEER tcp 127.0.0.1 "$P" "$(useradd_line after)" >/dev/null || fail "sender failed"
wait_for '[ -s "$T/arch/sub/events.jsonl" ]' 10 ||
	fail "the archive was not created again: the message went into the deleted file"
$EV wait "$T/arch/sub" 1 10 "message~name=after" >/dev/null || fail "second message not archived"
wait_for 'grep -q "name.*after" "$T/al/alerts.jsonl" 2>/dev/null' 10 ||
	fail "the alerts file was not created again"
n=$(grep -c "the file was removed or replaced: opening it again" "$T/logward.err")
[ "$n" -eq 2 ] || fail "$n reopenings logged, not 2 (archive and alerts)"
logward_stop TERM
[ "$LOGWARD_STATUS" -eq 0 ] || fail "logward exited with $LOGWARD_STATUS"
note "both files created again within a second of their directories' removal"

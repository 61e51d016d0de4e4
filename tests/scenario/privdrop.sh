#!/bin/sh
# privdrop: started as root, logward binds and opens its files, then runs as
# user nobody / group nogroup (both exist on every Debian system).  Events are
# archived by the unprivileged process, into files it owns; after the archive
# and alerts files are moved away (logrotate), SIGUSR1 reopens them as nobody.
# Started as root with neither user nor run_as_root, or with a user that does
# not exist, logward refuses to start and says why.
TEST_NAME=privdrop
. "$(dirname "$0")/lib.sh"

[ "$(id -u)" -eq 0 ] || fail "run as root (the quickstart does): this test starts logward as root"
getent passwd nobody >/dev/null && getent group nogroup >/dev/null ||
    fail "no user nobody or group nogroup"
nobody_uid=$(id -u nobody)

# $T is private (0700): let nobody through to its output directories.
chmod 711 "$T"
ports 1
P=$PORTS
cat >"$T/logward.conf" <<CONF
input tcp { transport = tcp  address = "127.0.0.1:$P" }
rules = "$top_srcdir/patterns"
archive { path = "$T/archive/events-%Y%m%d.jsonl" }
alerts { path = "$T/alerts/alerts.jsonl" }
stats_interval = 0
user = nobody
group = nogroup
CONF
logward_start "$T/logward.conf"
grep -q "running as user nobody (uid $nobody_uid" "$T/logward.err" || fail "no 'running as user nobody' line"
uids=$(awk '/^Uid:/ { print $2, $3, $4, $5 }' "/proc/$LOGWARD_PID/status")
[ "$uids" = "$nobody_uid $nobody_uid $nobody_uid $nobody_uid" ] ||
    fail "real/effective/saved/fs uids are $uids, expected $nobody_uid"
groups=$(awk '/^Groups:/ { $1 = ""; print }' "/proc/$LOGWARD_PID/status" | tr -d ' ')
[ "$groups" = "$(getent group nogroup | cut -d: -f3)" ] || fail "supplementary groups: $groups"

send() {
	$PEER tcp 127.0.0.1 "$P" "$1" >"$T/peer.out" 2>&1 || fail "peer: $(cat "$T/peer.out")"
}
send "<13>1 2026-11-27T10:00:00Z h privdrop - - - before rotation\\n"
# a useradd line raises an alert: the alerts file is written as nobody too
send "<86>Nov 27 10:00:00 h useradd[42]: new user: name=privtest, UID=1001, GID=1001, home=/home/privtest, shell=/bin/bash, from=/dev/pts/0\\n"
ev_wait 1 10 "message=before rotation"
wait_for '[ -s "$T/alerts/alerts.jsonl" ]' 10 || fail "no alert written as nobody"
for f in "$T"/archive/events-*.jsonl "$T/alerts/alerts.jsonl" "$T/archive" "$T/alerts"; do
	owner=$(stat -c %U "$f")
	[ "$owner" = nobody ] || fail "$f belongs to $owner, expected nobody"
done

# logrotate moves the files away; SIGUSR1 makes nobody create new ones
mkdir -p "$T/rotated"
mv "$T"/archive/events-*.jsonl "$T/rotated/"
mv "$T/alerts/alerts.jsonl" "$T/rotated/"
kill -USR1 "$LOGWARD_PID"
send "<13>1 2026-11-27T10:00:00Z h privdrop - - - after rotation\\n"
send "<86>Nov 27 10:00:01 h useradd[43]: new user: name=privtest2, UID=1002, GID=1002, home=/home/privtest2, shell=/bin/bash, from=/dev/pts/0\\n"
ev_wait 1 10 "message=after rotation"
wait_for '[ -s "$T/alerts/alerts.jsonl" ]' 10 || fail "no new alerts file after SIGUSR1"
owner=$(stat -c %U "$T"/archive/events-*.jsonl)
[ "$owner" = nobody ] || fail "the reopened archive belongs to $owner"
grep -q "before rotation" "$T"/archive/events-*.jsonl && fail "the old events went to the new file"
logward_alive || fail "logward died"
logward_stop TERM
[ "$LOGWARD_STATUS" -eq 0 ] || fail "logward exited with status $LOGWARD_STATUS after TERM"
grep -q "archive: .* could not be written\|Permission denied" "$T/logward.err" &&
    fail "write errors: $(grep -m1 "could not\|Permission" "$T/logward.err")"

# as root with neither user nor run_as_root: refused, with the way out
sed -e '/^user = /d' -e '/^group = /d' "$T/logward.conf" >"$T/root.conf"
if timeout 10 "$LOGWARD" -f "$T/root.conf" >"$T/root.out" 2>&1; then
	fail "logward ran as root without run_as_root"
fi
grep -q "refusing to run as root: set user = .*run_as_root = yes" "$T/root.out" ||
    fail "unclear refusal: $(cat "$T/root.out")"
# a user that does not exist
sed -e 's/^user = nobody/user = "no-such-user-lw"/' "$T/logward.conf" >"$T/nouser.conf"
if timeout 10 "$LOGWARD" -f "$T/nouser.conf" >"$T/nouser.out" 2>&1; then
	fail "logward ran with a user that does not exist"
fi
grep -q 'user "no-such-user-lw" does not exist' "$T/nouser.out" ||
    fail "unclear error: $(cat "$T/nouser.out")"
note "PASS"

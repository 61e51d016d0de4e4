#!/bin/sh
# signals: USR1 reopens the archive (after logrotate-style renaming, the next
# message lands in a new file), HUP keeps the daemon running, and TERM and
# INT right after 1,000 TCP messages drain them all into the archive and
# exit 0.
TEST_NAME=signals
. "$(dirname "$0")/lib.sh"

ports 2
set -- $PORTS
P=$1 PU=$2
cat >"$T/logward.conf" <<CONF
input tcp { transport = tcp  address = "127.0.0.1:$P" }
input udp { transport = udp  address = "127.0.0.1:$PU" }
rules = "$top_srcdir/patterns"
archive { path = "$T/archive/events-%Y%m%d.jsonl" }
workers = 2
stats_interval = 0
CONF

msg() {
	$PEER tcp 127.0.0.1 "$P" "<13>1 2026-11-27T10:00:00Z h signals - - - $1\\n" >"$T/peer.out" 2>&1 ||
	    fail "peer: $(cat "$T/peer.out")"
}
# Wait until the log has $2 lines matching $1 (5 s).
log_wait() {
	wait_for "[ \$(grep -c \"$1\" \"\$T/logward.err\") -ge $2 ]" 5 ||
	    fail "logward did not log '$1' within 5 s"
}

# --- USR1 after the archive file was renamed
logward_start "$T/logward.conf"
msg "before rotation"
ev_wait 1 5 "message=before rotation"
set -- "$T"/archive/events-*.jsonl
[ $# -eq 1 ] && [ -f "$1" ] || fail "expected one archive file, found: $*"
live=$1
mkdir "$T/rotated"
mv "$live" "$T/rotated/old.jsonl"
msg "after rename, before USR1"
$EV wait "$T/rotated" 1 5 "message=after rename, before USR1" >"$T/ev.out" ||
    fail "a message sent before USR1 did not land in the renamed file: $(cat "$T/ev.out")"
kill -USR1 "$LOGWARD_PID"
log_wait SIGUSR1 1
msg "after USR1"
ev_wait 1 5 "message=after USR1"
[ -f "$live" ] || fail "USR1: no new archive file $live"
$EV count "$live" >"$T/ev.out"
[ "$(cat "$T/ev.out")" -eq 1 ] || fail "the new archive file holds $(cat "$T/ev.out") events, expected 1"
[ "$($EV count "$T/rotated" "message=after USR1")" -eq 0 ] ||
    fail "the message sent after USR1 went to the renamed file too"
[ "$($EV count "$T/rotated")" -eq 2 ] || fail "the renamed file lost events"

# --- HUP: still running, still archiving
kill -HUP "$LOGWARD_PID"
log_wait SIGHUP 1
sleep 0.2
logward_alive || fail "logward exited on SIGHUP"
msg "after HUP"
ev_wait 1 5 "message=after HUP"
logward_stop TERM
[ "$LOGWARD_STATUS" -eq 0 ] || fail "logward exited with status $LOGWARD_STATUS after TERM"

# --- 1,000 messages over TCP, then TERM (or INT) at once: all archived, exit 0
for sig in TERM INT; do
	logward_start "$T/logward.conf"
	text="burst-$sig"
	sent=$($PEER tcpmany 127.0.0.1 "$P" 1000 "$text") || fail "peer tcpmany failed"
	logward_stop "$sig"
	[ "$LOGWARD_STATUS" -eq 0 ] || fail "logward exited with status $LOGWARD_STATUS after SIG$sig"
	n=$($EV count "$T/archive" "message^$text ")
	[ "$n" -eq "$sent" ] ||
	    fail "SIG$sig right after $sent TCP messages: $n archived, $(counter tcp messages) received"
	# each exactly once
	u=$($EV values "$T/archive" message "message^$text " | sort -u | wc -l)
	[ "$u" -eq "$sent" ] || fail "SIG$sig: $u distinct messages of $sent"
	note "SIG$sig right after $sent TCP messages: all $n archived, exit status 0"
done

# --- TERM while a sender still has its connection open, the last frame
#     without LF: the daemon reads what was sent and delivers the last frame
logward_start "$T/logward.conf"
bg_start holder $PEER tcpmany 127.0.0.1 "$P" 1000 burst-open 10
wait_for '[ -s "$T/holder.out" ]' 10 || fail "the sender did not finish: $(cat "$T/holder.err")"
logward_stop TERM
[ "$LOGWARD_STATUS" -eq 0 ] || fail "logward exited with status $LOGWARD_STATUS after SIGTERM"
n=$($EV count "$T/archive" "message^burst-open ")
[ "$n" -eq 1000 ] ||
    fail "SIGTERM with the sender's connection open: $n of 1000 archived, $(counter tcp messages) received"
ev_wait 1 1 "message=burst-open 999"
note "SIGTERM with the sender's connection open: all 1000 archived, the last frame without LF too"

$EV valid "$T/archive" >"$T/ev.out" || fail "archive: $(cat "$T/ev.out")"
note "PASS"

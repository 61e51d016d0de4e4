#!/bin/sh
# kill-loss: a crash loses no more than rsyslog loses.  A TCP sender paced
# at 30,000 msg/s SIGKILLs the daemon 1.5 s into its stream (pace.py); lost
# = what the daemon's kernel accepted (written minus the sender's unsent
# queue) minus what is in the archive.  The same sender against a private
# rsyslogd (imtcp to omfile, its defaults) gives the reference, three runs
# each.  What the daemon's socket held unread at the kill (its receive
# queue: the kernel's, lost by any daemon, and up to a buffer's worth when a
# busy or sanitized daemon reads late: 1,024 to 1,174 messages) is counted
# apart; what is compared is what each daemon itself held, not yet written
# (a read in hand, a batch not yet written).
# logward's median run must lose at most twice rsyslog's median run, or
# 10 ms of the stream, whichever is more: one run of either may be an
# outlier, the median is not.
TEST_NAME=kill-loss
. "$(dirname "$0")/lib.sh"

RSYSLOGD=${RSYSLOGD:-$(command -v rsyslogd || echo /usr/sbin/rsyslogd)}
[ -x "$RSYSLOGD" ] || fail "no rsyslogd (the quickstart installs rsyslog)"
RATE=${KILL_LOSS_RATE:-30000}
SECONDS_BEFORE_KILL=1.5
RUNS=3
PACE="$PY $SCENARIO_DIR/pace.py"

# pace PORT PID TEXT: run the sender; sets ACCEPTED and UNREAD
pace() {
	$PACE 127.0.0.1 "$1" "$2" "$RATE" "$SECONDS_BEFORE_KILL" "$3" >"$T/pace.out" 2>&1 ||
		fail "sender: $(cat "$T/pace.out")"
	ACCEPTED=$(sed -n 's/.*accepted=\([0-9]*\).*/\1/p' "$T/pace.out")
	UNREAD=$(sed -n 's/.*unread=\([0-9]*\).*/\1/p' "$T/pace.out")
	[ -n "$ACCEPTED" ] && [ -n "$UNREAD" ] || fail "sender: $(cat "$T/pace.out")"
}

# distinct TEXT FILE: how many distinct "TEXT NNNNNNNN" messages FILE holds
distinct() {
	grep -o "$1 [0-9]\{8\}" "$2" 2>/dev/null | sort -u | wc -l
}

lw_loss=0 rs_loss=0 lw_runs="" rs_runs="" lw_list="" rs_list=""
run=1
while [ $run -le $RUNS ]; do
	ports 2
	set -- $PORTS
	P=$1 RP=$2

	# logward, as shipped: default workers and pool
	d="$T/lw$run"
	mkdir -p "$d"
	cat >"$d/logward.conf" <<CONF
input tcp { transport = tcp  address = "127.0.0.1:$P" }
rules = "$top_srcdir/patterns"
archive { path = "$d/events.jsonl" }
alerts { path = "$d/alerts.jsonl" }
spool = "$d/spool"
stats_interval = 0
CONF
	logward_start "$d/logward.conf"
	pace "$P" "$LOGWARD_PID" "lw$run"
	wait "$LOGWARD_PID" 2>/dev/null
	LOGWARD_PID=""
	got=$(distinct "lw$run" "$d/events.jsonl")
	lost=$((ACCEPTED - got))
	lw_loss=$((lw_loss + lost))
	lw_list="$lw_list $((lost > UNREAD ? lost - UNREAD : 0))"
	lw_runs="$lw_runs $lost/$ACCEPTED(unread $UNREAD)"

	# rsyslogd: imtcp to omfile, nothing else
	r="$T/rs$run"
	mkdir -p "$r/work"
	cat >"$r/rsyslog.conf" <<CONF
global(workDirectory="$r/work")
module(load="imtcp")
input(type="imtcp" address="127.0.0.1" port="$RP" ruleset="file")
ruleset(name="file") {
	action(type="omfile" file="$r/messages")
}
CONF
	bg_start "rsyslogd$run" "$RSYSLOGD" -n -f "$r/rsyslog.conf" -i "$r/rsyslog.pid"
	RS_PID=$BG_LAST
	$PEER listening 127.0.0.1 "$RP" >"$T/peer.out" ||
		fail "rsyslogd: $(cat "$T/peer.out"): $(cat "$T/rsyslogd$run.err")"
	pace "$RP" "$RS_PID" "rs$run"
	wait "$RS_PID" 2>/dev/null
	got=$(distinct "rs$run" "$r/messages")
	lost=$((ACCEPTED - got))
	rs_loss=$((rs_loss + lost))
	rs_list="$rs_list $((lost > UNREAD ? lost - UNREAD : 0))"
	rs_runs="$rs_runs $lost/$ACCEPTED(unread $UNREAD)"
	run=$((run + 1))
done

# median LIST: the middle value of RUNS numbers
median() {
	printf '%s\n' $1 | sort -n | sed -n "$(((RUNS + 1) / 2))p"
}
lw_median=$(median "$lw_list")
rs_median=$(median "$rs_list")
# 10 ms of the stream; under ASan (LOGWARD_SANITIZED) logward runs several
# times slower than the uninstrumented rsyslogd and reads its socket 64 KB
# at a time: a read in hand and the one before it not yet written at the
# kill (1,024 to 1,174 messages lost in a run was seen: one read) is the
# floor there
floor=$((RATE / 100))
if [ "${LOGWARD_SANITIZED:-}" = yes ]; then
	floor=$((2 * 65536 / $(printf '<14>1 2026-11-27T10:00:00Z host1 pace - - - lw1 00000000\n' | wc -c)))
fi
bound=$((rs_median * 2))
[ "$bound" -lt "$floor" ] && bound=$floor
note "lost/accepted at $RATE msg/s, SIGKILL after $SECONDS_BEFORE_KILL s: logward$lw_runs" \
    "(total $lw_loss; held by the daemon, median $lw_median); rsyslogd$rs_runs" \
    "(total $rs_loss; held by the daemon, median $rs_median); bound on the median $bound"
[ "$lw_median" -le "$bound" ] ||
	fail "logward's median run lost $lw_median messages to SIGKILL, rsyslogd's $rs_median (bound $bound)"
exit 0

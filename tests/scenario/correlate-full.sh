#!/bin/sh
# correlate-full: the correlator's state full of made-up hosts never
# crashes logward (issue 13: the 17th host of max_entries = 16, or the
# ~10,001st of the default, killed it with SIGSEGV, and again at every
# start on the journal it left).  Over one TCP connection: max_entries + 1
# sudo lines from as many hosts (a session each), then useradd lines from
# made-up hosts past the default bound; the fact past the bound is dropped
# and counted in /metrics (logward_correlate_dropped_total{reason=
# "max_entries"}), every line is archived, and a start on the journal left
# by SIGKILL gives the same state, then takes more lines.
TEST_NAME=correlate-full
. "$(dirname "$0")/lib.sh"

ports 2
set -- $PORTS
P=$1 PM=$2
day=$(date -u '+%b %e %H:%M:%S')

write_conf() {
	cat >"$T/logward.conf" <<CONF
input tcp4 { transport = tcp  address = "127.0.0.1:$P" }
rules = "$top_srcdir/patterns"
archive { path = "$T/archive/events-%Y%m%d.jsonl" }
alerts { path = "$T/alerts.jsonl" }
workers = 2
stats_interval = 0
metrics { address = "127.0.0.1:$PM" }
correlate { state_dir = "$T/state" $1 }
CONF
}

# metric NAME: its value now (the daemon must answer)
metric() {
	$PY - "http://127.0.0.1:$PM/metrics" "$1" <<'PY' || fail "GET /metrics failed"
import sys, urllib.request
body = urllib.request.urlopen(sys.argv[1], timeout=5).read().decode()
for line in body.splitlines():
    k, _, v = line.partition(" ")
    if k == sys.argv[2]:
        print(v)
PY
}
expect() {
	v=$(metric "$1")
	[ "$v" = "$2" ] || fail "$3: $1 is '$v', expected $2"
}
DROPPED='logward_correlate_dropped_total{reason="max_entries"}'

# lines FIRST COUNT KIND PREFIX: COUNT lines from hosts PREFIX$FIRST.. into $T/lines
lines() {
	$PY - "$1" "$2" "$3" "$4" "$day" >"$T/lines" <<'PY'
import sys
first, count, kind, prefix, day = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3], sys.argv[4], sys.argv[5]
for i in range(first, first + count):
    h = "%s%d" % (prefix, i)
    if kind == "sudo":
        print("<85>%s %s sudo: alice : TTY=pts/0 ; PWD=/root ; USER=root ; COMMAND=/usr/bin/id" % (day, h))
    else:
        print("<86>%s %s useradd[%d]: new user: name=u%d, UID=%d, GID=%d, home=/home/u%d, shell=/bin/sh, from=none"
              % (day, h, 100 + i % 30000, i, 2000 + i, 2000 + i, i))
PY
}
N_SENT=0
# send_lines: the file over one connection, all archived within 60 s
send_lines() {
	n=$(wc -l <"$T/lines")
	$PEER --timeout 60 tcpfile 127.0.0.1 "$P" "$T/lines" >"$T/peer.out" 2>&1 ||
	    fail "peer: $(cat "$T/peer.out")"
	N_SENT=$((N_SENT + n))
	ev_wait "$N_SENT" 60
	logward_alive || fail "logward died after $N_SENT lines"
}

# 1. max_entries = 16 (its lower bound): 16 hosts fit, the 17th is dropped
write_conf "max_entries = 16"
logward_start "$T/logward.conf"
lines 0 16 sudo host
send_lines
expect logward_correlate_entries 16 "at the bound"
expect "$DROPPED" 0 "at the bound"
lines 16 1 sudo host
send_lines
expect logward_correlate_entries 16 "past the bound"
expect logward_correlate_scopes 16 "past the bound"
expect "$DROPPED" 1 "past the bound"
# a host already known still takes facts it has room for: none (full)
logward_stop KILL
logward_start "$T/logward.conf"
logward_alive || fail "logward does not start on the journal of a full state"
expect logward_correlate_entries 16 "after SIGKILL and restart"
expect logward_correlate_journal_damaged_records_total 0 "after restart"
lines 100 5 useradd made
send_lines
expect logward_correlate_entries 16 "after restart, past the bound"
logward_stop TERM
[ "$LOGWARD_STATUS" -eq 0 ] || fail "exit status $LOGWARD_STATUS after TERM"

# 2. the default max_entries (10,000): 10,010 useradd lines of made-up hosts
rm -rf "$T/state"
write_conf ""
logward_start "$T/logward.conf"
d0=$(metric "$DROPPED")
lines 0 10010 useradd fake
send_lines
expect logward_correlate_entries 10000 "default bound"
expect "$DROPPED" $((d0 + 10)) "default bound"
logward_stop KILL
logward_start "$T/logward.conf"
expect logward_correlate_entries 10000 "default bound, after SIGKILL and restart"
lines 20000 10 sudo other
send_lines
expect logward_correlate_entries 10000 "default bound, after restart"
logward_stop TERM
[ "$LOGWARD_STATUS" -eq 0 ] || fail "exit status $LOGWARD_STATUS after TERM"
note "ok: no crash at or past max_entries 16 and 10000, nor at restart on the journal"

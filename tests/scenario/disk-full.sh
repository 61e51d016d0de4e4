#!/bin/sh
# disk-full: a full filesystem slows senders down and loses nothing.
# Archive and alerts live each on a small tmpfs the test mounts; filler
# files take all their space while a TCP sender streams messages (one in ten
# an account creation, so an alert) and a UDP burst arrives.  The alerts
# file is freed first (a worker writes a batch's alerts before its events),
# then the archive, so each output is seen failing.  Expected while full:
# write errors counted in /metrics, /healthz degraded, the failure logged
# once with path and errno, intake paused and the sender blocked.  Once
# freed: every TCP message archived exactly once, every alert in the
# alerts file and in the webhook's spool (a dead receiver, the spool off the
# tmpfs), logward_alerts_total equal to the alerts file, the recovery
# logged, and UDP's kernel drops equal to what UDP lost.
TEST_NAME=disk-full
. "$(dirname "$0")/lib.sh"
. "$SCENARIO_DIR/webhook-lib.sh"

N=20000       # TCP messages
EVERY=10      # one in EVERY is an account creation
U=3000        # UDP datagrams sent while the disk is full
M="$T/full"    # the archive's filesystem
MA="$T/fulla" # the alerts file's

tmpfs_mount "$M" 32m
tmpfs_mount "$MA" 8m

ports 4
set -- $PORTS
P=$1 UP=$2 MP=$3 DEAD=$4
cat >"$T/logward.conf" <<CONF
input tcp4 { transport = tcp  address = "127.0.0.1:$P" }
input udp4 { transport = udp  address = "127.0.0.1:$UP"  recv_buffer = 65536 }
rules = "$top_srcdir/patterns"
archive { path = "$M/archive/events.jsonl" }
# merge_window 0: a worker writes each alert before its events, so the
# alerts file is the one that fails first (held incidents would be written
# by the daemon, after the events: alert-merge.sh)
alerts { path = "$MA/alerts.jsonl"  merge_window = 0 }
spool = "$T/spool"
stats_interval = 0
workers = 1
queue_batches = 4
storm_window = 0
metrics { address = "127.0.0.1:$MP" }
webhook dead { url = "http://127.0.0.1:$DEAD/hook"  retry_min = 30  retry_max = 60 }
CONF
logward_start "$T/logward.conf"
health() {
	http_get "http://127.0.0.1:$MP/healthz" "$T/healthz.body"
}
[ "$(health)" = 200 ] || fail "/healthz not 200 at start: $(cat "$T/healthz.body")"

# Fill the filesystems: dd stops at ENOSPC.
for d in "$M" "$MA"; do
	dd if=/dev/zero of="$d/filler" bs=64k >/dev/null 2>&1
	[ "$(df --output=avail "$d" | tail -n 1 | tr -d ' ')" -eq 0 ] || fail "$d is not full"
done

# (a script file: a background command's standard input is /dev/null)
cat >"$T/sender.py" <<'PYEOF'
import socket, sys
port, n, every = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3])
s = socket.create_connection(("127.0.0.1", port), timeout=120)
buf = bytearray()
for i in range(n):
    if i % every == 0:
        buf += (b"<86>Nov 27 10:00:00 web1 useradd[1]: new user: name=df%d, UID=%d, "
                b"GID=100, home=/home/x, shell=/bin/bash\n" % (i, 5000 + i))
    else:
        buf += b"<14>1 2026-11-27T10:00:00Z host1 disk - - - diskfull %d\n" % i
    if len(buf) > 65536:
        s.sendall(buf)
        buf = bytearray()
s.sendall(buf)
s.shutdown(socket.SHUT_WR)
s.recv(1)  # the daemon closes once it read everything
s.close()
print(n, flush=True)
PYEOF
bg_start sender $PY "$T/sender.py" "$P" "$N" "$EVERY"

# While full: the failure is seen, counted and said.
degraded_alerts=no degraded_archive=no
if wait_for '[ "$(health)" = 503 ] && grep -q alerts "$T/healthz.body"' 20; then
	degraded_alerts=yes
fi
# UDP cannot be slowed down: a burst now is dropped by the kernel and counted.
udp_sent=$($PEER udpflood 127.0.0.1 "$UP" "$U" udpfull) || fail "udp sender failed"
logward_stats
paused=$(counter tcp4 paused)
sender_done_while_full=no
[ -s "$T/sender.out" ] && sender_done_while_full=yes
errors_alerts=$(metric logward_write_errors_total output=alerts)

# Space returns for the alerts, then for the archive.
rm -f "$MA/filler"
if wait_for '[ "$(health)" = 503 ] && grep -q archive "$T/healthz.body"' 20; then
	degraded_archive=yes
fi
[ -s "$T/sender.out" ] && sender_done_while_full=yes
errors_archive=$(metric logward_write_errors_total output=archive)
rm -f "$M/filler"
wait_for '[ -s "$T/sender.out" ]' 120 || fail "the TCP sender did not finish within 120 s of the disk being freed"
$PEER udp 127.0.0.1 "$UP" "<13>1 2026-11-27T10:00:00Z h t - - - udp end" >/dev/null 2>&1
$EV wait "$M/archive" 1 30 "message=udp end" >/dev/null 2>&1 || note "the UDP end marker was not archived"
wait_for '[ "$(health)" = 200 ]' 10 || note "/healthz still $(health) after the disk was freed"
wait_for '[ "$(metric logward_webhook_spool_records webhook=dead)" = "$(wc -l <"$MA/alerts.jsonl")" ]' 10
spool=$(metric logward_webhook_spool_records webhook=dead)
http_get "http://127.0.0.1:$MP/metrics" "$T/metrics.txt" >/dev/null
alerts_total=$(awk '/^logward_alerts_total\{/ { n += $2 } END { print n + 0 }' "$T/metrics.txt")
udp_drops=$(metric logward_dropped_messages_total input=udp4 reason=kernel_overflow)
logward_stats
udp_got=$(( $(counter udp4 messages) - 1 ))
logward_stop TERM
[ "$LOGWARD_STATUS" -eq 0 ] || fail "logward exited with $LOGWARD_STATUS"

# Every TCP message once, every alert once (names), UDP accounted for.
$PY - "$M/archive/events.jsonl" "$MA/alerts.jsonl" "$N" "$EVERY" >"$T/check.out" 2>&1 <<'PYEOF'
import collections, json, os, sys
sys.path.insert(0, os.environ["top_srcdir"] + "/tests")
from dotted import get  # tests/dotted.py
events, alerts, n, every = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
seen = collections.Counter()
udp = 0
for line in open(events):
    e = json.loads(line)
    m = e.get("message", "")
    if m.startswith("diskfull "):
        seen[int(m.split()[1])] += 1
    elif m.startswith("new user: name=df"):
        seen[int(m.split("name=df")[1].split(",")[0])] += 1
    elif m.startswith("udpfull "):
        udp += 1
names = collections.Counter()
for line in open(alerts):
    a = json.loads(line)
    name = get(a, "user.target.name", "")
    if name.startswith("df"):
        names[int(name[2:])] += 1
missing = [i for i in range(n) if seen[i] == 0]
dup = [i for i in seen if seen[i] > 1]
amissing = [i for i in range(0, n, every) if names[i] == 0]
adup = [i for i in names if names[i] > 1]
print("archived=%d missing=%d dup=%d alerts=%d alerts_missing=%d alerts_dup=%d udp_archived=%d"
      % (len(seen), len(missing), len(dup), sum(names.values()), len(amissing), len(adup), udp))
PYEOF
[ $? -eq 0 ] || fail "checking the files: $(cat "$T/check.out")"
result=$(cat "$T/check.out")
alerts_lines=$(wc -l <"$MA/alerts.jsonl")
note "sent tcp=$N udp=$udp_sent; $result; alerts file $alerts_lines lines," \
    "logward_alerts_total=$alerts_total, spool=$spool, udp received=$udp_got" \
    "kernel_overflow=$udp_drops; while full: healthz degraded alerts=$degraded_alerts" \
    "archive=$degraded_archive," \
    "write errors archive=$errors_archive alerts=$errors_alerts, tcp paused=$paused," \
    "sender done while full=$sender_done_while_full"

for k in missing dup alerts_missing alerts_dup; do
	v=$(echo "$result" | tr ' ' '\n' | sed -n "s/^$k=//p")
	[ "$v" -eq 0 ] || fail "$k=$v: $result"
done
[ "$degraded_alerts" = yes ] || fail "/healthz did not report the alerts file's full disk"
[ "$degraded_archive" = yes ] || fail "/healthz did not report the archive's full disk"
[ "$errors_archive" != absent ] && [ "$errors_archive" -gt 0 ] ||
	fail "no archive write error counted ($errors_archive)"
[ "$errors_alerts" != absent ] && [ "$errors_alerts" -gt 0 ] ||
	fail "no alerts write error counted ($errors_alerts)"
[ "$paused" -ge 1 ] || fail "TCP intake never paused"
[ "$sender_done_while_full" = no ] || fail "the TCP sender finished while the disk was full"
[ "$alerts_total" = "$alerts_lines" ] ||
	fail "logward_alerts_total $alerts_total, alerts file $alerts_lines lines"
[ "$spool" = "$alerts_lines" ] || fail "spool holds $spool records, alerts file $alerts_lines"
[ $((udp_got + udp_drops)) -eq "$udp_sent" ] ||
	fail "UDP: received $udp_got + kernel_overflow $udp_drops != sent $udp_sent"
udp_archived=$(echo "$result" | tr ' ' '\n' | sed -n "s/^udp_archived=//p")
[ "$udp_archived" -eq "$udp_got" ] || fail "UDP: $udp_archived archived, $udp_got received"
n=$(grep -c "archive $M/archive/events.jsonl: write failed, retrying until it succeeds: No space left on device" "$T/logward.err")
[ "$n" -eq 1 ] || fail "the archive's failure was logged $n times, not once"
grep -q "archive $M/archive/events.jsonl: writing again" "$T/logward.err" ||
	fail "the archive's recovery was not logged"
n=$(grep -c "archive $MA/alerts.jsonl: write failed, retrying until it succeeds: No space left on device" "$T/logward.err")
[ "$n" -eq 1 ] || fail "the alerts file's failure was logged $n times, not once"
grep -q "archive $MA/alerts.jsonl: writing again" "$T/logward.err" ||
	fail "the alerts file's recovery was not logged"
exit 0

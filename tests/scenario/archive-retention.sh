#!/bin/sh
# archive-retention: archive { keep_days compress } on a real daemon, with
# pre-dated days (touch -d) on a small tmpfs the test fills.  Expected:
# days past keep_days removed (plain and compressed), a leftover .tmp of a
# compression cut short removed; while the disk is full every compression
# fails, each day stays whole with no .tmp or copy beside it, the failures
# are counted in /metrics and logged once with path and errno; once space
# returns, SIGUSR1 runs a pass that compresses each closed day (zstd -dc
# gives it back byte for byte), the recovery is logged, and today's file
# is neither compressed nor removed, and still takes messages.
TEST_NAME=archive-retention
. "$(dirname "$0")/lib.sh"

M="$T/disk"
A="$M/archive"

tmpfs_mount "$M" 4m
mkdir -p "$A"

ports 2
set -- $PORTS
P=$1 MP=$2
metric() {
	http_get "http://127.0.0.1:$MP/metrics" "$T/metrics.txt" >/dev/null
	v=$(prom "$T/metrics.txt" "$1")
	echo "${v:-absent}"
}
ERRORS='logward_archive_retention_errors_total{op="compress"}'

today=$(date +%Y%m%d)
d1=$(date -d '-1 day' +%Y%m%d)
d2=$(date -d '-2 days' +%Y%m%d)
# yesterday: 600 KB that compress to about 450 KB; the day before: JSON lines
$PY -c 'import base64, os, sys; sys.stdout.write(base64.encodebytes(os.urandom(450000)).decode())' \
    >"$A/events-$d1.jsonl"
seq 1 20000 | sed 's/.*/{"n":&,"message":"retention line &"}/' >"$A/events-$d2.jsonl"
touch -d '-1 day' "$A/events-$d1.jsonl"
touch -d '-2 days' "$A/events-$d2.jsonl"
printf 'cut short' >"$A/events-$d2.jsonl.zst.tmp"
echo old >"$A/events-20200101.jsonl"
echo old >"$A/events-20200102.jsonl.zst"
echo notes >"$A/notes.txt"
touch -d '-10 days' "$A/events-20200101.jsonl" "$A/events-20200102.jsonl.zst" "$A/notes.txt"
# keep_days 3: the day 3 days and an hour ago goes, the one of 2 days stays
echo three >"$A/events-20200103.jsonl"
touch -d '-3 days -1 hour' "$A/events-20200103.jsonl"
sum1=$(sha256sum <"$A/events-$d1.jsonl")
sum2=$(sha256sum <"$A/events-$d2.jsonl")

dd if=/dev/zero of="$M/filler" bs=4k >/dev/null 2>&1
[ "$(df --output=avail "$M" | tail -n 1 | tr -d ' ')" -eq 0 ] || fail "$M is not full"

cat >"$T/logward.conf" <<CONF
input tcp4 { transport = tcp  address = "127.0.0.1:$P" }
rules = "$top_srcdir/patterns"
archive {
	path = "$A/events-%Y%m%d.jsonl"
	keep_days = 3
	compress = yes
}
alerts { path = "$T/alerts.jsonl" }
spool = "$T/spool"
stats_interval = 0
metrics { address = "127.0.0.1:$MP" }
CONF
logward_start "$T/logward.conf"

# The first pass runs at start, on a full disk.
wait_for '[ "$(metric "$ERRORS")" != absent ] && [ "$(metric "$ERRORS")" -ge 2 ]' 20 ||
	fail "no compression failure counted on a full disk: $ERRORS $(metric "$ERRORS")"
[ "$(metric logward_archive_files_removed_total)" = 3 ] ||
	fail "removed $(metric logward_archive_files_removed_total) files past keep_days, expected 3"
kill -USR1 "$LOGWARD_PID"
wait_for '[ "$(metric "$ERRORS")" -ge 4 ]' 20 || fail "the second pass (SIGUSR1) counted no failures"
errors_full=$(metric "$ERRORS")
for d in "$d1" "$d2"; do
	for s in .zst .zst.tmp; do
		[ ! -e "$A/events-$d.jsonl$s" ] || fail "events-$d.jsonl$s left on a full disk"
	done
done
[ "$(sha256sum <"$A/events-$d1.jsonl")" = "$sum1" ] || fail "yesterday changed on a full disk"
[ "$(sha256sum <"$A/events-$d2.jsonl")" = "$sum2" ] || fail "the day before changed on a full disk"
[ "$(metric logward_archive_files_compressed_total)" = 0 ] || fail "a compression counted as done"
n=$(grep -c "archive retention: cannot compress $A/events-$d2.jsonl: No space left on device" \
    "$T/logward.err")
[ "$n" -eq 1 ] || fail "the failure was logged $n times (expected once, with path and errno)"
[ "$(grep -c 'archive retention: cannot' "$T/logward.err")" -eq 1 ] ||
	fail "more than one failure line logged"

rm -f "$M/filler"
kill -USR1 "$LOGWARD_PID"
wait_for '[ "$(metric logward_archive_files_compressed_total)" = 2 ]' 30 ||
	fail "the closed days were not compressed once space returned"
zstd -dc "$A/events-$d1.jsonl.zst" | sha256sum | grep -qx "$sum1" || fail "yesterday's copy differs"
zstd -dc "$A/events-$d2.jsonl.zst" | sha256sum | grep -qx "$sum2" || fail "the day before's copy differs"
for f in "events-$d1.jsonl" "events-$d2.jsonl" "events-$d2.jsonl.zst.tmp" \
    events-20200101.jsonl events-20200102.jsonl.zst events-20200103.jsonl; do
	[ ! -e "$A/$f" ] || fail "$f is still there"
done
[ -e "$A/notes.txt" ] || fail "a file not the archive's was removed"
grep -q "archive retention: compress works again" "$T/logward.err" || fail "the recovery was not logged"

# Today's file is written now: left alone, and intake works.
$PEER tcp 127.0.0.1 "$P" '<14>1 2026-11-27T10:00:00Z h t - - - retention today\n' >/dev/null ||
	fail "TCP send failed"
$EV wait "$A/events-$today.jsonl" 1 20 "message=retention today" >/dev/null ||
	fail "a message sent after the passes was not archived in today's file"
[ ! -e "$A/events-$today.jsonl.zst" ] || fail "today's file was compressed"
# A reload to keep_days = 2 replaces the retention thread: its first pass
# removes a day 3 days old at once, keeps the copies of 1 and 1.5 days;
# the counters carry on.
echo three >"$A/events-20200104.jsonl"
touch -d '-3 days' "$A/events-20200104.jsonl"
touch -d '-1 day' "$A/events-$d1.jsonl.zst"
touch -d '-36 hours' "$A/events-$d2.jsonl.zst"
sed -i 's/keep_days = 3/keep_days = 2/' "$T/logward.conf"
kill -HUP "$LOGWARD_PID"
wait_for '[ "$(metric logward_archive_files_removed_total)" = 4 ]' 20 ||
	fail "after a reload to keep_days = 2: removed $(metric logward_archive_files_removed_total), expected 4"
[ ! -e "$A/events-20200104.jsonl" ] || fail "the day 3 days old stayed after keep_days = 2"
[ -e "$A/events-$d1.jsonl.zst" ] && [ -e "$A/events-$d2.jsonl.zst" ] ||
	fail "a copy younger than keep_days = 2 was removed"
[ "$(metric logward_archive_files_compressed_total)" = 2 ] || fail "the compressed count did not carry over"
note "removed $(metric logward_archive_files_removed_total), compress failures while full" \
    "$errors_full (logged once), compressed $(metric logward_archive_files_compressed_total)" \
    "after: $(du -k "$A/events-$d1.jsonl.zst" | cut -f1) KiB and" \
    "$(du -k "$A/events-$d2.jsonl.zst" | cut -f1) KiB"
logward_stop TERM
[ "$LOGWARD_STATUS" -eq 0 ] || fail "logward exited with $LOGWARD_STATUS"
exit 0

#!/bin/sh
# Correlations offline: every case of tests/data/correlate/ (README there)
# through logward --test-rules as one stream; the alerts, single-line and
# correlated, must be the case's .expect lines in order.
set -eu
: "${top_srcdir:?}" "${LOGWARD:?}"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT INT TERM
data=$top_srcdir/tests/data/correlate
status=0
n=0
for log in "$data"/*.log; do
	name=$(basename "$log" .log)
	if [ -f "$data/$name.conf.in" ]; then
		sed -e "s|@DATADIR@|$data|g" -e "s|@PATTERNS@|$top_srcdir/patterns|g" \
		    "$data/$name.conf.in" >"$tmp/$name.conf"
		timeout 60 "$LOGWARD" -f "$tmp/$name.conf" --test-rules "$log" >"$tmp/$name.out"
	else
		timeout 60 "$LOGWARD" --rules "$top_srcdir/patterns" --test-rules "$log" >"$tmp/$name.out"
	fi
	if python3 "$top_srcdir/tests/correlate/judge.py" check "$tmp/$name.out" "$data/$name.expect"; then
		echo "ok $name"
	else
		echo "FAIL $name"
		status=1
	fi
	n=$((n + 1))
done
[ "$n" -ge 4 ] || { echo "FAIL: only $n cases found in $data"; exit 1; }
exit $status

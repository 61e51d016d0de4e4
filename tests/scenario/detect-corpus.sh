#!/bin/sh
# The shared detection corpus through the running daemon: every positive
# row is sent over TCP (octet-counted, one connection) and the alerts file
# must hold exactly the expected (technique, account) pairs; then the
# negatives and the benign logs are sent and no alert may appear.
TEST_NAME=detect-daemon-corpus
. "$(dirname "$0")/lib.sh"

CORPUS="$PY $top_srcdir/tests/detect/corpus.py"
DATA="$top_srcdir/tests/data/detect"
ports 1
P=$PORTS

run_kind() {
	kind=$1
	rm -rf "$T/archive"
	cat >"$T/logward.conf" <<CONF
input corpus { transport = tcp  address = "127.0.0.1:$P" }
rules = "$top_srcdir/patterns"
archive { path = "$T/archive/events-%Y%m%d.jsonl" }
alerts { path = "$T/alerts-$kind.jsonl" }
workers = 2
stats_interval = 0
CONF
	$CORPUS frames "$DATA" "$T/frames.$kind" || fail "cannot build $kind frames"
	logward_start "$T/logward.conf"
	$PEER tcpfile 127.0.0.1 "$P" "$T/frames.$kind" >"$T/peer.out" 2>&1 ||
	    fail "sender: $(cat "$T/peer.out")"
	n=$($PY -c "import sys; sys.path.insert(0, '$top_srcdir/tests/detect'); import corpus; print(len(corpus.rows('$DATA', '$kind')))")
	ev_wait "$n" 60
	logward_stop TERM
	[ "$LOGWARD_STATUS" -eq 0 ] || fail "logward exited with $LOGWARD_STATUS"
	[ "$(counter corpus messages)" -eq "$n" ] || fail "$kind: messages=$(counter corpus messages), sent $n"
	$CORPUS judge "$DATA" "$kind" "$T/alerts-$kind.jsonl" >"$T/judge.out" 2>&1 ||
	    fail "$(cat "$T/judge.out")"
	note "$(cat "$T/judge.out")"
}

run_kind positive
run_kind negative
run_kind benign

# lib.sh: shared by the scenario tests; sourced, never run.
#
# A test sets TEST_NAME, sources this file, and gets:
#   $T            its own temporary directory (removed at exit unless the test
#                 failed or SCENARIO_KEEP is set, so it can be looked at)
#   $PY, $EV, $PEER  python3, the event query helper, the byte-exact peer
#   fail MSG      print "FAIL: ..." with the daemon's log tail, exit 1
#   ports N       PORTS= N free loopback ports (TCP and UDP, IPv4 and IPv6)
#   logward_start CONF / logward_stop [SIG]  the daemon under test (run as
#                 root, so a CONF that sets neither user nor run_as_root gets
#                 "run_as_root = yes" appended: logward refuses root otherwise)
#   logward_reload CONF  CONF in place of $T/logward.conf, SIGHUP, wait for the
#                 reload's outcome line and print it
#   counter INPUT FIELD   the field of the last counter summary of INPUT
#   bg_start NAME CMD...  start a helper process that cleanup will end
#   tmpfs_mount DIR SIZE [MODE]  mount a tmpfs of SIZE (e.g. 8m) on DIR (made), which
#                 cleanup unmounts after ending the processes, before $T goes
# Every process a test starts is ended at exit: TERM, then KILL after 5 s.
# Scenario tests never skip: everything they need comes with the quickstart.

set -u

top_srcdir=${top_srcdir:-.}
top_builddir=${top_builddir:-.}
LOGWARD=${LOGWARD:-$top_builddir/src/logward}
TZ=${TZ:-UTC}
export TZ
SCENARIO_DIR=$(cd "$(dirname "$0")" && pwd)
# The distribution's python3 starts in a fraction of the time of a shim.
if [ -x /usr/bin/python3 ]; then PY=/usr/bin/python3; else PY=python3; fi
EV="$PY $SCENARIO_DIR/ev.py"
PEER="$PY $SCENARIO_DIR/peer.py"

T=$(mktemp -d "${TMPDIR:-/tmp}/logward-${TEST_NAME:-scenario}.XXXXXX") || exit 1
BG_PIDS=""
LOGWARD_PID=""
MOUNTS=""
LOGWARD_STATUS=""
TEST_FAILED=0

note() {
	echo "$TEST_NAME: $*"
}

fail() {
	TEST_FAILED=1
	echo "FAIL: $TEST_NAME: $*" >&2
	if [ -s "$T/logward.err" ]; then
		echo "--- last lines of logward's log ($T/logward.err):" >&2
		tail -n 15 "$T/logward.err" >&2
	fi
	exit 1
}

# End one process: TERM, wait up to 5 s, then KILL.
end_process() {
	pid=$1
	kill -0 "$pid" 2>/dev/null || return 0
	kill -TERM "$pid" 2>/dev/null
	i=0
	while kill -0 "$pid" 2>/dev/null && [ $i -lt 50 ]; do
		sleep 0.1
		i=$((i + 1))
	done
	if kill -0 "$pid" 2>/dev/null; then
		echo "$TEST_NAME: process $pid ignored TERM for 5 s: killed" >&2
		kill -KILL "$pid" 2>/dev/null
	fi
	wait "$pid" 2>/dev/null
	return 0
}

cleanup() {
	rc=$?
	trap - EXIT INT TERM HUP
	for p in $BG_PIDS $LOGWARD_PID; do
		end_process "$p"
	done
	for m in $MOUNTS; do
		mountpoint -q "$m" && { umount "$m" 2>/dev/null || umount -l "$m"; }
	done
	if [ "$rc" -eq 0 ] && [ "$TEST_FAILED" -eq 0 ] && [ -z "${SCENARIO_KEEP:-}" ]; then
		rm -rf "$T"
	else
		echo "$TEST_NAME: files kept in $T" >&2
		[ "$rc" -eq 0 ] && rc=1
	fi
	exit "$rc"
}
trap cleanup EXIT
trap 'echo "$TEST_NAME: interrupted" >&2; exit 1' INT TERM HUP

tmpfs_mount() {
	[ "$(id -u)" -eq 0 ] || fail "needs root to mount a tmpfs (scenario tests run as root)"
	mkdir -p "$1" || fail "mkdir $1"
	mount -t tmpfs -o "size=$2,mode=${3:-0755}" logward-test "$1" || fail "cannot mount a tmpfs on $1"
	MOUNTS="$MOUNTS $1"
}

# Wait up to $2 seconds (default 10) for the shell command $1 to succeed.
wait_for() {
	deadline=$(($(date +%s) + ${2:-10}))
	while ! eval "$1"; do
		[ "$(date +%s)" -ge "$deadline" ] && return 1
		sleep 0.05
	done
	return 0
}

# Set PORTS to $1 free loopback ports (TCP and UDP, IPv4 and IPv6).
ports() {
	PORTS=$($PEER ports "$1") || fail "cannot find $1 free loopback ports"
}

bg_start() {
	name=$1
	shift
	"$@" >"$T/$name.out" 2>"$T/$name.err" &
	BG_PIDS="$BG_PIDS $!"
	BG_LAST=$!
}

# As root, a configuration without user = needs run_as_root = yes to start,
# and so to pass -t: add it to CONF, as an operator testing as root would.
root_ok() {
	if [ "$(id -u)" -eq 0 ] && ! grep -Eq '^[[:space:]]*(user|run_as_root)[[:space:]]*=' "$1"; then
		echo "run_as_root = yes" >>"$1"
	fi
}

# Start the daemon on CONF; wait until it says it started: up to
# LOGWARD_START_SECONDS (30 s; a sanitized build on a busy machine needs more
# than 10 s to load the rulebases).
logward_start() {
	[ -x "$LOGWARD" ] || fail "no daemon at LOGWARD=$LOGWARD"
	root_ok "$1"
	: >"$T/logward.err"
	"$LOGWARD" -f "$1" >"$T/logward.out" 2>>"$T/logward.err" &
	LOGWARD_PID=$!
	LOGWARD_STATUS=""
	start_bound=${LOGWARD_START_SECONDS:-30}
	deadline=$(($(date +%s) + start_bound))
	until grep -q " started" "$T/logward.err"; do
		if ! kill -0 "$LOGWARD_PID" 2>/dev/null; then
			wait "$LOGWARD_PID"
			LOGWARD_STATUS=$?
			LOGWARD_PID=""
			fail "logward exited with status $LOGWARD_STATUS during start-up"
		fi
		[ "$(date +%s)" -ge "$deadline" ] && fail "logward did not start within $start_bound s"
		sleep 0.05
	done
}

# Signal the daemon (TERM by default) and wait up to 15 s for it to exit;
# its exit status is left in LOGWARD_STATUS.
logward_stop() {
	[ -n "$LOGWARD_PID" ] || fail "logward is not running"
	kill -"${1:-TERM}" "$LOGWARD_PID"
	deadline=$(($(date +%s) + 15))
	while kill -0 "$LOGWARD_PID" 2>/dev/null; do
		if [ "$(date +%s)" -ge "$deadline" ]; then
			kill -KILL "$LOGWARD_PID"
			wait "$LOGWARD_PID" 2>/dev/null
			LOGWARD_PID=""
			fail "logward did not exit within 15 s of SIG${1:-TERM}"
		fi
		sleep 0.05
	done
	wait "$LOGWARD_PID"
	LOGWARD_STATUS=$?
	LOGWARD_PID=""
}

logward_reload() {
	lr_before=$(grep -c "reloaded \|reload failed" "$T/logward.err")
	[ "$1" = "$T/logward.conf" ] || cp "$1" "$T/logward.conf"
	kill -HUP "$LOGWARD_PID"
	wait_for '[ "$(grep -c "reloaded \|reload failed" "$T/logward.err")" -gt "$lr_before" ]' 20 ||
		fail "$1: no reload outcome within 20 s"
	grep "reloaded \|reload failed" "$T/logward.err" | tail -n 1
}

logward_alive() {
	[ -n "$LOGWARD_PID" ] && kill -0 "$LOGWARD_PID" 2>/dev/null
}

# Ask for a counter summary (SIGUSR2) and wait until it is in the log.
logward_stats() {
	before=$(grep -c "messages=" "$T/logward.err")
	kill -USR2 "$LOGWARD_PID"
	wait_for '[ "$(grep -c "messages=" "$T/logward.err")" -gt "$before" ]' 5 ||
		fail "no counter summary within 5 s of SIGUSR2"
	# one line per input: give the others a moment
	sleep 0.1
}

# Field $2 of the last counter summary of input $1 ("" when absent).
counter() {
	grep "input $1: messages=" "$T/logward.err" | tail -n 1 |
	    tr ' ' '\n' | sed -n "s/^$2=//p"
}

# Assert one event: ev_check FILTER... -- EXPECT...
ev_check() {
	$EV check "$T/archive" "$@" >"$T/ev.out" 2>&1 || fail "$(cat "$T/ev.out")"
}

# Wait up to $2 seconds for $1 events matching the filters that follow.
ev_wait() {
	n=$1
	secs=$2
	shift 2
	$EV wait "$T/archive" "$n" "$secs" "$@" >"$T/ev.out" 2>&1 || fail "$(cat "$T/ev.out")"
	EV_WAIT_RESULT=$(cat "$T/ev.out")
}

# Send one message with util-linux logger and assert its event field by field.
#   logger_case INPUT HOST PORT FORMAT [logger transport options...]
# INPUT is the listener's name, FORMAT rfc5424 or rfc3164.  The event must be
# archived within 5 s; the latency is added to $T/latency.
CASE_N=0
logger_case() {
	lc_input=$1 lc_host=$2 lc_port=$3 lc_format=$4
	shift 4
	CASE_N=$((CASE_N + 1))
	lc_token="case$CASE_N-$lc_input-$lc_format-$$"
	lc_transport=udp
	case " $* " in *" --tcp "* | *" -T "*) lc_transport=tcp ;; esac
	lc_day=$(date -u +%Y-%m-%dT)
	lc_t0=$(date +%s.%N)
	case $lc_format in
	rfc5424)
		logger --rfc5424 -n "$lc_host" -P "$lc_port" "$@" -t myapp -p auth.warning \
		    --id=4242 --msgid ID47 --sd-id exampleSDID@32473 --sd-param 'iut="3"' \
		    --sd-param 'eventSource="Appl\"x\]y"' --sd-id origin \
		    --sd-param 'ip="10.0.0.1"' "$lc_token hello world" ||
		    fail "logger --rfc5424 $* failed"
		;;
	rfc3164)
		logger --rfc3164 -n "$lc_host" -P "$lc_port" "$@" -t myapp -p local3.err \
		    --id=4242 "$lc_token hello world" || fail "logger --rfc3164 $* failed"
		;;
	esac
	EV_T0=$lc_t0 ev_wait 1 5 "message~$lc_token"
	note "logger --$lc_format $* to $lc_host: $EV_WAIT_RESULT"
	echo "$lc_format $* $lc_host: $EV_WAIT_RESULT" >>"$T/latency"
	lc_host_full=$(hostname)
	case $lc_format in
	rfc5424)
		ev_check "message~$lc_token" -- \
		    "message=$lc_token hello world" \
		    log.syslog.priority=36 \
		    log.syslog.facility.code=4 log.syslog.facility.name=auth \
		    log.syslog.severity.code=4 log.syslog.severity.name=warning \
		    log.syslog.version=1 \
		    "log.syslog.hostname=$lc_host_full" \
		    log.syslog.appname=myapp log.syslog.procid=4242 log.syslog.msgid=ID47 \
		    log.syslog.structured_data.exampleSDID@32473.iut=3 \
		    'log.syslog.structured_data.exampleSDID@32473.eventSource=Appl"x]y' \
		    log.syslog.structured_data.origin.ip=10.0.0.1 \
		    log.syslog.structured_data.timeQuality.tzKnown=1 \
		    "@timestamp^$lc_day" "event.created^$lc_day" \
		    "event.original^<36>1 " "event.original~$lc_token hello world" \
		    "network.transport=$lc_transport" "observer.ingress.interface.name=$lc_input" \
		    "source.ip=$lc_host" source.port? error.message! \
		    "tags[]!=_syslog_parse_failure"
		;;
	rfc3164)
		ev_check "message~$lc_token" -- \
		    "message=$lc_token hello world" \
		    log.syslog.priority=155 \
		    log.syslog.facility.code=19 log.syslog.facility.name=local3 \
		    log.syslog.severity.code=3 log.syslog.severity.name=err \
		    "log.syslog.hostname=${lc_host_full%%.*}" \
		    log.syslog.appname=myapp log.syslog.procid=4242 log.syslog.msgid! \
		    log.syslog.structured_data! \
		    "@timestamp^$lc_day" "event.created^$lc_day" \
		    "event.original^<155>" "event.original~myapp[4242]: $lc_token hello world" \
		    "network.transport=$lc_transport" "observer.ingress.interface.name=$lc_input" \
		    "source.ip=$lc_host" source.port? error.message!
		;;
	esac
}

# http_get URL FILE: GET URL (5 s), the body into FILE; prints the status,
# or "down" when nothing answers.
http_get() {
	$PY -c 'import sys, urllib.request, urllib.error
try:
    r = urllib.request.urlopen(sys.argv[1], timeout=5)
    status, body = r.status, r.read()
except urllib.error.HTTPError as e:
    status, body = e.code, e.read()
except OSError:
    status, body = "down", b""
open(sys.argv[2], "wb").write(body)
print(status)' "$1" "$2"
}

# prom FILE 'NAME{LABELS}': that sample's value in a /metrics body ("" when absent)
prom() {
	awk -v k="$2" '$1 == k { print $2 }' "$1"
}

# tcp_refused HOST PORT: succeeds when a TCP connection there is refused
tcp_refused() {
	$PY -c 'import socket, sys
s = socket.socket(socket.AF_INET6 if ":" in sys.argv[1] else socket.AF_INET)
s.settimeout(5)
try:
    s.connect((sys.argv[1], int(sys.argv[2])))
except ConnectionRefusedError:
    sys.exit(0)
sys.exit(1)' "$1" "$2"
}

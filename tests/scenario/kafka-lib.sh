# kafka-lib.sh: shared by the kafka-* scenarios; sourced after lib.sh.
#   mock_start BROKERS TOPIC:PARTS...  a librdkafka mock cluster (kafka_mock);
#                         sets BOOTSTRAP
#   mock CMD...           one command to it (see tests/kafka/kafka_mock.c);
#                         MOCK_ANSWER holds its answer
#   kafka_conf PORT MPORT [EXTRA]  the configuration (KAFKA_WORKERS: workers =): a TCP input on PORT,
#                         metrics on MPORT, files in $T, and a kafka block
#                         "bus" on the mock (EXTRA: more keys in the block)
#   send PREFIX N [HOSTS] N lines over one TCP connection, host PREFIX-h(i%HOSTS),
#                         message "PREFIX seq=i"
#   send_alerts PREFIX N  N useradd lines (one alert each)
#   kmetric NAME{LABELS}  that sample of /metrics ("" when absent)
#   kcat_read TOPIC FILE  the topic read back with kcat: "KEY<TAB>VALUE" a line
#   topic_count TOPIC     the messages the mock's leaders hold for TOPIC (the
#                         sum over its partitions of high - low watermark):
#                         sets ON_TOPIC, and MOCK_ANSWER ("ok TOTAL P:LOW-HIGH...")
KAFKA_MOCK=${KAFKA_MOCK:-$top_builddir/tests/kafka/kafka_mock}

mock_start() {
	mkfifo "$T/mock.in" || fail "mkfifo"
	# held open read-write: the mock's stdin never sees EOF between commands
	exec 7<>"$T/mock.in"
	# not bg_start: an asynchronous command's stdin is /dev/null unless its
	# own redirection says otherwise
	"$KAFKA_MOCK" "$@" <"$T/mock.in" >"$T/mock.out" 2>"$T/mock.err" &
	MOCK_PID=$!
	BG_PIDS="$BG_PIDS $MOCK_PID"
	wait_for 'grep -q "^bootstrap " "$T/mock.out"' 20 || fail "the mock cluster did not start"
	BOOTSTRAP=$(sed -n 's/^bootstrap //p' "$T/mock.out")
}

mock() {
	mk_before=$(grep -c '^ok\|^error' "$T/mock.out")
	echo "$*" >&7
	wait_for '[ "$(grep -c "^ok\|^error" "$T/mock.out")" -gt "$mk_before" ]' 60 ||
		fail "the mock did not answer: $*"
	MOCK_ANSWER=$(grep '^ok\|^error' "$T/mock.out" | tail -n 1)
	case $MOCK_ANSWER in error*) fail "mock: $*: $MOCK_ANSWER" ;; esac
}

kafka_conf() {
	cat <<CONF
input tcp4 { transport = tcp  address = "127.0.0.1:$1" }
rules = "$top_srcdir/patterns"
archive { path = "$T/archive/events.jsonl" }
alerts { path = "$T/alerts.jsonl" }
spool = "$T/spool"
stats_interval = 0
${KAFKA_WORKERS:+workers = $KAFKA_WORKERS}
metrics { address = "127.0.0.1:$2" }
kafka bus {
	brokers = "$BOOTSTRAP"
	topic = "events"
	alerts_topic = "alerts"
	${3:-}
}
CONF
}

send() {
	$PY - "$P" "$1" "$2" "${3:-10}" <<'PYEOF' || fail "sender failed"
import socket, sys
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=30)
p, n, hosts = sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
s.sendall(b"".join(b"<134>Nov 27 10:00:00 %s-h%d app[1]: %s seq=%d\n" %
                   (p.encode(), i % hosts, p.encode(), i) for i in range(n)))
s.close()
PYEOF
}

send_alerts() {
	$PY - "$P" "$1" "$2" <<'PYEOF' || fail "sender failed"
import socket, sys
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=30)
p = sys.argv[2].encode()
s.sendall(b"".join(b"<86>Nov 27 10:00:00 web1 useradd[1]: new user: name=%s%d, UID=%d, "
                   b"GID=100, home=/home/x, shell=/bin/bash\n" % (p, i, 3000 + i)
                   for i in range(int(sys.argv[3]))))
s.close()
PYEOF
}

kmetric() {
	http_get "http://127.0.0.1:$MP/metrics" "$T/metrics.txt" >/dev/null
	prom "$T/metrics.txt" "$1"
}

# Wait up to $3 s for metric $1 to equal $2.
kmetric_wait() {
	km_name=$1 km_want=$2
	wait_for '[ "$(kmetric "$km_name")" = "$km_want" ]' "$3" ||
		fail "$1 is $(kmetric "$1"), expected $2 within $3 s"
}

kcat_read() {
	timeout 60 kcat -C -b "$BOOTSTRAP" -t "$1" -e -q -f '%k\t%s\n' >"$2" 2>"$T/kcat.err" ||
		fail "kcat -C -t $1 failed: $(tail -n 3 "$T/kcat.err")"
}

topic_count() {
	mock watermarks "$1"
	ON_TOPIC=$(echo "$MOCK_ANSWER" | cut -d ' ' -f 2)
}

# check_topic FILE PREFIX N [dups-ok]: the events of PREFIX in FILE
# (KEY<TAB>VALUE lines) are seq 0..N-1 exactly once each, valid JSON, keyed
# by their host, and in order for each host.  With dups-ok (at least once:
# a producer made anew sends again what it could not confirm), a repeat of
# an earlier seq is counted and printed, not failed, and the order is that
# of first arrivals.
check_topic() {
	$PY - "$1" "$2" "$3" "${4:-}" <<'PYEOF' || fail "topic check: $(cat "$T/check.out")"
import json, sys
path, prefix, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
dups_ok = sys.argv[4] == "dups-ok"
seen, last, bad = {}, {}, []
for line in open(path, encoding="utf-8"):
    key, _, value = line.rstrip("\n").partition("\t")
    ev = json.loads(value)
    msg = ev.get("message", "")
    if not msg.startswith(prefix + " seq="):
        continue
    seq = int(msg.split("seq=")[1])
    host = ev["log"]["syslog"]["hostname"]
    if key != host:
        bad.append("seq %d keyed %r, host %r" % (seq, key, host))
    if dups_ok and seq in seen:
        seen[seq] += 1
        continue
    if last.get(host, -1) >= seq:
        bad.append("seq %d of %s after %d" % (seq, host, last[host]))
    last[host] = seq
    seen[seq] = seen.get(seq, 0) + 1
missing = [i for i in range(n) if i not in seen]
dups = [i for i, c in seen.items() if c > 1]
if dups_ok and dups and not missing and not bad:
    print("%d events, each at least once (%d sent again), keyed, in order per host"
          % (n, len(dups)))
    sys.exit(0)
if missing or dups or bad:
    print("missing %d %s, duplicated %d %s, %s" % (len(missing), missing[:5], len(dups), dups[:5], bad[:3]))
    sys.exit(1)
print("%d events once each, keyed, in order per host" % n)
PYEOF
}

#!/bin/sh
# kafka-order: with several workers, each host's events reach its partition
# in the order logward received them (README "Kafka": the ordered produce
# step).  workers = 2 then 4; 4 TCP connections at once, each with 50 hosts
# of its own, 20,000 numbered messages each; the topic read back with kcat
# holds every message once and each host's sequence numbers strictly
# increasing.  Batches processed side by side used to be produced side by
# side, and a host's events interleaved in its partition.
TEST_NAME=kafka-order
. "$(dirname "$0")/lib.sh"
. "$SCENARIO_DIR/kafka-lib.sh"

# the mock's brokers first: their ports are then taken, and ports cannot pick them
mock_start 3 events:4 alerts:2
ports 2
set -- $PORTS
P=$1 MP=$2
DELIVERED='logward_kafka_messages_total{output="bus",stream="events",result="delivered"}'
CONNS=4 N=20000 HOSTS=50

# send_parallel PREFIX: CONNS connections at once, connection c sends
# PREFIXc N lines (hosts PREFIXc-h0..HOSTS-1)
send_parallel() {
	$PY - "$P" "$1" "$CONNS" "$N" "$HOSTS" <<'PYEOF' || fail "sender failed"
import socket, sys, threading
port, prefix, conns, n, hosts = int(sys.argv[1]), sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5])
errors = []
def one(c):
    try:
        p = ("%s%d" % (prefix, c)).encode()
        s = socket.create_connection(("127.0.0.1", port), timeout=60)
        data = b"".join(b"<134>Nov 27 10:00:00 %s-h%d app[1]: %s seq=%d\n" % (p, i % hosts, p, i)
                        for i in range(n))
        # in pieces, so that the connections' reads interleave in intake
        for off in range(0, len(data), 16384):
            s.sendall(data[off:off + 16384])
        s.close()
    except Exception as e:
        errors.append(str(e))
ts = [threading.Thread(target=one, args=(c,)) for c in range(conns)]
for t in ts: t.start()
for t in ts: t.join()
if errors:
    print(errors); sys.exit(1)
PYEOF
}

total=0
for W in 2 4; do
	KAFKA_WORKERS=$W kafka_conf "$P" "$MP" >"$T/logward.conf"
	logward_start "$T/logward.conf"
	send_parallel "w${W}c"
	kmetric_wait "$DELIVERED" $((CONNS * N)) 120
	logward_stop
	total=$((total + CONNS * N))
done

kcat_read events "$T/events.tsv"
[ "$(wc -l <"$T/events.tsv")" = "$total" ] || fail "topic holds $(wc -l <"$T/events.tsv") events, expected $total"
for W in 2 4; do
	c=0
	while [ $c -lt $CONNS ]; do
		check_topic "$T/events.tsv" "w${W}c$c" "$N" >"$T/check.out" ||
			fail "workers = $W, connection $c: $(cat "$T/check.out")"
		c=$((c + 1))
	done
done
note "workers 2 and 4: $total events, $CONNS connections x $HOSTS hosts each, every host in order"

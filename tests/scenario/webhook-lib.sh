# webhook-lib.sh: shared by the webhook-* scenarios; sourced after lib.sh.
#   RECV                  the webhook receiver (receiver.py)
#   webhook_conf PORT     the lines each of their configurations starts with:
#                         a TCP input on PORT, the shipped rules, files in $T
#   metric NAME [LABEL=VALUE ...]  one sample of /metrics on port $MP
#   send_useradd PORT FIRST N  N useradd lines over TCP to PORT, accounts
#                         uFIRST.. (one alert each, none folded)
RECV="$PY $SCENARIO_DIR/receiver.py"

webhook_conf() {
	cat <<CONF
input tcp4 { transport = tcp  address = "127.0.0.1:$1" }
rules = "$top_srcdir/patterns"
archive { path = "$T/archive/events.jsonl" }
alerts { path = "$T/alerts.jsonl" }
spool = "$T/spool"
stats_interval = 0
CONF
}

metric() {
	$RECV metric "http://127.0.0.1:$MP/metrics" "$@"
}

send_useradd() {
	$PY - "$1" "$2" "$3" <<'PYEOF' || fail "sender failed"
import socket, sys
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=10)
a, n = int(sys.argv[2]), int(sys.argv[3])
s.sendall(b"".join(b"<86>Nov 27 10:00:00 web1 useradd[1]: new user: name=u%05d, UID=%d, "
                   b"GID=100, home=/home/x, shell=/bin/bash\n" % (i, 3000 + i)
                   for i in range(a, a + n)))
s.close()
PYEOF
}

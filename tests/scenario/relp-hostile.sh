#!/bin/sh
# relp-hostile: malformed RELP from python3 sockets.  Each hostile session
# (bad txnr, negative, huge and non-numeric DATALEN, unknown command, data
# before open, a second open, an open without offers, a command after close,
# a window overrun, a missing trailer) is answered with "0 serverclose 0"
# and closed, and counted in logward_relp_sessions_closed_total by reason;
# a well-behaved session, opened before the first and kept open throughout,
# gets each of its messages acknowledged (after the write: its event is in
# the archive by then) between every two hostile ones, and a new
# well-behaved session works after each too.
TEST_NAME=relp-hostile
. "$(dirname "$0")/lib.sh"

ports 2
set -- $PORTS
LW_RELP=$1 MP=$2
cat >"$T/logward.conf" <<CONF
input lw_relp { transport = relp  address = "127.0.0.1:$LW_RELP"  max_message_size = 1024 }
rules = "$top_srcdir/patterns"
archive { path = "$T/archive/events.jsonl" }
metrics { address = "127.0.0.1:$MP" }
workers = 2
stats_interval = 0
CONF
logward_start "$T/logward.conf"

cat >"$T/hostile.py" <<'PY'
import json, socket, sys, time
port, archive = int(sys.argv[1]), sys.argv[2]
OPEN = b"1 open 46 relp_version=0\nrelp_software=x\ncommands=syslog\n"

def conn():
    s = socket.create_connection(("127.0.0.1", port), timeout=10)
    return s

def recv_until(s, want):
    buf = b""
    while want not in buf:
        d = s.recv(65536)
        if not d:
            break
        buf += d
    return buf

def archived(text):
    try:
        with open(archive) as f:
            return any(json.loads(l).get("message") == text for l in f)
    except FileNotFoundError:
        return False

class Good:
    def __init__(self):
        self.s = conn()
        self.s.sendall(OPEN)
        r = recv_until(self.s, b"commands=syslog\n")
        assert r.startswith(b"1 rsp ") and b"200 OK" in r, r
        self.txnr = 2
    def send(self, text):
        m = text.encode()
        self.s.sendall(b"%d syslog %d %s\n" % (self.txnr, len(m), m))
        want = b"%d rsp 6 200 OK\n" % self.txnr
        r = recv_until(self.s, want)
        assert want in r, (text, r)
        # the answer came after the write: the event is in the file now
        assert archived(text), "acknowledged before archived: " + text
        self.txnr += 1
    def close(self):
        self.s.sendall(b"%d close 0\n" % self.txnr)
        r = recv_until(self.s, b"rsp 0\n")
        assert (b"%d rsp 0\n" % self.txnr) in r, r
        self.s.close()

def hostile(name, data):
    s = conn()
    s.sendall(data)
    r = b""
    s.settimeout(10)
    try:
        while True:
            d = s.recv(65536)
            if not d:
                break
            r += d
    except ConnectionResetError:
        pass
    assert r.endswith(b"0 serverclose 0\n"), (name, r)
    s.close()

cases = [
    ("bad_txnr", OPEN + b"5 syslog 1 a\n"),
    ("bad_txnr", b"0 open 1 x\n"),
    ("bad_txnr", b"1234567890 open 1 x\n"),
    ("bad_datalen", OPEN + b"2 syslog -5 hello\n"),
    ("bad_datalen", OPEN + b"2 syslog 12x4 hello\n"),
    ("too_large", OPEN + b"2 syslog 999999999 "),
    ("too_large", OPEN + b"2 syslog 2049 "),
    ("unknown_command", OPEN + b"2 starttls 0\n"),
    ("bad_command", OPEN + b"2 " + b"x" * 40 + b" 0\n"),
    ("before_open", b"1 syslog 5 hello\n"),
    ("second_open", OPEN + OPEN.replace(b"1 open", b"2 open")),
    ("bad_offer", b"1 open 14 relp_version=0\n"),
    ("after_close", OPEN + b"2 close 0\n3 syslog 1 a\n"),
    ("bad_frame", OPEN + b"2 syslog 5 helloX"),
    ("window_overrun", OPEN + b"".join(b"%d syslog 1 a\n" % (i + 2) for i in range(1100))),
]
keep = Good()
tok = sys.argv[3]
n = 0
for name, data in cases:
    hostile(name, data)
    n += 1
    keep.send("%s kept %d" % (tok, n))
    g = Good()
    g.send("%s fresh %d" % (tok, n))
    g.close()
keep.close()
print("%d hostile sessions, %d messages acknowledged after the write" % (len(cases), 2 * n))
PY
tok=h$$
$PY "$T/hostile.py" "$LW_RELP" "$T/archive/events.jsonl" "$tok" >"$T/hostile.out" 2>&1 ||
    fail "$(cat "$T/hostile.out")"
note "$(cat "$T/hostile.out")"
logward_alive || fail "logward died"

[ "$(http_get "http://127.0.0.1:$MP/metrics" "$T/metrics")" = 200 ] || fail "/metrics"
for r in bad_txnr:3 bad_datalen:2 too_large:2 unknown_command:1 bad_command:1 before_open:1 \
    second_open:1 bad_offer:1 after_close:1 bad_frame:1 window_overrun:1 ok:16; do
	got=$(prom "$T/metrics" "logward_relp_sessions_closed_total{input=\"lw_relp\",reason=\"${r%:*}\"}")
	[ "$got" = "${r#*:}" ] || fail "sessions closed for ${r%:*}: $got, expected ${r#*:}"
done
logward_stop TERM
[ "$LOGWARD_STATUS" -eq 0 ] || fail "logward exited with status $LOGWARD_STATUS after TERM"
note "PASS"

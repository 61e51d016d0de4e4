#!/bin/sh
# python-nul: Python's logging.handlers.SysLogHandler over TCP ends every
# message with NUL (append_nul) and sends logging.exception() with its
# traceback's LFs inside.  A connection whose first frame ends in NUL is a
# NUL connection (framing.c): the exception is one event, not four, and the
# messages before and after it are whole.  A connection whose very first
# message holds an LF is an LF connection, as documented: its traceback is
# split at each LF.
TEST_NAME=python-nul
. "$(dirname "$0")/lib.sh"

ports 1
P=$PORTS
cat >"$T/logward.conf" <<CONF
input tcp { transport = tcp  address = "127.0.0.1:$P" }
rules = "$top_srcdir/patterns"
archive { path = "$T/archive/events-%Y%m%d.jsonl" }
workers = 2
stats_interval = 0
CONF
logward_start "$T/logward.conf"

cat >"$T/app.py" <<'PY'
import logging, logging.handlers, socket, sys

port, first = int(sys.argv[1]), sys.argv[2]
h = logging.handlers.SysLogHandler(address=("127.0.0.1", port), socktype=socket.SOCK_STREAM)
h.setFormatter(logging.Formatter("pyapp[%(process)d]: %(message)s"))
log = logging.getLogger("app")
log.addHandler(h)
log.setLevel(logging.INFO)
if first == "info":
    log.info("started %s", first)
try:
    1 / 0
except ZeroDivisionError:
    log.exception("boom %s", first)
log.info("after %s", first)
h.close()
PY

timeout 20 $PY "$T/app.py" "$P" info || fail "the Python client failed"
ev_wait 3 10 "message~ info"
ev_check "message^boom info" -- "log.syslog.appname=pyapp" "message~Traceback (most recent call last):" \
    "message~ZeroDivisionError: division by zero" "log.syslog.severity.code=3"
ev_check "message=started info" -- "log.syslog.appname=pyapp"
ev_check "message=after info" -- "log.syslog.appname=pyapp"
[ "$($EV count "$T/archive" "message~ info")" = 3 ] || fail "the NUL connection's messages are not 3 events"
[ "$($EV count "$T/archive" "message^Traceback")" = 0 ] || fail "a traceback line became an event"

# the first message is the exception: an LF connection, the traceback split (documented)
timeout 20 $PY "$T/app.py" "$P" exception || fail "the Python client failed"
ev_wait 1 10 "message=after exception"
ev_check "message=boom exception" -- "log.syslog.appname=pyapp"
[ "$($EV count "$T/archive" "message^Traceback")" = 1 ] ||
    fail "an LF connection's traceback line is not its own event"

logward_stop TERM
[ "$LOGWARD_STATUS" -eq 0 ] || fail "logward exited with status $LOGWARD_STATUS after TERM"
note "PASS"

#!/bin/sh
# detect-daemon: the real daemon turns a shadow-utils useradd line sent over
# TCP into exactly one alert in the alerts file (ECS fields, ATT&CK
# technique, secrets redacted), a non-matching line into none, and counts
# alerts= per input.  Self-contained: its own detections file next to the
# shipped shadow-utils rulebase.
TEST_NAME=detect-daemon
. "$(dirname "$0")/lib.sh"

ports 1
P=$PORTS
mkdir -p "$T/rules" || fail "mkdir"
cp "$top_srcdir/patterns/linux-shadow-utils.rulebase" "$T/rules/" || fail "no rulebase"
cat >"$T/rules/test.detections" <<'DET'
technique T1136.001 {
	name = "Create Account: Local Account"
	tactic = "TA0003"
	tactic_name = "Persistence"
}
detection scenario-useradd {
	title = "Local account created (scenario)"
	technique = "T1136.001"
	severity = high
	tags = { "iam.user.create" }
	when = { "log.syslog.appname in_i (useradd, adduser)" }
	unless = { "user.target.name == root" }
}
redact = { "(password|secret)( [0-9])? ([^ ]+)" }
DET
cat >"$T/logward.conf" <<CONF
input tcp4 { transport = tcp  address = "127.0.0.1:$P" }
rules = "$T/rules"
archive { path = "$T/archive/events-%Y%m%d.jsonl" }
alerts { path = "$T/alerts/alerts.jsonl" }
workers = 2
stats_interval = 0
CONF
root_ok "$T/logward.conf"
"$LOGWARD" -t -f "$T/logward.conf" >"$T/check.out" 2>&1 || fail "-t: $(cat "$T/check.out")"
grep -q "1 detections (1 files) OK" "$T/check.out" || fail "-t does not count detections: $(cat "$T/check.out")"
logward_start "$T/logward.conf"
grep -q "1 detections" "$T/logward.err" || fail "start-up line does not count detections"

ADD='<86>Nov 27 10:00:00 web1 useradd[4242]: new user: name=mallory, UID=1337, GID=1337, home=/home/mallory, shell=/bin/bash, from=/dev/pts/0'
ROOT='<86>Nov 27 10:00:01 web1 useradd[4243]: new user: name=root, UID=0, GID=0, home=/root, shell=/bin/bash'
OTHER='<86>Nov 27 10:00:02 web1 sshd[99]: Accepted password for bob from 10.0.0.1 port 22 ssh2 secret 5 hunter2'
$PEER tcp 127.0.0.1 "$P" "$ADD\n$ROOT\n$OTHER\n" >"$T/peer.out" 2>&1 || fail "peer: $(cat "$T/peer.out")"
ev_wait 3 5 "log.syslog.hostname=web1"
logward_stop TERM
[ "$LOGWARD_STATUS" -eq 0 ] || fail "logward exited with status $LOGWARD_STATUS"

A="$T/alerts/alerts.jsonl"
[ -f "$A" ] || fail "no alerts file"
$EV valid "$A" 1 >"$T/ev.out" || fail "alerts file: $(cat "$T/ev.out")"
$EV check "$A" event.kind=alert -- rule.id=scenario-useradd \
    "rule.name=Local account created (scenario)" \
    threat.framework="MITRE ATT&CK" 'threat.technique.id[]=T1136.001' \
    "threat.technique.name[]=Create Account: Local Account" \
    'threat.tactic.id[]=TA0003' 'threat.tactic.name[]=Persistence' \
    event.severity=73 labels.severity=high 'event.category[]=iam' \
    event.action=user-created host.hostname=web1 source.ip=127.0.0.1 \
    user.target.name=mallory 'related.user[]=mallory' observer.ingress.interface.name=tcp4 \
    "event.original=$ADD" "message^new user: name=mallory" \
    "@timestamp^" "event.created^" logward! >"$T/ev.out" 2>&1 || fail "$(cat "$T/ev.out")"
# the events are archived as before, and none of them is an alert
n=$($EV count "$T/archive" event.kind=event) || fail "count"
[ "$n" = 3 ] || fail "$n events archived, expected 3"
v=$(counter tcp4 alerts)
[ "$v" = 1 ] || fail "alerts=$v, expected 1"
v=$(counter tcp4 messages)
[ "$v" = 3 ] || fail "messages=$v, expected 3"
note "PASS"

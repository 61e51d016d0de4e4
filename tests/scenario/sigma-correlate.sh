#!/bin/sh
# sigma-correlate: Sigma alerts feed the correlator through the daemon
# (issue 17).  With Sigma rules only (the shipped rulebases and mapping
# files, none of logward's own detections), an NXLog 4720 from a Sigma rule
# tagged attack.t1136.001 and then a 4732 into Administrators from one
# tagged attack.t1098 give correlate-created-then-admin for the account, as
# the native detections do (check_process compares the two); a 4688
# "net user /add" alert, whose mapping names no account, gives no fact.
TEST_NAME=sigma-correlate
. "$(dirname "$0")/lib.sh"

mkdir -p "$T/rules" "$T/sigma" || fail "mkdir"
for f in "$top_srcdir"/patterns/*.rulebase; do cp "$f" "$T/rules/" || fail "cp $f"; done
cp -r "$top_srcdir/patterns/sigma" "$T/rules/sigma" || fail "cp sigma maps"
cat >"$T/sigma/created.yml" <<'RULE'
title: Scenario Sigma user created
id: 5c0a9c1e-0000-4000-8000-00000000b001
level: medium
tags: [attack.persistence, attack.t1136.001]
logsource: {product: windows, service: security}
detection:
  selection:
    EventID: 4720
  condition: selection
RULE
cat >"$T/sigma/admin.yml" <<'RULE'
title: Scenario Sigma member added to a local group
id: 5c0a9c1e-0000-4000-8000-00000000b002
level: medium
tags: [attack.persistence, attack.t1098]
logsource: {product: windows, service: security}
detection:
  selection:
    EventID: 4732
  condition: selection
RULE
cat >"$T/sigma/cmdline.yml" <<'RULE'
title: Scenario Sigma net user add
id: 5c0a9c1e-0000-4000-8000-00000000b003
level: medium
tags: [attack.persistence, attack.t1136.001]
logsource: {product: windows, category: process_creation}
detection:
  selection:
    CommandLine|contains|all: ['net', ' user ', '/add']
  condition: selection
RULE
ports 1
P=$PORTS
cat >"$T/logward.conf" <<CONF
input tcp4 { transport = tcp  address = "127.0.0.1:$P" }
rules = "$T/rules"
sigma = "$T/sigma"
archive { path = "$T/archive/events-%Y%m%d.jsonl" }
alerts { path = "$T/alerts/alerts.jsonl" }
workers = 1
stats_interval = 0
CONF
root_ok "$T/logward.conf"
logward_start "$T/logward.conf"
HEAD='{"SourceName":"Microsoft-Windows-Security-Auditing","Channel":"Security","Hostname":"WKS6.corp.local","SubjectUserName":"eve","SubjectDomainName":"CORP",'
L1="<14>Nov 27 10:00:00 wks6 $HEAD\"EventID\":4688,\"NewProcessName\":\"C:\\\\\\\\Windows\\\\\\\\System32\\\\\\\\net.exe\",\"CommandLine\":\"net user other P4ss /add\"}"
L2="<14>Nov 27 10:00:01 wks6 $HEAD\"EventID\":4720,\"TargetUserName\":\"backdoor\",\"TargetDomainName\":\"WKS6\",\"TargetSid\":\"S-1-5-21-9-1000\"}"
L3="<14>Nov 27 10:00:05 wks6 $HEAD\"EventID\":4732,\"MemberName\":\"-\",\"MemberSid\":\"S-1-5-21-9-1000\",\"TargetUserName\":\"Administrators\",\"TargetDomainName\":\"Builtin\",\"TargetSid\":\"S-1-5-32-544\"}"
# one worker, one connection: the lines are processed in order
$PEER tcp 127.0.0.1 "$P" "$L1\n$L2\n$L3\n" >"$T/peer.out" 2>&1 || fail "peer: $(cat "$T/peer.out")"
wait_for '[ "$(wc -l <"$T/alerts/alerts.jsonl" 2>/dev/null)" -ge 4 ]' 10 ||
    fail "expected 3 Sigma alerts and a correlation within 10 s: $(cat "$T/alerts/alerts.jsonl" 2>/dev/null)"
logward_stop TERM
[ "$LOGWARD_STATUS" -eq 0 ] || fail "logward exited with status $LOGWARD_STATUS"
[ "$(wc -l <"$T/alerts/alerts.jsonl")" -eq 4 ] || fail "not 4 alerts: $(cat "$T/alerts/alerts.jsonl")"
[ "$(grep -c '"ruleset":"sigma"' "$T/alerts/alerts.jsonl")" -eq 3 ] ||
    fail "not 3 Sigma alerts: $(cat "$T/alerts/alerts.jsonl")"
tail -n 1 "$T/alerts/alerts.jsonl" >"$T/corr.jsonl"
$EV check "$T/corr.jsonl" event.kind=alert -- rule.id=correlate-created-then-admin \
    user.target.name=backdoor group.name=Administrators host.hostname=wks6 \
    >"$T/ev.out" 2>&1 || fail "$(cat "$T/ev.out")"
# the 4688 alert gave no fact: "other" is in no correlation
grep -q '"other"' "$T/corr.jsonl" && fail "the 4688 account reached the correlator"
note "PASS"

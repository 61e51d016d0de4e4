#!/bin/sh
# sigma-rules: Sigma rules run natively.  (1) The 61 SigmaHQ rules copied in
# tests/data/sigma (and ../shared/sigma when that checkout is beside the
# tree): how many load, and each one that loads fires, with its id, title,
# level and ATT&CK tags, on the sample event built from it
# (tests/data/sigma/samples.tsv).  (2) -t lists every rule skipped with its
# reason and still passes.  (3) The daemon alerts from a Sigma rule through
# the ordinary alerts file, and a SIGHUP loads a rule added since, with the
# same validation (a broken rule is reported, never fatal).
TEST_NAME=sigma-rules
. "$(dirname "$0")/lib.sh"

# rules without logward's own detections, so that only Sigma alerts
mkdir -p "$T/rules" || fail "mkdir"
for f in "$top_srcdir"/patterns/*.rulebase; do cp "$f" "$T/rules/" || fail "cp $f"; done
cp -r "$top_srcdir/patterns/sigma" "$T/rules/sigma" || fail "cp sigma maps"

SAMPLES="$top_srcdir/tests/data/sigma/samples.tsv"
grep -v '^#' "$SAMPLES" | cut -f2 >"$T/samples.log"
grep -v '^#' "$SAMPLES" | cut -f1 >"$T/expect.txt"

# run_samples DIR: load the Sigma rules of DIR, check the count and that each
# sample fires its own rule.
run_samples() {
	"$LOGWARD" --rules "$T/rules" --sigma "$1" --test-rules "$T/samples.log" \
	    >"$T/out.jsonl" 2>"$T/out.err" || fail "--test-rules: $(cat "$T/out.err")"
	grep -q "sigma: 61 rules loaded (.*), 0 skipped" "$T/out.err" ||
	    fail "$1: not 61 rules loaded: $(cat "$T/out.err")"
	$PY - "$T/out.jsonl" "$T/expect.txt" <<'PY' || fail "$1: $(cat "$T/py.out")"
import json, sys
expect = [l.strip() for l in open(sys.argv[2])]
got, i = {}, -1
for line in open(sys.argv[1]):
    d = json.loads(line)
    if d["event"]["kind"] == "alert":
        got[i] = d
    else:
        i += 1
bad = [(k, e, got.get(k, {}).get("rule")) for k, e in enumerate(expect)
       if got.get(k, {}).get("rule", {}).get("id") != e]
assert i + 1 == len(expect), "%d events for %d samples" % (i + 1, len(expect))
assert not bad, "samples that did not fire their rule: %r" % bad
for d in got.values():
    assert d["rule"]["ruleset"] == "sigma", d["rule"]
# "Local User Creation": level low, attack.persistence, attack.t1136.001
d = [d for d in got.values() if d["rule"]["id"] == "66b6be3d-55d0-4f47-9855-d69df21740ea"][0]
assert d["rule"]["name"] == "Local User Creation", d["rule"]
assert d["event"]["severity"] == 21 and d["labels"]["severity"] == "low", d["event"]
assert d["threat"]["technique"]["id"] == ["T1136.001"], d["threat"]
assert d["threat"]["tactic"]["id"] == ["TA0003"], d["threat"]
print("%d samples fired their rule" % len(got))
PY
}
run_samples "$top_srcdir/tests/data/sigma/rules" >"$T/py.out" 2>&1
note "tests/data/sigma: $(cat "$T/py.out")"
if [ -d "$top_srcdir/../shared/sigma/rules" ]; then
	run_samples "$top_srcdir/../shared/sigma/rules" >"$T/py.out" 2>&1
	note "../shared/sigma: $(cat "$T/py.out")"
else
	note "../shared/sigma is absent here: checked its copy in tests/data/sigma only"
fi

# a Sigma directory with a rule that runs, and two that cannot
mkdir -p "$T/sigma/sub" || fail "mkdir"
cat >"$T/sigma/sub/good.yml" <<'RULE'
title: Scenario user created
id: 5c0a9c1e-0000-4000-8000-00000000a001
level: high
tags: [attack.persistence, attack.t1136.001]
logsource: {product: linux}
detection:
  keywords:
    - 'new user: name=mallory'
  condition: keywords
RULE
cat >"$T/sigma/wide.yml" <<'RULE'
title: t
id: 5c0a9c1e-0000-4000-8000-00000000a002
logsource: {product: linux}
detection:
  sel:
    F|wide|base64offset|contains: x
  condition: sel
RULE
cat >"$T/sigma/nowhere.yml" <<'RULE'
title: t
id: 5c0a9c1e-0000-4000-8000-00000000a003
logsource: {product: amiga}
detection:
  sel:
    F: x
  condition: sel
RULE
ports 1
P=$PORTS
cat >"$T/logward.conf" <<CONF
input tcp4 { transport = tcp  address = "127.0.0.1:$P" }
rules = "$T/rules"
sigma = "$T/sigma"
archive { path = "$T/archive/events-%Y%m%d.jsonl" }
alerts { path = "$T/alerts/alerts.jsonl" }
workers = 2
stats_interval = 0
CONF
root_ok "$T/logward.conf"
"$LOGWARD" -t -f "$T/logward.conf" >"$T/check.out" 2>&1 || fail "-t: $(cat "$T/check.out")"
grep -q "$T/sigma/wide.yml: skipped: line 6: modifier 'wide' is not supported" "$T/check.out" ||
    fail "-t does not list wide.yml with its reason: $(cat "$T/check.out")"
grep -q "$T/sigma/nowhere.yml: skipped: no mapping for logsource product=amiga" "$T/check.out" ||
    fail "-t does not list nowhere.yml with its reason: $(cat "$T/check.out")"
grep -q "sigma: 1 rules loaded .*, 2 skipped" "$T/check.out" || fail "-t summary: $(cat "$T/check.out")"

logward_start "$T/logward.conf"
[ "$(grep -c "skipped: " "$T/logward.err")" -eq 2 ] || fail "start: skipped rules not logged once each"
ADD='<86>Nov 27 10:00:00 web1 useradd[4242]: new user: name=mallory, UID=1337, GID=1337, home=/home/mallory, shell=/bin/bash'
$PEER tcp 127.0.0.1 "$P" "$ADD\n" >"$T/peer.out" 2>&1 || fail "peer: $(cat "$T/peer.out")"
ev_wait 1 5 "log.syslog.hostname=web1"
wait_for '[ -s "$T/alerts/alerts.jsonl" ]' 5 || fail "no Sigma alert within 5 s"
$EV check "$T/alerts/alerts.jsonl" event.kind=alert -- \
    rule.id=5c0a9c1e-0000-4000-8000-00000000a001 "rule.name=Scenario user created" \
    rule.ruleset=sigma event.severity=73 "threat.technique.id[]=T1136.001" \
    "threat.tactic.id[]=TA0003" host.hostname=web1 >"$T/ev.out" 2>&1 || fail "$(cat "$T/ev.out")"

# a rule added, and a broken one: SIGHUP loads the first, reports the second
sed -e 's/a001/a004/' -e 's/Scenario user created/Scenario group added/' \
    -e "s/new user: name=mallory/new group: name=wheel2/" "$T/sigma/sub/good.yml" >"$T/sigma/added.yml"
printf 'title: [unclosed\n' >"$T/sigma/broken.yml"
kill -HUP "$LOGWARD_PID"
wait_for 'grep -q "reloaded" "$T/logward.err"' 20 || fail "no reload within 20 s"
grep -q "$T/sigma/broken.yml: skipped: line " "$T/logward.err" || fail "reload: broken.yml not reported"
grep -q "sigma: 2 rules loaded .*, 3 skipped" "$T/logward.err" || fail "reload: summary"
GRP='<86>Nov 27 10:00:05 web1 groupadd[4243]: new group: name=wheel2, GID=1001'
$PEER tcp 127.0.0.1 "$P" "$GRP\n" >"$T/peer.out" 2>&1 || fail "peer: $(cat "$T/peer.out")"
wait_for '[ "$(wc -l <"$T/alerts/alerts.jsonl")" -ge 2 ]' 5 || fail "no alert from the added rule"
logward_stop TERM
[ "$LOGWARD_STATUS" -eq 0 ] || fail "logward exited with status $LOGWARD_STATUS"
tail -n 1 "$T/alerts/alerts.jsonl" | grep -q '"id":"5c0a9c1e-0000-4000-8000-00000000a004"' ||
    fail "second alert is not the added rule's: $(tail -n 1 "$T/alerts/alerts.jsonl")"
note "PASS"

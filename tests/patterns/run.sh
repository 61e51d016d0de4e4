#!/bin/sh
# Every sample line of tests/patterns/*.tsv goes through the real daemon's
# offline mode (logward --test-rules) with the whole patterns/ directory, as
# the daemon loads it; each event must carry exactly the expected rule tags
# and at least the expected fields.  A row whose comment lines (those since
# the previous row) say what alert it gives is held to it:
#   alert: DETECTION ACCOUNT      ("None": no account), "alert: -" for none
#   expect: DETECTION TECHNIQUE ACCOUNT   ("-": no account), "expect: none"
# and "group: NAME" below either holds the alert's group.name to NAME (the
# role or group granted).
# Correlated alerts (rule.id correlate-*) span rows and are not judged here.
set -eu
: "${top_srcdir:?}" "${LOGWARD:?}"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT INT TERM

status=0
for tsv in "$top_srcdir"/tests/patterns/*.tsv; do
	python3 - "$tsv" "$tmp/lines" <<'PY'
import sys
def unescape(s):
    out, i = [], 0
    while i < len(s):
        c = s[i]
        if c == '\\' and i + 1 < len(s):
            n = s[i + 1]
            out.append({'\\': '\\', 't': '\t', 'n': '\n', 'r': '\r'}.get(n, '\\' + n))
            i += 2
        else:
            out.append(c)
            i += 1
    return ''.join(out)
with open(sys.argv[1], encoding='utf-8') as f, open(sys.argv[2], 'w', encoding='utf-8') as o:
    for row in f:
        row = row.rstrip('\n')
        if not row or row.startswith('#'):
            continue
        o.write(unescape(row.split('\t')[0]) + '\n')
PY
	timeout 60 "$LOGWARD" --rules "$top_srcdir/patterns" --test-rules "$tmp/lines" > "$tmp/events"
	python3 - "$tsv" "$tmp/events" <<'PY' || status=1
import json, os, re, sys
sys.path.insert(0, os.environ.get("top_srcdir", ".") + "/tests")
from dotted import rule_get as get  # tests/dotted.py: the rules' names
tsv, events = sys.argv[1], sys.argv[2]
ALERT = re.compile(r'(?:^#|;) *alert: (\S+)(?: (.+?))? *$')
EXPECT = re.compile(r'^# *expect: (\S+)(?: (\S+) (.+?))? *$')
GROUP = re.compile(r'^# *group: (.+?) *$')
def group_expected(comments):
    for c in comments:
        m = GROUP.match(c)
        if m:
            return m.group(1)
    return None
def expectation(comments):
    """(rule, technique, account) the row's comments promise, or None."""
    for c in reversed(comments):
        m = EXPECT.match(c)
        if m:
            if m.group(1) == 'none':
                return ('-', None, None)
            acct = re.sub(r' +\(.*\)$', '', m.group(3))  # a remark in parentheses
            return (m.group(1), m.group(2), None if acct == '-' else acct)
        m = ALERT.search(c)
        if m:
            if m.group(1) == '-':
                return ('-', None, None)
            acct = m.group(2)
            return (m.group(1), None, None if acct in (None, 'None') else acct)
    return None
rows = []
comments = []
with open(tsv, encoding='utf-8') as f:
    for n, row in enumerate(f, 1):
        row = row.rstrip('\n')
        if not row:
            continue
        if row.startswith('#'):
            comments.append(row)
            continue
        cols = row.split('\t')
        while len(cols) < 3:
            cols.append('')
        rows.append((n, cols[0], [t for t in cols[1].split(',') if t], json.loads(cols[2]) if cols[2] else {},
                     expectation(comments), group_expected(comments)))
        comments = []
groups = []
with open(events, encoding='utf-8') as f:
    for ev in (json.loads(l) for l in f):
        if get(ev, 'event.kind') != 'alert':
            groups.append((ev, []))
        elif not (get(ev, 'rule.id') or '').startswith('correlate-') and groups:
            groups[-1][1].append(ev)
if len(groups) != len(rows):
    print(f"{tsv}: {len(rows)} lines in, {len(groups)} events out")
    sys.exit(1)
bad = 0
judged = 0
for (n, line, tags, fields, want, want_group), (ev, alerts) in zip(rows, groups):
    got = [t for t in ev.get('tags', []) if not t.startswith('_')]
    problems = []
    if sorted(got) != sorted(tags):
        problems.append(f"tags {got} != expected {tags}")
    for k, v in fields.items():
        g = get(ev, k)
        if g != v and str(g) != str(v):
            problems.append(f"{k} = {g!r}, expected {v!r}")
    if want is not None:
        judged += 1
        have = [(get(a, 'rule.id'), get(a, 'threat.technique.id'), get(a, 'user.target.name')) for a in alerts]
        if want[0] == '-':
            if have:
                problems.append(f"alerts {have}, expected none")
        elif len(have) != 1:
            problems.append(f"alerts {have}, expected one {want}")
        elif (have[0][0] != want[0] or (want[1] is not None and have[0][1] != want[1])
              or have[0][2] != want[2]):
            problems.append(f"alert {have[0]}, expected {want}")
    if want_group is not None:
        got_group = [get(a, 'group.name') for a in alerts]
        if got_group != [want_group]:
            problems.append(f"group.name {got_group}, expected [{want_group!r}]")
    if problems:
        bad += 1
        print(f"{tsv}:{n}: {line}\n    " + "\n    ".join(problems))
print(f"{tsv}: {len(rows) - bad}/{len(rows)} sample lines as expected ({judged} with their alert judged)")
sys.exit(1 if bad else 0)
PY
done
exit $status

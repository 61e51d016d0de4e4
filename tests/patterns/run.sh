#!/bin/sh
# Every sample line of tests/patterns/*.tsv goes through the real daemon's
# offline mode (logward --test-rules) with the whole patterns/ directory, as
# the daemon loads it; each event must carry exactly the expected rule tags
# and at least the expected fields.
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
import json, os, sys
sys.path.insert(0, os.environ.get("top_srcdir", ".") + "/tests")
from dotted import rule_get as get  # tests/dotted.py: the rules' names
tsv, events = sys.argv[1], sys.argv[2]
rows = []
with open(tsv, encoding='utf-8') as f:
    for n, row in enumerate(f, 1):
        row = row.rstrip('\n')
        if not row or row.startswith('#'):
            continue
        cols = row.split('\t')
        while len(cols) < 3:
            cols.append('')
        rows.append((n, cols[0], [t for t in cols[1].split(',') if t], json.loads(cols[2]) if cols[2] else {}))
with open(events, encoding='utf-8') as f:
    # the alerts that follow an event are judged by tests/detect, not here
    evs = [e for e in (json.loads(l) for l in f)
           if get(e, 'event.kind') != 'alert']
if len(evs) != len(rows):
    print(f"{tsv}: {len(rows)} lines in, {len(evs)} events out")
    sys.exit(1)
bad = 0
for (n, line, tags, fields), ev in zip(rows, evs):
    got = [t for t in ev.get('tags', []) if not t.startswith('_')]
    problems = []
    if sorted(got) != sorted(tags):
        problems.append(f"tags {got} != expected {tags}")
    for k, v in fields.items():
        g = get(ev, k)
        if g != v and str(g) != str(v):
            problems.append(f"{k} = {g!r}, expected {v!r}")
    if problems:
        bad += 1
        print(f"{tsv}:{n}: {line}\n    " + "\n    ".join(problems))
print(f"{tsv}: {len(rows) - bad}/{len(rows)} sample lines as expected")
sys.exit(1 if bad else 0)
PY
done
exit $status

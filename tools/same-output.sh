#!/bin/sh
# same-output.sh: do two builds of logward print the same events and
# alerts?  Every input line the tests hold (the pattern samples, the parser
# cases, the detection and correlation corpora) goes through
# `logward --test-rules` of OLD and of NEW with the same rules; the outputs
# must be byte-identical once the receipt times are masked (mask below).  For a change that must
# not change behaviour (issue 14): run it before committing a move.
# usage: tools/same-output.sh OLD_LOGWARD NEW_LOGWARD [RULES]   (from the source tree)
set -eu
[ $# -ge 2 ] || { echo "usage: $0 OLD_LOGWARD NEW_LOGWARD [RULES]" >&2; exit 2; }
old=$1 new=$2
top=$(cd "$(dirname "$0")/.." && pwd)
rules=${3:-$top/patterns}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT INT TERM

# inputs: one file of lines per source
python3 - "$top" "$tmp" <<'PY'
import glob, os, sys
top, tmp = sys.argv[1], sys.argv[2]
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
def first_columns(path):
    # The input column: the first, or the one a header row names "input"
    # (tests/data/rfc*_cases.tsv: "verdict<TAB>input<TAB>...").
    rows, col, first = [], 0, True
    for row in open(path, encoding='utf-8', errors='surrogateescape'):
        row = row.rstrip('\n')
        if not row or row.startswith('#'):
            continue
        cols = row.split('\t')
        if first:
            first = False
            if 'input' in cols and cols[0] in ('verdict', 'input'):
                col = cols.index('input')
                continue
        if col < len(cols):
            rows.append(unescape(cols[col]))
    return rows
n = 0
for path in sorted(glob.glob(top + '/tests/patterns/*.tsv') + glob.glob(top + '/tests/data/*.tsv') +
                   glob.glob(top + '/tests/data/detect/*.tsv')):
    lines = [l for l in first_columns(path) if '\n' not in l]
    name = os.path.relpath(path, top).replace('/', '_')
    with open(os.path.join(tmp, name + '.in'), 'w', encoding='utf-8', errors='surrogateescape') as o:
        o.writelines(l + '\n' for l in lines)
    n += 1
for path in sorted(glob.glob(top + '/tests/data/detect/*.log') + glob.glob(top + '/tests/data/correlate/*.log')):
    name = os.path.relpath(path, top).replace('/', '_')
    os.symlink(path, os.path.join(tmp, name + '.in'))
    n += 1
print(f"same-output: {n} input files")
PY

# Receipt times differ between two runs: event.created, and every time
# stamped today (an alert's @timestamp, the evidence of a message without
# its own time) becomes "(receipt)" on both sides.
mask() {
	python3 -c '
import json, sys, time
today = time.strftime("%Y-%m-%dT", time.gmtime())
def walk(v):
    if isinstance(v, dict):
        return {k: walk(x) for k, x in v.items()}
    if isinstance(v, list):
        return [walk(x) for x in v]
    if isinstance(v, str) and v.startswith(today) and v.endswith("Z"):
        return "(receipt)"
    return v
for line in sys.stdin:
    try:
        e = json.loads(line)
    except ValueError:
        print(line, end="")
        continue
    e.get("event", {}).pop("created", None)
    print(json.dumps(walk(e)))
'
}

status=0 total=0
for f in "$tmp"/*.in; do
	TZ=UTC timeout 120 "$old" --rules "$rules" --test-rules "$f" 2>&1 | mask >"$f.old"
	TZ=UTC timeout 120 "$new" --rules "$rules" --test-rules "$f" 2>&1 | mask >"$f.new"
	n=$(wc -l <"$f.old")
	total=$((total + n))
	if ! cmp -s "$f.old" "$f.new"; then
		echo "same-output: $(basename "$f" .in): outputs differ:" >&2
		diff "$f.old" "$f.new" | head -n 10 >&2
		status=1
	fi
done
[ $status -eq 0 ] && echo "same-output: $total output lines identical"
exit $status

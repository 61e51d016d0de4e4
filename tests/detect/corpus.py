#!/usr/bin/env python3
"""corpus.py: the shared detection corpus against logward.

Rows come from tests/data/detect/ (copied from the shared corpus; see
tests/data/CORPUS-README.md for their sources): positives.tsv and the
positive rows of vendor_samples.tsv must each give exactly one alert with
the expected technique and account; negatives.tsv, the negative rows of
vendor_samples.tsv and every line of the benign_*.log files must give none.
An incident's alert (logward.incident, README "Alerts": consecutive rows
with the same host, account and technique are one incident) stands for
each of its count rows: --test-rules prints it after the first row's
event, and the daemon's alerts file holds it once for count alerts.
Correlated alerts (rule.id correlate-*) are not single-line detections and
are left out of the judgement: the rows are one stream, so a creation row
and a later deletion row of the same account do correlate (they are
counted and printed; tests/correlate/ judges correlations).

  corpus.py frames DATADIR OUT.KIND  write the messages of KIND (positive,
                                     negative, benign) as RFC 6587
                                     octet-counted frames, one per row
  corpus.py offline DATADIR LOGWARD RULES
                                     run every row through --test-rules and
                                     judge each row on its own
  corpus.py judge DATADIR KIND ALERTS.jsonl
                                     judge the alerts the daemon wrote for
                                     all rows of KIND sent at once: the
                                     multiset of (technique, account) must be
                                     the expected one
"""
import collections
import json
import os
import re
import subprocess
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from dotted import get, rule_get  # noqa: E402  (tests/dotted.py)

PREFIX = "<14>Nov 27 10:00:00 testhost "
HEADER = re.compile(r"^(<\d{1,3}>|[A-Z][a-z]{2} [ \d]\d |\d{4}-\d\d-\d\dT)")


def unescape(s):
    out, i = [], 0
    while i < len(s):
        if s[i] == "\\" and i + 1 < len(s):
            out.append({"\\": "\\", "t": "\t", "n": "\n", "r": "\r"}.get(s[i + 1], "\\" + s[i + 1]))
            i += 2
        else:
            out.append(s[i])
            i += 1
    return "".join(out)


def message(line, has_header):
    """What a sender puts on the wire for a corpus line."""
    if has_header == "yes" or (has_header != "no" and HEADER.match(line)):
        return line
    return PREFIX + line


def tsv_rows(path):
    with open(path, encoding="utf-8") as f:
        head = f.readline().rstrip("\n").split("\t")
        for n, raw in enumerate(f, 2):
            cols = raw.rstrip("\n").split("\t")
            row = dict(zip(head, cols))
            row["where"] = "%s:%d" % (os.path.basename(path), n)
            row["line"] = unescape(row["line"])
            row["expected_user"] = unescape(row.get("expected_user", ""))
            yield row


def rows(datadir, kind):
    """Rows of KIND with 'msg', 'technique' and 'user' (None: no alert)."""
    out = []
    if kind in ("positive", "negative"):
        name = "positives.tsv" if kind == "positive" else "negatives.tsv"
        for r in tsv_rows(os.path.join(datadir, name)):
            out.append({"where": r["where"], "platform": r["platform"],
                        "msg": message(r["line"], r.get("has_header", "")),
                        "technique": r["technique"] if kind == "positive" else None,
                        "user": r["expected_user"] or None})
        for r in tsv_rows(os.path.join(datadir, "vendor_samples.tsv")):
            neg = r["technique"] == "negative"
            if neg != (kind == "negative"):
                continue
            out.append({"where": r["where"], "platform": r["platform"],
                        "msg": message(r["line"], ""),
                        "technique": None if neg else r["technique"],
                        "user": r["expected_user"] or None})
    else:
        for name in sorted(os.listdir(datadir)):
            if not name.startswith("benign_"):
                continue
            with open(os.path.join(datadir, name), encoding="utf-8", errors="surrogateescape") as f:
                for n, line in enumerate(f, 1):
                    line = line.rstrip("\n")
                    if line:
                        out.append({"where": "%s:%d" % (name, n), "platform": name,
                                    "msg": line, "technique": None, "user": None})
    return out


def frame(msg):
    b = msg.encode("utf-8", errors="surrogateescape")
    return str(len(b)).encode() + b" " + b


def alert_key(a):
    return (rule_get(a, "threat.technique.id"), get(a, "user.target.name"))


def cmd_frames(datadir, out, kind):
    with open(out, "wb") as f:
        for r in rows(datadir, kind):
            f.write(frame(r["msg"]))
    return 0


def correlated(a):
    return (get(a, "rule.id") or "").startswith("correlate-")


def cmd_offline(datadir, logward, rules):
    all_rows = [(k, r) for k in ("positive", "negative", "benign") for r in rows(datadir, k)]
    data = b"".join(frame(r["msg"]) for _, r in all_rows)
    p = subprocess.run([logward, "--rules", rules, "--test-rules"], input=data,
                       stdout=subprocess.PIPE, timeout=300, check=True)
    groups = []
    n_correlated = 0
    owed = []  # incident alerts still owed to the rows after the one they follow
    for line in p.stdout.decode("utf-8").splitlines():
        ev = json.loads(line)
        if correlated(ev):
            n_correlated += 1
            continue
        if get(ev, "event.kind") == "alert":
            if not groups:
                print("alert before any event")
                return 1
            groups[-1][1].append(ev)
            owed += [ev] * ((get(ev, "logward.incident.count") or 1) - 1)
        else:
            groups.append((ev, []))
            if owed:
                groups[-1][1].append(owed.pop(0))
    if len(groups) != len(all_rows):
        print("%d messages in, %d events out" % (len(all_rows), len(groups)))
        return 1
    bad = collections.Counter()
    total = collections.Counter()
    for (kind, r), (ev, alerts) in zip(all_rows, groups):
        total[kind] += 1
        problem = None
        if r["technique"] is None:
            if alerts:
                problem = "alerted (%s) but must not" % ", ".join(
                    "%s %s" % (get(a, "rule.id"), get(a, "user.target.name")) for a in alerts)
        elif len(alerts) != 1:
            problem = "%d alerts, expected exactly 1 (%s %s); event tags %s" % (
                len(alerts), r["technique"], r["user"], ev.get("tags"))
        else:
            t, u = alert_key(alerts[0])
            if t != r["technique"]:
                problem = "technique %s, expected %s (rule %s)" % (t, r["technique"], get(alerts[0], "rule.id"))
            elif r["user"] is not None and u != r["user"]:
                problem = "user.target.name %r, expected %r (rule %s)" % (u, r["user"], get(alerts[0], "rule.id"))
        if problem:
            bad[kind] += 1
            print("%s [%s] %s\n    %s" % (r["where"], r["platform"], problem, r["msg"][:160]))
    for kind in ("positive", "negative", "benign"):
        print("%-8s %4d rows, %4d as expected" % (kind, total[kind], total[kind] - bad[kind]))
    print("correlated alerts across rows (not judged here): %d" % n_correlated)
    return 1 if sum(bad.values()) else 0


def cmd_judge(datadir, kind, alerts_path):
    want = collections.Counter()
    n_alerting = 0
    for r in rows(datadir, kind):
        if r["technique"] is not None:
            n_alerting += 1
            want[(r["technique"], r["user"])] += 1
    got = []
    if os.path.exists(alerts_path):
        with open(alerts_path, encoding="utf-8") as f:
            got = [a for a in (json.loads(l) for l in f if l.strip()) if not correlated(a)]
    n_got = sum(get(a, "logward.incident.count") or 1 for a in got)
    if n_got != n_alerting:
        print("%s: %d alerts, expected %d" % (kind, n_got, n_alerting))
        for a in got:
            print("   ", get(a, "rule.id"), alert_key(a))
        return 1
    have = collections.Counter()
    for a in got:
        t, u = alert_key(a)
        # rows without an expected user match any account; an incident is count rows
        have[(t, u if (t, u) in want else None)] += get(a, "logward.incident.count") or 1
    if have != want:
        print("%s: alerts differ from the expected (technique, account) pairs" % kind)
        print("    missing:", dict(want - have))
        print("    unexpected:", dict(have - want))
        return 1
    print("%s: %d alerts, every one expected" % (kind, n_got))
    return 0


def main():
    a = sys.argv[1:]
    if len(a) == 3 and a[0] == "frames":
        return cmd_frames(a[1], a[2] + "", a[2].rsplit(".", 1)[-1])
    if len(a) == 4 and a[0] == "offline":
        return cmd_offline(a[1], a[2], a[3])
    if len(a) == 4 and a[0] == "judge":
        return cmd_judge(a[1], a[2], a[3])
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main())

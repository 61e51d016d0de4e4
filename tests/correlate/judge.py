#!/usr/bin/env python3
"""judge.py: the alerts of a correlation case, as the daemon or --test-rules wrote them.

  judge.py show ALERTS      print each alert as one "summary" line:
                            rule.id account group actor host evidence-count
                            ("-" for an absent field), incident=N for
                            the alert of an incident of N lines
  judge.py check ALERTS EXPECT
                            the summaries must be EXPECT's lines (comments
                            "#" and blank lines aside), in order

ALERTS holds JSON lines; events (event.kind "event") are skipped, so the
output of --test-rules can be given as it is.  A correlated alert must
carry its evidence: each line involved with its original text.
"""
import json
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from dotted import get  # noqa: E402  (tests/dotted.py)


def summaries(path):
    out = []
    with open(path, encoding="utf-8") as f:
        for line in f:
            if not line.strip():
                continue
            a = json.loads(line)
            if get(a, "event.kind") != "alert":
                continue
            ev = get(a, "logward.correlation.evidence") or []
            for e in ev:
                if not get(e, "event.original") or not get(e, "@timestamp"):
                    raise SystemExit("evidence without its line or time: %r" % e)
            fields = [get(a, "rule.id"), get(a, "user.target.name"), get(a, "group.name"),
                      get(a, "user.name"), get(a, "host.hostname")]
            s = " ".join("-" if v is None else str(v) for v in fields)
            if ev:
                s += " evidence=%d" % len(ev)
            # the lines of one change as one alert (alert_merge.h)
            inc = get(a, "logward.incident.evidence") or []
            if inc:
                s += " incident=%d" % len(inc)
            out.append(s)
    return out


def main(argv):
    if len(argv) == 3 and argv[1] == "show":
        print("\n".join(summaries(argv[2])))
        return 0
    if len(argv) == 4 and argv[1] == "check":
        got = summaries(argv[2])
        with open(argv[3], encoding="utf-8") as f:
            want = [l.rstrip("\n") for l in f if l.strip() and not l.startswith("#")]
        if got != want:
            print("alerts differ from %s" % argv[3])
            print("  got:\n    " + "\n    ".join(got))
            print("  expected:\n    " + "\n    ".join(want))
            return 1
        return 0
    print(__doc__)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))

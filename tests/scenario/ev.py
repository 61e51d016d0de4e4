#!/usr/bin/env python3
"""ev.py: query logward's archived events (JSON lines) for the scenario tests.

SRC is a JSON-lines file or a directory (every *.jsonl file in it).
A FILTER or EXPECT term names a field by its dotted ECS path
(log.syslog.hostname is {"log":{"syslog":{"hostname":...}}}):

  path=value    equal: a string equals value, or a number/boolean/null
                renders as value in JSON ("13", "true")
  path~value    the string contains value
  path^value    the string starts with value
  path[]=value  the array contains value
  path[]!=value the array (if any) does not contain value
  path!=value   absent, or not equal
  path?         present
  path!         absent

Commands:
  wait SRC N TIMEOUT FILTER...     poll until N events match (exit 1 on timeout);
                                   prints the time it took (since the
                                   wall-clock time $EV_T0, when set)
  check SRC FILTER... -- EXPECT... exactly one event matches, and it meets
                                   every EXPECT; says what differs otherwise
  count SRC FILTER...              print how many events match
  values SRC PATH FILTER...        print PATH of every matching event (JSON)
  valid SRC [N]                    every line is a JSON object (and there
                                   are N lines); prints the line count
"""
import glob
import json
import os
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from dotted import MISSING, get  # noqa: E402  (tests/dotted.py)


def lookup(event, path):
    return get(event, path, MISSING)


def render(v):
    if isinstance(v, str):
        return v
    return json.dumps(v, sort_keys=True)


def parse_term(term):
    if term.endswith("?") and "=" not in term and "~" not in term:
        return (term[:-1], "?", None)
    if term.endswith("!") and "=" not in term and "~" not in term:
        return (term[:-1], "!", None)
    best = None
    for op in ("[]!=", "[]=", "!=", "=", "~", "^"):
        i = term.find(op)
        if i > 0 and (best is None or i < best[0] or
                      (i == best[0] and len(op) > len(best[1]))):
            best = (i, op)
    if best is None:
        sys.exit("ev.py: bad term %r" % term)
    i, op = best
    return (term[:i], op, term[i + len(op):])


def term_ok(event, term):
    path, op, want = term
    v = lookup(event, path)
    if op == "?":
        return v is not MISSING
    if op == "!=":
        return v is MISSING or render(v) != want
    if op == "[]!=":
        return not isinstance(v, list) or all(render(x) != want for x in v)
    if op == "!":
        return v is MISSING
    if v is MISSING:
        return False
    if op == "=":
        return render(v) == want
    if op == "~":
        return isinstance(v, str) and want in v
    if op == "^":
        return isinstance(v, str) and v.startswith(want)
    if op == "[]=":
        return isinstance(v, list) and any(render(x) == want for x in v)
    return False


def term_text(term):
    path, op, want = term
    return path + op + (want if want is not None else "")


def sources(src):
    if os.path.isdir(src):
        return sorted(glob.glob(os.path.join(src, "*.jsonl")))
    return [src] if os.path.exists(src) else []


def load(src, complete_only=True):
    """Events of src; a last line still being written is left out."""
    events = []
    bad = []
    for path in sources(src):
        with open(path, "rb") as fp:
            data = fp.read()
        lines = data.split(b"\n")
        if complete_only or lines[-1] == b"":
            lines = lines[:-1]
        for n, line in enumerate(lines, 1):
            try:
                ev = json.loads(line.decode("utf-8"))
                if not isinstance(ev, dict):
                    raise ValueError("not an object")
                events.append(ev)
            except (ValueError, UnicodeDecodeError) as e:
                bad.append("%s:%d: %s: %r" % (path, n, e, line[:200]))
    return events, bad


def matching(events, filters):
    return [e for e in events if all(term_ok(e, t) for t in filters)]


def cmd_wait(args):
    src, n, timeout = args[0], int(args[1]), float(args[2])
    filters = [parse_term(t) for t in args[3:]]
    t0 = float(os.environ.get("EV_T0") or time.time())
    deadline = time.monotonic() + timeout
    while True:
        events, _ = load(src)
        got = len(matching(events, filters))
        if got >= n:
            print("%d events in %.3fs" % (got, time.time() - t0))
            return 0
        if time.monotonic() >= deadline:
            print("timeout after %.1fs: %d of %d events match %s (%d events in all)"
                  % (timeout, got, n, " ".join(args[3:]) or "(any)", len(events)))
            return 1
        time.sleep(0.02)


def cmd_check(args):
    if "--" not in args:
        sys.exit("ev.py check: missing --")
    i = args.index("--")
    src = args[0]
    filters = [parse_term(t) for t in args[1:i]]
    expects = [parse_term(t) for t in args[i + 1:]]
    events, _ = load(src)
    found = matching(events, filters)
    what = " ".join(args[1:i])
    if len(found) != 1:
        print("expected exactly one event matching %s, found %d" % (what, len(found)))
        for e in found[:5]:
            print("  " + json.dumps(e, sort_keys=True))
        return 1
    ev = found[0]
    rc = 0
    for t in expects:
        if not term_ok(ev, t):
            v = lookup(ev, t[0])
            print("event %s: expected %s, got %s" % (what, term_text(t),
                  "(absent)" if v is MISSING else json.dumps(v)))
            rc = 1
    if rc:
        print("  event: " + json.dumps(ev, sort_keys=True))
    return rc


def cmd_count(args):
    events, _ = load(args[0])
    print(len(matching(events, [parse_term(t) for t in args[1:]])))
    return 0


def cmd_values(args):
    events, _ = load(args[0])
    for e in matching(events, [parse_term(t) for t in args[2:]]):
        v = lookup(e, args[1])
        print("(absent)" if v is MISSING else json.dumps(v))
    return 0


def cmd_valid(args):
    events, bad = load(args[0], complete_only=False)
    for b in bad[:10]:
        print("invalid JSON line: " + b)
    total = len(events) + len(bad)
    print("%d lines" % total)
    if bad:
        return 1
    if len(args) > 1 and total != int(args[1]):
        print("expected %s lines" % args[1])
        return 1
    return 0


def main():
    cmds = {"wait": cmd_wait, "check": cmd_check, "count": cmd_count,
            "values": cmd_values, "valid": cmd_valid}
    if len(sys.argv) < 3 or sys.argv[1] not in cmds:
        sys.exit(__doc__)
    return cmds[sys.argv[1]](sys.argv[2:])


if __name__ == "__main__":
    sys.exit(main())

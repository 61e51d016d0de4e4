#!/usr/bin/env python3
"""grafana_check.py DASHBOARD METRICS [--absent-ok PREFIX]...

Every PromQL expression of the Grafana dashboard DASHBOARD (each panel's
targets, rows' panels too, and label_values() template queries) is taken
apart: its metric names must each be served in METRICS (a /metrics scrape
of a running logward), and the labels it groups or matches on (by, without,
on, ignoring, {label=...}) must be labels of those series (instance and job
are Prometheus's).  A name starting with an --absent-ok PREFIX may be
missing (a build without that feature).  The dashboard must also show the
families an operator needs first.  Prints each fault and exits 1."""
import json
import re
import sys

KEYWORDS = {"and", "or", "unless", "bool", "offset", "by", "without", "on", "ignoring",
            "group_left", "group_right", "inf", "nan"}
GROUPING = re.compile(r"\b(by|without|on|ignoring|group_left|group_right)\s*\(([^)]*)\)")
SCRAPE_LABELS = {"instance", "job"}
# the families the README promises the dashboard shows
REQUIRED = ["logward_received_messages_total", "logward_dropped_messages_total",
            "logward_alerts_total", "logward_webhook_spool_records",
            "logward_config_last_reload_successful", "logward_archive_retention_errors_total",
            "logward_kafka_messages_total"]


def parse_expr(expr):
    """(metric names, label names) used by one PromQL expression."""
    e = re.sub(r'"(?:[^"\\]|\\.)*"', '""', expr)
    labels = set()
    for m in re.finditer(r"\{([^}]*)\}", e):
        labels.update(re.findall(r"([a-zA-Z_]\w*)\s*(?:=~|!~|!=|=)", m.group(1)))
    e = re.sub(r"\{[^}]*\}", " ", e)
    e = re.sub(r"\[[^\]]*\]", " ", e)
    for m in GROUPING.finditer(e):
        labels.update(x.strip() for x in m.group(2).split(",") if x.strip())
    e = GROUPING.sub(" ", e)
    names = set()
    for m in re.finditer(r"(?<![\w$.])([a-zA-Z_:][\w:]*)", e):
        word = m.group(1)
        if word.lower() in KEYWORDS or re.match(r"\s*\(", e[m.end():]):
            continue
        names.add(word)
    return names, labels


def expressions(dash):
    """(where, expr) for every query of the dashboard."""
    def panels(ps):
        for p in ps:
            yield p
            yield from panels(p.get("panels", []))
    for p in panels(dash.get("panels", [])):
        for t in p.get("targets", []):
            if t.get("expr"):
                yield "panel %r %s" % (p.get("title"), t.get("refId")), t["expr"]
    for v in dash.get("templating", {}).get("list", []):
        q = v.get("query")
        q = q.get("query") if isinstance(q, dict) else q
        m = re.match(r"\s*label_values\(\s*([^,]+?)\s*,\s*(\w+)\s*\)\s*$", q or "")
        if m:
            yield "variable %r" % v.get("name"), "%s{%s=~\".*\"}" % (m.group(1), m.group(2))


def served(path):
    """name -> set of label names, from the exposition text."""
    out = {}
    for line in open(path):
        if line.startswith("#") or not line.strip():
            continue
        m = re.match(r"([a-zA-Z_:][\w:]*)(\{([^}]*)\})?\s", line)
        if m:
            out.setdefault(m.group(1), set()).update(re.findall(r"(\w+)=\"", m.group(3) or ""))
    return out


def main():
    args = sys.argv[1:]
    absent_ok = [args[i + 1] for i, a in enumerate(args) if a == "--absent-ok"]
    dash = json.load(open(args[0]))
    series = served(args[1])
    faults, used, n = [], set(), 0
    for where, expr in expressions(dash):
        n += 1
        names, labels = parse_expr(expr)
        if not names:
            faults.append("%s: no metric name in %s" % (where, expr))
        present = set()
        for name in sorted(names):
            used.add(name)
            if name in series:
                present |= series[name]
            elif not any(name.startswith(p) for p in absent_ok):
                faults.append("%s: %s is not served by /metrics (%s)" % (where, name, expr))
        if present:
            for label in sorted(labels - SCRAPE_LABELS - present):
                faults.append("%s: label %s is on none of %s" % (where, label, ", ".join(sorted(names))))
    for name in REQUIRED:
        if name not in used:
            faults.append("the dashboard has no panel on %s" % name)
    for f in faults:
        print(f)
    if faults:
        return 1
    print("%d queries, %d metric names, all served (%d families served)" % (n, len(used), len(series)))
    return 0


if __name__ == "__main__":
    sys.exit(main())

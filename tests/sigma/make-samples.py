#!/usr/bin/python3
"""make-samples.py: build one sample event for each Sigma rule of a directory,
from the rule itself: the fields and keywords its condition needs, in the
shape logward's mapping files give its log source (patterns/sigma/*.map:
NXLog JSON for Windows, key=value text for auditd and FortiGate, syslog text
for keyword rules, the JSON record for cloud sources).  "not" branches are
satisfied by leaving their fields out.  These are not captures: each line is
marked as built from its rule.

usage: make-samples.py RULES_DIR > SAMPLES.tsv
output: "# built from FILE" then "RULE_ID<TAB>SYSLOG_LINE" per rule; a rule
it cannot build for is a "# skipped FILE: why" line.
"""
import base64
import glob
import json
import os
import re
import sys

import yaml


def tokens(text):
    return re.findall(r"\(|\)|[^\s()]+", text)


def parse(tok):
    """or/and/not/primary over a token list -> tree tuples."""
    pos = [0]

    def peek():
        return tok[pos[0]] if pos[0] < len(tok) else None

    def take():
        pos[0] += 1
        return tok[pos[0] - 1]

    def p_or():
        left = p_and()
        while peek() == "or":
            take()
            left = ("or", left, p_and())
        return left

    def p_and():
        left = p_not()
        while peek() == "and":
            take()
            left = ("and", left, p_not())
        return left

    def p_not():
        if peek() == "not":
            take()
            return ("not", p_not())
        return p_primary()

    def p_primary():
        t = take()
        if t == "(":
            e = p_or()
            take()
            return e
        if t in ("1", "any", "all") and peek() == "of":
            take()
            return ("all" if t == "all" else "one", take())
        return ("sel", t)

    return p_or()


def names(pattern, detection):
    sels = [k for k in detection if k != "condition"]
    if pattern == "them":
        return [s for s in sels if not s.startswith("_")]
    rx = re.compile("^" + re.escape(pattern).replace(r"\*", ".*") + "$")
    return [s for s in sels if rx.match(s)]


def unglob(v):
    """A literal that a Sigma value with wildcards matches."""
    out, i = "", 0
    while i < len(v):
        c = v[i]
        if c == "\\" and i + 1 < len(v) and v[i + 1] in "*?\\":
            out += v[i + 1]
            i += 2
            continue
        out += {"*": "", "?": "x"}.get(c, c)
        i += 1
    return out


def value_for(mods, values):
    """A field value that the item (modifiers, values) matches."""
    vals = [unglob(str(v)) for v in values] if "all" in mods else [unglob(str(values[0]))]
    if "re" in mods or "cidr" in mods or "exists" in mods or "fieldref" in mods:
        raise ValueError("modifier " + "/".join(mods) + " left to the unit tests")
    if "base64offset" in mods or "base64" in mods:
        return "x " + " ".join(base64.b64encode(v.encode()).decode() for v in vals) + " x"
    if "contains" in mods:
        return "x " + " ".join(vals) + " x"
    if "endswith" in mods:
        v = vals[0]
        pre = "C:\\Windows\\System32" if v.startswith("\\") else "/usr/sbin" if v.startswith("/") else "x"
        return pre + v
    if "startswith" in mods:
        return vals[0] + "_x"
    return vals[0]


def satisfy(tree, detection, fields, keywords):
    kind = tree[0]
    if kind == "and":
        satisfy(tree[1], detection, fields, keywords)
        satisfy(tree[2], detection, fields, keywords)
    elif kind == "or":
        satisfy(tree[1], detection, fields, keywords)
    elif kind == "not":
        avoid(tree[1], detection, fields)
    elif kind == "sel":
        selection(detection[tree[1]], fields, keywords)
    elif kind == "one":
        selection(detection[names(tree[1], detection)[0]], fields, keywords)
    elif kind == "all":
        for n in names(tree[1], detection):
            selection(detection[n], fields, keywords)


def selection(sel, fields, keywords):
    if isinstance(sel, list) and sel and all(not isinstance(x, dict) for x in sel):
        keywords.append(unglob(str(sel[0])))
        return
    if isinstance(sel, list):
        sel = sel[0]
    if isinstance(sel, str):
        keywords.append(unglob(sel))
        return
    parts = {}
    for key, vals in sel.items():
        field, *mods = key.split("|")
        if not isinstance(vals, list):
            vals = [vals]
        if vals[0] is None:
            continue
        if field == "":
            keywords.append(value_for(mods, vals))
        else:
            parts.setdefault(field, []).append((mods, vals))
    for field, items in parts.items():
        if len(items) == 1:
            v = value_for(*items[0])
            # two selections on one field (all of selection_*): both pieces
            fields[field] = fields[field] + " " + v if field in fields else v
            continue
        # several items on one field (startswith + endswith + contains): one value
        head = "".join(unglob(str(v[0])) for m, v in items if "startswith" in m)
        tail = "".join(unglob(str(v[0])) for m, v in items if "endswith" in m)
        middle = " ".join(value_for(m, v) for m, v in items
                          if "startswith" not in m and "endswith" not in m)
        fields[field] = head + "x " + middle + " x" + tail


def avoid(tree, detection, fields):
    """Under a "not": give a filter on null or empty values a value it does not match."""
    kind = tree[0]
    sels = []
    if kind == "sel":
        sels = [tree[1]]
    elif kind in ("one", "all"):
        sels = names(tree[1], detection)
    elif kind in ("and", "or"):
        avoid(tree[1], detection, fields)
        avoid(tree[2], detection, fields)
    for n in sels:
        sel = detection[n]
        for m in (sel if isinstance(sel, list) else [sel]):
            if not isinstance(m, dict):
                continue
            for key, vals in m.items():
                vals = vals if isinstance(vals, list) else [vals]
                if any(v is None or v in ("", "-") for v in vals) and key.split("|")[0] not in fields:
                    fields[key.split("|")[0]] = "set-by-sample"


def nested(flat):
    out = {}
    for k, v in flat.items():
        cur = out
        parts = k.split(".")
        for p in parts[:-1]:
            cur = cur.setdefault(p, {})
        cur[parts[-1]] = int(v) if isinstance(v, str) and v.isdigit() and len(v) < 9 else v
    return out


HEADER = "<14>Nov 27 10:00:00 host1 "
WIN = {
    ("windows", None, "process_creation"): {"SourceName": "Microsoft-Windows-Sysmon", "EventID": 1,
                                           "Channel": "Microsoft-Windows-Sysmon/Operational"},
    ("windows", None, "registry_event"): {"SourceName": "Microsoft-Windows-Sysmon", "EventID": 13,
                                         "Channel": "Microsoft-Windows-Sysmon/Operational"},
    ("windows", None, "file_event"): {"SourceName": "Microsoft-Windows-Sysmon", "EventID": 11,
                                     "Channel": "Microsoft-Windows-Sysmon/Operational"},
    ("windows", None, "ps_script"): {"SourceName": "Microsoft-Windows-PowerShell", "EventID": 4104,
                                    "Channel": "Microsoft-Windows-PowerShell/Operational"},
    ("windows", "security", None): {"SourceName": "Microsoft-Windows-Security-Auditing",
                                    "Channel": "Security", "EventID": 4624},
}
CLOUD = {
    ("aws", "cloudtrail"): {"eventSource": "iam.amazonaws.com", "eventName": "x", "awsRegion": "us-east-1"},
    ("azure", "auditlogs"): {"category": "AuditLogs", "activityDisplayName": "x"},
    ("azure", "activitylogs"): {"operationName": "x", "resourceId": "/subscriptions/0"},
    ("azure", "riskdetection"): {"riskEventType": "x"},
    ("gcp", "gcp.audit"): {"data.protoPayload.serviceName": "x"},
    ("gcp", "google_workspace.admin"): {"eventService": "admin.googleapis.com", "eventName": "x"},
    ("okta", "okta"): {"eventType": "x", "actor.alternateId": "admin@example.com"},
    ("github", "audit"): {"action": "x", "actor": "octocat", "org": "example"},
    ("bitbucket", "audit"): {"auditType.action": "x"},
    ("kubernetes", "audit"): {"kind": "Event", "verb": "create"},
    ("m365", "exchange"): {"eventSource": "Exchange", "eventName": "x"},
    ("linux", None): {"Image": "/usr/bin/x", "CommandLine": "x"},
    ("macos", None): {"Image": "/usr/bin/x", "CommandLine": "x"},
}


def render(ls, fields, keywords):
    product, service, category = ls.get("product"), ls.get("service"), ls.get("category")
    if product == "windows":
        body = dict(WIN[(product, service, category)])
        body["Hostname"] = "WKS1"
        body.update({k: (int(v) if k == "EventID" else v) for k, v in fields.items()})
        if keywords:
            body["Message"] = " ".join(keywords)
        return HEADER + json.dumps(body)
    if product == "linux" and service == "auditd":
        kv = dict(fields)
        t = kv.pop("type", "SYSCALL")
        return HEADER + "type=%s msg=audit(1610903553.730:591): pid=1 " % t + \
            " ".join('%s="%s"' % (k, v) for k, v in kv.items())
    if product == "fortigate":
        return HEADER + 'date=2026-11-27 time=10:00:00 devname="FGT" devid="FG100" ' \
            'logid="0100044547" type="event" subtype="system" ' + \
            " ".join('%s="%s"' % (k, v) for k, v in fields.items())
    if product == "cisco":
        return "<189>Nov 27 10:00:00 router1 12: %PARSER-5-CFGLOG_LOGGEDCMD: User:admin " \
            "logged command:" + " ".join(keywords)
    if product == "linux" and service is None and category is None:
        return HEADER + "useradd[1337]: " + " ".join(keywords)
    base = dict(CLOUD[(product, service)])
    base.update(fields)
    if keywords:
        first = [k for k in base if k not in fields][:1]
        base[first[0] if first else "message"] = " ".join(keywords)
    return HEADER + json.dumps(nested(base))


def main():
    top = sys.argv[1]
    for path in sorted(glob.glob(os.path.join(top, "**", "*.yml"), recursive=True)):
        rel = os.path.relpath(path, top)
        rule = yaml.safe_load(open(path))
        det = rule["detection"]
        fields, keywords = {}, []
        try:
            conds = det["condition"] if isinstance(det["condition"], list) else [det["condition"]]
            satisfy(parse(tokens(conds[0])), det, fields, keywords)
            line = render(rule["logsource"], fields, keywords)
        except (ValueError, KeyError, IndexError) as e:
            print("# skipped %s: %s" % (rel, e))
            continue
        print("# built from %s (not a capture)" % rel)
        print("%s\t%s" % (rule["id"], line))


main()

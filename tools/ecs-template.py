#!/usr/bin/python3
"""ecs-template.py: write the index templates and lifecycle policies of conf/.

From the pinned ECS definitions (tests/data/ecs/ecs_flat.yml) and the custom
field tables of doc/fields.md, write for Elasticsearch (conf/elasticsearch/)
and OpenSearch (conf/opensearch/):

  logward-mappings.json        component template: the mappings
  logward-events.json          index template for the data streams logward-events*
  logward-alerts.json          index template for the data streams logward-alerts*
  logward-{events,alerts}-ilm.json (Elasticsearch) / -ism.json (OpenSearch)
                               lifecycle suggestions

  tools/ecs-template.py [--check]   (from the source tree)

--check writes nothing and exits 1 when a shipped file differs from what it
would write (tests/ecs/template.sh runs it), so the templates never drift
from ECS or from doc/fields.md.
"""
import json
import os
import re
import sys

import yaml

TOP = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

# The ECS field sets logward (or a site's rulebase naming ECS fields) writes:
# every field of these sets is mapped, so a rule that fills another ECS
# field of them indexes with ECS's type.
FIELD_SETS = ("@timestamp", "message", "tags", "labels", "ecs", "event", "host", "log", "network",
              "observer", "source", "destination", "client", "server", "tls", "user", "group",
              "process", "related", "rule", "threat", "error", "cloud", "service", "url",
              "user_agent", "file", "organization")
# ...but not their deep reuses (indicators, executables' headers, entities), which
# only bloat the mapping (Elasticsearch's default limit is 1,000 fields).
SKIP = ("threat.enrichments", "threat.indicator", ".entity.", ".elf.", ".pe.", ".macho.",
        ".code_signature.", "_leader.", ".io.", ".tty.")
KEYWORD_IGNORE_ABOVE = 1024
# labels: ECS's free key/value object; logward writes labels.severity on alerts
EXTRA = {"labels.severity": "keyword"}


def ecs_fields():
    with open(os.path.join(TOP, "tests/data/ecs/ecs_flat.yml"), encoding="utf-8") as f:
        ecs = yaml.load(f, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    out = {}
    for name, spec in ecs.items():
        if name.split(".")[0] not in FIELD_SETS or any(s in name for s in SKIP):
            continue
        out[name] = spec
    return out


def custom_fields():
    """`name` | type rows of doc/fields.md's tables."""
    out = {}
    with open(os.path.join(TOP, "doc/fields.md"), encoding="utf-8") as f:
        for line in f:
            m = re.match(r"^\|\s*`([^`]+)`\s*\|\s*([a-z_]+)\s*\|", line)
            if m:
                out[m.group(1)] = m.group(2)
    return out


def mapping(typ, spec, flavour):
    """One field's mapping for 'es' or 'os'."""
    if flavour == "os":
        typ = {"flattened": "flat_object", "match_only_text": "text", "wildcard": "keyword",
               "constant_keyword": "keyword"}.get(typ, typ)
    m = {"type": typ}
    if typ == "keyword":
        m["ignore_above"] = KEYWORD_IGNORE_ABOVE
    if typ == "flattened":
        m["ignore_above"] = KEYWORD_IGNORE_ABOVE
    if typ == "scaled_float":
        m["scaling_factor"] = int((spec or {}).get("scaling_factor", 1000))
    if spec and spec.get("index") is False:
        m["index"] = False
        if typ in ("keyword", "wildcard"):
            m["doc_values"] = False
    for mf in (spec or {}).get("multi_fields") or []:
        t = mf["type"]
        if flavour == "os":
            t = {"match_only_text": "text", "wildcard": "keyword"}.get(t, t)
        m.setdefault("fields", {})[mf["name"]] = {"type": t}
    return m


def properties(flavour):
    fields = {}
    for name, spec in ecs_fields().items():
        if spec["type"] in ("object", "nested"):
            continue  # their members are mapped; the object follows
        fields[name] = mapping(spec["type"], spec, flavour)
    for name, typ in list(custom_fields().items()) + list(EXTRA.items()):
        if typ == "object":
            continue
        spec = {"index": False} if name.endswith("evidence.event.original") else None
        fields[name] = mapping(typ, spec, flavour)
    root = {}
    for name in sorted(fields):
        parts = name.split(".")
        cur = root
        for p in parts[:-1]:
            node = cur.setdefault(p, {"properties": {}})
            if "properties" not in node:
                sys.exit("ecs-template: %s is a leaf and an object" % ".".join(parts[:parts.index(p) + 1]))
            cur = node["properties"]
        if parts[-1] in cur:
            if "properties" in cur[parts[-1]] and fields[name].get("type") == "object":
                continue
            sys.exit("ecs-template: %s is a leaf and an object" % name)
        cur[parts[-1]] = dict(fields[name])
    return root


def files(flavour):
    lifecycle = "ilm" if flavour == "es" else "ism"
    ecs_version = "9.5.0-dev (elastic/ecs b85f7573)"
    out = {}
    out["logward-mappings.json"] = {
        "_meta": {"description": "logward events and alerts: ECS %s and logward's custom fields "
                                 "(doc/fields.md)" % ecs_version},
        "template": {"mappings": {
            # an unknown field (a site's rulebase) stays in _source, never costs the document
            "dynamic": False,
            "date_detection": False,
            "properties": properties(flavour),
        }},
    }
    for kind, days in (("events", 90), ("alerts", 730)):
        settings = {"index": {"mapping": {"total_fields": {"limit": 2000}}}}
        if flavour == "es":
            settings["index"]["lifecycle"] = {"name": "logward-" + kind}
        out["logward-%s.json" % kind] = {
            "index_patterns": ["logward-%s*" % kind],
            "data_stream": {},
            "composed_of": ["logward-mappings"],
            "priority": 200,
            "_meta": {"description": "logward %s (doc/fields.md)" % kind},
            "template": {"settings": settings},
        }
        if flavour == "es":
            out["logward-%s-ilm.json" % kind] = {"policy": {
                "_meta": {"description": "a suggestion: roll over daily or at 50 GB a primary shard, "
                                         "delete after %d days" % days},
                "phases": {
                    "hot": {"actions": {"rollover": {"max_age": "1d",
                                                     "max_primary_shard_size": "50gb"}}},
                    "warm": {"min_age": "7d", "actions": {"forcemerge": {"max_num_segments": 1}}},
                    "delete": {"min_age": "%dd" % days, "actions": {"delete": {}}},
                }}}
        else:
            out["logward-%s-ism.json" % kind] = {"policy": {
                "description": "a suggestion: roll over daily or at 50 GB a primary shard, delete "
                               "after %d days" % days,
                "default_state": "hot",
                "states": [
                    {"name": "hot", "actions": [{"rollover": {"min_index_age": "1d",
                                                              "min_primary_shard_size": "50gb"}}],
                     "transitions": [{"state_name": "delete",
                                      "conditions": {"min_index_age": "%dd" % days}}]},
                    {"name": "delete", "actions": [{"delete": {}}], "transitions": []},
                ],
                "ism_template": [{"index_patterns": ["logward-%s*" % kind], "priority": 200}],
            }}
    assert lifecycle
    return out


def main(argv):
    check = "--check" in argv[1:]
    status = 0
    for flavour, sub in (("es", "elasticsearch"), ("os", "opensearch")):
        d = os.path.join(TOP, "conf", sub)
        for name, body in sorted(files(flavour).items()):
            text = json.dumps(body, indent=2, sort_keys=True) + "\n"
            path = os.path.join(d, name)
            if check:
                try:
                    with open(path, encoding="utf-8") as f:
                        same = f.read() == text
                except OSError:
                    same = False
                if not same:
                    print("ecs-template: %s differs from what tools/ecs-template.py writes" %
                          os.path.relpath(path, TOP))
                    status = 1
                continue
            os.makedirs(d, exist_ok=True)
            with open(path, "w", encoding="utf-8") as f:
                f.write(text)
    return status


if __name__ == "__main__":
    sys.exit(main(sys.argv))

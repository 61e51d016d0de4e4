#!/usr/bin/python3
"""ecs_check.py: every field logward writes, against ECS and the index template.

Runs every input line the tests hold through `logward --test-rules` with
the shipped patterns/ (the pattern samples tests/patterns/*.tsv, the parser
cases tests/data/rfc*_cases.tsv, the detection corpus and benign logs of
tests/data/detect/, the correlation cases of tests/data/correlate/, and the
JSON body shapes of tests/data/ecs/shapes.log) and
looks at every line of output, events and alerts alike.  What it reports:

  non-ECS paths    leaf paths that are not ECS fields (ECS: the pinned
                   tests/data/ecs/ecs_flat.yml); a path under an ECS or
                   template `flattened` field is one opaque value
  object/leaf      a path that is a leaf in one line and an object in
                   another (or where ECS has the other shape): Elasticsearch
                   rejects the second shape once the first is mapped
  type             a value whose JSON type the ECS (or template) type does
                   not take: a string in a long, a number in a keyword, a
                   text that is not a date or an address in date or ip
  array            an ECS array field written as a scalar
  array mix        a path that is an array in one line and a scalar in another
  allowed values   event.kind/category/type outside ECS's allowed values, or
                   an event.type that ECS does not list for the category

  ecs_check.py report TOP LOGWARD
        print the figures; exit 0
  ecs_check.py check TOP LOGWARD TEMPLATE... 
        also check every field against each index template (its mapping
        type, and dynamic fields) and against doc/fields.md (every field not
        in ECS must be listed there); exit 1 on any problem
"""
import collections
import glob
import ipaddress
import json
import os
import re
import subprocess
import sys
import tempfile

import yaml

TOP_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, TOP_DIR)
from detect import corpus  # noqa: E402  (tests/detect/corpus.py)

STRING_TYPES = {"keyword", "wildcard", "constant_keyword", "match_only_text", "text"}
INT_TYPES = {"long", "integer", "short", "byte", "unsigned_long"}
FLOAT_TYPES = {"float", "double", "scaled_float", "half_float"}
OPAQUE_TYPES = {"flattened", "flat_object"}
DATE_RE = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)$")
SHOW = 12  # examples printed per problem kind


def unescape_bytes(s):
    """The corpus escaping: \\\\ \\t \\n \\r and \\xNN (tests/data/CORPUS-README.md)."""
    out, i = bytearray(), 0
    while i < len(s):
        c = s[i]
        if c == "\\" and i + 1 < len(s):
            n = s[i + 1]
            if n in "\\tnr":
                out += {"\\": b"\\", "t": b"\t", "n": b"\n", "r": b"\r"}[n]
                i += 2
                continue
            if n == "x" and re.match(r"[0-9A-Fa-f]{2}", s[i + 2:i + 4]):
                out.append(int(s[i + 2:i + 4], 16))
                i += 4
                continue
        out += c.encode("utf-8", errors="surrogateescape")
        i += 1
    return bytes(out)


def frame(b):
    return str(len(b)).encode() + b" " + b


def inputs(top):
    """(name, rules-or-conf args, bytes of octet-counted frames) per run."""
    runs = []
    patterns = os.path.join(top, "patterns")
    frames = []
    for tsv in sorted(glob.glob(os.path.join(top, "tests/patterns/*.tsv"))):
        for row in open(tsv, encoding="utf-8"):
            row = row.rstrip("\n")
            if row and not row.startswith("#"):
                frames.append(frame(corpus.unescape(row.split("\t")[0]).encode(
                    "utf-8", errors="surrogateescape")))
    runs.append(("pattern samples", ["--rules", patterns], b"".join(frames)))
    frames = []
    for tsv in ("rfc5424_cases.tsv", "rfc3164_cases.tsv"):
        with open(os.path.join(top, "tests/data", tsv), encoding="utf-8") as f:
            head = f.readline().rstrip("\n").split("\t")
            col = head.index("input")
            for row in f:
                cols = row.rstrip("\n").split("\t")
                if len(cols) > col and cols[col]:
                    frames.append(frame(unescape_bytes(cols[col])))
    runs.append(("parser cases", ["--rules", patterns], b"".join(frames)))
    data = os.path.join(top, "tests/data/detect")
    for kind in ("positive", "negative", "benign"):
        runs.append(("detect " + kind, ["--rules", patterns], b"".join(
            frame(r["msg"].encode("utf-8", errors="surrogateescape"))
            for r in corpus.rows(data, kind))))
    # JSON bodies of every known source and of none, each member a text in
    # one line and an object (or a number) in the next: the shapes that
    # conflicted when every source shared one json object
    with open(os.path.join(top, "tests/data/ecs/shapes.log"), "rb") as f:
        runs.append(("JSON shapes", ["--rules", patterns], f.read()))
    data = os.path.join(top, "tests/data/correlate")
    for log in sorted(glob.glob(os.path.join(data, "*.log"))):
        name = os.path.basename(log)[:-4]
        conf_in = os.path.join(data, name + ".conf.in")
        with open(log, "rb") as f:
            body = f.read()
        if os.path.exists(conf_in):
            with open(conf_in, encoding="utf-8") as f:
                text = f.read().replace("@DATADIR@", data).replace("@PATTERNS@", patterns)
            runs.append(("correlate " + name, ["-f", text], body))
        else:
            runs.append(("correlate " + name, ["--rules", patterns], body))
    return runs


def run_all(top, logward):
    """Every output line of every run, parsed."""
    out = []
    env = dict(os.environ, TZ="UTC")
    with tempfile.TemporaryDirectory() as tmp:
        for name, args, data in inputs(top):
            if args[0] == "-f":
                conf = os.path.join(tmp, "run.conf")
                with open(conf, "w", encoding="utf-8") as f:
                    f.write(args[1])
                args = ["-f", conf]
            p = subprocess.run([logward] + args + ["--test-rules"], input=data, env=env,
                               stdout=subprocess.PIPE, timeout=300, check=True)
            for line in p.stdout.decode("utf-8", errors="surrogateescape").splitlines():
                out.append((name, json.loads(line)))
    return out


def load_ecs(top):
    path = os.path.join(top, "tests/data/ecs/ecs_flat.yml")
    with open(path, encoding="utf-8") as f:
        return yaml.load(f, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))


def load_template(path):
    """path -> mapping type of a composable index template's mappings."""
    with open(path, encoding="utf-8") as f:
        t = json.load(f)
    types = {}

    def walk(props, prefix):
        for k, v in props.items():
            p = prefix + k
            if "properties" in v:
                types[p] = v.get("type", "object")
                walk(v["properties"], p + ".")
            else:
                types[p] = v.get("type", "object")
    walk(t["template"]["mappings"]["properties"], "")
    return t, types


def load_custom(path):
    """The custom field names doc/fields.md lists: `name` in a table's first cell."""
    names = set()
    with open(path, encoding="utf-8") as f:
        for line in f:
            m = re.match(r"^\|\s*`([^`]+)`", line)
            if m:
                names.add(m.group(1))
    return names


# What OpenSearch maps where Elasticsearch has a type it lacks.
OPENSEARCH_FOR = {"flattened": "flat_object", "match_only_text": "text", "wildcard": "keyword",
                  "constant_keyword": "keyword"}


def template_agrees(ecs, ttypes, tpath):
    """Every ECS field of the template has ECS's type (or OpenSearch's stand-in)."""
    bad = 0
    for path, t in sorted(ttypes.items()):
        spec = ecs.get(path)
        if spec is None or t == "object" and spec["type"] in ("object", "nested"):
            continue
        if t != spec["type"] and t != OPENSEARCH_FOR.get(spec["type"]):
            print("template %s: %s is %s, ECS says %s" % (os.path.basename(tpath), path, t, spec["type"]))
            bad = 1
    return bad


def kind_of(v):
    if isinstance(v, bool):
        return "boolean"
    if isinstance(v, int):
        return "int"
    if isinstance(v, float):
        return "float"
    if isinstance(v, str):
        return "string"
    if v is None:
        return "null"
    return "object"


def accepts(typ, v):
    """Whether a mapping type takes this scalar JSON value as it is."""
    k = kind_of(v)
    if k == "null" or typ in OPAQUE_TYPES:
        return True
    if typ in STRING_TYPES:
        return k == "string"
    if typ in INT_TYPES:
        return k == "int"
    if typ in FLOAT_TYPES:
        return k in ("int", "float")
    if typ == "boolean":
        return k == "boolean"
    if typ == "date":
        return k == "string" and DATE_RE.match(v) is not None
    if typ == "ip":
        if k != "string":
            return False
        try:
            ipaddress.ip_address(v)
            return True
        except ValueError:
            return False
    if typ == "geo_point":
        return True
    return False  # object/nested given a scalar


def leaves(doc, opaque):
    """(path, value, in_array) for every leaf; an object array's members are walked."""
    out = []

    def walk(v, path, in_array):
        if path and path in opaque:
            out.append((path, v, in_array))
            return
        if isinstance(v, dict):
            if not v and path:
                out.append((path, v, in_array))
            for k, x in v.items():
                walk(x, path + "." + k if path else k, in_array)
        elif isinstance(v, list):
            if not v:
                out.append((path, v, True))
            for x in v:
                walk(x, path, True)
        else:
            out.append((path, v, in_array))
    walk(doc, "", False)
    return out


class Survey:
    """What every output line says about every path."""

    def __init__(self, ecs, template_types, custom):
        self.ecs = ecs
        self.ttypes = template_types  # None without a template
        self.custom = custom
        self.opaque = {k for k, v in ecs.items() if v["type"] in OPAQUE_TYPES}
        if template_types:
            self.opaque |= {k for k, t in template_types.items() if t in OPAQUE_TYPES}
        self.ecs_objects = set()
        for k in ecs:
            parts = k.split(".")
            for i in range(1, len(parts)):
                self.ecs_objects.add(".".join(parts[:i]))
        self.shape = collections.defaultdict(collections.Counter)  # path -> leaf/object
        self.kinds = collections.defaultdict(collections.Counter)  # path -> scalar kinds
        self.arrays = collections.defaultdict(collections.Counter)  # path -> array/scalar
        self.example = {}
        self.problems = collections.defaultdict(list)
        self.lines = collections.Counter()

    def problem(self, what, text):
        self.problems[what].append(text)

    def add(self, where, doc):
        kind = "alert" if isinstance(doc.get("event"), dict) and doc["event"].get("kind") == "alert" else "event"
        self.lines[kind] += 1
        seen_arrays = {}
        for path, v, in_array in leaves(doc, self.opaque):
            if v is None:
                continue  # Elasticsearch indexes nothing for a null: no shape
            self.shape[path]["leaf"] += 1
            parts = path.split(".")
            for i in range(1, len(parts)):
                self.shape[".".join(parts[:i])]["object"] += 1
            if isinstance(v, (dict, list)):
                self.kinds[path]["opaque" if v else "empty"] += 1
            else:
                self.kinds[path][kind_of(v)] += 1
            seen_arrays[path] = seen_arrays.get(path, False) or in_array
            self.example.setdefault(path, (where, kind))
            self.check_type(path, v, where)
        for path, arr in seen_arrays.items():
            self.arrays[path]["array" if arr else "scalar"] += 1
            spec = self.ecs.get(path)
            if spec and "array" in (spec.get("normalize") or []) and not arr:
                self.problem("array", "%s: %s written as a scalar (%s)" % (where, path, kind))
        self.check_allowed(where, doc)

    def check_type(self, path, v, where):
        if isinstance(v, (dict, list)) and (not v or path in self.opaque):
            return
        spec = self.ecs.get(path)
        if spec and not accepts(spec["type"], v):
            self.problem("type", "%s: %s = %r, ECS type %s" % (where, path, v, spec["type"]))
        if self.ttypes is not None:
            t = self.ttypes.get(path)
            if t is None:
                self.problem("template", "%s: %s not in the template" % (where, path))
            elif not accepts(t, v):
                self.problem("template", "%s: %s = %r, template type %s" % (where, path, v, t))

    def check_allowed(self, where, doc):
        ev = doc.get("event") if isinstance(doc.get("event"), dict) else {}
        allowed = {f: {a["name"]: a for a in (self.ecs[f].get("allowed_values") or [])}
                   for f in ("event.kind", "event.category", "event.type")}
        kinds = ev.get("kind")
        cats = ev.get("category", [])
        types = ev.get("type", [])
        cats = cats if isinstance(cats, list) else [cats]
        types = types if isinstance(types, list) else [types]
        for f, vals in (("event.kind", [kinds] if kinds else []), ("event.category", cats),
                        ("event.type", types)):
            for x in vals:
                if x not in allowed[f]:
                    self.problem("allowed", "%s: %s %r is not an ECS value" % (where, f, x))
        for t in types:
            if cats and not any(t in (allowed["event.category"].get(c, {}).get("expected_event_types") or [])
                                for c in cats):
                self.problem("allowed", "%s: event.type %r with event.category %r" % (where, t, cats))

    def finish(self):
        """Problems across lines: shapes, kinds, arrays; and the path census."""
        for path, c in sorted(self.shape.items()):
            both = c["leaf"] and c["object"]
            ecs_clash = (c["leaf"] and path in self.ecs_objects and path not in self.ecs) or \
                        (c["object"] and path in self.ecs and self.ecs[path]["type"] not in
                         {"object", "nested"} | OPAQUE_TYPES)
            if both or ecs_clash:
                self.problem("object/leaf", "%s: leaf %d times, object %d times%s (first in %s)" % (
                    path, c["leaf"], c["object"], ", ECS has the other shape" if ecs_clash and not both else "",
                    self.example.get(path, ("?",))[0]))
        for path, c in sorted(self.kinds.items()):
            scalar = {k for k in c if k not in ("null", "empty")}
            if len(scalar - {"int", "float"} if "int" in scalar and "float" in scalar else scalar) > 1:
                self.problem("kind switch", "%s: %s" % (path, dict(c)))
        for path, c in sorted(self.arrays.items()):
            if c["array"] and c["scalar"]:
                self.problem("array mix", "%s: array in %d lines, scalar in %d" % (path, c["array"], c["scalar"]))
        self.non_ecs = sorted(p for p, c in self.shape.items() if c["leaf"] and not self.is_ecs(p))
        if self.custom is not None:
            for p in self.non_ecs:
                if not self.documented(p):
                    self.problem("undocumented", "%s: not ECS, not in doc/fields.md (first in %s)" % (
                        p, self.example[p][0]))

    def is_ecs(self, path):
        if path in self.ecs and self.ecs[path]["type"] not in ("object",) or path == "labels":
            return True
        parts = path.split(".")
        for i in range(1, len(parts)):
            pre = ".".join(parts[:i])
            if pre in self.ecs and self.ecs[pre]["type"] in OPAQUE_TYPES:
                return True
        return path.startswith("labels.")

    def documented(self, path):
        parts = path.split(".")
        return any(".".join(parts[:i]) in self.custom for i in range(1, len(parts) + 1))

    def report(self):
        top = collections.Counter(p.split(".")[0] for p in self.non_ecs)
        print("lines: %d events, %d alerts; distinct leaf paths: %d" % (
            self.lines["event"], self.lines["alert"], sum(1 for c in self.shape.values() if c["leaf"])))
        print("non-ECS paths: %d (by top-level: %s)" % (
            len(self.non_ecs), ", ".join("%s %d" % kv for kv in top.most_common())))
        for what in ("object/leaf", "type", "kind switch", "array", "array mix", "allowed", "template", "undocumented"):
            probs = self.problems.get(what, [])
            # per-line problems: count lines, and distinct messages without the line
            distinct = collections.Counter(re.sub(r"^[^:]*: ", "", p) if what in ("type", "array", "allowed", "template") else p
                                           for p in probs)
            print("%-12s %5d (%d distinct)" % (what, len(probs), len(distinct)))
            for text, n in distinct.most_common(SHOW):
                print("    %s%s" % (text, "  [x%d]" % n if n > 1 else ""))
        return sum(len(self.problems.get(w, [])) for w in self.problems)


def main(argv):
    if len(argv) < 4 or argv[1] not in ("report", "check", "paths"):
        print(__doc__, file=sys.stderr)
        return 2
    mode, top, logward = argv[1], argv[2], argv[3]
    ecs = load_ecs(top)
    lines = run_all(top, logward)
    templates = argv[4:] if mode == "check" else [None]
    custom = load_custom(os.path.join(top, "doc/fields.md")) if mode == "check" else None
    status = 0
    for tpath in templates:
        ttypes = load_template(tpath)[1] if tpath else None
        if ttypes is not None:
            status |= template_agrees(ecs, ttypes, tpath)
        s = Survey(ecs, ttypes, custom)
        for where, doc in lines:
            s.add(where, doc)
        s.finish()
        if tpath:
            print("== template %s" % os.path.relpath(tpath, top))
        if mode == "paths":
            for p in s.non_ecs:
                print(p, dict(s.kinds[p]))
            return 0
        n = s.report()
        if mode == "check" and n:
            status = 1
    if mode == "check" and not lines:
        print("no output lines")
        status = 1
    return status


if __name__ == "__main__":
    sys.exit(main(sys.argv))

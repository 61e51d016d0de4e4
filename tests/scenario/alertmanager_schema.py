#!/usr/bin/env python3
"""alertmanager_schema.py: validate webhook bodies against Alertmanager's
POST /api/v2/alerts request schema (definitions/postableAlerts of the v2
OpenAPI spec, a pinned copy in tests/data/alertmanager/openapi.yaml).

  alertmanager_schema.py SPEC RECEIVED.jsonl [--expect-invalid]

RECEIVED.jsonl is receiver.py's --out: one request a line, the parsed body
in "body".  Exit 0 when every body is valid (with --expect-invalid: when
every body is rejected, and there is at least one); 1 otherwise, with the
reasons on stderr.  Needs python3-yaml and python3-jsonschema (Debian).

The spec is Swagger 2.0, whose schema objects are JSON Schema draft 4: the
definitions are used as they are, $refs resolved by jsonschema within the
spec document.  On top of the schema, what Alertmanager's server checks
after it (api/v2 and types.Alert.Validate): formats date-time (RFC 3339)
and uri, at least one label, label names matching [a-zA-Z_][a-zA-Z0-9_]*;
and what logward promises: an alertname label, and no member the schema
does not define (the schema allows any, so a typo would pass unseen).
"""
import json
import re
import sys
import urllib.parse

import jsonschema
import yaml

RFC3339 = re.compile(r"^\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$")
LABEL_NAME = re.compile(r"^[a-zA-Z_][a-zA-Z0-9_]*$")


def format_checker():
    checker = jsonschema.FormatChecker(formats=())

    @checker.checks("date-time")
    def date_time(value):
        return not isinstance(value, str) or RFC3339.match(value) is not None

    @checker.checks("uri")
    def uri(value):
        return not isinstance(value, str) or urllib.parse.urlparse(value).scheme != ""

    return checker


def known_members(definitions, name):
    """Every property an object of definition name may have (through allOf and $ref)."""
    d = definitions[name]
    props = set(d.get("properties", {}))
    for part in d.get("allOf", []):
        if "$ref" in part:
            props |= known_members(definitions, part["$ref"].rsplit("/", 1)[1])
        else:
            props |= set(part.get("properties", {}))
    return props


def problems(body, validator, members):
    out = [e.message[-200:] + " at /" + "/".join(str(p) for p in e.absolute_path)
           for e in validator.iter_errors(body)]
    if out or not isinstance(body, list):
        return out or ["not an array"]
    if len(body) == 0:
        out.append("no alert in the array")
    for i, a in enumerate(body):
        labels = a.get("labels", {})
        if not labels:
            out.append("alert %d: no label" % i)
        if "alertname" not in labels:
            out.append("alert %d: no alertname label" % i)
        out += ["alert %d: label name %r" % (i, k) for k in labels if not LABEL_NAME.match(k)]
        out += ["alert %d: member %r not in the spec" % (i, k) for k in a if k not in members]
    return out


def main():
    if len(sys.argv) not in (3, 4) or (len(sys.argv) == 4 and sys.argv[3] != "--expect-invalid"):
        sys.exit(__doc__)
    spec = yaml.safe_load(open(sys.argv[1]))
    expect_invalid = len(sys.argv) == 4
    schema = {"$ref": "#/definitions/postableAlerts", "definitions": spec["definitions"]}
    validator = jsonschema.Draft4Validator(schema, format_checker=format_checker())
    members = known_members(spec["definitions"], "postableAlert")
    bodies = [json.loads(line)["body"] for line in open(sys.argv[2])]
    bad = 0
    for n, body in enumerate(bodies):
        p = problems(body, validator, members)
        if p:
            bad += 1
            if not expect_invalid:
                print("body %d: %s\n  %s" % (n, "; ".join(p), json.dumps(body)), file=sys.stderr)
        elif expect_invalid:
            print("body %d is valid, expected invalid: %s" % (n, json.dumps(body)), file=sys.stderr)
    print("%d bodies, %d invalid" % (len(bodies), bad))
    if expect_invalid:
        return 0 if bodies and bad == len(bodies) else 1
    return 0 if bodies and bad == 0 else 1


if __name__ == "__main__":
    sys.exit(main())

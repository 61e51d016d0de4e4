"""dotted.py: the one dotted-path lookup of the test scripts.

An ECS field is named by its dotted path: log.syslog.hostname is
{"log": {"syslog": {"hostname": ...}}}.  get() follows the path through
nested objects and returns default when a step is missing or is not an
object (a list is not indexed: ECS paths name object members only).
"""

MISSING = object()


def get(obj, path, default=None):
    cur = obj
    for part in path.split("."):
        if not isinstance(cur, dict) or part not in cur:
            return default
        cur = cur[part]
    return cur


# Where the archive writes liblognorm's JSON body "json" (src/event_ecs.c):
# one namespace a source, each a flattened value in the index template.
JSON_NAMESPACES = ("aws.cloudtrail", "gcp.audit", "kubernetes.audit", "okta",
                   "google_workspace", "github.audit", "o365.audit", "azure.auditlogs",
                   "azure.activitylogs", "winlog.event_data", "wazuh", "logward.json")


def rule_get(event, path, default=None):
    """A field of an archived event by the name the rules give it: json.X is
    X of the JSON body under its source's namespace, and a one-element array
    (event.category, threat.technique.id...) stands for its element."""
    v = MISSING
    if path == "json" or path.startswith("json."):
        for ns in JSON_NAMESPACES:
            v = get(event, ns + path[4:], MISSING)
            if v is not MISSING:
                break
    else:
        v = get(event, path, MISSING)
    if isinstance(v, list) and len(v) == 1:
        v = v[0]
    return default if v is MISSING else v

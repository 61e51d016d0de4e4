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

#!/bin/sh
# The index templates of conf/ (issue 20): they are what tools/ecs-template.py
# writes from the pinned ECS definitions and doc/fields.md, and every field of
# every event and alert the test corpora give through logward --test-rules
# agrees with ECS and with both templates (tests/ecs/ecs_check.py): its type,
# no path both an object and a leaf, every field in ECS or in doc/fields.md.
set -eu
: "${top_srcdir:?}" "${LOGWARD:?}"
status=0
python3 "$top_srcdir/tools/ecs-template.py" --check || status=1
timeout 600 python3 "$top_srcdir/tests/ecs/ecs_check.py" check "$top_srcdir" "$LOGWARD" \
    "$top_srcdir/conf/elasticsearch/logward-mappings.json" \
    "$top_srcdir/conf/opensearch/logward-mappings.json" || status=1
exit $status

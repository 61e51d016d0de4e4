#!/bin/sh
# readme-conf: the README's configuration excerpt is conf/logward.conf
# without its comments (tests/doc/readme_conf.py; --update rewrites it),
# and that file is one logward reads (-T parses it and prints it back).
TEST_NAME=readme-conf
. "$top_srcdir/tests/scenario/lib.sh"

$PY "$top_srcdir/tests/doc/readme_conf.py" "$top_srcdir/README.md" \
    "$top_srcdir/conf/logward.conf" >"$T/out" 2>&1 || fail "$(cat "$T/out")"
note "$(cat "$T/out")"
(cd "$top_srcdir" && "$LOGWARD" -T -f conf/logward.conf) >"$T/dump" 2>&1 ||
	fail "logward -T -f conf/logward.conf: $(cat "$T/dump")"
exit 0

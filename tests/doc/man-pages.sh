#!/bin/sh
# man-pages: the manual pages render without a fault.  mandoc -Tlint finds
# nothing of WARNING level or worse; the rendered text has none of the
# faults they once had (an ampersand eaten from ATT&CK, a quote or bracket
# running to the end of a list's line, an openssl s_client that never
# returns, an archive directory said to have to exist); and the "expected
# one of" example of logward.conf(5) is the message the daemon prints for it.
TEST_NAME=man-pages
. "$top_srcdir/tests/scenario/lib.sh"

command -v mandoc >/dev/null || fail "mandoc is not installed (Debian package mandoc)"
# the pages as built (doc/*.in with the configured paths)
for page in "$top_builddir/doc/logward.8" "$top_builddir/doc/logward.conf.5"; do
	name=$(basename "$page")
	mandoc -Tlint -W warning "$page" >"$T/$name.lint" 2>&1 ||
		fail "$name: mandoc -Tlint: $(cat "$T/$name.lint")"
	[ -s "$T/$name.lint" ] && fail "$name: mandoc -Tlint: $(cat "$T/$name.lint")"
	mandoc -Tascii "$page" 2>/dev/null | sed 's/.\x08//g' >"$T/$name.txt"
	grep -n 'ATTCK' "$T/$name.txt" && fail "$name: ATT&CK rendered without its ampersand"
	# a list's syntax: each quoted item closes before ", ... }"
	grep -nE '"[^"]*, \.\.\. \}"|\[[^]]*, \.\.\. \}\]' "$T/$name.txt" &&
		fail "$name: a quote or bracket runs over \", ... }\""
	grep -n 's_client' "$T/$name.txt" | grep -v -- '-no_ign_eof' | grep -- '-quiet' &&
		fail "$name: openssl s_client -quiet without -no_ign_eof never returns"
	grep -ni 'directory must exist' "$T/$name.txt" && fail "$name: the archive directory is created"
done
note "both pages lint clean and render without the known faults"

# The example error of logward.conf(5) for an unknown directive, as the daemon says it.
want=$(sed -n 's/^ *conf\/logward\.conf:7: \(unknown directive "filter" .*\)$/\1/p' \
	"$T/logward.conf.5.txt")
[ -n "$want" ] || fail "logward.conf.5 has no 'unknown directive \"filter\"' example"
mkdir -p "$T/conf"
{
	echo 'input a { transport = udp  address = "127.0.0.1:5514" }'
	for i in 2 3 4 5 6; do echo; done
	echo 'filter x'
} >"$T/conf/logward.conf"
(cd "$T" && "$LOGWARD" -t -f conf/logward.conf) >"$T/t.out" 2>&1 && fail "-t accepted 'filter'"
got=$(sed -n 's/^.*conf\/logward\.conf:7: \(unknown directive "filter" .*\)$/\1/p' "$T/t.out")
[ "$got" = "$want" ] || fail "logward.conf.5 example differs from the daemon:
  page:   $want
  daemon: $got"
note "the 'expected one of' example is what the daemon prints"

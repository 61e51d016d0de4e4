#!/bin/sh
# The committed seed corpora (fuzz/corpus) are what fuzz/make-seeds.sh
# makes from the tree, so that a changed rule, mapping or test
# configuration reaches the fuzzers.  And the check itself finds drift: a
# copy of the corpora with a seed added, one removed and one edited fails,
# naming each target.
set -eu
: "${top_srcdir:?}"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT INT TERM

if ! sh "$top_srcdir/fuzz/make-seeds.sh" --check "$top_srcdir" >"$tmp/out"; then
	cat "$tmp/out"
	exit 1
fi

cp -R "$top_srcdir/fuzz/corpus" "$tmp/corpus"
chmod -R u+w "$tmp/corpus"
printf 'detection x {\n' >"$tmp/corpus/fuzz_detect/0000000000000000000000000000000000000000"
rm "$tmp/corpus/fuzz_conf/$(ls "$tmp/corpus/fuzz_conf" | head -n 1)"
printf '#' >>"$tmp/corpus/fuzz_sigma/$(ls "$tmp/corpus/fuzz_sigma" | head -n 1)"
if sh "$top_srcdir/fuzz/make-seeds.sh" --check "$top_srcdir" "$tmp/corpus" >"$tmp/out"; then
	echo "fuzz-seeds: --check passed corpora that differ from the tree"
	exit 1
fi
status=0
for want in "fuzz_detect: 0 seeds missing, 1 stale, 1 not named" \
    "fuzz_conf: 1 seeds missing, 0 stale, 0 not named" \
    "fuzz_sigma: 0 seeds missing, 0 stale, 1 not named" \
    "3 seed sets differ"; do
	grep -q "$want" "$tmp/out" || { echo "fuzz-seeds: no '$want' in:"; cat "$tmp/out"; status=1; }
done
exit $status

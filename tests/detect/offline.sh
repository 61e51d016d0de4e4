#!/bin/sh
# Every row of the shared detection corpus through logward --test-rules with
# the shipped patterns/: each positive gives exactly one alert with the
# expected technique and account, negatives and benign lines give none.
set -eu
: "${top_srcdir:?}" "${LOGWARD:?}"
exec python3 "$top_srcdir/tests/detect/corpus.py" offline \
    "$top_srcdir/tests/data/detect" "$LOGWARD" "$top_srcdir/patterns"

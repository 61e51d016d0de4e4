#!/bin/sh
# run.sh: run libFuzzer targets, each for FUZZ_SECONDS on a copy of its seed
# corpus (fuzz/corpus/TARGET), and fail if any of them finds a crash, leak,
# timeout or out-of-memory.  Used by "make fuzz".
# usage: FUZZ_SECONDS=60 run.sh SRCDIR BUILDDIR TARGET...
set -u
# absolute: the fuzzer runs from the work directory (relative paths broke it)
src=$(cd "$1" && pwd) || exit 2
build=$(cd "$2" && pwd) || exit 2
shift 2
secs=${FUZZ_SECONDS:-60}
work=$build/fuzz/work
failed=""

# Longest input worth trying per target: a frame, a config, a detections file.
max_len() {
	case $1 in
	fuzz_framing) echo 8192 ;;
	fuzz_parse|fuzz_sd|fuzz_json_escape) echo 2048 ;;
	fuzz_relp_frame) echo 4096 ;;
	fuzz_tz_zone) echo 8192 ;;
	fuzz_event) echo 4096 ;;
	fuzz_conf|fuzz_detect|fuzz_correlate_files|fuzz_sigma) echo 8192 ;;
	fuzz_prefilter) echo 8192 ;;
	fuzz_regex) echo 1024 ;;
	*) echo 4096 ;;
	esac
}

mkdir -p "$work" "$build/fuzz/artifacts"
for t in "$@"; do
	rm -rf "$work/$t"
	mkdir -p "$work/$t"
	[ -d "$src/fuzz/corpus/$t" ] && cp "$src/fuzz/corpus/$t"/* "$work/$t"/ 2>/dev/null
	echo "fuzz: $t for ${secs}s ($(ls "$work/$t" | wc -l) seeds)"
	if (cd "$work" && "$build/fuzz/$t" -max_total_time="$secs" \
	    -max_len="$(max_len "$t")" -timeout=10 -rss_limit_mb=2048 \
	    -print_final_stats=1 \
	    -artifact_prefix="$build/fuzz/artifacts/$t-" "$work/$t" \
	    </dev/null >"$work/$t.log" 2>&1); then
		grep -E '^stat::(number_of_executed_units|new_units_added)' "$work/$t.log" |
			sed "s/^/fuzz: $t /"
	else
		echo "fuzz: $t FAILED (log: $work/$t.log, input: $build/fuzz/artifacts/$t-*)" >&2
		tail -n 40 "$work/$t.log" >&2
		failed="$failed $t"
	fi
done
if [ -n "$failed" ]; then
	echo "fuzz: failed:$failed" >&2
	exit 1
fi
echo "fuzz: no crash in $# targets, ${secs}s each"

#!/bin/sh
# same-conf.sh: do two builds of logward read configurations the same way?
# Every configuration the tests hold (conf/logward.conf, tests/data/conf,
# the logward.conf files the scenario scripts write, with their shell
# variables replaced by fixed values) and a set of broken ones (unknown key,
# bad value, out of range, missing key, bad include, duplicates...) go
# through `logward -T -f FILE` of OLD and of NEW: the dump on stdout, the
# error on stderr and the exit status must be byte-identical.  A set of
# broken detections files goes through `--rules DIR --test-rules` the same
# way (detect.c reads them with the same libConfuse front-end).  For a
# change that must not change behaviour (issue 14), next to same-output.sh.
# usage: tools/same-conf.sh OLD_LOGWARD NEW_LOGWARD   (from the source tree)
set -eu
[ $# -eq 2 ] || { echo "usage: $0 OLD_LOGWARD NEW_LOGWARD" >&2; exit 2; }
old=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
new=$(cd "$(dirname "$2")" && pwd)/$(basename "$2")
top=$(cd "$(dirname "$0")/.." && pwd)
tmp=$(mktemp -d)
trap 'if [ -n "${KEEP:-}" ]; then echo "same-conf: kept $tmp" >&2; else rm -rf "$tmp"; fi' EXIT INT TERM
mkdir "$tmp/conf" "$tmp/det"

# The scenario scripts' configurations: every heredoc written to a *.conf
# that is not rsyslog's, each $VAR and $(...) replaced by a fixed value
# (ports by distinct numbers, so that inputs do not collide).
python3 - "$top" "$tmp/conf" <<'PY'
import glob, os, re, sys
top, out = sys.argv[1], sys.argv[2]
ports = {}
def value(name):
    if name == 'T':
        return '/tmp/lw'
    if name.startswith('fp'):
        return 'sha256:' + ':'.join(['AB'] * 32)
    if (name.isupper() and (name.startswith('P') or ('P' in name and len(name) <= 4))) or \
            name in ('PORT', 'METRICS') or 'PORT' in name or \
            name.startswith('LW_') or name == '1':
        return ports.setdefault(name, str(20000 + len(ports)))
    return '/tmp/lw-' + name
def subst(line):
    line = re.sub(r'\$\{[0-9]:-\}', '', line)
    line = re.sub(r'\$\(\([^)]*\)\)', '7', line)
    line = re.sub(r'\$\([^)]*\)', '7', line)
    return re.sub(r'\$\{?([A-Za-z_0-9][A-Za-z0-9_]*)\}?', lambda m: value(m.group(1)), line)
n = 0
for path in sorted(glob.glob(top + '/tests/scenario/*.sh')):
    lines = open(path, encoding='utf-8').read().split('\n')
    i = 0
    while i < len(lines):
        m = re.search(r'cat >"?([^" ]+\.conf)"? <<-?\'?(\w+)\'?', lines[i])
        i += 1
        if not m or 'rsyslog' in m.group(1):
            continue
        body = []
        while i < len(lines) and lines[i].strip() != m.group(2):
            body.append(subst(lines[i]))
            i += 1
        n += 1
        name = '%s-%d.conf' % (os.path.basename(path)[:-3], n)
        with open(os.path.join(out, name), 'w') as f:
            f.write('\n'.join(body) + '\n')
PY
cp "$top/conf/logward.conf" "$tmp/conf/sample.conf"
for f in "$top"/tests/data/conf/*.conf "$top"/tests/data/correlate/*.conf.in; do
	cp "$f" "$tmp/conf/data-$(basename "$f")"
done

# Broken configurations: NAME, then the text (printf format).
ok='input a { transport = udp address = "127.0.0.1:5514" }\n'
tcp='input t { transport = tcp address = "127.0.0.1:5515" %s }\n'
tls='input s { transport = tls address = "127.0.0.1:6514" certificate = "c" key = "k" %s }\n'
broken() { printf "$2" >"$tmp/conf/broken-$1.conf"; }
broken unknown-directive "${ok}nosuch = 1\n"
broken unknown-key 'input a { transport = udp address = ":1" foo = 1 }\n'
broken unknown-key-webhook "${ok}webhook w { url = \"http://x/\" colour = red }\n"
broken no-input 'workers = 2\n'
broken no-name 'input { transport = udp address = ":1" }\n'
broken bad-name 'input "a b" { transport = udp address = ":1" }\n'
broken dup-name "${ok}${ok}"
broken dup-webhook "${ok}webhook w { url = \"http://x/\" }\nwebhook w { url = \"http://y/\" }\n"
broken dup-key 'input a { transport = udp address = ":1" address = ":2" }\n'
broken dup-top "${ok}workers = 1\nworkers = 2\n"
broken second-archive "${ok}archive { path = \"a\" }\narchive { path = \"b\" }\n"
broken bad-transport 'input a { transport = sctp address = ":1" }\n'
broken no-transport 'input a { address = ":1" }\n'
broken no-address 'input a { transport = udp }\n'
broken bad-address 'input a { transport = udp address = "1.2.3.4" }\n'
broken bad-port 'input a { transport = udp address = "1.2.3.4:99999" }\n'
broken v6-nobrackets 'input a { transport = udp address = "::1:514" }\n'
broken name-host 'input a { transport = udp address = "example.com:514" }\n'
broken same-address "${ok}input b { transport = udp address = \"127.0.0.1:5514\" }\n"
broken not-number "$(printf "$tcp" 'max_connections = lots')"
broken below-range "$(printf "$tcp" 'max_connections = 0')"
broken above-range "${ok}workers = 257\n"
broken at-max "${ok}workers = 256\nqueue_batches = 65536\nmax_spool_bytes = 1099511627776\n"
broken past-max-spool "${ok}max_spool_bytes = 1099511627777\n"
broken huge-number "${ok}workers = 99999999999999999999999\n"
broken negative "${ok}stats_interval = -1\n"
broken udp-only 'input a { transport = tcp address = ":1" recv_buffer = 1 }\n'
broken stream-only 'input a { transport = udp address = ":1" idle_timeout = 5 }\n'
broken tls-only 'input a { transport = udp address = ":1" certificate = "c" }\n'
broken tcp-two-wrong 'input a { transport = tcp address = ":1" recv_buffer = 1 certificate = "c" }\n'
broken tls-no-cert 'input s { transport = tls address = ":6514" }\n'
broken tls-no-ca "$(printf "$tls" '')"
broken tls-name-no-peers "$(printf "$tls" 'ca = "a" verify = name')"
broken tls-bad-verify "$(printf "$tls" 'verify = maybe')"
broken tls-fp-no-list "$(printf "$tls" 'verify = fingerprint')"
broken tls-bad-fp "$(printf "$tls" 'verify = fingerprint fingerprints = { "sha256:zz" }')"
broken tls-peers-wrong-mode "$(printf "$tls" 'verify = none permitted_peers = { "a.b" }')"
broken tls-bad-peer "$(printf "$tls" 'ca = "a" verify = name permitted_peers = { "a..b" }')"
broken bad-allow "$(printf "$tcp" 'allow = { "10.0.0.0/33" }')"
broken empty-path "${ok}rules = \"\"\n"
broken alerts-no-path "${ok}alerts { }\n"
broken metrics-no-address "${ok}metrics { }\n"
broken metrics-bad-address "${ok}metrics { address = \"nowhere\" }\n"
broken bad-user "${ok}user = \"a b\"\n"
broken bad-bool "${ok}run_as_root = perhaps\n"
broken webhook-no-url "${ok}webhook w { format = slack }\n"
broken webhook-bad-url "${ok}webhook w { url = \"ftp://x/\" }\n"
broken webhook-bad-format "${ok}webhook w { url = \"http://x/\" format = xml }\n"
broken webhook-bad-severity "${ok}webhook w { url = \"http://x/\" min_severity = urgent }\n"
broken webhook-bad-header "${ok}webhook w { url = \"http://x/\" headers = { \"NoColon\" } }\n"
broken webhook-bad-retry "${ok}webhook w { url = \"http://x/\" retry_min = 10 retry_max = 5 }\n"
broken webhook-bad-float "${ok}webhook w { url = \"http://x/\" retry_min = soon }\n"
broken webhook-timeout "${ok}webhook w { url = \"http://x/\" timeout = 0 }\n"
broken correlate-range "${ok}correlate { max_entries = 15 }\n"
broken correlate-bad-bool "${ok}correlate { alert_on_unknown = maybe }\n"
broken option-outside "${ok}transport = udp\n"
broken open-block 'input a { transport = udp address = ":1"\n'
broken extra-brace "${ok}}\n"
broken open-comment "${ok}/* never closed\n"
broken include-missing "${ok}include(\"$tmp/conf/nonexistent.inc\")\n"
broken include-args "${ok}include(\"a\", \"b\")\n"
broken include-dir "${ok}include(\"$tmp\")\n"
broken include-loop "${ok}include(\"$tmp/conf/broken-include-loop.conf\")\n"
broken include-bad "${ok}include(\"$top/tests/data/conf/include-bad.inc\")\n"
broken nul-byte "${ok}\0\n"
broken comments-lines '# one\n// two\n/* three\n */\ninput a { transport = udp address = ":1" max_message_size = 1 }\n'
python3 -c 'import sys; sys.stdout.write("#" * (1024 * 1024 + 1))' >"$tmp/conf/broken-too-large.conf"
: >"$tmp/conf/broken-empty.conf"
# the whole file at fault: missing, a directory
ln -s "$tmp/conf/does-not-exist" "$tmp/conf/broken-dangling.conf"
mkdir "$tmp/conf/broken-directory.conf"

# Broken detections files, each alone in a rules directory.
det() { mkdir "$tmp/det/$1"; printf "$2" >"$tmp/det/$1/x.detections"; }
head='technique T1136 { name = "Create Account" tactic = "TA0003" tactic_name = "Persistence" }\n'
body='title = "t" technique = "T1136" severity = high tags = { "a" }'
det good "${head}detection d { $body }\n"
det unknown-key "${head}detection d { $body colour = red }\n"
det unknown-directive "${head}nosuch = 1\n"
det dup-detection "${head}detection d { $body }\ndetection d { $body }\n"
det dup-technique "${head}${head}"
det bad-severity "${head}detection d { title = \"t\" technique = \"T1136\" severity = dire tags = { \"a\" } }\n"
det empty-tags "${head}detection d { title = \"t\" technique = \"T1136\" severity = high tags = { \"\" } }\n"
det bad-cond "${head}detection d { $body when = { \"nonsense ===\" } }\n"
det bad-regex "${head}detection d { $body target_pattern = \"(\" }\n"
det open-comment "${head}/* never closed\n"
det open-block "${head}detection d {\n"
det nul-byte "${head}\0\n"
mkdir "$tmp/det/too-large"
python3 -c 'import sys; sys.stdout.write("#" * (1024 * 1024 + 1))' >"$tmp/det/too-large/x.detections"

# One run: stdout, stderr and the exit status, in a file.
run() {
	bin=$1
	shift
	rc=0
	(cd "$top" && TZ=UTC timeout 60 "$bin" "$@" >"$tmp/out" 2>"$tmp/err") || rc=$?
	cat "$tmp/out" "$tmp/err"
	echo "exit $rc"
}

status=0 total=0 failed=0
compare() {
	name=$1
	shift
	run "$old" "$@" >"$tmp/old"
	run "$new" "$@" >"$tmp/new"
	total=$((total + 1))
	grep -q '^exit 0$' "$tmp/old" || failed=$((failed + 1))
	if ! cmp -s "$tmp/old" "$tmp/new"; then
		echo "same-conf: $name: outputs differ:" >&2
		diff "$tmp/old" "$tmp/new" | head -n 10 >&2
		status=1
	fi
}
for f in "$tmp"/conf/*.conf; do
	compare "$(basename "$f")" -T -f "$f"
done
: >"$tmp/line"
for d in "$tmp"/det/*/; do
	compare "detections $(basename "$d")" --rules "$d" --test-rules "$tmp/line"
done
[ $status -eq 0 ] &&
	echo "same-conf: $total cases identical ($failed of them errors, $((total - failed)) dumps)"
exit $status

#!/bin/sh
# install: "make install DESTDIR=$T/stage" puts the daemon, the man pages,
# the sample configuration, the patterns, the systemd unit (and with
# libsystemd the socket unit) and the logrotate stanza in place; the installed daemon checks the installed configuration
# (-t) and raises one alert for a useradd line (--test-rules).  Everything
# is written under $T: make distcheck runs this in a read-only source tree.
TEST_NAME=install
. "$(dirname "$0")/lib.sh"

S="$T/stage"
make -C "$top_builddir" install DESTDIR="$S" >"$T/install.out" 2>&1 ||
    fail "make install DESTDIR=$S failed: $(tail -n 20 "$T/install.out")"

# one installed file: find1 WHAT FIND-ARGS...
find1() {
	what=$1
	shift
	set -- $(find "$S" "$@" | sort)
	[ $# -eq 1 ] || fail "expected one installed $what, found $# ($*)"
	echo "$1"
}
bin=$(find1 daemon -path '*/sbin/logward' -type f)
[ -x "$bin" ] || fail "$bin is not executable"
conf=$(find1 "sample configuration" -name logward.conf -type f)
unit=$(find1 "systemd unit" -name logward.service -type f)
rotate=$(find1 "logrotate stanza" -path '*/logrotate.d/logward' -type f)
man8=$(find1 logward.8 -path '*/man8/logward.8*' -type f)
man5=$(find1 logward.conf.5 -path '*/man5/logward.conf.5*' -type f)
patterns=$(find1 "patterns directory" -path '*/logward/patterns' -type d)
n=$(find "$patterns" -name '*.rulebase' | wc -l)
[ "$n" -ge 5 ] || fail "$n rulebases installed in $patterns"
n=$(find "$patterns" -name '*.detections' | wc -l)
[ "$n" -ge 5 ] || fail "$n detections files installed in $patterns"
note "installed: ${bin#$S} ${conf#$S} ${unit#$S} ${rotate#$S} ${man8#$S} ${man5#$S} ${patterns#$S}"

# the unit and the config name the installed paths (without DESTDIR), nothing left unsubstituted
grep -q '@[A-Za-z_]*@' "$unit" "$conf" && fail "unsubstituted @...@ in $(grep -l '@[A-Za-z_]*@' "$unit" "$conf")"
grep -q "^ExecStart=${bin#$S} -f ${conf#$S}\$" "$unit" || fail "unit ExecStart: $(grep ExecStart= "$unit")"
grep -q '^Type=\(notify\|exec\)$' "$unit" || fail "unit Type: $(grep Type= "$unit")"
grep -q '^ExecReload=/bin/kill -HUP \$MAINPID$' "$unit" || fail "unit has no HUP ExecReload"
grep -q 'Documentation=man:logward(8) man:logward.conf(5)' "$unit" || fail "unit Documentation"
grep -q 'systemctl kill -s USR1 logward.service' "$rotate" || fail "logrotate does not signal USR1"
# the paths agree: what the sample configuration writes (archive, alerts,
# spool) is under the unit's ReadWritePaths (ProtectSystem=strict makes
# everything else read-only), and logrotate rotates that alerts file
conf_path() { sed -n "s|^[[:space:]]*$1[[:space:]]*=[[:space:]]*\"\([^\"]*\)\".*|\1|p" "$conf" | head -n 1; }
archive=$(sed -n '/^archive[[:space:]]*{/,/}/s|^[[:space:]]*path[[:space:]]*=[[:space:]]*"\([^"]*\)".*|\1|p' "$conf")
alerts=$(sed -n '/^alerts[[:space:]]*{/,/}/s|^[[:space:]]*path[[:space:]]*=[[:space:]]*"\([^"]*\)".*|\1|p' "$conf")
spool=$(conf_path spool)
[ -n "$archive" ] && [ -n "$alerts" ] && [ -n "$spool" ] ||
	fail "cannot read archive/alerts/spool from $conf: '$archive' '$alerts' '$spool'"
rw=$(sed -n 's/^ReadWritePaths=//p' "$unit")
for p in "$(dirname "$archive")" "$(dirname "$alerts")" "$spool"; do
	ok=no
	for d in $rw; do
		case "$p/" in "$d"/*) ok=yes ;; esac
	done
	[ $ok = yes ] || fail "$p (from ${conf#$S}) is not under the unit's ReadWritePaths=$rw"
done
[ "$(sed -n 's/^\([^#[:space:]][^[:space:]]*\)[[:space:]]*{$/\1/p' "$rotate")" = "$alerts" ] ||
	fail "logrotate rotates '$(sed -n 's/^\([^#[:space:]][^[:space:]]*\)[[:space:]]*{$/\1/p' "$rotate")', the configuration writes alerts to '$alerts'"
note "paths agree: archive, alerts and spool under ReadWritePaths=$rw; logrotate on $alerts"
grep -q "${patterns#$S}" "$conf" || fail "sample configuration does not name ${patterns#$S}"
# the socket unit comes with socket activation, that is with libsystemd only
sockets=$(find "$S" -name logward.socket -type f)
if grep -q '^#define HAVE_SYSTEMD 1' "$top_builddir/config.h" 2>/dev/null; then
	[ "$sockets" = "$(dirname "$unit")/logward.socket" ] ||
	    fail "socket unit: '$sockets', expected next to $unit"
	grep -q '^ListenDatagram=0.0.0.0:514$' "$sockets" || fail "socket unit: no 514/udp"
	grep -q '^ListenStream=\[::\]:6514$' "$sockets" || fail "socket unit: no [::]:6514"
else
	[ -z "$sockets" ] || fail "socket unit installed without libsystemd: $sockets"
fi

# the installed daemon on the installed configuration
"$bin" -V >"$T/v.out" 2>&1 || fail "$bin -V: $(cat "$T/v.out")"
"$bin" -t -f "$conf" --rules "$patterns" >"$T/t.out" 2>&1 || fail "$bin -t: $(cat "$T/t.out")"
grep -q "configuration, .* rulebases and .* detections .* OK" "$T/t.out" || fail "-t said: $(cat "$T/t.out")"
ADD='<86>Nov 27 10:00:00 web1 useradd[4242]: new user: name=mallory, UID=1337, GID=1337, home=/home/mallory, shell=/bin/bash, from=/dev/pts/0'
printf '%s\n' "$ADD" | "$bin" -f "$conf" --rules "$patterns" --test-rules >"$T/rules.out" 2>"$T/rules.err" ||
    fail "--test-rules: $(cat "$T/rules.err")"
n=$(grep -c '"kind":"alert"' "$T/rules.out")
[ "$n" -eq 1 ] || fail "--test-rules: $n alerts, expected 1: $(cat "$T/rules.out")"
grep -qF '"id":["T1136.001"]' "$T/rules.out" || fail "--test-rules: the alert is not T1136.001"
note "installed daemon: $(cat "$T/t.out"); 1 alert (T1136.001) for a useradd line"

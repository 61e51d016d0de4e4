#!/bin/sh
# install: "make install DESTDIR=$T/stage" puts the daemon, the man pages,
# the sample configuration, the patterns, the systemd unit (and with
# libsystemd the socket unit) and the logrotate stanza in place; the installed daemon checks the installed configuration
# (-t) and raises one alert for a useradd line (--test-rules).  Every path
# the installed unit, logrotate stanza, configuration and man pages' FILES
# name is installed or a log/state directory the unit allows, for the
# default prefix and again for a distribution's (configure --prefix=/usr
# --sysconfdir=/etc --localstatedir=/var in $T, make install-data).
# Everything is written under $T: make distcheck runs this in a read-only
# source tree.
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

# check_paths STAGE: every absolute path in the installed unit, logrotate
# stanza, sample configuration and the FILES sections of the man pages is
# in STAGE, or is under a directory the unit's ReadWritePaths allows (the
# log and state directories, made at run time)
check_paths() {
	st=$1
	u=$(find "$st" -name logward.service -type f)
	r=$(find "$st" -path '*/logrotate.d/logward' -type f)
	c=$(find "$st" -name logward.conf -type f)
	m8=$(find "$st" -path '*/man8/logward.8' -type f)
	m5=$(find "$st" -path '*/man5/logward.conf.5' -type f)
	[ -n "$u" ] && [ -n "$r" ] && [ -n "$c" ] && [ -n "$m8" ] && [ -n "$m5" ] ||
		fail "$st: missing installed files: unit '$u' logrotate '$r' conf '$c' man '$m8' '$m5'"
	allowed=$(sed -n 's/^ReadWritePaths=//p' "$u")
	[ -n "$allowed" ] || fail "${u#$st}: no ReadWritePaths"
	{
		sed -n 's/^ExecStart=\([^ ]*\) -f \([^ ]*\)$/\1\n\2/p' "$u"
		sed -n 's/^\([^#[:space:]][^[:space:]]*\)[[:space:]]*{$/\1/p' "$r"
		sed -n 's/^[[:space:]]*[a-z_]*[[:space:]]*=[[:space:]]*"\(\/[^"]*\)".*/\1/p' "$c"
		for m in "$m8" "$m5"; do
			sed -n '/^\.Sh FILES/,/^\.Sh /s/^\.It Pa \(\/[^ ]*\).*/\1/p' "$m"
		done
	} >"$T/paths"
	grep -q '@[A-Za-z_]*@' "$T/paths" && fail "$st: unsubstituted: $(grep '@' "$T/paths")"
	n=0
	while read -r p; do
		n=$((n + 1))
		case "$p" in */logward.socket) [ "$systemd" = yes ] || continue ;; esac
		[ -e "$st$p" ] && continue
		ok=no
		for d in $allowed; do
			case "$p" in "$d" | "$d"/*) ok=yes ;; esac
		done
		[ $ok = yes ] || fail "$st: $p (named in the installed files) is neither installed nor under ReadWritePaths=$allowed"
	done <"$T/paths"
	[ "$n" -ge 12 ] || fail "$st: only $n paths found in the installed files: $(cat "$T/paths")"
	note "$st: $n paths in the installed unit, logrotate, configuration and man pages' FILES: installed or under ReadWritePaths=$allowed"
}
systemd=no
grep -q '^#define HAVE_SYSTEMD 1' "$top_builddir/config.h" 2>/dev/null && systemd=yes
check_paths "$S"
[ "$(grep -c "$(sed -n 's/^prefix = //p' "$top_builddir/Makefile")" "$man8")" -ge 3 ] ||
	fail "${man8#$S} does not name the configured prefix"

# as a distribution builds it: configure in $T, install the data (the
# daemon is the one built above: its compiled-in paths are not looked at)
D="$T/distro"
S2="$T/stage-distro"
mkdir -p "$D"
(cd "$D" && "$top_srcdir/configure" -q --prefix=/usr --sysconfdir=/etc --localstatedir=/var \
    >"$T/distro-configure.out" 2>&1) ||
	fail "configure --prefix=/usr --sysconfdir=/etc --localstatedir=/var: $(tail -n 20 "$T/distro-configure.out")"
make -C "$D" install-data install-sysconfDATA DESTDIR="$S2" >"$T/distro-install.out" 2>&1 ||
	fail "distribution make install-data: $(tail -n 20 "$T/distro-install.out")"
install -D -m 755 "$bin" "$S2/usr/sbin/logward"
check_paths "$S2"
for f in etc/logward.conf etc/logrotate.d/logward usr/share/man/man8/logward.8 \
    usr/share/man/man5/logward.conf.5 usr/share/logward/patterns; do
	[ -e "$S2/$f" ] || fail "distribution install: no /$f"
done
grep -q '^ReadWritePaths=/var/log/logward /var/lib/logward$' "$(find "$S2" -name logward.service)" ||
	fail "distribution unit: $(grep ReadWritePaths "$(find "$S2" -name logward.service)")"
grep -q '^\.It Pa /etc/logward.conf$' "$S2/usr/share/man/man8/logward.8" ||
	fail "distribution logward.8 FILES does not name /etc/logward.conf"

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

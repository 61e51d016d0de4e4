#!/bin/sh
# linux-real-tools: what this machine's own account tools (Debian 12:
# shadow-utils 4.13 useradd, usermod, gpasswd, newusers; adduser 3.134)
# write to syslog reaches logward through a real rsyslogd and is detected:
# one alert per account created or per admin-group grant, with the right
# technique and user.target.name, and none for the changes that are not.
#
# Nothing of the machine is touched.  The tools run in a private mount
# namespace (unshare -m) in which /dev/log is this test's rsyslogd socket
# (imuxsock on $T/log.sock, SysSock.Use="off": the system socket is never
# opened) and the account files are copies:
#   - useradd and usermod run with --prefix $T/root (their alternate root;
#     they still log through /dev/log, checked);
#   - gpasswd and newusers only have -Q/-R, which chroot into the directory
#     (the chroot would need its own /dev/log, NSS modules and PAM), and
#     adduser has no alternate root: for them a copy of /etc ($T/root/etc,
#     the same files useradd --prefix changed) is bind-mounted over /etc
#     inside the namespace.
# Where /dev/log does not exist (containers), a tmpfs is mounted over /dev
# in the namespace with the few device nodes the tools need.
# Needs root (mount namespaces).
#
# What the tools write (seen on Debian 12; tests/patterns/linux-shadow-utils.tsv
# keeps the lines): newusers writes no "new user:" line, only PAM's
# "pam_unix(newusers:chauthtok): password changed for NAME"; usermod and
# useradd -G write each group change twice (the group and the "shadow
# group" line: one incident, one alert with both lines, alert_merge.h); adduser USER GROUP
# runs usermod -aG.
#
# The same run is the real-tools case of the correlations (correlate.h):
# lwrt1 created then put into sudo, lwrt4 created, put into sudo and
# deleted, each gives its correlated alert; and with a baseline naming root
# and lwrt4 as sudo members and threshold 2, lwrt1 takes sudo over the
# threshold (3 known members) while lwrt4, a baseline member, does not.
TEST_NAME=linux-real-tools
. "$(dirname "$0")/lib.sh"

# The quickstart and CI run as root; anywhere else this is a failure, not a skip.
[ "$(id -u)" = 0 ] || fail "needs root (unshare -m, bind mounts); run the tests as root"
RSYSLOGD=${RSYSLOGD:-$(command -v rsyslogd || echo /usr/sbin/rsyslogd)}
[ -x "$RSYSLOGD" ] || fail "no rsyslogd (the quickstart installs rsyslog)"
PATH=$PATH:/usr/sbin:/sbin
export PATH
for tool in unshare useradd usermod gpasswd newusers adduser userdel; do
	command -v "$tool" >/dev/null || fail "no $tool on this machine"
done

ports 1
LW_TCP=$PORTS

# The alerts file is what is judged; the archive shows what went wrong.
# rsyslogd forwards in its default forwarding format (RFC 3164 with a
# hostname), octet-counted.  Its RFC 5424 template would send MSG with the
# blank that followed the tag's colon (" new user: ..."), which the rules do
# not expect.
cat >"$T/logward.conf" <<CONF
input lw_tcp { transport = tcp  address = "127.0.0.1:$LW_TCP" }
rules = "$top_srcdir/patterns"
archive { path = "$T/archive/events-%Y%m%d.jsonl" }
alerts { path = "$T/alerts.jsonl"  merge_window = 2 } # one alert an incident (opt-in)
workers = 2
stats_interval = 0
correlate {
	state_dir = "$T/state"
	baseline = "$T/admins.baseline"
	threshold = 2
}
CONF
printf '# SCOPE GROUP MEMBER\n* sudo root\n* sudo lwrt4\n' >"$T/admins.baseline"
logward_start "$T/logward.conf"

mkdir -p "$T/rsyslog-work"
cat >"$T/rsyslog.conf" <<CONF
# Only this test's socket: not the system's /dev/log, no imklog, no files.
global(workDirectory="$T/rsyslog-work")
module(load="imuxsock" SysSock.Use="off")
input(type="imuxsock" Socket="$T/log.sock" ruleset="forward")
ruleset(name="forward") {
	action(type="omfwd" target="127.0.0.1" port="$LW_TCP" protocol="tcp"
	       TCP_Framing="octet-counted" template="RSYSLOG_TraditionalForwardFormat")
}
CONF
"$RSYSLOGD" -N1 -f "$T/rsyslog.conf" >"$T/rsyslog-check.out" 2>&1 ||
    fail "rsyslogd rejects the test's config: $(cat "$T/rsyslog-check.out")"
bg_start rsyslogd "$RSYSLOGD" -n -f "$T/rsyslog.conf" -i "$T/rsyslog.pid"
RS_PID=$BG_LAST
wait_for '[ -S "$T/log.sock" ]' 10 ||
    fail "rsyslogd did not create $T/log.sock: $(cat "$T/rsyslogd.err")"

# The account files: a copy of the whole /etc (login.defs, default/useradd,
# adduser.conf, pam.d, skel...).
mkdir -p "$T/root" "$T/dev" "$T/home"
cp -a /etc "$T/root/etc" || fail "cannot copy /etc"
# newusers creates the home directory: keep it inside the test's directory.
printf 'lwrt3:not-a-secret-3:::lw batch user:%s:/usr/sbin/nologin\n' "$T/home/lwrt3" >"$T/batch"

cat >"$T/ns.sh" <<'NS'
# Runs inside "unshare -m": every mount below is private to it.
set -u
T=$1
mount --make-rprivate / || exit 10
if [ -e /dev/log ] || [ -L /dev/log ]; then
	mount --bind "$T/log.sock" /dev/log || exit 11
else
	mount -t tmpfs -o mode=0755 lwdev "$T/dev" || exit 12
	for d in null zero full random urandom tty; do
		[ -e "/dev/$d" ] || continue
		: >"$T/dev/$d" && mount --bind "/dev/$d" "$T/dev/$d" || exit 13
	done
	: >"$T/dev/log" && mount --bind "$T/log.sock" "$T/dev/log" || exit 14
	mount --move "$T/dev" /dev || exit 15
fi
step() {
	echo "+ $*"
	"$@" </dev/null || { echo "FAILED ($?): $*"; exit 20; }
}
# 1: an account, useradd in the alternate root
step useradd --prefix "$T/root" lwrt1
# 2: into sudo (T1098), then 3: into users (no alert)
step usermod --prefix "$T/root" -aG sudo lwrt1
step usermod --prefix "$T/root" -aG users lwrt1
# The same files as /etc for the tools without an alternate root.
mount --bind "$T/root/etc" /etc || exit 16
# 4: gpasswd -a into adm (T1098), 5: out of it again (no alert)
step gpasswd -a lwrt1 adm
step gpasswd -d lwrt1 adm
# 6: newusers (one account)
step newusers "$T/batch"
# 7: adduser (an account, its own group, no home), 8: adduser USER sudo
step adduser --no-create-home --disabled-password --comment "" lwrt4
step adduser lwrt4 sudo
# 9: userdel (no alert)
step userdel lwrt4
NS
timeout 60 unshare -m sh "$T/ns.sh" "$T" >"$T/tools.out" 2>&1 ||
    fail "the tools failed in the namespace (status $?): $(tail -n 5 "$T/tools.out")"
grep -q '^lwrt1:' /etc/passwd && fail "lwrt1 reached the real /etc/passwd"
grep -q '^lwrt1:' "$T/root/etc/passwd" || fail "useradd --prefix did not write $T/root/etc/passwd"
grep -q '^lwrt3:' "$T/root/etc/passwd" || fail "newusers did not write the bound copy of /etc/passwd"

# Every tool line reaches logward, through rsyslogd, with its rule tag.
ev_wait 1 10 "message~new user: name=lwrt1," "tags[]=iam.user.create" log.syslog.appname=useradd
ev_wait 1 10 "message=add 'lwrt1' to group 'sudo'" "tags[]=iam.group.member.add"
ev_wait 1 10 "message~add 'lwrt1' to shadow group 'sudo'" "tags[]=iam.group.member.add"
ev_wait 1 10 "message~user lwrt1 added by root to group adm" "tags[]=iam.group.member.add"
ev_wait 1 10 "message~pam_unix(newusers:chauthtok): password changed for lwrt3" "tags[]=iam.user.newusers"
ev_wait 1 10 "message~new user: name=lwrt4," "tags[]=iam.user.create"
ev_wait 1 10 "message=add 'lwrt4' to group 'sudo'" "tags[]=iam.group.member.add"
ev_wait 1 10 "message~delete user 'lwrt4'"

# One alert per account created or admin grant (the lines of one usermod or
# adduser as one incident: xN), each with its account;
# correlated alerts by rule.id, account and group.
expect="T1098 lwrt1 x3
T1098 lwrt4 x2
T1136.001 lwrt1
T1136.001 lwrt3
T1136.001 lwrt4
correlate-admin-threshold lwrt1 sudo
correlate-created-then-admin lwrt1 sudo
correlate-created-then-admin lwrt4 sudo
correlate-short-lived-account lwrt4 -"
n_expect=$(printf '%s\n' "$expect" | wc -l)
wait_for '[ -s "$T/alerts.jsonl" ] && [ "$(wc -l <"$T/alerts.jsonl")" -ge '"$n_expect"' ]' 15 ||
    fail "$(wc -l <"$T/alerts.jsonl" 2>/dev/null || echo no) alerts within 15 s, expected $n_expect"
# Give a late extra alert the time to arrive, then compare the multiset.
sleep 1
got=$($PY - "$T/alerts.jsonl" <<'PY'
import json, os, sys
sys.path.insert(0, os.environ["top_srcdir"] + "/tests")
from dotted import get  # tests/dotted.py
for line in open(sys.argv[1], encoding="utf-8"):
    a = json.loads(line)
    if a["rule"]["id"].startswith("correlate-"):
        print(a["rule"]["id"], a["user"]["target"]["name"], get(a, "group.name", "-"))
    else:
        # threat.technique.id is an array (ECS), one technique here; the
        # lines of one change are one alert (alert_merge.h): xN of them
        n = get(a, "logward.incident.count")
        print(" ".join(a["threat"]["technique"]["id"]),
              a["user"]["target"]["name"] + (" x%d" % n if n else ""))
PY
) || fail "alerts file is not JSON lines"
got=$(printf '%s\n' "$got" | LC_ALL=C sort)
[ "$got" = "$expect" ] || fail "alerts (technique account):
$got
expected:
$expect"

kill -0 "$RS_PID" 2>/dev/null || fail "rsyslogd died: $(cat "$T/rsyslogd.err")"
end_process "$RS_PID"
logward_stop TERM
[ "$LOGWARD_STATUS" -eq 0 ] || fail "logward exited with status $LOGWARD_STATUS after TERM"
note "PASS ($n_expect alerts)"

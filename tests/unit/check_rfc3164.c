/*
 * check_rfc3164.c: the RFC 3164 parser and its device dialects against
 * the peers' corpus (tests/data/rfc3164_cases.tsv, every row) and focused
 * cases of our own.
 */
#include "config.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "corpus.h"
#include "parse.h"
#include "unit.h"

#define WHY_PEER_OPT "the peer's test runs a non-default option (syslog-ng parse flags / bad_hostname / LP_CHECK_PROGRAM, rsyslog force.tagEndingByColon); we parse as by default"
#define WHY_TIMEQUALITY "'.'/'*' markers set MSG_FLAG_TIME_UNSYNCED; no timeQuality SD is made up"
#define WHY_LONE_HOST "a lone word after the timestamp is the HOSTNAME (as rsyslog), not a TAG (syslog-ng)"
#define WHY_NOHDR_TAG "without a timestamp there is no HOSTNAME and only TAG: or TAG[pid] is a TAG; the rest is MSG"
#define WHY_XR "IOS XR 'RP/0/...:' and 'CLC 6/0:' node prefixes are not parsed; the line is kept as MSG"
#define WHY_YEAR_AFTER "a year after the time ('22:18:24 2009') is read as the year (DESIGN.md optional year), not as HOSTNAME"
#define WHY_COLONLESS "after timestamp and hostname the next word is a TAG even without ':' (DESIGN.md tags without colon)"

/* Rows where our documented policy (doc/parser-policy.md) differs from the peer. */
static const struct corpus_divergence divergences[] = {
	{ 5, MSG_FORMAT_RFC3164, 0x0000, 13, "alma", "korte", NULL, NULL, "message", WHY_PEER_OPT },
	{ 21, MSG_FORMAT_RFC3164, 0x0000, 7, "bzorp", "openvpn", "2499", NULL, "PTHREAD support initialized", WHY_PEER_OPT },
	{ 25, MSG_FORMAT_RFC3164, 0x0000, 7, "ctld", "snmpd", "2499", NULL, "PTHREAD support initialized", WHY_PEER_OPT },
	{ 26, MSG_FORMAT_RFC3164, 0x0000, 7, "ctld", "snmpd", "2499", NULL, "PTHREAD support initialized", WHY_PEER_OPT },
	{ 27, MSG_FORMAT_RFC3164, 0x0000, 7, "ctld", "snmpd", "2499", NULL, "PTHREAD support initialized", WHY_PEER_OPT },
	{ 28, MSG_FORMAT_RFC3164, 0x0000, 7, "ctld", "snmpd", "2499", NULL, "PTHREAD support initialized", WHY_PEER_OPT },
	{ 29, MSG_FORMAT_RFC3164, 0x0000, 7, "ctld", "snmpd", "2499", NULL, "PTHREAD support initialized", WHY_PEER_OPT },
	{ 33, MSG_FORMAT_RFC3164, 0x0120, 190, NULL, NULL, NULL, "PIX-6-302014", "%PIX-6-302014: Teardown TCP connection 1688438 for bloomberg-net:1.2.3.4/8294 to inside:5.6.7.8/3639 duration 0:07:01 bytes 16975 TCP FINs", WHY_TIMEQUALITY },
	{ 42, MSG_FORMAT_RFC3164, 0x0000, 0, "prg0", NULL, NULL, NULL, "", WHY_LONE_HOST },
	{ 45, MSG_FORMAT_RFC3164, 0x0061, 13, NULL, NULL, NULL, NULL, "some message", WHY_NOHDR_TAG },
	{ 47, MSG_FORMAT_RFC3164, 0x0060, 189, NULL, NULL, NULL, NULL, "program hello\\xF0(\\x8C\\xBCrena", WHY_NOHDR_TAG },
	{ 48, MSG_FORMAT_RFC3164, 0x0061, 13, NULL, NULL, NULL, NULL, "rena\\xA0\\xA1", WHY_PEER_OPT },
	{ 52, MSG_FORMAT_RFC3164, 0x0000, 189, "host", "323235243.2354", "pid", NULL, "message", WHY_PEER_OPT },
	{ 53, MSG_FORMAT_RFC3164, 0x0000, 189, "host", "program!", "pid", NULL, "message", WHY_PEER_OPT },
	{ 54, MSG_FORMAT_RFC3164, 0x0000, 189, "host", "127.0.0.1", "pid", NULL, "message", WHY_PEER_OPT },
	{ 56, MSG_FORMAT_RFC3164, 0x0060, 189, NULL, NULL, NULL, NULL, "65536", WHY_NOHDR_TAG },
	{ 65, MSG_FORMAT_RFC3164, 0x0060, 187, NULL, "RP/0/RP0/CPU0", NULL, NULL, "Dec 11 12:43:29.227 EST: snmpd[1002]: %SNMP-SNMP-3-AUTH_FAIL : Received snmp request on unknown community from 0.0.0.0", WHY_XR },
	{ 66, MSG_FORMAT_RFC3164, 0x0060, 187, NULL, NULL, NULL, NULL, "CLC 6/0: Dec 11 13:31:14.214 EST: %PKI-3-CERTIFICATE_INVALID_EXPIRED: Certificate chain validation has failed.  The certificate (SN: XXXXXXXX) has expired.    Validity period ended on 2025-01-23T00:00:00Z", WHY_XR },
	{ 83, MSG_FORMAT_RFC3164, 0x0000, 6, "netips-warden2-p", NULL, NULL, NULL, "[audit] user=[*SMS] src=192.168.11.11 iface=5 access=9 Update State Reset", WHY_YEAR_AFTER },
	{ 93, MSG_FORMAT_RFC3164, 0x0061, 13, NULL, NULL, NULL, NULL, "This is a message!", WHY_NOHDR_TAG },
	{ 102, MSG_FORMAT_RFC3164, 0x0000, 129, "Hostname1", NULL, NULL, NULL, "msgnum:1", WHY_PEER_OPT },
	{ 103, MSG_FORMAT_RFC3164, 0x0000, 129, "Hostname2", NULL, NULL, NULL, "msgnum:2", WHY_PEER_OPT },
	{ 104, MSG_FORMAT_RFC3164, 0x0000, 129, "Hostname3", "tag", NULL, NULL, "msgnum:3", WHY_PEER_OPT },
	{ 116, MSG_FORMAT_RFC3164, 0x0000, 14, "host", "token-without-colon", NULL, NULL, "", WHY_PEER_OPT },
	{ 128, MSG_FORMAT_RFC3164, 0x0000, 166, "ABC-1-234567", "Some", NULL, NULL, "message here", WHY_COLONLESS },
	{ 130, MSG_FORMAT_RFC3164, 0x0000, 13, "10.0.0.99", "Use", NULL, NULL, "the BFG!", WHY_COLONLESS },
};

static struct corpus corpus;

/* Every row: never crash, keep the invariants, agree or diverge as listed. */
START_TEST(test_corpus_row)
{
	corpus_check_row(&corpus, _i, divergences, sizeof(divergences) / sizeof(divergences[0]));
}
END_TEST

#define TS 0x7fffffffffffLL /* "no timestamp expected" */

/* Focused dialect cases: input -> every field (now 2023-11-14T22:13:20Z, TZ=UTC). */
static const struct {
	const char *in;
	enum msg_format format;
	unsigned flags;
	int pri;
	long long epoch;
	unsigned usec;
	const char *host, *app, *procid, *msgid, *seqno, *msg;
} dialect_cases[] = {
	{ "<34>Oct 11 22:14:15 mymachine su[12]: 'su root' failed",
	  MSG_FORMAT_RFC3164, 0, 34, 1697062455, 0,
	  "mymachine", "su", "12", NULL, NULL, "'su root' failed" },
	/* a JSON body or key=value text right after the hostname is MSG, not a TAG */
	{ "<14>Oct 11 22:14:15 wks1 {\"EventID\":4720,\"TargetUserName\":\"bob\"}",
	  MSG_FORMAT_RFC3164, 0, 14, 1697062455, 0, "wks1", NULL,
	  NULL, NULL, NULL, "{\"EventID\":4720,\"TargetUserName\":\"bob\"}" },
	{ "<14>Oct 11 22:14:15 h1 type=ADD_USER msg=audit(1610903553.730:591): pid=2945",
	  MSG_FORMAT_RFC3164, 0, 14, 1697062455, 0, "h1", NULL,
	  NULL, NULL, NULL, "type=ADD_USER msg=audit(1610903553.730:591): pid=2945" },
	/* received in November 2023: the receipt year for every month (year_cases wrap) */
	{ "<13>Dec 31 23:59:59 h t: x", MSG_FORMAT_RFC3164, 0, 13,
	  1704067199, 0, "h", "t", NULL, NULL, NULL, "x" },
	{ "<13>Jan  1 00:00:00 h t: x", MSG_FORMAT_RFC3164, 0, 13,
	  1672531200, 0, "h", "t", NULL, NULL, NULL, "x" },
	/* Feb 29 of 2023 does not exist: no timestamp, the line kept whole */
	{ "<13>Feb 29 00:00:00 h t: x", MSG_FORMAT_RFC3164,
	  MSG_FLAG_NO_TIMESTAMP | MSG_FLAG_NO_HOSTNAME, 13, TS, 0, NULL, NULL, NULL, NULL,
	  NULL, "Feb 29 00:00:00 h t: x" },
	/* a comma before the fraction (ISO 8601, log4j), BSD and ISO forms */
	{ "<13>Dec  3 09:10:12,987 h t: x", MSG_FORMAT_RFC3164, 0, 13,
	  1701594612, 987000, "h", "t", NULL, NULL, NULL, "x" },
	{ "<13>2017-12-03 09:10:12,987 h t: x", MSG_FORMAT_RFC3164, 0, 13,
	  1512292212, 987000, "h", "t", NULL, NULL, NULL, "x" },
	/* zone names after a Cisco time: a known one is its offset, an unknown one flagged */
	{ "<189>35: *Mar  6 2023 09:22:34 CET: %SYS-5-CONFIG_I: x", MSG_FORMAT_RFC3164,
	  MSG_FLAG_TIME_UNSYNCED | MSG_FLAG_NO_HOSTNAME, 189, 1678090954, 0, NULL, NULL, NULL,
	  "SYS-5-CONFIG_I", "35", "%SYS-5-CONFIG_I: x" },
	{ "<189>35: *Mar  6 2023 09:22:34 EST: %SYS-5-CONFIG_I: x", MSG_FORMAT_RFC3164,
	  MSG_FLAG_TIME_UNSYNCED | MSG_FLAG_NO_HOSTNAME, 189, 1678112554, 0, NULL, NULL, NULL,
	  "SYS-5-CONFIG_I", "35", "%SYS-5-CONFIG_I: x" },
	{ "<189>35: *Mar  6 2023 09:22:34 PDT: %SYS-5-CONFIG_I: x", MSG_FORMAT_RFC3164,
	  MSG_FLAG_TIME_UNSYNCED | MSG_FLAG_NO_HOSTNAME, 189, 1678119754, 0, NULL, NULL, NULL,
	  "SYS-5-CONFIG_I", "35", "%SYS-5-CONFIG_I: x" },
	{ "<189>35: *Mar  6 2023 09:22:34 IST: %SYS-5-CONFIG_I: x", MSG_FORMAT_RFC3164,
	  MSG_FLAG_TIME_UNSYNCED | MSG_FLAG_NO_HOSTNAME | MSG_FLAG_ZONE_UNKNOWN, 189, 1678094554,
	  0, NULL, NULL, NULL, "SYS-5-CONFIG_I", "35", "%SYS-5-CONFIG_I: x" },
	/* year before and after the time */
	{ "<13>Apr 15 2007 21:28:13 h t: x", MSG_FORMAT_RFC3164, 0, 13,
	  1176672493, 0, "h", "t", NULL, NULL, NULL, "x" },
	{ "<13>Apr 15 21:28:13 2007 h t: x", MSG_FORMAT_RFC3164, 0, 13,
	  1176672493, 0, "h", "t", NULL, NULL, NULL, "x" },
	/* no PRI: user.notice */
	{ "Apr 15 2007 21:28:13 h t: x", MSG_FORMAT_RFC3164, MSG_FLAG_NO_PRI, 13,
	  1176672493, 0, "h", "t", NULL, NULL, NULL, "x" },
	/* Cisco: sequence number, '*', msec, mnemonic; msg keeps the '%' */
	{ "<189>35: *Apr 29 2023 14:00:16.059: %SYS-5-CONFIG_I: Configured",
	  MSG_FORMAT_RFC3164, MSG_FLAG_TIME_UNSYNCED | MSG_FLAG_NO_HOSTNAME, 189,
	  1682776816, 59000, NULL, NULL, NULL, "SYS-5-CONFIG_I", "35",
	  "%SYS-5-CONFIG_I: Configured" },
	/* Cisco with the hostname before the timestamp, '.' and a zone */
	{ "<180>782431: machine1: .Nov 18 2023 21:03:22.631 GMT: %CDP-4-NATIVE_VLAN_MISMATCH: Native",
	  MSG_FORMAT_RFC3164, MSG_FLAG_TIME_UNSYNCED, 180, 1700341402, 631000,
	  "machine1", NULL, NULL, "CDP-4-NATIVE_VLAN_MISMATCH", "782431",
	  "%CDP-4-NATIVE_VLAN_MISMATCH: Native" },
	{ "<190>123030: some-remote-host: %SYS-5-LOGGINGHOST_STARTSTOP: Logging",
	  MSG_FORMAT_RFC3164, MSG_FLAG_NO_TIMESTAMP, 190, TS, 0,
	  "some-remote-host", NULL, NULL, "SYS-5-LOGGINGHOST_STARTSTOP", "123030",
	  "%SYS-5-LOGGINGHOST_STARTSTOP: Logging" },
	/* ASA: no hostname, mnemonic right after the timestamp */
	{ "<166>Jan 05 2024 10:00:00: %ASA-6-302013: Built", MSG_FORMAT_RFC3164,
	  MSG_FLAG_NO_HOSTNAME, 166, 1704448800, 0, NULL, NULL, NULL,
	  "ASA-6-302013", NULL, "%ASA-6-302013: Built" },
	/* missing hostname: the TAG follows the timestamp */
	{ "<133>Jan 13 2024 16:33:35 haproxy[73411]: Proxy started.",
	  MSG_FORMAT_RFC3164, MSG_FLAG_NO_HOSTNAME, 133, 1705163615, 0, NULL,
	  "haproxy", "73411", NULL, NULL, "Proxy started." },
	/* TAG without colon */
	{ "<175>Oct 16 2009 23:47:31 hostname tag This is a message",
	  MSG_FORMAT_RFC3164, 0, 175, 1255736851, 0, "hostname", "tag", NULL,
	  NULL, NULL, "This is a message" },
	/* ISO timestamp with a long fraction and an offset */
	{ "<7>2006-11-10T10:43:21.1560000009+01:00 bzorp openvpn[2499]: PTHREAD",
	  MSG_FORMAT_RFC3164, MSG_FLAG_FRACTION_CUT, 7, 1163151801, 156000,
	  "bzorp", "openvpn", "2499", NULL, NULL, "PTHREAD" },
	/* no header at all: everything is MSG */
	{ "<13>just some text", MSG_FORMAT_RFC3164,
	  MSG_FLAG_NO_TIMESTAMP | MSG_FLAG_NO_HOSTNAME, 13, TS, 0, NULL, NULL, NULL,
	  NULL, NULL, "just some text" },
	{ "<13>sshd[42]: Accepted", MSG_FORMAT_RFC3164,
	  MSG_FLAG_NO_TIMESTAMP | MSG_FLAG_NO_HOSTNAME, 13, TS, 0, NULL, "sshd",
	  "42", NULL, NULL, "Accepted" },
	/* AIX relay */
	{ "<38>Sep 22 2023 10:11:56 Message forwarded from cdaix66: sshd[6]: Accepted",
	  MSG_FORMAT_RFC3164, 0, 38, 1695377516, 0, "cdaix66", "sshd", "6",
	  NULL, NULL, "Accepted" },
	/* over-long hostname: cut to 255, flagged */
	{ "<13>Jan  1 2024 00:00:00 "
	  "hhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhh"
	  "hhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhh"
	  "hhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhh"
	  "hhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhXX t: x",
	  MSG_FORMAT_RFC3164, MSG_FLAG_FIELD_TRUNCATED, 13, 1704067200, 0,
	  "hhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhh"
	  "hhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhh"
	  "hhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhh"
	  "hhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhh",
	  "t", NULL, NULL, NULL, "x" },
	/*
	 * Cisco NX-OS: ": " (an empty sequence number, as syslog-ng's
	 * _syslog_format_parse_cisco_sequence_id takes it), then the year
	 * first, with or without a zone name.  No peer reads the year-first
	 * time: syslog-ng and rsyslog keep "2017 Mar 06 ..." in MSG.
	 */
	{ "<190>: 2017 Mar 06 09:22:34 CET: %AUTHPRIV-6-SYSTEM_MSG: pam_unix(sshd:session): opened",
	  MSG_FORMAT_RFC3164, MSG_FLAG_NO_HOSTNAME, 190, 1488788554, 0, NULL, NULL, NULL,
	  "AUTHPRIV-6-SYSTEM_MSG", NULL, "%AUTHPRIV-6-SYSTEM_MSG: pam_unix(sshd:session): opened" },
	{ "<134>: 2017 Mar  6 12:53:10 UTC: %POLICY_ENGINE-6-POLICY_LOOKUP_EVENT: policy=p1",
	  MSG_FORMAT_RFC3164, MSG_FLAG_NO_HOSTNAME, 134, 1488804790, 0, NULL, NULL, NULL,
	  "POLICY_ENGINE-6-POLICY_LOOKUP_EVENT", NULL,
	  "%POLICY_ENGINE-6-POLICY_LOOKUP_EVENT: policy=p1" },
	{ "<189>: 2023 Jan 10 10:00:00: %VSHD-5-VSHD_SYSLOG_CONFIG_I: Configured from vty",
	  MSG_FORMAT_RFC3164, MSG_FLAG_NO_HOSTNAME, 189, 1673344800, 0, NULL, NULL, NULL,
	  "VSHD-5-VSHD_SYSLOG_CONFIG_I", NULL, "%VSHD-5-VSHD_SYSLOG_CONFIG_I: Configured from vty" },
	/* ": " without a timestamp after it is MSG, as before */
	{ "<13>: not nx-os", MSG_FORMAT_RFC3164, MSG_FLAG_NO_TIMESTAMP | MSG_FLAG_NO_HOSTNAME, 13, TS,
	  0, NULL, NULL, NULL, NULL, NULL, ": not nx-os" },
	/* Cisco IOS: hostname, no sequence number; sequence number, zone, no hostname */
	{ "<189>Mar  6 09:22:34 router1 %SYS-5-CONFIG_I: Configured", MSG_FORMAT_RFC3164, 0, 189,
	  1678094554, 0, "router1", NULL, NULL, "SYS-5-CONFIG_I", NULL,
	  "%SYS-5-CONFIG_I: Configured" },
	{ "<187>1234: Mar  6 09:22:34.123 CET: %LINK-3-UPDOWN: Interface Gi0/1, changed state",
	  MSG_FORMAT_RFC3164, MSG_FLAG_NO_HOSTNAME, 187, 1678090954, 123000, NULL, NULL, NULL,
	  "LINK-3-UPDOWN", "1234", "%LINK-3-UPDOWN: Interface Gi0/1, changed state" },
	/* ASA "host : %ASA" (rsyslog pmcisconames removes the lone ':', as we skip it) */
	{ "<166>Jun 17 2019 10:05:48 fw01 : %ASA-6-302013: Built inbound", MSG_FORMAT_RFC3164, 0,
	  166, 1560765948, 0, "fw01", NULL, NULL, "ASA-6-302013", NULL,
	  "%ASA-6-302013: Built inbound" },
	/* Juniper Junos: BSD with the event name in MSG (as rsyslog and syslog-ng) */
	{ "<28>Mar  6 09:22:34 fw01 mgd[1234]: UI_COMMIT: User 'root' requested 'commit'",
	  MSG_FORMAT_RFC3164, 0, 28, 1678094554, 0, "fw01", "mgd", "1234", NULL, NULL,
	  "UI_COMMIT: User 'root' requested 'commit'" },
	/* Junos "structured-data": RFC 5424, the event name as MSGID */
	{ "<165>1 2017-03-06T09:22:34.123+01:00 fw01 mgd 1234 UI_COMMIT "
	  "[junos@2636.1.1.1.2.18 username=\"root\"] User 'root' requested 'commit'",
	  MSG_FORMAT_RFC5424, 0, 165, 1488788554, 123000, "fw01", "mgd", "1234", "UI_COMMIT", NULL,
	  "User 'root' requested 'commit'" },
	/*
	 * FortiGate key=value without a header: date/time the timestamp (tz= its
	 * offset), devname the HOSTNAME, MSG the whole text; rsyslog and
	 * syslog-ng keep it all as MSG with the receipt time.
	 */
	{ "date=2019-05-10 time=11:37:47 devname=\"FG100E\" devid=\"FG100E4Q17000000\" "
	  "logid=\"0000000013\" type=\"traffic\"", MSG_FORMAT_RFC3164, MSG_FLAG_NO_PRI, 13,
	  1557488267, 0, "FG100E", NULL, NULL, NULL, NULL,
	  "date=2019-05-10 time=11:37:47 devname=\"FG100E\" devid=\"FG100E4Q17000000\" "
	  "logid=\"0000000013\" type=\"traffic\"" },
	{ "<189>date=2019-05-10 time=11:37:47 devname=FG100E eventtime=1557481067 tz=\"+0200\" x=1",
	  MSG_FORMAT_RFC3164, 0, 189, 1557481067, 0, "FG100E", NULL, NULL, NULL, NULL,
	  "date=2019-05-10 time=11:37:47 devname=FG100E eventtime=1557481067 tz=\"+0200\" x=1" },
	{ "<189>date=2019-05-10 time=11:37:47 logid=1", MSG_FORMAT_RFC3164, MSG_FLAG_NO_HOSTNAME,
	  189, 1557488267, 0, NULL, NULL, NULL, NULL, NULL,
	  "date=2019-05-10 time=11:37:47 logid=1" },
	/* an impossible date is no FortiGate header: the line stays whole */
	{ "<189>date=2019-13-10 time=11:37:47 devname=FG", MSG_FORMAT_RFC3164,
	  MSG_FLAG_NO_TIMESTAMP | MSG_FLAG_NO_HOSTNAME, 189, TS, 0, NULL, NULL, NULL, NULL, NULL,
	  "date=2019-13-10 time=11:37:47 devname=FG" },
	/* HP ProCurve: a five-digit event number before the TAG (peers: TAG "00076") */
	{ "<14>Mar  6 09:22:34 10.0.0.5 00076 ports: port 2 is now on-line", MSG_FORMAT_RFC3164, 0,
	  14, 1678094554, 0, "10.0.0.5", "ports", NULL, "00076", NULL, "port 2 is now on-line" },
	/* ArubaOS: the year after the time, then the host */
	{ "<11>Mar  6 09:22:34 2017 10.1.1.1 authmgr[3456]: <522008> <NOTI> |authmgr| User ok",
	  MSG_FORMAT_RFC3164, 0, 11, 1488792154, 0, "10.1.1.1", "authmgr", "3456", NULL, NULL,
	  "<522008> <NOTI> |authmgr| User ok" },
	/* AIX without a year (syslog-ng's aix_fwd_string, rsyslog pmaixforwardedfrom) */
	{ "<38>Sep 22 10:11:56 Message forwarded from cdaix66: sshd[6]: Accepted",
	  MSG_FORMAT_RFC3164, 0, 38, 1695377516, 0, "cdaix66", "sshd", "6", NULL, NULL,
	  "Accepted" },
	/* Snare "syslog" mode: TAG then TAB is no TAG (rsyslog pmsnare rewrites it) */
	{ "<13>Mar  6 09:22:34 winhost MSWinEventLog\t1\tSecurity\t42\tMon Mar 06 09:22:34 2023",
	  MSG_FORMAT_RFC3164, 0, 13, 1678094554, 0, "winhost", NULL, NULL, NULL, NULL,
	  "MSWinEventLog\t1\tSecurity\t42\tMon Mar 06 09:22:34 2023" },
	/* the other TAG refusals of doc/parser-policy.md: quotes, an open [PID], a control byte */
	{ "<14>Oct 11 22:14:15 h1 user=\"bob\" action=login", MSG_FORMAT_RFC3164, 0, 14,
	  1697062455, 0, "h1", NULL, NULL, NULL, NULL, "user=\"bob\" action=login" },
	{ "<14>Oct 11 22:14:15 h1 it's: done", MSG_FORMAT_RFC3164, 0, 14, 1697062455, 0, "h1", NULL,
	  NULL, NULL, NULL, "it's: done" },
	{ "<14>Oct 11 22:14:15 h1 prog[12 34]: x", MSG_FORMAT_RFC3164, 0, 14, 1697062455, 0, "h1",
	  NULL, NULL, NULL, NULL, "prog[12 34]: x" },
	{ "<14>Oct 11 22:14:15 h1 prog\x01rest", MSG_FORMAT_RFC3164, 0, 14, 1697062455, 0, "h1",
	  NULL, NULL, NULL, NULL, "prog\x01rest" },
	/* a header-less line keeps its leading blanks (policy: it stays whole) */
	{ "<13>   indented text", MSG_FORMAT_RFC3164, MSG_FLAG_NO_TIMESTAMP | MSG_FLAG_NO_HOSTNAME,
	  13, TS, 0, NULL, NULL, NULL, NULL, NULL, "   indented text" },
	{ "  two blanks", MSG_FORMAT_RFC3164,
	  MSG_FLAG_NO_PRI | MSG_FLAG_NO_TIMESTAMP | MSG_FLAG_NO_HOSTNAME, 13, TS, 0, NULL, NULL,
	  NULL, NULL, NULL, "  two blanks" },
	{ "<13> sshd[42]: Accepted", MSG_FORMAT_RFC3164, MSG_FLAG_NO_TIMESTAMP | MSG_FLAG_NO_HOSTNAME,
	  13, TS, 0, NULL, "sshd", "42", NULL, NULL, "Accepted" },
	/* '<' with garbage or PRI over 191: UNPARSED, whole frame kept */
	{ "<192>Jan  1 00:00:00 h t: x", MSG_FORMAT_UNPARSED,
	  MSG_FLAG_NO_TIMESTAMP | MSG_FLAG_NO_PRI,
	  13, TS, 0, NULL, NULL, NULL, NULL, NULL, "<192>Jan  1 00:00:00 h t: x" },
	{ "<abc>x", MSG_FORMAT_UNPARSED, MSG_FLAG_NO_TIMESTAMP | MSG_FLAG_NO_PRI, 13, TS, 0, NULL,
	  NULL, NULL, NULL, NULL, "<abc>x" },
	{ "<13", MSG_FORMAT_UNPARSED, MSG_FLAG_NO_TIMESTAMP | MSG_FLAG_NO_PRI, 13, TS, 0, NULL, NULL,
	  NULL, NULL, NULL, "<13" },
	{ "", MSG_FORMAT_UNPARSED, MSG_FLAG_NO_TIMESTAMP | MSG_FLAG_NO_PRI, 13, TS, 0, NULL, NULL,
	  NULL, NULL, NULL, "" },
};

START_TEST(test_dialect_cases)
{
	struct syslog_msg msg;
	char *frame;

	corpus_parse_str(dialect_cases[_i].in, 1700000000, &msg, &frame);
	ck_assert_int_eq(msg.format, dialect_cases[_i].format);
	ck_assert_uint_eq(msg.flags, dialect_cases[_i].flags);
	ck_assert_int_eq(msg.pri, dialect_cases[_i].pri);
	if (dialect_cases[_i].epoch != TS) {
		ck_assert(msg.time.present);
		ck_assert_int_eq(msg.time.epoch, dialect_cases[_i].epoch);
		ck_assert_uint_eq(msg.time.usec, dialect_cases[_i].usec);
	} else
		ck_assert(!msg.time.present);
	corpus_assert_slice(msg.hostname, dialect_cases[_i].host, "hostname");
	corpus_assert_slice(msg.appname, dialect_cases[_i].app, "appname");
	corpus_assert_slice(msg.procid, dialect_cases[_i].procid, "procid");
	corpus_assert_slice(msg.msgid, dialect_cases[_i].msgid, "msgid");
	corpus_assert_slice(msg.seqno, dialect_cases[_i].seqno, "seqno");
	corpus_assert_slice(msg.msg, dialect_cases[_i].msg, "msg");
	if (msg.format == MSG_FORMAT_UNPARSED)
		ck_assert_ptr_nonnull(msg.error);
	free(frame);
}
END_TEST

/* Year-less local times follow TZ, across a DST change. */
START_TEST(test_local_zone)
{
	struct syslog_msg msg;
	char *frame;

	setenv("TZ", "EST5EDT,M3.2.0,M11.1.0", 1);
	tzset();
	corpus_parse_str("<13>Jul  4 12:00:00 h t: x", 1625400000, &msg, &frame);
	ck_assert_int_eq(msg.time.epoch, 1625414400);
	ck_assert_int_eq(msg.time.tz_offset, -240);
	ck_assert(!msg.time.tz_known);
	free(frame);
	corpus_parse_str("<13>Jan  4 12:00:00 h t: x", 1609779600, &msg, &frame);
	ck_assert_int_eq(msg.time.epoch, 1609779600);
	ck_assert_int_eq(msg.time.tz_offset, -300);
	free(frame);
	setenv("TZ", "UTC", 1);
	tzset();
	corpus_parse_str("<13>Jan  4 12:00:00 h t: x", 1609779600, &msg, &frame);
	ck_assert_int_eq(msg.time.epoch, 1609761600);
	ck_assert_int_eq(msg.time.tz_offset, 0);
	free(frame);
}
END_TEST

/*
 * The year of a year-less timestamp (syslog-ng's determine_year_for_month):
 * the receipt year, except December received in January (last year) and
 * January received in December (next year), flagged; never "the nearest
 * year", which dated a Cisco *Mar 1 received in December 85 days ahead.
 * A Feb 29 the year does not have is no timestamp.  The receipt month is
 * local: 02:00Z on New Year's Day is still December in New York.
 */
static const struct {
	long long now;
	const char *tz, *in;
	long long epoch;  /* TS: no timestamp */
	bool wrapped;
} year_cases[] = {
	{ 1796558400LL, "UTC", "<13>*Mar  1 00:10:12 h t: x", 1772323812LL, false },
	{ 1796558400LL, "UTC", "<13>Jan  2 03:04:05 h t: x", 1798859045LL, true },
	{ 1798761630LL, "UTC", "<13>Dec 31 23:59:59 h t: x", 1798761599LL, true },
	{ 1799971200LL, "UTC", "<13>Jan 14 10:00:00 h t: x", 1799920800LL, false },
	{ 1796558400LL, "UTC", "<13>Dec 31 23:59:59 h t: x", 1798761599LL, false },
	{ 1803859200LL, "UTC", "<13>Feb 29 10:00:00 h t: x", TS, false },
	{ 1828828800LL, "UTC", "<13>Feb 29 10:00:00 h t: x", TS, false },
	{ 1835481600LL, "UTC", "<13>Feb 29 10:00:00 h t: x", 1835431200LL, false },
	{ 1830254400LL, "UTC", "<13>Jan  1 00:00:00 h t: x", 1830297600LL, true },
	{ 1798768800LL, "EST5EDT,M3.2.0,M11.1.0", "<13>Jan  1 00:30:00 h t: x", 1798781400LL,
	  true },
	{ 1798768800LL, "EST5EDT,M3.2.0,M11.1.0", "<13>Dec 31 20:00:00 h t: x", 1798765200LL,
	  false },
};

START_TEST(test_year_rule)
{
	struct syslog_msg msg;
	char *frame;

	setenv("TZ", year_cases[_i].tz, 1);
	tzset();
	corpus_parse_str(year_cases[_i].in, (time_t)year_cases[_i].now, &msg, &frame);
	if (year_cases[_i].epoch == TS) {
		ck_assert(!msg.time.present);
		ck_assert(msg.flags & MSG_FLAG_NO_TIMESTAMP);
	} else {
		ck_assert(msg.time.present);
		ck_assert_int_eq(msg.time.epoch, year_cases[_i].epoch);
	}
	ck_assert_int_eq((msg.flags & MSG_FLAG_YEAR_GUESSED) != 0, year_cases[_i].wrapped);
	free(frame);
	setenv("TZ", "UTC", 1);
	tzset();
}
END_TEST

/* Every prefix of each dialect case parses without reading past it. */
START_TEST(test_prefixes)
{
	struct syslog_msg msg;
	size_t i, n, len;
	char *frame;

	for (i = 0; i < sizeof(dialect_cases) / sizeof(dialect_cases[0]); i++) {
		len = strlen(dialect_cases[i].in);
		for (n = 0; n <= len; n++) {
			frame = malloc(n ? n : 1);
			ck_assert_ptr_nonnull(frame);
			memcpy(frame, dialect_cases[i].in, n);
			parse_message(frame, n, 1700000000, &msg);
			ck_assert_int_le(msg.pri, 191);
			if (msg.format == MSG_FORMAT_UNPARSED)
				ck_assert_uint_eq(msg.msg.len, n);
			free(frame);
		}
	}
}
END_TEST

/* The hot path budget (CPU time, not wall): report the cost, fail only when grossly off. */
START_TEST(test_speed)
{
	const char *line = "<38>Jan 24 15:50:41 ip-172-31-30-110 sudo[6040]: "
	    "ec2-user : TTY=pts/0 ; PWD=/var/log ; USER=root ; COMMAND=/bin/tail secure";
	struct syslog_msg msg;
	struct timespec a, b;
	size_t len = strlen(line), i, n = 200000;
	char *frame = malloc(len);
	double ns;

	ck_assert_ptr_nonnull(frame);
	memcpy(frame, line, len);
	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &a);
	for (i = 0; i < n; i++)
		parse_message(frame, len, 1700000000, &msg);
	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &b);
	ns = ((b.tv_sec - a.tv_sec) * 1e9 + (b.tv_nsec - a.tv_nsec)) / (double)n;
	printf("rfc3164: %.0f ns per message\n", ns);
	ck_assert_int_eq(msg.format, MSG_FORMAT_RFC3164);
	ck_assert_msg(ns < 5000, "%.0f ns per message", ns);
	free(frame);
}
END_TEST

/* After the suite: the divergences from the corpus's expectations, then free it. */
static void
corpus_end(void)
{
	corpus_report("rfc3164_cases.tsv", &corpus, divergences,
	    sizeof(divergences) / sizeof(divergences[0]));
	corpus_free(&corpus);
}

Suite *
unit_suite(void)
{
	Suite *s = suite_create("rfc3164");
	TCase *tc = tcase_create("corpus");

	setenv("TZ", "UTC", 1);
	tzset();
	if (corpus_load("rfc3164_cases.tsv", &corpus) != 0 || corpus.n == 0) {
		fprintf(stderr, "cannot load tests/data/rfc3164_cases.tsv (top_srcdir?)\n");
		exit(1);
	}
	tcase_add_loop_test(tc, test_corpus_row, 0, (int)corpus.n);
	suite_add_tcase(s, tc);
	tc = tcase_create("focused");
	tcase_add_checked_fixture(tc, NULL, NULL);
	tcase_add_loop_test(tc, test_dialect_cases, 0,
	    (int)(sizeof(dialect_cases) / sizeof(dialect_cases[0])));
	tcase_add_test(tc, test_local_zone);
	tcase_add_loop_test(tc, test_year_rule, 0, (int)(sizeof(year_cases) / sizeof(year_cases[0])));
	tcase_add_test(tc, test_prefixes);
	tcase_add_test(tc, test_speed);
	tcase_set_timeout(tc, 30);
	suite_add_tcase(s, tc);
	unit_atend(corpus_end);
	return s;
}

#!/bin/sh
# make-seeds.sh: regenerate the seed corpora fuzz/corpus/TARGET from the
# shared cases (tests/data/rfc5424_cases.tsv, rfc3164_cases.tsv), the
# configuration tests (tests/data/conf, conf/), the detections (patterns/,
# tests/data/detect/unit) and a few framing streams.  Each seed is named by
# the SHA-1 of its bytes, as libFuzzer names what it finds.  The committed
# fuzz/corpus/TARGET of each target made here is exactly what this script
# makes from the tree: run it and commit fuzz/corpus whenever one of those
# inputs changes (a rule, a mapping, a test configuration).  --check says
# where they differ, without writing (tests/fuzz-seeds.sh runs it).  The
# other targets' seeds (fuzz_correlate*, fuzz_spool, fuzz_relp_frame,
# fuzz_regex) are written by hand and left alone.
# usage: fuzz/make-seeds.sh [SRCDIR]   (default: the tree this script is in)
#        fuzz/make-seeds.sh --check [SRCDIR [CORPUSDIR]]
set -eu
mode=write
if [ "${1:-}" = --check ]; then
	mode=check
	shift
fi
top=${1:-$(cd "$(dirname "$0")/.." && pwd)}
exec python3 - "$top" "$mode" "${2:-$top/fuzz/corpus}" <<'PY'
import glob, hashlib, os, shutil, sys

top, mode, out = sys.argv[1], sys.argv[2], sys.argv[3]


def unescape(s):
    """Undo the TSV escaping of tests/data (\\\\ \\t \\n \\r \\xNN)."""
    b, i = bytearray(), 0
    raw = s.encode("utf-8", "surrogateescape")
    while i < len(raw):
        c = raw[i]
        if c == 0x5c and i + 1 < len(raw):
            n = raw[i + 1]
            if n in b"\\tnr":
                b += {0x5c: b"\\", 0x74: b"\t", 0x6e: b"\n", 0x72: b"\r"}[n]
                i += 2
                continue
            if n == 0x78 and i + 3 < len(raw):
                try:
                    b.append(int(raw[i + 2:i + 4].decode(), 16))
                    i += 4
                    continue
                except ValueError:
                    pass
        b.append(c)
        i += 1
    return bytes(b)


def cases(name):
    path = os.path.join(top, "tests", "data", name)
    with open(path, encoding="utf-8", errors="surrogateescape") as f:
        rows = f.read().split("\n")[1:]
    return [unescape(r.split("\t")[1]) for r in rows if r.count("\t") >= 1]


def files(*patterns):
    got = []
    for p in patterns:
        for path in sorted(glob.glob(os.path.join(top, p))):
            with open(path, "rb") as f:
                got.append(f.read())
    return got


def sd_text(line):
    """The text from STRUCTURED-DATA on of an RFC 5424 line, or None."""
    parts = line.split(b" ", 6)
    if len(parts) == 7 and parts[6][:1] == b"[":
        return parts[6]
    return None


lines5424 = cases("rfc5424_cases.tsv")
lines3164 = cases("rfc3164_cases.tsv")
lines = lines5424 + lines3164
hand_sd = [
    b'[a b="c"]', b'[a@1 b="\\"\\\\\\]"][a@1 b="x" b="y"]', b'[x][y z=""]',
    b'[exampleSDID@32473 iut="3" eventSource="Application" eventID="1011"]',
    b'[a b="c"', b'[a b=c]', b'[a  b="c"]', b'[a b="c\\"]', b'[]', b'-',
]
norms = [
    b'{"event.tags":["iam.user.create"],"user.target.name":"eve","user.target.id":0}',
    b'{"log.syslog":"x","message.x":1,"a..b":2,"json":{"k":[1,{"v":null}]}}',
    b'{"event.tags":["t"],"a.b.c.d.e.f.g.h.i.j.k.l.m.n.o.p.q":1,"":true}',
]

# Device dialects (doc/parser-policy.md) that the shared cases lack.
dialects = [
    b"<190>: 2017 Mar 06 09:22:34 CET: %AUTHPRIV-6-SYSTEM_MSG: pam_unix(sshd:session): opened",
    b"<134>: 2017 Mar  6 12:53:10 UTC: %POLICY_ENGINE-6-POLICY_LOOKUP_EVENT: policy=p1",
    b"<189>: 2023 Jan 10 10:00:00: %VSHD-5-VSHD_SYSLOG_CONFIG_I: Configured from vty",
    b"<187>1234: Mar  6 09:22:34.123 CET: %LINK-3-UPDOWN: Interface Gi0/1, changed state",
    b"<166>Jun 17 2019 10:05:48 fw01 : %ASA-6-302013: Built inbound",
    b"<28>Mar  6 09:22:34 fw01 mgd[1234]: UI_COMMIT: User 'root' requested 'commit'",
    b'date=2019-05-10 time=11:37:47 devname="FG100E" devid="FG100E4Q17000000" logid="0000000013"',
    b'<189>date=2019-05-10 time=11:37:47 devname=FG100E eventtime=1557481067 tz="+0200" x=1',
    b"<14>Mar  6 09:22:34 10.0.0.5 00076 ports: port 2 is now on-line",
    b"<11>Mar  6 09:22:34 2017 10.1.1.1 authmgr[3456]: <522008> <NOTI> |authmgr| User ok",
    b"<38>Sep 22 10:11:56 Message forwarded from cdaix66: sshd[6]: Accepted",
    b"<13>Mar  6 09:22:34 winhost MSWinEventLog\t1\tSecurity\t42\tMon Mar 06 09:22:34 2023",
    b"<13>   indented text",
    b"<13>2026-10-25 02:30:00 h t: twice in Paris",
]
# The system's tzdata (package tzdata) for the TZif reader: DST both hemispheres,
# half-hour DST, none, UTC.
zones = [os.path.join("/usr/share/zoneinfo", z) for z in (
    "Europe/Paris", "America/New_York", "Australia/Lord_Howe", "America/Sao_Paulo",
    "Asia/Kolkata", "Etc/UTC")]


def detection_seeds(data, limit=8192):
    """A detections file in pieces under fuzz/run.sh's 8 KB (libFuzzer cuts
    a longer seed there, so windows.detections' 127 KB would be seen as its
    first 8 KB only): its top-level blocks (a line starting with a letter
    to the next one) packed in order, each piece with all the file's
    technique blocks, which the detections name.  A file under the limit
    is its own seed, whole; a block over it is a piece alone."""
    if len(data) <= limit:
        return [data]
    blocks, cur = [], []
    for l in data.split(b"\n"):
        if l[:1].isalpha() and cur:
            blocks.append(b"\n".join(cur) + b"\n")
            cur = []
        cur.append(l)
    if cur:
        blocks.append(b"\n".join(cur) + b"\n")
    techniques = b"".join(b for b in blocks if b.startswith(b"technique"))
    out, piece = [], techniques
    for b in blocks:
        if b.startswith(b"technique") or not b[:1].isalpha():
            continue
        if len(piece) + len(b) > limit and piece != techniques:
            out.append(piece)
            piece = techniques
        piece += b
    if piece != techniques:
        out.append(piece)
    return out


seeds = {
    "fuzz_parse": lines + dialects,
    "fuzz_tz_zone": [open(z, "rb").read() for z in zones if os.path.exists(z)],
    "fuzz_json_escape": lines + [bytes(range(256)), b"\xc3\x28\xed\xa0\x80\xf4\x90\x80\x80"],
    "fuzz_sd": [s for s in map(sd_text, lines5424) if s] + hand_sd,
    "fuzz_event": [bytes([o]) + l for o, l in
                   zip([0, 2, 4, 8, 6] * len(lines), lines)] +
                  [b"\x01" + l + b"\x00" + n for l in lines[::40] for n in norms] +
                  # a rule's "json.x" beside the body (found by fuzz_event)
                  [b'\x01<13>Dec  7 10:00:00 h t: m\x00{"json.b":2,"json":{"k":[1,{"v":null}]}}'],
    "fuzz_conf": files("tests/data/conf/*", "conf/logward.conf",
                       "conf/logward.conf.in"),
    "fuzz_detect": [s for d in files("patterns/*.detections",
                                     "tests/data/detect/unit/*.detections",
                                     "tests/data/detect/unit/two/*.detections")
                    for s in detection_seeds(d)] +
                   # stacked quantifiers: refused before regcomp (regex_bound.c), which
                   # would take gigabytes (found by fuzz_detect)
                   [b"technique T1136 {\n\tname = \"n\"\n\ttactic = \"TA0003\"\n"
                    b"\ttactic_name = \"p\"\n}\ndetection d {\n\ttitle = \"t\"\n"
                    b"\ttechnique = \"T1136\"\n\tseverity = low\n\ttags = { \"t\" }\n"
                    b"\twhen = { \"user.target.name regex 'ab++++++++++++++++++++++++++c'\" }\n}\n"],
    # a rule file, or "#map" and a mapping file
    "fuzz_sigma": files(*("tests/data/sigma/rules" + "/*" * d + ".yml" for d in (3, 4, 5))) +
                  [b"#map\n" + m for m in files("patterns/sigma/*.map")] +
                  # literals beside JSON's escapes (\/ and \"), as fuzz_sigma's third line
                  [b"title: t\nid: s\nlogsource: {product: test}\ndetection:\n  sel:\n"
                   b"    F|contains: c/def\n  esc:\n    H|contains: say \"hi\"\n"
                   b"  condition: sel and esc\n"],
}

# Prefilter: a rulebase after its "version=2" line, NUL, messages one a
# line.  Each rulebase in pieces of a few rules (under 3 KB, with the
# prefix= in force), each with the MSG parts of its pattern samples
# (tests/patterns/NAME.tsv): liblognorm loads the rules every run.
def prefilter_seeds(path):
    with open(path, "rb") as f:
        lines = f.read().split(b"\n")[1:]
    tsv = os.path.join(top, "tests", "patterns", os.path.basename(path)[:-9] + ".tsv")
    msgs = []
    if os.path.exists(tsv):
        with open(tsv, encoding="utf-8", errors="surrogateescape") as f:
            msgs = [unescape(l.split("\t")[0]).split(b" ", 5)[-1]
                    for l in f.read().split("\n") if l and not l.startswith("#")]
    def seed(piece):
        # as many messages as fit in fuzz/run.sh's 8 KB
        data = b"\n".join(piece) + b"\0{}\nx\n"
        for m in msgs:
            if len(data) + len(m) + 1 > 8192:
                break
            data += m + b"\n"
        return data
    out, piece, prefix = [], [], b""
    for l in lines:
        if l.startswith(b"prefix="):
            prefix = l
        if piece and sum(len(x) + 1 for x in piece) + len(l) > 3000:
            out.append(seed(piece))
            piece = [prefix] if prefix and not l.startswith(b"prefix=") else []
        if l and not l.startswith(b"#"):
            piece.append(l)
    if piece:
        out.append(seed(piece))
    return out
seeds["fuzz_prefilter"] = [s for p in
                           sorted(glob.glob(os.path.join(top, "patterns", "*.rulebase")) +
                                  glob.glob(os.path.join(top, "tests/data/normalize/two/[ab].rulebase")) +
                                  glob.glob(os.path.join(top, "tests/data/normalize/shared-prefix/*.rulebase")))
                           for s in prefilter_seeds(p)] + [
    # later literals of one lead, leads that start one another; an
    # alternative joining two rules; a type that moves the offset back
    b"rule=t:Go %a:word% alpha\nrule=t:Go away %a:word% gamma\n"
    b"rule=t:Go home %a:word% beta\nrule=t:Go %a:word% q\\x41z 100%% done\n"
    b"\0Go home alpha\nGo zzz alpha\nGo home x beta\nGo away x beta\nGo 1 qAz 100% done\n",
    b"rule=a:Qabcdef%r:rest%\nrule=b:Q%{\"type\":\"alternative\",\"parser\":"
    b"[{\"type\":\"literal\",\"text\":\"a\"},{\"type\":\"char-to\",\"name\":\"w\","
    b"\"extradata\":\"b\"}]}%ZZZZZZ\n\0Qzzzbcdefxyz\nQaZZZZZZ\n",
    b"type=@t:\\x00\nrule=t:abc%f:@t%abc\n\0abc\nabcabc\n",
]

# Framing: byte 0 max_frame (0..239 small, 240.. 64 KiB), bytes 1-2 the split.
streams = []
for i in range(0, len(lines5424), 20):
    batch = [l for l in lines5424[i:i + 20] if l]
    lf = b"\n".join(batch) + b"\n"
    oc = b"".join(b"%d " % len(l) + l for l in batch)
    streams += [lf, oc, b"\r\n".join(batch), b"\0".join(batch), lf + oc]
streams += [b"5 abc\n", b"99999999999 x", b"00 a\n3 abc", b"\n\n\r\n\0"]
seeds["fuzz_framing"] = [bytes([m, len(s) & 255, len(s) >> 9]) + s
                         for s, m in zip(streams, [255, 20, 250, 47, 3] * len(streams))]

# fuzz_tz_zone's seeds are the system's tzdata, which changes with the
# package: they are not held to it.
FROM_SYSTEM = {"fuzz_tz_zone"}


def check():
    """Report each target whose committed seeds differ from these; 1 if any."""
    bad = 0
    for target, items in seeds.items():
        if target in FROM_SYSTEM:
            continue
        want = {hashlib.sha1(data).hexdigest() for data in items}
        d = os.path.join(out, target)
        have = set(os.listdir(d)) if os.path.isdir(d) else set()
        # a committed seed edited by hand no longer has its content's name
        renamed = {n for n in have if hashlib.sha1(open(os.path.join(d, n), "rb").read()).hexdigest() != n}
        if want != have or renamed:
            bad += 1
            print("%s: %d seeds missing, %d stale, %d not named by their content"
                  % (target, len(want - have), len(have - want), len(renamed)))
    if bad:
        print("fuzz/make-seeds.sh: %d seed sets differ from what the tree makes: "
              "run fuzz/make-seeds.sh and commit fuzz/corpus" % bad)
    return 1 if bad else 0


if mode == "check":
    sys.exit(check())

total = 0
for target, items in seeds.items():
    d = os.path.join(out, target)
    shutil.rmtree(d, ignore_errors=True)
    os.makedirs(d)
    for data in items:
        name = hashlib.sha1(data).hexdigest()
        with open(os.path.join(d, name), "wb") as f:
            f.write(data)
        total += len(data)
    print("%s: %d seeds" % (target, len(os.listdir(d))))
print("total %d bytes" % total)
PY

#!/usr/bin/env python3
# Generates patterns/windows.rulebase and patterns/windows.detections.
import sys
OUT = sys.argv[1]
WS = '%-:whitespace%'
CS = '%{name}:char-to{{"extradata":" \\t\\r\\n"}}%'
CSEP = '%{name}:char-sep{{"extradata":" \\t\\r\\n"}}%'
def cs(n): return CS.format(name=n)
def csep(n): return CSEP.format(name=n)
def sto(n, s): return '%%%s:string-to{"extradata":"%s"}%%' % (n, s)
SKIP = '%-:rest%'

def subjects():
    out = []
    for sid in (True, False):
        for dom in (True, False):
            s = 'Subject:' + WS
            if sid: s += 'Security ID:' + WS + cs('user.id') + WS
            s += 'Account Name:' + WS + cs('user.name') + WS + 'Account Domain:' + WS
            if dom: s += cs('user.domain') + WS
            s += 'Logon ID:' + WS + cs('-') + WS
            out.append(s)
    return out

def targets(label):
    out = []
    for sid in (True, False):
        t = label + WS
        if sid: t += 'Security ID:' + WS + cs('user.target.id') + WS
        t += 'Account Name:' + WS + cs('user.target.name') + WS + 'Account Domain:' + WS + csep('user.target.domain') + SKIP
        out.append(t)
    return out

def member():
    return ('Member:' + WS + 'Security ID:' + WS + cs('user.target.id') + WS + 'Account Name:' + WS
            + sto('user.target.name', 'Group:') + 'Group:' + WS + 'Security ID:' + WS + cs('group.id') + WS
            + 'Group Name:' + WS + sto('group.name', 'Group Domain:') + 'Group Domain:' + WS + csep('group.domain') + SKIP)

DESC = [
    ('windows.user.create', 'A user account was created.', targets('New Account:')),
    ('windows.computer.create', 'A computer account was created.', targets('New Computer Account:')),
    # 4726: no alert; the end of a short-lived account for the correlations
    ('windows.user.delete', 'A user account was deleted.', targets('Target Account:')),
    ('windows.group.member.add', 'A member was added to a security-enabled global group.', [member()]),
    ('windows.group.member.add', 'A member was added to a security-enabled local group.', [member()]),
    ('windows.group.member.add', 'A member was added to a security-enabled universal group.', [member()]),
]

EV = (cs('winlog.channel') + WS + 'Source:' + WS + cs('winlog.provider_name') + WS
      + sto('-', 'Event ID:') + 'Event ID:' + WS + '%winlog.event_id:number%' + WS + sto('-', 'Computer:') + 'Computer:' + WS
      + cs('winlog.computer_name') + WS + 'Description:' + WS)
TAB = '\t'
HEADERS = [
    ('Snare for Windows (MSWinEventLog, tab-separated)', 'windows.snare',
     'MSWinEventLog' + TAB + '%-:number%' + TAB + '%winlog.channel:char-to:\\x09%' + TAB + '%-:number%' + TAB
     + '%-:char-to:\\x09%' + TAB + '%winlog.event_id:number%' + TAB + '%winlog.provider_name:char-to:\\x09%' + TAB
     + '%-:char-to:\\x09%' + TAB + '%-:char-to:\\x09%' + TAB + '%-:char-to:\\x09%' + TAB
     + '%winlog.computer_name:char-to:\\x09%' + TAB + '%-:char-sep:\\x09%' + TAB + '%-:char-sep:\\x09%' + TAB),
    ('OSSEC / Wazuh agent WinEvtLog text, event time first (archives, alerts)', 'windows.ossec',
     '%-:number% %-:word% %-:number% %-:time-24hr% WinEvtLog: %winlog.channel:char-to:\\x3a%: %-:char-to:(%(%winlog.event_id:number%): '
     '%winlog.provider_name:char-to:\\x3a%: %-:char-to:\\x3a%: %-:char-to:\\x3a%: %winlog.computer_name:char-to:\\x3a%: '),
    ('OSSEC alerts/archives line offered whole (no syslog header found)', 'windows.ossec',
     '%-:number% %-:word% %-:number% %-:time-24hr% (%-:char-to:)%) %-:word% '
     '%-:number% %-:word% %-:number% %-:time-24hr% WinEvtLog: %winlog.channel:char-to:\\x3a%: %-:char-to:(%(%winlog.event_id:number%): '
     '%winlog.provider_name:char-to:\\x3a%: %-:char-to:\\x3a%: %-:char-to:\\x3a%: %winlog.computer_name:char-to:\\x3a%: '),
    ('OSSEC / Wazuh agent WinEvtLog text', 'windows.ossec',
     'WinEvtLog: %winlog.channel:char-to:\\x3a%: %-:char-to:(%(%winlog.event_id:number%): '
     '%winlog.provider_name:char-to:\\x3a%: %-:char-to:\\x3a%: %-:char-to:\\x3a%: %winlog.computer_name:char-to:\\x3a%: '),
    ('Eventlog-to-Syslog (evtsys): TAG is the source, MSG "EVENTID: text" (documentation only)', 'windows.evtsys',
     '%winlog.event_id:number%: '),
    ('Event Viewer text rendering (copy as text; multi-line)', 'windows.eventviewer',
     'Log Name:' + WS + EV),
    ('Event Viewer text after a bare syslog header: the RFC 3164 parser takes "Log" as the TAG', 'windows.eventviewer',
     'Name:' + WS + EV),
    ('NXLog to_syslog_bsd() plain text: MSG is the description, TAG the source (documentation only)', 'windows.text',
     ''),
]

rb = []
rb.append('''version=2
# Windows Security events about account creation and privileged group
# membership, as sent by syslog forwarders.  The text rules are generated
# (headers x descriptions x variants) by a script the windows engineer
# handed to the lead; keep every header's rules in step when editing.
#
# Two kinds of rules:
# - JSON bodies (NXLog im_msvistalog to_json, Winlogbeat via Logstash,
#   Wazuh eventchannel / alerts, HarfangLab): one rule, the whole body into
#   the "json" namespace (liblognorm cannot rename keys; the detections
#   name the vendor's own keys, json.TargetUserName and so on).
# - Text renderings (Snare, OSSEC WinEvtLog, Eventlog-to-Syslog, Event
#   Viewer text, NXLog plain text): a per-forwarder header (prefix=) and the
#   description of events 4720, 4741, 4726, 4728, 4732, 4756 parsed into ECS
#   fields: user.* the subject (actor), user.target.* the account created
#   or added, group.* the group, winlog.* the event header (Winlogbeat
#   names: winlog.event_id, winlog.computer_name, winlog.channel).
# Whitespace between description items is "%-:whitespace%": forwarders turn
# the CR LF TAB of the rendering into 1..n spaces.  Account and domain names
# end at blank, TAB, CR or LF (SAM names with blanks are not parsed: they
# give no event; NetBIOS domains never hold blanks).  Member and group names
# can hold blanks (DNs, "Domain Admins"): they run up to the next label and
# keep the blanks before it (the detections trim them).
#
# No user-defined types (type=@x): liblognorm 2.0.6 leaks when one fails.
# Sample lines: tests/patterns/windows.tsv

# --- JSON bodies ------------------------------------------------------------
# Any JSON object is matched by json.rulebase (tag "json", object under
# "json"); windows.detections matches the vendors' keys there.
''')
for title, tag, hdr in HEADERS:
    rb.append('# --- %s ---' % title)
    rb.append('prefix=' + hdr)
    for dtag, text, tails in DESC:
        for s in subjects():
            for t in tails:
                rb.append('rule=%s,%s:%s%s%s%s' % (dtag, tag, text, WS, s, t))
    rb.append('prefix=')
    rb.append('')
rb.append('''annotate=windows.user.create:+event.category="iam"
annotate=windows.user.create:+event.type="creation"
annotate=windows.user.create:+event.action="added-user-account"
annotate=windows.computer.create:+event.category="iam"
annotate=windows.computer.create:+event.type="creation"
annotate=windows.computer.create:+event.action="added-computer-account"
annotate=windows.user.delete:+event.category="iam"
annotate=windows.user.delete:+event.type="deletion"
annotate=windows.user.delete:+event.action="deleted-user-account"
annotate=windows.group.member.add:+event.category="iam"
annotate=windows.group.member.add:+event.type="change"
annotate=windows.group.member.add:+event.action="added-member-to-group"
''')
open(OUT + '/windows.rulebase', 'w').write('\n'.join(rb))

#!/usr/bin/env python3
import sys
OUT = sys.argv[1]
PRIV = ("Administrators", "Domain Admins", "Enterprise Admins", "Schema Admins",
        "Remote Desktop Users", "Backup Operators", "Account Operators", "Server Operators",
        "Print Operators", "DnsAdmins", "Group Policy Creator Owners", "Hyper-V Administrators",
        "Remote Management Users", "Enterprise Key Admins", "Key Admins", "Distributed COM Users")
# groups every account lands in by itself: never an alert
BENIGN = ("None", "Users", "Domain Users", "Domain Computers", "Domain Controllers", "Guests", "Domain Guests")
PRIV_RE = "^(%s)[[:space:]]*$" % "|".join(g.replace("-", "[-]") for g in PRIV)
BENIGN_RE = "^(%s)[[:space:]]*$" % "|".join(BENIGN)

def q(s): return "'" + s.replace("'", "\\'") + "'"

# shape: id, title, tags, base conditions, field map
SHAPES = [
 ("nxlog", "NXLog JSON", ["json"], ["json.SourceName == Microsoft-Windows-Security-Auditing"],
  dict(eid="json.EventID", tname="json.TargetUserName", tsid="json.TargetSid", tdom="json.TargetDomainName", host="json.Hostname",
       sname="json.SubjectUserName", sdom="json.SubjectDomainName", ssid="json.SubjectUserSid",
       mname="json.MemberName", msid="json.MemberSid")),
 ("winlogbeat", "Winlogbeat JSON", ["json"], ["json.winlog.provider_name == Microsoft-Windows-Security-Auditing"],
  dict(eid="json.winlog.event_id", tname="json.winlog.event_data.TargetUserName", tsid="json.winlog.event_data.TargetSid", tdom="json.winlog.event_data.TargetDomainName",
       host="json.winlog.computer_name", sname="json.winlog.event_data.SubjectUserName", sdom="json.winlog.event_data.SubjectDomainName",
       ssid="json.winlog.event_data.SubjectUserSid", mname="json.winlog.event_data.MemberName", msid="json.winlog.event_data.MemberSid")),
 ("wazuh", "Wazuh eventchannel JSON", ["json"], ["json.win.system.providerName == Microsoft-Windows-Security-Auditing"],
  dict(eid="json.win.system.eventID", tname="json.win.eventdata.targetUserName", tsid="json.win.eventdata.targetSid", tdom="json.win.eventdata.targetDomainName",
       host="json.win.system.computer", sname="json.win.eventdata.subjectUserName", sdom="json.win.eventdata.subjectDomainName",
       ssid="json.win.eventdata.subjectUserSid", mname="json.win.eventdata.memberName", msid="json.win.eventdata.memberSid")),
 ("wazuh-alert", "Wazuh alert JSON", ["json"], ["json.data.win.system.providerName == Microsoft-Windows-Security-Auditing"],
  dict(eid="json.data.win.system.eventID", tname="json.data.win.eventdata.targetUserName", tsid="json.data.win.eventdata.targetSid", tdom="json.data.win.eventdata.targetDomainName",
       host="json.data.win.system.computer", sname="json.data.win.eventdata.subjectUserName", sdom="json.data.win.eventdata.subjectDomainName",
       ssid="json.data.win.eventdata.subjectUserSid", mname="json.data.win.eventdata.memberName", msid="json.data.win.eventdata.memberSid")),
 ("harfanglab", "HarfangLab EDR JSON", ["json"], ["json.source_name == Microsoft-Windows-Security-Auditing"],
  dict(eid="json.event_id", tname="json.event_data.TargetUserName", tsid="json.event_data.TargetSid", tdom="json.event_data.TargetDomainName",
       host="json.computer_name", sname="json.event_data.SubjectUserName", sdom="json.event_data.SubjectDomainName",
       ssid="json.event_data.SubjectUserSid", mname="json.event_data.MemberName", msid="json.event_data.MemberSid")),
]

out = []
out.append('''# Windows account creation and privileged group changes (T1136.001,
# T1136.002, T1098).  Rules: windows.rulebase.  Generated (one block of
# detections per JSON shape, the same for each) by a script the windows
# engineer handed to the lead: keep the blocks in step when editing.
#
# Choices:
# - 4720 is LOCAL (T1136.001) when the new account's domain names the
#   computer that logged it (samehost: "WKS6" and "WKS6.corp.local"), or
#   when SYSTEM (S-1-5-18) created it in a domain other than the machine's
#   own (Windows setup: the account domain is the setup-time machine name,
#   the subject domain is empty or WORKGROUP).  Otherwise DOMAIN
#   (T1136.002): a domain controller logs domain accounts with the NetBIOS
#   domain as account domain.
# - Severity: user created medium (local or domain); computer account low
#   (joining machines is routine); member added to a privileged group high;
#   member added to another, non-default local group (4732) medium.
# - Privileged groups (case-insensitive): %s.
#   Never an alert: %s (the automatic primary-group membership
#   that follows every 4720 lands in Domain Users / None).
# - Command lines (4688, Sysmon 1, PowerShell 800/4103/4104): net/net1
#   "user NAME ... /add" in either order (T1136.001, T1136.002 with
#   /domain), "localgroup GROUP NAME /add" to a privileged group (T1098),
#   New-LocalUser (T1136.001), New-ADUser (T1136.002).  The account is
#   taken from the command line (target_pattern).
''' % (", ".join(PRIV), ", ".join(BENIGN)))
out.append('''technique T1136.001 {
	name = "Create Account: Local Account"
	tactic = "TA0003"
	tactic_name = "Persistence"
}
technique T1136.002 {
	name = "Create Account: Domain Account"
	tactic = "TA0003"
	tactic_name = "Persistence"
}
technique T1098 {
	name = "Account Manipulation"
	tactic = "TA0003"
	tactic_name = "Persistence"
}
''')

def det(id_, title, tech, sev, tags, when, unless=(), target=None, pattern=None, tdom=None, actor=None, group=None, action=None,
        fact=None, scope=None, account_id=None):
    s = ["detection %s {" % id_, '\ttitle = "%s"' % title]
    if tech is not None:
        s.append('\ttechnique = "%s"' % tech)
    s += ["\tseverity = %s" % sev, "\ttags = { %s }" % ", ".join('"%s"' % t for t in tags)]
    if when:
        s.append("\twhen = {\n%s\n\t}" % ",\n".join('\t\t"%s"' % w.replace('\\', '\\\\').replace('"', '\\"') for w in when))
    if unless:
        s.append("\tunless = {\n%s\n\t}" % ",\n".join('\t\t"%s"' % w.replace('\\', '\\\\').replace('"', '\\"') for w in unless))
    for k, v in (("target", target), ("target_pattern", pattern), ("target_domain", tdom), ("actor", actor), ("group", group), ("action", action),
                 ("fact", fact), ("scope", scope), ("account_id", account_id)):
        if v is not None:
            s.append('\t%s = "%s"' % (k, v.replace('\\', '\\\\').replace('"', '\\"')))
    s.append("}\n")
    out.append("\n".join(s))

def account_rules(pfx, title, tags, base, f):
    local = [f["tdom"] + " samehost " + f["host"]]
    setup = [f["ssid"] + " == S-1-5-18", f["tdom"] + " !samehost " + f["sdom"]]
    # correlations (correlate.h): scope is the computer that logged the event
    common = dict(target=f["tname"], tdom=f["tdom"], actor=f["sname"], fact="account-created", scope=f["host"], account_id=f["tsid"])
    det(pfx + "-4720-local", "Local user account created (%s 4720)" % title, "T1136.001", "medium", tags,
        base + [f["eid"] + " == 4720"] + local, action="added-user-account", **common)
    if f.get("text"):
        det(pfx + "-4720-local-hostname", "Local user account created (%s 4720, computer from the syslog header)" % title, "T1136.001", "medium",
            tags + ["windows.text"], base + ["winlog.computer_name missing", f["tdom"] + " samehost log.syslog.hostname"],
            action="added-user-account", **common)
    det(pfx + "-4720-local-setup", "Local user account created by SYSTEM (%s 4720)" % title, "T1136.001", "medium", tags,
        base + [f["eid"] + " == 4720"] + setup, unless=local, action="added-user-account", **common)
    det(pfx + "-4720-domain", "Domain user account created (%s 4720)" % title, "T1136.002", "medium", tags,
        base + [f["eid"] + " == 4720", f["tdom"] + " exists"], unless=local + ["%s regex ^S-1-5-18$" % f["ssid"]] if False else local,
        action="added-user-account", **common) if not f.get("text") else det(pfx + "-4720-domain", "Domain user account created (%s 4720)" % title, "T1136.002", "medium", tags + ["windows.text"],
        base + [f["eid"] + " == 4720", f["tdom"] + " exists"] if False else base + ["event.action == added-user-account", f["tdom"] + " exists"],
        unless=local + [f["tdom"] + " samehost log.syslog.hostname"], action="added-user-account", **common)
    det(pfx + "-4741", "Computer account created (%s 4741)" % title, "T1136.002", "low", tags,
        base + [f["eid"] + " == 4741"], action="added-computer-account", **dict(common, fact=None, scope=None, account_id=None))
    # 4726 alerts on nothing; it is the end of a short-lived account
    det(pfx + "-4726", "User account deleted (%s 4726; a fact for correlations, no alert)" % title, None, "none",
        tags if not f.get("text") else ["windows.user.delete"], (base + [f["eid"] + " == 4726"]) if not f.get("text") else [],
        target=f["tname"], tdom=f["tdom"], actor=f["sname"], fact="account-deleted", scope=f["host"], account_id=f["tsid"])
    g = dict(tdom=f.get("gdom", f["tdom"]), actor=f["sname"], group=f.get("gname", f["tname"]), action="added-member-to-group",
             fact="admin-member-added", scope=f["host"], account_id=f["msid"])
    gname = f.get("gname", f["tname"])
    det(pfx + "-group-privileged", "Member added to a privileged group (%s 4728/4732/4756)" % title, "T1098", "high", tags,
        base + [f["eid"] + " in (4728, 4732, 4756)", gname + " regex " + q(PRIV_RE), f["mname"] + " exists", f["mname"] + " != '-'"],
        target=f["mname"], pattern=f.get("mpat"), **g)
    det(pfx + "-group-privileged-sid", "Member (SID only) added to a privileged group (%s 4728/4732/4756)" % title, "T1098", "high", tags,
        base + [f["eid"] + " in (4728, 4732, 4756)", gname + " regex " + q(PRIV_RE), f["msid"] + " exists"],
        # a member named "-" (local accounts in 4732) is known by its SID only
        unless=[f["mname"] + " regex '^[^-[:space:]]'"],
        target=f["msid"], **g)
    det(pfx + "-group-local-other", "Member added to a local group (%s 4732)" % title, "T1098", "medium", tags,
        base + [f["eid"] + " == 4732", f["mname"] + " exists", f["mname"] + " regex '^[^-[:space:]]'"],
        unless=[gname + " regex " + q(PRIV_RE), gname + " regex " + q(BENIGN_RE)], target=f["mname"], pattern=f.get("mpat"),
        **dict(g, fact=None, scope=None, account_id=None))

for pfx, title, tags, base, f in SHAPES:
    out.append("# ---- %s ----\n" % title)
    account_rules("windows-" + pfx, title, tags, base, f)

# Text renderings: ECS fields from the rulebase.
TF = dict(eid="winlog.event_id", tname="user.target.name", tsid="user.target.id", tdom="user.target.domain", host="winlog.computer_name",
          sname="user.name", sdom="user.domain", ssid="user.id", mname="user.target.name", msid="user.target.id",
          gname="group.name", gdom="group.domain", mpat="^(.*[^[:space:]])", text=True)
out.append("# ---- text renderings (Snare, OSSEC, Eventlog-to-Syslog, Event Viewer, NXLog text) ----\n")
# NXLog plain text has no event id: the description rule gives the tag; add the id by tag.
for tag, eid in (("windows.user.create", None), ):
    pass
account_rules("windows-text", "text", ["windows.snare", "windows.ossec", "windows.evtsys", "windows.eventviewer"], [], TF)

# ---- command lines ----
NET = "(^|[\\\\/\"' ])net1?(\\.exe)?\"?[[:space:]]+user[[:space:]]"
ADD = "[[:space:]]/add([[:space:]\"']|$)"
NAME = "([^/[:space:]\"'][^[:space:]\"']*)"
NET_P1 = "net1?[.]?e?x?e?\"?[[:space:]]+user[[:space:]]+" + NAME        # net user NAME ... /add
NET_P2 = "net1?[.]?e?x?e?\"?[[:space:]]+user[[:space:]]+/add[[:space:]]+" + NAME   # net user /add NAME
LG = "(^|[\\\\/\"' ])net1?(\\.exe)?\"?[[:space:]]+localgroup[[:space:]]+\"?(%s)\"?[[:space:]]" % "|".join(PRIV)
LG_P1 = "localgroup[[:space:]]+(\"[^\"]*\"|[^[:space:]\"]+)[[:space:]]+" + NAME
LG_P1 = "localgroup[[:space:]]+[^[:space:]\"]+[[:space:]]+" + NAME
LG_P2 = "localgroup[[:space:]]+\"[^\"]*\"[[:space:]]+" + NAME
NLU = "New-LocalUser[^|;]*[[:space:]]-Name[[:space:]]+[\"']?" + NAME
NADU = "New-ADUser[^|;]*[[:space:]]-(Name|SamAccountName)[[:space:]]+[\"']?([^[:space:]\"']+)"
NADU = "New-ADUser[^|;]*[[:space:]]-Name[[:space:]]+[\"']?" + NAME

CMD_SOURCES = [
 ("nxlog-4688", "NXLog JSON 4688", ["json.SourceName == Microsoft-Windows-Security-Auditing", "json.EventID == 4688"], "json.CommandLine", "json.SubjectUserName"),
 ("nxlog-sysmon1", "NXLog JSON Sysmon 1", ["json.SourceName == Microsoft-Windows-Sysmon", "json.EventID == 1"], "json.CommandLine", "json.User"),
 # The parent's command line: a child of "net user /add" (conhost.exe, net1.exe)
 # may be the only process event a forwarder kept.
 ("nxlog-sysmon1-parent", "NXLog JSON Sysmon 1, parent command line", ["json.SourceName == Microsoft-Windows-Sysmon", "json.EventID == 1"], "json.ParentCommandLine", "json.User"),
 ("nxlog-ps800", "NXLog JSON PowerShell 800", ["json.EventID == 800", "json.SourceName == PowerShell"], "json.Message", None),
 ("nxlog-ps4103", "NXLog JSON PowerShell 4103", ["json.EventID == 4103", "json.SourceName == Microsoft-Windows-PowerShell"], "json.Payload", "json.AccountName"),
 ("nxlog-ps4104", "NXLog JSON PowerShell 4104", ["json.EventID == 4104", "json.SourceName == Microsoft-Windows-PowerShell"], "json.ScriptBlockText", "json.AccountName"),
 ("winlogbeat-4688", "Winlogbeat JSON 4688", ["json.winlog.event_id == 4688"], "json.winlog.event_data.CommandLine", "json.winlog.event_data.SubjectUserName"),
 ("winlogbeat-sysmon1", "Winlogbeat JSON Sysmon 1", ["json.winlog.event_id == 1", "json.winlog.provider_name == Microsoft-Windows-Sysmon"], "json.winlog.event_data.CommandLine", "json.winlog.event_data.User"),
 ("winlogbeat-sysmon1-parent", "Winlogbeat JSON Sysmon 1, parent command line", ["json.winlog.event_id == 1", "json.winlog.provider_name == Microsoft-Windows-Sysmon"], "json.winlog.event_data.ParentCommandLine", "json.winlog.event_data.User"),
 ("winlogbeat-ps4104", "Winlogbeat JSON PowerShell 4104", ["json.winlog.event_id == 4104"], "json.winlog.event_data.ScriptBlockText", None),
 ("wazuh-4688", "Wazuh JSON 4688", ["json.win.system.eventID == 4688"], "json.win.eventdata.commandLine", "json.win.eventdata.subjectUserName"),
 ("wazuh-sysmon1", "Wazuh JSON Sysmon 1", ["json.win.system.eventID == 1", "json.win.system.providerName == Microsoft-Windows-Sysmon"], "json.win.eventdata.commandLine", "json.win.eventdata.user"),
 ("wazuh-sysmon1-parent", "Wazuh JSON Sysmon 1, parent command line", ["json.win.system.eventID == 1", "json.win.system.providerName == Microsoft-Windows-Sysmon"], "json.win.eventdata.parentCommandLine", "json.win.eventdata.user"),
]
out.append("# ---- command lines ----\n")
for pfx, title, base, field, actor in CMD_SOURCES:
    a = {} if actor is None else dict(actor=actor)
    p = "windows-" + pfx
    det(p + "-net-user-add-domain", "Domain account created with net user /add /domain (%s)" % title, "T1136.002", "medium", ["json"],
        base + [field + " regex " + q(NET), field + " regex " + q(ADD), field + " regex " + q("[[:space:]]/do(main)?([[:space:]\"']|$)")],
        target=field, pattern=NET_P1, action="added-user-account", **a)
    det(p + "-net-user-add-domain-2", "Domain account created with net user /add /domain (%s)" % title, "T1136.002", "medium", ["json"],
        base + [field + " regex " + q(NET + "+/add"), field + " regex " + q("[[:space:]]/do(main)?([[:space:]\"']|$)")],
        target=field, pattern=NET_P2, action="added-user-account", **a)
    det(p + "-net-user-add", "Local account created with net user /add (%s)" % title, "T1136.001", "medium", ["json"],
        base + [field + " regex " + q(NET + "+[^/[:space:]]"), field + " regex " + q(ADD)],
        unless=[field + " regex " + q("[[:space:]]/do(main)?([[:space:]\"']|$)")],
        target=field, pattern=NET_P1, action="added-user-account", **a)
    det(p + "-net-user-add-2", "Local account created with net user /add (%s)" % title, "T1136.001", "medium", ["json"],
        base + [field + " regex " + q(NET + "+/add[[:space:]]")],
        unless=[field + " regex " + q("[[:space:]]/do(main)?([[:space:]\"']|$)"), field + " regex " + q(NET + "+[^/[:space:]]")],
        target=field, pattern=NET_P2, action="added-user-account", **a)
    det(p + "-net-localgroup-add", "Account added to a privileged local group with net localgroup (%s)" % title, "T1098", "high", ["json"],
        base + [field + " regex " + q(LG), field + " regex " + q(ADD)],
        unless=[field + " regex " + q("localgroup[[:space:]]+\"")],
        target=field, pattern=LG_P1, action="added-member-to-group", **a)
    det(p + "-net-localgroup-add-quoted", "Account added to a privileged local group with net localgroup (%s)" % title, "T1098", "high", ["json"],
        base + [field + " regex " + q(LG), field + " regex " + q(ADD), field + " regex " + q("localgroup[[:space:]]+\"")],
        target=field, pattern=LG_P2, action="added-member-to-group", **a)
    det(p + "-new-localuser", "Local account created with New-LocalUser (%s)" % title, "T1136.001", "medium", ["json"],
        base + [field + " regex " + q("New-LocalUser[^|;]*[[:space:]]-Name[[:space:]]")],
        target=field, pattern=NLU, action="added-user-account", **a)
    det(p + "-new-aduser", "Domain account created with New-ADUser (%s)" % title, "T1136.002", "medium", ["json"],
        base + [field + " regex " + q("New-ADUser[^|;]*[[:space:]]-Name[[:space:]]")],
        target=field, pattern=NADU, action="added-user-account", **a)

out.append('''# Passwords on command lines never reach an alert (the last group of each
# match is replaced): "net user NAME PASS ...", "net user /add NAME PASS",
# "ConvertTo-SecureString 'PASS' ..." / "-String 'PASS'", "-Password PASS".
redact = {
	"net1?(\\\\.exe)?\\"?[[:space:]]+user[[:space:]]+[^/[:space:]\\"'][^[:space:]\\"']*[[:space:]]+([^/[:space:]\\"'][^[:space:]\\"']*)",
	"net1?(\\\\.exe)?\\"?[[:space:]]+user[[:space:]]+(/[^[:space:]\\"']+[[:space:]]+)+[^/[:space:]\\"'][^[:space:]\\"']*[[:space:]]+([^/[:space:]\\"'][^[:space:]\\"']*)",
	"ConvertTo-SecureString[[:space:]]+(-String[[:space:]]+)?('[^']*'|\\"[^\\"]*\\"|[^[:space:])]+)",
	"-(Account)?Password[[:space:]]+('[^']*'|\\"[^\\"]*\\"|[^[:space:](][^[:space:])]*)"
}
''')
open(OUT + "/windows.detections", "w").write("\n".join(out))

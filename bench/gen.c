/*
 * gen.c: the benchmark's message mix, deterministic from a seed.
 *
 *   gen [-s SEED] [-p PLATFORMS] -n COUNT OUT   write COUNT RFC 5424 messages,
 *                                               one a line, and print what
 *                                               was written (account creations
 *                                               injected, per platform)
 *   gen -S                                      one sample line per template:
 *                                               "CLASS<TAB>NAME<TAB>LINE"
 *   gen [-s SEED] -r COUNT                      COUNT plausible rules that no
 *                                               generated message matches
 *
 * The mix: 70 % of the messages match no rule, 29 % match one rule of
 * patterns/linux-shadow-utils.rulebase (group changes, never an account
 * creation), 1 % are account creations spread over PLATFORMS (a comma list
 * of linux, windows, cisco, aws; bench/run keeps those the rulebases in
 * patterns/ match).  Messages are about 170 bytes; the Windows and AWS JSON
 * bodies are longer, like the real ones.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

enum platform { PF_LINUX, PF_WINDOWS, PF_CISCO, PF_AWS, PF_COUNT };
static const char *const platform_names[PF_COUNT] = {
	"linux", "windows", "cisco", "aws"
};

struct rng {
	uint64_t s;
};

struct out {
	char buf[8192];
	size_t len;
};

static const char *const first_names[] = {
	"alice", "bob", "carol", "dave", "erin", "frank", "grace", "heidi",
	"ivan", "judy", "mallory", "niaj", "olivia", "peggy", "rupert", "sybil",
	"trent", "victor", "walter", "yvonne", "zoe", "oscar", "quentin", "uma",
};
static const char *const groups[] = {
	"developers", "qa", "staff", "projects", "video", "audio", "plugdev",
	"backup-ro", "support", "analytics", "billing", "research",
};
static const char *const services[] = {
	"nginx.service", "postgresql.service", "apt-daily.service",
	"logrotate.service", "man-db.service", "fstrim.service",
	"certbot.service", "systemd-tmpfiles-clean.service",
};
static const char *const paths[] = {
	"/", "/index.html", "/api/v1/orders", "/api/v1/users/me", "/static/app.js",
	"/healthz", "/login", "/favicon.ico", "/metrics", "/api/v2/search",
};
static const char *const fillers[] = {
	"Accepted", "Failed", "Connection", "Disconnected", "Received",
	"Started", "Stopped", "session", "Invalid", "error:", "warning:",
	"client", "connect", "disconnect", "status", "pam_unix(sshd:auth):",
	"pam_unix(cron:session):", "GET", "POST", "kernel:", "audit:", "DHCPACK",
	"reject:", "NOQUEUE:", "Reloading", "Deactivated", "Finished", "new",
	"user", "removed", "add", "link",
};

/* splitmix64: small, fast, and the same sequence on every machine. */
static uint64_t
rng_next(struct rng *r)
{
	uint64_t z = (r->s += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

/* A number in 0..n-1 (n > 0). */
static unsigned
rng_below(struct rng *r, unsigned n)
{
	return (unsigned)(rng_next(r) % n);
}

#define PICK(r, a) ((a)[rng_below((r), sizeof(a) / sizeof((a)[0]))])

/* Append formatted text; messages are far below the buffer size. */
static void __attribute__((format(printf, 2, 3)))
out_add(struct out *o, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(o->buf + o->len, sizeof(o->buf) - o->len, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= sizeof(o->buf) - o->len) {
		fprintf(stderr, "gen: message too long\n");
		exit(1);
	}
	o->len += (size_t)n;
}

/* The RFC 5424 header up to and including the space before SD. */
static void
out_header(struct out *o, struct rng *r, uint64_t seq, int pri,
    const char *host, const char *app, const char *msgid)
{
	/* one message every 100 us from 2026-11-27T00:00:00Z */
	time_t t = (time_t)1795737600 + (time_t)(seq / 10000);
	unsigned usec = (unsigned)(seq % 10000) * 100;
	struct tm tm;

	gmtime_r(&t, &tm);
	out_add(o, "<%d>1 %04d-%02d-%02dT%02d:%02d:%02d.%06uZ %s %s %u %s ",
	    pri, tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
	    tm.tm_min, tm.tm_sec, usec, host, app, 100 + rng_below(r, 60000),
	    msgid);
}

/* A host name of the fleet. */
static void
host_name(struct rng *r, char *buf, size_t size, const char *kind)
{
	snprintf(buf, size, "%s-%03u.dc1.example.net", kind, rng_below(r, 200));
}

/* A user name that looks like a person's login. */
static void
user_name(struct rng *r, char *buf, size_t size)
{
	const char *first = PICK(r, first_names);

	snprintf(buf, size, "%s%u", first, rng_below(r, 100));
}

/*
 * The random parts of one message, drawn in a fixed order (never inside an
 * argument list, whose evaluation order C leaves open) so that a seed gives
 * the same messages whatever the compiler.
 */
struct parts {
	char host[64], user[32], admin[32];
	unsigned a, b, c, d, port, seqid, small, id;
	unsigned long long hash;
	const char *service, *path, *group;
};

/* Draw every random part of one message. */
static void
parts_draw(struct parts *p, struct rng *r, const char *kind)
{
	host_name(r, p->host, sizeof(p->host), kind);
	user_name(r, p->user, sizeof(p->user));
	user_name(r, p->admin, sizeof(p->admin));
	p->a = rng_below(r, 223) + 1;
	p->b = rng_below(r, 256);
	p->c = rng_below(r, 256);
	p->d = rng_below(r, 254) + 1;
	p->port = 1024 + rng_below(r, 60000);
	p->seqid = rng_below(r, 1000000);
	p->small = rng_below(r, 1024);
	p->id = rng_below(r, 60000);
	p->hash = (unsigned long long)rng_next(r);
	p->service = PICK(r, services);
	p->path = PICK(r, paths);
	p->group = PICK(r, groups);
}

/* One message that no rule matches (which: the template, -1 random). */
static const char *
gen_nomatch(struct out *o, struct rng *r, uint64_t seq, int which)
{
	struct parts p;

	if (which < 0)
		which = (int)rng_below(r, 8);
	parts_draw(&p, r, "web");
	switch (which) {
	case 0:
		out_header(o, r, seq, 86, p.host, "sshd", "-");
		out_add(o, "[meta sequenceId=\"%u\"] Connection closed by authenticating user %s %u.%u.%u.%u port %u [preauth] ED25519 SHA256:%016llx",
		    p.seqid, p.user, p.a, p.b, p.c, p.d, p.port, p.hash);
		return "sshd-closed";
	case 1:
		out_header(o, r, seq, 38, p.host, "sshd", "-");
		out_add(o, "[meta sequenceId=\"%u\"] Failed password for invalid user %s from %u.%u.%u.%u port %u ssh2",
		    p.seqid, p.user, p.a, p.b, p.c, p.d, p.port);
		return "sshd-failed";
	case 2:
		out_header(o, r, seq, 86, p.host, "CRON", "-");
		out_add(o, "[meta sequenceId=\"%u\"] pam_unix(cron:session): session opened for user %s(uid=%u) by (uid=0)",
		    p.seqid, p.user, 1000 + p.id);
		return "cron-session";
	case 3:
		out_header(o, r, seq, 30, p.host, "systemd", "-");
		out_add(o, "[meta sequenceId=\"%u\"] Started %s - daily job for %s.",
		    p.seqid, p.service, p.host);
		return "systemd-started";
	case 4:
		out_header(o, r, seq, 4, p.host, "kernel", "-");
		out_add(o, "[meta sequenceId=\"%u\"] [UFW BLOCK] IN=eth0 OUT= SRC=%u.%u.%u.%u DST=10.0.%u.%u PROTO=TCP SPT=%u DPT=%u",
		    p.seqid, p.a, p.b, p.c, p.d, p.c, p.d, p.port, p.small);
		return "kernel-ufw";
	case 5:
		out_header(o, r, seq, 190, p.host, "nginx", "access");
		out_add(o, "[meta sequenceId=\"%u\"] %u.%u.%u.%u - - \"GET %s HTTP/1.1\" %u %u \"-\" \"curl/7.88\"",
		    p.seqid, p.a, p.b, p.c, p.d, p.path, p.small % 3 ? 200 : 404,
		    p.id);
		return "nginx-access";
	case 6:
		out_header(o, r, seq, 22, p.host, "postfix/smtpd", "-");
		out_add(o, "[meta sequenceId=\"%u\"] disconnect from mail%u.example.org[%u.%u.%u.%u] ehlo=1 mail=1 rcpt=1 data=1 quit=1",
		    p.seqid, p.small % 100, p.a, p.b, p.c, p.d);
		return "postfix-disconnect";
	default:
		out_header(o, r, seq, 86, p.host, "sudo", "-");
		out_add(o, "[meta sequenceId=\"%u\"] pam_unix(sudo:session): session closed for user root after %u seconds",
		    p.seqid, p.id);
		return "sudo-closed";
	}
}

/* One message that matches one rule but is no account creation. */
static const char *
gen_match(struct out *o, struct rng *r, uint64_t seq, int which)
{
	struct parts p;

	if (which < 0)
		which = (int)rng_below(r, 3);
	parts_draw(&p, r, "app");
	switch (which) {
	case 0:
		out_header(o, r, seq, 86, p.host, "groupadd", "-");
		out_add(o, "[meta sequenceId=\"%u\"] new group: name=%s-%u, GID=%u",
		    p.seqid, p.group, p.small, 2000 + p.id);
		return "groupadd";
	case 1:
		out_header(o, r, seq, 86, p.host, "usermod", "-");
		out_add(o, "[meta sequenceId=\"%u\"] add '%s' to group '%s'",
		    p.seqid, p.user, p.group);
		return "usermod-add";
	default:
		out_header(o, r, seq, 86, p.host, "gpasswd", "-");
		out_add(o, "[meta sequenceId=\"%u\"] user %s added by %s to group %s",
		    p.seqid, p.user, p.admin, p.group);
		return "gpasswd-add";
	}
}

/* One account creation as PLATFORM sends it. */
static void
gen_account(struct out *o, struct rng *r, uint64_t seq, enum platform pf)
{
	struct parts p;
	char host[64];
	unsigned uid;

	parts_draw(&p, r, "app");
	uid = 1000 + p.id;
	switch (pf) {
	case PF_LINUX:
		out_header(o, r, seq, 86, p.host, "useradd", "-");
		out_add(o, "- new user: name=svc_%s, UID=%u, GID=%u, home=/home/svc_%s, shell=/bin/bash, from=/dev/pts/%u",
		    p.user, uid, uid, p.user, p.small % 9);
		break;
	case PF_WINDOWS:
		/* NXLog im_msvistalog, to_json(), in an RFC 5424 envelope */
		snprintf(host, sizeof(host), "DC%02u.corp.example.net",
		    p.small % 4 + 1);
		out_header(o, r, seq, 14, host, "Microsoft-Windows-Security-Auditing", "4720");
		out_add(o, "- {\"EventTime\":\"2026-11-27 10:00:00\",\"Hostname\":\"%s\",\"Keywords\":-9214364837600034816,"
		    "\"EventType\":\"AUDIT_SUCCESS\",\"SeverityValue\":2,\"Severity\":\"INFO\",\"EventID\":4720,"
		    "\"SourceName\":\"Microsoft-Windows-Security-Auditing\",\"Task\":13824,\"RecordNumber\":%u,"
		    "\"Channel\":\"Security\",\"Category\":\"User Account Management\",\"Opcode\":\"Info\","
		    "\"TargetUserName\":\"%s\",\"TargetDomainName\":\"CORP\",\"TargetSid\":\"S-1-5-21-3623811015-3361044348-30300820-%u\","
		    "\"SubjectUserSid\":\"S-1-5-21-3623811015-3361044348-30300820-1104\",\"SubjectUserName\":\"%s\","
		    "\"SubjectDomainName\":\"CORP\",\"SubjectLogonId\":\"0x551686\",\"SamAccountName\":\"%s\","
		    "\"Message\":\"A user account was created.\",\"SourceModuleName\":\"eventlog\","
		    "\"SourceModuleType\":\"im_msvistalog\"}",
		    host, p.seqid, p.user, uid, p.admin, p.user);
		break;
	case PF_CISCO:
		snprintf(host, sizeof(host), "rtr-%02u.example.net",
		    p.small % 40);
		out_header(o, r, seq, 189, host, "-", "-");
		out_add(o, "- %u: %%PARSER-5-CFGLOG_LOGGEDCMD: User:%s  logged command:username %s privilege 15 secret *",
		    p.seqid, p.admin, p.user);
		break;
	default:
		out_header(o, r, seq, 14, "cloudtrail-relay.example.net", "aws-cloudtrail", "CreateUser");
		out_add(o, "- {\"eventVersion\":\"1.08\",\"userIdentity\":{\"type\":\"IAMUser\",\"principalId\":\"AIDAEXAMPLE%u\","
		    "\"arn\":\"arn:aws:iam::123456789012:user/%s\",\"accountId\":\"123456789012\",\"userName\":\"%s\"},"
		    "\"eventTime\":\"2026-11-27T10:00:00Z\",\"eventSource\":\"iam.amazonaws.com\",\"eventName\":\"CreateUser\","
		    "\"awsRegion\":\"us-east-1\",\"sourceIPAddress\":\"198.51.100.%u\",\"userAgent\":\"aws-cli/2.15.0\","
		    "\"requestParameters\":{\"userName\":\"%s\",\"path\":\"/\"},\"responseElements\":{\"user\":{"
		    "\"path\":\"/\",\"userName\":\"%s\",\"userId\":\"AIDAEXAMPLE%u\",\"arn\":\"arn:aws:iam::123456789012:user/%s\","
		    "\"createDate\":\"Nov 27, 2026 10:00:00 AM\"}},\"requestID\":\"%016llx\","
		    "\"eventType\":\"AwsApiCall\",\"recipientAccountId\":\"123456789012\"}",
		    p.seqid, p.admin, p.admin, p.d, p.user, p.user, p.id, p.user,
		    p.hash);
		break;
	}
}

/* Print one sample of every template for bench/run to check with --test-rules. */
static void
gen_samples(void)
{
	struct rng r = { 1 };
	struct out o;
	const char *name;
	int i;

	for (i = 0; i < 8; i++) {
		o.len = 0;
		name = gen_nomatch(&o, &r, 0, i);
		printf("nomatch\t%s\t%.*s\n", name, (int)o.len, o.buf);
	}
	for (i = 0; i < 3; i++) {
		o.len = 0;
		name = gen_match(&o, &r, 0, i);
		printf("match\t%s\t%.*s\n", name, (int)o.len, o.buf);
	}
	for (i = 0; i < PF_COUNT; i++) {
		o.len = 0;
		gen_account(&o, &r, 0, (enum platform)i);
		printf("account\t%s\t%.*s\n", platform_names[i], (int)o.len, o.buf);
	}
}

/* Rules that share first words with the messages but never match them. */
static void
gen_rules(struct rng *r, unsigned long count)
{
	const char *w1, *w2;
	unsigned long i;
	unsigned kind;

	for (i = 0; i < count; i++) {
		kind = rng_below(r, 4);
		w1 = PICK(r, fillers);
		w2 = PICK(r, fillers);
		switch (kind) {
		case 0:
			printf("rule=bench.filler.%lu:%s %s %%bench.user:word%% from %%bench.ip:ipv4%% port %%bench.port:number%% ref=Q%lu\n",
			    i, w1, w2, i);
			break;
		case 1:
			printf("rule=bench.filler.%lu:%s %s for %%bench.user:char-to:,%%, code=%%bench.code:number%% ref=Q%lu\n",
			    i, w1, w2, i);
			break;
		case 2:
			printf("rule=bench.filler.%lu:%s %%bench.object:word%% %s %%bench.value:number%% tx=Q%lu%%-:rest%%\n",
			    i, w1, w2, i);
			break;
		default:
			printf("rule=bench.filler.%lu:new %s: name=%%bench.name:char-to:,%%, id=%%bench.id:number%%, ref=Q%lu\n",
			    i, w1, i);
			break;
		}
	}
}

/* Enable the platforms of a comma list; -1 on an unknown name. */
static int
platforms_parse(const char *list, int enabled[PF_COUNT])
{
	char buf[256], *tok, *save = NULL;
	int i, found;

	snprintf(buf, sizeof(buf), "%s", list);
	memset(enabled, 0, sizeof(int) * PF_COUNT);
	for (tok = strtok_r(buf, ",", &save); tok != NULL;
	    tok = strtok_r(NULL, ",", &save)) {
		found = 0;
		for (i = 0; i < PF_COUNT; i++)
			if (strcmp(tok, platform_names[i]) == 0)
				enabled[i] = found = 1;
		if (!found) {
			fprintf(stderr, "gen: unknown platform %s\n", tok);
			return -1;
		}
	}
	return 0;
}

/* Write count messages to path and print the tally. */
static int
gen_messages(const char *path, uint64_t seed, unsigned long count,
    const int enabled[PF_COUNT])
{
	struct rng r = { seed };
	struct out o;
	unsigned long injected[PF_COUNT] = { 0 }, n_match = 0, n_nomatch = 0, i;
	unsigned long long bytes = 0;
	enum platform on[PF_COUNT];
	unsigned n_on = 0, k, roll;
	FILE *f;

	for (k = 0; k < PF_COUNT; k++)
		if (enabled[k])
			on[n_on++] = (enum platform)k;
	if (n_on == 0) {
		fprintf(stderr, "gen: no platform enabled\n");
		return -1;
	}
	if ((f = fopen(path, "w")) == NULL) {
		fprintf(stderr, "gen: %s: %s\n", path, strerror(errno));
		return -1;
	}
	setvbuf(f, NULL, _IOFBF, 1 << 20);
	for (i = 0; i < count; i++) {
		o.len = 0;
		roll = rng_below(&r, 10000);
		if (roll < 100) {
			/* 1 %: account creations, the platforms in turn */
			k = (unsigned)(injected[0] + injected[1] + injected[2] +
			    injected[3]) % n_on;
			gen_account(&o, &r, i, on[k]);
			injected[on[k]]++;
		} else if (roll < 3000) {
			gen_match(&o, &r, i, -1);
			n_match++;
		} else {
			gen_nomatch(&o, &r, i, -1);
			n_nomatch++;
		}
		o.buf[o.len++] = '\n';
		bytes += o.len;
		if (fwrite(o.buf, 1, o.len, f) != o.len)
			break;
	}
	if (fclose(f) != 0 || i != count) {
		fprintf(stderr, "gen: %s: write failed\n", path);
		return -1;
	}
	printf("messages=%lu bytes=%llu avg_bytes=%.1f nomatch=%lu match=%lu "
	    "injected=%lu", count, bytes - count,
	    count ? (double)(bytes - count) / (double)count : 0.0,
	    n_nomatch, n_match,
	    injected[0] + injected[1] + injected[2] + injected[3]);
	for (k = 0; k < PF_COUNT; k++)
		if (enabled[k])
			printf(" %s=%lu", platform_names[k], injected[k]);
	printf("\n");
	return 0;
}

static void
usage(void)
{
	fprintf(stderr, "usage: gen [-s seed] [-p platforms] -n count out\n"
	    "       gen -S\n       gen [-s seed] -r count\n");
	exit(2);
}

int
main(int argc, char **argv)
{
	int enabled[PF_COUNT] = { 1, 0, 0, 0 };
	unsigned long count = 0, rules = 0;
	uint64_t seed = 42;
	int ch, samples = 0, have_rules = 0;

	while ((ch = getopt(argc, argv, "n:p:r:s:S")) != -1) {
		switch (ch) {
		case 'n':
			count = strtoul(optarg, NULL, 10);
			break;
		case 'p':
			if (platforms_parse(optarg, enabled) == -1)
				return 2;
			break;
		case 'r':
			rules = strtoul(optarg, NULL, 10);
			have_rules = 1;
			break;
		case 's':
			seed = strtoull(optarg, NULL, 10);
			break;
		case 'S':
			samples = 1;
			break;
		default:
			usage();
		}
	}
	argc -= optind;
	argv += optind;
	if (samples) {
		gen_samples();
		return 0;
	}
	if (have_rules) {
		struct rng r = { seed };

		gen_rules(&r, rules);
		return 0;
	}
	if (argc != 1 || count == 0)
		usage();
	return gen_messages(argv[0], seed, count, enabled) == 0 ? 0 : 1;
}

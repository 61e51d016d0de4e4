/*
 * corpus.c: load the peers' syslog cases and judge our parse against them.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <check.h>

#include "corpus.h"

/* syslog-ng's lib/tests run in CET; this "now" fits every year they expect. */
#define SYSLOGNG_TZ  "CET-1CEST,M3.5.0,M10.5.0/3"
#define SYSLOGNG_NOW 1560592800 /* 2019-06-15T10:00:00Z */
#define DEFAULT_NOW  1700000000 /* 2023-11-14T22:13:20Z */

static int
hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

size_t
corpus_unescape(const char *s, char *out)
{
	size_t n = 0;

	while (*s != '\0') {
		if (s[0] == '\\' && s[1] != '\0') {
			switch (s[1]) {
			case '\\': out[n++] = '\\'; s += 2; continue;
			case 't': out[n++] = '\t'; s += 2; continue;
			case 'n': out[n++] = '\n'; s += 2; continue;
			case 'r': out[n++] = '\r'; s += 2; continue;
			case 'x':
				if (hexval(s[2]) >= 0 && hexval(s[3]) >= 0) {
					out[n++] = (char)(hexval(s[2]) * 16 + hexval(s[3]));
					s += 4;
					continue;
				}
				break;
			default:
				break;
			}
		}
		out[n++] = *s++;
	}
	out[n] = '\0';
	return n;
}

int
corpus_load(const char *name, struct corpus *c)
{
	const char *top = getenv("top_srcdir");
	char path[1024], *text = NULL, *line, *next, *field, *tab;
	struct corpus_row *r;
	FILE *fp;
	long size;
	int lineno = 0, k;

	memset(c, 0, sizeof(*c));
	snprintf(path, sizeof(path), "%s/tests/data/%s", top ? top : ".", name);
	if ((fp = fopen(path, "rb")) == NULL)
		return -1;
	if (fseek(fp, 0, SEEK_END) != 0 || (size = ftell(fp)) < 0 ||
	    fseek(fp, 0, SEEK_SET) != 0 || (text = malloc((size_t)size + 1)) == NULL ||
	    fread(text, 1, (size_t)size, fp) != (size_t)size) {
		fclose(fp);
		free(text);
		return -1;
	}
	fclose(fp);
	text[size] = '\0';
	for (line = text; line != NULL && *line != '\0'; line = next) {
		next = strchr(line, '\n');
		if (next != NULL)
			*next++ = '\0';
		if (++lineno == 1)
			continue; /* header */
		r = realloc(c->rows, (c->n + 1) * sizeof(*r));
		if (r == NULL)
			goto fail;
		c->rows = r;
		r = &c->rows[c->n++];
		memset(r, 0, sizeof(*r));
		r->line = lineno;
		field = line;
		for (k = 0; k < COL_COUNT; k++) {
			tab = field != NULL ? strchr(field, '\t') : NULL;
			if (tab != NULL)
				*tab = '\0';
			r->col[k] = malloc(strlen(field ? field : "") + 1);
			if (r->col[k] == NULL)
				goto fail;
			/* the SD column is plain JSON, not TSV-escaped */
			if (k == COL_SD) {
				strcpy(r->col[k], field ? field : "");
				r->col_len[k] = strlen(r->col[k]);
			} else
				r->col_len[k] = corpus_unescape(field ? field : "",
				    r->col[k]);
			field = tab != NULL ? tab + 1 : NULL;
		}
	}
	free(text);
	return 0;
fail:
	free(text);
	corpus_free(c);
	return -1;
}

void
corpus_free(struct corpus *c)
{
	size_t i;
	int k;

	for (i = 0; i < c->n; i++)
		for (k = 0; k < COL_COUNT; k++)
			free(c->rows[i].col[k]);
	free(c->rows);
	memset(c, 0, sizeof(*c));
}

static bool
from(const struct corpus_row *r, const char *prefix)
{
	return strncmp(r->col[COL_SOURCE], prefix, strlen(prefix)) == 0;
}

time_t
corpus_row_setup(const struct corpus_row *r)
{
	if (from(r, "syslog-ng/")) {
		setenv("TZ", SYSLOGNG_TZ, 1);
		tzset();
		return SYSLOGNG_NOW;
	}
	setenv("TZ", "UTC", 1);
	tzset();
	return DEFAULT_NOW;
}

void
corpus_parse(const struct corpus_row *r, char **frame, struct syslog_msg *msg)
{
	time_t now = corpus_row_setup(r);
	size_t len = r->col_len[COL_INPUT];

	/* exact size, no NUL: ASan sees any read past the frame */
	*frame = malloc(len ? len : 1);
	if (*frame == NULL)
		abort();
	memcpy(*frame, r->col[COL_INPUT], len);
	parse_message(*frame, len, now, msg);
}

/* slice == expected bytes */
static bool
slice_is(struct slice s, const char *e, size_t elen)
{
	return s.p != NULL && s.len == elen && memcmp(s.p, e, elen) == 0;
}

/* "asserted empty: HOST,PID" in the note column. */
static bool
asserted_empty(const struct corpus_row *r, const char *what)
{
	const char *p = strstr(r->col[COL_NOTE], "asserted empty: ");
	size_t n = strlen(what);

	if (p == NULL)
		return false;
	for (p += 16; *p != '\0' && *p != ' ' && *p != '|'; ) {
		if (strncmp(p, what, n) == 0 && (p[n] == ',' || p[n] == ' ' ||
		    p[n] == '\0' || p[n] == '|'))
			return true;
		while (*p != '\0' && *p != ',' && *p != ' ')
			p++;
		if (*p == ',')
			p++;
	}
	return false;
}

#define WHY(...) do { snprintf(why, whylen, __VA_ARGS__); return false; } while (0)

/* Our local broken-down time of the message (its own offset). */
static void
msg_tm(const struct syslog_msg *m, struct tm *tm)
{
	time_t t = (time_t)(m->time.epoch + m->time.tz_offset * 60);

	gmtime_r(&t, tm);
}

static const char months[] = "JanFebMarAprMayJunJulAugSepOctNovDec";

/* Compare the timestamp column, in whichever form the peer wrote it. */
static bool
check_time(const struct corpus_row *r, const struct syslog_msg *m, char *why,
    size_t whylen)
{
	const char *e = r->col[COL_TIMESTAMP], *p;
	long long epoch;
	long usec, gmtoff, msec;
	int y, mo, d, h, mi, s, oh, om, n;
	char mon[4], sign, rest[64];
	double frac;
	struct tm tm, want;

	if (*e == '\0')
		return true;
	if (strncmp(e, "(none", 5) == 0) {
		if (m->time.present)
			WHY("timestamp present, peer used receipt time");
		return true;
	}
	if (!m->time.present)
		WHY("no timestamp, expected %s", e);
	if ((p = strstr(e, "(epoch=")) != NULL) {
		if (sscanf(p, "(epoch=%lld usec=%ld gmtoff=%ld)", &epoch, &usec,
		    &gmtoff) != 3)
			WHY("bad timestamp cell");
		if (m->time.epoch != epoch || m->time.usec != (uint32_t)usec ||
		    m->time.tz_offset * 60 != gmtoff)
			WHY("time %lld.%06u%+d, expected %lld.%06ld%+ld",
			    (long long)m->time.epoch, m->time.usec,
			    m->time.tz_offset * 60, epoch, usec, gmtoff);
		return true;
	}
	if (sscanf(e, "usec=%ld gmtoff=%ld", &usec, &gmtoff) == 2) {
		if (m->time.usec != (uint32_t)usec || m->time.tz_offset * 60 != gmtoff)
			WHY("usec %u gmtoff %d, expected %ld %ld", m->time.usec,
			    m->time.tz_offset * 60, usec, gmtoff);
		return true;
	}
	msg_tm(m, &tm);
	/* RFC 3339 text (go-syslog) */
	n = 0;
	if (sscanf(e, "%4d-%2d-%2dT%2d:%2d:%2d%n", &y, &mo, &d, &h, &mi, &s,
	    &n) == 6) {
		p = e + n;
		frac = 0;
		if (*p == '.') {
			frac = strtod(p, (char **)&p);
		}
		memset(&want, 0, sizeof(want));
		want.tm_year = y - 1900;
		want.tm_mon = mo - 1;
		want.tm_mday = d;
		want.tm_hour = h;
		want.tm_min = mi;
		want.tm_sec = s;
		if (tm.tm_year != want.tm_year || tm.tm_mon != want.tm_mon ||
		    tm.tm_mday != want.tm_mday || tm.tm_hour != h ||
		    tm.tm_min != mi || tm.tm_sec != s)
			WHY("wall time differs from %s", e);
		if (*p == 'Z') {
			if (!m->time.tz_known || m->time.tz_offset != 0)
				WHY("offset differs from %s", e);
		} else if (sscanf(p, "%c%2d:%2d", &sign, &oh, &om) == 3) {
			if (m->time.tz_offset != (sign == '-' ? -1 : 1) * (oh * 60 + om))
				WHY("offset %d differs from %s", m->time.tz_offset, e);
		}
		if (m->time.usec != (uint32_t)(frac * 1e6 + 0.5))
			WHY("usec %u differs from %s", m->time.usec, e);
		return true;
	}
	/* "Mmm dd hh:mm:ss" (rsyslog, go-syslog time.Stamp, syslog-loose, cisco) */
	if (strncmp(e, "time.Stamp ", 11) == 0)
		e += 11;
	rest[0] = '\0';
	if (sscanf(e, "%3s %d %d:%d:%d%63[^\n]", mon, &d, &h, &mi, &s, rest) >= 5) {
		if (strncmp(months + 3 * tm.tm_mon, mon, 3) != 0 ||
		    tm.tm_mday != d || tm.tm_hour != h || tm.tm_min != mi ||
		    tm.tm_sec != s)
			WHY("wall time %.3s %d %02d:%02d:%02d differs from %s",
			    months + 3 * tm.tm_mon, tm.tm_mday, tm.tm_hour,
			    tm.tm_min, tm.tm_sec, e);
		if (sscanf(rest, " msec=%ld", &msec) == 1 &&
		    m->time.usec != (uint32_t)msec * 1000)
			WHY("usec %u, expected msec %ld", m->time.usec, msec);
		return true;
	}
	WHY("unknown timestamp cell %s", e);
}

/* A tiny JSON reader for {"id":{"name":"value"}} with \uXXXX escapes. */
struct sdpair {
	char id[300], name[300], value[2048];
	size_t value_len;
};

static void
json_ws(const char **p)
{
	while (**p == ' ' || **p == '\n' || **p == '\t')
		(*p)++;
}

static int
json_string(const char **p, char *out, size_t cap, size_t *outlen)
{
	size_t n = 0;
	unsigned cp;

	json_ws(p);
	if (**p != '"')
		return -1;
	for ((*p)++; **p != '"'; ) {
		if (**p == '\0' || n + 4 >= cap)
			return -1;
		if (**p != '\\') {
			out[n++] = *(*p)++;
			continue;
		}
		(*p)++;
		switch (*(*p)++) {
		case 'n': out[n++] = '\n'; break;
		case 't': out[n++] = '\t'; break;
		case 'r': out[n++] = '\r'; break;
		case 'u':
			if (sscanf(*p, "%4x", &cp) != 1)
				return -1;
			*p += 4;
			if (cp < 0x80)
				out[n++] = (char)cp;
			else if (cp < 0x800) {
				out[n++] = (char)(0xC0 | (cp >> 6));
				out[n++] = (char)(0x80 | (cp & 0x3F));
			} else {
				out[n++] = (char)(0xE0 | (cp >> 12));
				out[n++] = (char)(0x80 | ((cp >> 6) & 0x3F));
				out[n++] = (char)(0x80 | (cp & 0x3F));
			}
			break;
		default: out[n++] = (*p)[-1]; break;
		}
	}
	(*p)++;
	out[n] = '\0';
	if (outlen != NULL)
		*outlen = n;
	return 0;
}

/* Parse the SD column into pairs (an id without params is one pair with name ""). */
static int
json_sd(const char *p, struct sdpair *pairs, int max)
{
	int n = 0;
	char id[300];

	json_ws(&p);
	if (*p == '[')
		return 0; /* "[]": the peer dropped the SD */
	if (*p++ != '{')
		return -1;
	json_ws(&p);
	while (*p == '"') {
		if (json_string(&p, id, sizeof(id), NULL) != 0)
			return -1;
		json_ws(&p);
		if (*p++ != ':')
			return -1;
		json_ws(&p);
		if (*p++ != '{')
			return -1;
		json_ws(&p);
		if (*p == '}' && n < max) {
			snprintf(pairs[n].id, sizeof(pairs[n].id), "%s", id);
			pairs[n].name[0] = '\0';
			pairs[n].value_len = (size_t)-1;
			n++;
		}
		while (*p == '"' && n < max) {
			snprintf(pairs[n].id, sizeof(pairs[n].id), "%s", id);
			if (json_string(&p, pairs[n].name, sizeof(pairs[n].name), NULL) != 0)
				return -1;
			json_ws(&p);
			if (*p++ != ':')
				return -1;
			if (json_string(&p, pairs[n].value, sizeof(pairs[n].value),
			    &pairs[n].value_len) != 0)
				return -1;
			n++;
			json_ws(&p);
			if (*p == ',') {
				p++;
				json_ws(&p);
			}
		}
		if (*p++ != '}')
			return -1;
		json_ws(&p);
		if (*p == ',') {
			p++;
			json_ws(&p);
		}
	}
	return n;
}

/* Every pair the peer asserts is yielded by sd_next/sd_unescape (exactly all of them for go-syslog). */
static bool
check_sd(const struct corpus_row *r, const struct syslog_msg *m, char *why,
    size_t whylen)
{
	struct sdpair want[64];
	struct sd_item item;
	char value[2048];
	size_t pos, n, ours = 0;
	int nwant, k, kind;
	bool found;

	if (r->col[COL_SD][0] == '\0')
		return true;
	if ((nwant = json_sd(r->col[COL_SD], want, 64)) < 0)
		WHY("bad SD cell");
	if (nwant == 0 && m->sd.p != NULL)
		WHY("SD present, peer dropped it");
	for (k = 0; k < nwant; k++) {
		found = false;
		pos = 0;
		while ((kind = sd_next(m->sd, &pos, &item)) != 0 && !found) {
			if (item.id.len != strlen(want[k].id) ||
			    memcmp(item.id.p, want[k].id, item.id.len) != 0)
				continue;
			if (want[k].value_len == (size_t)-1 && kind == 1)
				found = true;
			if (kind == 2 && item.name.len == strlen(want[k].name) &&
			    memcmp(item.name.p, want[k].name, item.name.len) == 0) {
				n = sd_unescape(item.value, value, sizeof(value));
				if (n != want[k].value_len ||
				    memcmp(value, want[k].value, n) != 0)
					WHY("SD %s.%s = \"%.*s\"", want[k].id,
					    want[k].name, (int)n, value);
				found = true;
			}
		}
		if (!found)
			WHY("SD %s.%s missing", want[k].id, want[k].name);
	}
	if (from(r, "influxdata/")) {
		pos = 0;
		while ((kind = sd_next(m->sd, &pos, &item)) != 0)
			ours++;
		/* elements + params: each param once, each empty element once */
		for (k = 0, n = 0; k < nwant; k++)
			if (k == 0 || strcmp(want[k].id, want[k - 1].id) != 0)
				n += want[k].value_len == (size_t)-1 ? 1 : 2;
			else
				n++;
		if (ours != n)
			WHY("SD has %zu items, peer %zu", ours, n);
	}
	return true;
}

/* One string field: empty cell not asserted, except where the peer says "no value". */
static bool
check_field(const struct corpus_row *r, enum corpus_col col, struct slice s,
    bool empty_means_absent, const char *name, char *why, size_t whylen)
{
	const char *e = r->col[col];
	size_t elen = r->col_len[col];

	if (elen == 0) {
		if (empty_means_absent && s.len != 0)
			WHY("%s \"%.*s\", peer has none", name, (int)s.len, s.p);
		return true;
	}
	if (!slice_is(s, e, elen))
		WHY("%s \"%.*s\", expected \"%s\"", name, s.p ? (int)s.len : 6,
		    s.p ? s.p : "absent", e);
	return true;
}

bool
corpus_agrees(const struct corpus_row *r, const struct syslog_msg *m,
    char *why, size_t whylen)
{
	bool valid = strcmp(r->col[COL_VERDICT], "valid") == 0;
	bool gosyslog_valid = valid && from(r, "influxdata/");
	const char *eh = r->col[COL_HOSTNAME], *ea = r->col[COL_APP_NAME];
	const char *em = r->col[COL_MSG];
	size_t emlen = r->col_len[COL_MSG];
	char buf[4096];
	struct slice app = m->appname;

	if (valid && m->format == MSG_FORMAT_UNPARSED)
		WHY("UNPARSED (%s at %zu), peer: valid", m->error, m->error_col);
	if (!valid && m->format != MSG_FORMAT_UNPARSED &&
	    (m->flags & CORPUS_DEFECT_FLAGS & (m->format == MSG_FORMAT_RFC5424 ?
	    ~MSG_FLAG_NO_TIMESTAMP : ~0u)) == 0)
		WHY("parsed clean (flags 0x%x), peer: invalid", m->flags);
	if (r->col[COL_PRI][0] != '\0' && atoi(r->col[COL_PRI]) != m->pri)
		WHY("pri %d, expected %s", m->pri, r->col[COL_PRI]);
	if (r->col[COL_VERSION][0] != '\0' && atoi(r->col[COL_VERSION]) != m->version)
		WHY("version %d, expected %s", m->version, r->col[COL_VERSION]);
	if (!check_time(r, m, why, whylen))
		return false;
	/* the peer's own hostname stands in for a missing one */
	if (strcmp(eh, "$RS_HOSTNAME") == 0 || strncmp(eh, "<receiver", 9) == 0 ||
	    asserted_empty(r, "HOST")) {
		if (m->hostname.p != NULL || !(m->flags & MSG_FLAG_NO_HOSTNAME))
			WHY("hostname \"%.*s\", peer: none", (int)m->hostname.len,
			    m->hostname.p);
	} else if (!check_field(r, COL_HOSTNAME, m->hostname, gosyslog_valid,
	    "hostname", why, whylen))
		return false;
	/* Cisco: the peer's app "%FAC-SEV-MNEM" is our msgid, MSG keeps it */
	if (ea[0] == '%' && m->appname.p == NULL && m->msgid.p != NULL &&
	    slice_is(m->msgid, ea + 1, strlen(ea + 1))) {
		app.p = NULL;
		if (from(r, "rsyslog/") && em[0] == ' ')
			em++; /* rsyslog keeps the SP after the TAG */
		snprintf(buf, sizeof(buf), "%s: %s", ea, em);
		em = buf;
		emlen = strlen(buf);
	} else if (!check_field(r, COL_APP_NAME, m->appname, gosyslog_valid,
	    "appname", why, whylen))
		return false;
	if (asserted_empty(r, "PROGRAM") && app.p != NULL)
		WHY("appname \"%.*s\", peer: none", (int)app.len, app.p);
	if (!check_field(r, COL_PROCID, m->procid, gosyslog_valid, "procid", why,
	    whylen))
		return false;
	if (asserted_empty(r, "PID") && m->procid.p != NULL)
		WHY("procid present, peer: none");
	if (!check_field(r, COL_MSGID, m->msgid, gosyslog_valid && ea[0] != '%',
	    "msgid", why, whylen))
		return false;
	if (asserted_empty(r, "MSGID") && m->msgid.p != NULL)
		WHY("msgid present, peer: none");
	if (!check_sd(r, m, why, whylen))
		return false;
	if (emlen > 0 || gosyslog_valid || asserted_empty(r, "MESSAGE")) {
		/* BOM: removed by us (parse.h), kept by go-syslog */
		if (emlen >= 3 && memcmp(em, "\xEF\xBB\xBF", 3) == 0 &&
		    (m->flags & MSG_FLAG_BOM)) {
			em += 3;
			emlen -= 3;
		}
		/* rsyslog's %msg% keeps the SP after the TAG; we drop it */
		if (from(r, "rsyslog/") && emlen > 0 && em[0] == ' ' &&
		    m->format == MSG_FORMAT_RFC3164 &&
		    slice_is(m->msg, em + 1, emlen - 1))
			return true;
		if (emlen == 0 ? m->msg.len != 0 : !slice_is(m->msg, em, emlen))
			WHY("msg \"%.*s\", expected \"%.*s\"",
			    m->msg.p ? (int)m->msg.len : 6,
			    m->msg.p ? m->msg.p : "absent", (int)emlen, em);
	}
	return true;
}

/* A divergence field: NULL absent, else the (TSV-escaped) value. */
static bool
div_field(const char *want, struct slice s, const char *name, char *why,
    size_t whylen)
{
	char buf[8192];
	size_t n;

	if (want == NULL) {
		if (s.p != NULL)
			WHY("%s \"%.*s\", expected absent", name, (int)s.len, s.p);
		return true;
	}
	if (strlen(want) >= sizeof(buf))
		WHY("%s: expectation too long", name);
	n = corpus_unescape(want, buf);
	if (!slice_is(s, buf, n))
		WHY("%s \"%.*s\", expected \"%s\"", name, s.p ? (int)s.len : 6,
		    s.p ? s.p : "absent", want);
	return true;
}

bool
corpus_divergence_matches(const struct corpus_divergence *d,
    const struct syslog_msg *m, char *why, size_t whylen)
{
	if (m->format != d->format)
		WHY("format %d, expected %d", m->format, d->format);
	if (m->flags != d->flags)
		WHY("flags 0x%x, expected 0x%x", m->flags, d->flags);
	if (m->pri != d->pri)
		WHY("pri %d, expected %d", m->pri, d->pri);
	if (d->format == MSG_FORMAT_UNPARSED && m->error == NULL)
		WHY("UNPARSED without error");
	return div_field(d->hostname, m->hostname, "hostname", why, whylen) &&
	    div_field(d->appname, m->appname, "appname", why, whylen) &&
	    div_field(d->procid, m->procid, "procid", why, whylen) &&
	    div_field(d->msgid, m->msgid, "msgid", why, whylen) &&
	    div_field(d->msg, m->msg, "msg", why, whylen);
}

/* Print a slice as a C string literal in the corpus escaping, or NULL. */
static void
dump_slice(struct slice s)
{
	size_t i;
	unsigned char c;

	if (s.p == NULL) {
		printf("NULL");
		return;
	}
	putchar('"');
	for (i = 0; i < s.len; i++) {
		c = (unsigned char)s.p[i];
		if (c == '\\')
			printf("\\\\\\\\");
		else if (c == '"')
			printf("\\\"");
		else if (c == '\t')
			printf("\\\\t");
		else if (c == '\n')
			printf("\\\\n");
		else if (c == '\r')
			printf("\\\\r");
		else if (c < 0x20 || c > 0x7E)
			printf("\\\\x%02X", c);
		else
			putchar(c);
	}
	putchar('"');
}

void
corpus_dump_divergence(const struct corpus_row *r, const struct syslog_msg *m)
{
	printf("\t{ %d, %d, 0x%04x, %d, ", r->line, m->format, m->flags, m->pri);
	dump_slice(m->hostname);
	printf(", ");
	dump_slice(m->appname);
	printf(", ");
	dump_slice(m->procid);
	printf(", ");
	dump_slice(m->msgid);
	printf(", ");
	dump_slice(m->msg);
	printf(", WHY_TODO },\n");
}

/* Find the divergence entry of a row, or NULL. */
const struct corpus_divergence *
corpus_find_divergence(const struct corpus_divergence *d, size_t nd, int line)
{
	size_t i;

	for (i = 0; i < nd; i++)
		if (d[i].line == line)
			return &d[i];
	return NULL;
}

int
corpus_report(const char *name, const struct corpus *c,
    const struct corpus_divergence *d, size_t nd)
{
	const struct corpus_divergence *dv;
	struct syslog_msg msg;
	char why[512], *frame;
	size_t i, agree = 0, valid = 0, valid_agree = 0;
	bool dump = getenv("CORPUS_DUMP") != NULL;

	printf("\n%s: rows that differ from the peer's verdict (our policy, doc/parser-policy.md):\n", name);
	for (i = 0; i < c->n; i++) {
		corpus_parse(&c->rows[i], &frame, &msg);
		if (strcmp(c->rows[i].col[COL_VERDICT], "valid") == 0)
			valid++;
		if (corpus_agrees(&c->rows[i], &msg, why, sizeof(why))) {
			agree++;
			if (strcmp(c->rows[i].col[COL_VERDICT], "valid") == 0)
				valid_agree++;
		} else if (dump)
			corpus_dump_divergence(&c->rows[i], &msg);
		else {
			dv = corpus_find_divergence(d, nd, c->rows[i].line);
			printf("  line %3d %-7s %s -- %s\n", c->rows[i].line,
			    c->rows[i].col[COL_VERDICT], why,
			    dv != NULL ? dv->why : "NOT LISTED");
		}
		free(frame);
	}
	printf("%s: %zu/%zu rows agree with the peer verdict and fields "
	    "(valid %zu/%zu, invalid %zu/%zu)\n\n", name, agree, c->n,
	    valid_agree, valid, agree - valid_agree, c->n - valid);
	return (int)agree;
}

void
corpus_check_row(const struct corpus *c, int i, const struct corpus_divergence *divs,
    size_t ndivs)
{
	const struct corpus_row *r;
	const struct corpus_divergence *d;
	struct syslog_msg msg;
	char why[512], *frame;

	ck_assert_uint_lt((size_t)i, c->n);
	r = &c->rows[i];
	corpus_parse(r, &frame, &msg);
	ck_assert_int_ge(msg.pri, 0);
	ck_assert_int_le(msg.pri, 191);
	if (msg.format == MSG_FORMAT_UNPARSED) {
		ck_assert_ptr_nonnull(msg.error);
		ck_assert_ptr_eq(msg.msg.p, frame);
		ck_assert_uint_eq(msg.msg.len, r->col_len[COL_INPUT]);
		ck_assert_uint_le(msg.error_col, r->col_len[COL_INPUT]);
	} else
		ck_assert_ptr_null(msg.error);
	d = corpus_find_divergence(divs, ndivs, r->line);
	if (corpus_agrees(r, &msg, why, sizeof(why))) {
		ck_assert_msg(d == NULL, "line %d agrees with the peer but is "
		    "listed as a divergence", r->line);
	} else {
		ck_assert_msg(d != NULL, "line %d: %s (not a listed divergence)",
		    r->line, why);
		ck_assert_msg(corpus_divergence_matches(d, &msg, why, sizeof(why)),
		    "line %d (divergence \"%s\"): %s", r->line, d->why, why);
	}
	free(frame);
}

void
corpus_parse_str(const char *s, time_t now, struct syslog_msg *msg, char **frame)
{
	size_t len = strlen(s);

	*frame = malloc(len ? len : 1);
	ck_assert_ptr_nonnull(*frame);
	memcpy(*frame, s, len);
	parse_message(*frame, len, now, msg);
}

void
corpus_assert_slice(struct slice s, const char *want, const char *what)
{
	if (want == NULL) {
		ck_assert_msg(s.p == NULL, "%s: \"%.*s\", expected absent", what,
		    (int)s.len, s.p);
		return;
	}
	ck_assert_msg(s.p != NULL && s.len == strlen(want) &&
	    memcmp(s.p, want, s.len) == 0, "%s: \"%.*s\", expected \"%s\"", what,
	    s.p ? (int)s.len : 6, s.p ? s.p : "absent", want);
}

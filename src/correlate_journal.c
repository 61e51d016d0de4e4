/*
 * correlate_journal.c: the correlator's journal (correlate_state.h): every
 * fact appended before it is applied, rewritten as a snapshot of the live
 * entries when it has grown to twice the state, replayed at start.  A
 * damaged record is skipped and counted, never a reason not to start.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "correlate_state.h"
#include "json_writer.h"
#include "log.h"

/* A journal record longer than this is damaged. */
#define RECORD_MAX (16 * 1024)
#define JOURNAL_NAME "correlate.journal"
/*
 * Times a journal record may hold (9999-12-31T23:59:59Z): anything else is
 * damage, and the arithmetic of the windows never overflows on it.
 */
#define TIME_MAX_S 253402300799LL
#define TIME_MAX_US (TIME_MAX_S * 1000000LL)


/*
 * A record is one line of 12 TAB-separated fields, each with "\\", TAB,
 * LF and CR escaped as \\ \t \n \r:
 *   F|E kind flags received expires event_us scope account account_id group actor rule_id raw
 * F: a fact, replayed through the correlations; E: an entry of a
 * snapshot, restored as it is.
 */
#define RECORD_FIELDS 13

static int
put_escaped(struct strbuf *sb, const char *s, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++) {
		const char *esc = s[i] == '\\' ? "\\\\" : s[i] == '\t' ? "\\t" : s[i] == '\n' ? "\\n"
		    : s[i] == '\r' ? "\\r" : NULL;

		if ((esc != NULL ? strbuf_append(sb, esc, 2) : strbuf_append_char(sb, s[i])) == -1)
			return -1;
	}
	return 0;
}

static int
put_head(struct strbuf *sb, char type, int kind, int flags, int64_t received, int64_t expires,
    int64_t event_us)
{
	char head[128];

	snprintf(head, sizeof(head), "%c\t%d\t%d\t%lld\t%lld\t%lld", type, kind, flags,
	    (long long)received, (long long)expires, (long long)event_us);
	return strbuf_append_str(sb, head);
}

static int
put_field(struct strbuf *sb, struct slice s)
{
	if (strbuf_append_char(sb, '\t') == -1)
		return -1;
	return s.p != NULL ? put_escaped(sb, s.p, s.len) : 0;
}

static int
record_fact(struct strbuf *sb, const struct correlate_fact *f)
{
	struct slice rule = cslice(f->rule_id), scope = f->scope;
	struct slice raw = {f->raw.p, f->raw.len > RAW_MAX ? RAW_MAX : f->raw.len};
	struct slice fields[7] = {scope, f->account, f->account_id, f->group, f->actor, rule, raw};
	size_t i;

	if (put_head(sb, 'F', (int)f->kind, 0, f->received, 0, f->event_us) == -1)
		return -1;
	for (i = 0; i < 7; i++) {
		struct slice s = fields[i];

		if (s.p != NULL && s.len > (i == 6 ? RAW_MAX : FIELD_MAX))
			s.len = i == 6 ? RAW_MAX : FIELD_MAX;
		if (put_field(sb, s) == -1)
			return -1;
	}
	return strbuf_append_char(sb, '\n');
}

static int
record_entry(struct strbuf *sb, const struct scope *sc, const struct entry *e)
{
	struct slice fields[7] = {cslice(sc->name), cslice(e->account), cslice(e->account_id),
	    cslice(e->group), cslice(e->actor), cslice(e->rule_id), {e->raw, e->raw_len}};
	size_t i;

	if (put_head(sb, 'E', (int)e->kind + 1, e->done ? 1 : 0, e->received, e->expires,
	    e->event_us) == -1)
		return -1;
	for (i = 0; i < 7; i++)
		if (put_field(sb, fields[i]) == -1)
			return -1;
	return strbuf_append_char(sb, '\n');
}

static int
write_all(int fd, const char *p, size_t len)
{
	while (len > 0) {
		ssize_t n = write(fd, p, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

/* Snapshot records go to the file in pieces of about this size. */
#define SNAPSHOT_CHUNK (64 * 1024)

/*
 * Write every live entry to fd, SNAPSHOT_CHUNK at a time: a full state
 * (max_entries records of up to ~5 KB) is never held in memory twice.
 * Returns the number of records, or -1.
 */
static ssize_t
snapshot_write(struct correlate *c, int fd)
{
	struct strbuf sb;
	size_t n = 0;
	struct scope *sc;
	const struct entry *e;
	ssize_t rc = -1;

	strbuf_init(&sb);
	LIST_FOREACH(sc, &c->scopes, all)
		LIST_FOREACH(e, &sc->entries, link) {
			if (record_entry(&sb, sc, e) == -1)
				goto out;
			n++;
			if (sb.len >= SNAPSHOT_CHUNK) {
				if (write_all(fd, sb.data, sb.len) == -1)
					goto out;
				strbuf_reset(&sb);
			}
		}
	if (sb.len > 0 && write_all(fd, sb.data, sb.len) == -1)
		goto out;
	rc = (ssize_t)n;
out:
	strbuf_free(&sb);
	return rc;
}

/*
 * Rewrite the journal as a snapshot of the live entries: a temporary file,
 * fsync'd, renamed over the journal.  On failure the old journal stays.
 */
static int
journal_compact(struct correlate *c)
{
	ssize_t n = -1;
	int fd, rc = -1;

	if (c->journal_path == NULL)
		return 0;
	fd = open(c->journal_tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd == -1)
		goto out;
	if ((n = snapshot_write(c, fd)) == -1 || fsync(fd) == -1 ||
	    rename(c->journal_tmp, c->journal_path) == -1) {
		close(fd);
		unlink(c->journal_tmp);
		goto out;
	}
	close(fd);
	if (c->journal_fd != -1)
		close(c->journal_fd);
	c->journal_fd = open(c->journal_path, O_WRONLY | O_APPEND | O_CLOEXEC);
	c->journal_records = (size_t)n;
	rc = c->journal_fd == -1 ? -1 : 0;
out:
	if (rc == -1) {
		log_warn("correlate: cannot rewrite %s", c->journal_path);
		c->st.journal_errors++;
	}
	return rc;
}

void
correlate_journal_append(struct correlate *c, const struct correlate_fact *f)
{
	struct strbuf sb;

	if (c->journal_fd == -1 || c->replaying)
		return;
	strbuf_init(&sb);
	if (record_fact(&sb, f) == -1 || write_all(c->journal_fd, sb.data, sb.len) == -1) {
		if (c->st.journal_errors++ == 0)
			log_warn("correlate: cannot append to %s", c->journal_path);
	} else
		c->journal_records++;
	strbuf_free(&sb);
	if (c->journal_records > 1024 && c->journal_records > 2 * c->n_entries)
		journal_compact(c);
}

/* Undo put_escaped in place; returns the new length. */
static size_t
unescape(char *s)
{
	char *r = s, *w = s;

	while (*r != '\0') {
		if (*r == '\\' && r[1] != '\0') {
			r++;
			*w++ = *r == 't' ? '\t' : *r == 'n' ? '\n' : *r == 'r' ? '\r' : *r;
			r++;
		} else
			*w++ = *r++;
	}
	*w = '\0';
	return (size_t)(w - s);
}

/* Replay one record line (without its '\n'); -1 when it is damaged. */
static int
replay_record(struct correlate *c, char *line)
{
	char *f[RECORD_FIELDS], *p = line, *end;
	size_t len[RECORD_FIELDS];
	struct correlate_fact fact;
	struct correlate_result res;
	long long v[5];
	int i;

	for (i = 0; i < RECORD_FIELDS; i++) {
		f[i] = p;
		p = strchr(p, '\t');
		if ((p == NULL) != (i == RECORD_FIELDS - 1))
			return -1;
		if (p != NULL)
			*p++ = '\0';
	}
	for (i = 0; i < 5; i++) {
		errno = 0;
		v[i] = strtoll(f[i + 1], &end, 10);
		if (errno != 0 || *end != '\0' || end == f[i + 1])
			return -1;
	}
	if ((f[0][0] != 'F' && f[0][0] != 'E') || f[0][1] != '\0' || v[0] < 1 ||
	    v[0] > DETECT_FACT_SESSION || v[2] < 0 || v[2] > TIME_MAX_S || v[3] < 0 ||
	    v[3] > 2 * TIME_MAX_S || v[4] < -TIME_MAX_US || v[4] > TIME_MAX_US)
		return -1;
	for (i = 6; i < RECORD_FIELDS; i++)
		len[i] = unescape(f[i]);
	memset(&fact, 0, sizeof(fact));
	memset(&res, 0, sizeof(res));
	fact.scope = (struct slice){f[6], len[6]};
	fact.account = (struct slice){f[7], len[7]};
	fact.account_id = (struct slice){f[8], len[8]};
	fact.group = (struct slice){f[9], len[9]};
	fact.actor = (struct slice){f[10], len[10]};
	fact.rule_id = f[11];
	fact.raw = (struct slice){f[12], len[12]};
	fact.received = v[2];
	fact.event_us = v[4];
	if (f[0][0] == 'F') {
		fact.kind = (enum detect_fact)v[0];
		correlate_apply(c, &fact, &res);
		correlate_result_clear(&res);
	} else {
		/* E: kind is an entry kind + 1 */
		char key[FIELD_MAX + 1];
		struct scope *sc;
		struct entry *e;

		if (v[0] > ENTRY_SESSION + 1)
			return -1;
		correlate_scope_key(fact.scope, key, sizeof(key));
		if ((sc = correlate_scope_find(c, key, true)) == NULL)
			return -1;
		if ((e = correlate_entry_new((enum entry_kind)(v[0] - 1), &fact, fact.actor)) == NULL) {
			correlate_scope_release(c, sc);
			return -1;
		}
		e->done = v[1] != 0;
		e->expires = v[3];
		correlate_entry_keep(c, sc, e, fact.received);
		correlate_scope_release(c, sc); /* when the state was full */
	}
	return 0;
}

/* Read the journal back; damaged records are counted and skipped. */
static int
journal_replay(struct correlate *c, char *err, size_t errlen)
{
	FILE *fp = fopen(c->journal_path, "r");
	char *line = NULL;
	size_t cap = 0;
	ssize_t n;

	if (fp == NULL) {
		if (errno == ENOENT)
			return 0;
		correlate_set_err(err, errlen, "%s: %s", c->journal_path, strerror(errno));
		return -1;
	}
	c->replaying = true;
	while ((n = getline(&line, &cap, fp)) > 0) {
		if (line[n - 1] != '\n' || n > RECORD_MAX || (line[n - 1] = '\0',
		    replay_record(c, line) == -1))
			c->st.bad_records++; /* a torn last record, or damage */
	}
	c->replaying = false;
	free(line);
	fclose(fp);
	if (c->st.bad_records > 0)
		log_warnx("correlate: %s: %llu damaged records skipped", c->journal_path,
		    (unsigned long long)c->st.bad_records);
	return 0;
}

/* Replay the journal of state_dir, then start it afresh as a snapshot. */
int
correlate_journal_open(struct correlate *c, int64_t now, char *err, size_t errlen)
{
	const char *dir = c->set.state_dir;
	size_t n = strlen(dir) + sizeof(JOURNAL_NAME) + 8;

	if (mkdir(dir, 0700) == -1 && errno != EEXIST) {
		correlate_set_err(err, errlen, "correlate state_dir %s: %s", dir, strerror(errno));
		return -1;
	}
	if ((c->journal_path = malloc(n)) == NULL || (c->journal_tmp = malloc(n)) == NULL) {
		correlate_set_err(err, errlen, "out of memory");
		return -1;
	}
	snprintf(c->journal_path, n, "%s/%s", dir, JOURNAL_NAME);
	snprintf(c->journal_tmp, n, "%s/%s.tmp", dir, JOURNAL_NAME);
	if (journal_replay(c, err, errlen) == -1)
		return -1;
	correlate_sweep_all(c, now, NULL);
	if (journal_compact(c) == -1) {
		correlate_set_err(err, errlen, "correlate state_dir %s: cannot write %s: %s", dir,
		    c->journal_tmp, strerror(errno));
		return -1;
	}
	return 0;
}


void
correlate_journal_close(struct correlate *c)
{
	if (c->journal_fd != -1)
		close(c->journal_fd);
	c->journal_fd = -1;
	free(c->journal_path);
	free(c->journal_tmp);
	c->journal_path = c->journal_tmp = NULL;
}

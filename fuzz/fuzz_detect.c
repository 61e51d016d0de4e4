/*
 * fuzz_detect.c: libFuzzer target for detect_load and detect_match.
 *
 * The input is written as the one "*.detections" file of a per-process
 * directory under /tmp and loaded.  A rejected file must come back with
 * an error message; an accepted set is walked (every detection, its
 * condition texts, the techniques, the redactions) and matched against
 * fixed events whose rule tags and fields are those the shipped
 * detections use.  A match must name a detection of the set, listed
 * under one of the event's tags, and be the one matching without the
 * (field, value) index and the key list gives (detect_match_unindexed).
 * libConfuse's lexer is process-wide:
 * run single-threaded.  As in fuzz_conf.c, leaks of memory libConfuse
 * allocated itself (its 3.3 function-call error path) are not reported.
 */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "detect.h"
#include "detect_set.h"
#include "json_writer.h"
#include "parse.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char *const fuzz_lines[] = {
	"<86>1 2026-11-27T10:00:00Z host useradd 42 ID47 [origin ip=\"10.0.0.1\"] new user: name=eve, UID=0, GID=0, home=/home/eve",
	"<189>Nov 27 10:00:00 router 12: %SYS-5-CONFIG_I: username admin privilege 15 secret 5 x",
	"<86>Nov 27 10:00:00 host sudo: root : TTY=pts/0 ; COMMAND=/usr/sbin/useradd -o -u 0 eve",
};

static const char *const fuzz_norms[] = {
	"{\"event.tags\": [\"iam.user.create\", \"json\", \"sudo.command\", \"t\", "
	"\"iam.group.member.add\", \"cisco.ios.username\"], "
	"\"user.target.name\": \"eve\", \"user.target.id\": 0, "
	"\"user.target.group.id\": 0, \"user.target.domain\": \"corp\", "
	"\"user.name\": \"root\", \"user.id\": \"0\", \"group.name\": \"sudo\", "
	"\"system.auth.useradd.home\": \"/home/eve\", \"cisco.privilege_level\": 15, "
	"\"process.name\": \"useradd\", \"event.code\": \"4720\", "
	"\"winlog.event_id\": 4720, \"auditd.log.record_type\": \"ADD_USER\", "
	"\"json\": {\"category\": \"AuditLogs\", \"result\": \"failure\", "
	"\"kind\": \"admin#reports#activity\", \"action\": \"org.add_member\", "
	"\"winlog\": {\"event_id\": 4720, \"provider_name\": \"Microsoft-Windows-Security-Auditing\"}, "
	"\"properties\": {\"result\": \"timeout\"}, \"outcome\": {\"result\": \"DENY\"}}}",
	"{\"event.tags\": [\"json\"], \"json.category\": \"AuditLogs\", "
	"\"json.properties.result\": \"failure\", \"user.target.name\": 7}",
	NULL,
};

#define FUZZ_EVENTS (sizeof(fuzz_lines) / sizeof(fuzz_lines[0]))

static char fuzz_dir[64];

const char *__asan_default_options(void);
const char *__lsan_default_suppressions(void);

/* Allocation stacks of two frames: the allocator and its caller. */
const char *
__asan_default_options(void)
{
	return "malloc_context_size=2";
}

/* libConfuse's own leaks (fuzz_conf.c). */
const char *
__lsan_default_suppressions(void)
{
	return "leak:libconfuse.so\n";
}

/* Remove the directory at exit (the file is unlinked after each load). */
static void
fuzz_cleanup(void)
{
	if (fuzz_dir[0] != '\0')
		rmdir(fuzz_dir);
}

/* Match one fixed event against s and check the result. */
static void
fuzz_match(const struct detect_set *s, size_t k)
{
	struct detect_event ev;
	struct detect_result res, ref;
	struct detect_value v;
	struct syslog_msg msg;
	struct json_object *norm = NULL;
	size_t i, n = detect_count(s);
	int found;

	parse_message(fuzz_lines[k], strlen(fuzz_lines[k]), (time_t)1700000000, &msg);
	if (fuzz_norms[k] != NULL &&
	    (norm = json_tokener_parse(fuzz_norms[k])) == NULL)
		abort();
	ev.msg = &msg;
	ev.norm = norm;
	ev.source_ip = "192.0.2.7";
	memset(&res, 0, sizeof(res));
	found = detect_match(s, &ev, &res);
	if (detect_match_unindexed(s, &ev, &ref) != found ||
	    (found && (ref.detection != res.detection || ref.tag.p != res.tag.p)))
		abort(); /* the index hid a detection, or offered one that cannot hold */
	if (found == 1) {
		for (found = 0, i = 0; i < n; i++)
			found |= detect_at(s, i) == res.detection;
		if (!found || res.tag.p == NULL || res.tag.len == 0)
			abort();
		for (found = 0, i = 0; i < res.detection->n_tags; i++)
			found |= strlen(res.detection->tags[i]) == res.tag.len &&
			    memcmp(res.detection->tags[i], res.tag.p, res.tag.len) == 0;
		if (!found)
			abort();
		detect_count_alert(s, res.detection);
	}
	for (i = 0; i < n; i++) {
		const struct detection *d = detect_at(s, i);

		if (d->target != NULL)
			(void)detect_field(&ev, d->target, &v);
		if (d->actor != NULL)
			(void)detect_field(&ev, d->actor, &v);
	}
	if (norm != NULL)
		json_object_put(norm);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char path[96], err[512];
	struct detect_set *s;
	const struct detection *d;
	uint64_t alerts;
	size_t i, j, n;
	FILE *fp;

	if (size > 1 << 16)
		return 0;
	if (fuzz_dir[0] == '\0') {
		snprintf(fuzz_dir, sizeof(fuzz_dir), "/tmp/fuzz_detect.%ld.XXXXXX",
		    (long)getpid());
		if (mkdtemp(fuzz_dir) == NULL)
			abort();
		atexit(fuzz_cleanup);
	}
	snprintf(path, sizeof(path), "%s/fuzz.detections", fuzz_dir);
	if ((fp = fopen(path, "w")) == NULL)
		abort();
	if (size > 0 && fwrite(data, 1, size, fp) != size)
		abort();
	if (fclose(fp) != 0)
		abort();
	err[0] = '\0';
	s = detect_load(fuzz_dir, err, sizeof(err));
	unlink(path);
	if (s == NULL) {
		if (err[0] == '\0' || memchr(err, '\0', sizeof(err)) == NULL)
			abort();
		return 0;
	}
	if (detect_file_count(s) != 1)
		abort();
	for (i = 0; i < detect_count(s); i++) {
		d = detect_at(s, i);
		/* a silent detection (severity none) gives a fact, no alert: it needs no technique */
		if (d == NULL || d->id == NULL || (d->technique == NULL && !d->silent) ||
		    d->n_tags == 0)
			abort();
		for (j = 0; j < d->n_when; j++)
			if (detection_condition_text(d, false, j) == NULL)
				abort();
		for (j = 0; j < d->n_unless; j++)
			if (detection_condition_text(d, true, j) == NULL)
				abort();
		(void)detect_severity_name(d->severity);
		(void)detect_severity_score(d->severity);
	}
	for (i = 0; i < detect_technique_count(s); i++)
		if (detect_technique_at(s, i, &alerts) == NULL)
			abort();
	(void)detect_redactions(s, &n);
	for (i = 0; i < FUZZ_EVENTS; i++)
		fuzz_match(s, i);
	detect_free(s);
	return 0;
}

/*
 * normalize.c: liblognorm v2 over a directory of rulebases.
 *
 * What liblognorm 2.0.6 does that this file works around (each one checked
 * by tests/unit/check_normalize.c):
 * - ln_loadSamples returns 0 after most rulebase errors (it drops the bad
 *   rule, sometimes keeping a prefix of it): an error reported through the
 *   error callback while loading is therefore a failure.
 * - A file whose first line is not exactly "version=2" goes to the v1
 *   engine without a word: checked here first.
 * - "prefix=" stays in effect in the context after the file that set it:
 *   reset after each file.
 * - The parse tree is optimized at the end of every load, after which a
 *   later load's rule sharing a leading literal with an earlier one never
 *   matches: a directory is loaded as one rulebase including every file.
 * - ln_normalize reads the message up to a NUL when no rule matches (it
 *   strlen()s it for "originalmsg"): normalizer_run copies the bytes into
 *   a NUL-terminated buffer.
 * - The error callback gets the debug callback's cookie: both are set.
 * - A message no rule matches still yields an object ("originalmsg",
 *   "unparsed-data") with LN_WRONGPARSER: released here.
 */
#include "config.h"

#include <sys/stat.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <liblognorm.h>

#include "log.h"
#include "normalize.h"
#include "normalize_prefilter.h"

#define RULEBASE_SUFFIX ".rulebase"
#define RULEBASE_VERSION_LINE "version=2"

struct normalizer {
	ln_ctx ctx;
	size_t rulebases;       /* files loaded */
	struct prefilter *pf;   /* owned: which messages no rule can match */
	bool use_prefilter;     /* false only in tests (normalizer_set_prefilter) */
	char *buf;              /* NUL-terminated copy of the message; owned */
	size_t bufsize;
	/* Load-time error capture, filled by normalize_errcb. */
	const char *loading;    /* file being loaded, NULL when not loading */
	unsigned load_errors;
	char load_error[1024];  /* the first one, "file:line: what" */
};

/* Copy a message into err, which may be NULL or empty. */
static void
normalize_set_error(char *err, size_t errlen, const char *msg)
{
	if (err != NULL && errlen > 0)
		snprintf(err, errlen, "%s", msg);
}

/* Parse "NAME[LINE]: " at name, NAME ending at open ('['); NULL if not. */
static const char *
normalize_parse_line(const char *open, const char *end, unsigned long *line)
{
	const char *p;

	*line = 0;
	if (open >= end || *open != '[')
		return NULL;
	for (p = open + 1; p < end && p - open <= 9 && *p >= '0' && *p <= '9'; p++)
		*line = *line * 10 + (unsigned long)(*p - '0');
	if (p == open + 1 || end - p < 3 || memcmp(p, "]: ", 3) != 0)
		return NULL;
	return p + 3;
}

/*
 * Turn liblognorm's "rulebase file NAME[LINE]: WHAT" into "NAME:LINE: WHAT".
 * NAME is the file being loaded, or one it includes.  LINE 0 (an include
 * that cannot be opened, for one) names no line: then "FILE: WHAT" with
 * the file being loaded.  Anything else: "FILE: MSG".
 */
static void
normalize_format_error(char *dst, size_t dstlen, const char *file, const char *msg, size_t len)
{
	static const char prefix[] = "rulebase file ";
	const size_t plen = sizeof(prefix) - 1, flen = strlen(file);
	const char *end, *name, *open = NULL, *what = NULL;
	unsigned long line;

	while (len > 0 && (msg[len - 1] == '\n' || msg[len - 1] == '\r'))
		len--;
	if (len > INT_MAX)
		len = INT_MAX;
	end = msg + len;
	if (len <= plen || memcmp(msg, prefix, plen) != 0)
		goto plain;
	name = msg + plen;
	/* The file being loaded, whatever its name holds ("]: " even)... */
	if ((size_t)(end - name) > flen && memcmp(name, file, flen) == 0)
		what = normalize_parse_line(open = name + flen, end, &line);
	/* ...or an included one: the first "[digits]: ". */
	if (what == NULL)
		for (open = name; open < end; open++)
			if (*open == '[' && (what = normalize_parse_line(open, end, &line)) != NULL)
				break;
	if (what == NULL)
		goto plain;
	if (line == 0)
		snprintf(dst, dstlen, "%s: %.*s", file, (int)(end - what), what);
	else
		snprintf(dst, dstlen, "%.*s:%lu: %.*s", (int)(open - name), name, line,
		    (int)(end - what), what);
	return;
plain:
	snprintf(dst, dstlen, "%s: %.*s", file, (int)len, msg);
}

/* liblognorm's error callback: keep the first load error, log the rest. */
static void
normalize_errcb(void *cookie, const char *msg, size_t len)
{
	struct normalizer *n = cookie;
	int shown;

	/* len may be the untruncated length of a truncated, NUL-ended message. */
	len = strnlen(msg, len);
	shown = len > INT_MAX ? INT_MAX : (int)len;
	if (n == NULL)
		return;
	if (n->loading == NULL) {
		log_debug("liblognorm: %.*s", shown, msg);
		return;
	}
	if (n->load_errors++ == 0)
		normalize_format_error(n->load_error, sizeof(n->load_error), n->loading, msg, len);
	else
		log_debug("liblognorm: %.*s", shown, msg);
}

/* A v2 rulebase starts with exactly "version=2" and a line end (not CRLF). */
static int
normalize_check_version(const char *path, char *err, size_t errlen)
{
	char head[sizeof(RULEBASE_VERSION_LINE)];
	const size_t want = sizeof(head); /* "version=2" and '\n' */
	size_t got = 0;
	ssize_t r;
	int fd;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK)) == -1) {
		if (err != NULL && errlen > 0)
			snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	while (got < want) {
		r = read(fd, head + got, want - got);
		if (r == -1 && errno == EINTR)
			continue;
		if (r == -1) {
			if (err != NULL && errlen > 0)
				snprintf(err, errlen, "%s: %s", path, strerror(errno));
			close(fd);
			return -1;
		}
		if (r == 0)
			break;
		got += (size_t)r;
	}
	close(fd);
	if (got >= want - 1 && memcmp(head, RULEBASE_VERSION_LINE, want - 1) == 0 &&
	    (got == want - 1 || head[want - 1] == '\n'))
		return 0;
	if (err != NULL && errlen > 0)
		snprintf(err, errlen, "%s:1: not a liblognorm v2 rulebase: the first line must be "
		    "exactly \"" RULEBASE_VERSION_LINE "\"", path);
	return -1;
}

/*
 * The tags of a "rule=TAGS:..." line (up to its first ':') have no empty
 * one: liblognorm 2.0.6 dereferences NULL on "rule=,a:..." or "a,,b" while
 * loading, which would take the daemon down at start or at a SIGHUP.
 * 0 when every rule line of path is fine, -1 with "path:line: ..." in err.
 */
static int
normalize_check_tags(const char *path, char *err, size_t errlen)
{
	FILE *fp = fopen(path, "re");
	char *line = NULL, *colon, *t;
	size_t cap = 0, tlen, i;
	unsigned long lineno = 0;
	ssize_t len;
	int rc = 0;

	if (fp == NULL) {
		if (err != NULL && errlen > 0)
			snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	while (rc == 0 && (len = getline(&line, &cap, fp)) != -1) {
		lineno++;
		if (strncmp(line, "rule=", 5) != 0 || (colon = memchr(line, ':', (size_t)len)) == NULL)
			continue;
		t = line + 5;
		tlen = (size_t)(colon - t);
		if (memchr(t, ',', tlen) == NULL)
			continue; /* one tag or none: liblognorm copes */
		for (i = 0; i <= tlen && rc == 0; i++) {
			bool at_start = i == 0 || t[i - 1] == ',';

			if (at_start && (i == tlen || t[i] == ',')) {
				if (err != NULL && errlen > 0)
					snprintf(err, errlen, "%s:%lu: an empty tag in \"%.*s\" "
					    "(expected tags separated by single commas)",
					    path, lineno, (int)(tlen > 200 ? 200 : tlen), t);
				rc = -1;
			}
		}
	}
	free(line);
	fclose(fp);
	return rc;
}

/* The checks made before liblognorm sees a file. */
static int
normalize_check_file(const char *path, char *err, size_t errlen)
{
	if (normalize_check_version(path, err, errlen) == -1)
		return -1;
	return normalize_check_tags(path, err, errlen);
}

/* Load one rulebase file into the context; any reported error fails it. */
static int
normalize_load_file(struct normalizer *n, const char *path, char *err, size_t errlen)
{
	int rc;

	if (normalize_check_file(path, err, errlen) == -1)
		return -1;
	if (prefilter_add_file(n->pf, path) == -1) {
		normalize_set_error(err, errlen, "out of memory");
		return -1;
	}
	n->loading = path;
	n->load_errors = 0;
	rc = ln_loadSamples(n->ctx, path);
	/* Keep this file's prefix= out of the next file's rules. */
	if (rc == 0 && n->load_errors == 0)
		rc = ln_loadSamplesFromString(n->ctx, "prefix=\n");
	n->loading = NULL;
	if (n->load_errors > 0) {
		normalize_set_error(err, errlen, n->load_error);
		return -1;
	}
	if (rc != 0) {
		if (err != NULL && errlen > 0)
			snprintf(err, errlen, "%s: liblognorm cannot load it (error %d)", path, rc);
		return -1;
	}
	n->rulebases++;
	return 0;
}

/* scandir filter: "*.rulebase", not hidden (editors' and rsync's temporaries). */
static int
normalize_filter_rulebase(const struct dirent *d)
{
	size_t len = strlen(d->d_name), slen = sizeof(RULEBASE_SUFFIX) - 1;

	return d->d_name[0] != '.' && len > slen &&
	    strcmp(d->d_name + len - slen, RULEBASE_SUFFIX) == 0;
}

/*
 * Load every regular "*.rulebase" of dir in name order, as ONE rulebase
 * that includes them all.  liblognorm 2.0.6 optimizes its parse tree at
 * the end of each load: loaded file by file, a rule of a later file that
 * starts with the same literal as an earlier file's rule never matches
 * (MikroTik "user X added by" behind gpasswd's "user X added by ... to
 * group").  Included files are still named in error messages.
 */
static int
normalize_load_dir(struct normalizer *n, const char *dir, char *err, size_t errlen)
{
	struct dirent **names = NULL;
	char path[PATH_MAX];
	struct strbuf_lite { char *p; size_t len, cap; } top = { NULL, 0, 0 };
	const char *sep;
	struct stat st;
	int count, i, rc = 0;
	size_t files = 0;

	if ((count = scandir(dir, &names, normalize_filter_rulebase, alphasort)) == -1) {
		if (err != NULL && errlen > 0)
			snprintf(err, errlen, "%s: %s", dir, strerror(errno));
		return -1;
	}
	sep = dir[0] != '\0' && dir[strlen(dir) - 1] == '/' ? "" : "/";
	top.cap = 64 + (size_t)count * (PATH_MAX + 32);
	if ((top.p = malloc(top.cap)) == NULL) {
		normalize_set_error(err, errlen, "out of memory");
		rc = -1;
	} else
		top.len = (size_t)snprintf(top.p, top.cap, "%s", "");
	for (i = 0; i < count && rc == 0; i++) {
		if ((size_t)snprintf(path, sizeof(path), "%s%s%s", dir, sep, names[i]->d_name) >=
		    sizeof(path)) {
			if (err != NULL && errlen > 0)
				snprintf(err, errlen, "%s: path too long", dir);
			rc = -1;
		} else if (stat(path, &st) == -1) {
			if (err != NULL && errlen > 0)
				snprintf(err, errlen, "%s: %s", path, strerror(errno));
			rc = -1;
		} else if (!S_ISREG(st.st_mode)) {
			log_debug("%s: not a regular file, skipped", path);
		} else if (strpbrk(path, " \t\n\r") != NULL) {
			/* liblognorm's include= stops at the first blank */
			if (err != NULL && errlen > 0)
				snprintf(err, errlen, "%s: a rulebase in a directory may not have "
				    "a blank in its path; rename it", path);
			rc = -1;
		} else if ((rc = normalize_check_file(path, err, errlen)) == 0) {
			if (prefilter_add_file(n->pf, path) == -1) {
				normalize_set_error(err, errlen, "out of memory");
				rc = -1;
				break;
			}
			/* prefix= after each file keeps one file's prefix out of the next */
			top.len += (size_t)snprintf(top.p + top.len, top.cap - top.len,
			    "include=%s\nprefix=\n", path);
			files++;
		}
	}
	for (i = 0; i < count; i++)
		free(names[i]);
	free(names);
	if (rc == 0 && files > 0) {
		n->loading = dir;
		n->load_errors = 0;
		rc = ln_loadSamplesFromString(n->ctx, top.p);
		n->loading = NULL;
		if (n->load_errors > 0) {
			normalize_set_error(err, errlen, n->load_error);
			rc = -1;
		} else if (rc != 0) {
			if (err != NULL && errlen > 0)
				snprintf(err, errlen, "%s: liblognorm cannot load it (error %d)", dir, rc);
			rc = -1;
		} else
			n->rulebases += files;
	}
	free(top.p);
	return rc;
}

/* Say once per load what the prefilter does (one line per worker's normalizer). */
static void
normalize_log_prefilter(const struct normalizer *n, const char *rules_path)
{
	const char *why = prefilter_passes_all(n->pf);

	if (why != NULL)
		log_debug("%s: prefilter off, every message goes to liblognorm: %s", rules_path,
		    why);
	else
		log_debug("%s: prefilter: %zu leading literals (%zu later literals with them), "
			  "%zu literals anywhere",
		    rules_path, prefilter_anchored_count(n->pf), prefilter_next_count(n->pf),
		    prefilter_contained_count(n->pf));
}

/* Load a rules directory or file into a new context (contract in normalize.h). */
struct normalizer *
normalizer_new(const char *rules_path, char *err, size_t errlen)
{
	struct normalizer *n;
	struct stat st;

	if (err != NULL && errlen > 0)
		err[0] = '\0';
	if (rules_path == NULL || rules_path[0] == '\0') {
		normalize_set_error(err, errlen, "rules path is empty");
		return NULL;
	}
	if (stat(rules_path, &st) == -1) {
		if (err != NULL && errlen > 0)
			snprintf(err, errlen, "%s: %s", rules_path, strerror(errno));
		return NULL;
	}
	if (!S_ISDIR(st.st_mode) && !S_ISREG(st.st_mode)) {
		if (err != NULL && errlen > 0)
			snprintf(err, errlen, "%s: not a directory or a regular file", rules_path);
		return NULL;
	}
	if ((n = calloc(1, sizeof(*n))) == NULL)
		goto nomem;
	if ((n->ctx = ln_initCtx()) == NULL || (n->pf = prefilter_new()) == NULL)
		goto nomem;
	n->use_prefilter = true;
	/*
	 * liblognorm 2.0.6 hands the error callback the *debug* cookie: set
	 * both.  A NULL debug callback keeps debug output off.
	 */
	ln_setDebugCB(n->ctx, NULL, n);
	ln_setErrMsgCB(n->ctx, normalize_errcb, n);
	if (S_ISDIR(st.st_mode)) {
		if (normalize_load_dir(n, rules_path, err, errlen) == -1)
			goto fail;
	} else if (normalize_load_file(n, rules_path, err, errlen) == -1)
		goto fail;
	if (prefilter_seal(n->pf) == -1)
		goto nomem;
	normalize_log_prefilter(n, rules_path);
	return n;
nomem:
	normalize_set_error(err, errlen, "out of memory");
fail:
	normalizer_free(n);
	return NULL;
}

/* Release the context and the scratch buffer. */
void
normalizer_free(struct normalizer *n)
{
	if (n == NULL)
		return;
	if (n->ctx != NULL)
		ln_exitCtx(n->ctx);
	prefilter_free(n->pf);
	free(n->buf);
	free(n);
}

/* How many files were loaded, for the start-up log line. */
size_t
normalizer_rulebase_count(const struct normalizer *n)
{
	return n->rulebases;
}

/* Make room for len bytes and a NUL; the caller bounds len. */
static int
normalize_reserve(struct normalizer *n, size_t len)
{
	size_t size;
	char *p;

	if (len < n->bufsize)
		return 0;
	if (len > SIZE_MAX / 2 - 1)
		return -1;
	for (size = n->bufsize > 0 ? n->bufsize : 512; size <= len; size *= 2)
		;
	if ((p = realloc(n->buf, size)) == NULL)
		return -1;
	n->buf = p;
	n->bufsize = size;
	return 0;
}

/*
 * The part of a message liblognorm is given: up to its first NUL byte.
 * liblognorm 2.0.6's literal parser compares a rule's literal with the
 * message as C strings, and where the literal ends at a NUL of the
 * message both bytes are 0: it goes on comparing the message with the
 * memory after the literal (a read past the literal's allocation as long
 * as a sender's bytes match it).  Embedded NULs come only from hostile or
 * broken senders (UDP's trailing ones are stripped at intake); the event
 * keeps every byte in event.original and message.
 */
static size_t
normalize_text_len(const char *text, size_t len)
{
	const char *nul = len > 0 ? memchr(text, '\0', len) : NULL;

	return nul != NULL ? (size_t)(nul - text) : len;
}

/* Normalize one message; see normalize.h for the result contract. */
int
normalizer_run(struct normalizer *n, const char *text, size_t len, struct json_object **out)
{
	struct json_object *json = NULL, *unparsed;
	int rc;

	*out = NULL;
	/*
	 * Blanks before the text are framing, not content: rsyslog's RFC 5424
	 * forwarding of an RFC 3164 message keeps the space after the TAG.
	 */
	while (len > 0 && (*text == ' ' || *text == '\t')) {
		text++;
		len--;
	}
	len = normalize_text_len(text, len);
	/* No rule can match: what liblognorm would say, without its parse tree walk. */
	if (n->use_prefilter && !prefilter_may_match(n->pf, text, len))
		return 0;
	if (normalize_reserve(n, len) == -1)
		return -1;
	if (len > 0)
		memcpy(n->buf, text, len);
	n->buf[len] = '\0';
	rc = ln_normalize(n->ctx, n->buf, len, &json);
	if (json == NULL)
		return -1;
	if (rc == 0) {
		*out = json;
		return 1;
	}
	/* No rule matched (LN_WRONGPARSER): the object only echoes the message. */
	rc = json_object_object_get_ex(json, "unparsed-data", &unparsed) ? 0 : -1;
	json_object_put(json);
	return rc;
}

/* Tests only: off, every message goes to liblognorm (the output must not change). */
void
normalizer_set_prefilter(struct normalizer *n, bool on)
{
	n->use_prefilter = on;
}

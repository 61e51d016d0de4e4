/*
 * cfgfile.c: the libConfuse front-end (cfgfile.h says why it exists):
 * reading a file with its comments blanked, includes, the hidden lines
 * list, and errors worded as "file:line: what was expected".
 */
#include "config.h"

#include <confuse.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cfgfile.h"

#define CFGFILE_LINES_UNSET (-1)

/* The parse running on this thread; see cfgfile.h. */
static _Thread_local struct cfgfile *cfgfile_now;

void
cfgfile_begin(struct cfgfile *cf)
{
	cf->failed = false;
	cf->include_depth = 0;
	cf->last_line = 0;
	if (cf->errlen > 0)
		cf->err[0] = '\0';
	cfgfile_now = cf;
}

void
cfgfile_end(void)
{
	cfgfile_now = NULL;
}

struct cfgfile *
cfgfile_current(void)
{
	return cfgfile_now;
}

/* Record the first error as "file:line: context message"; later ones add nothing. */
static void __attribute__((format(printf, 4, 0)))
cfgfile_verror(const char *file, int line, cfg_t *sec, const char *fmt, va_list ap)
{
	struct cfgfile *cf = cfgfile_now;
	char context[160], msg[1024];

	if (cf == NULL || cf->failed)
		return;
	cf->failed = true;
	context[0] = '\0';
	if (cf->context != NULL)
		cf->context(sec, context, sizeof(context));
	vsnprintf(msg, sizeof(msg), fmt, ap);
	if (line > 0)
		snprintf(cf->err, cf->errlen, "%s:%d: %s%s", file ? file : "(config)", line,
		    context, msg);
	else
		snprintf(cf->err, cf->errlen, "%s: %s%s", file ? file : "(config)", context, msg);
}

void
cfgfile_error_at(const char *file, int line, cfg_t *sec, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	cfgfile_verror(file, line, sec, fmt, ap);
	va_end(ap);
}

/* The hidden lines list of a section (always its first option). */
static cfg_opt_t *
cfgfile_lines(cfg_t *sec)
{
	if (sec == NULL || sec->opts == NULL || sec->opts[0].name == NULL ||
	    strcmp(sec->opts[0].name, CFGFILE_LINES) != 0)
		return NULL;
	return &sec->opts[0];
}

/* Number of options of a section, the hidden one included. */
static size_t
cfgfile_nopts(cfg_t *sec)
{
	size_t n = 0;

	while (sec->opts[n].name != NULL)
		n++;
	return n;
}

/* Index of opt in sec, or -1 when opt belongs to another section. */
static long
cfgfile_opt_index(cfg_t *sec, cfg_opt_t *opt)
{
	size_t n = cfgfile_nopts(sec);

	if (opt < sec->opts || opt >= sec->opts + n)
		return -1;
	return (long)(opt - sec->opts);
}

int
cfgfile_line_of(cfg_t *sec, const char *name)
{
	cfg_opt_t *lines = cfgfile_lines(sec);
	size_t i;

	if (lines == NULL)
		return 0;
	for (i = 0; sec->opts[i].name != NULL; i++) {
		if (strcmp(sec->opts[i].name, name) != 0)
			continue;
		if (i >= lines->nvalues)
			return 0;
		return (int)lines->values[i]->number;
	}
	return 0;
}

int
cfgfile_first_line(cfg_t *sec)
{
	return cfgfile_line_of(sec, CFGFILE_LINES);
}

/* The option names a section accepts, for "expected ..." in messages. */
static void
cfgfile_expected_keys(cfg_t *sec, char *buf, size_t len)
{
	size_t i, used = 0;
	int n;

	buf[0] = '\0';
	for (i = 0; sec->opts[i].name != NULL; i++) {
		if (sec->opts[i].name[0] == '#') /* hidden */
			continue;
		n = snprintf(buf + used, len - used, "%s%s", used ? ", " : "", sec->opts[i].name);
		if (n < 0 || (size_t)n >= len - used)
			return;
		used += (size_t)n;
	}
}

int
cfgfile_quoted_tail(const char *msg, const char *prefix, char *out, size_t len)
{
	size_t plen = strlen(prefix), mlen = strlen(msg);

	if (mlen < plen + 1 || strncmp(msg, prefix, plen) != 0 || msg[mlen - 1] != '\'' ||
	    mlen - plen - 1 >= len)
		return 0;
	memcpy(out, msg + plen, mlen - plen - 1);
	out[mlen - plen - 1] = '\0';
	return 1;
}

void
cfgfile_errorcb(cfg_t *cfg, const char *fmt, va_list ap)
{
	struct cfgfile *cf = cfgfile_now;
	char msg[512], name[256], keys[512];

	vsnprintf(msg, sizeof(msg), fmt, ap);
	if (cfgfile_quoted_tail(msg, "no such option '", name, sizeof(name))) {
		cfgfile_expected_keys(cfg, keys, sizeof(keys));
		cfgfile_error_at(cfg->filename, cfg->line, cfg,
		    "unknown %s \"%s\" (expected one of: %s)",
		    strcmp(cfg->name, "root") == 0 ? "directive" : "key", name, keys);
		return;
	}
	if (cf != NULL && cf->reword != NULL && cf->reword(cfg, msg))
		return;
	cfgfile_error_at(cfg->filename, cfg->line, cfg, "%s", msg);
}

/*
 * Validate callback of the hidden lines list.  Its default "{-1}" is parsed
 * when the section opens, so this runs with cfg->line on the opening brace:
 * keep that line in slot 0 and one zeroed slot per option.
 */
static int
cfgfile_linescb(cfg_t *cfg, cfg_opt_t *opt)
{
	size_t n, i;

	if (opt->nvalues == 1 && opt->values[0]->number == CFGFILE_LINES_UNSET) {
		opt->values[0]->number = cfg->line;
		n = cfgfile_nopts(cfg);
		for (i = 1; i < n; i++)
			if (cfg_opt_setnint(opt, 0, opt->nvalues) != CFG_SUCCESS)
				return -1;
	}
	return 0;
}

cfg_opt_t
cfgfile_opt_lines(void)
{
	/* libConfuse parses (and copies) the default when a section opens */
	static char lines_def[] = "{-1}";
	cfg_opt_t o = CFG_INT_LIST(CFGFILE_LINES, lines_def, CFGF_NONE);

	o.validcb = cfgfile_linescb;
	return o;
}

int
cfgfile_seencb(cfg_t *cfg, cfg_opt_t *opt)
{
	cfg_opt_t *lines = cfgfile_lines(cfg);
	long idx = cfgfile_opt_index(cfg, opt);
	cfg_value_t *slot;

	if (lines == NULL || idx < 0 || (unsigned long)idx >= lines->nvalues) {
		cfgfile_error_at(cfg->filename, cfg->line, cfg,
		    "unknown key \"%s\" (set options inside their own block)", opt->name);
		return -1;
	}
	slot = lines->values[idx];
	if (slot->number != 0 && opt->type != CFGT_SEC) {
		cfgfile_error_at(cfg->filename, cfg->line, cfg,
		    "%s set twice (first at line %ld; give each key once)", opt->name,
		    slot->number);
		return -1;
	}
	slot->number = cfg->line;
	return 0;
}

/*
 * libConfuse calls a list's validate callback after each value and again
 * at the closing brace, with nothing that tells a second assignment from
 * the rest of the first, so a list given twice is not caught here (the
 * last one wins).
 */
int
cfgfile_listseencb(cfg_t *cfg, cfg_opt_t *opt)
{
	cfg_opt_t *lines = cfgfile_lines(cfg);
	long idx = cfgfile_opt_index(cfg, opt);

	if (lines != NULL && idx >= 0 && (unsigned long)idx < lines->nvalues &&
	    lines->values[idx]->number == 0)
		lines->values[idx]->number = cfg->line;
	return 0;
}

/* Skip a "${VAR}" that libConfuse expands, so '#' or quotes in it are not seen. */
static size_t
cfgfile_skip_env(const char *buf, size_t i, size_t len)
{
	size_t j;

	if (buf[i] != '$' || i + 1 >= len || buf[i + 1] != '{')
		return i;
	for (j = i + 2; j < len; j++)
		if (buf[j] == '}')
			return j;
	return i;
}

/* Deepest nesting of braces we follow; the grammar itself uses one level. */
#define CFGFILE_MAX_NESTING 16

/*
 * Blank out "#", "//" and C comments outside strings, keeping newlines, so
 * that libConfuse's line numbers stay right.  Also match the braces, since
 * libConfuse takes the end of the file for the end of an open block.
 * Returns the line of a problem and sets *why, or returns 0.
 */
int
cfgfile_strip_comments(char *buf, size_t len, const char **why)
{
	enum { NORMAL, DQUOTE, SQUOTE, LINE_COMMENT, BLOCK_COMMENT } st = NORMAL;
	int open_line[CFGFILE_MAX_NESTING];
	size_t i, depth = 0;
	int line = 1, block_line = 0;

	for (i = 0; i < len; i++) {
		char c = buf[i], next = i + 1 < len ? buf[i + 1] : '\0';

		if (c == '\n')
			line++;
		switch (st) {
		case NORMAL:
			if (c == '"')
				st = DQUOTE;
			else if (c == '\'')
				st = SQUOTE;
			else if (c == '$')
				i = cfgfile_skip_env(buf, i, len);
			else if (c == '#' || (c == '/' && next == '/')) {
				st = LINE_COMMENT;
				buf[i] = ' ';
			} else if (c == '/' && next == '*') {
				st = BLOCK_COMMENT;
				block_line = line;
				buf[i] = buf[i + 1] = ' ';
				i++;
			} else if (c == '{') {
				if (depth == CFGFILE_MAX_NESTING) {
					*why = "blocks nested too deeply";
					return line;
				}
				open_line[depth++] = line;
			} else if (c == '}' && depth > 0)
				depth--; /* an extra '}' is libConfuse's to report */
			break;
		case DQUOTE:
			if (c == '\\' && i + 1 < len) {
				if (next == '\n')
					line++;
				i++;
			} else if (c == '$')
				i = cfgfile_skip_env(buf, i, len);
			else if (c == '"')
				st = NORMAL;
			break;
		case SQUOTE:
			if (c == '\\' && (next == '\\' || next == '\''))
				i++;
			else if (c == '\'')
				st = NORMAL;
			break;
		case LINE_COMMENT:
			if (c == '\n')
				st = NORMAL;
			else
				buf[i] = ' ';
			break;
		case BLOCK_COMMENT:
			if (c == '*' && next == '/') {
				buf[i] = buf[i + 1] = ' ';
				i++;
				st = NORMAL;
			} else if (c != '\n')
				buf[i] = ' ';
			break;
		}
	}
	if (st == BLOCK_COMMENT) {
		*why = "unterminated /* comment (expected */)";
		return block_line;
	}
	if (depth > 0) {
		*why = "block is not closed (expected '}' before the end of "
		       "the file)";
		return open_line[depth - 1];
	}
	return 0;
}


/* A failed read: "cannot read", at the include that names the file if any. */
static void
cfgfile_read_error(const char *path, const char *from_file, int from_line)
{
	struct cfgfile *cf = cfgfile_now;

	if (cf != NULL && !cf->read_error_names_file)
		cfgfile_error_at(path, 0, NULL, "cannot read");
	else
		cfgfile_error_at(from_file ? from_file : path, from_line, NULL, "cannot read %s",
		    path);
}

/* Open path for reading, or record why not (at the include that names it). */
static FILE *
cfgfile_open(const char *path, const char *from_file, int from_line)
{
	FILE *fp;

	if ((fp = fopen(path, "r")) != NULL)
		return fp;
	if (from_file != NULL)
		cfgfile_error_at(from_file, from_line, NULL, "cannot open %s: %s", path,
		    strerror(errno));
	else
		cfgfile_error_at(path, 0, NULL, "cannot open: %s", strerror(errno));
	return NULL;
}

/*
 * Read a whole file, at most CFGFILE_MAX_SIZE bytes, with its comments
 * blanked.  Returns a NUL-terminated buffer the caller frees, or NULL with
 * the error recorded.
 */
static char *
cfgfile_read(const char *path, const char *from_file, int from_line, size_t *lenp)
{
	struct cfgfile *cf = cfgfile_now;
	const char *why = NULL;
	FILE *fp;
	char *buf;
	bool fault = true;
	size_t len;
	int bad;

	if ((fp = cfgfile_open(path, from_file, from_line)) == NULL)
		return NULL;
	if ((buf = malloc(CFGFILE_MAX_SIZE + 2)) == NULL) {
		fclose(fp);
		cfgfile_error_at(path, 0, NULL, "out of memory");
		return NULL;
	}
	len = fread(buf, 1, CFGFILE_MAX_SIZE + 1, fp);
	bad = ferror(fp);
	fclose(fp);
	if (bad)
		cfgfile_read_error(path, from_file, from_line);
	else if (len > CFGFILE_MAX_SIZE)
		cfgfile_error_at(path, 0, NULL, "file too large (limit %s)",
		    cf != NULL && cf->size_limit != NULL ? cf->size_limit : "1 MiB");
	else if (memchr(buf, '\0', len) != NULL)
		cfgfile_error_at(path, 0, NULL, "contains a NUL byte (expected a text file)");
	else
		fault = false;
	if (fault) {
		free(buf);
		return NULL;
	}
	/* A final newline keeps the buffer non-empty for fmemopen. */
	if (len == 0 || buf[len - 1] != '\n')
		buf[len++] = '\n';
	buf[len] = '\0';
	if ((bad = cfgfile_strip_comments(buf, len, &why)) != 0) {
		cfgfile_error_at(path, bad, NULL, "%s", why);
		free(buf);
		return NULL;
	}
	*lenp = len;
	return buf;
}

int
cfgfile_parse_file(cfg_t *cfg, const char *path, const char *from_file, int from_line)
{
	FILE *fp;
	char *buf, *saved_name;
	size_t len;
	int saved_line, rc;

	if ((buf = cfgfile_read(path, from_file, from_line, &len)) == NULL)
		return -1;
	if ((fp = fmemopen(buf, len, "r")) == NULL) {
		cfgfile_error_at(path, 0, NULL, "cannot read: %s", strerror(errno));
		free(buf);
		return -1;
	}
	saved_name = cfg->filename;
	saved_line = cfg->line;
	if ((cfg->filename = strdup(path)) == NULL) {
		cfg->filename = saved_name;
		fclose(fp);
		free(buf);
		cfgfile_error_at(path, 0, NULL, "out of memory");
		return -1;
	}
	rc = cfg_parse_fp(cfg, fp);
	if (cfgfile_now != NULL)
		cfgfile_now->last_line = cfg->line > 1 ? cfg->line - 1 : 1;
	fclose(fp);
	free(buf);
	free(cfg->filename);
	cfg->filename = saved_name;
	cfg->line = saved_line;
	if (rc != CFG_SUCCESS) {
		cfgfile_error_at(path, 0, NULL, "parse error"); /* if none yet */
		return -1;
	}
	return 0;
}

int
cfgfile_includecb(cfg_t *cfg, cfg_opt_t *opt, int argc, const char **argv)
{
	struct cfgfile *cf = cfgfile_now;
	char *from;
	int line = cfg->line, rc;

	if (argc != 1) {
		cfgfile_error_at(cfg->filename, line, NULL,
		    "%s takes one file name (expected %s(\"file\"))", opt->name, opt->name);
		return -1;
	}
	if (cf == NULL || cf->include_depth >= CFGFILE_MAX_INCLUDE_DEPTH) {
		cfgfile_error_at(cfg->filename, line, NULL,
		    "includes nested deeper than %d (an include loop?)", CFGFILE_MAX_INCLUDE_DEPTH);
		return -1;
	}
	if ((from = strdup(cfg->filename ? cfg->filename : "")) == NULL)
		return -1;
	cf->include_depth++;
	rc = cfgfile_parse_file(cfg, argv[0], from, line);
	cf->include_depth--;
	free(from);
	return rc;
}

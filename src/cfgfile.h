/*
 * cfgfile.h: the libConfuse front-end shared by the configuration (conf.c)
 * and the detections files (detect.c).
 *
 * libConfuse 3.3 does the tokenizing and the block structure; three of its
 * limits shape this module:
 *
 * - Its lexer counts a line twice after each comment, so line numbers
 *   drift.  cfgfile_read blanks comments out (cfgfile_strip_comments) and
 *   hands libConfuse text without any, for a file and for its includes.
 * - A section does not remember the line it starts on.  Every section gets
 *   a hidden integer list (cfgfile_opt_lines, always opts[0]) whose default
 *   value is parsed when the section opens: its callback records the
 *   opening line there, and cfgfile_seencb later the line where each option
 *   was set (which also finds keys given twice).
 * - The error callback carries no user pointer, so the one parse in
 *   progress on this thread is found through a thread-local pointer set by
 *   cfgfile_begin.  libConfuse's lexer is process-wide state anyway: a
 *   parse is not reentrant.
 *
 * Every error is recorded once, as "FILE:LINE: what was expected" (or
 * "FILE: message" when the whole file is at fault); the first one wins.
 */
#ifndef LOGWARD_CFGFILE_H
#define LOGWARD_CFGFILE_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>

#include <confuse.h>

/* A configuration file, or an included one, is small: refuse anything bigger. */
#define CFGFILE_MAX_SIZE (1024 * 1024)
#define CFGFILE_MAX_INCLUDE_DEPTH 8

/* The hidden lines list; '#' and '|' make the name unreachable from a file. */
#define CFGFILE_LINES "#|lines"

/* One parse in progress: what its caller set, and what cfgfile keeps. */
struct cfgfile {
	char *err;		/* the caller's buffer for the first error */
	size_t errlen;
	/* "file too large (limit %s)": how the caller words its size limit */
	const char *size_limit;
	/* "cannot read" names the file read (the configuration) or not (detections) */
	bool read_error_names_file;
	/* NULL, or a prefix naming the block an error is in ("input \"lan\": ") */
	void (*context)(cfg_t *sec, char *buf, size_t len);
	/* NULL, or a rewording of a libConfuse message; true when it reported one */
	bool (*reword)(cfg_t *cfg, const char *msg);
	/* kept by cfgfile */
	bool failed;
	int include_depth;
	int last_line;		/* where the outermost file ended */
};

/* Make cf the parse in progress on this thread (clears cf->err); cfgfile_end forgets it. */
void cfgfile_begin(struct cfgfile *cf);
void cfgfile_end(void);
/* The parse in progress, or NULL. */
struct cfgfile *cfgfile_current(void);

/*
 * Record the first error of the parse in progress as "file:line: context
 * message" ("file: ..." for line 0; "(config)" for a NULL file); later ones
 * add nothing.  sec names the block for the context prefix; may be NULL.
 */
void cfgfile_error_at(const char *file, int line, cfg_t *sec, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/*
 * libConfuse's error callback (cfg_set_error_function): an unknown key says
 * which keys were expected, the parse's reword hook may take the message,
 * anything else is kept as libConfuse words it.
 */
void cfgfile_errorcb(cfg_t *cfg, const char *fmt, va_list ap) __attribute__((format(printf, 2, 0)));

/*
 * If msg is prefix followed by a name and a closing quote ("no such option
 * 'x'"), copy the name to out (len bytes) and return 1; else 0.
 */
int cfgfile_quoted_tail(const char *msg, const char *prefix, char *out, size_t len);

/* The hidden lines list that must be opts[0] of every section (see the top). */
cfg_opt_t cfgfile_opt_lines(void);

/*
 * Validate callback of a single-valued option: refuse a key given twice in
 * one block and remember where it was set, for checks made when the block
 * closes.  cfgfile_listseencb only remembers where a list was first set.
 */
int cfgfile_seencb(cfg_t *cfg, cfg_opt_t *opt);
int cfgfile_listseencb(cfg_t *cfg, cfg_opt_t *opt);

/* Line where option name was set in sec (0 if never). */
int cfgfile_line_of(cfg_t *sec, const char *name);
/* The line a section starts on (0 for one without the hidden list). */
int cfgfile_first_line(cfg_t *sec);

/*
 * Parse the file path into cfg as if its text stood where cfg is now,
 * comments blanked.  from_file/from_line: where an include names it, or
 * NULL/0 for the outermost file.  Returns 0, or -1 with the error recorded.
 */
int cfgfile_parse_file(cfg_t *cfg, const char *path, const char *from_file, int from_line);

/* The include("file") directive (CFG_FUNC): parse file in place, at most 8 deep. */
int cfgfile_includecb(cfg_t *cfg, cfg_opt_t *opt, int argc, const char **argv);

/*
 * Blank out "#", "//" and C comments outside strings in buf[0..len),
 * keeping newlines, and check that braces match.  Returns 0, or the line of
 * a problem with *why set (static text).
 */
int cfgfile_strip_comments(char *buf, size_t len, const char **why);

#endif

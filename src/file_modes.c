/*
 * file_modes.c: warnings about files and directories others may change
 * (file_modes.h).
 */
#include "config.h"

#include <dirent.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "conf.h"
#include "file_modes.h"
#include "log.h"

/* What a path is to logward, for the message, and whether reading it is a leak. */
struct watched {
	const char *what;
	bool secret;
};

/* Warn when path (existing) is world-writable, or world-readable if secret. */
static size_t
warn_path(const char *path, struct watched w)
{
	struct stat st;

	if (path == NULL || path[0] == '\0' || stat(path, &st) == -1)
		return 0;
	if (st.st_mode & S_IWOTH) {
		log_warnx("%s %s is world-writable (mode %04o): anyone on this host can change "
			  "it; chmod o-w %s", w.what, path, (unsigned)(st.st_mode & 07777), path);
		return 1;
	}
	if (w.secret && (st.st_mode & S_IROTH)) {
		log_warnx("%s %s is world-readable (mode %04o): anyone on this host can read "
			  "it; chmod o-r %s", w.what, path, (unsigned)(st.st_mode & 07777), path);
		return 1;
	}
	return 0;
}

/* The directory part of path ("." when it has none). */
static void
dir_of(const char *path, char *out, size_t cap)
{
	const char *slash = strrchr(path, '/');

	if (slash == NULL)
		snprintf(out, cap, ".");
	else if (slash == path)
		snprintf(out, cap, "/");
	else
		snprintf(out, cap, "%.*s", (int)(slash - path), path);
}

/* The rules path, and each file of it when it is a directory. */
static size_t
warn_rules(const char *rules)
{
	struct watched file = { "rules file", false };
	struct watched dir = { "rules directory", false };
	char path[PATH_MAX];
	struct dirent *de;
	struct stat st;
	size_t n;
	DIR *d;

	if (rules == NULL || stat(rules, &st) == -1)
		return 0;
	if (!S_ISDIR(st.st_mode))
		return warn_path(rules, file);
	n = warn_path(rules, dir);
	if ((d = opendir(rules)) == NULL)
		return n;
	while ((de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.')
			continue;
		if ((size_t)snprintf(path, sizeof(path), "%s/%s", rules, de->d_name) <
		    sizeof(path))
			n += warn_path(path, file);
	}
	closedir(d);
	return n;
}

size_t
file_modes_warn(const struct conf *c)
{
	struct watched cf = { "configuration file", false };
	struct watched cd = { "configuration directory", false };
	struct watched state = { "correlate state_dir", false };
	struct watched baseline = { "correlate baseline", false };
	struct watched spool = { "spool directory", false };
	struct watched key = { "TLS key", true };
	char dir[PATH_MAX];
	size_t i, n = 0;

	n += warn_path(c->path, cf);
	if (c->path != NULL) {
		dir_of(c->path, dir, sizeof(dir));
		n += warn_path(dir, cd);
	}
	n += warn_rules(c->rules);
	n += warn_path(c->correlate.state_dir, state);
	n += warn_path(c->correlate.baseline, baseline);
	n += warn_path(c->spool_dir, spool);
	for (i = 0; i < c->n_inputs; i++)
		n += warn_path(c->inputs[i].key, key);
	return n;
}

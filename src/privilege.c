/*
 * privilege.c: running as an unprivileged user after start-up
 * (privilege.h).  As OpenBSD's syslogd: one supplementary group, real,
 * effective and saved ids all changed, and a check that root is gone.
 */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <grp.h>
#include <limits.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "conf.h"
#include "log.h"
#include "privilege.h"

/* Parse a decimal id; false when s is not one. */
static bool
privilege_number(const char *s, unsigned long *out)
{
	char *end;

	if (*s < '0' || *s > '9')
		return false;
	errno = 0;
	*out = strtoul(s, &end, 10);
	return errno == 0 && *end == '\0' && *out < (unsigned long)UINT_MAX;
}

/* The user's uid and primary gid. */
static int
privilege_user(const char *name, uid_t *uid, gid_t *gid, char *err, size_t errlen)
{
	struct passwd *pw = getpwnam(name);
	unsigned long n;

	if (pw == NULL && privilege_number(name, &n))
		pw = getpwuid((uid_t)n);
	if (pw == NULL) {
		snprintf(err, errlen, "user \"%s\" does not exist (expected an account such as "
		    "nobody, or one made with adduser --system --group _logward)", name);
		return -1;
	}
	*uid = pw->pw_uid;
	*gid = pw->pw_gid;
	return 0;
}

static int
privilege_group(const char *name, gid_t *gid, char *err, size_t errlen)
{
	struct group *gr = getgrnam(name);
	unsigned long n;

	if (gr == NULL && privilege_number(name, &n)) {
		*gid = (gid_t)n;
		return 0;
	}
	if (gr == NULL) {
		snprintf(err, errlen, "group \"%s\" does not exist", name);
		return -1;
	}
	*gid = gr->gr_gid;
	return 0;
}

int
privilege_plan(const struct conf *c, struct privilege *p, char *err, size_t errlen)
{
	uid_t euid = geteuid();

	memset(p, 0, sizeof(*p));
	if (c->group != NULL && c->user == NULL) {
		snprintf(err, errlen, "%s: group = \"%s\" needs user = too", c->path, c->group);
		return -1;
	}
	if (c->user == NULL) {
		if (euid == 0 && !c->run_as_root) {
			snprintf(err, errlen, "%s: refusing to run as root: set user = \"nobody\" "
			    "(or a dedicated account) to drop privileges once the inputs are bound, "
			    "or run_as_root = yes to keep root", c->path);
			return -1;
		}
		return 0;
	}
	snprintf(p->user, sizeof(p->user), "%s", c->user);
	if (privilege_user(c->user, &p->uid, &p->gid, err, errlen) == -1 ||
	    (c->group != NULL && privilege_group(c->group, &p->gid, err, errlen) == -1))
		return -1;
	if (p->uid == 0 && !c->run_as_root) {
		snprintf(err, errlen, "%s: user \"%s\" is root: name an unprivileged account, or "
		    "set run_as_root = yes", c->path, c->user);
		return -1;
	}
	if (euid != 0) {
		if (p->uid != euid) {
			snprintf(err, errlen, "%s: user = \"%s\" needs logward to be started as root "
			    "(it runs as uid %lu)", c->path, c->user, (unsigned long)euid);
			return -1;
		}
		return 0;	/* already that user */
	}
	p->drop = p->uid != 0;
	return 0;
}

/* Directories that other software shares: never given away. */
static bool
privilege_shared_dir(const char *dir, const struct stat *st)
{
	static const char *const shared[] = { "/", "/etc", "/run", "/tmp", "/usr", "/var",
		"/var/lib", "/var/log", "/var/run", "/var/spool", "/var/tmp", NULL };
	size_t i;

	if (st->st_mode & S_ISVTX)
		return true;
	for (i = 0; shared[i] != NULL; i++)
		if (strcmp(dir, shared[i]) == 0)
			return true;
	return false;
}

/* chown one path when it is not the user's yet. */
static int
privilege_chown(const struct privilege *p, const char *path, const struct stat *st, char *err,
    size_t errlen)
{
	if (st->st_uid == p->uid && st->st_gid == p->gid)
		return 0;
	if (chown(path, p->uid, p->gid) == -1) {
		snprintf(err, errlen, "chown %s to user %s: %s", path, p->user, strerror(errno));
		return -1;
	}
	return 0;
}

int
privilege_give_dir(const struct privilege *p, const char *dir, bool every_file, char *err,
    size_t errlen)
{
	char path[PATH_MAX];
	struct dirent *de;
	struct stat st;
	DIR *d;
	int rc = 0;

	if (!p->drop || lstat(dir, &st) == -1 || !S_ISDIR(st.st_mode) ||
	    privilege_shared_dir(dir, &st))
		return 0;
	if (privilege_chown(p, dir, &st, err, errlen) == -1)
		return -1;
	if (!every_file || (d = opendir(dir)) == NULL)
		return 0;
	while (rc == 0 && (de = readdir(d)) != NULL) {
		if ((size_t)snprintf(path, sizeof(path), "%s/%s", dir, de->d_name) >= sizeof(path))
			continue;
		if (lstat(path, &st) == 0 && S_ISREG(st.st_mode))
			rc = privilege_chown(p, path, &st, err, errlen);
	}
	closedir(d);
	return rc;
}

/* The directory part of file into dir ("." when it has none). */
static void
privilege_dir_of(const char *file, char *dir, size_t len)
{
	const char *slash = strrchr(file, '/');

	if (slash == NULL)
		snprintf(dir, len, ".");
	else if (slash == file)
		snprintf(dir, len, "/");
	else
		snprintf(dir, len, "%.*s", (int)(slash - file), file);
}

int
privilege_give(const struct privilege *p, const char *file, char *err, size_t errlen)
{
	char dir[PATH_MAX];
	struct stat st;

	if (!p->drop)
		return 0;
	if (lstat(file, &st) == 0 && S_ISREG(st.st_mode) &&
	    privilege_chown(p, file, &st, err, errlen) == -1)
		return -1;
	privilege_dir_of(file, dir, sizeof(dir));
	return privilege_give_dir(p, dir, false, err, errlen);
}

int
privilege_drop(const struct privilege *p, char *err, size_t errlen)
{
	if (!p->drop)
		return 0;
	if (setgroups(1, &p->gid) == -1 || setresgid(p->gid, p->gid, p->gid) == -1 ||
	    setresuid(p->uid, p->uid, p->uid) == -1) {
		snprintf(err, errlen, "cannot switch to user %s: %s", p->user, strerror(errno));
		return -1;
	}
	if (setuid(0) != -1 || geteuid() == 0) {
		snprintf(err, errlen, "switched to user %s but root could be regained", p->user);
		return -1;
	}
	log_info("running as user %s (uid %lu, gid %lu)", p->user, (unsigned long)p->uid,
	    (unsigned long)p->gid);
	return 0;
}

int
privilege_check_dir(const struct privilege *p, const char *what, const char *dir, char *err,
    size_t errlen)
{
	if (!p->drop || access(dir, W_OK | X_OK) == 0)
		return 0;
	snprintf(err, errlen, "%s directory %s is not writable by user %s (%s): give it to that "
	    "user (chown), use a dedicated directory, or set run_as_root = yes", what, dir,
	    p->user, strerror(errno));
	return -1;
}

int
privilege_check_file(const struct privilege *p, const char *what, const char *file, char *err,
    size_t errlen)
{
	char dir[PATH_MAX];

	privilege_dir_of(file, dir, sizeof(dir));
	return privilege_check_dir(p, what, dir, err, errlen);
}

/*
 * privilege.h: start as root, bind and open as root, then run as the
 * configured user (user = / group = in logward.conf).
 *
 * The order in main: privilege_plan (refuses to go on as root unless the
 * configuration says run_as_root = yes), open inputs, TLS keys, output
 * files and spools, privilege_give for each output directory (so that the
 * unprivileged daemon can reopen its files on USR1 and create the next
 * day's file), privilege_drop, then privilege_check_dir for each.
 */
#ifndef LOGWARD_PRIVILEGE_H
#define LOGWARD_PRIVILEGE_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

struct conf;

struct privilege {
	bool drop;		/* switch to uid/gid after start-up */
	uid_t uid;
	gid_t gid;
	char user[65];		/* as configured, for messages */
};

/*
 * Decide from c and the process's identity.  -1 with err set when logward
 * would run as root without run_as_root = yes, when user or group do not
 * exist, or when they name someone else and logward is not root.
 */
int privilege_plan(const struct conf *c, struct privilege *p, char *err, size_t errlen);

/*
 * Give the directory that holds file (and file itself, if it exists) to
 * the user; with every_file, each regular file in dir too (the spool).
 * Directories that others share ("/", "/var/log", sticky ones such as
 * /tmp) are never given away: privilege_check_dir then says what to do.
 * -1 with err set when a chown fails.
 */
int privilege_give(const struct privilege *p, const char *file, char *err, size_t errlen);
int privilege_give_dir(const struct privilege *p, const char *dir, bool every_file, char *err,
    size_t errlen);

/* setgroups, setresgid, setresuid; and make sure root cannot come back.  -1 with err set. */
int privilege_drop(const struct privilege *p, char *err, size_t errlen);

/*
 * After the drop: can we still create files in dir (in the directory of
 * file)?  -1 with err naming what and how to fix it.
 */
int privilege_check_dir(const struct privilege *p, const char *what, const char *dir, char *err,
    size_t errlen);
int privilege_check_file(const struct privilege *p, const char *what, const char *file,
    char *err, size_t errlen);

#endif

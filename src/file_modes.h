/*
 * file_modes.h: warn about files and directories that others on the host
 * may change, among those that decide what logward does (OpenSSH refuses
 * such files; logward warns, at start and in -t, and goes on).
 *
 * Checked: the configuration file and its directory, the rules path and
 * each file in a rules directory, the correlation state directory and
 * baseline, the spool directory (world-writable), and the TLS private
 * keys (world-readable or world-writable).  A webhook's secret_file open
 * to others is refused outright (deliver.c), not warned about.
 * A path that does not exist is not this module's concern (the start or
 * -t reports it).
 */
#ifndef LOGWARD_FILE_MODES_H
#define LOGWARD_FILE_MODES_H

#include <stddef.h>

struct conf;

/* Log one warning per path others may change (or read, for secrets); returns how many. */
size_t file_modes_warn(const struct conf *c);

#endif

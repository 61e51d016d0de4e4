/*
 * startup.h: what start-up checks and loads before anything is bound or
 * opened for writing, the one path of "logward -t" and the daemon, so that
 * "-t says OK" means "this will start and detect":
 *
 *   the privilege plan (user and group exist; as root, user or
 *   run_as_root = yes), every TLS input's certificate, key and ca, the
 *   rules (rulebases and detections, loaded as the workers will), each
 *   webhook's secret_file and ca_file, and files others may change
 *   (file_modes.h warns).  A rule set without a single detection is loud:
 *   logward would archive and never alert.
 *
 * -t also loads the correlate baseline (the daemon does when it opens its
 * correlator with the journal).
 */
#ifndef LOGWARD_STARTUP_H
#define LOGWARD_STARTUP_H

#include <stdbool.h>
#include <stddef.h>

#include "privilege.h"

struct conf;
struct ruleset;

struct startup {
	struct privilege priv;   /* who to run as (privilege_drop after binding) */
	struct ruleset *rules;   /* owned: the caller frees (ruleset_free) or keeps it */
};

/*
 * The rules path exists: else -1 with err naming the file and line that
 * set it ("logward.conf:4: rules \"/x\": No such file or directory").
 */
int startup_check_rules(const struct conf *c, char *err, size_t errlen);

/*
 * Check c and load its rules for n_workers workers into st.  check_only
 * (-t): also read the correlate baseline.  Returns 0, or -1 with err set
 * (st holds nothing then).
 */
int startup_load(const struct conf *c, unsigned n_workers, bool check_only, struct startup *st,
    char *err, size_t errlen);

#endif

/*
 * daemon.h: the running collector: start-up, signals, SIGHUP reload and
 * shutdown around the pipeline (DESIGN.md).
 *
 * Signals: HUP loads the configuration file again beside the running one
 * and swaps it in only when all of it (configuration, rulebases,
 * detections, outputs, new listeners) loaded, else logs why and keeps the
 * running one; it reopens the output files either way.  USR1 reopens the
 * output files (logrotate), USR2 logs the counters, TERM/INT drain and
 * return.
 */
#ifndef LOGWARD_DAEMON_H
#define LOGWARD_DAEMON_H

struct conf;

/*
 * Run until TERM or INT; returns the exit status.  Takes ownership of
 * conf.  rules_override (from --rules; NULL: none) replaces the rules
 * path of every configuration loaded, the reloaded ones included.
 */
int daemon_run(struct conf *conf, const char *rules_override);

#endif

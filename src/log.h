/*
 * log.h: logward's own diagnostics, to stderr (journald picks them up).
 * One small API used everywhere: log_warn appends strerror(errno),
 * log_warnx does not; log_errx is an error the caller then gives up on
 * (exit status 1); fatal/fatalx log and exit(1).  Thread-safe.
 */
#ifndef LOGWARD_LOG_H
#define LOGWARD_LOG_H

#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <time.h>

enum log_level { LOG_LEVEL_ERROR = 0, LOG_LEVEL_WARNING, LOG_LEVEL_INFO, LOG_LEVEL_DEBUG };

/* Set the most verbose level printed (default LOG_LEVEL_INFO). */
void log_set_level(enum log_level level);
enum log_level log_get_level(void);

void log_errx(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_warnx(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_debug(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void fatal(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));
void fatalx(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));

/*
 * A message that a flood would repeat (refused peers, failed handshakes):
 * at most one line per interval; the ones held back in between are
 * counted, and the next line says how many.  One per kind and listener.
 */
struct log_throttle {
	time_t next;		/* CLOCK_MONOTONIC seconds: when a line may go again */
	uint64_t held;		/* occurrences not logged since the last line */
};

/*
 * Note one occurrence.  True when it may be logged now, with *held set to
 * the occurrences not logged since the previous line (then reset).
 */
bool log_throttle_due(struct log_throttle *t, unsigned interval, uint64_t *held);

#endif

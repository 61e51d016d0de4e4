/*
 * monotime.h: the monotonic clock in milliseconds, for deadlines and ages
 * that a step of the wall clock must not stretch or shrink.
 */
#ifndef LOGWARD_MONOTIME_H
#define LOGWARD_MONOTIME_H

#include <stdint.h>
#include <sys/time.h>
#include <time.h>

static inline int64_t
monotime_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static inline int64_t
monotime_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

/* A timeval of ms milliseconds (for libevent timers). */
static inline struct timeval
monotime_timeval(int64_t ms)
{
	struct timeval tv = { (time_t)(ms / 1000), (suseconds_t)(ms % 1000) * 1000 };

	return tv;
}

#endif

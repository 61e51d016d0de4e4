/*
 * count.c: count the lines the daemon archived, as they arrive.
 *
 *   count -d DIR -n TARGET [-f DONEFILE] [-s STALL_MS] [-t TIMEOUT_S]
 *         [-p PID -m MARK [-M MARK2]]
 *
 * Every 20 ms, reads what was appended to the regular files in DIR (files
 * may appear while it runs) and counts LFs.  Stops when TARGET lines are
 * there, or, once DONEFILE exists (the sender finished), when nothing was
 * appended for STALL_MS (default 3000), or after TIMEOUT_S (default 600).
 * Prints one line:
 *   lines=N end_ns=E reason=target|stall|timeout
 * where E is the CLOCK_REALTIME time of the poll that first saw the last
 * line: the end of the end-to-end measurement.  With -p and -m, the line
 * adds rss_mark_kb=R1 rss_end_kb=R2: VmRSS of process PID at the poll that
 * first saw MARK lines, and at the end (0 when it could not be read);
 * with -M also rss_mark2_kb=R3 at MARK2 lines.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define FILES_MAX 256
#define READ_SIZE (4 * 1024 * 1024)

struct tracked {
	char name[256];
	int fd;
};

static uint64_t
now_realtime(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

/* VmRSS of pid in kB, or 0. */
static unsigned long
rss_kb(long pid)
{
	char path[64], line[256];
	unsigned long kb = 0;
	FILE *fp;

	snprintf(path, sizeof(path), "/proc/%ld/status", pid);
	if ((fp = fopen(path, "r")) == NULL)
		return 0;
	while (fgets(line, sizeof(line), fp) != NULL)
		if (sscanf(line, "VmRSS: %lu", &kb) == 1)
			break;
	fclose(fp);
	return kb;
}

/* Open the files of dir not yet tracked. */
static void
files_scan(const char *dir, struct tracked *t, int *nt)
{
	char path[4096];
	struct dirent *de;
	struct stat st;
	DIR *d;
	int i, known;

	if ((d = opendir(dir)) == NULL)
		return;
	while ((de = readdir(d)) != NULL && *nt < FILES_MAX) {
		if (de->d_name[0] == '.' || strlen(de->d_name) >= sizeof(t->name))
			continue;
		known = 0;
		for (i = 0; i < *nt; i++)
			if (strcmp(t[i].name, de->d_name) == 0)
				known = 1;
		if (known)
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
		if (stat(path, &st) == -1 || !S_ISREG(st.st_mode))
			continue;
		if ((t[*nt].fd = open(path, O_RDONLY)) == -1)
			continue;
		snprintf(t[*nt].name, sizeof(t->name), "%s", de->d_name);
		(*nt)++;
	}
	closedir(d);
}

/* Count LFs in what was appended since the last call; 1 if anything was. */
static int
files_read(struct tracked *t, int nt, char *buf, uint64_t *lines)
{
	ssize_t n;
	char *p, *end;
	int i, grew = 0;

	for (i = 0; i < nt; i++) {
		while ((n = read(t[i].fd, buf, READ_SIZE)) > 0) {
			grew = 1;
			end = buf + n;
			for (p = buf; (p = memchr(p, '\n', (size_t)(end - p))) != NULL; p++)
				(*lines)++;
		}
	}
	return grew;
}

int
main(int argc, char **argv)
{
	struct tracked files[FILES_MAX];
	const char *dir = NULL, *donefile = NULL, *reason;
	uint64_t target = 0, lines = 0, stall_ms = 3000, timeout_s = 600, mark = 0, mark2 = 0;
	unsigned long rss_mark = 0, rss_mark2 = 0;
	long pid = 0;
	uint64_t t_start, t_poll, t_last = 0, t_quiet_since = 0;
	struct timespec tick = { 0, 20 * 1000 * 1000 };
	char *buf;
	int ch, nt = 0, done_seen = 0;

	while ((ch = getopt(argc, argv, "d:f:m:M:n:p:s:t:")) != -1) {
		switch (ch) {
		case 'd':
			dir = optarg;
			break;
		case 'f':
			donefile = optarg;
			break;
		case 'm':
			mark = strtoull(optarg, NULL, 10);
			break;
		case 'M':
			mark2 = strtoull(optarg, NULL, 10);
			break;
		case 'n':
			target = strtoull(optarg, NULL, 10);
			break;
		case 'p':
			pid = strtol(optarg, NULL, 10);
			break;
		case 's':
			stall_ms = strtoull(optarg, NULL, 10);
			break;
		case 't':
			timeout_s = strtoull(optarg, NULL, 10);
			break;
		default:
			fprintf(stderr, "usage: count -d dir -n target [-f donefile] "
			    "[-s stall_ms] [-t timeout_s] [-p pid -m mark [-M mark2]]\n");
			return 2;
		}
	}
	if (dir == NULL || target == 0) {
		fprintf(stderr, "count: -d and -n are required\n");
		return 2;
	}
	if ((buf = malloc(READ_SIZE)) == NULL)
		return 1;
	t_start = now_realtime();
	for (;;) {
		t_poll = now_realtime();
		files_scan(dir, files, &nt);
		if (files_read(files, nt, buf, &lines)) {
			t_last = t_poll;
			t_quiet_since = t_poll;
		}
		if (pid > 0 && mark > 0 && rss_mark == 0 && lines >= mark)
			rss_mark = rss_kb(pid);
		if (pid > 0 && mark2 > 0 && rss_mark2 == 0 && lines >= mark2)
			rss_mark2 = rss_kb(pid);
		if (lines >= target) {
			reason = "target";
			break;
		}
		if (!done_seen && donefile != NULL && access(donefile, F_OK) == 0) {
			done_seen = 1;
			if (t_quiet_since < t_poll)
				t_quiet_since = t_poll;
		}
		if ((done_seen || donefile == NULL) && t_quiet_since != 0 &&
		    t_poll - t_quiet_since >= stall_ms * 1000000ULL) {
			reason = "stall";
			break;
		}
		if ((done_seen || donefile == NULL) && t_quiet_since == 0)
			t_quiet_since = t_poll;
		if (t_poll - t_start >= timeout_s * 1000000000ULL) {
			reason = "timeout";
			break;
		}
		nanosleep(&tick, NULL);
	}
	printf("lines=%llu end_ns=%llu reason=%s", (unsigned long long)lines,
	    (unsigned long long)(t_last ? t_last : now_realtime()), reason);
	if (pid > 0 && mark > 0)
		printf(" rss_mark_kb=%lu rss_end_kb=%lu", rss_mark, rss_kb(pid));
	if (pid > 0 && mark2 > 0)
		printf(" rss_mark2_kb=%lu", rss_mark2);
	printf("\n");
	free(buf);
	return 0;
}

/*
 * fuzz_conf.c: libFuzzer target for the configuration parser (conf_load).
 *
 * The input is written to a per-process file under /tmp and loaded.  A
 * rejected file must come back with an error message; an accepted one is
 * dumped (conf_dump), the dump loaded again, and the second dump must be
 * the same bytes (conf.h: "conf_load reads it back to the same
 * configuration").  libConfuse's lexer is process-wide: run single-threaded.
 *
 * Known and suppressed: libConfuse 3.3 leaks the argument list of a
 * function call with a syntax error in it ('include("x" G)').  Leaks
 * whose allocation was made by libConfuse itself are not reported (the
 * allocation stack is cut to its caller so that leaks of memory our code
 * allocated, even inside libConfuse callbacks, still are).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "conf.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Write n bytes to path; aborts on failure (the fuzzer cannot go on). */
static void
fuzz_write_file(const char *path, const void *p, size_t n)
{
	FILE *fp;

	if ((fp = fopen(path, "w")) == NULL)
		abort();
	if (n > 0 && fwrite(p, 1, n, fp) != n)
		abort();
	if (fclose(fp) != 0)
		abort();
}

/* conf_dump into a malloc'd buffer; caller frees. */
static char *
fuzz_dump(const struct conf *c, size_t *len)
{
	char *buf = NULL;
	FILE *fp;

	if ((fp = open_memstream(&buf, len)) == NULL)
		abort();
	conf_dump(c, fp);
	if (fclose(fp) != 0)
		abort();
	return buf;
}

const char *__asan_default_options(void);
const char *__lsan_default_suppressions(void);

/* Allocation stacks of two frames: the allocator and its caller. */
const char *
__asan_default_options(void)
{
	return "malloc_context_size=2";
}

/* libConfuse's own leaks (see above). */
const char *
__lsan_default_suppressions(void)
{
	return "leak:libconfuse.so\n";
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char path[64], err[512], *d1, *d2;
	struct conf *c;
	size_t n1, n2;

	if (size > 1 << 16)
		return 0;
	snprintf(path, sizeof(path), "/tmp/fuzz_conf.%ld.conf", (long)getpid());
	fuzz_write_file(path, data, size);
	err[0] = '\0';
	c = conf_load(path, err, sizeof(err));
	if (c == NULL) {
		if (err[0] == '\0' || memchr(err, '\0', sizeof(err)) == NULL)
			abort();
		unlink(path);
		return 0;
	}
	d1 = fuzz_dump(c, &n1);
	conf_free(c);

	fuzz_write_file(path, d1, n1);
	c = conf_load(path, err, sizeof(err));
	unlink(path);
	if (c == NULL) {
		fprintf(stderr, "dump does not load back: %s\n--- dump:\n%.*s\n",
		    err, (int)n1, d1);
		abort();
	}
	d2 = fuzz_dump(c, &n2);
	conf_free(c);
	if (n1 != n2 || memcmp(d1, d2, n1) != 0) {
		fprintf(stderr, "dump changed on reload:\n%.*s\n---\n%.*s\n",
		    (int)n1, d1, (int)n2, d2);
		abort();
	}
	free(d1);
	free(d2);
	return 0;
}

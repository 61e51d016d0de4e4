/*
 * fuzz_sigma.c: libFuzzer target for the Sigma loader (YAML through
 * libyaml, modifiers, re translation, the condition grammar, the literal
 * index, which must offer what trying every rule offers) and the mapping
 * files, both read at start and on reload.
 *
 * An input starting with "#map" is written as the one mapping file
 * (sigma/fuzz.map) beside a fixed rule; any other input is the one rule
 * file (fuzz.yml) beside a fixed mapping whose fallback takes any field.
 * A rule is either loaded or reported skipped with a reason, never both
 * and never neither; a bad mapping fails the load with an error.  A loaded
 * set is matched against fixed events.
 */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <json.h>

#include "detect.h"
#include "detect_set.h"
#include "parse.h"
#include "sigma.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char fuzz_map[] =
    "name: any\nlogsource: {product: test}\nfields:\n"
    "  Host: host.hostname\n  Kind: kv:type\nfallback: \"{}\"\ntarget: Target\n";
static const char fuzz_rule[] = "title: t\nid: x\nlogsource: {product: test}\n"
				"detection:\n  sel:\n    F|contains: a\n  condition: sel\n";

/*
 * Each norm holds only values that are pieces of its line, as liblognorm's
 * are: what the literal index trusts (sigma_index.c).
 */
static const char *const fuzz_lines[] = {
    ("<13>Nov 27 10:00:00 host app: {\"F\":\"abc\",\"G\":\"C:\\\\Windows\\\\net.exe user /add\","
     "\"EventID\":4720,\"json\":{\"F\":1}}"),
    "<13>Nov 27 10:00:00 host app: type=ADD_USER msg=audit(1:2): acct=\"x\" \\u0041",
    "<13>Nov 27 10:00:00 host app: {\"F\":\"ABC\\/Def xMimikatz\",\"H\":\"say \\\"hi\\\"\"}",
};
static const char *const fuzz_norms[] = {
    ("{\"event.tags\":[\"json\"],\"F\":\"abc\",\"G\":\"C:\\\\Windows\\\\net.exe user /add\","
     "\"EventID\":4720,\"json\":{\"F\":1}}"),
    NULL,
    "{\"F\":\"ABC/Def xMimikatz\",\"H\":\"say \\\"hi\\\"\"}",
};

static char fuzz_dir[64];

static void
fuzz_cleanup(void)
{
	char path[128];

	snprintf(path, sizeof(path), "%s/sigma/fuzz.map", fuzz_dir);
	unlink(path);
	snprintf(path, sizeof(path), "%s/sigma", fuzz_dir);
	rmdir(path);
	snprintf(path, sizeof(path), "%s/fuzz.yml", fuzz_dir);
	unlink(path);
	rmdir(fuzz_dir);
}

static void
put(const char *name, const void *data, size_t size)
{
	char path[128];
	FILE *fp;

	snprintf(path, sizeof(path), "%s/%s", fuzz_dir, name);
	if ((fp = fopen(path, "w")) == NULL)
		abort();
	if (size > 0 && fwrite(data, 1, size, fp) != size)
		abort();
	if (fclose(fp) != 0)
		abort();
}

/* The detections offered, in order; at most 64 (one rule, few shapes). */
struct offered {
	size_t v[64];
	size_t n;
};

static void
offercb(size_t det, void *arg)
{
	struct offered *o = arg;

	if (o->n == sizeof(o->v) / sizeof(o->v[0]))
		abort();
	o->v[o->n++] = det;
}

static void
fuzz_match(const struct detect_set *s, size_t i)
{
	struct offered indexed = {.n = 0}, all = {.n = 0};
	struct syslog_msg msg;
	struct detect_event ev;
	struct detect_result res;
	struct json_object *norm = NULL;

	parse_message(fuzz_lines[i], strlen(fuzz_lines[i]), 1764237600, &msg);
	if (fuzz_norms[i] != NULL && (norm = json_tokener_parse(fuzz_norms[i])) == NULL)
		abort();
	ev.msg = &msg;
	ev.norm = norm;
	ev.source_ip = "192.0.2.1";
	if (detect_match(s, &ev, &res) && (res.detection == NULL || !res.detection->sigma))
		abort();
	/* the index never changes what matches */
	sigma_match(s->sigma, &ev, offercb, &indexed);
	sigma_match_all(s->sigma, &ev, offercb, &all);
	if (indexed.n != all.n || memcmp(indexed.v, all.v, all.n * sizeof(all.v[0])) != 0)
		abort();
	if (norm != NULL)
		json_object_put(norm);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char path[128], err[512];
	struct detect_set *s;
	bool map = size >= 4 && memcmp(data, "#map", 4) == 0;
	size_t i;

	if (size > 1 << 16)
		return 0;
	if (fuzz_dir[0] == '\0') {
		snprintf(fuzz_dir, sizeof(fuzz_dir), "/tmp/fuzz_sigma.%ld.XXXXXX", (long)getpid());
		if (mkdtemp(fuzz_dir) == NULL)
			abort();
		snprintf(path, sizeof(path), "%s/sigma", fuzz_dir);
		if (mkdir(path, 0700) == -1)
			abort();
		atexit(fuzz_cleanup);
	}
	put("sigma/fuzz.map", map ? (const void *)data : fuzz_map, map ? size : strlen(fuzz_map));
	put("fuzz.yml", map ? (const void *)fuzz_rule : data, map ? strlen(fuzz_rule) : size);
	err[0] = '\0';
	s = detect_load_sigma(fuzz_dir, NULL, err, sizeof(err));
	if (s == NULL) {
		/* only a mapping may fail the load */
		if (!map || err[0] == '\0' || memchr(err, '\0', sizeof(err)) == NULL)
			abort();
		return 0;
	}
	if (!map && detect_count(s) + 0 > 0 && s->sigma_report->n_skips > 0)
		abort();
	if (!map && detect_count(s) == 0 && s->sigma_report->n_skips != 1)
		abort();
	for (i = 0; i < sizeof(fuzz_lines) / sizeof(fuzz_lines[0]); i++)
		fuzz_match(s, i);
	detect_free(s);
	return 0;
}

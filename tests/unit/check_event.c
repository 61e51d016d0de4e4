/*
 * check_event.c: event_format output read back with libfastjson, field by
 * field.  Messages are built by hand so these tests do not depend on the
 * parsers; one test goes through parse_message.
 */
#include "config.h"

#include <check.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "event.h"
#include "framing.h"
#include "peer.h"
#include "unit.h"

/* 2026-11-27T16:59:37.000123Z */
#define RECEIVED_SEC  1795798777
#define RECEIVED_NSEC 123456

struct fixture {
	struct syslog_msg msg;
	struct event_input in;
	struct strbuf out;
	struct strbuf scratch;
	struct json_object *event;
};

/* A slice of raw at the first occurrence of s (which must be there). */
static struct slice
slice_of(const char *raw, size_t raw_len, const char *s)
{
	struct slice sl;
	const char *p = memmem(raw, raw_len, s, strlen(s));

	ck_assert_msg(p != NULL, "\"%s\" not in frame", s);
	sl.p = p;
	sl.len = strlen(s);
	return sl;
}

/* An empty message and input: UDP from 192.0.2.7:5514 on "lan_udp". */
static void
fixture_init(struct fixture *fx, const char *raw, size_t raw_len)
{
	memset(fx, 0, sizeof(*fx));
	fx->in.raw = raw;
	fx->in.raw_len = raw_len;
	fx->in.msg = &fx->msg;
	fx->in.input_name = "lan_udp";
	fx->in.transport = "udp";
	fx->in.source_ip = "192.0.2.7";
	fx->in.source_port = 5514;
	fx->in.received.tv_sec = RECEIVED_SEC;
	fx->in.received.tv_nsec = RECEIVED_NSEC;
	strbuf_init(&fx->out);
	strbuf_init(&fx->scratch);
}

static void
fixture_fini(struct fixture *fx)
{
	if (fx->event != NULL)
		json_object_put(fx->event);
	strbuf_free(&fx->out);
	strbuf_free(&fx->scratch);
}

/* Parse exactly len bytes as one JSON value, or fail. */
static struct json_object *
parse_exact(const char *s, size_t len)
{
	struct json_tokener *tok = json_tokener_new();
	struct json_object *o;

	o = json_tokener_parse_ex(tok, s, (int)len);
	ck_assert_msg(o != NULL, "not JSON: %.*s", (int)len, s);
	ck_assert_int_eq(tok->char_offset, (int)len);
	json_tokener_free(tok);
	return o;
}

/*
 * Format the event and read it back: exactly one line, ending in '\n',
 * no raw control character, an object.
 */
static struct json_object *
format_event(struct fixture *fx)
{
	size_t start = fx->out.len, i;
	const char *line;

	ck_assert_int_eq(event_format(&fx->out, &fx->scratch, &fx->in), 0);
	ck_assert_uint_gt(fx->out.len, start + 1);
	line = fx->out.data + start;
	ck_assert_int_eq(fx->out.data[fx->out.len - 1], '\n');
	for (i = 0; i < fx->out.len - start - 1; i++)
		ck_assert_msg((unsigned char)line[i] >= 0x20,
		    "raw byte 0x%02x at %zu", (unsigned char)line[i], i);
	if (fx->event != NULL)
		json_object_put(fx->event);
	fx->event = parse_exact(line, fx->out.len - start - 1);
	ck_assert(json_object_is_type(fx->event, json_type_object));
	return fx->event;
}

/* Follow a path of member names separated by '|' (SD ids contain '.'). */
static struct json_object *
get(struct json_object *o, const char *path)
{
	char buf[256], *p, *save = NULL;

	snprintf(buf, sizeof(buf), "%s", path);
	for (p = strtok_r(buf, "|", &save); p != NULL; p = strtok_r(NULL, "|", &save)) {
		if (!json_object_is_type(o, json_type_object) ||
		    !json_object_object_get_ex(o, p, &o))
			return NULL;
	}
	return o;
}

/* The value at path, written as plain JSON, is want. */
static void
assert_json(struct json_object *o, const char *path, const char *want)
{
	struct json_object *v = get(o, path);

	ck_assert_msg(v != NULL, "%s missing", path);
	ck_assert_str_eq(json_object_to_json_string_ext(v, JSON_C_TO_STRING_PLAIN), want);
}

static void
assert_str(struct json_object *o, const char *path, const char *want)
{
	struct json_object *v = get(o, path);

	ck_assert_msg(v != NULL, "%s missing", path);
	ck_assert_msg(json_object_is_type(v, json_type_string), "%s not a string", path);
	ck_assert_msg(strcmp(json_object_get_string(v), want) == 0,
	    "%s: got \"%s\", want \"%s\"", path, json_object_get_string(v), want);
}

static void
assert_int(struct json_object *o, const char *path, int64_t want)
{
	struct json_object *v = get(o, path);

	ck_assert_msg(v != NULL, "%s missing", path);
	ck_assert_msg(json_object_is_type(v, json_type_int), "%s not an int", path);
	ck_assert_int_eq(json_object_get_int64(v), want);
}

static void
assert_absent(struct json_object *o, const char *path)
{
	ck_assert_msg(get(o, path) == NULL, "%s present", path);
}

/* Whether the tags array holds tag. */
static int
has_tag(struct json_object *o, const char *tag)
{
	struct json_object *tags = get(o, "tags");
	int i, n;

	if (tags == NULL)
		return 0;
	ck_assert(json_object_is_type(tags, json_type_array));
	n = json_object_array_length(tags);
	for (i = 0; i < n; i++)
		if (strcmp(json_object_get_string(json_object_array_get_idx(tags, i)),
		    tag) == 0)
			return 1;
	return 0;
}

static int
tag_count(struct json_object *o)
{
	struct json_object *tags = get(o, "tags");

	return tags == NULL ? 0 : json_object_array_length(tags);
}

static const char rfc5424_frame[] =
    "<165>1 2003-10-11T22:14:15.003Z mymachine.example.com evntslog 1234 ID47 "
    "[exampleSDID@32473 iut=\"3\" eventSource=\"Appli\\\"cation\\\\\" "
    "eventID=\"1011\" eventID=\"1012\"][examplePriority@32473 class=\"high\\]\"]"
    "[empty.element@1] An application event log entry...";

/* The RFC 5424 example message with SD, as the parser would give it. */
static void
fixture_rfc5424(struct fixture *fx)
{
	const char *raw = rfc5424_frame;
	size_t len = sizeof(rfc5424_frame) - 1;

	fixture_init(fx, raw, len);
	fx->msg.format = MSG_FORMAT_RFC5424;
	fx->msg.pri = 165;
	fx->msg.version = 1;
	fx->msg.time.present = true;
	fx->msg.time.epoch = 1065910455;
	fx->msg.time.usec = 3000;
	fx->msg.time.frac_digits = 3;
	fx->msg.time.tz_known = true;
	fx->msg.timestamp = slice_of(raw, len, "2003-10-11T22:14:15.003Z");
	fx->msg.hostname = slice_of(raw, len, "mymachine.example.com");
	fx->msg.appname = slice_of(raw, len, "evntslog");
	fx->msg.procid = slice_of(raw, len, "1234");
	fx->msg.msgid = slice_of(raw, len, "ID47");
	fx->msg.sd.p = strchr(raw, '[');
	fx->msg.sd.len = (size_t)(strstr(raw, "] An") + 1 - fx->msg.sd.p);
	fx->msg.msg = slice_of(raw, len, "An application event log entry...");
}

START_TEST(test_rfc5424_full)
{
	struct fixture fx;
	struct json_object *e, *ids;

	fixture_rfc5424(&fx);
	e = format_event(&fx);
	assert_str(e, "@timestamp", "2003-10-11T22:14:15.003000Z");
	assert_str(e, "event|created", "2026-11-27T16:59:37.000123Z");
	assert_str(e, "event|original", rfc5424_frame);
	assert_str(e, "event|kind", "event");
	assert_int(e, "log|syslog|priority", 165);
	assert_int(e, "log|syslog|facility|code", 20);
	assert_str(e, "log|syslog|facility|name", "local4");
	assert_int(e, "log|syslog|severity|code", 5);
	assert_str(e, "log|syslog|severity|name", "notice");
	/* ECS: a keyword */
	assert_str(e, "log|syslog|version", "1");
	assert_str(e, "log|syslog|hostname", "mymachine.example.com");
	assert_str(e, "log|syslog|appname", "evntslog");
	assert_str(e, "log|syslog|procid", "1234");
	assert_str(e, "log|syslog|msgid", "ID47");
	assert_str(e, "host|hostname", "mymachine.example.com");
	assert_str(e, "source|ip", "192.0.2.7");
	assert_int(e, "source|port", 5514);
	assert_str(e, "network|transport", "udp");
	assert_str(e, "observer|ingress|interface|name", "lan_udp");
	assert_str(e, "message", "An application event log entry...");

	/* SD: escapes undone, repeated param as array, empty element */
	assert_str(e, "log|syslog|structured_data|exampleSDID@32473|iut", "3");
	assert_str(e, "log|syslog|structured_data|exampleSDID@32473|eventSource",
	    "Appli\"cation\\");
	ids = get(e, "log|syslog|structured_data|exampleSDID@32473|eventID");
	ck_assert_ptr_nonnull(ids);
	ck_assert(json_object_is_type(ids, json_type_array));
	ck_assert_int_eq(json_object_array_length(ids), 2);
	ck_assert_str_eq(json_object_get_string(json_object_array_get_idx(ids, 0)), "1011");
	ck_assert_str_eq(json_object_get_string(json_object_array_get_idx(ids, 1)), "1012");
	assert_str(e, "log|syslog|structured_data|examplePriority@32473|class", "high]");
	ck_assert_int_eq(json_object_object_length(
	    get(e, "log|syslog|structured_data|empty.element@1")), 0);
	ck_assert_int_eq(json_object_object_length(
	    get(e, "log|syslog|structured_data")), 3);

	assert_absent(e, "tags");
	assert_absent(e, "error");
	assert_absent(e, "log|syslog|structured_data_raw");
	fixture_fini(&fx);
}
END_TEST

/* The exact text: order of keys, nesting, no duplicate key anywhere. */
START_TEST(test_rfc5424_exact_text)
{
	static const char want[] =
	    "{\"@timestamp\":\"2003-10-11T22:14:15.003000Z\","
	    "\"event\":{\"created\":\"2026-11-27T16:59:37.000123Z\",\"kind\":\"event\","
	    "\"original\":\"<165>1 2003-10-11T22:14:15.003Z mymachine.example.com "
	    "evntslog 1234 ID47 [exampleSDID@32473 iut=\\\"3\\\" "
	    "eventSource=\\\"Appli\\\\\\\"cation\\\\\\\\\\\" eventID=\\\"1011\\\" "
	    "eventID=\\\"1012\\\"][examplePriority@32473 class=\\\"high\\\\]\\\"]"
	    "[empty.element@1] An application event log entry...\"},"
	    "\"host\":{\"hostname\":\"mymachine.example.com\"},"
	    "\"log\":{\"syslog\":{\"appname\":\"evntslog\","
	    "\"facility\":{\"code\":20,\"name\":\"local4\"},"
	    "\"hostname\":\"mymachine.example.com\",\"msgid\":\"ID47\","
	    "\"priority\":165,\"procid\":\"1234\","
	    "\"severity\":{\"code\":5,\"name\":\"notice\"},"
	    "\"structured_data\":{\"empty.element@1\":{},"
	    "\"examplePriority@32473\":{\"class\":\"high]\"},"
	    "\"exampleSDID@32473\":{\"eventID\":[\"1011\",\"1012\"],"
	    "\"eventSource\":\"Appli\\\"cation\\\\\",\"iut\":\"3\"}},"
	    "\"version\":\"1\"}},"
	    "\"message\":\"An application event log entry...\","
	    "\"network\":{\"transport\":\"udp\"},"
	    "\"observer\":{\"ingress\":{\"interface\":{\"name\":\"lan_udp\"}}},"
	    "\"source\":{\"ip\":\"192.0.2.7\",\"port\":5514}}\n";
	struct fixture fx;

	fixture_rfc5424(&fx);
	ck_assert_int_eq(event_format(&fx.out, &fx.scratch, &fx.in), 0);
	ck_assert_str_eq(strbuf_cstr(&fx.out), want);
	fixture_fini(&fx);
}
END_TEST

START_TEST(test_rfc3164_no_hostname)
{
	static const char raw[] = "<38>Nov 27 17:06:17 sshd[4242]: Accepted password for bob";
	struct fixture fx;
	struct json_object *e;

	fixture_init(&fx, raw, sizeof(raw) - 1);
	fx.msg.format = MSG_FORMAT_RFC3164;
	fx.msg.pri = 38;
	fx.msg.time.present = true;
	fx.msg.time.epoch = 1795799177; /* 2026-11-27T17:06:17Z */
	fx.msg.timestamp = slice_of(raw, sizeof(raw) - 1, "Nov 27 17:06:17");
	fx.msg.appname = slice_of(raw, sizeof(raw) - 1, "sshd");
	fx.msg.procid = slice_of(raw, sizeof(raw) - 1, "4242");
	fx.msg.msg = slice_of(raw, sizeof(raw) - 1, "Accepted password for bob");
	fx.msg.flags = MSG_FLAG_NO_HOSTNAME | MSG_FLAG_YEAR_GUESSED;
	e = format_event(&fx);
	assert_str(e, "host|hostname", "192.0.2.7");
	assert_absent(e, "log|syslog|hostname");
	assert_absent(e, "log|syslog|version");
	assert_absent(e, "log|syslog|msgid");
	assert_absent(e, "log|syslog|structured_data");
	assert_str(e, "@timestamp", "2026-11-27T17:06:17.000000Z");
	assert_str(e, "log|syslog|appname", "sshd");
	assert_str(e, "log|syslog|procid", "4242");
	assert_str(e, "log|syslog|facility|name", "auth");
	assert_str(e, "log|syslog|severity|name", "info");
	assert_str(e, "message", "Accepted password for bob");
	ck_assert(has_tag(e, "_syslog_no_hostname"));
	ck_assert(has_tag(e, "_syslog_year_guessed")); /* only a year not the receipt's */
	ck_assert_int_eq(tag_count(e), 2);

	/* no source address either: no host.hostname, no source.* */
	fx.in.source_ip = NULL;
	e = format_event(&fx);
	assert_absent(e, "host");
	assert_absent(e, "source");
	fixture_fini(&fx);
}
END_TEST

START_TEST(test_unparsed_hostile_bytes)
{
	static const char raw[] =
	    "\x01\xff\xfe garbage \"q\" \\ \0 nul \xc3\x28 \xed\xa0\x80 \xc3\xa9\r\x1b[0m";
	/* what a JSON reader gets: invalid bytes as U+00XX, the rest as is */
	static const char want[] =
	    "\x01\xc3\xbf\xc3\xbe garbage \"q\" \\ \0 nul \xc3\x83( "
	    "\xc3\xad\xc2\xa0\xc2\x80 \xc3\xa9\r\x1b[0m";
	struct fixture fx;
	struct json_object *e, *orig;

	fixture_init(&fx, raw, sizeof(raw) - 1);
	fx.msg.format = MSG_FORMAT_UNPARSED;
	fx.msg.pri = 13;
	fx.msg.error = "invalid PRI";
	fx.msg.error_col = 1;
	fx.msg.msg.p = raw;
	fx.msg.msg.len = sizeof(raw) - 1;
	fx.msg.flags = MSG_FLAG_NO_TIMESTAMP;
	e = format_event(&fx);
	orig = get(e, "event|original");
	ck_assert_ptr_nonnull(orig);
	ck_assert_int_eq(json_object_get_string_len(orig), (int)sizeof(want) - 1);
	ck_assert(memcmp(json_object_get_string(orig), want, sizeof(want) - 1) == 0);
	orig = get(e, "message");
	ck_assert_int_eq(json_object_get_string_len(orig), (int)sizeof(want) - 1);
	assert_str(e, "error|message", "invalid PRI at column 1");
	assert_str(e, "@timestamp", "2026-11-27T16:59:37.000123Z");
	assert_absent(e, "log|syslog|version");
	ck_assert(has_tag(e, "_syslog_parse_failure"));
	ck_assert(has_tag(e, "_syslog_no_timestamp"));
	ck_assert_int_eq(tag_count(e), 2);
	fixture_fini(&fx);
}
END_TEST

/* Build a libfastjson object from JSON text. */
static struct json_object *
norm_from(const char *text)
{
	return parse_exact(text, strlen(text));
}

START_TEST(test_norm_merged)
{
	struct fixture fx;
	struct json_object *e;

	fixture_rfc5424(&fx);
	fx.in.norm = norm_from(
	    "{\"user.target.name\":\"bob\",\"user.target.id\":\"1001\","
	    "\"event.tags\":[\"iam.user.create\"],\"event.action\":\"user-created\","
	    "\"originalmsg\":\"x\",\"unparsed-data\":\"y\",\"metadata\":{\"rule\":1},"
	    "\"metadata.rule\":\"z\",\"count\":3,\"ok\":true,\"list\":[1,\"a\"],"
	    "\"obj\":{\"k\":null}}");
	e = format_event(&fx);
	assert_str(e, "user|target|name", "bob");
	assert_str(e, "user|target|id", "1001");
	ck_assert_int_eq(json_object_object_length(get(e, "user|target")), 2);
	/* merged into the header's "event" object */
	assert_str(e, "event|action", "user-created");
	assert_str(e, "event|kind", "event");
	assert_str(e, "event|original", rfc5424_frame);
	assert_absent(e, "event|tags");
	assert_absent(e, "event.tags");
	assert_absent(e, "originalmsg");
	assert_absent(e, "unparsed-data");
	assert_absent(e, "metadata");
	assert_int(e, "count", 3);
	ck_assert(json_object_get_boolean(get(e, "ok")));
	ck_assert_int_eq(json_object_array_length(get(e, "list")), 2);
	ck_assert(json_object_is_type(get(e, "obj|k"), json_type_null));
	ck_assert(has_tag(e, "iam.user.create"));
	ck_assert_int_eq(tag_count(e), 1);
	json_object_put(fx.in.norm);
	fixture_fini(&fx);
}
END_TEST

/*
 * Keys that share the first byte or a prefix with liblognorm's
 * bookkeeping keys (event_norm_key_skipped switches on the first byte)
 * and with "json" are fields like any other.
 */
START_TEST(test_norm_near_skipped)
{
	struct fixture fx;
	struct json_object *e;

	fixture_rfc5424(&fx);
	fx.in.norm = norm_from(
	    "{\"event.tag\":\"a\",\"event.tagsx\":\"b\",\"originalmsg2\":\"c\","
	    "\"original\":\"d\",\"unparsed-dat\":\"e\",\"unparsed-data.x\":\"f\","
	    "\"metadat\":\"g\",\"metadata2\":\"h\",\"jso\":\"i\",\"json2\":\"j\","
	    "\"u\":\"k\",\"m\":\"l\",\"o\":\"m\"}");
	e = format_event(&fx);
	assert_str(e, "event|tag", "a");
	assert_str(e, "event|tagsx", "b");
	assert_str(e, "originalmsg2", "c");
	assert_str(e, "original", "d");
	assert_str(e, "unparsed-dat", "e");
	assert_str(e, "unparsed-data|x", "f");
	assert_str(e, "metadat", "g");
	/* "metadata" is a prefix: every key that starts so is bookkeeping */
	assert_absent(e, "metadata2");
	assert_str(e, "jso", "i");
	assert_str(e, "json2", "j");
	assert_str(e, "u", "k");
	assert_str(e, "m", "l");
	assert_str(e, "o", "m");
	ck_assert_int_eq(tag_count(e), 0);
	json_object_put(fx.in.norm);
	fixture_fini(&fx);
}
END_TEST

START_TEST(test_norm_conflicts)
{
	struct fixture fx;
	struct json_object *e;

	fixture_rfc5424(&fx);
	fx.in.norm = norm_from(
	    "{\"message\":\"evil\",\"log.syslog.hostname\":\"evil\","
	    "\"log.syslog\":\"flat\",\"source.ip.v4\":\"1\",\"event\":\"x\","
	    "\"host.hostname.short\":\"y\",\"tags\":[\"t\"],"
	    "\"log.syslog.structured_data.x\":\"1\","
	    "\"user\":\"leaf\",\"user.name\":\"u\","
	    "\"log.file.path\":\"/var/log/x\",\"event.category\":\"iam\"}");
	e = format_event(&fx);
	assert_str(e, "message", "An application event log entry...");
	assert_str(e, "log|syslog|hostname", "mymachine.example.com");
	assert_str(e, "source|ip", "192.0.2.7");
	assert_str(e, "host|hostname", "mymachine.example.com");
	assert_str(e, "event|kind", "event");
	assert_str(e, "user", "leaf");
	/* the ones that fit are merged */
	assert_str(e, "log|file|path", "/var/log/x");
	assert_json(e, "event|category", "[\"iam\"]");
	assert_int(e, "log|syslog|priority", 165);
	ck_assert(has_tag(e, "_normalize_field_conflict"));
	ck_assert_int_eq(tag_count(e), 1);
	json_object_put(fx.in.norm);

	/*
	 * "json.x" from a rule: not a top-level "json" beside the body's
	 * namespace (found by fuzz_event); "jsonx.y" is an ordinary key
	 */
	fx.in.norm = norm_from("{\"json.b\":2,\"json\":{\"k\":1},\"jsonx.y\":\"z\"}");
	e = format_event(&fx);
	assert_absent(e, "json");
	assert_json(e, "logward|json", "{\"k\":1}");
	assert_str(e, "jsonx|y", "z");
	ck_assert(has_tag(e, "_normalize_field_conflict"));
	json_object_put(fx.in.norm);
	fx.in.norm = norm_from("{\"json.b\":2}");
	e = format_event(&fx);
	assert_absent(e, "json");
	ck_assert(has_tag(e, "_normalize_field_conflict"));
	json_object_put(fx.in.norm);

	/* a liblognorm leaf where a later liblognorm key needs an object */
	fx.in.norm = norm_from("{\"a.b\":\"1\",\"a.b.c\":\"2\",\"a.bc\":\"3\"}");
	e = format_event(&fx);
	assert_str(e, "a|b", "1");
	assert_str(e, "a|bc", "3");
	ck_assert(has_tag(e, "_normalize_field_conflict"));
	json_object_put(fx.in.norm);
	fixture_fini(&fx);
}
END_TEST

START_TEST(test_norm_bad_keys)
{
	struct fixture fx;
	struct json_object *e;
	char deep[256];
	int i;

	fixture_rfc5424(&fx);
	/* 17 segments: too deep; empty segments; fine siblings stay */
	deep[0] = '\0';
	for (i = 0; i < 17; i++)
		strcat(deep, i ? ".s" : "s");
	fx.in.norm = json_object_new_object();
	json_object_object_add(fx.in.norm, deep, json_object_new_string("x"));
	json_object_object_add(fx.in.norm, "a..b", json_object_new_string("x"));
	json_object_object_add(fx.in.norm, ".a", json_object_new_string("x"));
	json_object_object_add(fx.in.norm, "a.", json_object_new_string("x"));
	json_object_object_add(fx.in.norm, "", json_object_new_string("x"));
	json_object_object_add(fx.in.norm, "ok.fine", json_object_new_string("y"));
	e = format_event(&fx);
	assert_absent(e, "s");
	assert_absent(e, "a");
	ck_assert(!json_object_object_get_ex(e, "", NULL));
	assert_str(e, "ok|fine", "y");
	ck_assert(has_tag(e, "_normalize_field_dropped"));
	ck_assert(!has_tag(e, "_normalize_field_conflict"));
	json_object_put(fx.in.norm);

	/* 16 segments is fine */
	deep[0] = '\0';
	for (i = 0; i < 16; i++)
		strcat(deep, i ? ".s" : "s");
	fx.in.norm = json_object_new_object();
	json_object_object_add(fx.in.norm, deep, json_object_new_string("x"));
	e = format_event(&fx);
	assert_str(e, "s|s|s|s|s|s|s|s|s|s|s|s|s|s|s|s", "x");
	ck_assert_int_eq(tag_count(e), 0);
	json_object_put(fx.in.norm);
	fixture_fini(&fx);
}
END_TEST

/* Nest n arrays. */
static struct json_object *
nested_arrays(int n)
{
	struct json_object *root = json_object_new_array(), *o = root, *c;
	int i;

	for (i = 1; i < n; i++) {
		c = json_object_new_array();
		json_object_array_add(o, c);
		o = c;
	}
	return root;
}

START_TEST(test_norm_deep_value)
{
	struct fixture fx;
	struct json_object *e;

	fixture_rfc5424(&fx);
	fx.in.norm = json_object_new_object();
	/* at "x.y" (depth 2) a value may nest 30 deep, not 31 */
	json_object_object_add(fx.in.norm, "x.y", nested_arrays(30));
	json_object_object_add(fx.in.norm, "x.z", nested_arrays(31));
	e = format_event(&fx);
	ck_assert_ptr_nonnull(get(e, "x|y"));
	assert_absent(e, "x|z");
	ck_assert(has_tag(e, "_normalize_field_dropped"));
	json_object_put(fx.in.norm);
	fixture_fini(&fx);
}
END_TEST

START_TEST(test_norm_many_fields)
{
	struct fixture fx;
	struct json_object *e, *f;
	char key[32];
	int i;

	fixture_rfc5424(&fx);
	fx.in.norm = json_object_new_object();
	/* in reverse so the sort has work to do; half of them nested */
	for (i = 299; i >= 0; i--) {
		snprintf(key, sizeof(key), i % 2 ? "f.k%03d" : "g%03d", i);
		json_object_object_add(fx.in.norm, key, json_object_new_int(i));
	}
	e = format_event(&fx);
	f = get(e, "f");
	ck_assert_ptr_nonnull(f);
	/* 256 kept, whichever they are, and each with its own value */
	ck_assert_int_eq(json_object_object_length(f) +
	    json_object_object_length(e) - 10, 256);
	for (i = 0; i < 300; i++) {
		snprintf(key, sizeof(key), i % 2 ? "f|k%03d" : "g%03d", i);
		if (get(e, key) != NULL)
			assert_int(e, key, i);
	}
	ck_assert(has_tag(e, "_normalize_field_dropped"));
	json_object_put(fx.in.norm);
	fixture_fini(&fx);
}
END_TEST

/*
 * Every header field, with and without liblognorm fields between them, as
 * exact text: the header moves (rendered once, then copied) must give the
 * same nesting and commas as working each key out.
 */
static const char full_header_only[] =
    "{\"@timestamp\":\"2026-11-27T16:59:37.000123Z\",\"event\":{\"created\":"
    "\"2026-11-27T16:59:37.000123Z\",\"kind\":\"event\",\"original\":\"raw\"},"
    "\"host\":{\"hostname\":\"h\"},\"log\":{\"syslog\":{\"appname\":\"a\","
    "\"facility\":{\"code\":1,\"name\":\"user\"},\"hostname\":\"h\",\"msgid\":\"m\","
    "\"priority\":13,\"procid\":\"p\",\"severity\":{\"code\":5,\"name\":\"notice\"},"
    "\"version\":\"1\"}},\"message\":\"hi\",\"network\":{\"transport\":\"udp\"},"
    "\"observer\":{\"ingress\":{\"interface\":{\"name\":\"lan_udp\"}}},\"source\":{\"ip\":\"192.0.2.7\","
    "\"port\":5514},\"tags\":[\"_syslog_bom_removed\"],\"tls\":{\"cipher\":\"C\","
    "\"client\":{\"hash\":{\"sha256\":\"AB\"},\"subject\":\"CN=x\"},\"version\":\"1.3\","
    "\"version_protocol\":\"tls\"}}\n";
static const char full_header_mixed[] =
    "{\"0first\":1,\"@timestamp\":\"2026-11-27T16:59:37.000123Z\",\"event\":{\"action\":2,"
    "\"created\":\"2026-11-27T16:59:37.000123Z\",\"kind\":\"event\",\"original\":\"raw\"},"
    "\"host\":{\"hostname\":\"h\"},\"log\":{\"syslog\":{\"appname\":\"a\","
    "\"facility\":{\"code\":1,\"name\":\"user\",\"zz\":3},\"hostname\":\"h\",\"msgid\":\"m\","
    "\"priority\":13,\"procid\":\"p\",\"severity\":{\"code\":5,\"name\":\"notice\"},"
    "\"version\":\"1\"},\"zzz\":4},\"message\":\"hi\",\"network\":{\"transport\":\"udp\"},"
    "\"observer\":{\"ingress\":{\"interface\":{\"name\":\"lan_udp\"}}},\"source\":{\"ip\":\"192.0.2.7\","
    "\"nat\":{\"ip\":5},\"port\":5514},\"tags\":[\"_syslog_bom_removed\"],\"tls\":{\"cipher\":\"C\","
    "\"client\":{\"hash\":{\"sha256\":\"AB\"},\"subject\":\"CN=x\",\"x509\":{\"alt\":6}},"
    "\"version\":\"1.3\",\"version_protocol\":\"tls\"},\"user\":{\"name\":7}}\n";

START_TEST(test_header_moves_exact)
{
	static const char raw[] = "raw";
	static const char *const keys[] = { "user.name", "tls.client.x509.alt", "source.nat.ip",
		"log.zzz", "log.syslog.facility.zz", "event.action", "0first" };
	static const int values[] = { 7, 6, 5, 4, 3, 2, 1 };
	struct fixture fx;
	struct peer_tls *tls = calloc(1, sizeof(*tls) + sizeof("CN=x"));
	size_t i;

	ck_assert_ptr_nonnull(tls);
	tls->version = "1.3";
	tls->cipher = "C";
	memcpy(tls->sha256, "AB", 3);
	memcpy(tls->subject, "CN=x", 5);
	fixture_init(&fx, raw, sizeof(raw) - 1);
	fx.in.tls = tls;
	fx.msg.format = MSG_FORMAT_RFC5424;
	fx.msg.pri = 13;
	fx.msg.version = 1;
	fx.msg.flags = MSG_FLAG_BOM;
	fx.msg.hostname.p = "h";
	fx.msg.hostname.len = 1;
	fx.msg.appname.p = "a";
	fx.msg.appname.len = 1;
	fx.msg.procid.p = "p";
	fx.msg.procid.len = 1;
	fx.msg.msgid.p = "m";
	fx.msg.msgid.len = 1;
	fx.msg.msg.p = "hi";
	fx.msg.msg.len = 2;
	/* twice each: the second run copies moves the first one rendered */
	for (i = 0; i < 2; i++) {
		fx.out.len = 0;
		ck_assert_int_eq(event_format(&fx.out, &fx.scratch, &fx.in), 0);
		ck_assert_uint_eq(fx.out.len, sizeof(full_header_only) - 1);
		ck_assert(memcmp(fx.out.data, full_header_only, fx.out.len) == 0);
	}
	fx.in.norm = json_object_new_object();
	for (i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
		json_object_object_add(fx.in.norm, keys[i], json_object_new_int(values[i]));
	fx.out.len = 0;
	ck_assert_int_eq(event_format(&fx.out, &fx.scratch, &fx.in), 0);
	ck_assert_msg(fx.out.len == sizeof(full_header_mixed) - 1 &&
	    memcmp(fx.out.data, full_header_mixed, fx.out.len) == 0, "got %.*s",
	    (int)fx.out.len, fx.out.data);
	json_object_put(fx.in.norm);
	fixture_fini(&fx);
	free(tls);
}
END_TEST

/*
 * Key order ('.' below every byte, then unsigned bytes) where the keys
 * first differ at each offset 0 to 19: the compare skips the common
 * prefix 8 bytes at a time, so the differing byte falls in the first,
 * second and third word and in the bytes after the last whole word.
 * Byte order alone would put "P-" (0x2d) before "P.x" (0x2e).
 */
START_TEST(test_norm_key_order_offsets)
{
	static const char *const tails[] = { ".x", "-", "0", "\x7f", "\xc3\xa9" };
	struct fixture fx;
	char prefix[24], key[32], needle[40];
	const char *line, *at, *last;
	size_t plen, t;

	fixture_rfc5424(&fx);
	for (plen = 1; plen <= 20; plen++) {
		memset(prefix, 'k', plen);
		prefix[plen] = '\0';
		fx.in.norm = json_object_new_object();
		/* added in reverse: the sort must put them right */
		for (t = sizeof(tails) / sizeof(tails[0]); t-- > 0;) {
			snprintf(key, sizeof(key), "%s%s", prefix, tails[t]);
			json_object_object_add(fx.in.norm, key, json_object_new_int((int)t));
		}
		fx.out.len = 0;
		format_event(&fx);
		ck_assert_ptr_nonnull(strbuf_cstr(&fx.out));
		line = fx.out.data;
		last = line;
		for (t = 0; t < sizeof(tails) / sizeof(tails[0]); t++) {
			if (t == 0)
				snprintf(needle, sizeof(needle), "\"%s\":{\"x\":0}", prefix);
			else
				snprintf(needle, sizeof(needle), "\"%s%s\":%zu", prefix, tails[t], t);
			at = strstr(line, needle);
			ck_assert_msg(at != NULL && at > last, "%s not after the key before it in %s",
			    needle, line);
			last = at;
		}
		json_object_put(fx.in.norm);
		fx.in.norm = NULL;
	}
	fixture_fini(&fx);
}
END_TEST

static const struct flag_case {
	unsigned msg_flags;
	unsigned frame_flags;
	const char *tag;
} flag_cases[] = {
	{ MSG_FLAG_NO_PRI, 0, "_syslog_no_pri" },
	{ MSG_FLAG_FIELD_TRUNCATED, 0, "_syslog_field_truncated" },
	{ MSG_FLAG_FRACTION_CUT, 0, "_syslog_fraction_truncated" },
	{ MSG_FLAG_SD_MALFORMED, 0, "_syslog_sd_malformed" },
	{ MSG_FLAG_BOM, 0, "_syslog_bom_removed" },
	{ MSG_FLAG_NO_HOSTNAME, 0, "_syslog_no_hostname" },
	{ MSG_FLAG_NO_TIMESTAMP, 0, "_syslog_no_timestamp" },
	{ MSG_FLAG_TIME_UNSYNCED, 0, "_syslog_time_unsynced" },
	{ 0, FRAME_TRUNCATED, "_frame_truncated" },
	{ 0, FRAME_BAD_COUNT, "_frame_bad_count" },
};

START_TEST(test_flag_tags)
{
	const struct flag_case *c = &flag_cases[_i];
	struct fixture fx;
	struct json_object *e;

	fixture_rfc5424(&fx);
	fx.msg.flags = c->msg_flags;
	fx.in.frame_flags = c->frame_flags | FRAME_OCTET_COUNTED | FRAME_AT_EOF;
	e = format_event(&fx);
	ck_assert_msg(has_tag(e, c->tag), "%s missing", c->tag);
	ck_assert_int_eq(tag_count(e), 1);
	fixture_fini(&fx);
}
END_TEST

START_TEST(test_sd_malformed_raw)
{
	static const char raw[] = "<14>1 - host app - - [bad sd=\"x] the message";
	struct fixture fx;
	struct json_object *e;

	fixture_init(&fx, raw, sizeof(raw) - 1);
	fx.msg.format = MSG_FORMAT_RFC5424;
	fx.msg.pri = 14;
	fx.msg.version = 1;
	fx.msg.hostname = slice_of(raw, sizeof(raw) - 1, "host");
	fx.msg.appname = slice_of(raw, sizeof(raw) - 1, "app");
	fx.msg.sd_raw = slice_of(raw, sizeof(raw) - 1, "[bad sd=\"x]");
	fx.msg.msg = slice_of(raw, sizeof(raw) - 1, "the message");
	fx.msg.flags = MSG_FLAG_SD_MALFORMED | MSG_FLAG_NO_TIMESTAMP;
	e = format_event(&fx);
	assert_str(e, "log|syslog|structured_data_raw", "[bad sd=\"x]");
	assert_absent(e, "log|syslog|structured_data");
	ck_assert(has_tag(e, "_syslog_sd_malformed"));
	assert_str(e, "@timestamp", "2026-11-27T16:59:37.000123Z");
	fixture_fini(&fx);
}
END_TEST

START_TEST(test_sd_many_params)
{
	struct fixture fx;
	struct strbuf sd;
	struct json_object *e, *v;
	int i;

	/* 2000 params: more than kept; the same id twice merges */
	strbuf_init(&sd);
	strbuf_append_str(&sd, "[a@1");
	for (i = 0; i < 2000; i++) {
		char p[32];

		snprintf(p, sizeof(p), " p%d=\"%d\"", i % 7, i);
		strbuf_append_str(&sd, p);
	}
	strbuf_append_str(&sd, "][a@1 q=\"z\"]");
	fixture_init(&fx, sd.data, sd.len);
	fx.msg.format = MSG_FORMAT_RFC5424;
	fx.msg.pri = 14;
	fx.msg.version = 1;
	fx.msg.sd.p = sd.data;
	fx.msg.sd.len = sd.len;
	e = format_event(&fx);
	v = get(e, "log|syslog|structured_data|a@1|p0");
	ck_assert(json_object_is_type(v, json_type_array));
	ck_assert_str_eq(json_object_get_string(json_object_array_get_idx(v, 0)), "0");
	ck_assert_str_eq(json_object_get_string(json_object_array_get_idx(v, 1)), "7");
	ck_assert(has_tag(e, "_syslog_sd_truncated"));

	/* few params, same id twice: merged, nothing lost */
	strbuf_reset(&sd);
	strbuf_append_str(&sd, "[a@1 x=\"1\"][b@1 x=\"2\"][a@1 x=\"3\" y=\"4\"]");
	fx.in.raw = sd.data;
	fx.in.raw_len = sd.len;
	fx.msg.sd.p = sd.data;
	fx.msg.sd.len = sd.len;
	e = format_event(&fx);
	v = get(e, "log|syslog|structured_data|a@1|x");
	ck_assert(json_object_is_type(v, json_type_array));
	ck_assert_int_eq(json_object_array_length(v), 2);
	ck_assert_str_eq(json_object_get_string(json_object_array_get_idx(v, 1)), "3");
	assert_str(e, "log|syslog|structured_data|a@1|y", "4");
	assert_str(e, "log|syslog|structured_data|b@1|x", "2");
	ck_assert_int_eq(tag_count(e), 0);
	fixture_fini(&fx);
	strbuf_free(&sd);
}
END_TEST

START_TEST(test_appends_lines)
{
	struct fixture fx;
	size_t first;

	fixture_rfc5424(&fx);
	strbuf_append_str(&fx.out, "previous\n");
	format_event(&fx);
	first = fx.out.len;
	format_event(&fx);
	ck_assert(memcmp(fx.out.data, "previous\n{", 10) == 0);
	/* both lines identical */
	ck_assert_uint_eq(fx.out.len - first, first - 9);
	ck_assert(memcmp(fx.out.data + 9, fx.out.data + first, first - 9) == 0);
	fixture_fini(&fx);
}
END_TEST

static const struct time_case {
	int64_t epoch;
	uint32_t usec;
	const char *want; /* NULL: refused */
} time_cases[] = {
	{ 0, 0, "1970-01-01T00:00:00.000000Z" },
	{ 951782400, 1, "2000-02-29T00:00:00.000001Z" },
	{ 1234567890, 999999, "2009-02-13T23:31:30.999999Z" },
	{ -1, 500000, "1969-12-31T23:59:59.500000Z" },
	{ 1709164800, 0, "2024-02-29T00:00:00.000000Z" },
	{ 1795798777, 123, "2026-11-27T16:59:37.000123Z" },
	/* every two-digit group of the fraction on its own */
	{ 1795798777, 120034, "2026-11-27T16:59:37.120034Z" },
	{ 1795798777, 9900, "2026-11-27T16:59:37.009900Z" },
	{ 1795798777, 10, "2026-11-27T16:59:37.000010Z" },
	{ 253402300799LL, 0, "9999-12-31T23:59:59.000000Z" },
	{ -62167219200LL, 0, "0000-01-01T00:00:00.000000Z" },
	{ 253402300800LL, 0, NULL },
	{ -62167219201LL, 0, NULL },
	{ 0, 1000000, NULL },
	{ INT64_MIN, 0, NULL },
};

START_TEST(test_format_time)
{
	const struct time_case *c = &time_cases[_i];
	char buf[40];
	size_t n;

	n = syslog_time_format(buf, sizeof(buf), c->epoch, c->usec);
	if (c->want == NULL) {
		ck_assert_uint_eq(n, 0);
		return;
	}
	ck_assert_uint_eq(n, strlen(c->want));
	ck_assert_str_eq(buf, c->want);
	ck_assert_uint_eq(syslog_time_format(buf, 27, c->epoch, c->usec), 0);
}
END_TEST

START_TEST(test_time_out_of_range)
{
	struct fixture fx;
	struct json_object *e;

	fixture_rfc5424(&fx);
	fx.msg.time.epoch = 300000000000LL;
	e = format_event(&fx);
	assert_str(e, "@timestamp", "2026-11-27T16:59:37.000123Z");
	ck_assert(has_tag(e, "_syslog_timestamp_invalid"));
	/*
	 * a receipt time past year 9999 (a clock gone wrong) has no text:
	 * event.created is "", and so is @timestamp without a message time
	 * (was: the bytes left in the stack buffer)
	 */
	fx.in.received.tv_sec = 300000000000LL;
	e = format_event(&fx);
	assert_str(e, "event|created", "");
	fx.msg.time.present = false;
	e = format_event(&fx);
	assert_str(e, "event|created", "");
	assert_str(e, "@timestamp", "");
	fixture_fini(&fx);
}
END_TEST

/*
 * Message and receipt times one event after the other through
 * event_format, whose per-thread cache keeps the last second's text: a
 * hit must give the bytes of syslog_time_format, a refused time must
 * stay refused in a cached second (usec 1000000), and a second met again
 * after another must not be served the other's text.
 */
static const struct time_case time_sequence[] = {
	{ 0, 0, "1970-01-01T00:00:00.000000Z" },
	{ 0, 1000000, NULL },
	{ 0, 999999, "1970-01-01T00:00:00.999999Z" },
	{ 1, 0, "1970-01-01T00:00:01.000000Z" },
	{ 0, 5, "1970-01-01T00:00:00.000005Z" },
	{ 1795798777, 123, "2026-11-27T16:59:37.000123Z" },
	{ 1795798777, 120034, "2026-11-27T16:59:37.120034Z" },
	{ 1795798778, 9900, "2026-11-27T16:59:38.009900Z" },
	{ 253402300800LL, 0, NULL },
	{ 1795798778, 10, "2026-11-27T16:59:38.000010Z" },
	{ 253402300799LL, 0, "9999-12-31T23:59:59.000000Z" },
	{ 253402300799LL, 999999, "9999-12-31T23:59:59.999999Z" },
	{ -1, 500000, "1969-12-31T23:59:59.500000Z" },
	{ -1, 1000000, NULL },
	{ 1795798777, 0, "2026-11-27T16:59:37.000000Z" },
};

START_TEST(test_time_cache)
{
	struct fixture fx;
	struct json_object *e;
	char want[40];
	size_t i, round;

	fixture_rfc5424(&fx);
	for (round = 0; round < 2; round++)
		for (i = 0; i < sizeof(time_sequence) / sizeof(time_sequence[0]); i++) {
			const struct time_case *c = &time_sequence[i];

			fx.msg.time.epoch = c->epoch;
			fx.msg.time.usec = c->usec;
			/* the receipt time walks through the same seconds */
			fx.in.received.tv_sec = (time_t)(RECEIVED_SEC + (int64_t)(i % 3));
			fx.in.received.tv_nsec = (long)(i * 1000 + 7);
			ck_assert_uint_eq(syslog_time_format(want, sizeof(want),
			    RECEIVED_SEC + (int64_t)(i % 3), (uint32_t)i), 27);
			fx.out.len = 0;
			e = format_event(&fx);
			assert_str(e, "event|created", want);
			if (c->want == NULL) {
				assert_str(e, "@timestamp", want);
				ck_assert(has_tag(e, "_syslog_timestamp_invalid"));
			} else {
				assert_str(e, "@timestamp", c->want);
				ck_assert(!has_tag(e, "_syslog_timestamp_invalid"));
			}
		}
	fixture_fini(&fx);
}
END_TEST

/* log.syslog.version: one digit without printf, more digits with it. */
START_TEST(test_version_text)
{
	static const struct {
		int version;
		const char *want;
	} cases[] = { { 0, "0" }, { 1, "1" }, { 9, "9" }, { 10, "10" }, { 999, "999" } };
	struct fixture fx;
	size_t i;

	fixture_rfc5424(&fx);
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		fx.msg.version = cases[i].version;
		fx.out.len = 0;
		assert_str(format_event(&fx), "log|syslog|version", cases[i].want);
	}
	fixture_fini(&fx);
}
END_TEST

START_TEST(test_through_parser)
{
	static const char raw[] = "<34>1 2003-10-11T22:14:15.003Z mymachine.example.com su - "
	    "ID47 [origin ip=\"192.0.2.1\"] 'su root' failed for lonvick on /dev/pts/8";
	struct fixture fx;
	struct json_object *e;

	fixture_init(&fx, raw, sizeof(raw) - 1);
	parse_message(raw, sizeof(raw) - 1, RECEIVED_SEC, &fx.msg);
	e = format_event(&fx);
	assert_str(e, "event|original", raw);
	assert_int(e, "log|syslog|priority", 34);
	ck_assert_int_eq(fx.msg.format, MSG_FORMAT_RFC5424);
	assert_str(e, "log|syslog|hostname", "mymachine.example.com");
	assert_str(e, "log|syslog|appname", "su");
	assert_absent(e, "log|syslog|procid");
	assert_str(e, "log|syslog|structured_data|origin|ip", "192.0.2.1");
	assert_str(e, "@timestamp", "2003-10-11T22:14:15.003000Z");
	assert_str(e, "message", "'su root' failed for lonvick on /dev/pts/8");
	assert_absent(e, "tags");

	/* and a frame no parser takes: the empty one */
	parse_message("", 0, RECEIVED_SEC, &fx.msg);
	fx.in.raw = "";
	fx.in.raw_len = 0;
	e = format_event(&fx);
	ck_assert(has_tag(e, "_syslog_parse_failure"));
	ck_assert_ptr_nonnull(get(e, "error|message"));
	assert_str(e, "event|original", "");
	fixture_fini(&fx);
}
END_TEST

/* CPU time of n event_format calls, in microseconds per event. */
static double
bench_events(struct fixture *fx, int n)
{
	struct timespec t0, t1;
	int i, failures = 0;

	/* no ck_assert in the loop: Check records every assertion (a write) */
	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t0);
	for (i = 0; i < n; i++) {
		strbuf_reset(&fx->out);
		failures += event_format(&fx->out, &fx->scratch, &fx->in) != 0;
	}
	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t1);
	ck_assert_int_eq(failures, 0);
	return ((double)(t1.tv_sec - t0.tv_sec) * 1e6 +
	    (double)(t1.tv_nsec - t0.tv_nsec) / 1e3) / n;
}

START_TEST(test_bench)
{
	static const char raw[] = "<86>Nov 27 17:06:17 web01 sshd[4242]: "
	    "Accepted publickey for deploy from 198.51.100.23 port 50122 ssh2: "
	    "ED25519 SHA256:Zm9vYmFyYmF6cXV4";
	struct fixture fx;
	double plain, sd, norm;

	fixture_init(&fx, raw, sizeof(raw) - 1);
	fx.msg.format = MSG_FORMAT_RFC3164;
	fx.msg.pri = 86;
	fx.msg.time.present = true;
	fx.msg.time.epoch = 1795799177;
	fx.msg.hostname = slice_of(raw, sizeof(raw) - 1, "web01");
	fx.msg.appname = slice_of(raw, sizeof(raw) - 1, "sshd");
	fx.msg.procid = slice_of(raw, sizeof(raw) - 1, "4242");
	fx.msg.msg = slice_of(raw, sizeof(raw) - 1, "Accepted publickey");
	fx.msg.msg.len = (size_t)(raw + sizeof(raw) - 1 - fx.msg.msg.p);
	plain = bench_events(&fx, 200000);

	fx.in.norm = norm_from("{\"user.name\":\"deploy\",\"source.address\":\"198.51.100.23\","
	    "\"event.action\":\"ssh-login\",\"event.outcome\":\"success\","
	    "\"event.tags\":[\"auth.login\"]}");
	norm = bench_events(&fx, 200000);
	json_object_put(fx.in.norm);
	fixture_fini(&fx);

	fixture_rfc5424(&fx);
	sd = bench_events(&fx, 200000);
	fixture_fini(&fx);
	fprintf(stderr, "event_format: 3164 %.3f us/event, 3164 + 5 liblognorm fields "
	    "%.3f us/event, 5424 with SD %.3f us/event\n", plain, norm, sd);
	/* loose: sanitizer builds are several times slower */
	ck_assert(plain < 20.0 && norm < 20.0 && sd < 20.0);
}
END_TEST

/* liblognorm's text in the shape ECS maps (event_ecs.c): a field, its value, the output. */
static const struct {
	const char *norm;  /* the liblognorm result, JSON */
	const char *path;  /* '|' separated */
	const char *want;  /* plain JSON */
} shape_cases[] = {
	{ "{\"event.category\":\"iam\"}", "event|category", "[\"iam\"]" },
	{ "{\"event.type\":\"creation\"}", "event|type", "[\"creation\"]" },
	{ "{\"event.type\":[\"user\",\"creation\"]}", "event|type", "[\"user\",\"creation\"]" },
	{ "{\"related.user\":\"bob\"}", "related|user", "[\"bob\"]" },
	{ "{\"process.pid\":\"4242\"}", "process|pid", "4242" },
	{ "{\"process.thread.id\":\"0\"}", "process|thread|id", "0" },
	{ "{\"process.pid\":17}", "process|pid", "17" },
	/* 18 digits fit an int64; 19 may not, and stay text (the checker reports it) */
	{ "{\"process.pid\":\"999999999999999999\"}", "process|pid", "999999999999999999" },
	{ "{\"process.pid\":\"9999999999999999999\"}", "process|pid", "\"9999999999999999999\"" },
	{ "{\"process.pid\":\"-1\"}", "process|pid", "\"-1\"" },
	{ "{\"process.pid\":\"\"}", "process|pid", "\"\"" },
	{ "{\"process.pid\":\"12a\"}", "process|pid", "\"12a\"" },
	{ "{\"user.id\":\"0\"}", "user|id", "\"0\"" },
	{ "{\"event.category\":7}", "event|category", "7" },
	/* a JSON body under its source's namespace, its source said in event.* */
	{ "{\"json\":{\"eventVersion\":\"1.08\",\"eventSource\":\"iam.amazonaws.com\","
	    "\"eventName\":\"CreateUser\"}}", "aws|cloudtrail|eventName", "\"CreateUser\"" },
	{ "{\"json\":{\"eventVersion\":\"1.08\",\"eventSource\":\"s\",\"eventName\":\"CreateUser\"}}",
	    "event|module", "\"aws\"" },
	{ "{\"json\":{\"eventVersion\":\"1.08\",\"eventSource\":\"s\",\"eventName\":\"CreateUser\"}}",
	    "event|dataset", "\"aws.cloudtrail\"" },
	{ "{\"json\":{\"eventVersion\":\"1.08\",\"eventSource\":\"s\",\"eventName\":\"CreateUser\"}}",
	    "event|action", "\"CreateUser\"" },
	{ "{\"json\":{\"detail-type\":\"AWS API Call via CloudTrail\",\"detail\":{\"eventName\":\"X\"}}}",
	    "event|action", "\"X\"" },
	{ "{\"json\":{\"protoPayload\":{\"methodName\":\"m\"}}}", "event|action", "\"m\"" },
	{ "{\"json\":{\"eventType\":\"user.lifecycle.create\",\"published\":\"t\"}}",
	    "okta|eventType", "\"user.lifecycle.create\"" },
	{ "{\"json\":{\"kind\":\"admin#reports#activity\",\"events\":[]}}", "event|module",
	    "\"google_workspace\"" },
	{ "{\"json\":{\"category\":\"AuditLogs\",\"operationName\":\"Add user\"}}",
	    "event|dataset", "\"azure.auditlogs\"" },
	{ "{\"json\":{\"EventID\":4720,\"Channel\":\"Security\"}}", "winlog|event_data|EventID", "4720" },
	/* a rule's own event.action wins; a non-string action is left out */
	{ "{\"event.action\":\"mine\",\"json\":{\"eventType\":\"x\",\"published\":\"t\"}}",
	    "event|action", "\"mine\"" },
	{ "{\"json\":{\"eventType\":{\"a\":1},\"published\":\"t\"}}", "event|module", "\"okta\"" },
	/* unknown, or not an object: one fixed namespace, or as it is */
	{ "{\"json\":{\"host\":\"x\"}}", "logward|json|host", "\"x\"" },
	{ "{\"json\":[1,2],\"user.name\":\"u\"}", "user|name", "\"u\"" },
	{ "{\"json\":\"text\",\"user.name\":\"u\"}", "user|name", "\"u\"" },
	{ "{\"json\":{\"kind\":\"other\",\"events\":[]}}", "logward|json|kind", "\"other\"" },
};

START_TEST(test_ecs_shapes)
{
	struct fixture fx;
	struct json_object *e;

	fixture_rfc5424(&fx);
	fx.in.norm = norm_from(shape_cases[_i].norm);
	e = format_event(&fx);
	assert_json(e, shape_cases[_i].path, shape_cases[_i].want);
	/* never a shared json object, nor a JSON body that is not an object */
	ck_assert_ptr_null(get(e, "json"));
	ck_assert(!has_tag(e, "_normalize_field_dropped"));
	ck_assert(!has_tag(e, "_normalize_field_conflict"));
	json_object_put(fx.in.norm);
	fixture_fini(&fx);
}
END_TEST

/*
 * A JSON body among as many fields as are kept: its source's three event
 * fields are written beyond the bound, every other field past it dropped.
 */
START_TEST(test_ecs_json_body_at_bound)
{
	struct fixture fx;
	struct json_object *e, *body;
	char key[32];
	int i, kept = 0;

	fixture_rfc5424(&fx);
	fx.in.norm = json_object_new_object();
	body = norm_from("{\"eventType\":\"t\",\"published\":\"p\",\"actor\":{}}");
	json_object_object_add(fx.in.norm, "json", body);
	for (i = 0; i < 255 + _i; i++) {
		snprintf(key, sizeof(key), "f.k%03d", i);
		json_object_object_add(fx.in.norm, key, json_object_new_int(i));
	}
	e = format_event(&fx);
	assert_json(e, "event|module", "\"okta\"");
	assert_json(e, "event|dataset", "\"okta.system\"");
	if (get(e, "okta") != NULL) {
		assert_json(e, "event|action", "\"t\"");
		kept++;
	}
	kept += json_object_object_length(get(e, "f"));
	ck_assert_int_eq(kept, 256);
	ck_assert(has_tag(e, "_normalize_field_dropped") == (_i > 0));
	json_object_put(fx.in.norm);
	fixture_fini(&fx);
}
END_TEST

Suite *
unit_suite(void)
{
	Suite *s = suite_create("event");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, test_rfc5424_full);
	tcase_add_test(tc, test_rfc5424_exact_text);
	tcase_add_test(tc, test_rfc3164_no_hostname);
	tcase_add_test(tc, test_unparsed_hostile_bytes);
	tcase_add_test(tc, test_norm_merged);
	tcase_add_test(tc, test_norm_near_skipped);
	tcase_add_test(tc, test_norm_conflicts);
	tcase_add_test(tc, test_norm_bad_keys);
	tcase_add_test(tc, test_norm_deep_value);
	tcase_add_test(tc, test_norm_many_fields);
	tcase_add_test(tc, test_header_moves_exact);
	tcase_add_test(tc, test_norm_key_order_offsets);
	tcase_add_loop_test(tc, test_ecs_shapes, 0,
	    (int)(sizeof(shape_cases) / sizeof(shape_cases[0])));
	tcase_add_loop_test(tc, test_ecs_json_body_at_bound, 0, 2);
	tcase_add_loop_test(tc, test_flag_tags, 0,
	    (int)(sizeof(flag_cases) / sizeof(flag_cases[0])));
	tcase_add_test(tc, test_sd_malformed_raw);
	tcase_add_test(tc, test_sd_many_params);
	tcase_add_test(tc, test_appends_lines);
	tcase_add_loop_test(tc, test_format_time, 0,
	    (int)(sizeof(time_cases) / sizeof(time_cases[0])));
	tcase_add_test(tc, test_time_out_of_range);
	tcase_add_test(tc, test_time_cache);
	tcase_add_test(tc, test_version_text);
	tcase_add_test(tc, test_through_parser);
	tcase_add_test(tc, test_bench);
	tcase_set_timeout(tc, 120);
	suite_add_tcase(s, tc);
	return s;
}

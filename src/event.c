/*
 * event.c: one syslog message as one ECS JSON line.
 *
 * Every field of the event, header or liblognorm's, is a (dotted key,
 * value) pair.  The header pairs are built in a fixed sorted order, the
 * liblognorm pairs are sorted, the two lists are merged (with '.' sorting
 * below every other byte, all keys under one path are adjacent), and the
 * result is streamed with a stack of open path segments: "user.target.name"
 * opens "user" and "target" once for all their leaves.  No object tree,
 * no allocation beyond the caller's buffers (and, once per process, the
 * text of the moves between header fields: header_moves).
 */
#include "config.h"

#include <pthread.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "event.h"
#include "event_ecs.h"
#include "event_path.h"
#include "framing.h"
#include "peer.h"
#include "syslog_time.h"

/* Bounds on what liblognorm and the sender control (see event.h). */
#define EVENT_NORM_MAX         256
#define EVENT_SD_MAX           1024
#define EVENT_SORT_SMALL       16
/* event.module, event.dataset, event.action of a JSON body (event_ecs.h) */
#define EVENT_ECS_EXTRA        3

/* The header keys, in event_key_cmp order (event_collect_header adds them so). */
enum header_key {
	HK_TIMESTAMP,
	HK_ERROR_MESSAGE,
	HK_EVENT_CREATED,
	HK_EVENT_KIND,
	HK_EVENT_ORIGINAL,
	HK_HOST_HOSTNAME,
	HK_SYSLOG_APPNAME,
	HK_FACILITY_CODE,
	HK_FACILITY_NAME,
	HK_SYSLOG_HOSTNAME,
	HK_SYSLOG_MSGID,
	HK_SYSLOG_PRIORITY,
	HK_SYSLOG_PROCID,
	HK_SEVERITY_CODE,
	HK_SEVERITY_NAME,
	HK_SYSLOG_SD,
	HK_SYSLOG_SD_RAW,
	HK_SYSLOG_VERSION,
	HK_MESSAGE,
	HK_NETWORK_PROTOCOL,
	HK_NETWORK_TRANSPORT,
	HK_INGRESS_NAME,
	HK_SOURCE_IP,
	HK_SOURCE_PORT,
	HK_TAGS,
	HK_TLS_CIPHER,
	HK_TLS_HASH_SHA256,
	HK_TLS_SUBJECT,
	HK_TLS_VERSION,
	HK_TLS_VERSION_PROTOCOL,
	HK_COUNT
};
_Static_assert(HK_COUNT <= EVENT_HEADER_MAX, "the header array and header_moves hold every key");
static const struct field_key header_keys[HK_COUNT] = {
	[HK_TIMESTAMP] = KEY1("@timestamp"),
	[HK_ERROR_MESSAGE] = KEY2("error", "message"),
	[HK_EVENT_CREATED] = KEY2("event", "created"),
	[HK_EVENT_KIND] = KEY2("event", "kind"),
	[HK_EVENT_ORIGINAL] = KEY2("event", "original"),
	[HK_HOST_HOSTNAME] = KEY2("host", "hostname"),
	[HK_SYSLOG_APPNAME] = KEY2("log.syslog", "appname"),
	[HK_FACILITY_CODE] = KEY2("log.syslog.facility", "code"),
	[HK_FACILITY_NAME] = KEY2("log.syslog.facility", "name"),
	[HK_SYSLOG_HOSTNAME] = KEY2("log.syslog", "hostname"),
	[HK_SYSLOG_MSGID] = KEY2("log.syslog", "msgid"),
	[HK_SYSLOG_PRIORITY] = KEY2("log.syslog", "priority"),
	[HK_SYSLOG_PROCID] = KEY2("log.syslog", "procid"),
	[HK_SEVERITY_CODE] = KEY2("log.syslog.severity", "code"),
	[HK_SEVERITY_NAME] = KEY2("log.syslog.severity", "name"),
	[HK_SYSLOG_SD] = KEY2("log.syslog", "structured_data"),
	[HK_SYSLOG_SD_RAW] = KEY2("log.syslog", "structured_data_raw"),
	[HK_SYSLOG_VERSION] = KEY2("log.syslog", "version"),
	[HK_MESSAGE] = KEY1("message"),
	[HK_NETWORK_PROTOCOL] = KEY2("network", "protocol"),
	[HK_NETWORK_TRANSPORT] = KEY2("network", "transport"),
	[HK_INGRESS_NAME] = KEY2("observer.ingress.interface", "name"),
	[HK_SOURCE_IP] = KEY2("source", "ip"),
	[HK_SOURCE_PORT] = KEY2("source", "port"),
	[HK_TAGS] = KEY1("tags"),
	[HK_TLS_CIPHER] = KEY2("tls", "cipher"),
	[HK_TLS_HASH_SHA256] = KEY2("tls.client.hash", "sha256"),
	[HK_TLS_SUBJECT] = KEY2("tls.client", "subject"),
	[HK_TLS_VERSION] = KEY2("tls", "version"),
	[HK_TLS_VERSION_PROTOCOL] = KEY2("tls", "version_protocol"),
};

/* One SD element (name.p == NULL) or param, SD escapes undone in value. */
struct sd_param {
	struct slice id;
	struct slice name;
	struct slice value;
	size_t order; /* position in the SD text: repeated params keep it */
};

/* What one event_format call works with; the arrays live in scratch. */
struct event_ctx {
	const struct event_input *in;
	struct json_writer w;
	struct field *header;
	size_t nheader;
	struct field *norm;
	size_t nnorm;
	size_t nextra; /* of nnorm, fields of a JSON body's source (event_json_body) */
	const struct field **order;
	size_t norder;
	struct sd_param *sd;
	size_t nsd;
	struct json_object *norm_tags;
	unsigned conflicts;
	unsigned dropped;
	bool sd_truncated;
	bool time_invalid;
	/* last: not cleared per event */
	char timestamp[40];
	char created[40];
	char error[256];
	char version[8];
};

/* The tags for parser and framer flags, in the order they are written. */
static const struct {
	unsigned flag;
	const char *tag;
} msg_flag_tags[] = {
	{ MSG_FLAG_NO_PRI, "_syslog_no_pri" },
	{ MSG_FLAG_FIELD_TRUNCATED, "_syslog_field_truncated" },
	{ MSG_FLAG_FRACTION_CUT, "_syslog_fraction_truncated" },
	{ MSG_FLAG_SD_MALFORMED, "_syslog_sd_malformed" },
	{ MSG_FLAG_BOM, "_syslog_bom_removed" },
	{ MSG_FLAG_NO_HOSTNAME, "_syslog_no_hostname" },
	{ MSG_FLAG_NO_TIMESTAMP, "_syslog_no_timestamp" },
	{ MSG_FLAG_TIME_UNSYNCED, "_syslog_time_unsynced" },
	{ MSG_FLAG_YEAR_GUESSED, "_syslog_year_guessed" },
	{ MSG_FLAG_ZONE_UNKNOWN, "_syslog_zone_unknown" },
	{ MSG_FLAG_TIME_AMBIGUOUS, "_syslog_time_ambiguous" },
	{ MSG_FLAG_TIME_NONEXISTENT, "_syslog_time_nonexistent" },
}, frame_flag_tags[] = {
	{ FRAME_TRUNCATED, "_frame_truncated" },
	{ FRAME_BAD_COUNT, "_frame_bad_count" },
};

#define NITEMS(a) (sizeof(a) / sizeof((a)[0]))

/*
 * Byte order of keys: '.' below everything, so "a" < "a.b" < "a0".  The
 * common prefix (keys under one path share many bytes) is skipped 8
 * bytes at a time; the first differing byte decides.
 */
static int
event_key_cmp(const char *a, size_t alen, const char *b, size_t blen)
{
	size_t i = 0, n = alen < blen ? alen : blen;
	int ca, cb;
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
	uint64_t x, y;

	for (; n - i >= 8; i += 8) {
		memcpy(&x, a + i, 8);
		memcpy(&y, b + i, 8);
		if (x != y) {
			/* little-endian: the lowest differing bit is in the first differing byte */
			i += (size_t)__builtin_ctzll(x ^ y) / 8;
			goto differ;
		}
	}
#endif
	for (; i < n; i++)
		if (a[i] != b[i])
			goto differ;
	return alen < blen ? -1 : alen > blen;
differ:
	ca = a[i] == '.' ? 0 : (unsigned char)a[i] + 1;
	cb = b[i] == '.' ? 0 : (unsigned char)b[i] + 1;
	return ca - cb;
}

/* qsort adapter for liblognorm fields. */
static int
event_field_cmp(const void *pa, const void *pb)
{
	const struct field *a = pa, *b = pb;

	return event_key_cmp(a->key, a->key_len, b->key, b->key_len);
}

/* Whether key k lies under the path p ("p.something"). */
static bool
event_key_under(const struct field *p, const struct field *k)
{
	return k->key_len > p->key_len && k->key[p->key_len] == '.' &&
	    memcmp(k->key, p->key, p->key_len) == 0;
}

/* SD order: element id, then the element marker, then name, then position. */
static int
event_sd_cmp(const void *pa, const void *pb)
{
	const struct sd_param *a = pa, *b = pb;
	size_t n;
	int c;

	n = a->id.len < b->id.len ? a->id.len : b->id.len;
	if ((c = memcmp(a->id.p, b->id.p, n)) != 0)
		return c;
	if (a->id.len != b->id.len)
		return a->id.len < b->id.len ? -1 : 1;
	if (a->name.p == NULL || b->name.p == NULL) {
		if (a->name.p != b->name.p)
			return a->name.p == NULL ? -1 : 1;
	} else {
		n = a->name.len < b->name.len ? a->name.len : b->name.len;
		if ((c = memcmp(a->name.p, b->name.p, n)) != 0)
			return c;
		if (a->name.len != b->name.len)
			return a->name.len < b->name.len ? -1 : 1;
	}
	return a->order < b->order ? -1 : a->order > b->order;
}

/*
 * Sort: insertion sort for the few items of a typical event (cheaper than
 * qsort's call overhead), qsort beyond.
 */
static void
event_sort(void *base, size_t n, size_t size, int (*cmp)(const void *, const void *))
{
	char *b = base, tmp[sizeof(struct sd_param) > sizeof(struct field) ?
	    sizeof(struct sd_param) : sizeof(struct field)];
	size_t i, j;

	if (n > EVENT_SORT_SMALL) {
		qsort(base, n, size, cmp);
		return;
	}
	for (i = 1; i < n; i++) {
		memcpy(tmp, b + i * size, size);
		for (j = i; j > 0 && cmp(b + (j - 1) * size, tmp) > 0; j--)
			memcpy(b + j * size, b + (j - 1) * size, size);
		memcpy(b + j * size, tmp, size);
	}
}

/* Append a header field; the caller adds them in event_key_cmp order. */
static struct field *
event_header_add(struct event_ctx *ctx, enum header_key hk, enum field_kind kind)
{
	struct field *f = &ctx->header[ctx->nheader++];

	f->key = header_keys[hk].key;
	f->key_len = header_keys[hk].len;
	f->dir = header_keys[hk].dir;
	f->trusted = true;
	f->hk = (int)hk;
	f->kind = kind;
	return f;
}

/* A string header field; s must outlive the call to event_format. */
static void
event_header_string(struct event_ctx *ctx, enum header_key key, const char *s, size_t len)
{
	struct field *f = event_header_add(ctx, key, FIELD_STRING);

	f->v.str.p = s;
	f->v.str.len = len;
}

/* A string header field from a parser slice, when present. */
static void
event_header_slice(struct event_ctx *ctx, enum header_key key, struct slice s)
{
	if (s.p != NULL)
		event_header_string(ctx, key, s.p, s.len);
}

/* A NUL-terminated string header field, when not NULL. */
static void
event_header_cstring(struct event_ctx *ctx, enum header_key key, const char *s)
{
	if (s != NULL)
		event_header_string(ctx, key, s, strlen(s));
}

/*
 * A string header field logward spells itself (times it formatted, names
 * from its tables, inet_ntop's text, OpenSSL's static names, hex): printable
 * ASCII without '"' or '\\', written without the escaping pass.  Never
 * for anything a sender or a rulebase controls.
 */
static void
event_header_ascii_len(struct event_ctx *ctx, enum header_key key, const char *s, size_t len)
{
	struct field *f = event_header_add(ctx, key, FIELD_ASCII);

	f->v.str.p = s;
	f->v.str.len = len;
}

/* event_header_ascii_len of a NUL-terminated string, when not NULL. */
static void
event_header_ascii(struct event_ctx *ctx, enum header_key key, const char *s)
{
	if (s != NULL)
		event_header_ascii_len(ctx, key, s, strlen(s));
}

/* A number header field. */
static void
event_header_int(struct event_ctx *ctx, enum header_key key, int64_t v)
{
	event_header_add(ctx, key, FIELD_INT)->v.num = v;
}

/*
 * Collect the SD elements and params with escapes undone into unescaped
 * (sd.len bytes: unescaping only shrinks), at most EVENT_SD_MAX items.
 */
static void
event_collect_sd(struct event_ctx *ctx, size_t cap, char *unescaped)
{
	struct slice sd = ctx->in->msg->sd;
	struct sd_item item;
	struct sd_param *p;
	size_t pos = 0, used = 0;
	int kind;

	while ((kind = sd_next(sd, &pos, &item)) != 0) {
		if (ctx->nsd == cap) {
			ctx->sd_truncated = true;
			break;
		}
		p = &ctx->sd[ctx->nsd];
		p->id = item.id;
		p->order = ctx->nsd;
		p->name.p = NULL;
		p->name.len = 0;
		p->value.p = NULL;
		p->value.len = 0;
		if (kind == 2) {
			p->name = item.name;
			p->value.p = unescaped + used;
			p->value.len = sd_unescape(item.value, unescaped + used,
			    sd.len - used);
			used += p->value.len;
		}
		ctx->nsd++;
	}
	event_sort(ctx->sd, ctx->nsd, sizeof(*ctx->sd), event_sd_cmp);
}

/* Deeper than budget levels of objects/arrays?  Bounded by budget. */
static bool
event_fjson_too_deep(struct json_object *v, int budget)
{
	struct json_object_iterator it, end;
	int i, n;

	switch (json_object_get_type(v)) {
	case json_type_array:
		if (budget <= 0)
			return true;
		n = json_object_array_length(v);
		for (i = 0; i < n; i++)
			if (event_fjson_too_deep(json_object_array_get_idx(v, i),
			    budget - 1))
				return true;
		return false;
	case json_type_object:
		if (budget <= 0)
			return true;
		it = json_object_iter_begin(v);
		end = json_object_iter_end(v);
		for (; !json_object_iter_equal(&it, &end); json_object_iter_next(&it))
			if (event_fjson_too_deep(json_object_iter_peek_value(&it),
			    budget - 1))
				return true;
		return false;
	default:
		return false;
	}
}

/* liblognorm's own bookkeeping, not event fields; most keys end at the first byte. */
static bool
event_norm_key_skipped(const char *key)
{
	switch (key[0]) {
	case 'e':
		return strcmp(key, "event.tags") == 0;
	case 'o':
		return strcmp(key, "originalmsg") == 0;
	case 'u':
		return strcmp(key, "unparsed-data") == 0;
	case 'm':
		return strncmp(key, "metadata", 8) == 0;
	default:
		return false;
	}
}

/*
 * Number of path segments of key, or 0 when it cannot be a path (empty,
 * an empty segment, or deeper than EVENT_KEY_MAX_SEGMENTS).
 */
static int
event_key_segments(const char *key, size_t len)
{
	size_t i;
	int segs = 1;

	if (len == 0 || key[0] == '.' || key[len - 1] == '.')
		return 0;
	for (i = 1; i < len; i++) {
		if (key[i] != '.')
			continue;
		if (key[i - 1] == '.' || ++segs > EVENT_KEY_MAX_SEGMENTS)
			return 0;
	}
	return segs;
}

/* Length of the path before key's leaf name (len > 0); 0: top level. */
static size_t
event_key_dir(const char *key, size_t len)
{
	size_t dir;

	for (dir = len - 1; dir > 0 && key[dir] != '.'; dir--)
		;
	return dir;
}

/* A norm field named by us (ASCII key); the caller sets its value. */
static struct field *
event_norm_add(struct event_ctx *ctx, const char *key, enum field_kind kind)
{
	struct field *f = &ctx->norm[ctx->nnorm++];

	ctx->nextra++;
	f->key = key;
	f->key_len = strlen(key);
	f->dir = event_key_dir(key, f->key_len);
	f->trusted = true;
	f->hk = -1;
	f->kind = kind;
	return f;
}

/*
 * The JSON body f (liblognorm's "json") goes under its source's namespace,
 * and event.module, .dataset and .action say what the source is and did
 * (unless a rule gave them): see event_ecs.h.  The norm array has room
 * for EVENT_ECS_EXTRA fields beyond the cap; there is one body an event.
 */
static void
event_json_body(struct event_ctx *ctx, struct field *f)
{
	const struct event_ecs_source *src = event_ecs_json_source(f->v.fjson);
	struct json_object *norm = ctx->in->norm, *action;
	struct field *x;

	f->key = src->ns;
	f->key_len = strlen(src->ns);
	f->dir = event_key_dir(src->ns, f->key_len);
	f->trusted = true;
	if (src->module != NULL && !json_object_object_get_ex(norm, "event.module", NULL))
		event_norm_add(ctx, "event.module", FIELD_ASCII)->v.str =
		    (struct slice){ src->module, strlen(src->module) };
	if (src->dataset != NULL && !json_object_object_get_ex(norm, "event.dataset", NULL))
		event_norm_add(ctx, "event.dataset", FIELD_ASCII)->v.str =
		    (struct slice){ src->dataset, strlen(src->dataset) };
	if (src->action != NULL && !json_object_object_get_ex(norm, "event.action", NULL) &&
	    (action = event_ecs_member(f->v.fjson, src->action)) != NULL) {
		x = event_norm_add(ctx, "event.action", FIELD_FJSON);
		x->v.fjson = action;
	}
}

/* Whether key (len bytes) is under EVENT_ECS_JSON_KEY: "json.x". */
static bool
event_key_is_json_member(const char *key, size_t len)
{
	size_t n = sizeof(EVENT_ECS_JSON_KEY) - 1;

	return len > n && key[n] == '.' && memcmp(key, EVENT_ECS_JSON_KEY, n) == 0;
}

/* Collect liblognorm's fields (at most cap), then sort them. */
static void
event_collect_norm(struct event_ctx *ctx, size_t cap)
{
	struct json_object_iterator it, end;
	struct json_object *v;
	struct field *f;
	const char *key;
	size_t len;
	int segs;
	bool body;

	it = json_object_iter_begin(ctx->in->norm);
	end = json_object_iter_end(ctx->in->norm);
	for (; !json_object_iter_equal(&it, &end); json_object_iter_next(&it)) {
		key = json_object_iter_peek_name(&it);
		v = json_object_iter_peek_value(&it);
		if (event_norm_key_skipped(key)) {
			if (key[0] == 'e')
				ctx->norm_tags = v; /* the one 'e' key skipped */
			continue;
		}
		len = strlen(key);
		body = len == sizeof(EVENT_ECS_JSON_KEY) - 1 &&
		    memcmp(key, EVENT_ECS_JSON_KEY, len) == 0;
		/*
		 * a JSON body that is not an object (an array, a number) has no
		 * namespace to go under: event.original holds it
		 */
		if (body && !json_object_is_type(v, json_type_object))
			continue;
		/*
		 * "json" is the body's key alone: a rule's "json.x" would make
		 * the shared top-level "json" that event_ecs.h rules out
		 */
		if (!body && event_key_is_json_member(key, len)) {
			ctx->conflicts++;
			continue;
		}
		/* the value sits at writer depth segs; its own nesting adds */
		if ((segs = event_key_segments(key, len)) == 0 ||
		    event_fjson_too_deep(v, JSON_WRITER_MAX_DEPTH - segs) ||
		    ctx->nnorm >= cap + ctx->nextra) {
			ctx->dropped++;
			continue;
		}
		f = &ctx->norm[ctx->nnorm++];
		f->key = key;
		f->key_len = len;
		f->dir = event_key_dir(key, len);
		f->trusted = false;
		f->hk = -1;
		f->v.fjson = v;
		switch (event_ecs_shape(key, len, v)) {
		case ECS_ARRAY:
			f->kind = FIELD_FJSON_ARRAY;
			break;
		case ECS_NUMBER:
			f->kind = FIELD_FJSON_NUMBER;
			break;
		default:
			f->kind = FIELD_FJSON;
			break;
		}
		if (body)
			event_json_body(ctx, f);
	}
	event_sort(ctx->norm, ctx->nnorm, sizeof(*ctx->norm), event_field_cmp);
}

/*
 * One formatted second: "YYYY-MM-DDTHH:MM:SS." of epoch.  Consecutive
 * events mostly fall in the same second (receipt times always), so the
 * date arithmetic runs once a second per worker thread, as rsyslog's
 * cached time formatting does; only the microseconds are written per event.
 */
struct time_cache {
	int64_t epoch;
	bool valid;
	char prefix[20];
};
#define TIME_PREFIX_LEN 20 /* up to and with the '.' */
#define TIME_TEXT_LEN   27 /* syslog_time_format: the prefix, 6 digits, 'Z' */

/* syslog_time_format through cache c (per thread); same bytes, same return. */
static size_t
event_time_format(struct time_cache *c, char *buf, size_t cap, int64_t epoch, uint32_t usec)
{
	size_t n;

	if (c->valid && c->epoch == epoch && usec <= 999999 && cap > TIME_TEXT_LEN) {
		memcpy(buf, c->prefix, TIME_PREFIX_LEN);
		memcpy(buf + 20, json_digit_pairs + 2 * (usec / 10000), 2);
		memcpy(buf + 22, json_digit_pairs + 2 * (usec / 100 % 100), 2);
		memcpy(buf + 24, json_digit_pairs + 2 * (usec % 100), 2);
		buf[26] = 'Z';
		buf[27] = '\0';
		return TIME_TEXT_LEN;
	}
	n = syslog_time_format(buf, cap, epoch, usec);
	if (n == TIME_TEXT_LEN) {
		memcpy(c->prefix, buf, TIME_PREFIX_LEN);
		c->epoch = epoch;
		c->valid = true;
	}
	return n;
}

/* Receipt times and message times: two caches, they seldom share a second. */
static _Thread_local struct time_cache created_cache, timestamp_cache;

/* A small int as decimal text (log.syslog.version), without printf for 0..9. */
static void
event_small_int_text(char *buf, size_t cap, int v)
{
	if (v >= 0 && v <= 9) {
		buf[0] = (char)('0' + v);
		buf[1] = '\0';
	} else
		snprintf(buf, cap, "%d", v);
}

/*
 * The header fields, in event_key_cmp order (the merge relies on it; the
 * unit tests check the order of the output).
 */
static void
event_collect_header(struct event_ctx *ctx)
{
	const struct event_input *in = ctx->in;
	const struct syslog_msg *msg = in->msg;
	size_t n, created_len, timestamp_len;

	created_len = event_time_format(&created_cache, ctx->created, sizeof(ctx->created),
	    (int64_t)in->received.tv_sec, (uint32_t)(in->received.tv_nsec / 1000));
	if (created_len == 0) /* as syslog_time_format leaves it: "" */
		ctx->created[0] = '\0';
	timestamp_len = created_len;
	if (msg->time.present) {
		n = event_time_format(&timestamp_cache, ctx->timestamp, sizeof(ctx->timestamp),
		    msg->time.epoch, msg->time.usec);
		if (n == 0) {
			ctx->time_invalid = true;
			memcpy(ctx->timestamp, ctx->created, sizeof(ctx->created));
		} else
			timestamp_len = n;
	} else
		memcpy(ctx->timestamp, ctx->created, sizeof(ctx->created));

	event_header_ascii_len(ctx, HK_TIMESTAMP, ctx->timestamp, timestamp_len);
	if (msg->format == MSG_FORMAT_UNPARSED) {
		snprintf(ctx->error, sizeof(ctx->error), "%s at column %zu",
		    msg->error != NULL ? msg->error : "unparsable message",
		    msg->error_col);
		event_header_cstring(ctx, HK_ERROR_MESSAGE, ctx->error);
	}
	event_header_ascii_len(ctx, HK_EVENT_CREATED, ctx->created, created_len);
	event_header_ascii_len(ctx, HK_EVENT_KIND, "event", 5);
	if (in->raw != NULL)
		event_header_string(ctx, HK_EVENT_ORIGINAL, in->raw, in->raw_len);
	if (msg->hostname.p != NULL)
		event_header_slice(ctx, HK_HOST_HOSTNAME, msg->hostname);
	else
		event_header_ascii(ctx, HK_HOST_HOSTNAME, in->source_ip);
	event_header_slice(ctx, HK_SYSLOG_APPNAME, msg->appname);
	if (msg->pri >= 0 && msg->pri <= 191) {
		event_header_int(ctx, HK_FACILITY_CODE, msg->pri >> 3);
		event_header_ascii(ctx, HK_FACILITY_NAME,
		    syslog_facility_name(msg->pri >> 3));
	}
	event_header_slice(ctx, HK_SYSLOG_HOSTNAME, msg->hostname);
	event_header_slice(ctx, HK_SYSLOG_MSGID, msg->msgid);
	if (msg->pri >= 0 && msg->pri <= 191)
		event_header_int(ctx, HK_SYSLOG_PRIORITY, msg->pri);
	event_header_slice(ctx, HK_SYSLOG_PROCID, msg->procid);
	if (msg->pri >= 0 && msg->pri <= 191) {
		event_header_int(ctx, HK_SEVERITY_CODE, msg->pri & 7);
		event_header_ascii(ctx, HK_SEVERITY_NAME,
		    syslog_severity_name(msg->pri & 7));
	}
	if (ctx->nsd > 0)
		event_header_add(ctx, HK_SYSLOG_SD, FIELD_SD);
	if (msg->flags & MSG_FLAG_SD_MALFORMED)
		event_header_slice(ctx, HK_SYSLOG_SD_RAW,
		    msg->sd_raw);
	/* ECS: log.syslog.version is a keyword */
	if (msg->format == MSG_FORMAT_RFC5424) {
		event_small_int_text(ctx->version, sizeof(ctx->version), msg->version);
		event_header_ascii(ctx, HK_SYSLOG_VERSION, ctx->version);
	}
	event_header_slice(ctx, HK_MESSAGE, msg->msg);
	if (in->protocol != NULL)
		event_header_ascii(ctx, HK_NETWORK_PROTOCOL, in->protocol);
	event_header_ascii(ctx, HK_NETWORK_TRANSPORT, in->transport);
	event_header_cstring(ctx, HK_INGRESS_NAME, in->input_name);
	if (in->source_ip != NULL) {
		event_header_ascii(ctx, HK_SOURCE_IP, in->source_ip);
		event_header_int(ctx, HK_SOURCE_PORT, in->source_port);
	}
	event_header_add(ctx, HK_TAGS, FIELD_TAGS);
	if (in->tls != NULL) {
		event_header_ascii(ctx, HK_TLS_CIPHER, in->tls->cipher);
		if (in->tls->sha256[0] != '\0')
			event_header_ascii(ctx, HK_TLS_HASH_SHA256,
			    in->tls->sha256);
		if (in->tls->subject[0] != '\0')
			event_header_cstring(ctx, HK_TLS_SUBJECT,
			    in->tls->subject);
		event_header_ascii(ctx, HK_TLS_VERSION, in->tls->version);
		event_header_ascii(ctx, HK_TLS_VERSION_PROTOCOL, "tls");
	}
}

/*
 * Merge header and liblognorm fields into one ordered list.  A header
 * field always wins: a liblognorm key equal to an accepted key, under an
 * accepted leaf, or that would be a leaf where a header field needs an
 * object, is skipped and counted.
 */
static void
event_merge(struct event_ctx *ctx)
{
	const struct field *last = NULL, *e;
	size_t i = 0, j = 0;

	while (i < ctx->nheader || j < ctx->nnorm) {
		if (j == ctx->nnorm || (i < ctx->nheader &&
		    event_field_cmp(&ctx->header[i], &ctx->norm[j]) <= 0)) {
			last = &ctx->header[i++];
			ctx->order[ctx->norder++] = last;
			continue;
		}
		e = &ctx->norm[j++];
		if (last != NULL && (event_field_cmp(last, e) == 0 ||
		    event_key_under(last, e))) {
			ctx->conflicts++;
			continue;
		}
		/* keys under e sort right after it: the next header is one */
		if (i < ctx->nheader && event_key_under(e, &ctx->header[i])) {
			ctx->conflicts++;
			continue;
		}
		ctx->order[ctx->norder++] = e;
		last = e;
	}
}

/* Number of strings in liblognorm's "event.tags". */
static size_t
event_norm_tag_count(struct json_object *tags)
{
	size_t i, n, count = 0;

	if (json_object_is_type(tags, json_type_string))
		return 1;
	if (!json_object_is_type(tags, json_type_array))
		return 0;
	n = (size_t)json_object_array_length(tags);
	for (i = 0; i < n; i++)
		if (json_object_is_type(json_object_array_get_idx(tags, (int)i),
		    json_type_string))
			count++;
	return count;
}

/* The flags that have a tag (of msg_flag_tags, frame_flag_tags): set once. */
static unsigned msg_tag_flags, frame_tag_flags;

/* Whether the event has a tag: one mask test for the flags, not a loop. */
static bool
event_has_tags(const struct event_ctx *ctx)
{
	return ctx->in->msg->format == MSG_FORMAT_UNPARSED ||
	    (ctx->in->msg->flags & msg_tag_flags) != 0 ||
	    (ctx->in->frame_flags & frame_tag_flags) != 0 || ctx->conflicts > 0 ||
	    ctx->dropped > 0 || ctx->sd_truncated || ctx->time_invalid ||
	    event_norm_tag_count(ctx->norm_tags) > 0;
}

/* Write the tags array; the caller saw event_has_tags. */
static void
event_write_tags(struct event_ctx *ctx)
{
	const struct syslog_msg *msg = ctx->in->msg;
	struct json_writer *w = &ctx->w;
	struct json_object *t;
	size_t i, n;

	json_array_begin(w);
	if (msg->format == MSG_FORMAT_UNPARSED)
		json_cstring(w, "_syslog_parse_failure");
	for (i = 0; i < NITEMS(msg_flag_tags); i++)
		if (msg->flags & msg_flag_tags[i].flag)
			json_cstring(w, msg_flag_tags[i].tag);
	for (i = 0; i < NITEMS(frame_flag_tags); i++)
		if (ctx->in->frame_flags & frame_flag_tags[i].flag)
			json_cstring(w, frame_flag_tags[i].tag);
	if (ctx->conflicts > 0)
		json_cstring(w, "_normalize_field_conflict");
	if (ctx->dropped > 0)
		json_cstring(w, "_normalize_field_dropped");
	if (ctx->sd_truncated)
		json_cstring(w, "_syslog_sd_truncated");
	if (ctx->time_invalid)
		json_cstring(w, "_syslog_timestamp_invalid");
	if (json_object_is_type(ctx->norm_tags, json_type_string))
		json_value_fjson(w, ctx->norm_tags);
	else if (json_object_is_type(ctx->norm_tags, json_type_array)) {
		n = (size_t)json_object_array_length(ctx->norm_tags);
		for (i = 0; i < n; i++) {
			t = json_object_array_get_idx(ctx->norm_tags, (int)i);
			if (json_object_is_type(t, json_type_string))
				json_value_fjson(w, t);
		}
	}
	json_array_end(w);
}

/* Same SD element id? */
static bool
event_sd_same_id(const struct sd_param *a, const struct sd_param *b)
{
	return a->id.len == b->id.len && memcmp(a->id.p, b->id.p, a->id.len) == 0;
}

/* Same param name (both params)? */
static bool
event_sd_same_name(const struct sd_param *a, const struct sd_param *b)
{
	return a->name.p != NULL && b->name.p != NULL &&
	    a->name.len == b->name.len &&
	    memcmp(a->name.p, b->name.p, a->name.len) == 0;
}

/*
 * STRUCTURED-DATA as an object of objects; a param repeated within an
 * element (or across elements with the same id) becomes an array.
 */
static void
event_write_sd(struct event_ctx *ctx)
{
	struct json_writer *w = &ctx->w;
	const struct sd_param *sd = ctx->sd;
	size_t i = 0, j, k, n = ctx->nsd;

	json_object_begin(w);
	while (i < n) {
		json_key(w, sd[i].id.p, sd[i].id.len);
		json_object_begin(w);
		j = i;
		while (j < n && event_sd_same_id(&sd[i], &sd[j])) {
			if (sd[j].name.p == NULL) {
				j++;
				continue;
			}
			k = j + 1;
			while (k < n && event_sd_same_id(&sd[j], &sd[k]) &&
			    event_sd_same_name(&sd[j], &sd[k]))
				k++;
			json_key(w, sd[j].name.p, sd[j].name.len);
			if (k - j == 1)
				json_string(w, sd[j].value.p, sd[j].value.len);
			else {
				json_array_begin(w);
				for (; j < k; j++)
					json_string(w, sd[j].value.p, sd[j].value.len);
				json_array_end(w);
			}
			j = k;
		}
		json_object_end(w);
		i = j;
	}
	json_object_end(w);
}

/* Write one field's value. */
static void
event_write_value(struct event_ctx *ctx, const struct field *f)
{
	switch (f->kind) {
	case FIELD_STRING:
		json_string(&ctx->w, f->v.str.p, f->v.str.len);
		break;
	case FIELD_ASCII:
		json_string_ascii(&ctx->w, f->v.str.p, f->v.str.len);
		break;
	case FIELD_INT:
		json_int(&ctx->w, f->v.num);
		break;
	case FIELD_FJSON:
		json_value_fjson(&ctx->w, f->v.fjson);
		break;
	case FIELD_FJSON_ARRAY:
		json_array_begin(&ctx->w);
		json_value_fjson(&ctx->w, f->v.fjson);
		json_array_end(&ctx->w);
		break;
	case FIELD_FJSON_NUMBER:
		/* event_ecs_shape saw 1 to 18 digits */
		json_int(&ctx->w, strtoll(json_object_get_string(f->v.fjson), NULL, 10));
		break;
	case FIELD_SD:
		event_write_sd(ctx);
		break;
	case FIELD_TAGS:
		event_write_tags(ctx);
		break;
	}
}

/* The moves between header_keys, rendered by the first event of the process. */
static struct header_moves header_moves;
static pthread_once_t header_moves_once = PTHREAD_ONCE_INIT;

/* pthread_once: the tag flag masks, and header_moves (left not ready, so unused, on failure). */
static void
header_moves_init(void)
{
	size_t i;

	for (i = 0; i < NITEMS(msg_flag_tags); i++)
		msg_tag_flags |= msg_flag_tags[i].flag;
	for (i = 0; i < NITEMS(frame_flag_tags); i++)
		frame_tag_flags |= frame_flag_tags[i].flag;
	event_path_moves_render(&header_moves, header_keys, HK_COUNT);
}

/*
 * Stream the ordered fields as nested objects.  A header field after a
 * header field (or first) is one recorded move; any other step is
 * worked out by event_path_move.
 */
static void
event_write_fields(struct event_ctx *ctx)
{
	const struct header_moves *hm = &header_moves;
	struct json_writer *w = &ctx->w;
	struct path_state ps = { 0 };
	const struct field *f;
	/* without liblognorm fields the order is the header's own */
	bool header_only = ctx->nnorm == 0;
	size_t i, n = header_only ? ctx->nheader : ctx->norder;
	int prev = HK_COUNT; /* the header key last written; -1: not one */
	bool has_tags;

	pthread_once(&header_moves_once, header_moves_init);
	has_tags = event_has_tags(ctx);
	json_object_begin(w);
	for (i = 0; i < n && !w->failed; i++) {
		f = header_only ? &ctx->header[i] : ctx->order[i];
		if (f->kind == FIELD_TAGS && !has_tags)
			continue;
		if (hm->ready && prev >= 0 && f->hk >= 0)
			json_splice(w, hm->text + hm->off[prev][f->hk], hm->len[prev][f->hk],
			    hm->depth[f->hk], true);
		else {
			/* the path state a recorded move left, only when needed */
			if (hm->ready && prev >= 0 && prev < HK_COUNT)
				ps = hm->after[prev];
			event_path_move(w, &ps, f);
		}
		prev = f->hk;
		event_write_value(ctx, f);
	}
	if (hm->ready && prev >= 0 && prev < HK_COUNT)
		json_splice(w, hm->text + hm->off[prev][HK_COUNT], hm->len[prev][HK_COUNT], 1,
		    false);
	else
		event_path_close(w, &ps);
	json_object_end(w);
}

/* Round up to the alignment of any object we carve from scratch. */
static size_t
event_align(size_t n)
{
	return (n + 15) & ~(size_t)15;
}

/* Collect, merge, then stream; on any failure out is as it was. */
int
event_format(struct strbuf *out, struct strbuf *scratch, const struct event_input *in)
{
	struct event_ctx ctx;
	size_t saved = out->len, norm_cap = 0, sd_cap = 0, sd_len = 0, need;
	size_t off_norm, off_order, off_sd, off_text;
	char *base;
	int n;

	/* the text buffers at the end are written before they are read */
	memset(&ctx, 0, offsetof(struct event_ctx, timestamp));
	ctx.in = in;
	if (in->norm != NULL && json_object_is_type(in->norm, json_type_object)) {
		n = json_object_object_length(in->norm);
		norm_cap = n < 0 ? 0 : (size_t)n;
		if (norm_cap > EVENT_NORM_MAX)
			norm_cap = EVENT_NORM_MAX;
	}
	if (in->msg->sd.p != NULL && in->msg->sd.len > 0) {
		sd_len = in->msg->sd.len;
		/* "[x]" and " a=\"\"" are at least 3 bytes each */
		sd_cap = sd_len / 3 + 1;
		if (sd_cap > EVENT_SD_MAX)
			sd_cap = EVENT_SD_MAX;
	}

	/* one carve of the scratch's spare capacity; scratch->len unchanged */
	off_norm = event_align(EVENT_HEADER_MAX * sizeof(struct field));
	off_order = off_norm + event_align((norm_cap + EVENT_ECS_EXTRA) * sizeof(struct field));
	off_sd = off_order + event_align((EVENT_HEADER_MAX + norm_cap + EVENT_ECS_EXTRA) *
	    sizeof(struct field *));
	off_text = off_sd + event_align(sd_cap * sizeof(struct sd_param));
	need = off_text + sd_len + 16;
	if (strbuf_reserve(scratch, need) == -1)
		return -1;
	base = scratch->data + scratch->len;
	base += (16 - ((uintptr_t)base & 15)) & 15;
	ctx.header = (struct field *)(void *)base;
	ctx.norm = (struct field *)(void *)(base + off_norm);
	ctx.order = (const struct field **)(void *)(base + off_order);
	ctx.sd = (struct sd_param *)(void *)(base + off_sd);

	if (sd_cap > 0)
		event_collect_sd(&ctx, sd_cap, base + off_text);
	if (in->norm != NULL && json_object_is_type(in->norm, json_type_object))
		event_collect_norm(&ctx, norm_cap);
	event_collect_header(&ctx);
	if (ctx.nnorm > 0)
		event_merge(&ctx);

	json_writer_init(&ctx.w, out);
	event_write_fields(&ctx);
	if (ctx.w.failed || strbuf_append_char(out, '\n') == -1) {
		out->len = saved;
		return -1;
	}
	return 0;
}

/*
 * detect_field.c: field lookup in an event (detect_set.h): the syslog
 * header fields by their ECS names, and dotted paths into liblognorm's
 * fields, read as text.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json.h>

#include "detect_set.h"

static const struct {
	const char *name;
	enum header_field field;
} header_fields[] = {
    {"log.syslog.appname", HDR_APPNAME},
    {"log.syslog.hostname", HDR_HOSTNAME},
    {"log.syslog.procid", HDR_PROCID},
    {"log.syslog.msgid", HDR_MSGID},
    {"log.syslog.facility.code", HDR_FACILITY},
    {"log.syslog.severity.code", HDR_SEVERITY},
    {"host.hostname", HDR_HOST_HOSTNAME},
    {"source.ip", HDR_SOURCE_IP},
    {"message", HDR_MESSAGE},
};


/*
 * The list of the event being matched on this thread (detect_keys_begin),
 * or NULL: per thread, as the workers match in parallel, and not passed
 * down as an argument because the lookups are reached from the
 * conditions, the targets and the Sigma matcher alike.
 */
static _Thread_local struct detect_keys *thread_keys;

struct detect_keys *
detect_keys_begin(struct detect_keys *keys)
{
	struct detect_keys *previous = thread_keys;

	keys->n_objs = 0;
	keys->n_keys = 0;
	thread_keys = keys;
	return previous;
}

void
detect_keys_end(struct detect_keys *previous)
{
	thread_keys = previous;
}

/* List obj's keys in k, in libfastjson's order; false when they do not fit. */
static bool
keys_list(struct detect_keys *k, struct json_object *obj, uint64_t *lengths)
{
	struct json_object_iterator it = json_object_iter_begin(obj);
	struct json_object_iterator end = json_object_iter_end(obj);
	size_t first = k->n_keys;

	for (; !json_object_iter_equal(&it, &end); json_object_iter_next(&it)) {
		struct detect_key *x = &k->keys[k->n_keys];

		if (k->n_keys == DETECT_KEYS_MAX) {
			k->n_keys = first;
			return false;
		}
		x->name = json_object_iter_peek_name(&it);
		x->len = strlen(x->name);
		x->value = json_object_iter_peek_value(&it);
		*lengths |= UINT64_C(1) << (x->len % 64);
		k->n_keys++;
	}
	return true;
}

/* obj's entry in k, listed now when new and there is room; NULL: search it as before. */
static const struct listed_object *
keys_of(struct detect_keys *k, struct json_object *obj)
{
	struct listed_object *l;
	size_t i;

	for (i = 0; i < k->n_objs; i++)
		if (k->objs[i].obj == obj)
			return k->objs[i].n == SIZE_MAX ? NULL : &k->objs[i];
	if (k->n_objs == DETECT_KEYS_OBJECTS)
		return NULL;
	l = &k->objs[k->n_objs++];
	l->obj = obj;
	l->first = k->n_keys;
	l->lengths = 0;
	l->n = keys_list(k, obj, &l->lengths) ? k->n_keys - l->first : SIZE_MAX;
	return l->n == SIZE_MAX ? NULL : l;
}

/*
 * json_object_object_get_ex(obj, key): the first key equal to key[0..len)
 * (a C string), through the thread's list when obj is in it.
 */
static bool
object_get(struct json_object *obj, const char *key, size_t len, struct json_object **v)
{
	const struct listed_object *l;
	size_t i;

	if (thread_keys == NULL || (l = keys_of(thread_keys, obj)) == NULL)
		return json_object_object_get_ex(obj, key, v);
	if ((l->lengths & (UINT64_C(1) << (len % 64))) == 0)
		return false;
	for (i = l->first; i < l->first + l->n; i++) {
		const struct detect_key *x = &thread_keys->keys[i];

		if (x->len == len && memcmp(x->name, key, len) == 0) {
			*v = x->value;
			return true;
		}
	}
	return false;
}

/* Resolve a field name once: a header field, or a path into liblognorm's fields. */
int
detect_field_ref_init(struct field_ref *f, const char *p, size_t len)
{
	f->header = HDR_NONE;
	f->len = len;
	if ((f->path = strndup(p, len)) == NULL)
		return -1;
	f->header = detect_header_of(f->path);
	return 0;
}

/*
 * Find path in a liblognorm object: the literal dotted key first, then
 * each prefix that names an object, with the rest of the path inside it.
 */
static struct json_object *
norm_lookup(struct json_object *obj, const char *path, size_t len, int depth)
{
	char key[DETECT_PATH_MAX + 1];
	struct json_object *v;
	size_t i;

	if (obj == NULL || depth > DETECT_PATH_SEGMENTS || len > DETECT_PATH_MAX ||
	    !json_object_is_type(obj, json_type_object))
		return NULL;
	memcpy(key, path, len);
	key[len] = '\0';
	if (object_get(obj, key, len, &v) && v != NULL)
		return v;
	for (i = 1; i + 1 < len; i++) {
		if (path[i] != '.')
			continue;
		key[i] = '\0';
		if (object_get(obj, key, i, &v) && v != NULL &&
		    json_object_is_type(v, json_type_object)) {
			struct json_object *r = norm_lookup(v, path + i + 1, len - i - 1, depth + 1);

			if (r != NULL)
				return r;
		}
		key[i] = '.';
	}
	return NULL;
}

/* A liblognorm value as text: strings as they are, numbers and booleans as written. */
static int
json_text(struct json_object *v, struct detect_value *out)
{
	int n;

	out->terminated = true;
	switch (json_object_get_type(v)) {
	case json_type_null:
		return 0;
	case json_type_string:
		out->s.p = json_object_get_string(v);
		out->s.len = (size_t)json_object_get_string_len(v);
		return out->s.p != NULL;
	case json_type_int:
		n = snprintf(out->num, sizeof(out->num), "%" PRId64, json_object_get_int64(v));
		out->s.p = out->num;
		out->s.len = (size_t)n;
		return 1;
	case json_type_boolean:
		out->s.p = json_object_get_boolean(v) ? "true" : "false";
		out->s.len = strlen(out->s.p);
		return 1;
	default:
		/* doubles, objects, arrays: their JSON text */
		out->s.p = json_object_to_json_string_ext(v, JSON_C_TO_STRING_PLAIN);
		out->s.len = out->s.p != NULL ? strlen(out->s.p) : 0;
		return out->s.p != NULL;
	}
}

/* A slice as a value; 0 when absent. */
static int
slice_value(struct slice sl, struct detect_value *out)
{
	if (sl.p == NULL)
		return 0;
	out->s = sl;
	out->terminated = false;
	return 1;
}

/* A header field of the event. */
static int
header_value(const struct detect_event *ev, enum header_field h, struct detect_value *out)
{
	const struct syslog_msg *m = ev->msg;
	struct slice ip = {ev->source_ip, ev->source_ip ? strlen(ev->source_ip) : 0};
	int n;

	switch (h) {
	case HDR_NONE:
		return 0;
	case HDR_APPNAME:
		return slice_value(m->appname, out);
	case HDR_HOSTNAME:
		return slice_value(m->hostname, out);
	case HDR_PROCID:
		return slice_value(m->procid, out);
	case HDR_MSGID:
		return slice_value(m->msgid, out);
	case HDR_FACILITY:
	case HDR_SEVERITY:
		n = snprintf(out->num, sizeof(out->num), "%d",
		    h == HDR_FACILITY ? m->pri >> 3 : m->pri & 7);
		out->s.p = out->num;
		out->s.len = (size_t)n;
		out->terminated = true;
		return 1;
	case HDR_HOST_HOSTNAME:
		if (m->hostname.p != NULL)
			return slice_value(m->hostname, out);
		/* no hostname: the source address stands in */
		__attribute__((fallthrough));
	case HDR_SOURCE_IP:
		if (!slice_value(ip, out))
			return 0;
		out->terminated = true;
		return 1;
	case HDR_MESSAGE:
		return slice_value(m->msg, out);
	}
	return 0;
}

/* Look up a resolved field: liblognorm's fields, then the header. */
int
detect_field_value(const struct detect_event *ev, const struct field_ref *f, struct detect_value *out)
{
	struct json_object *v;

	out->s.p = NULL;
	out->s.len = 0;
	if (ev->norm != NULL && (v = norm_lookup(ev->norm, f->path, f->len, 0)) != NULL &&
	    json_text(v, out))
		return 1;
	return header_value(ev, f->header, out);
}

enum header_field
detect_header_of(const char *name)
{
	size_t i;

	for (i = 0; i < sizeof(header_fields) / sizeof(header_fields[0]); i++)
		if (strcmp(header_fields[i].name, name) == 0)
			return header_fields[i].field;
	return HDR_NONE;
}

int
detect_field(const struct detect_event *ev, const char *path, struct detect_value *out)
{
	struct field_ref f;
	size_t len = strlen(path);

	out->s.p = NULL;
	out->s.len = 0;
	if (len == 0 || len > DETECT_PATH_MAX)
		return 0;
	f.path = (char *)path;
	f.len = len;
	f.header = detect_header_of(path);
	return detect_field_value(ev, &f, out);
}

struct slice
detect_field_slice(const struct detect_event *ev, const char *path, struct detect_value *v)
{
	struct slice none = {NULL, 0};

	if (path == NULL || !detect_field(ev, path, v))
		return none;
	return v->s;
}

/* A host name up to its first '.', or an IP address whole. */
size_t
detect_host_key_len(const char *p, size_t len)
{
	size_t i;
	bool ipv4 = true;

	if (memchr(p, ':', len) != NULL)
		return len; /* IPv6 */
	for (i = 0; i < len; i++)
		if (!(p[i] == '.' || (p[i] >= '0' && p[i] <= '9')))
			ipv4 = false;
	if (ipv4)
		return len;
	for (i = 0; i < len; i++)
		if (p[i] == '.')
			return i;
	return len;
}


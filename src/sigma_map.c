/*
 * sigma_map.c: the mapping files (RULES_DIR/sigma/NAME.map, YAML), one event
 * shape each: which Sigma log source it serves, how to tell its events
 * (event tags, detections-style conditions), and where each Sigma field
 * is in them.  They are logward's own content, so a broken one stops the
 * load with "file:line: what", as a broken detections file does.
 */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include <json.h>

#include "sigma_impl.h"
#include "sigma_yaml.h"

#define MAP_SUFFIX ".map"

struct map_walk {
	struct sigma_set *ss;
	yaml_document_t *doc;
	const char *file;
	char *err;
	size_t errlen;
};

static int __attribute__((format(printf, 3, 4)))
map_fail(struct map_walk *w, const yaml_node_t *n, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	snprintf(w->err, w->errlen, "%s:%lu: %s", w->file,
	    n != NULL ? (unsigned long)n->start_mark.line + 1 : 0UL, msg);
	return -1;
}

/* An optional string member. */
static int
map_string(struct map_walk *w, const yaml_node_t *m, const char *key, char **out)
{
	yaml_node_t *n = map_get(w->doc, m, key);

	*out = NULL;
	if (n == NULL)
		return 0;
	if (scalar(n) == NULL)
		return map_fail(w, n, "%s: expected a string", key);
	if ((*out = strdup(scalar(n))) == NULL)
		return map_fail(w, n, "out of memory");
	return 0;
}

/* An optional list of strings. */
static int
map_list(struct map_walk *w, const yaml_node_t *m, const char *key, char ***out, size_t *n_out)
{
	yaml_node_t *n = map_get(w->doc, m, key);
	yaml_node_item_t *e;
	size_t n_items;

	*out = NULL;
	*n_out = 0;
	if (n == NULL)
		return 0;
	if (n->type != YAML_SEQUENCE_NODE)
		return map_fail(w, n, "%s: expected a list", key);
	n_items = (size_t)(n->data.sequence.items.top - n->data.sequence.items.start);
	if ((*out = calloc(n_items + 1, sizeof(**out))) == NULL)
		return map_fail(w, n, "out of memory");
	for (e = n->data.sequence.items.start; e < n->data.sequence.items.top; e++) {
		yaml_node_t *it = yaml_document_get_node(w->doc, *e);

		if (scalar(it) == NULL)
			return map_fail(w, it, "%s: expected strings", key);
		if (((*out)[(*n_out)++] = strdup(scalar(it))) == NULL)
			return map_fail(w, it, "out of memory");
	}
	return 0;
}

/*
 * The memo slot of the condition whose text is text: the same text in
 * another shape shares it (the Sysmon provider test of nine shapes is
 * evaluated once a message).  Past SIGMA_MAX_SHAPE_CONDS distinct texts,
 * or out of memory, SIZE_MAX: evaluated each time.
 */
static size_t
cond_id(struct sigma_set *ss, const char *text)
{
	size_t i;

	for (i = 0; i < ss->n_conds; i++)
		if (strcmp(ss->cond_texts[i], text) == 0)
			return i;
	if (ss->n_conds == SIGMA_MAX_SHAPE_CONDS ||
	    (ss->cond_texts[ss->n_conds] = strdup(text)) == NULL)
		return SIZE_MAX;
	return ss->n_conds++;
}

/* A list of detections conditions ("json.Channel =~ Security"), compiled. */
static int
map_conds(struct map_walk *w, const yaml_node_t *m, const char *key, struct detect_cond **out,
    size_t **ids, size_t *n_out)
{
	char **texts, why[256];
	size_t n, i;
	int rc = 0;

	*out = NULL;
	*ids = NULL;
	*n_out = 0;
	if (map_list(w, m, key, &texts, &n) == -1)
		rc = -1;
	else if (n > 0 && (*ids = calloc(n, sizeof(**ids))) == NULL)
		rc = map_fail(w, m, "out of memory");
	else if (n > 0 && (*out = calloc(n, sizeof(**out))) == NULL)
		rc = map_fail(w, m, "out of memory");
	for (i = 0; rc == 0 && i < n; i++) {
		(*n_out)++;
		if (detect_cond_compile(&(*out)[i], texts[i], why, sizeof(why)) == -1)
			rc = map_fail(
			    w, map_get(w->doc, m, key), "%s: '%s': %s", key, texts[i], why);
		else
			(*ids)[i] = cond_id(w->ss, texts[i]);
	}
	for (i = 0; texts != NULL && texts[i] != NULL; i++)
		free(texts[i]);
	free(texts);
	return rc;
}

/* fields: Sigma name -> event field path. */
static int
map_fields(struct map_walk *w, struct sigma_shape *sh, const yaml_node_t *m)
{
	yaml_node_t *f = map_get(w->doc, m, "fields");
	yaml_node_pair_t *p;
	size_t n;

	if (f == NULL)
		return 0;
	if (f->type != YAML_MAPPING_NODE)
		return map_fail(w, f, "fields: expected a map");
	n = (size_t)(f->data.mapping.pairs.top - f->data.mapping.pairs.start);
	sh->from = calloc(n + 1, sizeof(*sh->from));
	sh->to = calloc(n + 1, sizeof(*sh->to));
	if (sh->from == NULL || sh->to == NULL)
		return map_fail(w, f, "out of memory");
	for (p = f->data.mapping.pairs.start; p < f->data.mapping.pairs.top; p++) {
		yaml_node_t *k = yaml_document_get_node(w->doc, p->key);
		yaml_node_t *v = yaml_document_get_node(w->doc, p->value);
		const char *why;

		if (scalar(k) == NULL || scalar(v) == NULL)
			return map_fail(w, k, "fields: expected 'SigmaField: event.field'");
		if (strncmp(scalar(v), SIGMA_KV_PREFIX, 3) != 0 &&
		    (why = detect_path_check(scalar(v), strlen(scalar(v)))) != NULL)
			return map_fail(w, v, "fields: %s: %s", scalar(v), why);
		sh->from[sh->n_fields] = strdup(scalar(k));
		sh->to[sh->n_fields] = strdup(scalar(v));
		if (sh->from[sh->n_fields] == NULL || sh->to[sh->n_fields] == NULL)
			return map_fail(w, k, "out of memory");
		sh->n_fields++;
	}
	return 0;
}

/* fallback: "prefix{}suffix" or "prefix{lcfirst}suffix". */
static int
map_fallback(struct map_walk *w, struct sigma_shape *sh, const yaml_node_t *m)
{
	char *f;

	if (map_string(w, m, "fallback", &sh->fallback) == -1)
		return -1;
	if (sh->fallback == NULL)
		return 0;
	if ((f = strstr(sh->fallback, "{lcfirst}")) != NULL) {
		sh->fallback_lcfirst = true;
		memmove(f + 1, f + 8, strlen(f + 8) + 1); /* "{lcfirst}" to "{}" */
	} else if ((f = strstr(sh->fallback, "{}")) == NULL)
		return map_fail(w, map_get(w->doc, m, "fallback"),
		    "fallback: expected '{}' or "
		    "'{lcfirst}' where the Sigma field name goes");
	return 0;
}

/* The fact keys (created_account, member_group...): read, then resolved through sh. */
static int
map_facts(struct map_walk *w, struct sigma_shape *sh, const yaml_node_t *m)
{
	struct sigma_fact_names n;
	char why[512];
	int rc = -1;

	memset(&n, 0, sizeof(n));
	if (map_string(w, m, "fact_scope", &n.scope) == 0 &&
	    map_string(w, m, "created_account", &n.created_account) == 0 &&
	    map_string(w, m, "created_account_id", &n.created_account_id) == 0 &&
	    map_string(w, m, "member_account", &n.member_account) == 0 &&
	    map_string(w, m, "member_account_id", &n.member_account_id) == 0 &&
	    map_string(w, m, "member_group", &n.member_group) == 0 &&
	    map_string(w, m, "admin_groups", &n.admin_groups) == 0) {
		rc = sigma_fact_prepare(sh, &n, why, sizeof(why));
		if (rc == -1)
			map_fail(w, m, "%s", why);
	}
	free(n.scope);
	free(n.created_account);
	free(n.created_account_id);
	free(n.member_account);
	free(n.member_account_id);
	free(n.member_group);
	free(n.admin_groups);
	return rc;
}

/* One mapping document into sh. */
static int
map_take(struct map_walk *w, struct sigma_shape *sh, const yaml_node_t *root)
{
	const yaml_node_t *ls;

	if (root == NULL || root->type != YAML_MAPPING_NODE)
		return map_fail(w, root, "a mapping file is a map");
	if ((ls = map_get(w->doc, root, "logsource")) == NULL || ls->type != YAML_MAPPING_NODE)
		return map_fail(w, root, "logsource: expected a map");
	if (map_string(w, root, "name", &sh->name) == -1 ||
	    map_string(w, ls, "product", &sh->product) == -1 ||
	    map_string(w, ls, "service", &sh->service) == -1 ||
	    map_string(w, ls, "category", &sh->category) == -1 ||
	    map_list(w, root, "tags", &sh->tags, &sh->n_tags) == -1 ||
	    map_list(w, root, "not_tags", &sh->not_tags, &sh->n_not_tags) == -1 ||
	    map_conds(w, root, "when", &sh->when, &sh->when_ids, &sh->n_when) == -1 ||
	    map_conds(w, root, "when_any", &sh->when_any, &sh->when_any_ids, &sh->n_when_any) ==
		-1 ||
	    map_fields(w, sh, root) == -1 || map_fallback(w, sh, root) == -1 ||
	    map_string(w, root, "target", &sh->target) == -1 ||
	    map_string(w, root, "actor", &sh->actor) == -1 || map_facts(w, sh, root) == -1)
		return -1;
	if (sh->name == NULL)
		return map_fail(w, root, "no name");
	if (sh->product == NULL && sh->service == NULL && sh->category == NULL)
		return map_fail(w, ls, "logsource: expected product, service or category");
	return 0;
}

/* The bits of tags in ss->tag_names, each name added when new; -1 past SIGMA_MAX_TAGS. */
static int
tag_bits_of(struct sigma_set *ss, char **tags, size_t n, uint64_t *bits)
{
	size_t i, j;

	*bits = 0;
	for (i = 0; i < n; i++) {
		for (j = 0; j < ss->n_tag_names && strcmp(ss->tag_names[j], tags[i]) != 0; j++)
			;
		if (j == ss->n_tag_names) {
			if (j == SIGMA_MAX_TAGS)
				return -1;
			ss->tag_names[ss->n_tag_names++] = tags[i];
		}
		*bits |= UINT64_C(1) << j;
	}
	return 0;
}

/* Load one mapping file as ss's next shape. */
static int
map_load_file(struct sigma_set *ss, const char *path, char *err, size_t errlen)
{
	struct map_walk w = {ss, NULL, path, err, errlen};
	struct sigma_shape *grown, *sh;
	yaml_parser_t parser;
	yaml_document_t doc;
	char *text, why[256];
	size_t len;
	int rc = -1;

	if (ss->n_shapes == SIGMA_MAX_SHAPES) {
		snprintf(err, errlen, "%s: more than %d mapping files", path, SIGMA_MAX_SHAPES);
		return -1;
	}
	if ((text = sigma_read_file(path, &len, why, sizeof(why))) == NULL) {
		snprintf(err, errlen, "%s: %s", path, why);
		return -1;
	}
	if ((grown = realloc(ss->shapes, (ss->n_shapes + 1) * sizeof(*grown))) == NULL) {
		free(text);
		snprintf(err, errlen, "%s: out of memory", path);
		return -1;
	}
	ss->shapes = grown;
	sh = &ss->shapes[ss->n_shapes++];
	memset(sh, 0, sizeof(*sh));
	if ((sh->file = strdup(path)) == NULL || !yaml_parser_initialize(&parser)) {
		free(text);
		snprintf(err, errlen, "%s: out of memory", path);
		return -1;
	}
	yaml_parser_set_input_string(&parser, (const unsigned char *)text, len);
	if (!yaml_parser_load(&parser, &doc)) {
		snprintf(err, errlen, "%s:%lu: %s", path,
		    (unsigned long)parser.problem_mark.line + 1,
		    parser.problem != NULL ? parser.problem : "not YAML");
	} else {
		w.doc = &doc;
		rc = map_take(&w, sh, yaml_document_get_root_node(&doc));
		yaml_document_delete(&doc);
		/* tested once per message as bits, not per shape as strings */
		if (rc == 0 &&
		    (tag_bits_of(ss, sh->tags, sh->n_tags, &sh->tag_bits) == -1 ||
			tag_bits_of(ss, sh->not_tags, sh->n_not_tags, &sh->not_tag_bits) == -1)) {
			snprintf(err, errlen, "%s: more than %d distinct tags in the mapping files",
			    path, SIGMA_MAX_TAGS);
			rc = -1;
		}
	}
	yaml_parser_delete(&parser);
	free(text);
	return rc;
}

static int
filter_map(const struct dirent *d)
{
	size_t len = strlen(d->d_name), slen = sizeof(MAP_SUFFIX) - 1;

	return d->d_name[0] != '.' && len > slen && strcmp(d->d_name + len - slen, MAP_SUFFIX) == 0;
}

int
sigma_map_load(struct sigma_set *ss, const char *dir, char *err, size_t errlen)
{
	struct dirent **names = NULL;
	char path[4096];
	struct stat st;
	int count, i, rc = 0;

	if ((count = scandir(dir, &names, filter_map, alphasort)) == -1) {
		if (errno == ENOENT)
			return 0; /* no mappings: no Sigma rule can run, each says so */
		snprintf(err, errlen, "%s: %s", dir, strerror(errno));
		return -1;
	}
	for (i = 0; i < count && rc == 0; i++) {
		if ((size_t)snprintf(path, sizeof(path), "%s/%s", dir, names[i]->d_name) >=
		    sizeof(path)) {
			snprintf(err, errlen, "%s: path too long", dir);
			rc = -1;
		} else if (stat(path, &st) == 0 && S_ISREG(st.st_mode))
			rc = map_load_file(ss, path, err, errlen);
	}
	for (i = 0; i < count; i++)
		free(names[i]);
	free(names);
	return rc;
}

static void
free_list(char **l, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		free(l[i]);
	free(l);
}

void
sigma_shape_free(struct sigma_shape *sh)
{
	size_t i;

	for (i = 0; i < sh->n_when; i++)
		detect_cond_free(&sh->when[i]);
	free(sh->when);
	free(sh->when_ids);
	for (i = 0; i < sh->n_when_any; i++)
		detect_cond_free(&sh->when_any[i]);
	free(sh->when_any);
	free(sh->when_any_ids);
	free_list(sh->tags, sh->n_tags);
	free_list(sh->not_tags, sh->n_not_tags);
	free_list(sh->from, sh->n_fields);
	free_list(sh->to, sh->n_fields);
	free(sh->file);
	free(sh->name);
	free(sh->product);
	free(sh->service);
	free(sh->category);
	free(sh->fallback);
	free(sh->target);
	free(sh->actor);
	sigma_fact_free(&sh->created);
	sigma_fact_free(&sh->member);
}

/* Both absent, or equal ignoring case. */
static bool
same_opt(const char *a, const char *b)
{
	if (a == NULL || b == NULL)
		return a == b;
	return strcasecmp(a, b) == 0;
}

bool
sigma_shape_serves(const struct sigma_shape *sh, const struct sigma_rule *r)
{
	return same_opt(sh->product, r->product) && same_opt(sh->service, r->service) &&
	       same_opt(sh->category, r->category);
}

char *
sigma_shape_field(const struct sigma_shape *sh, const char *name, bool *nomem)
{
	const char *f;
	char *out;
	size_t i, len;

	*nomem = false;
	for (i = 0; i < sh->n_fields; i++)
		if (strcmp(sh->from[i], name) == 0) {
			if ((out = strdup(sh->to[i])) == NULL)
				*nomem = true;
			return out;
		}
	if (sh->fallback == NULL)
		return NULL;
	f = strstr(sh->fallback, "{}");
	len = strlen(sh->fallback) - 2 + strlen(name);
	if ((out = malloc(len + 1)) == NULL) {
		*nomem = true;
		return NULL;
	}
	snprintf(out, len + 1, "%.*s%s%s", (int)(f - sh->fallback), sh->fallback, name, f + 2);
	if (sh->fallback_lcfirst)
		out[f - sh->fallback] = (char)lower((unsigned char)out[f - sh->fallback]);
	if (strncmp(out, SIGMA_KV_PREFIX, 3) != 0 && detect_path_check(out, len) != NULL) {
		free(out);
		return NULL; /* a name that cannot be a path: unmapped */
	}
	return out;
}

uint64_t
sigma_event_tags(const struct sigma_set *ss, const struct detect_event *ev)
{
	struct json_object *tags, *t;
	uint64_t bits = 0;
	size_t i, j, n;

	if (ss->n_tag_names == 0 || ev->norm == NULL ||
	    !json_object_object_get_ex(ev->norm, "event.tags", &tags) ||
	    !json_object_is_type(tags, json_type_array))
		return 0;
	n = json_object_array_length(tags);
	for (i = 0; i < n; i++) {
		t = json_object_array_get_idx(tags, i);
		if (t == NULL || !json_object_is_type(t, json_type_string))
			continue;
		for (j = 0; j < ss->n_tag_names; j++)
			if (strcmp(json_object_get_string(t), ss->tag_names[j]) == 0)
				bits |= UINT64_C(1) << j;
	}
	return bits;
}

/* Condition c (memo slot id) on ev, evaluated at most once a message. */
static bool
cond_holds(
    const struct detect_cond *c, size_t id, const struct detect_event *ev, unsigned char *memo)
{
	if (id == SIZE_MAX)
		return detect_cond_holds(c, ev);
	if (memo[id] == 0)
		memo[id] = detect_cond_holds(c, ev) ? 2 : 1;
	return memo[id] == 2;
}

bool
sigma_shape_holds(const struct sigma_shape *sh, const struct detect_event *ev, uint64_t ev_tags,
    unsigned char *memo)
{
	size_t i;

	if ((sh->n_tags > 0 && (ev_tags & sh->tag_bits) == 0) || (ev_tags & sh->not_tag_bits) != 0)
		return false;
	for (i = 0; i < sh->n_when; i++)
		if (!cond_holds(&sh->when[i], sh->when_ids[i], ev, memo))
			return false;
	for (i = 0; i < sh->n_when_any; i++)
		if (cond_holds(&sh->when_any[i], sh->when_any_ids[i], ev, memo))
			return true;
	return sh->n_when_any == 0;
}

/*
 * sigma_load.c: one Sigma rule file, YAML through libyaml's document
 * loader, to a struct sigma_rule (Sigma specification 2.0: "Rules",
 * "Detection").  Every refusal names the line of the node at fault.
 * Aliases cannot blow up the walk: it stops at the bounds of sigma.h
 * whatever the document's graph is.
 */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sigma_impl.h"
#include "sigma_yaml.h"

#define SIGMA_MAX_MODIFIERS 8

/* The walk over one document. */
struct sigma_walk {
	yaml_document_t *doc;
	struct sigma_rule *rule;
	char *why;
	size_t whylen;
};

static int __attribute__((format(printf, 3, 4)))
walk_fail(struct sigma_walk *w, const yaml_node_t *n, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	/* libyaml marks count from 0 */
	snprintf(w->why, w->whylen, "line %lu: %s",
	    n != NULL ? (unsigned long)n->start_mark.line + 1 : 0UL, msg);
	return -1;
}

/* A plain null scalar: "null", "~", or nothing (YAML 1.1 core schema). */
static bool
is_null(const yaml_node_t *n)
{
	const char *s = scalar(n);

	if (s == NULL || n->data.scalar.style != YAML_PLAIN_SCALAR_STYLE)
		return false;
	return s[0] == '\0' || strcmp(s, "~") == 0 || strcmp(s, "null") == 0 ||
	       strcmp(s, "Null") == 0 || strcmp(s, "NULL") == 0;
}

/* Copy a string member (NULL when absent); -1 out of memory or not a string. */
static int
take_string(struct sigma_walk *w, const yaml_node_t *m, const char *key, char **out)
{
	yaml_node_t *n = map_get(w->doc, m, key);
	const char *s;

	*out = NULL;
	if (n == NULL)
		return 0;
	if ((s = scalar(n)) == NULL)
		return walk_fail(w, n, "%s: expected a string", key);
	if ((*out = strdup(s)) == NULL)
		return walk_fail(w, n, "out of memory");
	return 0;
}

size_t
sigma_rule_field(struct sigma_rule *r, const char *name)
{
	char **grown;
	size_t i;

	for (i = 0; i < r->n_fields; i++)
		if (strcmp(r->fields[i], name) == 0)
			return i;
	if ((grown = realloc(r->fields, (r->n_fields + 1) * sizeof(*grown))) == NULL)
		return SIZE_MAX;
	r->fields = grown;
	if ((r->fields[r->n_fields] = strdup(name)) == NULL)
		return SIZE_MAX;
	return r->n_fields++;
}

/* Split "Field|mod|mod" into field (in buf) and modifiers; -1 too many. */
static int
split_key(char *buf, const char **mods, size_t *n_mods)
{
	char *p = buf, *bar;

	*n_mods = 0;
	while ((bar = strchr(p, '|')) != NULL) {
		*bar = '\0';
		if (*n_mods == SIGMA_MAX_MODIFIERS)
			return -1;
		mods[(*n_mods)++] = bar + 1;
		p = bar + 1;
	}
	return 0;
}

/* Compile one scalar of an item. */
static int
take_value(struct sigma_walk *w, struct sigma_item *it, const yaml_node_t *n, const char **mods,
    size_t n_mods)
{
	struct sigma_value *v = &it->values[it->n_values];
	char why[256];
	const char *s = scalar(n);

	if (s == NULL)
		return walk_fail(w, n, "a value must be a string, a number or null");
	if (++w->rule->n_values > SIGMA_MAX_VALUES)
		return walk_fail(w, n, "more than %d values", SIGMA_MAX_VALUES);
	if (n->data.scalar.length > SIGMA_MAX_VALUE_LEN)
		return walk_fail(w, n, "a value longer than %d bytes", SIGMA_MAX_VALUE_LEN);
	it->n_values++;
	if (sigma_value_compile(v, w->rule, s, is_null(n), mods, n_mods, why, sizeof(why)) == -1)
		return walk_fail(w, n, "%s", why);
	return 0;
}

static bool
has_mod(const char *const *mods, size_t n, const char *name)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (strcmp(mods[i], name) == 0)
			return true;
	return false;
}

/* One "key: value(s)" of a map, or a keyword list (key NULL). */
static int
take_item(struct sigma_walk *w, struct sigma_item *it, const char *key, const yaml_node_t *key_node,
    const yaml_node_t *val)
{
	const char *mods[SIGMA_MAX_MODIFIERS];
	size_t n_mods = 0, n;
	char buf[512];
	yaml_node_item_t *e;

	it->field = SIGMA_KEYWORDS;
	if (key != NULL) {
		if (strlen(key) >= sizeof(buf))
			return walk_fail(w, key_node, "field name too long");
		strcpy(buf, key);
		if (split_key(buf, mods, &n_mods) == -1)
			return walk_fail(
			    w, key_node, "more than %d modifiers", SIGMA_MAX_MODIFIERS);
		it->all = has_mod(mods, n_mods, "all");
		if (buf[0] != '\0' && (it->field = sigma_rule_field(w->rule, buf)) == SIZE_MAX)
			return walk_fail(w, key_node, "out of memory");
	}
	/* keywords are a full-text search: a piece of the message, not all of it */
	if (it->field == SIGMA_KEYWORDS && !has_mod(mods, n_mods, "re") &&
	    !has_mod(mods, n_mods, "startswith") && !has_mod(mods, n_mods, "endswith") &&
	    !has_mod(mods, n_mods, "contains")) {
		if (n_mods == SIGMA_MAX_MODIFIERS)
			return walk_fail(
			    w, key_node, "more than %d modifiers", SIGMA_MAX_MODIFIERS);
		mods[n_mods++] = "contains";
	}
	n = val->type == YAML_SEQUENCE_NODE
		? (size_t)(val->data.sequence.items.top - val->data.sequence.items.start)
		: 1;
	if (n == 0)
		return walk_fail(w, val, "an empty list of values");
	if (n > SIGMA_MAX_VALUES)
		return walk_fail(w, val, "more than %d values", SIGMA_MAX_VALUES);
	if ((it->values = calloc(n, sizeof(*it->values))) == NULL)
		return walk_fail(w, val, "out of memory");
	if (val->type != YAML_SEQUENCE_NODE)
		return take_value(w, it, val, mods, n_mods);
	for (e = val->data.sequence.items.start; e < val->data.sequence.items.top; e++)
		if (take_value(w, it, yaml_document_get_node(w->doc, *e), mods, n_mods) == -1)
			return -1;
	return 0;
}

/* A map of "field|mods: values": one group, every item holds. */
static int
take_group(struct sigma_walk *w, struct sigma_group *g, const yaml_node_t *m)
{
	size_t n = (size_t)(m->data.mapping.pairs.top - m->data.mapping.pairs.start);
	yaml_node_pair_t *p;

	if (n == 0)
		return walk_fail(w, m, "an empty map");
	if (n > SIGMA_MAX_VALUES)
		return walk_fail(w, m, "more than %d fields", SIGMA_MAX_VALUES);
	if ((g->items = calloc(n, sizeof(*g->items))) == NULL)
		return walk_fail(w, m, "out of memory");
	for (p = m->data.mapping.pairs.start; p < m->data.mapping.pairs.top; p++) {
		yaml_node_t *k = yaml_document_get_node(w->doc, p->key);
		yaml_node_t *v = yaml_document_get_node(w->doc, p->value);

		if (scalar(k) == NULL || v == NULL)
			return walk_fail(w, k, "a field name must be a string");
		if (v->type == YAML_MAPPING_NODE)
			return walk_fail(w, v, "a map as a value is not Sigma");
		g->n_items++;
		if (take_item(w, &g->items[g->n_items - 1], scalar(k), k, v) == -1)
			return -1;
	}
	return 0;
}

/* A keyword list or a single keyword as one group of one item. */
static int
take_keywords(struct sigma_walk *w, struct sigma_group *g, const yaml_node_t *v)
{
	if ((g->items = calloc(1, sizeof(*g->items))) == NULL)
		return walk_fail(w, v, "out of memory");
	g->n_items = 1;
	return take_item(w, &g->items[0], NULL, v, v);
}

/* A named selection: a map, a list of maps (any holds), or keywords. */
static int
take_selection(struct sigma_walk *w, struct sigma_selection *sel, const yaml_node_t *v)
{
	yaml_node_item_t *e;
	size_t n;
	bool all_scalars = true;

	if (v->type == YAML_MAPPING_NODE) {
		if ((sel->groups = calloc(1, sizeof(*sel->groups))) == NULL)
			return walk_fail(w, v, "out of memory");
		sel->n_groups = 1;
		return take_group(w, &sel->groups[0], v);
	}
	if (v->type == YAML_SCALAR_NODE) {
		if ((sel->groups = calloc(1, sizeof(*sel->groups))) == NULL)
			return walk_fail(w, v, "out of memory");
		sel->n_groups = 1;
		return take_keywords(w, &sel->groups[0], v);
	}
	n = (size_t)(v->data.sequence.items.top - v->data.sequence.items.start);
	if (n == 0)
		return walk_fail(w, v, "an empty selection");
	if (n > SIGMA_MAX_VALUES)
		return walk_fail(w, v, "more than %d values", SIGMA_MAX_VALUES);
	for (e = v->data.sequence.items.start; e < v->data.sequence.items.top; e++)
		if (yaml_document_get_node(w->doc, *e)->type != YAML_SCALAR_NODE)
			all_scalars = false;
	if ((sel->groups = calloc(all_scalars ? 1 : n, sizeof(*sel->groups))) == NULL)
		return walk_fail(w, v, "out of memory");
	if (all_scalars) {
		sel->n_groups = 1;
		return take_keywords(w, &sel->groups[0], v);
	}
	for (e = v->data.sequence.items.start; e < v->data.sequence.items.top; e++) {
		yaml_node_t *m = yaml_document_get_node(w->doc, *e);
		struct sigma_group *g = &sel->groups[sel->n_groups++];

		if (m->type == YAML_MAPPING_NODE) {
			if (take_group(w, g, m) == -1)
				return -1;
		} else if (m->type == YAML_SCALAR_NODE) {
			if (take_keywords(w, g, m) == -1)
				return -1;
		} else
			return walk_fail(w, m, "a list inside a list is not Sigma");
	}
	return 0;
}

/* condition: one string, or a list of them (any holds). */
static int
take_conditions(struct sigma_walk *w, const yaml_node_t *c)
{
	yaml_node_item_t *e;
	const yaml_node_t *one[1] = {c};
	size_t n = 1, i;
	char why[256];

	if (c->type == YAML_SEQUENCE_NODE)
		n = (size_t)(c->data.sequence.items.top - c->data.sequence.items.start);
	if (n == 0 || n > SIGMA_MAX_SELECTIONS)
		return walk_fail(
		    w, c, "condition: expected 1 to %d conditions", SIGMA_MAX_SELECTIONS);
	if ((w->rule->conds = calloc(n, sizeof(*w->rule->conds))) == NULL)
		return walk_fail(w, c, "out of memory");
	for (i = 0; i < n; i++) {
		const yaml_node_t *t = one[0];

		if (c->type == YAML_SEQUENCE_NODE) {
			e = c->data.sequence.items.start + i;
			t = yaml_document_get_node(w->doc, *e);
		}
		if (scalar(t) == NULL)
			return walk_fail(w, t, "condition: expected a string");
		w->rule->conds[i] = sigma_cond_parse(w->rule, scalar(t), why, sizeof(why));
		if (w->rule->conds[i] == NULL)
			return walk_fail(w, t, "condition: %s", why);
		w->rule->n_conds++;
	}
	return 0;
}

/* detection: the named selections, then the condition over them. */
static int
take_detection(struct sigma_walk *w, const yaml_node_t *d)
{
	yaml_node_pair_t *p;
	yaml_node_t *cond = NULL;
	size_t n;

	if (d == NULL || d->type != YAML_MAPPING_NODE)
		return walk_fail(w, d, "detection: expected a map");
	n = (size_t)(d->data.mapping.pairs.top - d->data.mapping.pairs.start);
	if (n > SIGMA_MAX_SELECTIONS + 2)
		return walk_fail(w, d, "more than %d selections", SIGMA_MAX_SELECTIONS);
	if ((w->rule->sels = calloc(n, sizeof(*w->rule->sels))) == NULL)
		return walk_fail(w, d, "out of memory");
	for (p = d->data.mapping.pairs.start; p < d->data.mapping.pairs.top; p++) {
		yaml_node_t *k = yaml_document_get_node(w->doc, p->key);
		yaml_node_t *v = yaml_document_get_node(w->doc, p->value);
		struct sigma_selection *sel;
		const char *name = scalar(k);

		if (name == NULL || v == NULL)
			return walk_fail(w, k, "a selection name must be a string");
		if (strcmp(name, "condition") == 0) {
			cond = v;
			continue;
		}
		if (strcmp(name, "timeframe") == 0)
			return walk_fail(w, k, "timeframe: aggregations are not supported");
		if (w->rule->n_sels == SIGMA_MAX_SELECTIONS)
			return walk_fail(w, k, "more than %d selections", SIGMA_MAX_SELECTIONS);
		sel = &w->rule->sels[w->rule->n_sels++];
		if ((sel->name = strdup(name)) == NULL)
			return walk_fail(w, k, "out of memory");
		if (take_selection(w, sel, v) == -1)
			return -1;
	}
	if (cond == NULL)
		return walk_fail(w, d, "detection: no condition");
	return take_conditions(w, cond);
}

/* tags: a list of strings. */
static int
take_tags(struct sigma_walk *w, const yaml_node_t *root)
{
	yaml_node_t *t = map_get(w->doc, root, "tags");
	yaml_node_item_t *e;
	size_t n;

	if (t == NULL)
		return 0;
	if (t->type != YAML_SEQUENCE_NODE)
		return walk_fail(w, t, "tags: expected a list");
	n = (size_t)(t->data.sequence.items.top - t->data.sequence.items.start);
	if (n > SIGMA_MAX_SELECTIONS)
		return walk_fail(w, t, "more than %d tags", SIGMA_MAX_SELECTIONS);
	if ((w->rule->tags = calloc(n + 1, sizeof(*w->rule->tags))) == NULL)
		return walk_fail(w, t, "out of memory");
	for (e = t->data.sequence.items.start; e < t->data.sequence.items.top; e++) {
		const char *s = scalar(yaml_document_get_node(w->doc, *e));

		if (s == NULL)
			return walk_fail(w, t, "tags: expected strings");
		if ((w->rule->tags[w->rule->n_tags++] = strdup(s)) == NULL)
			return walk_fail(w, t, "out of memory");
	}
	return 0;
}

/* The whole rule from the document's root map. */
static int
take_rule(struct sigma_walk *w, const yaml_node_t *root)
{
	const yaml_node_t *ls;

	if (root == NULL || root->type != YAML_MAPPING_NODE)
		return walk_fail(w, root, "a rule is a map");
	if (map_get(w->doc, root, "correlation") != NULL)
		return walk_fail(w, root, "correlation rules are not supported");
	if (map_get(w->doc, root, "action") != NULL)
		return walk_fail(w, root, "rule collections (action) are not supported");
	w->rule->line = (int)root->start_mark.line + 1;
	if (take_string(w, root, "title", &w->rule->title) == -1 ||
	    take_string(w, root, "id", &w->rule->id) == -1 ||
	    take_string(w, root, "level", &w->rule->level) == -1 || take_tags(w, root) == -1)
		return -1;
	if (w->rule->title == NULL)
		return walk_fail(w, root, "no title");
	if (w->rule->id == NULL)
		return walk_fail(w, root, "no id");
	if ((ls = map_get(w->doc, root, "logsource")) == NULL || ls->type != YAML_MAPPING_NODE)
		return walk_fail(w, root, "logsource: expected a map");
	if (take_string(w, ls, "product", &w->rule->product) == -1 ||
	    take_string(w, ls, "service", &w->rule->service) == -1 ||
	    take_string(w, ls, "category", &w->rule->category) == -1)
		return -1;
	return take_detection(w, map_get(w->doc, root, "detection"));
}

struct sigma_rule *
sigma_rule_load(const char *path, const char *text, size_t len, char *why, size_t whylen)
{
	struct sigma_walk w = {NULL, NULL, why, whylen};
	yaml_parser_t parser;
	yaml_document_t doc, extra;
	struct sigma_rule *r;
	bool loaded = false;

	if (len > SIGMA_MAX_FILE) {
		snprintf(why, whylen, "larger than %d bytes", SIGMA_MAX_FILE);
		return NULL;
	}
	if ((r = calloc(1, sizeof(*r))) == NULL || (r->file = strdup(path)) == NULL ||
	    !yaml_parser_initialize(&parser)) {
		snprintf(why, whylen, "out of memory");
		sigma_rule_free(r);
		return NULL;
	}
	yaml_parser_set_input_string(&parser, (const unsigned char *)text, len);
	w.doc = &doc;
	w.rule = r;
	if (!yaml_parser_load(&parser, &doc)) {
		snprintf(why, whylen, "line %lu: %s", (unsigned long)parser.problem_mark.line + 1,
		    parser.problem != NULL ? parser.problem : "not YAML");
		goto fail;
	}
	loaded = true;
	if (take_rule(&w, yaml_document_get_root_node(&doc)) == -1)
		goto fail;
	/* a second document: a rule collection, which Sigma 2.0 dropped */
	if (yaml_parser_load(&parser, &extra)) {
		bool more = yaml_document_get_root_node(&extra) != NULL;

		yaml_document_delete(&extra);
		if (more) {
			snprintf(why, whylen,
			    "more than one YAML document (rule collections are not "
			    "supported)");
			goto fail;
		}
	}
	yaml_document_delete(&doc);
	yaml_parser_delete(&parser);
	return r;
fail:
	if (loaded)
		yaml_document_delete(&doc);
	yaml_parser_delete(&parser);
	sigma_rule_free(r);
	return NULL;
}

void
sigma_rule_free(struct sigma_rule *r)
{
	size_t i, j, k, l;

	if (r == NULL)
		return;
	for (i = 0; i < r->n_sels; i++) {
		struct sigma_selection *s = &r->sels[i];

		for (j = 0; j < s->n_groups; j++) {
			for (k = 0; k < s->groups[j].n_items; k++) {
				struct sigma_item *it = &s->groups[j].items[k];

				for (l = 0; l < it->n_values; l++)
					sigma_value_free(&it->values[l]);
				free(it->values);
			}
			free(s->groups[j].items);
		}
		free(s->groups);
		free(s->name);
	}
	free(r->sels);
	for (i = 0; i < r->n_conds; i++)
		sigma_cond_free(r->conds[i]);
	free(r->conds);
	for (i = 0; i < r->n_fields; i++)
		free(r->fields[i]);
	free(r->fields);
	for (i = 0; i < r->n_tags; i++)
		free(r->tags[i]);
	free(r->tags);
	free(r->file);
	free(r->id);
	free(r->title);
	free(r->level);
	free(r->product);
	free(r->service);
	free(r->category);
	free(r);
}

/*
 * sigma_yaml.h: the two lookups into a libyaml document that the rule
 * loader and the mapping loader share.
 */
#ifndef LOGWARD_SIGMA_YAML_H
#define LOGWARD_SIGMA_YAML_H

#include <string.h>

#include <yaml.h>

/* A scalar node's text, or NULL for any other node. */
static inline const char *
scalar(const yaml_node_t *n)
{
	return n != NULL && n->type == YAML_SCALAR_NODE ? (const char *)n->data.scalar.value : NULL;
}

/* The value of key in mapping node m, or NULL. */
static inline yaml_node_t *
map_get(yaml_document_t *doc, const yaml_node_t *m, const char *key)
{
	yaml_node_pair_t *p;

	if (m == NULL || m->type != YAML_MAPPING_NODE)
		return NULL;
	for (p = m->data.mapping.pairs.start; p < m->data.mapping.pairs.top; p++) {
		const char *k = scalar(yaml_document_get_node(doc, p->key));

		if (k != NULL && strcmp(k, key) == 0)
			return yaml_document_get_node(doc, p->value);
	}
	return NULL;
}

#endif

/*
 * correlate_baseline.c: the admin baseline file (SCOPE GROUP MEMBER a
 * line) and the admin counts that use it (correlate_state.h).
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "correlate_state.h"

/* Is member a baseline member of group in scope? */
bool
correlate_in_baseline(const struct correlate *c, const char *scope, const char *group, const char *member)
{
	size_t i;

	for (i = 0; i < c->n_baseline; i++) {
		const struct baseline_entry *b = &c->baseline[i];

		if ((strcmp(b->scope, "*") == 0 || str_eq_fold(b->scope, scope)) &&
		    str_eq_fold(b->group, group) && strcmp(b->member, member) == 0)
			return true;
	}
	return false;
}

/* Members of group in scope: the baseline's and those learned (not in it). */
unsigned
correlate_admin_count(struct correlate *c, struct scope *sc, const char *group)
{
	const struct admin_group *g = correlate_group_find(c, sc, group);
	unsigned n = g != NULL ? g->members : 0;
	size_t i;

	for (i = 0; i < c->n_baseline; i++) {
		const struct baseline_entry *b = &c->baseline[i];
		size_t j;
		bool dup = false;

		if (!(strcmp(b->scope, "*") == 0 || str_eq_fold(b->scope, sc->name)) ||
		    !str_eq_fold(b->group, group))
			continue;
		/* a member listed for "*" and for this scope counts once */
		for (j = 0; j < i && !dup; j++)
			dup = (strcmp(c->baseline[j].scope, "*") == 0 ||
			    str_eq_fold(c->baseline[j].scope, sc->name)) &&
			    str_eq_fold(c->baseline[j].group, group) &&
			    strcmp(c->baseline[j].member, b->member) == 0;
		if (!dup)
			n++;
	}
	return n;
}

/* Cut a "#" comment that is not inside double quotes. */
static void
strip_comment(char *s)
{
	bool quoted = false;

	for (; *s != '\0'; s++) {
		if (*s == '"')
			quoted = !quoted;
		else if (*s == '#' && !quoted) {
			*s = '\0';
			return;
		}
	}
}

/*
 * Next field of a baseline line: blank-separated, or in double quotes.
 * Returns 1 with *out set, 0 at the end of the line, -1 when malformed.
 */
static int
baseline_field(char **pp, char **out)
{
	char *p = *pp, *end;

	while (*p == ' ' || *p == '\t')
		p++;
	if (*p == '\0')
		return 0;
	if (*p == '"') {
		if ((end = strchr(p + 1, '"')) == NULL || end == p + 1 ||
		    (end[1] != '\0' && end[1] != ' ' && end[1] != '\t'))
			return -1;
		*end = '\0';
		*out = p + 1;
		*pp = end + 1;
		return 1;
	}
	*out = p;
	end = p + strcspn(p, " \t\"");
	if (*end == '"')
		return -1;
	if (*end != '\0')
		*end++ = '\0';
	*pp = end;
	return 1;
}

int
correlate_load_baseline(struct correlate *c, const char *path, char *err, size_t errlen)
{
	FILE *fp = fopen(path, "r");
	char line[1024];
	int lineno = 0, rc = -1;

	if (fp == NULL) {
		correlate_set_err(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	while (fgets(line, sizeof(line) - 1, fp) != NULL) {
		char *p = line, *f[3], *extra;
		struct baseline_entry *b;
		int i, r = 1;

		lineno++;
		if (strchr(line, '\n') == NULL && !feof(fp)) {
			correlate_set_err(err, errlen, "%s:%d: line too long (at most %zu bytes)", path,
			    lineno, sizeof(line) - 2);
			goto done;
		}
		line[strcspn(line, "\r\n")] = '\0';
		strip_comment(line);
		for (i = 0; i < 3 && (r = baseline_field(&p, &f[i])) == 1; i++)
			;
		if (i == 0 && r == 0)
			continue; /* blank or comment */
		if (r == -1 || i < 3 || baseline_field(&p, &extra) != 0) {
			correlate_set_err(err, errlen, "%s:%d: expected SCOPE GROUP MEMBER (a field with blanks "
			    "in double quotes, SCOPE * for every scope)", path, lineno);
			goto done;
		}
		b = realloc(c->baseline, (c->n_baseline + 1) * sizeof(*b));
		if (b == NULL)
			goto nomem;
		c->baseline = b;
		b = &c->baseline[c->n_baseline];
		b->scope = strdup(f[0]);
		b->group = strdup(f[1]);
		b->member = strdup(f[2]);
		if (b->scope == NULL || b->group == NULL || b->member == NULL) {
			free(b->scope);
			free(b->group);
			free(b->member);
			goto nomem;
		}
		if (strcmp(b->scope, "*") != 0) {
			char key[FIELD_MAX + 1];

			correlate_scope_key(cslice(b->scope), key, sizeof(key));
			strcpy(b->scope, key); /* never longer */
		}
		c->n_baseline++;
	}
	if (ferror(fp)) {
		correlate_set_err(err, errlen, "%s: %s", path, strerror(errno));
		goto done;
	}
	rc = 0;
	goto done;
nomem:
	correlate_set_err(err, errlen, "%s:%d: out of memory", path, lineno);
done:
	fclose(fp);
	return rc;
}


void
correlate_baseline_free(struct correlate *c)
{
	size_t i;

	for (i = 0; i < c->n_baseline; i++) {
		free(c->baseline[i].scope);
		free(c->baseline[i].group);
		free(c->baseline[i].member);
	}
	free(c->baseline);
	c->baseline = NULL;
	c->n_baseline = 0;
}

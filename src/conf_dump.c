/*
 * conf_dump.c: -T, the effective configuration in config syntax, defaults
 * included, driven by the option table (conf_table.h); conf_load reads it
 * back to the same configuration.
 */
#include "config.h"

#include <string.h>

#include "conf_table.h"

#define CFIELD(base, off, type) ((const type *)(const void *)((const char *)(base) + (off)))

void
conf_print_string(FILE *fp, const char *s)
{
	const unsigned char *p;

	fputc('"', fp);
	for (p = (const unsigned char *)s; *p != '\0'; p++) {
		switch (*p) {
		case '"':
		case '\\':
		case '$': /* "${VAR}" would be expanded */
			fputc('\\', fp);
			fputc(*p, fp);
			break;
		case '\n':
			fputs("\\n", fp);
			break;
		case '\t':
			fputs("\\t", fp);
			break;
		case '\r':
			fputs("\\r", fp);
			break;
		default:
			if (*p < 0x20 || *p == 0x7f)
				fprintf(fp, "\\x%02x", *p);
			else
				fputc(*p, fp);
		}
	}
	fputc('"', fp);
}

/*
 * One list item; a "name=value" item whose name secret says is one prints
 * as "name=(redacted)": -T output is shared in tickets.
 */
static void
conf_dump_item(FILE *fp, const char *item, bool (*secret)(const char *, size_t))
{
	const char *eq = strchr(item, '=');
	size_t n = eq != NULL ? (size_t)(eq - item) : strlen(item);
	char red[160];

	if (secret == NULL || !secret(item, n)) {
		conf_print_string(fp, item);
		return;
	}
	snprintf(red, sizeof(red), "%.*s=(redacted)", (int)(n > 128 ? 128 : n), item);
	conf_print_string(fp, red);
}

/* "name = { "a", "b" }" for a non-empty list. */
static void
conf_dump_list(FILE *fp, const char *indent, const struct conf_option *r, char *const *list,
    size_t n)
{
	size_t i;

	if (n == 0)
		return;
	fprintf(fp, "%s%s = {", indent, r->name);
	for (i = 0; i < n; i++) {
		fputs(i > 0 ? ", " : " ", fp);
		conf_dump_item(fp, list[i], r->secret);
	}
	fputs(" }\n", fp);
}

static void conf_dump_section(FILE *fp, const struct conf_option *r, const void *conf);

/* One option on its own line, unless it is unset and dumped only when set. */
static void
conf_dump_option(FILE *fp, const struct conf_option *r, const void *base, const char *indent)
{
	const char *s;
	int k;

	switch (r->kind) {
	case CONF_NUMBER:
		fprintf(fp, "%s%s = %llu\n", indent, r->name,
		    conf_option_number(CFIELD(base, r->offset, char), r->size));
		return;
	case CONF_BOOL:
		fprintf(fp, "%s%s = %s\n", indent, r->name,
		    conf_option_number(CFIELD(base, r->offset, char), r->size) ? "yes" : "no");
		return;
	case CONF_FLOAT:
		fprintf(fp, "%s%s = %g\n", indent, r->name, *CFIELD(base, r->offset, double));
		return;
	case CONF_KEYWORD:
		k = *CFIELD(base, r->offset, int);
		if (k != 0 || !(r->flags & CONF_F_IF_SET))
			fprintf(fp, "%s%s = %s\n", indent, r->name, r->keywords->name(k));
		return;
	case CONF_LIST:
		conf_dump_list(fp, indent, r, *CFIELD(base, r->offset, conf_strings),
		    *CFIELD(base, r->aux, size_t));
		return;
	case CONF_SECTION:
		conf_dump_section(fp, r, base);
		return;
	case CONF_FUNC:
		return;
	default:
		if ((s = *CFIELD(base, r->offset, char *)) == NULL)
			return;
		fprintf(fp, "%s%s = ", indent, r->name);
		conf_print_string(fp, s);
		fputc('\n', fp);
	}
}

/* A block: each element of a titled one, or the one block (not when unset, if so flagged). */
static void
conf_dump_section(FILE *fp, const struct conf_option *r, const void *conf)
{
	const struct conf_section *s = r->section;
	const char *array;
	size_t i, n;

	if (s->flags & CFGF_TITLE) {
		array = *CFIELD(conf, s->array, char *);
		n = *CFIELD(conf, s->count, size_t);
		for (i = 0; i < n; i++) {
			const void *elem = array + i * s->elem_size;

			fprintf(fp, "%s %s {\n", s->name, *CFIELD(elem, s->title, char *));
			conf_options_dump(fp, s, elem, 1);
			fputs("}\n", fp);
		}
		return;
	}
	if ((r->flags & CONF_F_IF_SET) && *CFIELD(conf, s->options[0].offset, char *) == NULL)
		return;
	fprintf(fp, "%s {\n", s->name);
	conf_options_dump(fp, s, conf, 1);
	fputs("}\n", fp);
}

/* Whether a row is in a NULL-terminated list of names. */
static bool
conf_listed(const char *const *names, const char *name)
{
	for (; names != NULL && *names != NULL; names++)
		if (strcmp(*names, name) == 0)
			return true;
	return false;
}

/* Options that some transports only use are dumped for those (rows without: always). */
static bool
conf_applies(const struct conf_option *r, unsigned transports)
{
	return r->transports == 0 || (r->transports & transports) != 0;
}

void
conf_options_dump(FILE *fp, const struct conf_section *s, const void *base, int depth)
{
	const struct conf_option *r = conf_table_find(s->options, "transport");
	unsigned transports = r != NULL ? CONF_TRANSPORT(*CFIELD(base, r->offset, int)) : ~0u;
	const char *indent = depth > 0 ? "\t" : "";
	const char *const *name;

	for (name = s->dump_first; name != NULL && *name != NULL; name++)
		if ((r = conf_table_find(s->options, *name)) != NULL &&
		    conf_applies(r, transports))
			conf_dump_option(fp, r, base, indent);
	for (r = s->options; r->name != NULL; r++)
		if (!conf_listed(s->dump_first, r->name) && conf_applies(r, transports))
			conf_dump_option(fp, r, base, indent);
}

void
conf_dump(const struct conf *c, FILE *fp)
{
	fputs("# logward effective configuration, defaults included\n", fp);
	conf_options_dump(fp, &conf_root, c, 0);
}

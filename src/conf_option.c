/*
 * conf_option.c: what the option table (conf_table.h) drives: the
 * libConfuse options and their parse callbacks, copying the values into
 * the settings structs, comparing them for a reload, and freeing them.
 */
#include "config.h"

#include <errno.h>
#include <limits.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cfgfile.h"
#include "conf_table.h"
#include "tz_zone.h"

#define FIELD(base, off, type) ((type *)(void *)((char *)(base) + (off)))
#define CFIELD(base, off, type) ((const type *)(const void *)((const char *)(base) + (off)))

/* Parse a decimal number with an optional sign; 0 if it is not one. */
static int
conf_parse_long(const char *s, long *out)
{
	char *end;
	const char *p = s;

	if (*p == '-' || *p == '+')
		p++;
	if (*p < '0' || *p > '9')
		return 0;
	for (; *p != '\0'; p++)
		if (*p < '0' || *p > '9')
			return 0;
	errno = 0;
	*out = strtol(s, &end, 10);
	if (errno == ERANGE)
		*out = (s[0] == '-') ? LONG_MIN : LONG_MAX;
	return 1;
}

/* Parse callback of the numeric options: decimal only, inside the row's bounds. */
static int
conf_intcb(cfg_t *cfg, cfg_opt_t *opt, const char *value, void *result)
{
	const struct conf_option *r = conf_option_find(cfg->name, opt->name);
	long v;

	if (r == NULL) {
		cfg_error(cfg, "internal error: no range for %s", opt->name);
		return -1;
	}
	if (value == NULL || !conf_parse_long(value, &v)) {
		cfgfile_error_at(cfg->filename, cfg->line, cfg,
		    "%s \"%s\" is not a number (expected an integer %ld..%ld)", opt->name,
		    value ? value : "", r->min, r->max);
		return -1;
	}
	if (v < r->min || v > r->max) {
		cfgfile_error_at(cfg->filename, cfg->line, cfg,
		    "%s %s out of range (expected %ld..%ld)", opt->name, value, r->min, r->max);
		return -1;
	}
	*(long *)result = v;
	return 0;
}

/* Parse callback of keyword options: one of the row's words. */
static int
conf_keywordcb(cfg_t *cfg, cfg_opt_t *opt, const char *value, void *result)
{
	const struct conf_option *r = conf_option_find(cfg->name, opt->name);

	if (r != NULL && value != NULL && r->keywords->parse(value) >= 0) {
		*(const char **)result = value;
		return 0;
	}
	cfgfile_error_at(cfg->filename, cfg->line, cfg, "%s \"%s\" is invalid (expected %s)",
	    opt->name, value ? value : "", r != NULL ? r->keywords->expected : "?");
	return -1;
}

/* Parse callback of user and group: a name (or number) without blanks. */
static int
conf_accountcb(cfg_t *cfg, cfg_opt_t *opt, const char *value, void *result)
{
	if (value == NULL || value[0] == '\0' || strlen(value) > 64 ||
	    strpbrk(value, " \t\r\n:") != NULL) {
		cfgfile_error_at(cfg->filename, cfg->line, cfg,
		    "%s \"%s\" is invalid (expected a %s name such as \"nobody\")", opt->name,
		    value ? value : "", opt->name);
		return -1;
	}
	*(const char **)result = value;
	return 0;
}

/*
 * Parse callback of timezone: the zone is loaded here, so that a name
 * without a zone file is refused on its line (and the workers never read
 * a file); tz_zone_get keeps it for the conf that names it.
 */
static int
conf_zonecb(cfg_t *cfg, cfg_opt_t *opt, const char *value, void *result)
{
	char err[512];

	if (value == NULL || tz_zone_get(value, err, sizeof(err)) == NULL) {
		cfgfile_error_at(cfg->filename, cfg->line, cfg, "%s: %s", opt->name,
		    value != NULL ? err : "empty");
		return -1;
	}
	*(const char **)result = value;
	return 0;
}

/* Parse callback of address: reject it on the line where it is written. */
static int
conf_addresscb(cfg_t *cfg, cfg_opt_t *opt, const char *value, void *result)
{
	struct conf_address a;
	const char *why;

	if (value == NULL)
		value = "";
	if ((why = conf_parse_address(value, &a)) != NULL) {
		cfgfile_error_at(cfg->filename, cfg->line, cfg,
		    "%s \"%s\" %s (expected \"host:port\", \"[v6]:port\", "
		    "\"*:port\" or \":port\" with a numeric host or localhost "
		    "and a port 1..65535)",
		    opt->name, value, why);
		return -1;
	}
	*(const char **)result = value;
	return 0;
}

/* Parse callback of path options: a path may not be empty. */
static int
conf_pathcb(cfg_t *cfg, cfg_opt_t *opt, const char *value, void *result)
{
	if (value == NULL || value[0] == '\0') {
		cfgfile_error_at(cfg->filename, cfg->line, cfg,
		    "%s is empty (expected a file or directory name)", opt->name);
		return -1;
	}
	*(const char **)result = value;
	return 0;
}

/* The parse callback of a kind of string, or NULL for libConfuse's own. */
static cfg_callback_t
conf_string_parser(enum conf_kind kind)
{
	switch (kind) {
	case CONF_PATH:
		return conf_pathcb;
	case CONF_ACCOUNT:
		return conf_accountcb;
	case CONF_ZONE:
		return conf_zonecb;
	case CONF_ADDRESS:
		return conf_addresscb;
	case CONF_KEYWORD:
		return conf_keywordcb;
	default:
		return NULL;
	}
}

/* The libConfuse option of one row; sections get their options built in *sub. */
static cfg_opt_t
conf_option_build(const struct conf_option *r, cfg_opt_t **sub)
{
	cfg_flag_t nodef = (r->flags & CONF_F_NODEFAULT) ? CFGF_NODEFAULT : CFGF_NONE;
	cfg_opt_t o = CFG_END();

	switch (r->kind) {
	case CONF_NUMBER:
		o = (cfg_opt_t)CFG_INT(r->name, r->def, nodef);
		o.parsecb = conf_intcb;
		break;
	case CONF_LIST:
		o = (cfg_opt_t)CFG_STR_LIST(r->name, NULL, CFGF_NODEFAULT);
		break;
	case CONF_BOOL:
		o = (cfg_opt_t)CFG_BOOL(r->name, r->def ? cfg_true : cfg_false, CFGF_NONE);
		break;
	case CONF_FLOAT:
		o = (cfg_opt_t)CFG_FLOAT(r->name, r->real, CFGF_NONE);
		break;
	case CONF_SECTION:
		*sub = conf_options_build(r->section);
		o = (cfg_opt_t)CFG_SEC(r->name, *sub, r->section->flags);
		break;
	case CONF_FUNC:
		o = (cfg_opt_t)CFG_FUNC(r->name, cfgfile_includecb);
		break;
	default: /* the strings */
		o = (cfg_opt_t)CFG_STR(r->name, (char *)r->text, nodef);
		o.parsecb = conf_string_parser(r->kind);
	}
	return o;
}

cfg_opt_t *
conf_options_build(const struct conf_section *s)
{
	cfg_opt_t *opts, *sub;
	size_t n = 0, i;

	while (s->options[n].name != NULL)
		n++;
	if ((opts = calloc(n + 2, sizeof(*opts))) == NULL)
		return NULL;
	opts[0] = cfgfile_opt_lines();
	for (i = 0; i < n; i++) {
		sub = NULL;
		opts[i + 1] = conf_option_build(&s->options[i], &sub);
		if (s->options[i].kind == CONF_SECTION && sub == NULL) {
			conf_options_free(opts);
			return NULL;
		}
	}
	opts[n + 1] = (cfg_opt_t)CFG_END();
	return opts;
}

void
conf_options_free(cfg_opt_t *opts)
{
	size_t i;

	if (opts == NULL)
		return;
	for (i = 0; opts[i].name != NULL; i++)
		if (opts[i].type == CFGT_SEC)
			conf_options_free(opts[i].subopts);
	free(opts);
}

void
conf_validators_set(cfg_t *cfg, const struct conf_section *s, const char *prefix,
    cfg_validate_callback_t sectioncb)
{
	const struct conf_option *r;
	char path[128];

	for (r = s->options; r->name != NULL; r++) {
		snprintf(path, sizeof(path), "%s%s%s", prefix, prefix[0] ? "|" : "", r->name);
		if (r->kind == CONF_SECTION) {
			cfg_set_validate_func(cfg, path, sectioncb);
			conf_validators_set(cfg, r->section, path, sectioncb);
		} else if (r->kind == CONF_LIST)
			cfg_set_validate_func(cfg, path, cfgfile_listseencb);
		else if (r->kind != CONF_FUNC && !(r->flags & CONF_F_REPEATABLE))
			cfg_set_validate_func(cfg, path, cfgfile_seencb);
	}
}

/* Store a number in a field of size bytes (bool, unsigned, size_t, 64 bits). */
static void
conf_store_number(void *field, size_t size, long v)
{
	uint8_t b = (uint8_t)v;
	uint32_t u = (uint32_t)v;
	uint64_t w = (uint64_t)v;

	memcpy(field, size == 1 ? (void *)&b : size == 4 ? (void *)&u : (void *)&w, size);
}

unsigned long long
conf_option_number(const void *field, size_t size)
{
	uint8_t b;
	uint32_t u;
	uint64_t w;

	switch (size) {
	case 1:
		memcpy(&b, field, 1);
		return b;
	case 4:
		memcpy(&u, field, 4);
		return u;
	default:
		memcpy(&w, field, 8);
		return w;
	}
}

/* Copy a string option; -1 when out of memory. */
static int
conf_take_string(char **field, const char *v)
{
	if (v == NULL)
		return 0;
	*field = strdup(v);
	return *field == NULL ? -1 : 0;
}

/* Copy a string list option; -1 when out of memory. */
static int
conf_take_list(cfg_t *sec, const char *name, char ***list, size_t *n)
{
	unsigned i, size = sec != NULL ? cfg_size(sec, name) : 0;

	*list = NULL;
	*n = 0;
	if (size == 0)
		return 0;
	if ((*list = calloc(size, sizeof(**list))) == NULL)
		return -1;
	for (i = 0; i < size; i++) {
		if (((*list)[i] = strdup(cfg_getnstr(sec, name, i))) == NULL)
			return -1;
		(*n)++;
	}
	return 0;
}

/* Copy an address and its parts; -1 when out of memory or (checked before) invalid. */
static int
conf_take_address(const struct conf_option *r, const char *v, void *base)
{
	struct conf_address a;
	char port[8];

	if (v == NULL)
		return 0;
	if (conf_parse_address(v, &a) != NULL)
		return -1;
	snprintf(port, sizeof(port), "%lu", a.port);
	if (conf_take_string(FIELD(base, r->offset, char *), v) != 0 ||
	    conf_take_string(FIELD(base, r->aux2, char *), port) != 0 ||
	    (!a.any && conf_take_string(FIELD(base, r->aux, char *), a.host) != 0))
		return -1;
	return 0;
}

/* Copy the value of one row (its default when sec is NULL or it is unset). */
static int
conf_take_one(cfg_t *sec, const struct conf_option *r, void *base)
{
	bool set = sec != NULL && cfg_size(sec, r->name) > 0;
	const char *v = set ? cfg_getstr(sec, r->name) : r->text;

	if (!set && (r->flags & CONF_F_NODEFAULT) && r->kind != CONF_LIST)
		return 0;
	switch (r->kind) {
	case CONF_NUMBER:
		conf_store_number(FIELD(base, r->offset, char), r->size,
		    set ? cfg_getint(sec, r->name) : r->def);
		return 0;
	case CONF_BOOL:
		conf_store_number(FIELD(base, r->offset, char), r->size,
		    set ? cfg_getbool(sec, r->name) != cfg_false : r->def != 0);
		return 0;
	case CONF_FLOAT:
		*FIELD(base, r->offset, double) = set ? cfg_getfloat(sec, r->name) : r->real;
		return 0;
	case CONF_KEYWORD:
		*FIELD(base, r->offset, int) = v != NULL ? r->keywords->parse(v) : 0;
		return 0;
	case CONF_LIST:
		return conf_take_list(sec, r->name, FIELD(base, r->offset, char **),
		    FIELD(base, r->aux, size_t));
	case CONF_ADDRESS:
		return conf_take_address(r, v, base);
	case CONF_SECTION:
	case CONF_FUNC:
		return 0;
	default:
		return conf_take_string(FIELD(base, r->offset, char *), v);
	}
}

int
conf_options_take(cfg_t *sec, const struct conf_section *s, void *base)
{
	const struct conf_option *r;

	for (r = s->options; r->name != NULL; r++)
		if (conf_take_one(sec, r, base) != 0)
			return -1;
	return 0;
}

/* Both NULL, or equal strings. */
static bool
conf_str_same(const char *a, const char *b)
{
	return (a == NULL && b == NULL) || (a != NULL && b != NULL && strcmp(a, b) == 0);
}

/* Two string lists with the same strings in the same order. */
static bool
conf_list_same(char *const *a, size_t na, char *const *b, size_t nb)
{
	size_t i;

	if (na != nb)
		return false;
	for (i = 0; i < na; i++)
		if (strcmp(a[i], b[i]) != 0)
			return false;
	return true;
}

/* One row alike in a and b. */
static bool
conf_option_same(const struct conf_option *r, const void *a, const void *b)
{
	switch (r->kind) {
	case CONF_NUMBER:
	case CONF_BOOL:
		return conf_option_number(CFIELD(a, r->offset, char), r->size) ==
		    conf_option_number(CFIELD(b, r->offset, char), r->size);
	case CONF_FLOAT:
		return *CFIELD(a, r->offset, double) == *CFIELD(b, r->offset, double);
	case CONF_KEYWORD:
		return *CFIELD(a, r->offset, int) == *CFIELD(b, r->offset, int);
	case CONF_LIST:
		return conf_list_same(*CFIELD(a, r->offset, conf_strings), *CFIELD(a, r->aux, size_t),
		    *CFIELD(b, r->offset, conf_strings), *CFIELD(b, r->aux, size_t));
	case CONF_ADDRESS:
		return conf_str_same(*CFIELD(a, r->offset, char *), *CFIELD(b, r->offset, char *)) &&
		    conf_str_same(*CFIELD(a, r->aux, char *), *CFIELD(b, r->aux, char *)) &&
		    conf_str_same(*CFIELD(a, r->aux2, char *), *CFIELD(b, r->aux2, char *));
	case CONF_SECTION:
	case CONF_FUNC:
		return true;
	default:
		return conf_str_same(*CFIELD(a, r->offset, char *), *CFIELD(b, r->offset, char *));
	}
}

bool
conf_options_same(const struct conf_section *s, const void *a, const void *b)
{
	const struct conf_option *r;

	if (s->flags & CFGF_TITLE &&
	    !conf_str_same(*CFIELD(a, s->title, char *), *CFIELD(b, s->title, char *)))
		return false;
	for (r = s->options; r->name != NULL; r++)
		if (!conf_option_same(r, a, b))
			return false;
	return true;
}

/* Free a list of strings. */
static void
conf_free_list(char **list, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		free(list[i]);
	free(list);
}

/* Free the blocks of a titled section: each element's values, then the array. */
static void
conf_free_blocks(const struct conf_section *s, void *conf)
{
	char *array = *FIELD(conf, s->array, char *);
	size_t i, n = *FIELD(conf, s->count, size_t);

	for (i = 0; array != NULL && i < n; i++) {
		void *elem = array + i * s->elem_size;

		conf_options_free_values(s, elem);
		free(*FIELD(elem, s->title, char *));
		if (s->file != CONF_NONE)
			free(*FIELD(elem, s->file, char *));
	}
	free(array);
}

void
conf_options_free_values(const struct conf_section *s, void *base)
{
	const struct conf_option *r;

	for (r = s->options; r->name != NULL; r++) {
		switch (r->kind) {
		case CONF_NUMBER:
		case CONF_BOOL:
		case CONF_FLOAT:
		case CONF_KEYWORD:
		case CONF_FUNC:
			break;
		case CONF_LIST:
			conf_free_list(*FIELD(base, r->offset, char **), *FIELD(base, r->aux, size_t));
			break;
		case CONF_SECTION:
			if (r->section->flags & CFGF_TITLE)
				conf_free_blocks(r->section, base);
			else
				conf_options_free_values(r->section, base);
			break;
		case CONF_ADDRESS:
			free(*FIELD(base, r->aux, char *));
			free(*FIELD(base, r->aux2, char *));
			__attribute__((fallthrough));
		default:
			free(*FIELD(base, r->offset, char *));
		}
	}
}

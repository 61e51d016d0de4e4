/*
 * detect.c: load and check the detections (doc/detections.md); the
 * matcher, the condition compiler, field lookup and the redaction filter
 * are detect_match.c, detect_cond.c, detect_field.c and detect_redact.c
 * (detect_set.h).
 *
 * Loading parses each "*.detections" file with libConfuse through
 * cfgfile.c (comments blanked, the line each block opens on, errors as
 * "file:line: what was expected") and compiles every condition
 * (detect_cond.c).  Nothing is parsed per message.
 *
 * Line numbers: the technique key records where it was set; condition,
 * severity and regex mistakes are reported from their parse callbacks,
 * where libConfuse's line is the value's own.
 */
#include "config.h"

#include <sys/stat.h>

#include <confuse.h>
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json.h>

#include "cfgfile.h"
#include "detect_set.h"
#include "sigma.h"

/* The load in progress on this thread: cfgfile's parse and the file being read. */
struct detect_parse {
	struct cfgfile cf;
	const char *file;
};

static _Thread_local struct detect_parse *detect_current;

/* Record the first error as "file:line: message" (cfgfile keeps the first). */
static void __attribute__((format(printf, 2, 3)))
detect_error(int line, const char *fmt, ...)
{
	struct detect_parse *dp = detect_current;
	char msg[768];
	va_list ap;

	if (dp == NULL)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	cfgfile_error_at(dp->file != NULL ? dp->file : "(null)", line, NULL, "%s", msg);
}

/* Parse callback of when/unless: the condition must compile. */
static int
detect_condcb(cfg_t *cfg, cfg_opt_t *opt, const char *value, void *result)
{
	struct detect_cond c;
	char why[512];
	int rc = detect_cond_compile(&c, value ? value : "", why, sizeof(why));

	detect_cond_free(&c);
	if (rc == -1) {
		detect_error(cfg->line, "detection %s: %s \"%s\": %s", cfg->title, opt->name,
		    value ? value : "", why);
		return -1;
	}
	*(const char **)result = value;
	return 0;
}

/* Parse callback of redact and target_pattern: a POSIX ERE. */
static int
detect_regexcb(cfg_t *cfg, cfg_opt_t *opt, const char *value, void *result)
{
	regex_t re;
	char why[512];

	if (value != NULL && value[0] != '\0') {
		if (detect_regex_compile(&re, value, why, sizeof(why)) == -1) {
			if (cfg->title != NULL)
				detect_error(cfg->line, "detection %s: %s: %s", cfg->title,
				    opt->name, why);
			else
				detect_error(cfg->line, "%s: %s", opt->name, why);
			return -1;
		}
		regfree(&re);
	}
	*(const char **)result = value;
	return 0;
}

/* Severity words in order of enum detect_severity. */
static const char *const severity_names[] = {"low", "medium", "high", "critical"};

const char *
detect_severity_name(enum detect_severity sev)
{
	return (unsigned)sev < 4 ? severity_names[sev] : "unknown";
}

int
detect_severity_score(enum detect_severity sev)
{
	static const int scores[] = {21, 47, 73, 99};

	return (unsigned)sev < 4 ? scores[sev] : 0;
}

/* Parse callback of severity: one of the four words. */
static int
detect_severitycb(cfg_t *cfg, cfg_opt_t *opt, const char *value, void *result)
{
	size_t i;

	for (i = 0; value != NULL && i < 4; i++)
		if (strcmp(value, severity_names[i]) == 0) {
			*(const char **)result = value;
			return 0;
		}
	if (value != NULL && strcmp(value, "none") == 0) {
		*(const char **)result = value;
		return 0;
	}
	detect_error(cfg->line,
	    "detection %s: unknown severity \"%s\" (expected none, low, medium, high or critical)",
	    cfg->title, value ? value : "");
	return -1;
}

/* Fact words in order of enum detect_fact (the first is none). */
static const char *const fact_names[] = {"", "account-created", "account-deleted",
    "admin-member-added", "session"};

const char *
detect_fact_name(enum detect_fact fact)
{
	return (unsigned)fact < sizeof(fact_names) / sizeof(fact_names[0]) ? fact_names[fact] : "";
}

/* Parse callback of fact: one of the fact words. */
static int
detect_factcb(cfg_t *cfg, cfg_opt_t *opt, const char *value, void *result)
{
	size_t i;

	(void)opt;
	for (i = 1; value != NULL && i < sizeof(fact_names) / sizeof(fact_names[0]); i++)
		if (strcmp(value, fact_names[i]) == 0) {
			*(const char **)result = value;
			return 0;
		}
	detect_error(cfg->line, "detection %s: unknown fact \"%s\" (expected account-created, "
	    "account-deleted, admin-member-added or session)", cfg->title, value ? value : "");
	return -1;
}

/* Parse callback of the technique key: remember its line for "unknown technique". */
static int
detect_techniquecb(cfg_t *cfg, cfg_opt_t *opt, const char *value, void *result)
{
	cfg_setint(cfg, OPT_TECHNIQUE_LINE, cfg->line);
	*(const char **)result = value;
	return 0;
}

/* Parse callback of field-name keys (target, actor, ...). */
static int
detect_pathcb(cfg_t *cfg, cfg_opt_t *opt, const char *value, void *result)
{
	const char *bad = detect_path_check(value ? value : "", value ? strlen(value) : 0);

	if (bad != NULL) {
		detect_error(cfg->line, "detection %s: %s \"%s\" %s (expected a field name)",
		    cfg->title, opt->name, value ? value : "", bad);
		return -1;
	}
	*(const char **)result = value;
	return 0;
}

/* Validate callback of tags: at least one, none empty. */
static int
detect_tagscb(cfg_t *cfg, cfg_opt_t *opt)
{
	unsigned i;

	if (opt->nvalues == 0) {
		detect_error(cfg->line, "detection %s: tags is empty (expected at least one rule tag)",
		    cfg->title);
		return -1;
	}
	for (i = 0; i < opt->nvalues; i++)
		if (opt->values[i]->string == NULL || opt->values[i]->string[0] == '\0') {
			detect_error(cfg->line, "detection %s: empty tag in tags", cfg->title);
			return -1;
		}
	return 0;
}

/* Validate callback of when/unless: a bounded number of conditions. */
static int
detect_condscb(cfg_t *cfg, cfg_opt_t *opt)
{
	if (opt->nvalues > DETECT_MAX_CONDS) {
		detect_error(cfg->line, "detection %s: more than %d %s conditions", cfg->title,
		    DETECT_MAX_CONDS, opt->name);
		return -1;
	}
	return 0;
}

/* The line a block starts on. */
static int
block_line(cfg_t *sec)
{
	return cfgfile_first_line(sec);
}

/* Reword libConfuse's duplicate block name; cfgfile_errorcb keeps the rest. */
static bool
detect_rewordcb(cfg_t *cfg, const char *msg)
{
	size_t n = strlen(msg);

	if (strncmp(msg, "found duplicate title '", 23) != 0 || n <= 24)
		return false;
	detect_error(cfg->line, "duplicate %s \"%.*s\" in this file (give each once)",
	    strcmp(cfg->name, "root") == 0 ? "block name" : cfg->name, (int)(n - 24), msg + 23);
	return true;
}

static char *
xstrdup(const char *s, bool *nomem)
{
	char *r;

	if (s == NULL)
		return NULL;
	if ((r = strdup(s)) == NULL)
		*nomem = true;
	return r;
}

/* A technique id: T1234 or T1234.567; a tactic: TA1234. */
static bool
attack_id_ok(const char *s, bool tactic)
{
	size_t i, n = strlen(s);

	if (tactic)
		return n == 6 && s[0] == 'T' && s[1] == 'A' && isdigit((unsigned char)s[2]) &&
		    isdigit((unsigned char)s[3]) && isdigit((unsigned char)s[4]) &&
		    isdigit((unsigned char)s[5]);
	if ((n != 5 && n != 9) || s[0] != 'T')
		return false;
	for (i = 1; i < n; i++)
		if (i == 5 ? s[i] != '.' : !isdigit((unsigned char)s[i]))
			return false;
	return true;
}

/* Grow an array by one element; NULL when out of memory. */
static void *
grow(void *arr, size_t n, size_t size)
{
	return realloc(arr, (n + 1) * size);
}

/* Take the technique blocks of one file into the set. */
static int
take_techniques(struct detect_set *s, cfg_t *cfg, const char *file)
{
	unsigned i, n = cfg_size(cfg, "technique");
	bool nomem = false;
	size_t j;

	for (i = 0; i < n; i++) {
		cfg_t *sec = cfg_getnsec(cfg, "technique", i);
		const char *id = cfg_title(sec);
		const char *name = cfg_getstr(sec, "name"), *tactic = cfg_getstr(sec, "tactic"),
			   *tname = cfg_getstr(sec, "tactic_name");
		struct technique_slot *ts;
		int line = block_line(sec);

		if (!attack_id_ok(id, false)) {
			detect_error(line, "technique \"%s\": not an ATT&CK technique id "
			    "(expected T1234 or T1234.567)", id);
			return -1;
		}
		if (name == NULL || tactic == NULL || tname == NULL) {
			detect_error(line, "technique %s: missing %s (expected name, tactic and "
			    "tactic_name)", id, name == NULL ? "name" : tactic == NULL ? "tactic"
			    : "tactic_name");
			return -1;
		}
		if (!attack_id_ok(tactic, true)) {
			detect_error(line, "technique %s: tactic \"%s\" is not an ATT&CK tactic id "
			    "(expected TA1234)", id, tactic);
			return -1;
		}
		for (j = 0; j < s->n_techniques; j++) {
			ts = &s->techniques[j];
			if (strcmp(ts->t.id, id) != 0)
				continue;
			if (strcmp(ts->t.name, name) != 0 || strcmp(ts->t.tactic, tactic) != 0 ||
			    strcmp(ts->t.tactic_name, tname) != 0) {
				detect_error(line, "technique %s differs from its block at %s:%d "
				    "(a repeated technique block must be identical)", id, ts->file,
				    ts->line);
				return -1;
			}
			break;
		}
		if (j < s->n_techniques)
			continue;
		if ((ts = grow(s->techniques, s->n_techniques, sizeof(*ts))) == NULL)
			goto nomem;
		s->techniques = ts;
		ts = &s->techniques[s->n_techniques++];
		memset(ts, 0, sizeof(*ts));
		ts->t.id = xstrdup(id, &nomem);
		ts->t.name = xstrdup(name, &nomem);
		ts->t.tactic = xstrdup(tactic, &nomem);
		ts->t.tactic_name = xstrdup(tname, &nomem);
		ts->file = xstrdup(file, &nomem);
		ts->line = line;
		if (nomem)
			goto nomem;
	}
	return 0;
nomem:
	detect_error(0, "out of memory");
	return -1;
}

/* A technique of this file (declared in one of its technique blocks). */
static long
technique_slot(const struct detect_set *s, cfg_t *cfg, const char *id)
{
	unsigned i;
	size_t j;

	for (i = 0; i < cfg_size(cfg, "technique"); i++)
		if (strcmp(cfg_title(cfg_getnsec(cfg, "technique", i)), id) == 0)
			break;
	if (i == cfg_size(cfg, "technique"))
		return -1;
	for (j = 0; j < s->n_techniques; j++)
		if (strcmp(s->techniques[j].t.id, id) == 0)
			return (long)j;
	return -1;
}

/* Compile a list of conditions (already checked by detect_condcb). */
static int
take_conds(cfg_t *sec, const char *name, struct detect_cond **out, size_t *n)
{
	unsigned i, cnt = cfg_size(sec, name);
	char why[512];

	*n = 0;
	if (cnt == 0)
		return 0;
	if ((*out = calloc(cnt, sizeof(**out))) == NULL)
		return -1;
	for (i = 0; i < cnt; i++) {
		int rc = detect_cond_compile(&(*out)[i], cfg_getnstr(sec, name, i), why, sizeof(why));

		(*n)++;
		if (rc == -1) {
			detect_error(block_line(sec), "detection %s: %s", cfg_title(sec), why);
			return -1;
		}
	}
	return 0;
}

/* Valid detection id: 1..128 of A-Z a-z 0-9 _ . - */
static bool
detection_id_ok(const char *s)
{
	size_t n = strlen(s), i;

	if (n == 0 || n > 128)
		return false;
	for (i = 0; i < n; i++)
		if (!isalnum((unsigned char)s[i]) && s[i] != '_' && s[i] != '.' && s[i] != '-')
			return false;
	return true;
}

/*
 * Check a detection block before anything is taken from it: a valid and
 * unique id, the options it needs, a technique of this file.  Reports the
 * error itself.  *slot: the technique's alert counter, -1 when a silent
 * detection names none.
 */
static int
detection_check(const struct detect_set *s, cfg_t *cfg, cfg_t *sec, long *slot)
{
	const char *id = cfg_title(sec), *tech = cfg_getstr(sec, "technique");
	const char *sev = cfg_getstr(sec, "severity"), *fact = cfg_getstr(sec, "fact");
	bool silent = sev != NULL && strcmp(sev, "none") == 0;
	int line = block_line(sec);
	size_t j;

	if (!detection_id_ok(id)) {
		detect_error(line, "detection name \"%s\" is invalid (expected 1..128 of "
		    "A-Z a-z 0-9 _ . -)", id);
		return -1;
	}
	for (j = 0; j < s->n_dets; j++)
		if (strcmp(s->dets[j].id, id) == 0) {
			detect_error(line, "detection %s is already defined at %s:%d "
			    "(ids must be unique across files)", id, s->dets[j].file,
			    s->dets[j].line);
			return -1;
		}
	if (cfg_getstr(sec, "title") == NULL || (tech == NULL && !silent) ||
	    sev == NULL || cfg_size(sec, "tags") == 0) {
		detect_error(line, "detection %s: missing %s", id,
		    cfg_getstr(sec, "title") == NULL	  ? "title"
			: sev == NULL ? "severity (expected none, low, medium, high or critical)"
			: tech == NULL			  ? "technique (expected technique = \"T1234.567\")"
							      : "tags (expected at least one rule tag)");
		return -1;
	}
	if (silent && fact == NULL) {
		detect_error(line, "detection %s: severity none needs a fact (expected fact = "
		    "account-created, account-deleted, admin-member-added or session)", id);
		return -1;
	}
	*slot = -1;
	if (tech != NULL && (*slot = technique_slot(s, cfg, tech)) < 0) {
		detect_error((int)cfg_getint(sec, OPT_TECHNIQUE_LINE),
		    "detection %s: unknown technique \"%s\" (expected a technique block "
		    "for it in this file)", id, tech);
		return -1;
	}
	return 0;
}

/*
 * Copy a checked block's options into d, which the set owns: on -1 (out
 * of memory) what was copied is freed with the set.
 */
static int
detection_fill(struct detection *d, cfg_t *sec, const char *file)
{
	const char *sev = cfg_getstr(sec, "severity"), *fact = cfg_getstr(sec, "fact");
	bool nomem = false;
	unsigned k;

	d->id = xstrdup(cfg_title(sec), &nomem);
	d->title = xstrdup(cfg_getstr(sec, "title"), &nomem);
	for (k = 0; k < 4; k++)
		if (strcmp(sev, severity_names[k]) == 0)
			d->severity = (enum detect_severity)k;
	d->silent = strcmp(sev, "none") == 0;
	for (k = 1; fact != NULL && k < sizeof(fact_names) / sizeof(fact_names[0]); k++)
		if (strcmp(fact, fact_names[k]) == 0)
			d->fact = (enum detect_fact)k;
	d->scope = xstrdup(cfg_getstr(sec, "scope"), &nomem);
	d->account_id = xstrdup(cfg_getstr(sec, "account_id"), &nomem);
	d->action = xstrdup(cfg_getstr(sec, "action"), &nomem);
	d->target = xstrdup(cfg_getstr(sec, "target"), &nomem);
	d->target_domain = xstrdup(cfg_getstr(sec, "target_domain"), &nomem);
	d->actor = xstrdup(cfg_getstr(sec, "actor"), &nomem);
	d->group = xstrdup(cfg_getstr(sec, "group"), &nomem);
	d->file = xstrdup(file, &nomem);
	d->line = block_line(sec);
	if (nomem || (d->tags = calloc(cfg_size(sec, "tags"), sizeof(char *))) == NULL)
		return -1;
	for (k = 0; k < cfg_size(sec, "tags"); k++) {
		d->tags[k] = xstrdup(cfg_getnstr(sec, "tags", k), &nomem);
		d->n_tags++;
	}
	return nomem ? -1 : 0;
}

/* Compile d's target_pattern, group_pattern and conditions; reports the error itself. */
static int
detection_compile(struct detection *d, cfg_t *sec)
{
	const char *pattern = cfg_getstr(sec, "target_pattern");
	char why[512];

	if (pattern != NULL && pattern[0] != '\0') {
		if (detect_regex_shared(&d->target_re, pattern,
			cfg_getbool(sec, "target_case_sensitive"), why, sizeof(why)) == -1) {
			detect_error(d->line, "detection %s: target_pattern: %s", d->id, why);
			return -1;
		}
	}
	pattern = cfg_getstr(sec, "group_pattern");
	if (pattern != NULL && pattern[0] != '\0') {
		if (detect_regex_shared(&d->group_re, pattern, false, why, sizeof(why)) == -1) {
			detect_error(d->line, "detection %s: group_pattern: %s", d->id, why);
			return -1;
		}
	}
	if (take_conds(sec, "when", &d->when, &d->n_when) == -1 ||
	    take_conds(sec, "unless", &d->unless, &d->n_unless) == -1)
		return -1;
	return 0;
}

/* Take one detection block into the set: checked, then copied, then compiled. */
static int
take_detection(struct detect_set *s, cfg_t *cfg, cfg_t *sec, const char *file)
{
	struct detection *d;
	long slot;

	if (detection_check(s, cfg, sec, &slot) == -1)
		return -1;
	if ((d = grow(s->dets, s->n_dets, sizeof(*d))) == NULL)
		goto nomem;
	s->dets = d;
	d = &s->dets[s->n_dets++];
	memset(d, 0, sizeof(*d));
	d->index = s->n_dets - 1;
	d->technique_slot = slot >= 0 ? (size_t)slot : SIZE_MAX;
	if (detection_fill(d, sec, file) == -1)
		goto nomem;
	return detection_compile(d, sec);
nomem:
	detect_error(0, "out of memory");
	return -1;
}

/* Take the detection blocks of one file into the set. */
static int
take_detections(struct detect_set *s, cfg_t *cfg, const char *file)
{
	unsigned i, n = cfg_size(cfg, "detection");

	for (i = 0; i < n; i++)
		if (take_detection(s, cfg, cfg_getnsec(cfg, "detection", i), file) == -1)
			return -1;
	return 0;
}

/* Take the redact patterns of one file. */
static int
take_redactions(struct detect_set *s, cfg_t *cfg)
{
	unsigned i, n = cfg_size(cfg, "redact");
	char why[512];
	struct regex_shared **r;

	for (i = 0; i < n; i++) {
		const char *pat = cfg_getnstr(cfg, "redact", i);

		if (pat == NULL || pat[0] == '\0')
			continue;
		if ((r = grow(s->redact, s->n_redact, sizeof(*r))) == NULL) {
			detect_error(0, "out of memory");
			return -1;
		}
		s->redact = r;
		if (detect_regex_shared(&s->redact[s->n_redact], pat, false, why, sizeof(why)) ==
		    -1) {
			detect_error(0, "redact: %s", why);
			return -1;
		}
		s->n_redact++;
		if (detect_redact_alt_add(s, pat) == -1 || detect_redact_need_add(s, pat) == -1) {
			detect_error(0, "out of memory");
			return -1;
		}
	}
	return 0;
}

/* Parse one detections file into the set. */
static int
load_file(struct detect_set *s, const char *path)
{
	/* clang-format off */
	cfg_opt_t technique_opts[] = {
		cfgfile_opt_lines(),
		CFG_STR("name", NULL, CFGF_NODEFAULT),
		CFG_STR("tactic", NULL, CFGF_NODEFAULT),
		CFG_STR("tactic_name", NULL, CFGF_NODEFAULT),
		CFG_END()
	};
	cfg_opt_t detection_opts[] = {
		cfgfile_opt_lines(),
		CFG_INT(OPT_TECHNIQUE_LINE, 0, CFGF_NONE),
		CFG_STR("title", NULL, CFGF_NODEFAULT),
		CFG_STR_CB("technique", NULL, CFGF_NODEFAULT, detect_techniquecb),
		CFG_STR_CB("severity", NULL, CFGF_NODEFAULT, detect_severitycb),
		CFG_STR_LIST("tags", NULL, CFGF_NODEFAULT),
		CFG_STR_LIST_CB("when", NULL, CFGF_NODEFAULT, detect_condcb),
		CFG_STR_LIST_CB("unless", NULL, CFGF_NODEFAULT, detect_condcb),
		CFG_STR_CB("target", "user.target.name", CFGF_NONE, detect_pathcb),
		CFG_STR_CB("target_pattern", "", CFGF_NONE, detect_regexcb),
		CFG_BOOL("target_case_sensitive", cfg_false, CFGF_NONE),
		CFG_STR_CB("target_domain", "user.target.domain", CFGF_NONE, detect_pathcb),
		CFG_STR_CB("actor", "user.name", CFGF_NONE, detect_pathcb),
		CFG_STR_CB("group", "group.name", CFGF_NONE, detect_pathcb),
		CFG_STR_CB("group_pattern", "", CFGF_NONE, detect_regexcb),
		CFG_STR("action", NULL, CFGF_NODEFAULT),
		CFG_STR_CB("fact", NULL, CFGF_NODEFAULT, detect_factcb),
		CFG_STR_CB("scope", "host.hostname", CFGF_NONE, detect_pathcb),
		CFG_STR_CB("account_id", "user.target.id", CFGF_NONE, detect_pathcb),
		CFG_END()
	};
	cfg_opt_t opts[] = {
		CFG_SEC("technique", technique_opts, CFGF_MULTI | CFGF_TITLE | CFGF_NO_TITLE_DUPES),
		CFG_SEC("detection", detection_opts, CFGF_MULTI | CFGF_TITLE | CFGF_NO_TITLE_DUPES),
		CFG_STR_LIST_CB("redact", NULL, CFGF_NODEFAULT, detect_regexcb),
		CFG_END()
	};
	/* clang-format on */
	cfg_t *cfg;
	int rc = -1;

	detect_current->file = path;
	if ((cfg = cfg_init(opts, CFGF_NONE)) == NULL) {
		detect_error(0, "out of memory");
		return -1;
	}
	cfg_set_validate_func(cfg, "detection|tags", detect_tagscb);
	cfg_set_validate_func(cfg, "detection|when", detect_condscb);
	cfg_set_validate_func(cfg, "detection|unless", detect_condscb);
	cfg_set_error_function(cfg, cfgfile_errorcb);
	if (cfgfile_parse_file(cfg, path, NULL, 0) != 0)
		goto done;
	if (take_techniques(s, cfg, path) == -1 || take_detections(s, cfg, path) == -1 ||
	    take_redactions(s, cfg) == -1)
		goto done;
	s->n_files++;
	rc = 0;
done:
	cfg_free(cfg);
	return rc;
}

/* scandir filter: "*.detections", not hidden. */
static int
filter_detections(const struct dirent *d)
{
	size_t len = strlen(d->d_name), slen = sizeof(DETECTIONS_SUFFIX) - 1;

	return d->d_name[0] != '.' && len > slen &&
	    strcmp(d->d_name + len - slen, DETECTIONS_SUFFIX) == 0;
}

/* Load every regular "*.detections" of dir in name order. */
static int
load_dir(struct detect_set *s, const char *dir)
{
	struct dirent **names = NULL;
	char path[PATH_MAX];
	const char *sep;
	struct stat st;
	int count, i, rc = 0;

	if ((count = scandir(dir, &names, filter_detections, alphasort)) == -1) {
		detect_current->file = dir;
		detect_error(0, "%s", strerror(errno));
		return -1;
	}
	sep = dir[0] != '\0' && dir[strlen(dir) - 1] == '/' ? "" : "/";
	for (i = 0; i < count && rc == 0; i++) {
		if ((size_t)snprintf(path, sizeof(path), "%s%s%s", dir, sep, names[i]->d_name) >=
		    sizeof(path)) {
			detect_current->file = dir;
			detect_error(0, "path too long");
			rc = -1;
		} else if (stat(path, &st) == 0 && S_ISREG(st.st_mode))
			rc = load_file(s, path);
	}
	for (i = 0; i < count; i++)
		free(names[i]);
	free(names);
	return rc;
}

/* Sort (tag, detection) pairs by tag, then load order. */
static int
tag_entry_cmp(const void *a, const void *b)
{
	const struct tag_entry *x = a, *y = b;
	int c = strcmp(x->tag, y->tag);

	if (c != 0)
		return c;
	return x->dets[0] < y->dets[0] ? -1 : x->dets[0] > y->dets[0];
}

/* Build the sorted tag index: one entry per tag, its detections in load order. */
static int
build_tag_index(struct detect_set *s)
{
	struct tag_entry *pairs;
	size_t *idx, n = 0, i, k, out = 0;

	for (i = 0; i < s->n_dets; i++)
		n += s->dets[i].n_tags;
	if (n == 0)
		return 0;
	pairs = calloc(n, sizeof(*pairs));
	idx = calloc(n, sizeof(*idx));
	if (pairs == NULL || idx == NULL) {
		free(pairs);
		free(idx);
		return -1;
	}
	for (i = 0, k = 0; i < s->n_dets; i++) {
		size_t t;

		for (t = 0; t < s->dets[i].n_tags; t++, k++) {
			idx[k] = i;
			pairs[k].tag = s->dets[i].tags[t];
			pairs[k].len = strlen(pairs[k].tag);
			pairs[k].dets = &idx[k];
		}
	}
	qsort(pairs, n, sizeof(*pairs), tag_entry_cmp);
	if ((s->tags = calloc(n, sizeof(*s->tags))) == NULL)
		goto nomem;
	for (i = 0; i < n; i++) {
		struct tag_entry *e;

		if (out > 0 && strcmp(s->tags[out - 1].tag, pairs[i].tag) == 0) {
			e = &s->tags[out - 1];
			if (e->dets[e->n - 1] == pairs[i].dets[0])
				continue; /* a tag listed twice by one detection */
		} else {
			e = &s->tags[out++];
			e->tag = pairs[i].tag;
			e->len = pairs[i].len;
			if ((e->dets = calloc(n, sizeof(*e->dets))) == NULL) {
				out--;
				goto nomem;
			}
		}
		e->dets[e->n++] = pairs[i].dets[0];
	}
	s->n_tags = out;
	free(pairs);
	free(idx);
	return 0;
nomem:
	s->n_tags = out;
	free(pairs);
	free(idx);
	return -1;
}

/*
 * The Sigma rules: those of the rules directory (or of none, for a single
 * rulebase) and of sigma_dir, with the mappings of RULES_DIR/sigma.
 */
static int
load_sigma(struct detect_set *s, const char *rules_path, bool is_dir, const char *sigma_dir,
    char *err, size_t errlen)
{
	char maps[PATH_MAX];
	const char *slash;

	if ((s->sigma_report = calloc(1, sizeof(*s->sigma_report))) == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	if (is_dir)
		return sigma_load_into(s, rules_path, sigma_dir, NULL, s->sigma_report, err, errlen);
	/* a rulebase file: the mappings next to it */
	slash = strrchr(rules_path, '/');
	if ((size_t)snprintf(maps, sizeof(maps), "%.*s/sigma", slash ? (int)(slash - rules_path)
	    : 1, slash ? rules_path : ".") >= sizeof(maps)) {
		snprintf(err, errlen, "%s: path too long", rules_path);
		return -1;
	}
	return sigma_load_into(s, NULL, sigma_dir, maps, s->sigma_report, err, errlen);
}

struct detect_set *
detect_load(const char *rules_path, char *err, size_t errlen)
{
	return detect_load_sigma(rules_path, NULL, err, errlen);
}

struct detect_set *
detect_load_sigma(const char *rules_path, const char *sigma_dir, char *err, size_t errlen)
{
	struct detect_parse parse = { .cf = { .err = err, .errlen = errlen, .size_limit = "1 MiB",
		.reword = detect_rewordcb }, .file = rules_path };
	struct detect_set *s;
	struct stat st;
	size_t len;
	bool is_dir;

	cfgfile_begin(&parse.cf);
	detect_current = &parse;
	if ((s = calloc(1, sizeof(*s))) == NULL) {
		detect_error(0, "out of memory");
		goto fail;
	}
	if (rules_path == NULL || stat(rules_path, &st) == -1) {
		detect_error(0, "%s", rules_path ? strerror(errno) : "no rules path");
		goto fail;
	}
	is_dir = S_ISDIR(st.st_mode);
	if (is_dir) {
		if (load_dir(s, rules_path) == -1)
			goto fail;
	} else {
		/* FILE.rulebase: FILE.detections next to it, when there is one */
		char path[PATH_MAX];
		size_t slen = sizeof(RULEBASE_SUFFIX) - 1;

		len = strlen(rules_path);
		if (len > slen && strcmp(rules_path + len - slen, RULEBASE_SUFFIX) == 0 &&
		    len - slen + sizeof(DETECTIONS_SUFFIX) <= sizeof(path)) {
			memcpy(path, rules_path, len - slen);
			memcpy(path + len - slen, DETECTIONS_SUFFIX, sizeof(DETECTIONS_SUFFIX));
			if (stat(path, &st) == 0 && S_ISREG(st.st_mode) && load_file(s, path) == -1)
				goto fail;
		}
	}
	/* Sigma after the detections: its techniques reuse theirs */
	detect_current = NULL;
	cfgfile_end();
	if (load_sigma(s, rules_path, is_dir, sigma_dir, err, errlen) == -1) {
		detect_free(s);
		return NULL;
	}
	cfgfile_begin(&parse.cf);
	detect_current = &parse;
	if (build_tag_index(s) == -1 || detect_index_build(s) == -1) {
		detect_current->file = rules_path;
		detect_error(0, "out of memory");
		goto fail;
	}
	if (s->n_techniques > 0 &&
	    (s->technique_alerts = calloc(s->n_techniques, sizeof(*s->technique_alerts))) ==
		NULL) {
		detect_current->file = rules_path;
		detect_error(0, "out of memory");
		goto fail;
	}
	for (len = 0; len < s->n_dets; len++)
		s->dets[len].technique = s->dets[len].technique_slot < s->n_techniques
		    ? &s->techniques[s->dets[len].technique_slot].t : NULL;
	detect_redact_filter_build(s);
	detect_current = NULL;
	cfgfile_end();
	return s;
fail:
	detect_current = NULL;
	cfgfile_end();
	detect_free(s);
	return NULL;
}

void
detect_free(struct detect_set *s)
{
	size_t i, j;

	if (s == NULL)
		return;
	for (i = 0; i < s->n_dets; i++) {
		struct detection *d = &s->dets[i];

		for (j = 0; j < d->n_when; j++)
			detect_cond_free(&d->when[j]);
		for (j = 0; j < d->n_unless; j++)
			detect_cond_free(&d->unless[j]);
		free(d->when);
		free(d->unless);
		for (j = 0; j < d->n_tags; j++)
			free(d->tags[j]);
		free(d->tags);
		regex_shared_free(d->target_re);
		regex_shared_free(d->group_re);
		free(d->id);
		free(d->title);
		free(d->action);
		free(d->target);
		free(d->target_domain);
		free(d->actor);
		free(d->group);
		free(d->scope);
		free(d->account_id);
		free(d->file);
	}
	free(s->dets);
	for (i = 0; i < s->n_techniques; i++) {
		free(s->techniques[i].t.id);
		free(s->techniques[i].t.name);
		free(s->techniques[i].t.tactic);
		free(s->techniques[i].t.tactic_name);
		free(s->techniques[i].file);
	}
	free(s->techniques);
	free(s->technique_alerts);
	detect_index_free(s);
	for (i = 0; i < s->n_tags; i++)
		free(s->tags[i].dets);
	free(s->tags);
	for (i = 0; i < s->n_redact; i++)
		regex_shared_free(s->redact[i]);
	free(s->redact);
	detect_redact_need_free(s);
	free(s->redact_alt);
	regex_shared_free(s->redact_filter);
	sigma_set_free(s->sigma);
	if (s->sigma_report != NULL)
		sigma_report_clear(s->sigma_report);
	free(s->sigma_report);
	free(s);
}

size_t
detect_count(const struct detect_set *s)
{
	return s != NULL ? s->n_dets : 0;
}

size_t
detect_file_count(const struct detect_set *s)
{
	return s != NULL ? s->n_files : 0;
}

const struct detection *
detect_at(const struct detect_set *s, size_t i)
{
	return s != NULL && i < s->n_dets ? &s->dets[i] : NULL;
}

const char *
detection_condition_text(const struct detection *d, bool unless, size_t i)
{
	if (unless)
		return i < d->n_unless ? d->unless[i].text : NULL;
	return i < d->n_when ? d->when[i].text : NULL;
}

struct regex_shared *const *
detect_redactions(const struct detect_set *s, size_t *n)
{
	*n = s != NULL ? s->n_redact : 0;
	return s != NULL ? s->redact : NULL;
}

struct regex_shared *
detect_redaction_filter(const struct detect_set *s)
{
	return s != NULL ? s->redact_filter : NULL;
}

void
detect_count_alert(const struct detect_set *s, const struct detection *d)
{
	if (s != NULL && d != NULL && d->technique_slot < s->n_techniques)
		atomic_fetch_add_explicit(&s->technique_alerts[d->technique_slot], 1,
		    memory_order_relaxed);
}

size_t
detect_technique_count(const struct detect_set *s)
{
	return s != NULL ? s->n_techniques : 0;
}

const struct detect_technique *
detect_technique_at(const struct detect_set *s, size_t i, uint64_t *alerts)
{
	if (s == NULL || i >= s->n_techniques)
		return NULL;
	if (alerts != NULL)
		*alerts = atomic_load_explicit(&s->technique_alerts[i], memory_order_relaxed);
	return &s->techniques[i].t;
}

void
detect_technique_add(const struct detect_set *s, size_t i, uint64_t n)
{
	if (s != NULL && i < s->n_techniques)
		atomic_fetch_add_explicit(&s->technique_alerts[i], n, memory_order_relaxed);
}

void
detect_sigma_log(const struct detect_set *s, size_t limit)
{
	if (s != NULL && s->sigma_report != NULL)
		sigma_report_log(s->sigma_report, limit);
}

bool
detect_wants_unnormalized(const struct detect_set *s)
{
	return s != NULL && sigma_instance_count(s->sigma) > 0;
}

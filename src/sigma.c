/*
 * sigma.c: loading Sigma rules into a detect set: the files of the rules
 * directory and of a Sigma directory (a SigmaHQ checkout, searched
 * recursively), each rule compiled once per event shape its log source
 * maps to, each (rule, shape) a detection of the set; and the report of
 * the rules that could not run.
 */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include "log.h"
#include "sigma_impl.h"

#define SIGMA_DIR_DEPTH 16 /* directories below the Sigma directory */

/* ATT&CK tactics by the names Sigma tags use (attack.persistence). */
static const struct {
	const char *tag, *id, *name;
} sigma_tactics[] = {
    {"reconnaissance", "TA0043", "Reconnaissance"},
    {"resource-development", "TA0042", "Resource Development"},
    {"initial-access", "TA0001", "Initial Access"},
    {"execution", "TA0002", "Execution"},
    {"persistence", "TA0003", "Persistence"},
    {"privilege-escalation", "TA0004", "Privilege Escalation"},
    {"defense-evasion", "TA0005", "Defense Evasion"},
    {"credential-access", "TA0006", "Credential Access"},
    {"discovery", "TA0007", "Discovery"},
    {"lateral-movement", "TA0008", "Lateral Movement"},
    {"collection", "TA0009", "Collection"},
    {"command-and-control", "TA0011", "Command and Control"},
    {"exfiltration", "TA0010", "Exfiltration"},
    {"impact", "TA0040", "Impact"},
};

/* The state of one load. */
struct sigma_loader {
	struct detect_set *set;
	struct sigma_set *ss;
	struct sigma_report *report;
	size_t n_files;
	char *err;
	size_t errlen;
	/* allocated lengths of the arrays this load appends to */
	size_t cap_skips, cap_dets, cap_insts, cap_rules;
};

/*
 * arr with room for element n (cap allocated so far): the capacity doubles,
 * so a load of many rules costs linear time even where realloc copies
 * (sanitizers); NULL when out of memory, arr then untouched.
 */
static void *
room(void *arr, size_t n, size_t *cap, size_t size)
{
	void *grown;
	size_t want;

	if (n < *cap)
		return arr;
	want = *cap > n ? *cap : n;
	want = want > 8 ? want * 2 : 16;
	if ((grown = realloc(arr, want * size)) == NULL)
		return NULL;
	*cap = want;
	return grown;
}

/* Record that file was skipped and why; -1 out of memory. */
static int
skip(struct sigma_loader *l, const char *file, const char *why)
{
	struct sigma_skip *grown;
	struct sigma_report *r = l->report;

	if ((grown = room(r->skips, r->n_skips, &l->cap_skips, sizeof(*grown))) == NULL)
		return -1;
	r->skips = grown;
	grown[r->n_skips].file = strdup(file);
	grown[r->n_skips].reason = strdup(why);
	if (grown[r->n_skips].file == NULL || grown[r->n_skips].reason == NULL) {
		free(grown[r->n_skips].file);
		free(grown[r->n_skips].reason);
		return -1;
	}
	r->n_skips++;
	return 0;
}

static enum detect_severity
severity_of(const char *level)
{
	if (level == NULL)
		return DETECT_MEDIUM;
	if (strcasecmp(level, "critical") == 0)
		return DETECT_CRITICAL;
	if (strcasecmp(level, "high") == 0)
		return DETECT_HIGH;
	if (strcasecmp(level, "medium") == 0)
		return DETECT_MEDIUM;
	return DETECT_LOW; /* low, informational */
}

/* "attack.t1136.001" -> "T1136.001" into buf; false when tag is not a technique. */
static bool
technique_of(const char *tag, char *buf, size_t len)
{
	size_t i, n;

	if (strncasecmp(tag, "attack.t", 8) != 0 || (n = strlen(tag + 7)) >= len || n < 5)
		return false;
	for (i = 0; i < n; i++) {
		char c = tag[7 + i];

		if (i == 0)
			buf[i] = 'T';
		else if ((c >= '0' && c <= '9') || (c == '.' && i == 5))
			buf[i] = c;
		else
			return false;
	}
	buf[n] = '\0';
	return true;
}

/* The set's slot for technique id, added when new; SIZE_MAX out of memory. */
static size_t
technique_slot_of(struct sigma_loader *l, const struct sigma_rule *r, const char *id)
{
	struct detect_set *s = l->set;
	struct technique_slot *grown, *t;
	const char *tactic = "", *tactic_name = "";
	size_t i, j;

	for (i = 0; i < s->n_techniques; i++)
		if (strcmp(s->techniques[i].t.id, id) == 0)
			return i;
	for (i = 0; i < r->n_tags && tactic[0] == '\0'; i++)
		for (j = 0; j < sizeof(sigma_tactics) / sizeof(sigma_tactics[0]); j++)
			if (strncasecmp(r->tags[i], "attack.", 7) == 0 &&
			    strcasecmp(r->tags[i] + 7, sigma_tactics[j].tag) == 0) {
				tactic = sigma_tactics[j].id;
				tactic_name = sigma_tactics[j].name;
			}
	if ((grown = realloc(s->techniques, (s->n_techniques + 1) * sizeof(*grown))) == NULL)
		return SIZE_MAX;
	s->techniques = grown;
	t = &s->techniques[s->n_techniques];
	memset(t, 0, sizeof(*t));
	/* Sigma names no technique: its id stands for the name */
	t->t.id = strdup(id);
	t->t.name = strdup(id);
	t->t.tactic = strdup(tactic);
	t->t.tactic_name = strdup(tactic_name);
	t->file = strdup(r->file);
	t->line = r->line;
	s->n_techniques++;
	if (!t->t.id || !t->t.name || !t->t.tactic || !t->t.tactic_name || !t->file)
		return SIZE_MAX;
	return s->n_techniques - 1;
}

/* A detection for instance in; -1 out of memory. */
static int
add_detection(struct sigma_loader *l, struct sigma_instance *in)
{
	const struct sigma_rule *r = in->rule;
	const struct sigma_shape *sh = &l->ss->shapes[in->shape];
	struct detect_set *s = l->set;
	struct detection *grown, *d;
	char tech[32];
	size_t i;

	if ((grown = room(s->dets, s->n_dets, &l->cap_dets, sizeof(*grown))) == NULL)
		return -1;
	s->dets = grown;
	d = &s->dets[s->n_dets];
	memset(d, 0, sizeof(*d));
	d->index = s->n_dets;
	d->technique_slot = SIZE_MAX;
	d->sigma = true;
	d->severity = severity_of(r->level);
	d->line = r->line;
	if ((d->sigma_fact = sigma_fact_of(sh, r)) != NULL)
		d->fact = d->sigma_fact->kind;
	in->det = s->n_dets++;
	d->id = strdup(r->id);
	d->title = strdup(r->title);
	d->file = strdup(r->file);
	if (sh->target != NULL)
		d->target = strdup(sh->target);
	if (sh->actor != NULL)
		d->actor = strdup(sh->actor);
	if (d->id == NULL || d->title == NULL || d->file == NULL ||
	    (sh->target != NULL && d->target == NULL) || (sh->actor != NULL && d->actor == NULL))
		return -1;
	for (i = 0; i < r->n_tags; i++)
		if (technique_of(r->tags[i], tech, sizeof(tech))) {
			if ((d->technique_slot = technique_slot_of(l, r, tech)) == SIZE_MAX)
				return -1;
			break;
		}
	return 0;
}

/* Compile rule r for shape i: its fields resolved; 0, 1 unmapped (why), -1 out of memory. */
static int
instance_make(struct sigma_loader *l, struct sigma_rule *r, size_t shape, char *why, size_t whylen)
{
	const struct sigma_shape *sh = &l->ss->shapes[shape];
	struct sigma_instance in = {.rule = r, .shape = shape}, *grown;
	size_t i;
	bool nomem;
	char *path;

	if ((in.refs = calloc(r->n_fields + 1, sizeof(*in.refs))) == NULL)
		return -1;
	if ((in.kv = calloc(r->n_fields + 1, sizeof(*in.kv))) == NULL) {
		free(in.refs);
		return -1;
	}
	for (i = 0; i < r->n_fields; i++) {
		if ((path = sigma_shape_field(sh, r->fields[i], &nomem)) == NULL) {
			size_t j;

			for (j = 0; j < i; j++)
				free(in.refs[j].path);
			free(in.refs);
			free(in.kv);
			if (nomem)
				return -1;
			snprintf(
			    why, whylen, "field '%s' has no mapping in %s", r->fields[i], sh->name);
			return 1;
		}
		if (strncmp(path, SIGMA_KV_PREFIX, 3) == 0) {
			in.kv[i] = true;
			memmove(path, path + 3, strlen(path + 3) + 1);
		}
		in.refs[i].path = path;
		in.refs[i].len = strlen(path);
		in.refs[i].header = in.kv[i] ? HDR_NONE : detect_header_of(path);
	}
	if ((grown = room(l->ss->insts, l->ss->n_insts, &l->cap_insts, sizeof(*grown))) == NULL) {
		for (i = 0; i < r->n_fields; i++)
			free(in.refs[i].path);
		free(in.refs);
		free(in.kv);
		return -1;
	}
	l->ss->insts = grown;
	grown[l->ss->n_insts++] = in;
	if (sigma_index_literals(&grown[l->ss->n_insts - 1]) == -1 ||
	    sigma_key_derive(&grown[l->ss->n_insts - 1]) == -1 ||
	    add_detection(l, &grown[l->ss->n_insts - 1]) == -1)
		return -1;
	return 0;
}

/* Keep rule r (taking it) with an instance for every shape that serves it. */
static int
rule_take(struct sigma_loader *l, struct sigma_rule *r)
{
	char why[512] = "", why_here[512];
	struct sigma_rule **grown;
	size_t i, made = 0;
	bool served = false;
	int rc;

	if ((grown = room(l->ss->rules, l->ss->n_rules, &l->cap_rules, sizeof(*grown))) == NULL) {
		sigma_rule_free(r);
		return -1;
	}
	l->ss->rules = grown;
	grown[l->ss->n_rules++] = r; /* owned by the set from here */
	for (i = 0; i < l->ss->n_shapes; i++) {
		if (!sigma_shape_serves(&l->ss->shapes[i], r))
			continue;
		served = true;
		rc = instance_make(l, r, i, why_here, sizeof(why_here));
		if (rc == -1)
			return -1;
		if (rc == 1 && why[0] == '\0')
			memcpy(why, why_here, sizeof(why)); /* the first shape's reason */
		made += rc == 0;
	}
	if (made > 0) {
		l->report->loaded++;
		l->report->instances += made;
		return 0;
	}
	if (!served)
		snprintf(why, sizeof(why),
		    "no mapping for logsource product=%s service=%s "
		    "category=%s",
		    r->product ? r->product : "-", r->service ? r->service : "-",
		    r->category ? r->category : "-");
	return skip(l, r->file, why);
}

char *
sigma_read_file(const char *path, size_t *len, char *why, size_t whylen)
{
	FILE *f = fopen(path, "re");
	struct stat st;
	size_t want;
	char *buf;

	if (f == NULL || fstat(fileno(f), &st) == -1) {
		snprintf(why, whylen, "%s", strerror(errno));
		if (f != NULL)
			fclose(f);
		return NULL;
	}
	/* the size it has now, one byte more to see it grew past the bound */
	want = st.st_size >= 0 && (uintmax_t)st.st_size < SIGMA_MAX_FILE ? (size_t)st.st_size + 1
									 : SIGMA_MAX_FILE + 1;
	if ((buf = malloc(want + 1)) == NULL) {
		fclose(f);
		snprintf(why, whylen, "out of memory");
		return NULL;
	}
	*len = fread(buf, 1, want, f);
	fclose(f);
	if (*len > SIGMA_MAX_FILE) {
		free(buf);
		snprintf(why, whylen, "larger than %d bytes", SIGMA_MAX_FILE);
		return NULL;
	}
	return buf;
}

/* One rule file: loaded, or reported and skipped; -1 only when out of memory. */
static int
load_rule_file(struct sigma_loader *l, const char *path)
{
	struct sigma_rule *r;
	char why[512];
	size_t len;
	char *text;

	if (++l->n_files > SIGMA_MAX_FILES)
		return l->n_files == SIGMA_MAX_FILES + 1
			   ? skip(l, path,
				 "more than 20000 rule files: this one and the rest skipped")
			   : 0;
	if ((text = sigma_read_file(path, &len, why, sizeof(why))) == NULL)
		return skip(l, path, why);
	r = sigma_rule_load(path, text, len, why, sizeof(why));
	free(text);
	if (r == NULL)
		return skip(l, path, why);
	return rule_take(l, r);
}

static bool
is_rule_name(const char *name)
{
	size_t len = strlen(name);

	return name[0] != '.' && ((len > 4 && strcmp(name + len - 4, ".yml") == 0) ||
				     (len > 5 && strcmp(name + len - 5, ".yaml") == 0));
}

/* The rule files of dir in name order; into subdirectories when depth allows. */
static int
load_dir(struct sigma_loader *l, const char *dir, int depth)
{
	struct dirent **names = NULL;
	char path[4096];
	struct stat st;
	int count, i, rc = 0;

	if ((count = scandir(dir, &names, NULL, alphasort)) == -1) {
		char why[256];

		snprintf(why, sizeof(why), "%s", strerror(errno));
		return skip(l, dir, why);
	}
	for (i = 0; i < count && rc == 0; i++) {
		const char *name = names[i]->d_name;

		if (name[0] == '.')
			continue;
		if ((size_t)snprintf(path, sizeof(path), "%s/%s", dir, name) >= sizeof(path))
			rc = skip(l, dir, "path too long");
		else if (stat(path, &st) == -1)
			continue;
		else if (S_ISDIR(st.st_mode) && depth > 0)
			rc = load_dir(l, path, depth - 1);
		else if (S_ISREG(st.st_mode) && is_rule_name(name))
			rc = load_rule_file(l, path);
	}
	for (i = 0; i < count; i++)
		free(names[i]);
	free(names);
	return rc;
}

int
sigma_load_into(struct detect_set *set, const char *rules_dir, const char *sigma_dir,
    const char *map_dir, struct sigma_report *report, char *err, size_t errlen)
{
	struct sigma_loader l = {set, NULL, report, 0, err, errlen, 0, set->n_dets, 0, 0};
	char maps[4096];

	memset(report, 0, sizeof(*report));
	if ((l.ss = calloc(1, sizeof(*l.ss))) == NULL)
		goto nomem;
	set->sigma = l.ss; /* freed with the set from here on */
	if (map_dir == NULL && rules_dir != NULL) {
		if ((size_t)snprintf(maps, sizeof(maps), "%s/sigma", rules_dir) >= sizeof(maps)) {
			snprintf(err, errlen, "%s: path too long", rules_dir);
			return -1;
		}
		map_dir = maps;
	}
	if (map_dir != NULL && sigma_map_load(l.ss, map_dir, err, errlen) == -1)
		return -1;
	if (rules_dir != NULL && load_dir(&l, rules_dir, 0) == -1)
		goto nomem;
	if (sigma_dir != NULL && load_dir(&l, sigma_dir, SIGMA_DIR_DEPTH) == -1)
		goto nomem;
	if (sigma_index_build(l.ss, SIGMA_MAX_INDEX_BYTES) == -1)
		goto nomem;
	return 0;
nomem:
	snprintf(err, errlen, "sigma: out of memory");
	return -1;
}

void
sigma_report_clear(struct sigma_report *r)
{
	size_t i;

	for (i = 0; i < r->n_skips; i++) {
		free(r->skips[i].file);
		free(r->skips[i].reason);
	}
	free(r->skips);
	memset(r, 0, sizeof(*r));
}

void
sigma_report_log(const struct sigma_report *r, size_t limit)
{
	size_t i;

	if (r->loaded == 0 && r->n_skips == 0)
		return;
	for (i = 0; i < r->n_skips && i < limit; i++)
		log_warnx("sigma: %s: skipped: %s", r->skips[i].file, r->skips[i].reason);
	log_info("sigma: %zu rules loaded (%zu compiled for their event shapes), %zu skipped%s",
	    r->loaded, r->instances, r->n_skips,
	    r->n_skips > limit ? " (logward -t lists every one with its reason)" : "");
}

size_t
sigma_instance_count(const struct sigma_set *ss)
{
	return ss != NULL ? ss->n_insts : 0;
}

size_t
sigma_keyed_count(const struct sigma_set *ss, size_t *fields)
{
	size_t i, n = 0;

	*fields = ss != NULL ? ss->n_key_fields : 0;
	for (i = 0; ss != NULL && i < ss->n_insts; i++)
		n += ss->insts[i].key_field != SIZE_MAX;
	return n;
}

void
sigma_set_free(struct sigma_set *ss)
{
	size_t i, j;

	if (ss == NULL)
		return;
	sigma_index_free(ss);
	for (i = 0; i < ss->n_insts; i++) {
		for (j = 0; j < ss->insts[i].rule->n_fields; j++)
			free(ss->insts[i].refs[j].path);
		free(ss->insts[i].refs);
		free(ss->insts[i].kv);
		for (j = 0; j < ss->insts[i].n_literals; j++)
			free(ss->insts[i].literals[j]);
		free(ss->insts[i].literals);
		sigma_key_alts_free(&ss->insts[i]);
	}
	free(ss->insts);
	for (i = 0; i < ss->n_rules; i++)
		sigma_rule_free(ss->rules[i]);
	free(ss->rules);
	for (i = 0; i < ss->n_shapes; i++)
		sigma_shape_free(&ss->shapes[i]);
	for (i = 0; i < ss->n_conds; i++)
		free(ss->cond_texts[i]);
	free(ss->shapes);
	free(ss);
}

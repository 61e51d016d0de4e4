/*
 * corpus.h: the peers' syslog test cases (tests/data/rfc*_cases.tsv) as
 * exact bytes, and the judge that says whether our parse agrees with the
 * peer's verdict and asserted fields (tests/data/CORPUS-README.md).
 */
#ifndef LOGWARD_TEST_CORPUS_H
#define LOGWARD_TEST_CORPUS_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#include "parse.h"

enum corpus_col {
	COL_VERDICT, COL_INPUT, COL_PRI, COL_VERSION, COL_TIMESTAMP,
	COL_HOSTNAME, COL_APP_NAME, COL_PROCID, COL_MSGID, COL_SD, COL_MSG,
	COL_NOTE, COL_SOURCE, COL_COUNT
};

struct corpus_row {
	int line;                 /* 1-based line in the TSV file */
	char *col[COL_COUNT];     /* unescaped, NUL-terminated */
	size_t col_len[COL_COUNT];
};

struct corpus {
	struct corpus_row *rows;
	size_t n;
};

/*
 * Load tests/data/<name> from $top_srcdir (or "."); 0 or -1.  Rows are
 * owned by c; free with corpus_free.
 */
int corpus_load(const char *name, struct corpus *c);
void corpus_free(struct corpus *c);

/* Undo the TSV escaping (\\ \t \n \r \xNN) into out (at least strlen(s) bytes); returns the length. */
size_t corpus_unescape(const char *s, char *out);

/*
 * Set TZ for the row (syslog-ng's tests run in CET) and return the
 * receipt time to parse with (a "now" consistent with the years the
 * peer's test expects).
 */
time_t corpus_row_setup(const struct corpus_row *r);

/* Parse the row's input from an exact-size heap copy; *frame is the copy (caller frees). */
void corpus_parse(const struct corpus_row *r, char **frame, struct syslog_msg *msg);

/*
 * Whether msg agrees with the row: verdict (valid: parsed; invalid:
 * UNPARSED or flagged as defective) and every field the row asserts,
 * under the normalizations of doc/parser-policy.md.  why gets the first
 * difference.
 */
bool corpus_agrees(const struct corpus_row *r, const struct syslog_msg *msg,
    char *why, size_t whylen);

/*
 * Flags that mean "accepted but defective" (an invalid verdict is then
 * met).  A NILVALUE TIMESTAMP is legal RFC 5424, so NO_TIMESTAMP counts
 * only for RFC 3164, where the HEADER is required.
 */
#define CORPUS_DEFECT_FLAGS (MSG_FLAG_NO_PRI | MSG_FLAG_FIELD_TRUNCATED | \
    MSG_FLAG_FRACTION_CUT | MSG_FLAG_SD_MALFORMED | MSG_FLAG_NO_HOSTNAME | \
    MSG_FLAG_NO_TIMESTAMP)

/* Where our policy differs from the row: what we assert instead. */
struct corpus_divergence {
	int line;
	enum msg_format format;
	unsigned flags;
	int pri;
	const char *hostname;     /* NULL: absent */
	const char *appname;
	const char *procid;
	const char *msgid;
	const char *msg;          /* TSV-escaped like the corpus */
	const char *why;          /* the policy, for the report */
};

/* Check msg against d; returns false and fills why on the first difference. */
bool corpus_divergence_matches(const struct corpus_divergence *d,
    const struct syslog_msg *msg, char *why, size_t whylen);

/* Print msg as a corpus_divergence initializer (to regenerate the tables). */
void corpus_dump_divergence(const struct corpus_row *r, const struct syslog_msg *msg);

/* The divergence entry for a line, or NULL. */
const struct corpus_divergence *corpus_find_divergence(
    const struct corpus_divergence *d, size_t nd, int line);

/*
 * Check row i inside a Check test: never crash, keep the invariants
 * (pri in range, UNPARSED covers the frame), and agree with the peer or
 * match its listed divergence exactly.
 */
void corpus_check_row(const struct corpus *c, int i,
    const struct corpus_divergence *d, size_t nd);

/* Parse an exact-size heap copy of a C string (caller frees *frame). */
void corpus_parse_str(const char *s, time_t now, struct syslog_msg *msg, char **frame);

/* Inside a Check test: the slice equals the C string; NULL means absent. */
void corpus_assert_slice(struct slice s, const char *want, const char *what);

/* Print the pass statistics and every row that differs; returns rows agreeing. */
int corpus_report(const char *name, const struct corpus *c,
    const struct corpus_divergence *d, size_t nd);

#endif

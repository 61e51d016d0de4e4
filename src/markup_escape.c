/*
 * markup_escape.c: one escaper for the chat formats (markup_escape.h).
 */
#include "config.h"

#include <ctype.h>
#include <stdint.h>
#include <string.h>
#include <strings.h>

#include "markup_escape.h"

/*
 * Slack: a section field's text is at most 2,000 characters and a field
 * holds a label and up to two values; a section's text 3,000.
 */
const struct markup_policy markup_slack = {
	.entities = true,
	.defuse_mentions = true,
	.max_bytes = 900,
};

/* CommonMark: any ASCII punctuation may be backslash-escaped; these can form markup. */
/* Teams: a whole card of about 16 such strings stays well under its 28 KB. */
const struct markup_policy markup_teams = {
	.backslashed = "\\*_[]()~`<>#{}!|",
	.list_markers = true,
	.max_bytes = 1000,
};

/* Alertmanager keeps annotations as they are; a receiver's template shows them. */
const struct markup_policy markup_plain = {
	.max_bytes = 1000,
};

/* Does s (at least n long) start with word, case-insensitively? */
static bool
starts_with_ci(const char *s, size_t n, const char *word)
{
	size_t wl = strlen(word);

	return n >= wl && strncasecmp(s, word, wl) == 0;
}

/* A broadcast mention follows this @ (s: what comes after it, n bytes). */
static bool
is_broadcast(const char *s, size_t n)
{
	return starts_with_ci(s, n, "channel") || starts_with_ci(s, n, "here") ||
	    starts_with_ci(s, n, "everyone");
}

/* The entity for c under p, or NULL. */
static const char *
entity(const struct markup_policy *p, unsigned char c)
{
	if (!p->entities)
		return NULL;
	return c == '&' ? "&amp;" : c == '<' ? "&lt;" : c == '>' ? "&gt;" : NULL;
}

/* The escaped form of byte i of s under p, into piece (NUL-terminated). */
static void
escape_one(const struct markup_policy *p, const char *s, size_t len, size_t i, bool digits_only,
    char piece[8])
{
	unsigned char c = (unsigned char)s[i];
	bool bs = p->backslashed != NULL && c != '\0' && strchr(p->backslashed, c) != NULL;
	const char *ent = entity(p, c);

	/* a list marker only counts at the start: "- x", "+ x", "12. x" */
	if (p->list_markers && ((i == 0 && (c == '-' || c == '+')) ||
	    (c == '.' && digits_only && i > 0)))
		bs = true;
	if (c < 0x20 || c == 0x7f)
		strcpy(piece, " ");
	else if (ent != NULL)
		strcpy(piece, ent);
	else if (p->defuse_mentions && c == '@' && is_broadcast(s + i + 1, len - i - 1))
		strcpy(piece, "@\xe2\x80\x8b"); /* U+200B */
	else if (bs) {
		piece[0] = '\\';
		piece[1] = (char)c;
		piece[2] = '\0';
	} else {
		piece[0] = (char)c;
		piece[1] = '\0';
	}
}

int
markup_escape(struct strbuf *out, const char *s, size_t len, const struct markup_policy *p)
{
	static const char cut[] = "\xe2\x80\xa6"; /* U+2026: this was cut */
	size_t i, start = out->len, fit = out->len;
	size_t budget = p->max_bytes > 0 ? p->max_bytes : SIZE_MAX;
	size_t room = budget > sizeof(cut) - 1 ? budget - (sizeof(cut) - 1) : 0;
	bool digits_only = true;
	char piece[8];

	for (i = 0; i < len; i++) {
		/* a character begins here (not a UTF-8 continuation byte): a place to cut */
		if (((unsigned char)s[i] & 0xc0) != 0x80 && out->len - start <= room)
			fit = out->len;
		if (out->len - start > budget)
			break; /* cut below: no need to escape the rest */
		escape_one(p, s, len, i, digits_only, piece);
		if (!isdigit((unsigned char)s[i]))
			digits_only = false;
		if (strbuf_append_str(out, piece) == -1) {
			out->len = start;
			return -1;
		}
	}
	if (out->len - start <= budget)
		return 0;
	/* too long: cut at the last character boundary that leaves room for the mark */
	out->len = fit;
	if (strbuf_append_str(out, cut) == -1) {
		out->len = start;
		return -1;
	}
	return 0;
}

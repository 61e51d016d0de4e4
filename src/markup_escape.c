/*
 * markup_escape.c: one escaper for the chat formats (markup_escape.h).
 */
#include "config.h"

#include <ctype.h>
#include <string.h>
#include <strings.h>

#include "markup_escape.h"

const struct markup_policy markup_slack = {
	.entities = true,
	.defuse_mentions = true,
};

/* CommonMark: any ASCII punctuation may be backslash-escaped; these can form markup. */
const struct markup_policy markup_teams = {
	.backslashed = "\\*_[]()~`<>#{}!|",
	.list_markers = true,
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

int
markup_escape(struct strbuf *out, const char *s, size_t len, const struct markup_policy *p)
{
	size_t i, start = out->len;
	bool digits_only = true;

	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];
		bool bs = p->backslashed != NULL && c != '\0' && strchr(p->backslashed, c) != NULL;
		const char *ent = entity(p, c);
		int rc;

		/* a list marker only counts at the start: "- x", "+ x", "12. x" */
		if (p->list_markers && ((i == 0 && (c == '-' || c == '+')) ||
		    (c == '.' && digits_only && i > 0)))
			bs = true;
		if (!isdigit(c))
			digits_only = false;
		if (c < 0x20 || c == 0x7f)
			rc = strbuf_append_char(out, ' ');
		else if (ent != NULL)
			rc = strbuf_append_str(out, ent);
		else if (p->defuse_mentions && c == '@' && is_broadcast(s + i + 1, len - i - 1))
			rc = strbuf_append_str(out, "@\xe2\x80\x8b");	/* U+200B */
		else if (bs)
			rc = strbuf_append_char(out, '\\') == -1 ? -1 : strbuf_append_char(out, (char)c);
		else
			rc = strbuf_append_char(out, (char)c);
		if (rc == -1) {
			out->len = start;
			return -1;
		}
	}
	return 0;
}

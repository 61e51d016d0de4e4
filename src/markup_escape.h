/*
 * markup_escape.h: user strings (from the network, through an alert)
 * made inert in a chat tool's markup, one escaper driven by a per-format
 * policy.  Every policy turns control characters into spaces, and cuts a
 * string whose escaped form would pass its max_bytes at a character
 * boundary, marked with U+2026 (a receiver refuses a message over its
 * limits: Slack a field over 2,000 characters, Teams a card over 28 KB).
 *
 *   markup_slack   Slack mrkdwn: & < > as entities (no <!channel>, link or
 *                  user mention can form), a zero-width space after the @
 *                  of @channel / @here / @everyone
 *   markup_teams   Adaptive Card markdown (a CommonMark subset): markdown
 *                  punctuation backslash-escaped (no link, emphasis, <at>
 *                  mention or {{DATE()}}), a leading list marker ("- x",
 *                  "+ x", "12. x") escaped
 */
#ifndef LOGWARD_MARKUP_ESCAPE_H
#define LOGWARD_MARKUP_ESCAPE_H

#include <stdbool.h>
#include <stddef.h>

#include "json_writer.h"

struct markup_policy {
	bool entities;                  /* & < > as &amp; &lt; &gt; */
	bool defuse_mentions;           /* U+200B after the @ of a broadcast mention */
	const char *backslashed;        /* characters escaped with a backslash; NULL: none */
	bool list_markers;              /* a leading list marker escaped */
	size_t max_bytes;               /* of one string's escaped form, with the mark; 0: no cap */
};

extern const struct markup_policy markup_slack;
extern const struct markup_policy markup_teams;
/* No markup (an Alertmanager annotation): control characters and the cut only. */
extern const struct markup_policy markup_plain;

/* Append s[0..len) escaped (and cut) by p.  0, or -1 out of memory (out restored). */
int markup_escape(struct strbuf *out, const char *s, size_t len, const struct markup_policy *p);

#endif

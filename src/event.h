/*
 * event.h: one syslog message as one ECS JSON line (DESIGN.md "The event").
 *
 * event_format streams the event into a buffer with the json_writer: the
 * header fields the parser found, the fields and tags liblognorm added
 * (dotted names such as "user.target.name" become nested objects), and
 * the intake metadata.  Parse failures keep event.original, error.message
 * and the "_syslog_parse_failure" tag.
 *
 * Fields (absent ones are left out, never written as null):
 *   @timestamp           message time if the parser found one, else receipt
 *                        (RFC 3339 UTC, microseconds)
 *   event.created        receipt time;  event.kind "event"
 *   event.original       the whole frame as received, always
 *   error.message        UNPARSED only: "<what> at column N" (0-based byte)
 *   log.syslog.priority, .facility.code/.name, .severity.code/.name
 *   log.syslog.version   RFC 5424 only, as text ("1": a keyword in ECS)
 *   log.syslog.hostname, .appname, .procid, .msgid
 *   log.syslog.structured_data
 *                        {"id": {"param": "value", ...}, ...} with the SD
 *                        escapes undone.  A param that occurs more than once
 *                        for an element id (within the element, or in a
 *                        repeated element with the same id, which is merged)
 *                        becomes an array of strings in the order sent.
 *                        Elements and params are written sorted by name.
 *                        At most 1024 elements+params are kept; the rest are
 *                        dropped with the tag "_syslog_sd_truncated".
 *   log.syslog.structured_data_raw
 *                        the SD text when it was malformed (not parsed)
 *   host.hostname        log.syslog.hostname, else the source address
 *   source.ip, source.port, network.transport, observer.ingress.interface.name
 *   tls.version, tls.version_protocol ("tls"), tls.cipher
 *                        TLS inputs: the negotiated protocol and cipher
 *   tls.client.subject   the client certificate's subject (RFC 2253), and
 *   tls.client.hash.sha256  its SHA-256 (upper-case hex, as ECS has it);
 *                        only when the sender showed a certificate
 *   message              the MSG part (the whole frame when UNPARSED)
 *   tags                 array, left out when empty, in this order:
 *     "_syslog_parse_failure"     format UNPARSED
 *     "_syslog_no_pri"            MSG_FLAG_NO_PRI
 *     "_syslog_field_truncated"   MSG_FLAG_FIELD_TRUNCATED
 *     "_syslog_fraction_truncated" MSG_FLAG_FRACTION_CUT
 *     "_syslog_sd_malformed"      MSG_FLAG_SD_MALFORMED
 *     "_syslog_bom_removed"       MSG_FLAG_BOM
 *     "_syslog_no_hostname"       MSG_FLAG_NO_HOSTNAME
 *     "_syslog_no_timestamp"      MSG_FLAG_NO_TIMESTAMP
 *     "_syslog_time_unsynced"     MSG_FLAG_TIME_UNSYNCED
 *     "_syslog_year_guessed"      MSG_FLAG_YEAR_GUESSED (below)
 *     "_syslog_zone_unknown"      MSG_FLAG_ZONE_UNKNOWN
 *     "_frame_truncated"          FRAME_TRUNCATED
 *     "_frame_bad_count"          FRAME_BAD_COUNT
 *     "_normalize_field_conflict" a liblognorm field was skipped (below)
 *     "_normalize_field_dropped"  a liblognorm field was dropped (below)
 *     "_syslog_sd_truncated"      more SD than kept (above)
 *     "_syslog_timestamp_invalid" message time outside years 0000..9999:
 *                                 @timestamp is the receipt time
 *     then the strings of liblognorm's "event.tags" (rule tags).
 *   "_syslog_year_guessed" is given only when a year-less timestamp was
 *   dated in another year than its receipt (December received in
 *   January, January in December): the receipt year needs no flag.
 *
 * liblognorm fields: every top-level key of norm except "event.tags",
 * "originalmsg", "unparsed-data" and keys starting with "metadata".  A
 * dotted key is a path, merged with the header fields into nested
 * objects; object and array values are written as they are (not merged).
 * The header fields always win: a liblognorm key equal to one already
 * placed, under a leaf ("message.x"), or a leaf where an object is needed
 * ("log.syslog") is skipped and tagged "_normalize_field_conflict" (between
 * two liblognorm keys, the first in sort order wins).  A key that cannot be
 * a path (empty, empty segment, more than 16 segments), a value nested too
 * deep for the writer, or a field beyond the 256th is dropped and tagged
 * "_normalize_field_dropped".
 *
 * Their ECS shape (event_ecs.h): event.category, event.type and
 * related.* are arrays, process.pid and the like numbers, and the JSON
 * body "json" goes under its source's namespace (aws.cloudtrail, okta...,
 * logward.json when unknown) with event.module, .dataset and .action.
 *
 * Keys are written sorted ('.' before any other byte), so the output for
 * one input is always the same bytes.
 */
#ifndef LOGWARD_EVENT_H
#define LOGWARD_EVENT_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "json_writer.h"
#include "parse.h"

struct json_object;
struct peer_tls;

struct event_input {
	const char *raw;          /* the frame as received */
	size_t raw_len;
	const struct syslog_msg *msg; /* parsed from raw */
	struct json_object *norm;  /* liblognorm result, or NULL; not owned */
	const char *input_name;    /* observer.ingress.interface.name */
	const char *transport;     /* "udp" | "tcp" | "tls" (network.transport) */
	const char *protocol;      /* NULL, or "relp" (network.protocol) */
	const char *source_ip;     /* text form, or NULL */
	uint16_t source_port;
	const struct peer_tls *tls; /* tls.*: TLS senders only, else NULL */
	struct timespec received;  /* event.created */
	unsigned frame_flags;      /* FRAME_* from framing.h (truncated, bad count) */
};

/*
 * Append one event followed by '\n' to out.  scratch is the caller's
 * reusable work buffer (SD unescaping, field sorting): event_format uses
 * its spare capacity and leaves scratch->len and its contents unchanged.
 * Both stay owned by the caller.  in->norm is only read.  Returns 0, or -1
 * when out of memory (out is then restored to its previous length).
 */
int event_format(struct strbuf *out, struct strbuf *scratch, const struct event_input *in);

#endif

/*
 * check_rfc5424.c: the RFC 5424 parser against the peers' corpus
 * (tests/data/rfc5424_cases.tsv, every row) and focused cases of our own.
 */
#include "config.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "corpus.h"
#include "parse.h"
#include "unit.h"

#define WHY_VERSION "VERSION other than 1 goes to the RFC 3164 parser (DESIGN.md)"
#define WHY_SD_NAME "SD-NAME over 32 chars (RFC 5424 6.3.2): SD kept raw, flagged"
#define WHY_RECEIPT "NILVALUE time stays absent; event.c uses the receipt time"
#define WHY_SD_255 "syslog-ng cuts SD values at 255 bytes; we keep them whole"
#define WHY_UTF8 "invalid UTF-8 kept as bytes; event.c escapes it"
#define WHY_UTF8_STRICT "MSG is not validated as UTF-8 (go-syslog default mode agrees); event.c escapes it"

/* Rows where our documented policy (doc/parser-policy.md) differs from the peer. */
static const struct corpus_divergence divergences[] = {
	{ 77, MSG_FORMAT_RFC3164, 0x0060, 1, NULL, NULL, NULL, NULL, "100 - host-name - - - -", WHY_VERSION },
	{ 78, MSG_FORMAT_RFC3164, 0x0060, 1, NULL, NULL, NULL, NULL, "101 - host-name app-name - - -", WHY_VERSION },
	{ 79, MSG_FORMAT_RFC3164, 0x0060, 1, NULL, NULL, NULL, NULL, "102 - host-name app-name proc-id - -", WHY_VERSION },
	{ 80, MSG_FORMAT_RFC3164, 0x0060, 1, NULL, NULL, NULL, NULL, "103 - host-name app-name proc-id msg-id -", WHY_VERSION },
	{ 81, MSG_FORMAT_RFC3164, 0x0060, 191, NULL, NULL, NULL, NULL, "999 2018-12-31T23:59:59.999999-23:59 abcdefghilmnopqrstuvzabcdefghilmnopqrstuvzabcdefghilmnopqrstuvzabcdefghilmnopqrstuvzabcdefghilmnopqrstuvzabcdefghilmnopqrstuvzabcdefghilmnopqrstuvzabcdefghilmnopqrstuvzabcdefghilmnopqrstuvzabcdefghilmnopqrstuvzabcdefghilmnopqrstuvzabcdefghilmnopqrstuvzabc abcdefghilmnopqrstuvzabcdefghilmnopqrstuvzabcdef abcdefghilmnopqrstuvzabcdefghilmnopqrstuvzabcdefghilmnopqrstuvzabcdefghilmnopqrstuvzabcdefghilmnopqrstuvzabcdefghilmnopqrstuvzab abcdefghilmnopqrstuvzabcdefghilm -", WHY_VERSION },
	{ 82, MSG_FORMAT_RFC3164, 0x0060, 191, NULL, NULL, NULL, NULL, "999 2018-12-31T23:59:59.999999-23:59 abcdefghilmnopqrstuvzabcdefghilmnopqrstuvzabcdefghilmnopqrstuvzabcdefghilmnopqrstuvzabcdefghilmnopqrstuvzabcdefghilmnopqrstuvzabcdefghilmnopqrstuvzabcdefghilmnopqrstuvzabcdefghilmnopqrstuvzabcdefghilmnopqrstuvzabcdefghilmnopqrstuvzabcdefghilmnopqrstuvzabc abcdefghilmnopqrstuvzabcdefghilmnopqrstuvzabcdef abcdefghilmnopqrstuvzabcdefghilmnopqrstuvzabcdefghilmnopqrstuvzabcdefghilmnopqrstuvzabcdefghilmnopqrstuvzabcdefghilmnopqrstuvzab abcdefghilmnopqrstuvzabcdefghilm [an@id key1=\"val1\" key2=\"val2\"][another@id key1=\"val1\"] Some message \"GET\"", WHY_VERSION },
	{ 84, MSG_FORMAT_RFC3164, 0x0060, 187, NULL, NULL, NULL, NULL, "222 - mymachine.example.com su - ID47 - 'su root' failed for lonvick on /dev/pts/8", WHY_VERSION },
	{ 86, MSG_FORMAT_RFC3164, 0x0060, 165, NULL, NULL, NULL, NULL, "2 2003-08-24T05:14:15.000003-07:00 - - - - -", WHY_VERSION },
	{ 87, MSG_FORMAT_RFC3164, 0x0060, 165, NULL, NULL, NULL, NULL, "222 2003-08-24T05:14:15.000002-01:00 - - - - - ", WHY_VERSION },
	{ 88, MSG_FORMAT_RFC3164, 0x0060, 78, NULL, NULL, NULL, NULL, "5 2016-01-15T00:04:01+00:00 host1 CROND 10391 - [sdid] some_message", WHY_VERSION },
	{ 90, MSG_FORMAT_RFC3164, 0x0060, 78, NULL, NULL, NULL, NULL, "2 2016-01-15T00:04:01+00:00 host1 CROND 10391 - [sdid x=\"hey \\\\\\\\u2318 hey\"] some_message", WHY_VERSION },
	{ 91, MSG_FORMAT_RFC3164, 0x0060, 29, NULL, NULL, NULL, NULL, "50 2016-01-15T01:00:43Z hn S - - [meta es=\"\\\\\\\\valid\"] 127.0.0.1 - - 1452819643 \"GET\"", WHY_VERSION },
	{ 92, MSG_FORMAT_RFC3164, 0x0060, 29, NULL, NULL, NULL, NULL, "52 2016-01-15T01:00:43Z hn S - - [meta one=\"\\\\\\\\one\" two=\"\\\\\\\\two\"] 127.0.0.1 - - 1452819643 \"GET\"", WHY_VERSION },
	{ 93, MSG_FORMAT_RFC3164, 0x0060, 29, NULL, NULL, NULL, NULL, "53 2016-01-15T01:00:43Z hn S - - [meta one=\"\\\\\\\\one\"][other two=\"\\\\\\\\two\" double=\"\\\\\\\\a\\\\\\\\b\"] 127.0.0.1 - - 1452819643 \"GET\"", WHY_VERSION },
	{ 94, MSG_FORMAT_RFC3164, 0x0060, 29, NULL, NULL, NULL, NULL, "51 2016-01-15T01:00:43Z hn S - - [meta es=\"\\\\\\\\double\\\\\\\\slash\"] 127.0.0.1 - - 1452819643 \"GET\"", WHY_VERSION },
	{ 95, MSG_FORMAT_RFC3164, 0x0060, 29, NULL, NULL, NULL, NULL, "54 2016-01-15T01:00:43Z hn S - - [meta es=\"in \\\\\\\\middle of the string\"] 127.0.0.1 - - 1452819643 \"GET\"", WHY_VERSION },
	{ 96, MSG_FORMAT_RFC3164, 0x0060, 29, NULL, NULL, NULL, NULL, "55 2016-01-15T01:00:43Z hn S - - [meta es=\"at the \\\\\\\\end\"] 127.0.0.1 - - 1452819643 \"GET\"", WHY_VERSION },
	{ 97, MSG_FORMAT_RFC3164, 0x0060, 29, NULL, NULL, NULL, NULL, "50 2016-01-15T01:00:43Z hn S - - [meta es=\"\\t5\\xE1\\xBD\\x8Ag\\xCC\\x809!\\xE2\\x84\\x83\\xE1\\xBE\\xADGa b\"] 127.0.0.1 - - 1452819643 \"GET\"", WHY_VERSION },
	{ 98, MSG_FORMAT_RFC3164, 0x0060, 29, NULL, NULL, NULL, NULL, "50 2016-01-15T01:00:43Z hn S - - [meta gr=\"\\xCE\\xBA\\xE1\\xBD\\xB9\\xCF\\x83\\xCE\\xBC\\xCE\\xB5\" es=\"\\xC3\\xB1\"][beta pr=\"\\xE2\\x82\\xA1\"] \\xF0\\x90\\x8C\\xBC \"GET\"", WHY_VERSION },
	{ 99, MSG_FORMAT_RFC3164, 0x0060, 165, NULL, NULL, NULL, NULL, "3 2003-10-11T22:14:15.003Z example.com evnts - ID27 [exampleSDID@32473 iut=\"3\" eventSource=\"Application\" eventID=\"1011\"][examplePriority@32473 class=\"high\"]", WHY_VERSION },
	{ 102, MSG_FORMAT_RFC3164, 0x0060, 165, NULL, NULL, NULL, NULL, "4 2003-10-11T22:14:15.003Z mymachine.it e - 1 [ex@32473 iut=\"3\" eventSource=\"A\"] An application event log entry...", WHY_VERSION },
	{ 105, MSG_FORMAT_RFC3164, 0x0060, 29, NULL, NULL, NULL, NULL, "2 2016-01-15T01:00:44Z some-host-name SEKRETPROGRAM prg - [meta escape=\"\\\\]\"] some \"mex\"", WHY_VERSION },
	{ 106, MSG_FORMAT_RFC3164, 0x0060, 29, NULL, NULL, NULL, NULL, "2 2016-01-15T01:00:43Z some-host-name SEKRETPROGRAM prg - [meta escape=\"\\\\\\\\\"]", WHY_VERSION },
	{ 107, MSG_FORMAT_RFC3164, 0x0060, 29, NULL, NULL, NULL, NULL, "2 2016-01-15T01:00:43Z some-host-name SEKRETPROGRAM prg - [meta escape=\"\\\\\"\"]", WHY_VERSION },
	{ 108, MSG_FORMAT_RFC3164, 0x0060, 29, NULL, NULL, NULL, NULL, "2 2016-01-15T01:00:43Z some-host-name SEKRETPROGRAM prg - [meta escape=\"\\\\]\\\\\"\\\\\\\\\\\\\\\\\\\\]\\\\\"\"]", WHY_VERSION },
	{ 118, MSG_FORMAT_RFC3164, 0x0060, 1, NULL, NULL, NULL, NULL, "8 - - - - - - \\xEF\\xBB\\xBF", WHY_VERSION },
	{ 148, MSG_FORMAT_RFC3164, 0x0060, 1, NULL, NULL, NULL, NULL, "3 - - - - - - x\\ny", WHY_VERSION },
	{ 150, MSG_FORMAT_RFC5424, 0x0050, 1, NULL, NULL, NULL, NULL, "\\xC1", WHY_UTF8_STRICT },
	{ 152, MSG_FORMAT_RFC5424, 0x0050, 7, NULL, NULL, NULL, NULL, "\\xA0\\xA1", WHY_UTF8_STRICT },
	{ 153, MSG_FORMAT_RFC5424, 0x0050, 1, NULL, NULL, NULL, NULL, "\\xE2(\\xA1", WHY_UTF8_STRICT },
	{ 154, MSG_FORMAT_RFC5424, 0x0050, 6, NULL, NULL, NULL, NULL, "\\xE2\\x82(", WHY_UTF8_STRICT },
	{ 155, MSG_FORMAT_RFC5424, 0x0050, 1, NULL, NULL, NULL, NULL, "\\xF0(\\x8C\\xBC", WHY_UTF8_STRICT },
	{ 156, MSG_FORMAT_RFC5424, 0x0050, 1, NULL, NULL, NULL, NULL, "\\xF0\\x90(\\xBC", WHY_UTF8_STRICT },
	{ 157, MSG_FORMAT_RFC5424, 0x0050, 1, NULL, NULL, NULL, NULL, "\\xF0(\\x8C(", WHY_UTF8_STRICT },
	{ 158, MSG_FORMAT_RFC5424, 0x0050, 1, NULL, NULL, NULL, NULL, "\\xFE\\xFE\\xFF\\xFF", WHY_UTF8_STRICT },
	{ 159, MSG_FORMAT_RFC5424, 0x0050, 1, NULL, NULL, NULL, NULL, "\\xFE", WHY_UTF8_STRICT },
	{ 160, MSG_FORMAT_RFC5424, 0x0050, 1, NULL, NULL, NULL, NULL, "\\xFF", WHY_UTF8_STRICT },
	{ 161, MSG_FORMAT_RFC5424, 0x0050, 1, NULL, NULL, NULL, NULL, "\\xFC\\x80\\x80\\x80\\x80\\xAF", WHY_UTF8_STRICT },
	{ 162, MSG_FORMAT_RFC5424, 0x0050, 1, NULL, NULL, NULL, NULL, "\\xF8\\x80\\x80\\x80\\xAF", WHY_UTF8_STRICT },
	{ 165, MSG_FORMAT_RFC5424, 0x0050, 1, NULL, NULL, NULL, NULL, "\\xC0\\xAF", WHY_UTF8_STRICT },
	{ 166, MSG_FORMAT_RFC5424, 0x0050, 1, NULL, NULL, NULL, NULL, "\\xFC\\x83\\xBF\\xBF\\xBF\\xBF", WHY_UTF8_STRICT },
	{ 167, MSG_FORMAT_RFC5424, 0x0050, 1, NULL, NULL, NULL, NULL, "\\xF8\\x87\\xBF\\xBF\\xBF", WHY_UTF8_STRICT },
	{ 168, MSG_FORMAT_RFC5424, 0x0050, 1, NULL, NULL, NULL, NULL, "\\xF0\\x8F\\xBF\\xBF", WHY_UTF8_STRICT },
	{ 169, MSG_FORMAT_RFC5424, 0x0050, 1, NULL, NULL, NULL, NULL, "\\xE0\\x9F\\xBF", WHY_UTF8_STRICT },
	{ 170, MSG_FORMAT_RFC5424, 0x0050, 1, NULL, NULL, NULL, NULL, "\\xC1\\xBF", WHY_UTF8_STRICT },
	{ 171, MSG_FORMAT_RFC5424, 0x0050, 1, NULL, NULL, NULL, NULL, "\\xED\\xA0\\x80", WHY_UTF8_STRICT },
	{ 172, MSG_FORMAT_RFC5424, 0x0050, 1, NULL, NULL, NULL, NULL, "\\xED\\xA0\\x80", WHY_UTF8_STRICT },
	{ 173, MSG_FORMAT_RFC5424, 0x0050, 1, NULL, NULL, NULL, NULL, "\\xED\\xAD\\xBF", WHY_UTF8_STRICT },
	{ 174, MSG_FORMAT_RFC5424, 0x0050, 1, NULL, NULL, NULL, NULL, "\\xED\\xAE\\x80", WHY_UTF8_STRICT },
	{ 176, MSG_FORMAT_RFC5424, 0x0050, 1, NULL, NULL, NULL, NULL, "\\xED\\xB0\\x80", WHY_UTF8_STRICT },
	{ 177, MSG_FORMAT_RFC5424, 0x0050, 1, NULL, NULL, NULL, NULL, "\\xED\\xBE\\x80", WHY_UTF8_STRICT },
	{ 178, MSG_FORMAT_RFC5424, 0x0050, 1, NULL, NULL, NULL, NULL, "\\xED\\xBF\\xBF", WHY_UTF8_STRICT },
	{ 179, MSG_FORMAT_RFC5424, 0x0050, 1, NULL, NULL, NULL, NULL, "\\xED\\xA0\\x80\\xED\\xB0\\x80", WHY_UTF8_STRICT },
	{ 180, MSG_FORMAT_RFC5424, 0x0008, 5, "mymachine", "evntslog", NULL, NULL, "An application event log entry...", WHY_SD_NAME },
	{ 182, MSG_FORMAT_RFC5424, 0x0040, 7, "bzorp", "openvpn", "2499", NULL, "PTHREAD support initialized", WHY_RECEIPT },
	{ 191, MSG_FORMAT_RFC5424, 0x0008, 132, "mymachine", "evntslog", NULL, NULL, "An application event log entry...", WHY_SD_NAME },
	{ 192, MSG_FORMAT_RFC5424, 0x0008, 132, "mymachine", "evntslog", NULL, NULL, "An application event log entry...", WHY_SD_NAME },
	{ 193, MSG_FORMAT_RFC5424, 0x0008, 132, "mymachine", "evntslog", NULL, NULL, "An application event log entry...", WHY_SD_NAME },
	{ 195, MSG_FORMAT_RFC5424, 0x0000, 132, "mymachine", "evntslog", NULL, NULL, "An application event log entry...", WHY_SD_255 },
	{ 206, MSG_FORMAT_RFC5424, 0x0040, 7, "bzorp", "openvpn", "2499", NULL, "PTHREAD \\xF0(\\x8C( initialized", WHY_UTF8 },
};

static struct corpus corpus;

/* Every row: never crash, keep the invariants, agree or diverge as listed. */
START_TEST(test_corpus_row)
{
	corpus_check_row(&corpus, _i, divergences, sizeof(divergences) / sizeof(divergences[0]));
}
END_TEST

/* Focused header cases: input -> every field. */
static const struct {
	const char *in;
	enum msg_format format;
	unsigned flags;
	int pri;
	long long epoch;
	unsigned usec;
	int tz;
	const char *host, *app, *procid, *msgid, *sd, *sd_raw, *msg;
} header_cases[] = {
	{ "<34>1 2003-10-11T22:14:15.003Z mymachine.example.com su - ID47 - \xEF\xBB\xBF'su root' failed",
	  MSG_FORMAT_RFC5424, MSG_FLAG_BOM, 34, 1065910455, 3000, 0,
	  "mymachine.example.com", "su", NULL, "ID47", NULL, NULL, "'su root' failed" },
	{ "<165>1 2003-08-24T05:14:15.000003-07:00 192.0.2.1 myproc 8710 - - %% Time",
	  MSG_FORMAT_RFC5424, 0, 165, 1061727255, 3, -420,
	  "192.0.2.1", "myproc", "8710", NULL, NULL, NULL, "%% Time" },
	{ "<165>1 2003-10-11T22:14:15.003Z h a - ID [ex@1 k=\"v\\]\"][b]",
	  MSG_FORMAT_RFC5424, 0, 165, 1065910455, 3000, 0,
	  "h", "a", NULL, "ID", "[ex@1 k=\"v\\]\"][b]", NULL, NULL },
	{ "<0>1 - - - - - -", MSG_FORMAT_RFC5424, MSG_FLAG_NO_TIMESTAMP, 0, 0, 0, 0,
	  NULL, NULL, NULL, NULL, NULL, NULL, NULL },
	{ "<0>1 - - - - - - ", MSG_FORMAT_RFC5424, MSG_FLAG_NO_TIMESTAMP, 0, 0, 0, 0,
	  NULL, NULL, NULL, NULL, NULL, NULL, "" },
	/* more than 6 fractional digits: kept 6, flagged */
	{ "<13>1 2020-02-29T23:59:59.1234567891Z h a p m - x",
	  MSG_FORMAT_RFC5424, MSG_FLAG_FRACTION_CUT, 13, 1583020799, 123456, 0,
	  "h", "a", "p", "m", NULL, NULL, "x" },
	/* over-long MSGID: cut to 32, flagged */
	{ "<13>1 - h a p 0123456789abcdef0123456789abcdefXYZ - x",
	  MSG_FORMAT_RFC5424, MSG_FLAG_FIELD_TRUNCATED | MSG_FLAG_NO_TIMESTAMP, 13, 0, 0, 0,
	  "h", "a", "p", "0123456789abcdef0123456789abcdef", NULL, NULL, "x" },
	/* malformed SD: raw, flagged, MSG still found */
	{ "<13>1 - h a p m [id k=v] the msg",
	  MSG_FORMAT_RFC5424, MSG_FLAG_SD_MALFORMED | MSG_FLAG_NO_TIMESTAMP, 13, 0, 0, 0,
	  "h", "a", "p", "m", NULL, "[id k=v]", "the msg" },
	{ "<13>1 - h a p m [id k=\"]\"] the msg",
	  MSG_FORMAT_RFC5424, MSG_FLAG_SD_MALFORMED | MSG_FLAG_NO_TIMESTAMP, 13, 0, 0, 0,
	  "h", "a", "p", "m", NULL, "[id k=\"]\"]", "the msg" },
	{ "<13>1 - h a p m [id k=\"v\"][id x=\"y\"] dup",
	  MSG_FORMAT_RFC5424, MSG_FLAG_SD_MALFORMED | MSG_FLAG_NO_TIMESTAMP, 13, 0, 0, 0,
	  "h", "a", "p", "m", NULL, "[id k=\"v\"][id x=\"y\"]", "dup" },
	/* unterminated SD: it runs to the end, so it is the MSG (nothing else is) */
	{ "<13>1 - h a p m [id k=\"v",
	  MSG_FORMAT_RFC5424, MSG_FLAG_SD_MALFORMED | MSG_FLAG_NO_TIMESTAMP, 13, 0, 0, 0,
	  "h", "a", "p", "m", NULL, NULL, "[id k=\"v" },
	/* Check Point Log Exporter: the record where SD goes, nothing after it */
	{ "<134>1 - mgmt1 CheckPoint 14706 - [action:\"Accept\"; operation:\"Create Object\"]",
	  MSG_FORMAT_RFC5424, MSG_FLAG_SD_MALFORMED | MSG_FLAG_NO_TIMESTAMP, 134, 0, 0, 0,
	  "mgmt1", "CheckPoint", "14706", NULL, NULL, NULL,
	  "[action:\"Accept\"; operation:\"Create Object\"]" },
	/* malformed SD followed by a MSG: the SD stays raw */
	{ "<134>1 - mgmt1 CheckPoint 14706 - [action:\"Accept\"] tail",
	  MSG_FORMAT_RFC5424, MSG_FLAG_SD_MALFORMED | MSG_FLAG_NO_TIMESTAMP, 134, 0, 0, 0,
	  "mgmt1", "CheckPoint", "14706", NULL, NULL, "[action:\"Accept\"]", "tail" },
	/* lone backslash is a literal (RFC 5424 6.3.3) */
	{ "<13>1 - h a p m [id k=\"a\\nb\"]",
	  MSG_FORMAT_RFC5424, MSG_FLAG_NO_TIMESTAMP, 13, 0, 0, 0,
	  "h", "a", "p", "m", "[id k=\"a\\nb\"]", NULL, NULL },
	/* trailing LF is not MSG */
	{ "<13>1 - h a p m - line\r\n",
	  MSG_FORMAT_RFC5424, MSG_FLAG_NO_TIMESTAMP, 13, 0, 0, 0,
	  "h", "a", "p", "m", NULL, NULL, "line" },
	/* claims VERSION 1 but header broken: UNPARSED, pri/version kept */
	{ "<13>1 2003-02-30T00:00:00Z h a p m - x",
	  MSG_FORMAT_UNPARSED, MSG_FLAG_NO_TIMESTAMP, 13, 0, 0, 0,
	  NULL, NULL, NULL, NULL, NULL, NULL, "<13>1 2003-02-30T00:00:00Z h a p m - x" },
	/* RFC 5424 6.2.3.1 TIME-SECFRAC is "." 1*6DIGIT: a comma is for RFC 3164 dialects only */
	{ "<13>1 2023-11-14T10:00:00,5Z h a p m - x",
	  MSG_FORMAT_UNPARSED, MSG_FLAG_NO_TIMESTAMP, 13, 0, 0, 0,
	  NULL, NULL, NULL, NULL, NULL, NULL, "<13>1 2023-11-14T10:00:00,5Z h a p m - x" },
	{ "<13>1", MSG_FORMAT_UNPARSED, MSG_FLAG_NO_TIMESTAMP, 13, 0, 0, 0,
	  NULL, NULL, NULL, NULL, NULL, NULL, "<13>1" },
	/* VERSION 2: not ours, RFC 3164 takes it */
	{ "<13>2 - h a p m - x", MSG_FORMAT_RFC3164,
	  MSG_FLAG_NO_TIMESTAMP | MSG_FLAG_NO_HOSTNAME, 13, 0, 0, 0,
	  NULL, NULL, NULL, NULL, NULL, NULL, "2 - h a p m - x" },
};

START_TEST(test_header_cases)
{
	struct syslog_msg msg;
	char *frame;

	corpus_parse_str(header_cases[_i].in, 1700000000, &msg, &frame);
	ck_assert_int_eq(msg.format, header_cases[_i].format);
	ck_assert_uint_eq(msg.flags, header_cases[_i].flags);
	ck_assert_int_eq(msg.pri, header_cases[_i].pri);
	if (msg.format == MSG_FORMAT_UNPARSED) {
		ck_assert_ptr_nonnull(msg.error);
		ck_assert_int_eq(msg.version, strncmp(header_cases[_i].in + 4, "1", 1) == 0);
	}
	if (header_cases[_i].epoch != 0) {
		ck_assert(msg.time.present);
		ck_assert_int_eq(msg.time.epoch, header_cases[_i].epoch);
		ck_assert_uint_eq(msg.time.usec, header_cases[_i].usec);
		ck_assert_int_eq(msg.time.tz_offset, header_cases[_i].tz);
		ck_assert(msg.time.tz_known);
	} else
		ck_assert(!msg.time.present);
	corpus_assert_slice(msg.hostname, header_cases[_i].host, "hostname");
	corpus_assert_slice(msg.appname, header_cases[_i].app, "appname");
	corpus_assert_slice(msg.procid, header_cases[_i].procid, "procid");
	corpus_assert_slice(msg.msgid, header_cases[_i].msgid, "msgid");
	corpus_assert_slice(msg.sd, header_cases[_i].sd, "sd");
	corpus_assert_slice(msg.sd_raw, header_cases[_i].sd_raw, "sd_raw");
	corpus_assert_slice(msg.msg, header_cases[_i].msg, "msg");
	free(frame);
}
END_TEST

/* A zone-less RFC 5424 time is local time of the collector. */
START_TEST(test_zoneless_local)
{
	struct syslog_msg msg;
	char *frame;

	setenv("TZ", "EST5EDT,M3.2.0,M11.1.0", 1);
	tzset();
	corpus_parse_str("<13>1 2021-07-04T12:00:00 h a p m - x", 0, &msg, &frame);
	ck_assert_int_eq(msg.format, MSG_FORMAT_RFC5424);
	ck_assert(!msg.time.tz_known);
	ck_assert_int_eq(msg.time.tz_offset, -240);
	ck_assert_int_eq(msg.time.epoch, 1625414400);
	free(frame);
	corpus_parse_str("<13>1 2021-01-04T12:00:00 h a p m - x", 0, &msg, &frame);
	ck_assert_int_eq(msg.time.tz_offset, -300);
	ck_assert_int_eq(msg.time.epoch, 1609779600);
	free(frame);
	setenv("TZ", "UTC", 1);
	tzset();
}
END_TEST

/*
 * Every byte value inside an SD-ID and a PARAM-NAME: a name byte (RFC 5424
 * 6.3.2: printable US-ASCII but '=', SP, ']' and '"') keeps the name
 * whole, any other ends it where it stands (sd_next reads names through a
 * table of the 256 values).
 */
START_TEST(test_sd_name_every_byte)
{
	unsigned b = (unsigned)_i;
	bool name = b > 32 && b < 127 && b != '=' && b != ']' && b != '"';
	char text[32];
	struct slice sd = { text, 0 };
	struct sd_item item;
	size_t pos = 0;
	int kind;

	/* in an element id: "[x?y]" */
	memcpy(text, "[x?y]", 5);
	text[2] = (char)b;
	sd.len = 5;
	kind = sd_next(sd, &pos, &item);
	if (name) {
		ck_assert_int_eq(kind, 1);
		ck_assert_uint_eq(item.id.len, 3);
	} else if (b == ' ' || b == ']') {
		ck_assert_int_eq(kind, 1); /* "x" ends there */
		ck_assert_uint_eq(item.id.len, 1);
	} else
		ck_assert_int_eq(kind, 0);

	/* in a param name: "[i x?y=\"v\"]" */
	memcpy(text, "[i x?y=\"v\"]", 11);
	text[4] = (char)b;
	sd.len = 11;
	pos = 0;
	ck_assert_int_eq(sd_next(sd, &pos, &item), 1);
	kind = sd_next(sd, &pos, &item);
	if (name) {
		ck_assert_int_eq(kind, 2);
		ck_assert_uint_eq(item.name.len, 3);
		ck_assert_uint_eq(item.id.len, 1);
	} else
		ck_assert_int_eq(kind, 0);
}
END_TEST

/* sd_next yields ids then params; a fresh item each call still names the element. */
START_TEST(test_sd_walk)
{
	const char *text = "[a@1 k=\"v\\\"q\" e=\"\"][b][c x=\"]\\\\\\]\"]";
	struct slice sd = { text, strlen(text) };
	struct sd_item item;
	size_t pos = 0, n;
	char out[32];

	ck_assert_int_eq(sd_next(sd, &pos, &item), 1);
	corpus_assert_slice(item.id, "a@1", "id");
	ck_assert_int_eq(sd_next(sd, &pos, &item), 2);
	corpus_assert_slice(item.id, "a@1", "id");
	corpus_assert_slice(item.name, "k", "name");
	corpus_assert_slice(item.value, "v\\\"q", "value");
	n = sd_unescape(item.value, out, sizeof(out));
	ck_assert_uint_eq(n, 3);
	ck_assert(memcmp(out, "v\"q", 3) == 0);
	ck_assert_int_eq(sd_next(sd, &pos, &item), 2);
	corpus_assert_slice(item.name, "e", "name");
	ck_assert_uint_eq(item.value.len, 0);
	ck_assert_int_eq(sd_next(sd, &pos, &item), 1);
	corpus_assert_slice(item.id, "b", "id");
	ck_assert_int_eq(sd_next(sd, &pos, &item), 1);
	corpus_assert_slice(item.id, "c", "id");
	ck_assert_int_eq(sd_next(sd, &pos, &item), 2);
	corpus_assert_slice(item.id, "c", "id");
	n = sd_unescape(item.value, out, sizeof(out));
	ck_assert_uint_eq(n, 3);
	ck_assert(memcmp(out, "]\\]", 3) == 0);
	ck_assert_int_eq(sd_next(sd, &pos, &item), 0);
	ck_assert_int_eq(sd_next(sd, &pos, &item), 0);
	/* cap is honoured */
	ck_assert_uint_eq(sd_unescape(item.value, out, 0), 0);
	sd.p = "[a k=\"0123456789\"]";
	sd.len = strlen(sd.p);
	pos = 0;
	ck_assert_int_eq(sd_next(sd, &pos, &item), 1);
	ck_assert_int_eq(sd_next(sd, &pos, &item), 2);
	ck_assert_uint_eq(sd_unescape(item.value, out, 4), 4);
	/* garbage and absent SD end the walk */
	sd.p = "[a k=v]";
	sd.len = strlen(sd.p);
	pos = 0;
	ck_assert_int_eq(sd_next(sd, &pos, &item), 1);
	ck_assert_int_eq(sd_next(sd, &pos, &item), 0);
	sd.p = NULL;
	sd.len = 0;
	pos = 0;
	ck_assert_int_eq(sd_next(sd, &pos, &item), 0);
}
END_TEST

START_TEST(test_names)
{
	ck_assert_str_eq(syslog_facility_name(0), "kern");
	ck_assert_str_eq(syslog_facility_name(4), "auth");
	ck_assert_str_eq(syslog_facility_name(10), "authpriv");
	ck_assert_str_eq(syslog_facility_name(23), "local7");
	ck_assert_str_eq(syslog_facility_name(24), "unknown");
	ck_assert_str_eq(syslog_facility_name(-1), "unknown");
	ck_assert_str_eq(syslog_severity_name(0), "emerg");
	ck_assert_str_eq(syslog_severity_name(5), "notice");
	ck_assert_str_eq(syslog_severity_name(7), "debug");
	ck_assert_str_eq(syslog_severity_name(8), "unknown");
}
END_TEST

/* days-from-civil against known dates, leap rules and negative years. */
START_TEST(test_civil)
{
	ck_assert_int_eq(syslog_time_days_from_civil(1970, 1, 1), 0);
	ck_assert_int_eq(syslog_time_days_from_civil(2000, 3, 1), 11017);
	ck_assert_int_eq(syslog_time_days_from_civil(1969, 12, 31), -1);
	ck_assert_int_eq(syslog_time_days_from_civil(2038, 1, 19), 24855);
	ck_assert_int_eq(syslog_time_days_from_civil(0, 3, 1), -719468);
	ck_assert_uint_eq(syslog_time_days_in_month(2000, 2), 29);
	ck_assert_uint_eq(syslog_time_days_in_month(1900, 2), 28);
	ck_assert_uint_eq(syslog_time_days_in_month(2024, 2), 29);
	ck_assert_uint_eq(syslog_time_days_in_month(2023, 2), 28);
	ck_assert_uint_eq(syslog_time_days_in_month(2023, 13), 0);
}
END_TEST

/* Every prefix of a rich message parses without reading past its length. */
START_TEST(test_prefixes)
{
	const char *full = "<165>1 2003-10-11T22:14:15.003123+02:00 host app 12 ID "
	    "[a@1 k=\"v\\\"\"][b x=\"y\"] \xEF\xBB\xBFmsg";
	struct syslog_msg msg;
	size_t n, len = strlen(full);
	char *frame;

	for (n = 0; n <= len; n++) {
		frame = malloc(n ? n : 1);
		ck_assert_ptr_nonnull(frame);
		memcpy(frame, full, n);
		parse_message(frame, n, 1700000000, &msg);
		if (msg.format == MSG_FORMAT_UNPARSED)
			ck_assert_uint_eq(msg.msg.len, n);
		free(frame);
	}
}
END_TEST

/* The hot path budget (CPU time, not wall): report the cost, fail only when grossly off. */
START_TEST(test_speed)
{
	const char *line = "<165>1 2003-10-11T22:14:15.003Z mymachine.example.com "
	    "evntslog - ID47 [exampleSDID@32473 iut=\"3\" eventSource=\"Application\" "
	    "eventID=\"1011\"] An application event log entry...";
	struct syslog_msg msg;
	struct timespec a, b;
	size_t len = strlen(line), i, n = 200000;
	char *frame = malloc(len);
	double ns;

	ck_assert_ptr_nonnull(frame);
	memcpy(frame, line, len);
	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &a);
	for (i = 0; i < n; i++)
		parse_message(frame, len, 1700000000, &msg);
	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &b);
	ns = ((b.tv_sec - a.tv_sec) * 1e9 + (b.tv_nsec - a.tv_nsec)) / (double)n;
	printf("rfc5424: %.0f ns per message\n", ns);
	ck_assert_int_eq(msg.format, MSG_FORMAT_RFC5424);
	ck_assert_msg(ns < 5000, "%.0f ns per message", ns);
	free(frame);
}
END_TEST

/* After the suite: the divergences from the corpus's expectations, then free it. */
static void
corpus_end(void)
{
	corpus_report("rfc5424_cases.tsv", &corpus, divergences,
	    sizeof(divergences) / sizeof(divergences[0]));
	corpus_free(&corpus);
}

Suite *
unit_suite(void)
{
	Suite *s = suite_create("rfc5424");
	TCase *tc = tcase_create("corpus");

	setenv("TZ", "UTC", 1);
	tzset();
	if (corpus_load("rfc5424_cases.tsv", &corpus) != 0 || corpus.n == 0) {
		fprintf(stderr, "cannot load tests/data/rfc5424_cases.tsv (top_srcdir?)\n");
		exit(1);
	}
	tcase_add_loop_test(tc, test_corpus_row, 0, (int)corpus.n);
	suite_add_tcase(s, tc);
	tc = tcase_create("focused");
	tcase_add_loop_test(tc, test_header_cases, 0,
	    (int)(sizeof(header_cases) / sizeof(header_cases[0])));
	tcase_add_test(tc, test_zoneless_local);
	tcase_add_test(tc, test_sd_walk);
	tcase_add_loop_test(tc, test_sd_name_every_byte, 0, 256);
	tcase_add_test(tc, test_names);
	tcase_add_test(tc, test_civil);
	tcase_add_test(tc, test_prefixes);
	tcase_add_test(tc, test_speed);
	tcase_set_timeout(tc, 30);
	suite_add_tcase(s, tc);
	unit_atend(corpus_end);
	return s;
}

/*
 * check_json_writer.c: the escaper byte by byte, the writer's structure,
 * the libfastjson walker, and a property test that every output reads
 * back with libfastjson.
 */
#include <check.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json_writer.h"
#include "unit.h"

/* Escape s[0..len) and compare with the expected text. */
static void
assert_escape(const char *s, size_t len, const char *want, const char *what)
{
	struct strbuf sb;

	strbuf_init(&sb);
	ck_assert_int_eq(json_escape_append(&sb, s, len), 0);
	ck_assert_ptr_nonnull(strbuf_cstr(&sb));
	ck_assert_msg(sb.len == strlen(want) && memcmp(sb.data, want, sb.len) == 0,
	    "%s: got \"%s\", want \"%s\"", what, sb.data, want);
	strbuf_free(&sb);
}

START_TEST(test_escape_control_chars)
{
	static const char *const want[32] = {
		"\\u0000", "\\u0001", "\\u0002", "\\u0003", "\\u0004", "\\u0005",
		"\\u0006", "\\u0007", "\\b", "\\t", "\\n", "\\u000b", "\\f", "\\r",
		"\\u000e", "\\u000f", "\\u0010", "\\u0011", "\\u0012", "\\u0013",
		"\\u0014", "\\u0015", "\\u0016", "\\u0017", "\\u0018", "\\u0019",
		"\\u001a", "\\u001b", "\\u001c", "\\u001d", "\\u001e", "\\u001f",
	};
	char in[3], expect[16], what[32];
	int c;

	for (c = 0; c < 32; c++) {
		in[0] = 'x';
		in[1] = (char)c;
		in[2] = 'y';
		snprintf(expect, sizeof(expect), "x%sy", want[c]);
		snprintf(what, sizeof(what), "control 0x%02x", c);
		assert_escape(in, 3, expect, what);
	}
}
END_TEST

static const struct escape_case {
	const char *name;
	const char *in;
	size_t len; /* 0: strlen(in) */
	const char *want;
} escape_cases[] = {
	{ "empty", "", 0, "" },
	{ "plain", "hello world", 0, "hello world" },
	{ "quote", "say \"hi\"", 0, "say \\\"hi\\\"" },
	{ "backslash", "C:\\dir\\", 0, "C:\\\\dir\\\\" },
	{ "solidus and DEL kept", "a/b\x7f", 0, "a/b\x7f" },
	{ "NUL inside", "a\0b", 3, "a\\u0000b" },
	{ "only NUL", "\0", 1, "\\u0000" },
	/* well-formed UTF-8 passes through, at every boundary of table 3-7 */
	{ "U+0080", "\xc2\x80", 0, "\xc2\x80" },
	{ "U+00E9", "caf\xc3\xa9", 0, "caf\xc3\xa9" },
	{ "U+07FF", "\xdf\xbf", 0, "\xdf\xbf" },
	{ "U+0800", "\xe0\xa0\x80", 0, "\xe0\xa0\x80" },
	{ "U+20AC", "\xe2\x82\xac 5", 0, "\xe2\x82\xac 5" },
	{ "U+D7FF", "\xed\x9f\xbf", 0, "\xed\x9f\xbf" },
	{ "U+E000", "\xee\x80\x80", 0, "\xee\x80\x80" },
	{ "U+FFFF", "\xef\xbf\xbf", 0, "\xef\xbf\xbf" },
	{ "U+10000", "\xf0\x90\x80\x80", 0, "\xf0\x90\x80\x80" },
	{ "U+1F600", "\xf0\x9f\x98\x80", 0, "\xf0\x9f\x98\x80" },
	{ "U+10FFFF", "\xf4\x8f\xbf\xbf", 0, "\xf4\x8f\xbf\xbf" },
	{ "mixed", "\xc3\xa9\"\xe2\x82\xac\n", 0, "\xc3\xa9\\\"\xe2\x82\xac\\n" },
	/* stray continuation bytes */
	{ "lone 80", "\x80", 0, "\\u0080" },
	{ "lone BF", "a\xbf" "b", 0, "a\\u00bfb" },
	{ "two continuations", "\x80\x80", 0, "\\u0080\\u0080" },
	/* bytes that never start a sequence */
	{ "C0", "\xc0\x80", 0, "\\u00c0\\u0080" },
	{ "C1", "\xc1\xbf", 0, "\\u00c1\\u00bf" },
	{ "F5", "\xf5\x80\x80\x80", 0, "\\u00f5\\u0080\\u0080\\u0080" },
	{ "FE", "\xfe", 0, "\\u00fe" },
	{ "FF", "\xff", 0, "\\u00ff" },
	/* overlongs */
	{ "overlong 3-byte", "\xe0\x80\x80", 0, "\\u00e0\\u0080\\u0080" },
	{ "overlong 3-byte U+07FF", "\xe0\x9f\xbf", 0, "\\u00e0\\u009f\\u00bf" },
	{ "overlong 4-byte", "\xf0\x80\x80\x80", 0,
	    "\\u00f0\\u0080\\u0080\\u0080" },
	{ "overlong 4-byte U+FFFF", "\xf0\x8f\xbf\xbf", 0,
	    "\\u00f0\\u008f\\u00bf\\u00bf" },
	/* UTF-16 surrogates */
	{ "surrogate D800", "\xed\xa0\x80", 0, "\\u00ed\\u00a0\\u0080" },
	{ "surrogate DFFF", "\xed\xbf\xbf", 0, "\\u00ed\\u00bf\\u00bf" },
	{ "surrogate pair as CESU-8", "\xed\xa0\xbd\xed\xb8\x80", 0,
	    "\\u00ed\\u00a0\\u00bd\\u00ed\\u00b8\\u0080" },
	/* above U+10FFFF */
	{ "U+110000", "\xf4\x90\x80\x80", 0, "\\u00f4\\u0090\\u0080\\u0080" },
	{ "F7 BF BF BF", "\xf7\xbf\xbf\xbf", 0, "\\u00f7\\u00bf\\u00bf\\u00bf" },
	/* sequences cut short, at the end and before ASCII */
	{ "truncated 2 at end", "ab\xc3", 0, "ab\\u00c3" },
	{ "truncated 3 at end", "\xe2\x82", 0, "\\u00e2\\u0082" },
	{ "truncated 4 at end", "\xf0\x9f\x98", 0, "\\u00f0\\u009f\\u0098" },
	{ "truncated 2 before ASCII", "\xc3" "A", 0, "\\u00c3A" },
	{ "truncated 3 before ASCII", "\xe2\x82" "A", 0, "\\u00e2\\u0082A" },
	{ "truncated 4 before quote", "\xf0\x9f\x98\"", 0,
	    "\\u00f0\\u009f\\u0098\\\"" },
	{ "truncated then valid", "\xe2\xc3\xa9", 0, "\\u00e2\xc3\xa9" },
	{ "5-byte form", "\xf8\x88\x80\x80\x80", 0,
	    "\\u00f8\\u0088\\u0080\\u0080\\u0080" },
};

START_TEST(test_escape_table)
{
	const struct escape_case *c = &escape_cases[_i];

	assert_escape(c->in, c->len ? c->len : strlen(c->in), c->want, c->name);
}
END_TEST

/* Writer output as a C string; the buffer stays with sb. */
static const char *
writer_text(struct strbuf *sb)
{
	const char *s = strbuf_cstr(sb);

	ck_assert_ptr_nonnull(s);
	return s;
}

START_TEST(test_writer_nesting)
{
	struct strbuf sb;
	struct json_writer w;

	strbuf_init(&sb);
	json_writer_init(&w, &sb);
	json_object_begin(&w);
	json_key(&w, "a", 1);
	json_int(&w, 1);
	json_key(&w, "b", 1);
	json_array_begin(&w);
	json_int(&w, 1);
	json_cstring(&w, "two");
	json_object_begin(&w);
	json_key(&w, "c", 1);
	json_null(&w);
	json_key(&w, "d", 1);
	json_bool(&w, true);
	json_object_end(&w);
	json_array_begin(&w);
	json_array_end(&w);
	json_bool(&w, false);
	json_array_end(&w);
	json_key(&w, "e\"\n", 3);
	json_object_begin(&w);
	json_object_end(&w);
	json_key(&w, "f", 1);
	json_string(&w, "x\0y", 3);
	json_object_end(&w);
	ck_assert(!w.failed);
	ck_assert_int_eq(w.depth, 0);
	ck_assert_str_eq(writer_text(&sb),
	    "{\"a\":1,\"b\":[1,\"two\",{\"c\":null,\"d\":true},[],false],"
	    "\"e\\\"\\n\":{},\"f\":\"x\\u0000y\"}");
	strbuf_free(&sb);
}
END_TEST

/* The unescaped shortcuts and a splice leave the writer as the long way does. */
START_TEST(test_writer_ascii_and_splice)
{
	struct strbuf sb, rec;
	struct json_writer w;
	size_t mark;

	/* record the move from "a":0 to "b":{"c": with the plain calls */
	strbuf_init(&rec);
	json_writer_init(&w, &rec);
	json_object_begin(&w);
	json_key_ascii(&w, "a", 1);
	json_int(&w, 0);
	mark = rec.len;
	json_key_ascii(&w, "b", 1);
	json_object_begin(&w);
	json_key_ascii(&w, "c", 1);
	ck_assert_int_eq(w.depth, 2);

	strbuf_init(&sb);
	json_writer_init(&w, &sb);
	json_object_begin(&w);
	json_key_ascii(&w, "a", 1);
	json_string_ascii(&w, "2026-11-27T16:59:37.000123Z", 27);
	json_splice(&w, rec.data + mark, rec.len - mark, 2, true);
	json_string_ascii(&w, "x", 1);
	json_key_ascii(&w, "d", 1);
	json_int(&w, 4);
	json_object_end(&w);
	json_splice(&w, "", 0, 1, false);
	json_key(&w, "e", 1);
	json_string_ascii(&w, "", 0);
	json_object_end(&w);
	ck_assert(!w.failed);
	ck_assert_int_eq(w.depth, 0);
	ck_assert_str_eq(writer_text(&sb),
	    "{\"a\":\"2026-11-27T16:59:37.000123Z\",\"b\":{\"c\":\"x\",\"d\":4},\"e\":\"\"}");
	/* a depth the writer cannot hold fails it */
	json_splice(&w, "{", 1, JSON_WRITER_MAX_DEPTH + 1, true);
	ck_assert(w.failed);
	strbuf_free(&sb);
	strbuf_free(&rec);
}
END_TEST

static const struct int_case {
	int64_t v;
	const char *want;
} int_cases[] = {
	{ 0, "0" },
	{ 7, "7" },
	{ -1, "-1" },
	{ 10, "10" },
	{ -10, "-10" },
	/* the writer takes two digits at a time: around each pair */
	{ 9, "9" },
	{ 99, "99" },
	{ 100, "100" },
	{ 101, "101" },
	{ 999, "999" },
	{ 1000, "1000" },
	{ 65535, "65535" },
	{ -99, "-99" },
	{ -100, "-100" },
	{ 1234567890123LL, "1234567890123" },
	{ INT64_MAX, "9223372036854775807" },
	{ INT64_MIN, "-9223372036854775808" },
	{ INT64_MIN + 1, "-9223372036854775807" },
};

START_TEST(test_writer_int)
{
	struct strbuf sb;
	struct json_writer w;

	strbuf_init(&sb);
	json_writer_init(&w, &sb);
	json_int(&w, int_cases[_i].v);
	ck_assert(!w.failed);
	ck_assert_str_eq(writer_text(&sb), int_cases[_i].want);
	strbuf_free(&sb);
}
END_TEST

START_TEST(test_writer_double)
{
	struct strbuf sb;
	struct json_writer w;

	strbuf_init(&sb);
	json_writer_init(&w, &sb);
	json_array_begin(&w);
	json_double(&w, 0.5);
	json_double(&w, 0.1);
	json_double(&w, -3);
	json_double(&w, 1.0 / 3.0);
	json_double(&w, 1.0 / 0.0);
	json_double(&w, 0.0 / 0.0);
	json_array_end(&w);
	ck_assert(!w.failed);
	ck_assert_str_eq(writer_text(&sb),
	    "[0.5,0.1,-3,0.33333333333333331,null,null]");
	strbuf_free(&sb);
}
END_TEST

START_TEST(test_writer_depth_limit)
{
	struct strbuf sb;
	struct json_writer w;
	int i;

	strbuf_init(&sb);
	json_writer_init(&w, &sb);
	for (i = 0; i < JSON_WRITER_MAX_DEPTH; i++)
		json_array_begin(&w);
	ck_assert(!w.failed);
	for (i = 0; i < JSON_WRITER_MAX_DEPTH; i++)
		json_array_end(&w);
	ck_assert(!w.failed);
	ck_assert_uint_eq(sb.len, 2 * JSON_WRITER_MAX_DEPTH);

	strbuf_reset(&sb);
	json_writer_init(&w, &sb);
	for (i = 0; i <= JSON_WRITER_MAX_DEPTH; i++)
		json_object_begin(&w);
	ck_assert(w.failed);
	/* nothing more is written once failed */
	i = (int)sb.len;
	json_int(&w, 5);
	json_object_end(&w);
	ck_assert_int_eq((int)sb.len, i);

	/* a close without open fails too */
	strbuf_reset(&sb);
	json_writer_init(&w, &sb);
	json_array_end(&w);
	ck_assert(w.failed);
	strbuf_free(&sb);
}
END_TEST

START_TEST(test_strbuf_growth)
{
	struct strbuf sb;
	size_t i;

	strbuf_init(&sb);
	for (i = 0; i < 100000; i++)
		ck_assert_int_eq(strbuf_append_char(&sb, (char)('a' + i % 26)), 0);
	ck_assert_uint_eq(sb.len, 100000);
	ck_assert(sb.cap >= sb.len && sb.cap < 4 * sb.len);
	ck_assert_int_eq(sb.data[99999], 'a' + 99999 % 26);
	ck_assert_int_eq(strbuf_append_str(&sb, "end"), 0);
	ck_assert_str_eq(strbuf_cstr(&sb) + 100000, "end");
	/* a request whose size overflows fails cleanly */
	ck_assert_int_eq(strbuf_reserve(&sb, SIZE_MAX - 1), -1);
	ck_assert_uint_eq(sb.len, 100003);
	strbuf_reset(&sb);
	ck_assert_uint_eq(sb.len, 0);
	ck_assert(sb.cap >= 100003);
	strbuf_free(&sb);
	ck_assert_ptr_null(sb.data);
}
END_TEST

/* Parse exactly len bytes of JSON, or fail the test. */
static struct json_object *
parse_exact(const char *s, size_t len)
{
	struct json_tokener *tok;
	struct json_object *o;

	tok = json_tokener_new();
	ck_assert_ptr_nonnull(tok);
	o = json_tokener_parse_ex(tok, s, (int)len);
	ck_assert_msg(o != NULL, "does not parse: %.*s", (int)len, s);
	ck_assert_int_eq(tok->char_offset, (int)len);
	json_tokener_free(tok);
	return o;
}

/* Structural equality of two libfastjson values. */
static int
fjson_equal(struct json_object *a, struct json_object *b)
{
	struct json_object_iterator it, end;
	struct json_object *bv;
	int i, n;

	if (json_object_get_type(a) != json_object_get_type(b))
		return 0;
	switch (json_object_get_type(a)) {
	case json_type_null:
		return 1;
	case json_type_boolean:
		return json_object_get_boolean(a) == json_object_get_boolean(b);
	case json_type_int:
		return json_object_get_int64(a) == json_object_get_int64(b);
	case json_type_double:
		return json_object_get_double(a) == json_object_get_double(b);
	case json_type_string:
		return json_object_get_string_len(a) == json_object_get_string_len(b) &&
		    memcmp(json_object_get_string(a), json_object_get_string(b),
		    (size_t)json_object_get_string_len(a)) == 0;
	case json_type_array:
		n = json_object_array_length(a);
		if (n != json_object_array_length(b))
			return 0;
		for (i = 0; i < n; i++)
			if (!fjson_equal(json_object_array_get_idx(a, i),
			    json_object_array_get_idx(b, i)))
				return 0;
		return 1;
	case json_type_object:
		if (json_object_object_length(a) != json_object_object_length(b))
			return 0;
		it = json_object_iter_begin(a);
		end = json_object_iter_end(a);
		for (; !json_object_iter_equal(&it, &end); json_object_iter_next(&it)) {
			if (!json_object_object_get_ex(b,
			    json_object_iter_peek_name(&it), &bv))
				return 0;
			if (!fjson_equal(json_object_iter_peek_value(&it), bv))
				return 0;
		}
		return 1;
	}
	return 0;
}

START_TEST(test_fjson_walk)
{
	static const char doc[] =
	    "{\"user\":{\"target\":{\"name\":\"bob\",\"id\":\"1001\"}},"
	    "\"event.tags\":[\"iam.user.create\",\"linux\"],"
	    "\"event.action\":\"user-created\",\"count\":-42,"
	    "\"big\":9223372036854775807,\"ratio\":0.25,\"ok\":true,"
	    "\"no\":false,\"none\":null,\"empty\":{},\"list\":[],"
	    "\"nested\":[[1,[2,[3]]],{\"a\":{\"b\":{\"c\":\"d\"}}}],"
	    "\"esc\":\"tab\\there \\\"q\\\" nul\\u0000 \\u00e9 \\ud83d\\ude00\"}";
	struct json_object *in, *back;
	struct strbuf sb;
	struct json_writer w;

	in = parse_exact(doc, sizeof(doc) - 1);
	strbuf_init(&sb);
	json_writer_init(&w, &sb);
	json_value_fjson(&w, in);
	ck_assert(!w.failed);
	ck_assert_int_eq(w.depth, 0);
	back = parse_exact(sb.data, sb.len);
	ck_assert(fjson_equal(in, back));
	ck_assert(fjson_equal(back, in));
	/* the walk keeps libfastjson's member order */
	ck_assert(memcmp(sb.data, "{\"user\":{\"target\":{\"name\":\"bob\"", 31) == 0);
	json_object_put(back);

	/* NULL is JSON null */
	strbuf_reset(&sb);
	json_writer_init(&w, &sb);
	json_value_fjson(&w, NULL);
	ck_assert_str_eq(writer_text(&sb), "null");
	json_object_put(in);
	strbuf_free(&sb);
}
END_TEST

START_TEST(test_fjson_walk_too_deep)
{
	struct json_object *root, *o, *child;
	struct strbuf sb;
	struct json_writer w;
	int i;

	/* 40 nested arrays: deeper than the writer allows */
	root = o = json_object_new_array();
	for (i = 0; i < 40; i++) {
		child = json_object_new_array();
		json_object_array_add(o, child);
		o = child;
	}
	strbuf_init(&sb);
	json_writer_init(&w, &sb);
	json_value_fjson(&w, root);
	ck_assert(w.failed);
	ck_assert_uint_le(sb.len, JSON_WRITER_MAX_DEPTH + 1);
	json_object_put(root);
	strbuf_free(&sb);
}
END_TEST

/* Deterministic generator for the property test (xorshift64*). */
static uint64_t
rng_next(uint64_t *state)
{
	uint64_t x = *state;

	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	*state = x;
	return x * 0x2545f4914f6cdd1dULL;
}

/*
 * Decode one code point the slow way, independently of the writer: the
 * length of a well-formed sequence at s, or 0.
 */
static size_t
utf8_decode(const unsigned char *s, size_t len, uint32_t *cp)
{
	static const uint32_t min_cp[5] = { 0, 0, 0x80, 0x800, 0x10000 };
	size_t n, i;
	uint32_t v;

	if (s[0] < 0x80) {
		*cp = s[0];
		return 1;
	}
	if ((s[0] & 0xe0) == 0xc0) {
		n = 2;
		v = s[0] & 0x1f;
	} else if ((s[0] & 0xf0) == 0xe0) {
		n = 3;
		v = s[0] & 0x0f;
	} else if ((s[0] & 0xf8) == 0xf0) {
		n = 4;
		v = s[0] & 0x07;
	} else
		return 0;
	if (n > len)
		return 0;
	for (i = 1; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		v = (v << 6) | (s[i] & 0x3f);
	}
	if (v < min_cp[n] || v > 0x10ffff || (v >= 0xd800 && v <= 0xdfff))
		return 0;
	*cp = v;
	return n;
}

/* Whether s[0..len) is entirely well-formed UTF-8. */
static int
utf8_valid(const unsigned char *s, size_t len)
{
	size_t i = 0, n;
	uint32_t cp;

	while (i < len) {
		if ((n = utf8_decode(s + i, len - i, &cp)) == 0)
			return 0;
		i += n;
	}
	return 1;
}

/*
 * What a JSON reader must get back: valid sequences unchanged, every other
 * byte b as the UTF-8 encoding of U+00b.
 */
static size_t
expected_decoding(const unsigned char *s, size_t len, unsigned char *out)
{
	size_t i = 0, o = 0, n;
	uint32_t cp;

	while (i < len) {
		if ((n = utf8_decode(s + i, len - i, &cp)) > 0) {
			memcpy(out + o, s + i, n);
			o += n;
			i += n;
		} else {
			out[o++] = (unsigned char)(0xc0 | (s[i] >> 6));
			out[o++] = (unsigned char)(0x80 | (s[i] & 0x3f));
			i++;
		}
	}
	return o;
}

/* A random string, biased towards the interesting bytes. */
static size_t
random_input(uint64_t *state, unsigned char *buf, size_t cap)
{
	static const char *const pieces[] = {
		"\xc3\xa9", "\xe2\x82\xac", "\xf0\x9f\x98\x80", "\xf4\x8f\xbf\xbf",
		"\xed\x9f\xbf", "\xee\x80\x80", "\"", "\\", "\n", "a", "Z ",
	};
	size_t len = rng_next(state) % cap, i = 0, n;
	const char *p;
	uint64_t r;

	while (i < len) {
		r = rng_next(state);
		if (r % 3 == 0) {
			buf[i++] = (unsigned char)(r >> 8);
		} else if (r % 3 == 1) {
			buf[i++] = (unsigned char)(0x20 + (r >> 8) % 0x5f);
		} else {
			p = pieces[(r >> 8) % (sizeof(pieces) / sizeof(pieces[0]))];
			n = strlen(p);
			if (n > len - i)
				n = len - i; /* may cut a sequence: intended */
			memcpy(buf + i, p, n);
			i += n;
		}
	}
	return len;
}

START_TEST(test_escape_property)
{
	unsigned char in[80], expect[160];
	struct json_tokener *tok;
	struct json_object *o;
	struct strbuf sb;
	uint64_t state = 0x5eed1e55c0ffeeULL;
	size_t len, elen, i;
	int n, nvalid = 0;

	strbuf_init(&sb);
	tok = json_tokener_new();
	for (n = 0; n < 10000; n++) {
		len = random_input(&state, in, sizeof(in));
		strbuf_reset(&sb);
		ck_assert_int_eq(strbuf_append_char(&sb, '"'), 0);
		ck_assert_int_eq(json_escape_append(&sb, (const char *)in, len), 0);
		ck_assert_int_eq(strbuf_append_char(&sb, '"'), 0);
		/* libfastjson is lax: check strictness ourselves */
		ck_assert(utf8_valid((const unsigned char *)sb.data, sb.len));
		for (i = 0; i < sb.len; i++)
			ck_assert_uint_ge((unsigned char)sb.data[i], 0x20);
		json_tokener_reset(tok);
		o = json_tokener_parse_ex(tok, sb.data, (int)sb.len);
		ck_assert_msg(o != NULL, "case %d does not parse", n);
		ck_assert_int_eq(tok->char_offset, (int)sb.len);
		ck_assert(json_object_is_type(o, json_type_string));
		elen = expected_decoding(in, len, expect);
		ck_assert_int_eq(json_object_get_string_len(o), (int)elen);
		ck_assert(memcmp(json_object_get_string(o), expect, elen) == 0);
		if (utf8_valid(in, len)) {
			/* valid input round-trips to identical bytes */
			nvalid++;
			ck_assert_uint_eq(elen, len);
			ck_assert(memcmp(json_object_get_string(o), in, len) == 0);
		}
		json_object_put(o);
	}
	/* the generator must exercise both sides */
	ck_assert_int_gt(nvalid, 500);
	ck_assert_int_lt(nvalid, 9500);
	json_tokener_free(tok);
	strbuf_free(&sb);
}
END_TEST

/* The escaper one byte at a time, independently of the writer's scanning. */
static size_t
reference_escape(const unsigned char *s, size_t len, char *out)
{
	static const char hex[] = "0123456789abcdef";
	size_t i = 0, o = 0, n;
	uint32_t cp;

	while (i < len) {
		n = utf8_decode(s + i, len - i, &cp);
		if (n > 1 || (n == 1 && s[i] >= 0x20 && s[i] != '"' && s[i] != '\\')) {
			memcpy(out + o, s + i, n);
			o += n;
			i += n;
			continue;
		}
		out[o++] = '\\';
		switch (s[i]) {
		case '"': out[o++] = '"'; break;
		case '\\': out[o++] = '\\'; break;
		case '\b': out[o++] = 'b'; break;
		case '\f': out[o++] = 'f'; break;
		case '\n': out[o++] = 'n'; break;
		case '\r': out[o++] = 'r'; break;
		case '\t': out[o++] = 't'; break;
		default:
			out[o++] = 'u';
			out[o++] = '0';
			out[o++] = '0';
			out[o++] = hex[s[i] >> 4];
			out[o++] = hex[s[i] & 0xf];
		}
		i++;
	}
	return o;
}

/*
 * in[0..len) through the writer, as a string and as a key: the quoted
 * expect[0..elen) (json_quoted checks a short string whole before it
 * calls the escaper).
 */
static void
assert_writer_string(const unsigned char *in, size_t len, const char *expect, size_t elen)
{
	struct strbuf sb;
	struct json_writer w;

	strbuf_init(&sb);
	json_writer_init(&w, &sb);
	json_array_begin(&w);
	json_string(&w, (const char *)in, len);
	json_array_end(&w);
	ck_assert(!w.failed);
	ck_assert_msg(sb.len == elen + 4 && memcmp(sb.data, "[\"", 2) == 0 &&
	    memcmp(sb.data + 2, expect, elen) == 0 && memcmp(sb.data + 2 + elen, "\"]", 2) == 0,
	    "json_string of %zu bytes", len);
	strbuf_reset(&sb);
	json_writer_init(&w, &sb);
	json_object_begin(&w);
	json_key(&w, (const char *)in, len);
	json_null(&w);
	json_object_end(&w);
	ck_assert(!w.failed);
	ck_assert_msg(sb.len == elen + 9 && memcmp(sb.data + 2, expect, elen) == 0 &&
	    memcmp(sb.data + 2 + elen, "\":null}", 7) == 0, "json_key of %zu bytes", len);
	strbuf_free(&sb);
}

/*
 * The escaper scans 16 and 8 bytes at a time: a special byte or sequence
 * at every offset of plain runs of every length around those steps
 * (including sequences cut by the end or straddling a 16-byte step) must
 * come out as the byte-at-a-time reference says.
 */
static const char *const boundary_pieces[] = {
	"\"", "\\", "\n", "\x01", "\x1f", "\x7f", " ", "~", "\x80", "\xbf", "\xff",
	"\xc3\xa9", "\xe2\x82\xac", "\xf0\x9f\x98\x80", "\xe2\x82", "\xc0\xaf",
	"\xed\xa0\x80", "\xf4\x90\x80\x80",
};

START_TEST(test_escape_boundaries)
{
	const char *piece = boundary_pieces[_i];
	size_t plen = strlen(piece), len, pos, elen;
	unsigned char in[80];
	char expect[80 * 6];
	struct strbuf sb;

	strbuf_init(&sb);
	for (len = 0; len <= 50; len++) {
		for (pos = 0; pos <= len; pos++) {
			size_t n = len - pos < plen ? len - pos : plen;

			memset(in, 'a', len);
			memcpy(in + pos, piece, n); /* cut by the end when it does not fit */
			if (len > 2 && pos + n < len - 1)
				in[len - 1] = '"'; /* and a second special at the end */
			strbuf_reset(&sb);
			ck_assert_int_eq(json_escape_append(&sb, (const char *)in, len), 0);
			elen = reference_escape(in, len, expect);
			ck_assert_msg(sb.len == elen &&
			    (elen == 0 || memcmp(sb.data, expect, elen) == 0),
			    "piece %zu at %zu of %zu", (size_t)_i, pos, len);
			assert_writer_string(in, len, expect, elen);
		}
	}
	strbuf_free(&sb);
}
END_TEST

/*
 * Every byte value at every position of plain runs of 1 to 50 bytes: the
 * short strings checked whole (4-byte loads for 4 to 7 bytes, 8-byte ones
 * for 8 to 15), the 16-byte steps stored ahead (16 and up, three steps)
 * and the tail taken from the last 16 bytes, through the escaper and
 * through json_string and json_key.
 */
START_TEST(test_escape_every_byte)
{
	unsigned char in[56];
	char expect[56 * 6];
	struct strbuf sb;
	size_t len, pos, elen;
	unsigned b = (unsigned)_i;

	strbuf_init(&sb);
	for (len = 1; len <= 50; len++) {
		for (pos = 0; pos < len; pos++) {
			memset(in, 'a', len);
			in[pos] = (unsigned char)b;
			strbuf_reset(&sb);
			ck_assert_int_eq(json_escape_append(&sb, (const char *)in, len), 0);
			elen = reference_escape(in, len, expect);
			ck_assert_msg(sb.len == elen && memcmp(sb.data, expect, elen) == 0,
			    "byte 0x%02x at %zu of %zu", b, pos, len);
			assert_writer_string(in, len, expect, elen);
		}
	}
	strbuf_free(&sb);
}
END_TEST

/*
 * An escape, then a special byte or sequence after it at every distance:
 * the escaper copies 16 bytes ahead and reuses the last 16 of the input
 * for the tail only when no escape came since, so where the last escape
 * lies against the 16-byte steps and the tail matters.
 */
START_TEST(test_escape_two_specials)
{
	const char *piece = boundary_pieces[_i];
	size_t plen = strlen(piece), len, p1, p2, elen;
	unsigned char in[64];
	char expect[64 * 6];
	struct strbuf sb;

	strbuf_init(&sb);
	for (len = 2; len <= 50; len++) {
		for (p1 = 0; p1 < len; p1++) {
			for (p2 = p1 + 1; p2 < len; p2++) {
				size_t n = len - p2 < plen ? len - p2 : plen;

				memset(in, 'a', len);
				in[p1] = p1 % 2 ? '\x01' : '"'; /* \u0001 or \" */
				memcpy(in + p2, piece, n);
				strbuf_reset(&sb);
				ck_assert_int_eq(json_escape_append(&sb, (const char *)in, len), 0);
				elen = reference_escape(in, len, expect);
				ck_assert_msg(sb.len == elen && memcmp(sb.data, expect, elen) == 0,
				    "escape at %zu, piece %zu at %zu of %zu", p1, (size_t)_i, p2, len);
				assert_writer_string(in, len, expect, elen);
			}
		}
	}
	strbuf_free(&sb);
}
END_TEST

#define GUARD_LEN 32

/* sb with exactly cap bytes of room, and guard bytes after them in the allocation. */
static void
tight_init(struct strbuf *sb, size_t cap)
{
	sb->data = malloc(cap + GUARD_LEN);
	ck_assert_ptr_nonnull(sb->data);
	memset(sb->data + cap, 0xa5, GUARD_LEN);
	sb->len = 0;
	sb->cap = cap;
}

/* Nothing was written past cap (unless the buffer grew: then it is all sb's). */
static void
tight_check(const struct strbuf *sb, size_t cap, const char *what, size_t len)
{
	size_t k;

	if (sb->cap != cap)
		return;
	for (k = 0; k < GUARD_LEN; k++)
		ck_assert_msg((unsigned char)sb->data[cap + k] == 0xa5,
		    "%s of %zu bytes wrote past its room (+%zu)", what, len, k);
}

/*
 * The escaper stores 16 bytes ahead and its tail overlaps output already
 * written: with the room exactly what json_escape_append and json_string
 * reserve (len + 2; len + 3 and a comma), no byte may land past it.
 * Inputs as test_escape_boundaries, up to 70 bytes.
 */
START_TEST(test_escape_tight_room)
{
	const char *piece = boundary_pieces[_i];
	size_t plen = strlen(piece), len, pos, elen, cap;
	unsigned char in[80];
	char expect[80 * 6];
	struct strbuf sb;
	struct json_writer w;

	for (len = 0; len <= 70; len++) {
		for (pos = 0; pos <= len; pos++) {
			size_t n = len - pos < plen ? len - pos : plen;

			memset(in, 'a', len);
			memcpy(in + pos, piece, n);
			elen = reference_escape(in, len, expect);

			cap = len + 2;
			tight_init(&sb, cap);
			ck_assert_int_eq(json_escape_append(&sb, (const char *)in, len), 0);
			ck_assert(sb.len == elen && memcmp(sb.data, expect, elen) == 0);
			tight_check(&sb, cap, "json_escape_append", len);
			strbuf_free(&sb);

			cap = len + 4;
			tight_init(&sb, cap);
			json_writer_init(&w, &sb);
			json_string(&w, (const char *)in, len);
			ck_assert(!w.failed);
			ck_assert(sb.len == elen + 2 && memcmp(sb.data + 1, expect, elen) == 0);
			tight_check(&sb, cap, "json_string", len);
			strbuf_free(&sb);
		}
	}
}
END_TEST

Suite *
unit_suite(void)
{
	Suite *s = suite_create("json_writer");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, test_escape_control_chars);
	tcase_add_loop_test(tc, test_escape_table, 0,
	    (int)(sizeof(escape_cases) / sizeof(escape_cases[0])));
	tcase_add_test(tc, test_writer_nesting);
	tcase_add_test(tc, test_writer_ascii_and_splice);
	tcase_add_loop_test(tc, test_writer_int, 0,
	    (int)(sizeof(int_cases) / sizeof(int_cases[0])));
	tcase_add_test(tc, test_writer_double);
	tcase_add_test(tc, test_writer_depth_limit);
	tcase_add_test(tc, test_strbuf_growth);
	tcase_add_test(tc, test_fjson_walk);
	tcase_add_test(tc, test_fjson_walk_too_deep);
	tcase_add_test(tc, test_escape_property);
	tcase_add_loop_test(tc, test_escape_boundaries, 0,
	    (int)(sizeof(boundary_pieces) / sizeof(boundary_pieces[0])));
	tcase_add_loop_test(tc, test_escape_every_byte, 0, 256);
	tcase_add_loop_test(tc, test_escape_two_specials, 0,
	    (int)(sizeof(boundary_pieces) / sizeof(boundary_pieces[0])));
	tcase_add_loop_test(tc, test_escape_tight_room, 0,
	    (int)(sizeof(boundary_pieces) / sizeof(boundary_pieces[0])));
	tcase_set_timeout(tc, 60);
	suite_add_tcase(s, tc);
	return s;
}

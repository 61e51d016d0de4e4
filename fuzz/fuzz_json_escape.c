/*
 * fuzz_json_escape.c: libFuzzer target for json_escape_append.
 *
 * Whatever the bytes, the quoted output must be valid UTF-8 with no raw
 * control character, parse with libfastjson as exactly one string, and
 * decode to the input with each invalid byte b replaced by U+00b.  The
 * writer's json_string and json_key (which check a short string whole
 * before the escaper) must give the same bytes as the escaper.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "json_writer.h"

/* Length of the well-formed UTF-8 sequence at s, or 0 (decoded, not tabled). */
static size_t
fuzz_utf8_decode(const unsigned char *s, size_t len)
{
	static const uint32_t min_cp[5] = { 0, 0, 0x80, 0x800, 0x10000 };
	size_t n, i;
	uint32_t v;

	if (s[0] < 0x80)
		return 1;
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
	return n;
}

/* json_string and json_key of data write the quoted escape (quoted). */
static void
fuzz_writer_same(const uint8_t *data, size_t size, const struct strbuf *quoted)
{
	struct json_writer w;
	struct strbuf sb;

	strbuf_init(&sb);
	json_writer_init(&w, &sb);
	json_string(&w, (const char *)data, size);
	if (w.failed || sb.len != quoted->len || memcmp(sb.data, quoted->data, sb.len) != 0)
		abort();
	strbuf_reset(&sb);
	json_writer_init(&w, &sb);
	json_object_begin(&w);
	json_key(&w, (const char *)data, size);
	if (w.failed || sb.len != quoted->len + 2 ||
	    memcmp(sb.data + 1, quoted->data, quoted->len) != 0 || sb.data[sb.len - 1] != ':')
		abort();
	strbuf_free(&sb);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct json_tokener *tok;
	struct json_object *o;
	struct strbuf sb;
	unsigned char *expect;
	size_t i, n, elen = 0;

	if (size > 1 << 16)
		return 0;
	strbuf_init(&sb);
	if (strbuf_append_char(&sb, '"') == -1 ||
	    json_escape_append(&sb, (const char *)data, size) == -1 ||
	    strbuf_append_char(&sb, '"') == -1)
		abort();

	/* valid UTF-8 and no raw control characters */
	for (i = 0; i < sb.len; i += n) {
		if ((unsigned char)sb.data[i] < 0x20)
			abort();
		if ((n = fuzz_utf8_decode((const unsigned char *)sb.data + i,
		    sb.len - i)) == 0)
			abort();
	}

	/* what a reader must get back */
	if ((expect = malloc(2 * size + 1)) == NULL)
		abort();
	for (i = 0; i < size; i += n) {
		if ((n = fuzz_utf8_decode(data + i, size - i)) > 0) {
			memcpy(expect + elen, data + i, n);
			elen += n;
		} else {
			expect[elen++] = (unsigned char)(0xc0 | (data[i] >> 6));
			expect[elen++] = (unsigned char)(0x80 | (data[i] & 0x3f));
			n = 1;
		}
	}

	if ((tok = json_tokener_new()) == NULL)
		abort();
	o = json_tokener_parse_ex(tok, sb.data, (int)sb.len);
	if (o == NULL || tok->char_offset != (int)sb.len ||
	    !json_object_is_type(o, json_type_string) ||
	    json_object_get_string_len(o) != (int)elen ||
	    memcmp(json_object_get_string(o), expect, elen) != 0)
		abort();
	json_object_put(o);
	json_tokener_free(tok);
	free(expect);
	fuzz_writer_same(data, size, &sb);
	strbuf_free(&sb);
	return 0;
}

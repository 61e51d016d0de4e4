/*
 * fuzz_event.c: libFuzzer target for parse_message + event_format.
 *
 * Byte 0 chooses the options: bit 0 adds liblognorm-like fields (the
 * input after the first NUL, parsed as JSON; used when it is an object),
 * bits 1-2 the frame flags, bit 3 the transport.  The rest up to the NUL
 * is the frame, in an exact-size heap buffer.  The event must be one line
 * ending in '\n', parse with libfastjson's tokener as one object using
 * every byte before the newline, have no top-level "json" (event_ecs.h),
 * and leave the scratch buffer as it was.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "event.h"
#include "framing.h"
#include "parse.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define SCRATCH_MARK "scratch stays"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct json_tokener *tok;
	struct json_object *norm = NULL, *ev, *o;
	struct event_input in;
	struct syslog_msg msg;
	struct strbuf out, scratch;
	const uint8_t *nul;
	size_t flen, ml = sizeof(SCRATCH_MARK) - 1;
	char *frame;
	unsigned opt;

	if (size < 1 || size > 1 << 16)
		return 0;
	opt = data[0];
	data++;
	size--;
	flen = size;
	if ((opt & 1) && (nul = memchr(data, '\0', size)) != NULL) {
		flen = (size_t)(nul - data);
		if ((tok = json_tokener_new()) == NULL)
			abort();
		norm = json_tokener_parse_ex(tok, (const char *)nul + 1,
		    (int)(size - flen - 1));
		json_tokener_free(tok);
		if (norm != NULL && !json_object_is_type(norm, json_type_object)) {
			json_object_put(norm);
			norm = NULL;
		}
	}
	if ((frame = malloc(flen ? flen : 1)) == NULL)
		abort();
	memcpy(frame, data, flen);
	parse_message(frame, flen, (time_t)1700000000, &msg);

	memset(&in, 0, sizeof(in));
	in.raw = frame;
	in.raw_len = flen;
	in.msg = &msg;
	in.norm = norm;
	in.input_name = "fuzz";
	in.transport = (opt & 8) ? "tcp" : "udp";
	in.source_ip = "192.0.2.7";
	in.source_port = 5514;
	in.received.tv_sec = 1700000000;
	in.received.tv_nsec = 123456789;
	in.frame_flags = ((opt & 2) ? FRAME_TRUNCATED : 0) |
	    ((opt & 4) ? FRAME_BAD_COUNT : 0);

	strbuf_init(&out);
	strbuf_init(&scratch);
	if (strbuf_append(&scratch, SCRATCH_MARK, ml) == -1)
		abort();
	if (event_format(&out, &scratch, &in) != 0)
		abort();
	if (scratch.len != ml || memcmp(scratch.data, SCRATCH_MARK, ml) != 0)
		abort();
	if (out.len < 3 || out.data[out.len - 1] != '\n' ||
	    memchr(out.data, '\n', out.len - 1) != NULL)
		abort();

	if ((tok = json_tokener_new()) == NULL)
		abort();
	ev = json_tokener_parse_ex(tok, out.data, (int)out.len - 1);
	if (ev == NULL || tok->char_offset != (int)out.len - 1 ||
	    !json_object_is_type(ev, json_type_object) ||
	    !json_object_object_get_ex(ev, "@timestamp", &o) ||
	    !json_object_object_get_ex(ev, "event", &o) ||
	    !json_object_object_get_ex(o, "original", &o) ||
	    !json_object_is_type(o, json_type_string))
		abort();
	/* a JSON body goes under its source's namespace, never a shared "json" */
	if (json_object_object_get_ex(ev, "json", NULL))
		abort();
	json_object_put(ev);
	json_tokener_free(tok);
	if (norm != NULL)
		json_object_put(norm);
	strbuf_free(&out);
	strbuf_free(&scratch);
	free(frame);
	return 0;
}

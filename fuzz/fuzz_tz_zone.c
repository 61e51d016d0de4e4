/*
 * fuzz_tz_zone.c: libFuzzer target for the TZif reader (tz_zone.c), which
 * reads a file at start-up that a package upgrade or an operator's TZDIR
 * provides.
 *
 * Input: a TZif file.  Whatever it holds, the reader must refuse it or
 * give a zone whose lookups keep their contract: an exact fit reads back
 * (the instant's offset is the one used, wall = epoch + offset), and an
 * offset is within a day and two hours of UTC.
 */

#include <assert.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "tz_zone.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const int64_t walls[] = {
	    -4000000000LL, 0, 1774747800, 1792888200, 2147483647LL, 4109880600LL, 7258118400LL};
	unsigned char *copy = malloc(size ? size : 1);
	struct tz_zone *z;
	char err[128];
	size_t i;

	if (copy == NULL)
		return 0;
	memcpy(copy, data, size);
	z = tz_zone_parse(copy, size, err, sizeof(err));
	if (z == NULL) {
		assert(err[0] != '\0');
		free(copy);
		return 0;
	}
	for (i = 0; i < sizeof(walls) / sizeof(walls[0]); i++) {
		int64_t epoch;
		int32_t off;
		enum tz_fit fit = tz_zone_local_to_epoch(z, walls[i], walls[i], &epoch, &off);

		assert(off >= -26 * 3600 && off <= 26 * 3600);
		assert(tz_zone_offset_at(z, epoch) == off);
		if (fit == TZ_FIT_EXACT)
			assert(epoch + off == walls[i]);
	}
	tz_zone_free(z);
	free(copy);
	return 0;
}

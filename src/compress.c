/*
 * compress.c: streaming zstd and gzip compression between two descriptors,
 * one 64 KiB chunk at a time, so a gigabyte-sized day of archive costs the
 * retention thread the same memory as a small one.
 */
#include "config.h"

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <unistd.h>

#include <zlib.h>
#include <zstd.h>

#include "compress.h"

#define COMPRESS_CHUNK 65536
/* zstd's default level: about 4x on JSON lines at a few hundred MB/s */
#define COMPRESS_ZSTD_LEVEL 3

const char *
compress_format_name(enum compress_format f)
{
	switch (f) {
	case COMPRESS_ZSTD:
		return "zstd";
	case COMPRESS_GZIP:
		return "gzip";
	case COMPRESS_NONE:
		break;
	}
	return "none";
}

const char *
compress_suffix(enum compress_format f)
{
	switch (f) {
	case COMPRESS_ZSTD:
		return ".zst";
	case COMPRESS_GZIP:
		return ".gz";
	case COMPRESS_NONE:
		break;
	}
	return "";
}

/* write(2) all of buf, through short writes and EINTR. */
static int
compress_write_all(int fd, const unsigned char *buf, size_t len)
{
	while (len > 0) {
		ssize_t n = write(fd, buf, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -1;
		buf += n;
		len -= (size_t)n;
	}
	return 0;
}

/* read(2) up to len bytes, through EINTR; 0 at the end. */
static ssize_t
compress_read(int fd, unsigned char *buf, size_t len)
{
	ssize_t n;

	do
		n = read(fd, buf, len);
	while (n < 0 && errno == EINTR);
	return n;
}

/* One zstd frame: every chunk in, ZSTD_e_end at the end of the input. */
static int
compress_zstd(int in, int out, unsigned char *ibuf, unsigned char *obuf, atomic_bool *stop)
{
	ZSTD_CCtx *cc = ZSTD_createCCtx();
	int rc = -1, saved = EIO;
	bool last = false;

	if (cc == NULL) {
		errno = ENOMEM;
		return -1;
	}
	if (ZSTD_isError(ZSTD_CCtx_setParameter(cc, ZSTD_c_compressionLevel, COMPRESS_ZSTD_LEVEL)))
		goto fail;
	while (!last) {
		ssize_t n = compress_read(in, ibuf, COMPRESS_CHUNK);
		ZSTD_inBuffer ib = {ibuf, n > 0 ? (size_t)n : 0, 0};
		size_t left;

		if (n < 0 || atomic_load(stop)) {
			saved = n < 0 ? errno : ECANCELED;
			goto fail;
		}
		last = n == 0;
		do {
			ZSTD_outBuffer ob = {obuf, COMPRESS_CHUNK, 0};

			left =
			    ZSTD_compressStream2(cc, &ob, &ib, last ? ZSTD_e_end : ZSTD_e_continue);
			if (ZSTD_isError(left))
				goto fail;
			if (compress_write_all(out, obuf, ob.pos) == -1) {
				saved = errno;
				goto fail;
			}
		} while (last ? left != 0 : ib.pos < ib.size);
	}
	rc = 0;
fail:
	ZSTD_freeCCtx(cc);
	if (rc == -1)
		errno = saved;
	return rc;
}

/* One gzip member (RFC 1952): deflate with zlib's gzip wrapper (windowBits 15 + 16). */
static int
compress_gzip(int in, int out, unsigned char *ibuf, unsigned char *obuf, atomic_bool *stop)
{
	z_stream z = {0};
	int rc = -1, saved = EIO, flush = Z_NO_FLUSH, zr;

	if (deflateInit2(&z, Z_DEFAULT_COMPRESSION, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) !=
	    Z_OK) {
		errno = ENOMEM;
		return -1;
	}
	while (flush != Z_FINISH) {
		ssize_t n = compress_read(in, ibuf, COMPRESS_CHUNK);

		if (n < 0 || atomic_load(stop)) {
			saved = n < 0 ? errno : ECANCELED;
			goto fail;
		}
		flush = n == 0 ? Z_FINISH : Z_NO_FLUSH;
		z.next_in = ibuf;
		z.avail_in = (uInt)n;
		do {
			z.next_out = obuf;
			z.avail_out = COMPRESS_CHUNK;
			zr = deflate(&z, flush);
			if (zr == Z_STREAM_ERROR)
				goto fail;
			if (compress_write_all(out, obuf, COMPRESS_CHUNK - z.avail_out) == -1) {
				saved = errno;
				goto fail;
			}
		} while (z.avail_out == 0);
	}
	rc = zr == Z_STREAM_END ? 0 : -1;
fail:
	deflateEnd(&z);
	if (rc == -1)
		errno = saved;
	return rc;
}

int
compress_fd(int in, int out, enum compress_format f, atomic_bool *stop)
{
	unsigned char *ibuf = malloc(COMPRESS_CHUNK), *obuf = malloc(COMPRESS_CHUNK);
	int rc = -1, saved = EINVAL;

	if (ibuf == NULL || obuf == NULL)
		saved = ENOMEM;
	else if (f == COMPRESS_ZSTD) {
		rc = compress_zstd(in, out, ibuf, obuf, stop);
		saved = errno;
	} else if (f == COMPRESS_GZIP) {
		rc = compress_gzip(in, out, ibuf, obuf, stop);
		saved = errno;
	}
	free(ibuf);
	free(obuf);
	errno = saved;
	return rc;
}

/*
 * compress.h: one file descriptor's bytes compressed into another, as a
 * zstd frame (libzstd) or a gzip member (zlib), in bounded memory.  Used
 * by the archive's retention (retention.c) off the workers' path.
 */
#ifndef LOGWARD_COMPRESS_H
#define LOGWARD_COMPRESS_H

#include <stdatomic.h>

enum compress_format {
	COMPRESS_NONE,
	COMPRESS_ZSTD,
	COMPRESS_GZIP,
};

/* "none", "zstd", "gzip". */
const char *compress_format_name(enum compress_format f);

/* The file name suffix of a format: ".zst", ".gz" ("" for none). */
const char *compress_suffix(enum compress_format f);

/*
 * Read in from its current offset to its end and write the compressed
 * stream to out.  Returns 0, or -1 with errno set: a read or write error
 * (ENOSPC, EIO...), ENOMEM, EIO for a compressor failure, ECANCELED when
 * *stop became true between two chunks.  out then holds a partial stream:
 * the caller removes it.  Neither descriptor is closed or synced.
 */
int compress_fd(int in, int out, enum compress_format f, atomic_bool *stop);

#endif

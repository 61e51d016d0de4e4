/*
 * webhook_request.h: one HTTP request of a webhook, as curl sends it: a
 * POST of the body with the HTTP, Standard Webhooks (webhook_headers) and
 * configured headers; no redirect followed (SSRF), TLS verified, http and
 * https only, bounded by the webhook's timeout.  While it runs it keeps
 * the first WEBHOOK_RESPONSE_KEEP bytes of the response (for the
 * dead-letter file) and a Retry-After in seconds.
 *
 * deliver.c starts and finishes requests (curl_event.h); this file only
 * builds them.
 */
#ifndef LOGWARD_WEBHOOK_REQUEST_H
#define LOGWARD_WEBHOOK_REQUEST_H

#include <curl/curl.h>

#include "json_writer.h"

struct webhook_conf;

#define WEBHOOK_RESPONSE_KEEP 1024
#define WEBHOOK_RETRY_AFTER_MAX 3600     /* seconds: a longer Retry-After is cut to it */

struct webhook_request {
	CURL *easy;                      /* owned; NULL until prepared */
	struct strbuf body;              /* what is posted: filled by the caller */
	struct strbuf response;          /* the first WEBHOOK_RESPONSE_KEEP bytes */
	struct curl_slist *headers;      /* owned */
	long retry_after;                /* seconds; -1 when absent */
	char errbuf[CURL_ERROR_SIZE];
};

/* An empty request: fill body, then webhook_request_prepare. */
void webhook_request_init(struct webhook_request *rq);

/*
 * Build the headers and the curl handle for rq's body, sent to wc as
 * message id, signed with key when not NULL, with the configured header
 * lines extra (not owned).  priv becomes the handle's CURLINFO_PRIVATE.
 * 0, or -1 out of memory (rq stays freeable).
 */
int webhook_request_prepare(struct webhook_request *rq, const struct webhook_conf *wc,
    const unsigned char *key, size_t keylen, const struct curl_slist *extra, const char *id,
    void *priv);

/* Free what rq owns; its handle must be out of any multi already. */
void webhook_request_free(struct webhook_request *rq);

#endif

/*
 * webhook_request.c: the curl handle of one webhook request
 * (webhook_request.h).
 */
#include "config.h"

#include <stdint.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <curl/curl.h>

#include "conf.h"
#include "webhook.h"
#include "webhook_request.h"

/* curl: keep the first bytes of the response body for the dead-letter file. */
static size_t
request_writecb(char *ptr, size_t size, size_t nmemb, void *arg)
{
	struct webhook_request *rq = arg;
	size_t n = size * nmemb;
	size_t keep = rq->response.len < WEBHOOK_RESPONSE_KEEP ?
	    WEBHOOK_RESPONSE_KEEP - rq->response.len : 0;

	if (keep > n)
		keep = n;
	if (keep > 0)
		strbuf_append(&rq->response, ptr, keep);
	return n;
}

/* curl: pick Retry-After (delay-seconds form) out of the response headers. */
static size_t
request_headercb(char *ptr, size_t size, size_t nmemb, void *arg)
{
	struct webhook_request *rq = arg;
	size_t n = size * nmemb, i;
	long v = 0;

	if (n > 12 && strncasecmp(ptr, "Retry-After:", 12) == 0) {
		for (i = 12; i < n && (ptr[i] == ' ' || ptr[i] == '\t'); i++)
			;
		if (i < n && ptr[i] >= '0' && ptr[i] <= '9') {
			for (; i < n && ptr[i] >= '0' && ptr[i] <= '9'; i++)
				if ((v = v * 10 + (ptr[i] - '0')) > WEBHOOK_RETRY_AFTER_MAX)
					v = WEBHOOK_RETRY_AFTER_MAX;
			rq->retry_after = v;
		}
	}
	return n;
}

/* Append one header line; -1 out of memory (the list is kept). */
static int
request_header(struct webhook_request *rq, const char *line)
{
	struct curl_slist *n = curl_slist_append(rq->headers, line);

	if (n == NULL)
		return -1;
	rq->headers = n;
	return 0;
}

/* HTTP's headers, the Standard Webhooks ones (webhook.h), the configured ones. */
static int
request_headers(struct webhook_request *rq, const unsigned char *key, size_t keylen,
    const struct curl_slist *extra, const char *id)
{
	struct webhook_headers wh;
	const struct curl_slist *sl;
	size_t i;

	if (webhook_headers(key, keylen, id, (int64_t)time(NULL), rq->body.data, rq->body.len,
	    &wh) == -1 || request_header(rq, "Content-Type: application/json") == -1 ||
	    /* no "Expect: 100-continue" round trip before the body */
	    request_header(rq, "Expect:") == -1 ||
	    request_header(rq, "User-Agent: logward/" PACKAGE_VERSION) == -1)
		return -1;
	for (i = 0; i < wh.n; i++)
		if (request_header(rq, wh.line[i]) == -1)
			return -1;
	for (sl = extra; sl != NULL; sl = sl->next)
		if (request_header(rq, sl->data) == -1)
			return -1;
	return 0;
}

void
webhook_request_init(struct webhook_request *rq)
{
	memset(rq, 0, sizeof(*rq));
	strbuf_init(&rq->body);
	strbuf_init(&rq->response);
	rq->retry_after = -1;
}

int
webhook_request_prepare(struct webhook_request *rq, const struct webhook_conf *wc,
    const unsigned char *key, size_t keylen, const struct curl_slist *extra, const char *id,
    void *priv)
{
	CURL *e;

	if (request_headers(rq, key, keylen, extra, id) == -1 || (e = curl_easy_init()) == NULL)
		return -1;
	rq->easy = e;
	curl_easy_setopt(e, CURLOPT_URL, wc->url);
	curl_easy_setopt(e, CURLOPT_PRIVATE, priv);
	curl_easy_setopt(e, CURLOPT_ERRORBUFFER, rq->errbuf);
	curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(e, CURLOPT_POST, 1L);
	curl_easy_setopt(e, CURLOPT_POSTFIELDS, rq->body.data);
	curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)rq->body.len);
	curl_easy_setopt(e, CURLOPT_HTTPHEADER, rq->headers);
	curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, request_writecb);
	curl_easy_setopt(e, CURLOPT_WRITEDATA, rq);
	curl_easy_setopt(e, CURLOPT_HEADERFUNCTION, request_headercb);
	curl_easy_setopt(e, CURLOPT_HEADERDATA, rq);
	curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, (long)wc->timeout * 1000L);
	/* Standard Webhooks: a redirect is a failure, never followed (SSRF) */
	curl_easy_setopt(e, CURLOPT_FOLLOWLOCATION, 0L);
	curl_easy_setopt(e, CURLOPT_SSL_VERIFYPEER, 1L);
	curl_easy_setopt(e, CURLOPT_SSL_VERIFYHOST, 2L);
	if (wc->ca_file != NULL)
		curl_easy_setopt(e, CURLOPT_CAINFO, wc->ca_file);
#if LIBCURL_VERSION_NUM >= 0x075500
	curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http,https");
#else
	curl_easy_setopt(e, CURLOPT_PROTOCOLS, (long)(CURLPROTO_HTTP | CURLPROTO_HTTPS));
#endif
	return 0;
}

void
webhook_request_free(struct webhook_request *rq)
{
	if (rq->easy != NULL)
		curl_easy_cleanup(rq->easy);
	rq->easy = NULL;
	curl_slist_free_all(rq->headers);
	rq->headers = NULL;
	strbuf_free(&rq->body);
	strbuf_free(&rq->response);
}

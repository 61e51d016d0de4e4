/*
 * curl_event.h: libcurl's multi interface driven by a libevent loop
 * (curl's docs/examples/hiperfifo.c pattern): curl says which sockets to
 * watch and when to call it back; we watch them with events and call
 * curl_multi_socket_action, and hand each finished transfer to donecb.
 *
 * Everything runs on the thread of the event base given to
 * curl_event_new; nothing here is thread-safe.
 */
#ifndef LOGWARD_CURL_EVENT_H
#define LOGWARD_CURL_EVENT_H

#include <curl/curl.h>

struct event_base;
struct curl_event;

/*
 * Called once for each finished transfer, with the easy handle's
 * CURLINFO_PRIVATE as priv.  The handle is still in the multi: the
 * callee removes it (curl_event_remove) before freeing it.
 */
typedef void (*curl_event_donecb)(void *priv, CURLcode res);

/*
 * A multi handle on base; base must outlive it.  NULL when out of memory
 * or curl's multi cannot be made.
 */
struct curl_event *curl_event_new(struct event_base *base, curl_event_donecb donecb);

/* Start easy (curl_multi_add_handle).  0, or -1 when curl refused it. */
int curl_event_add(struct curl_event *ce, CURL *easy);

/* Take easy out of the multi (it stays the caller's to clean up). */
void curl_event_remove(struct curl_event *ce, CURL *easy);

/* Stop watching every socket and free; transfers still in it must be removed first. */
void curl_event_free(struct curl_event *ce);

#endif

/*
 * curl_event.c: libcurl's multi interface on a libevent loop (see
 * curl_event.h).  curl asks for socket watches (CURLMOPT_SOCKETFUNCTION)
 * and a timer (CURLMOPT_TIMERFUNCTION); both call curl_multi_socket_action
 * back, after which finished transfers are read and handed over.
 */
#include "config.h"

#include <stdlib.h>

#include <curl/curl.h>
#include <event2/event.h>

#include "curl_event.h"

/* A socket curl asked us to watch. */
struct watch {
	struct event *ev;
	struct watch *next, *prev;
};

struct curl_event {
	struct event_base *base;         /* not owned */
	CURLM *multi;
	struct event *timer;
	struct watch *watches;
	curl_event_donecb donecb;
};

/* curl's finished transfers (hiperfifo's check_multi_info). */
static void
curl_event_check_done(struct curl_event *ce)
{
	CURLMsg *msg;
	int left;

	while ((msg = curl_multi_info_read(ce->multi, &left)) != NULL) {
		void *priv = NULL;

		if (msg->msg != CURLMSG_DONE)
			continue;
		curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE, (char **)&priv);
		if (priv != NULL)
			ce->donecb(priv, msg->data.result);
	}
}

/* curl's timer expired (hiperfifo's timer_cb). */
static void
curl_event_timercb(evutil_socket_t fd, short what, void *arg)
{
	struct curl_event *ce = arg;
	int running;

	curl_multi_socket_action(ce->multi, CURL_SOCKET_TIMEOUT, 0, &running);
	curl_event_check_done(ce);
}

/* curl asks for a timer (CURLMOPT_TIMERFUNCTION). */
static int
curl_event_settimer(CURLM *multi, long timeout_ms, void *arg)
{
	struct curl_event *ce = arg;
	struct timeval tv;

	if (timeout_ms < 0) {
		evtimer_del(ce->timer);
		return 0;
	}
	tv.tv_sec = timeout_ms / 1000;
	tv.tv_usec = (timeout_ms % 1000) * 1000;
	evtimer_add(ce->timer, &tv);
	return 0;
}

/* A watched socket is ready: tell curl. */
static void
curl_event_sockcb(evutil_socket_t fd, short what, void *arg)
{
	struct curl_event *ce = arg;
	int action = ((what & EV_READ) ? CURL_CSELECT_IN : 0) | ((what & EV_WRITE) ? CURL_CSELECT_OUT : 0);
	int running;

	curl_multi_socket_action(ce->multi, fd, action, &running);
	/*
	 * No evtimer_del when nothing is running (hiperfifo does it): the
	 * finished transfers start new ones in donecb, and curl asked for a
	 * timer to start them; deleting it stalled delivery with requests
	 * added and nothing to drive them.  curl cancels its timer itself
	 * (curl_event_settimer with -1).
	 */
	curl_event_check_done(ce);
}

/* Stop watching a socket and forget it. */
static void
watch_free(struct curl_event *ce, struct watch *wt)
{
	if (wt->ev != NULL)
		event_free(wt->ev);
	if (wt->prev != NULL)
		wt->prev->next = wt->next;
	else
		ce->watches = wt->next;
	if (wt->next != NULL)
		wt->next->prev = wt->prev;
	free(wt);
}

/* curl says which events a socket needs (CURLMOPT_SOCKETFUNCTION). */
static int
curl_event_socket(CURL *easy, curl_socket_t s, int what, void *arg, void *sockp)
{
	struct curl_event *ce = arg;
	struct watch *wt = sockp;
	short kind;

	if (what == CURL_POLL_REMOVE) {
		if (wt != NULL) {
			watch_free(ce, wt);
			curl_multi_assign(ce->multi, s, NULL);
		}
		return 0;
	}
	kind = (short)(((what & CURL_POLL_IN) ? EV_READ : 0) | ((what & CURL_POLL_OUT) ? EV_WRITE : 0) | EV_PERSIST);
	if (wt == NULL) {
		if ((wt = calloc(1, sizeof(*wt))) == NULL)
			return -1;
		wt->next = ce->watches;
		if (wt->next != NULL)
			wt->next->prev = wt;
		ce->watches = wt;
		curl_multi_assign(ce->multi, s, wt);
	} else if (wt->ev != NULL) {
		event_free(wt->ev);
	}
	wt->ev = event_new(ce->base, s, kind, curl_event_sockcb, ce);
	if (wt->ev == NULL)
		return -1;
	event_add(wt->ev, NULL);
	return 0;
}

struct curl_event *
curl_event_new(struct event_base *base, curl_event_donecb donecb)
{
	struct curl_event *ce = calloc(1, sizeof(*ce));

	if (ce == NULL)
		return NULL;
	ce->base = base;
	ce->donecb = donecb;
	if ((ce->multi = curl_multi_init()) == NULL ||
	    (ce->timer = evtimer_new(base, curl_event_timercb, ce)) == NULL) {
		curl_event_free(ce);
		return NULL;
	}
	curl_multi_setopt(ce->multi, CURLMOPT_SOCKETFUNCTION, curl_event_socket);
	curl_multi_setopt(ce->multi, CURLMOPT_SOCKETDATA, ce);
	curl_multi_setopt(ce->multi, CURLMOPT_TIMERFUNCTION, curl_event_settimer);
	curl_multi_setopt(ce->multi, CURLMOPT_TIMERDATA, ce);
	return ce;
}

int
curl_event_add(struct curl_event *ce, CURL *easy)
{
	return curl_multi_add_handle(ce->multi, easy) == CURLM_OK ? 0 : -1;
}

void
curl_event_remove(struct curl_event *ce, CURL *easy)
{
	curl_multi_remove_handle(ce->multi, easy);
}

void
curl_event_free(struct curl_event *ce)
{
	if (ce == NULL)
		return;
	if (ce->multi != NULL)
		curl_multi_cleanup(ce->multi);
	while (ce->watches != NULL)
		watch_free(ce, ce->watches);
	if (ce->timer != NULL)
		event_free(ce->timer);
	free(ce);
}

/*
 * input.c: which listener serves which transport.  See input.h.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "conf.h"
#include "input.h"
#include "listen_tcp.h"
#include "listen_udp.h"
#include "log.h"
#include "pipeline.h"

/* Whether ic is read datagram by datagram (else a stream input of listen_tcp). */
static bool
input_conf_is_datagram(const struct input_conf *ic)
{
	return ic->transport == TRANSPORT_UDP;
}

int
input_open(struct input *in, struct event_base *base, const struct input_conf *ic,
    struct pipeline *pipeline, char *err, size_t errlen)
{
	memset(in, 0, sizeof(*in));
	in->conf = ic;
	if (input_conf_is_datagram(ic))
		in->udp = listen_udp_new(base, ic, pipeline, err, errlen);
	else
		in->tcp = listen_tcp_new(base, ic, pipeline, err, errlen);
	if (in->udp == NULL && in->tcp == NULL)
		return -1;
	if (pipeline_paused(pipeline))
		input_pause(in, true);
	log_info(
	    "input %s: listening on %s %s", ic->name, transport_name(ic->transport), ic->address);
	return 0;
}

void
input_pause(struct input *in, bool paused)
{
	if (in->udp != NULL)
		listen_udp_pause(in->udp, paused);
	if (in->tcp != NULL)
		listen_tcp_pause(in->tcp, paused);
}

void
input_set_conf(struct input *in, const struct input_conf *ic)
{
	in->conf = ic;
	if (in->udp != NULL)
		listen_udp_set_conf(in->udp, ic);
	if (in->tcp != NULL)
		listen_tcp_set_conf(in->tcp, ic);
}

enum input_reload
input_reload_kind(const struct input_conf *old, const struct input_conf *ic)
{
	/* TLS: the certificate files are read again even when their names stay */
	if (input_conf_same(old, ic) && !transport_is_tls(ic->transport))
		return INPUT_KEEP;
	if (old->transport == ic->transport && strcmp(old->address, ic->address) == 0)
		return INPUT_RETUNE;
	return INPUT_REOPEN;
}

struct input_retune {
	struct tcp_retune *tcp;
	struct udp_retune *udp;
};

struct input_retune *
input_retune_new(struct input *in, const struct input_conf *ic, char *err, size_t errlen)
{
	struct input_retune *rt = calloc(1, sizeof(*rt));

	if (rt == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	if (in->udp != NULL)
		rt->udp = listen_udp_retune_new(in->udp, ic, err, errlen);
	else
		rt->tcp = listen_tcp_retune_new(in->tcp, ic, input_conf_same(in->conf, ic), err,
		    errlen);
	if (rt->udp == NULL && rt->tcp == NULL) {
		free(rt);
		return NULL;
	}
	return rt;
}

void
input_retune_apply(struct input *in, const struct input_conf *ic, struct input_retune *rt)
{
	in->conf = ic;
	if (in->udp != NULL)
		listen_udp_retune_apply(in->udp, ic, rt->udp);
	else
		listen_tcp_retune_apply(in->tcp, ic, rt->tcp);
	free(rt);
}

void
input_retune_free(struct input_retune *rt)
{
	if (rt == NULL)
		return;
	listen_udp_retune_free(rt->udp);
	listen_tcp_retune_free(rt->tcp);
	free(rt);
}

struct input_stats *
input_stats(struct input *in)
{
	return in->udp != NULL ? listen_udp_stats(in->udp) : listen_tcp_stats(in->tcp);
}

void
input_shutdown(struct input *in)
{
	if (in->udp != NULL)
		listen_udp_shutdown(in->udp);
	if (in->tcp != NULL)
		listen_tcp_shutdown(in->tcp);
}

size_t
input_busy(const struct input *in)
{
	return in->tcp != NULL ? listen_tcp_busy(in->tcp) : 0;
}

void
input_free(struct input *in)
{
	listen_udp_free(in->udp);
	listen_tcp_free(in->tcp);
	in->udp = NULL;
	in->tcp = NULL;
}

bool
input_conf_same_socket(const struct input_conf *a, const struct input_conf *b)
{
	/* every stream transport binds a TCP socket */
	return input_conf_is_datagram(a) == input_conf_is_datagram(b);
}

size_t
input_conf_max_fds(const struct input_conf *ic)
{
	/* a UDP input's sockets are within the daemon's allowance */
	return input_conf_is_datagram(ic) ? 0 : (size_t)ic->max_connections + 2;
}

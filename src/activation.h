/*
 * activation.h: sockets passed by systemd socket activation
 * (conf/logward.socket, sd_listen_fds(3)).
 *
 * At start-up activation_init takes the descriptors systemd passed; when an
 * input resolves to an address one of them is bound to (same socket type,
 * family, address and port), netaddr_bind hands out that descriptor instead
 * of binding a new socket.  activation_finish closes, and logs, those no
 * input claimed.  A socket is taken once: an input a reload reopens binds
 * one of its own.  Built without libsystemd, nothing is ever passed.
 *
 * The descriptors are the process's own by inheritance, so the table is
 * process-wide; only the main thread touches it, at start-up and reload.
 */
#ifndef LOGWARD_ACTIVATION_H
#define LOGWARD_ACTIVATION_H

#include <sys/socket.h>

/* Take the descriptors systemd passed (none: fine); returns how many. */
int activation_init(void);

/* The passed socket of socktype bound to sa, or -1; the caller owns it then. */
int activation_take(int socktype, const struct sockaddr *sa, socklen_t len);

/* Close the passed sockets no input took, saying which. */
void activation_finish(void);

#endif

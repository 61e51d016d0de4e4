/*
 * acl.h: which peer addresses an input accepts (allow = { CIDRs }).
 *
 * An entry is "ADDRESS" (one host) or "ADDRESS/PREFIX", IPv4 or IPv6.
 * IPv4-mapped IPv6 addresses (::ffff:a.b.c.d), on either side, are
 * compared as the IPv4 address they carry, so "127.0.0.0/8" admits
 * ::ffff:127.0.0.1.  An empty list admits everyone.
 */
#ifndef LOGWARD_ACL_H
#define LOGWARD_ACL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct peer_addr;

struct acl_entry {
	uint8_t family;		/* AF_INET or AF_INET6 */
	uint8_t prefix;		/* bits compared: 0..32 or 0..128 */
	uint8_t addr[16];	/* network order, host bits cleared */
};

struct acl {
	struct acl_entry *entries;	/* owned */
	size_t n;
};

/*
 * Parse one entry.  Returns NULL, or what is wrong (static text) for a
 * "file:line: allow ... is invalid (...)" message.
 */
const char *acl_entry_parse(const char *s, struct acl_entry *out);

/* Parse every string of list into acl; -1 with err set (caller frees with acl_free). */
int acl_init(struct acl *acl, char *const *list, size_t n, char *err, size_t errlen);

/* True when the list is empty or an entry covers pa. */
bool acl_allows(const struct acl *acl, const struct peer_addr *pa);

void acl_free(struct acl *acl);

/* Free acl's list and give it with's (a reload's new allow); with is left empty. */
void acl_replace(struct acl *acl, struct acl *with);

#endif

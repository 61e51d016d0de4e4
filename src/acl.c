/*
 * acl.c: CIDR lists for allow = { ... }.  Hand-written (inet_pton and a
 * prefix compare) rather than a library: it is small, and the rules
 * (mapped addresses, host bits) are ours to state.
 */
#include "config.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "acl.h"
#include "peer.h"

#define ACL_MAX_TEXT 64

static const uint8_t v4mapped_prefix[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff };

/* Turn an IPv4-mapped IPv6 address (and prefix >= 96) into plain IPv4, in place. */
static void
acl_unmap(uint8_t *family, uint8_t addr[16], unsigned *prefix)
{
	if (*family != AF_INET6 || memcmp(addr, v4mapped_prefix, 12) != 0)
		return;
	if (prefix != NULL) {
		if (*prefix < 96)
			return;	/* a range wider than the mapped block stays IPv6 */
		*prefix -= 96;
	}
	memmove(addr, addr + 12, 4);
	memset(addr + 4, 0, 12);
	*family = AF_INET;
}

/* Does addr match net in its first prefix bits? */
static bool
acl_prefix_match(const uint8_t *addr, const uint8_t *net, unsigned prefix)
{
	unsigned bytes = prefix / 8, bits = prefix % 8;
	uint8_t mask;

	if (memcmp(addr, net, bytes) != 0)
		return false;
	if (bits == 0)
		return true;
	mask = (uint8_t)(0xff << (8 - bits));
	return (addr[bytes] & mask) == (net[bytes] & mask);
}

const char *
acl_entry_parse(const char *s, struct acl_entry *out)
{
	char text[ACL_MAX_TEXT];
	const char *slash, *p;
	unsigned prefix, max;
	uint8_t family;
	size_t hlen;

	memset(out, 0, sizeof(*out));
	if (strlen(s) >= sizeof(text))
		return "is too long";
	slash = strchr(s, '/');
	hlen = slash != NULL ? (size_t)(slash - s) : strlen(s);
	memcpy(text, s, hlen);
	text[hlen] = '\0';
	if (inet_pton(AF_INET, text, out->addr) == 1) {
		family = AF_INET;
		max = 32;
	} else if (inet_pton(AF_INET6, text, out->addr) == 1) {
		family = AF_INET6;
		max = 128;
	} else
		return "is not a numeric IPv4 or IPv6 address";
	prefix = max;
	if (slash != NULL) {
		p = slash + 1;
		if (*p == '\0' || strlen(p) > 3)
			return "has an invalid prefix length";
		prefix = 0;
		for (; *p != '\0'; p++) {
			if (*p < '0' || *p > '9')
				return "has an invalid prefix length";
			prefix = prefix * 10 + (unsigned)(*p - '0');
		}
		if (prefix > max)
			return "has a prefix length out of range";
	}
	acl_unmap(&family, out->addr, &prefix);
	out->family = family;
	out->prefix = (uint8_t)prefix;
	/* Clear host bits so that "10.1.2.3/8" means 10.0.0.0/8 everywhere (dump, compare). */
	max = family == AF_INET ? 4 : 16;
	for (unsigned i = 0; i < max; i++) {
		unsigned keep = prefix >= 8 * (i + 1) ? 8 : prefix > 8 * i ? prefix - 8 * i : 0;

		out->addr[i] &= (uint8_t)(0xff00 >> keep);
	}
	return NULL;
}

int
acl_init(struct acl *acl, char *const *list, size_t n, char *err, size_t errlen)
{
	const char *why;
	size_t i;

	acl->entries = NULL;
	acl->n = 0;
	if (n == 0)
		return 0;
	if ((acl->entries = calloc(n, sizeof(*acl->entries))) == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	for (i = 0; i < n; i++) {
		if ((why = acl_entry_parse(list[i], &acl->entries[i])) != NULL) {
			snprintf(err, errlen, "allow \"%s\" %s", list[i], why);
			return -1;
		}
		acl->n++;
	}
	return 0;
}

bool
acl_allows(const struct acl *acl, const struct peer_addr *pa)
{
	uint8_t family = pa->family, addr[16];
	size_t i;

	if (acl->n == 0)
		return true;
	memcpy(addr, pa->addr, sizeof(addr));
	acl_unmap(&family, addr, NULL);
	for (i = 0; i < acl->n; i++)
		if (acl->entries[i].family == family &&
		    acl_prefix_match(addr, acl->entries[i].addr, acl->entries[i].prefix))
			return true;
	return false;
}

void
acl_free(struct acl *acl)
{
	free(acl->entries);
	acl->entries = NULL;
	acl->n = 0;
}

void
acl_replace(struct acl *acl, struct acl *with)
{
	acl_free(acl);
	*acl = *with;
	with->entries = NULL;
	with->n = 0;
}

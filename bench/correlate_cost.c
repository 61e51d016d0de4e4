/*
 * correlate_cost.c: the correlator's cost per fact with many entries in one
 * scope (a domain controller creating accounts in bulk), for callgrind:
 *
 *   make bench/correlate_cost
 *   valgrind --tool=callgrind --callgrind-out-file=cg.out \
 *       bench/correlate_cost 10000
 *   callgrind_annotate --inclusive=yes cg.out | grep -E 'create_all|delete_tenth'
 *
 * N creations on host DC01 (a name and a SID each, ten a receipt second),
 * then the deletion of every tenth account.  Instructions per fact: the
 * inclusive cost of create_all (N facts) and delete_tenth (N / 10 facts)
 * in callgrind_annotate --inclusive=yes.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "correlate.h"

#define T0 1700000000LL

static void
fact(struct correlate *c, enum detect_fact kind, int i)
{
	char name[32], sid[64], raw[256];
	struct correlate_fact f;
	struct correlate_result res;

	snprintf(name, sizeof(name), "svc%06d", i);
	snprintf(sid, sizeof(sid), "S-1-5-21-3623811015-3361044348-30300820-%d", 1000 + i);
	snprintf(raw, sizeof(raw), "<14>1 - DC01.corp.example Microsoft-Windows-Security-Auditing"
	    " - - - EventID=%d TargetUserName=%s TargetSid=%s",
	    kind == DETECT_FACT_ACCOUNT_CREATED ? 4720 : 4726, name, sid);
	memset(&f, 0, sizeof(f));
	f.kind = kind;
	f.scope = (struct slice){"DC01.corp.example", strlen("DC01.corp.example")};
	f.account = (struct slice){name, strlen(name)};
	f.account_id = (struct slice){sid, strlen(sid)};
	f.actor = (struct slice){"admin", 5};
	f.raw = (struct slice){raw, strlen(raw)};
	f.rule_id = "windows-4720-account-created";
	f.received = T0 + i / 10;
	f.event_us = f.received * 1000000;
	correlate_observe(c, &f, &res);
	correlate_result_clear(&res);
}

/* Separate functions, so that callgrind_annotate --inclusive=yes shows each phase. */
static void __attribute__((noinline))
create_all(struct correlate *c, int n)
{
	int i;

	for (i = 0; i < n; i++)
		fact(c, DETECT_FACT_ACCOUNT_CREATED, i);
}

static void __attribute__((noinline))
delete_tenth(struct correlate *c, int n)
{
	int i;

	for (i = 0; i < n; i += 10)
		fact(c, DETECT_FACT_ACCOUNT_DELETED, i);
}

int
main(int argc, char **argv)
{
	struct correlate_settings s = {3600, 300, NULL, 0, NULL, 0, false};
	struct correlate_stats st;
	struct correlate *c;
	char err[256];
	int n = argc > 1 ? atoi(argv[1]) : 10000;

	if (n <= 0) {
		fprintf(stderr, "usage: correlate_cost [N]\n");
		return 2;
	}
	s.max_entries = (size_t)n + 16;
	if ((c = correlate_new(&s, T0, err, sizeof(err))) == NULL) {
		fprintf(stderr, "correlate_new: %s\n", err);
		return 1;
	}
	create_all(c, n);
	delete_tenth(c, n);
	correlate_get_stats(c, &st);
	printf("facts %llu alerts %llu entries %llu\n", (unsigned long long)st.facts,
	    (unsigned long long)st.alerts, (unsigned long long)st.entries);
	correlate_free(c);
	return 0;
}

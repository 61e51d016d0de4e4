/*
 * value_table.h: a table from (slot, value) to a list of ids, built once
 * at load and then read by many threads: the (field, value) indexes of
 * the detections (detect_index.c) and of the Sigma rules (sigma_key.c).
 * A slot is the caller's number for a field.  The values are the rules',
 * the lookups the network's: open addressing under SipHash with a key
 * drawn when the table is made, so a sender cannot aim at one chain.
 *
 * A slot's values are compared exactly or ignoring ASCII case (fold);
 * the caller gives the same fold to every add and find of a slot.
 */
#ifndef LOGWARD_VALUE_TABLE_H
#define LOGWARD_VALUE_TABLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* One (slot, value) and its ids, in the order added. */
struct value_entry {
	size_t slot;
	char *value; /* lower case when its slot folds */
	size_t len;
	size_t *ids;
	size_t n, cap;
};

struct value_table {
	struct value_entry *entries;
	size_t n_entries, max_entries;
	uint32_t *slots; /* entry number + 1; 0 empty */
	size_t n_slots;	 /* a power of two, at least twice max_entries */
	uint8_t key[16];
};

/* Make t empty with room for max values (0: none); -1 out of memory. Free with value_table_free. */
int value_table_init(struct value_table *t, size_t max);
/*
 * Add id under (slot, p[0..len)); an id added twice in a row is kept
 * once.  -1 out of memory, or when max distinct values are already in.
 */
int value_table_add(
    struct value_table *t, size_t slot, const char *p, size_t len, bool fold, size_t id);
/* The entry of (slot, p[0..len)), or NULL. */
const struct value_entry *value_table_find(
    const struct value_table *t, size_t slot, const char *p, size_t len, bool fold);
void value_table_free(struct value_table *t);

/*
 * Call mark on the k first of n items (each size bytes at base) in the
 * order of cmp, which compares two pointers to item pointers (qsort over
 * an array of pointers to the items): the fields an index reads, the
 * most shared first.  -1 out of memory.
 */
int value_table_choose(void *base, size_t n, size_t size, int (*cmp)(const void *, const void *),
    size_t k, void (*mark)(void *item));

#endif

/* SPDX-License-Identifier: MIT
 * common/strmap.c: a string -> uint32_t hash table (open addressing).
 *
 * Image ids, entry names and context ids are looked up once per gcda of a
 * merge: a linear search made merging a bundle of n images O(n^2).
 * Interface: common/common.h.
 */
#include "common/common.h"

#include <assert.h>
#include <stdlib.h>
#include <string.h>

static size_t hash_bytes(const char *s, size_t n)
{
	size_t h = 1469598103934665603ull;

	for (size_t i = 0; i < n; i++)
		h = (h ^ (unsigned char)s[i]) * 1099511628211ull;
	return h;
}

/* Slot of KEY: where it is, or the empty slot where it would go. */
static size_t slot_of(const struct strmap *m, const char *key, size_t len)
{
	size_t h;

	assert(m->size && !(m->size & (m->size - 1))); /* a power of 2 */
	assert(m->n < m->size); /* a free slot ends every probe */
	h = hash_bytes(key, len) & (m->size - 1);

	while (m->key[h] && (strlen(m->key[h]) != len ||
			     memcmp(m->key[h], key, len)))
		h = (h + 1) & (m->size - 1);
	return h;
}

static void grow(struct strmap *m)
{
	struct strmap old = *m;

	m->size = old.size ? old.size * 2 : 64;
	m->key = cr_xcalloc(m->size, sizeof(*m->key));
	m->val = cr_xcalloc(m->size, sizeof(*m->val));
	for (size_t i = 0; i < old.size; i++) {
		if (!old.key[i])
			continue;
		size_t h = slot_of(m, old.key[i], strlen(old.key[i]));
		m->key[h] = old.key[i];
		m->val[h] = old.val[i];
	}
	free(old.key);
	free(old.val);
}

uint32_t *strmap_find(const struct strmap *m, const char *key, size_t len)
{
	size_t h;

	if (!m->size)
		return NULL;
	h = slot_of(m, key, len);
	return m->key[h] ? &m->val[h] : NULL;
}

int strmap_put(struct strmap *m, const char *key, size_t len, uint32_t val)
{
	size_t h;

	if ((m->n + 1) * 2 > m->size)
		grow(m);
	h = slot_of(m, key, len);
	if (m->key[h])
		return 0;
	m->key[h] = cr_xstrndup(key, len);
	m->val[h] = val;
	m->n++;
	return 1;
}

void strmap_release(struct strmap *m)
{
	for (size_t i = 0; i < m->size; i++)
		free(m->key[i]);
	free(m->key);
	free(m->val);
	memset(m, 0, sizeof(*m));
}

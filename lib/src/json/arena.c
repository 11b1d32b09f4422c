/*
 * The document arena: values, member tables and unescaped strings of one
 * document are carved out of a few large blocks and freed together. Blocks
 * double in size up to 1 MiB, so a small document costs one small block and
 * a large one wastes little. A parser that knows about what a small text
 * will need says so before the first block (parse.c): a snapshot holds
 * hundreds of thousands of documents of a few hundred bytes, which in 4 KiB
 * first blocks were mostly empty memory (tests/bench/drift).
 */
#include <stdlib.h>
#include <string.h>

#include "json/internal.h"

#define ARENA_FIRST 4096
#define ARENA_MAX   (1u << 20)
#define ARENA_ALIGN 8

struct dw_arena_block {
	struct dw_arena_block *prev;
	size_t size;
	/* the memory follows, aligned for any value we store */
	_Alignas(ARENA_ALIGN) char data[];
};

void dw_json__arena_init(struct dw_arena *a)
{
	memset(a, 0, sizeof(*a));
	a->next_size = ARENA_FIRST;
}

void dw_json__arena_expect(struct dw_arena *a, size_t bytes)
{
	size_t want = (bytes + ARENA_ALIGN - 1) & ~(size_t)(ARENA_ALIGN - 1);

	if (!a->head)
		a->next_size = want < ARENA_ALIGN ? ARENA_ALIGN
		               : want > ARENA_MAX ? ARENA_MAX
		                                  : want;
}

void dw_json__arena_release(struct dw_arena *a)
{
	struct dw_arena_block *b = a->head, *prev;
	bool wipe = a->wipe;

	while (b) {
		prev = b->prev;
		if (wipe)
			dw_wipe(b->data, b->size);
		free(b);
		b = prev;
	}
	dw_json__arena_init(a);
	a->wipe = wipe;
}

static int arena_grow(struct dw_arena *a, size_t size)
{
	size_t want = a->next_size;
	struct dw_arena_block *b;

	if (size > want)
		want = size;
	b = malloc(sizeof(*b) + want);
	if (!b)
		return -1;
	b->prev = a->head;
	b->size = want;
	a->bytes += sizeof(*b) + want;
	a->head = b;
	a->next = b->data;
	a->end = b->data + want;
	if (a->next_size < ARENA_MAX)
		a->next_size *= 2;
	return 0;
}

void *dw_json__arena_alloc(struct dw_arena *a, size_t size)
{
	void *p;

	size = (size + ARENA_ALIGN - 1) & ~(size_t)(ARENA_ALIGN - 1);
	if (size == 0)
		size = ARENA_ALIGN;
	if ((!a->next || (size_t)(a->end - a->next) < size) && arena_grow(a, size) < 0)
		return NULL;
	p = a->next;
	a->next += size;
	return p;
}

char *dw_json__arena_strdup(struct dw_arena *a, const char *s, size_t len)
{
	char *p = dw_json__arena_alloc(a, len + 1);

	if (!p)
		return NULL;
	if (len)
		memcpy(p, s, len);
	p[len] = '\0';
	return p;
}

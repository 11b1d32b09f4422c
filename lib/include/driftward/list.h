/*
 * An intrusive doubly linked list, after curl's llist and the kernel's
 * list.h: the link lives inside the element, so adding and removing never
 * allocate and never fail. A head is a link that points to itself when the
 * list is empty; DW_CONTAINER gets from a link back to its element.
 *
 *	struct item { struct dw_link link; ... };
 *	struct dw_link head;
 *
 *	dw_list_init(&head);
 *	dw_list_add_tail(&head, &it->link);
 *	for (l = head.next; l != &head; l = l->next)
 *		use(DW_CONTAINER(l, struct item, link));
 *
 * The functions are inline: a list is a few pointer moves in a hot loop.
 */
#ifndef DRIFTWARD_LIST_H
#define DRIFTWARD_LIST_H

#include <stdbool.h>
#include <stddef.h>

struct dw_link {
	struct dw_link *prev, *next;
};

/* The element of type @type whose member @member is the link @ptr. */
#define DW_CONTAINER(ptr, type, member) ((type *)(void *)((char *)(ptr)-offsetof(type, member)))

static inline void dw_list_init(struct dw_link *head)
{
	head->prev = head->next = head;
}

static inline void dw_list_add_tail(struct dw_link *head, struct dw_link *l)
{
	l->prev = head->prev;
	l->next = head;
	head->prev->next = l;
	head->prev = l;
}

/* Unlinks @l, which then is an empty list of its own: deleting it again is harmless. */
static inline void dw_list_del(struct dw_link *l)
{
	l->prev->next = l->next;
	l->next->prev = l->prev;
	l->prev = l->next = l;
}

static inline bool dw_list_empty(const struct dw_link *head)
{
	return head->next == head;
}

#endif

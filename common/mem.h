/* Growth of the arrays parsers and tables build: one place that doubles a
 * capacity, checks the multiplication and keeps the old block on failure. */
#ifndef LW_MEM_H
#define LW_MEM_H

#include <stddef.h>

/* Makes *ptrp (an array of elem-byte items with *cap of them) hold at least
 * need items, starting at `first` and doubling. Returns 0, or -1 with
 * *ptrp and *cap unchanged when memory or size_t runs out. */
int mem_grow(void *ptrp, size_t *cap, size_t need, size_t elem, size_t first);

#endif

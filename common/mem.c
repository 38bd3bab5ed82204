/* Array growth (see mem.h). */
#include "config.h"

#include "common/mem.h"

#include <stdint.h>
#include <stdlib.h>

int mem_grow(void *ptrp, size_t *cap, size_t need, size_t elem, size_t first)
{
	void **ptr = ptrp;

	if (need <= *cap)
		return 0;
	size_t ncap = *cap ? *cap : (first ? first : 1);
	while (ncap < need) {
		if (ncap > SIZE_MAX / 2)
			return -1;
		ncap *= 2;
	}
	if (elem && ncap > SIZE_MAX / elem)
		return -1;
	void *n = realloc(*ptr, ncap * elem);
	if (!n)
		return -1;
	*ptr = n;
	*cap = ncap;
	return 0;
}

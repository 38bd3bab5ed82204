/* The HELO/EHLO name in a client's first segment, the one piece of payload
 * lockwatch reads. */
#ifndef LW_HELO_H
#define LW_HELO_H

#include <stdint.h>

/* Writes the argument of a leading HELO or EHLO (at most LW_HELO_MAX bytes,
 * non-printable bytes as '?') into ret_helo, "" when there is none. */
void helo_extract(const uint8_t *d, uint32_t n, char *ret_helo);

#endif

/* HELO/EHLO extraction (see helo.h): attacker-supplied bytes, sanitised for
 * reports and the journal. */
#include "config.h"

#include "sensor/helo.h"

#include <stdbool.h>
#include <string.h>

#include "common/bounds.h"

static bool is_print(uint8_t c)
{
	return c >= 0x20 && c < 0x7f;
}

static char ascii_upper(uint8_t c)
{
	return (char)(c >= 'a' && c <= 'z' ? c - 'a' + 'A' : c);
}

void helo_extract(const uint8_t *d, uint32_t n, char *ret_helo)
{
	uint32_t i, o = 0;
	char verb[4];

	ret_helo[0] = '\0';
	if (d == NULL || n < 5 || d[4] != ' ')
		return;
	for (i = 0; i < 4; i++)
		verb[i] = ascii_upper(d[i]);
	if (memcmp(verb, "HELO", 4) != 0 && memcmp(verb, "EHLO", 4) != 0)
		return;
	for (i = 5; i < n && o < LW_HELO_MAX; i++) {
		uint8_t c = d[i];

		if (c == '\r' || c == '\n' || c == ' ')
			break;
		ret_helo[o++] = is_print(c) ? (char)c : '?';
	}
	ret_helo[o] = '\0';
}

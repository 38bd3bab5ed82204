/* Byte-level access to packet data: fixed-endian reads and writes through
 * memcpy (never casts to packed structs, which break on strict-alignment
 * machines and under the aliasing rules), and the one bounds check every
 * parser uses. */
#ifndef LW_BYTES_H
#define LW_BYTES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
#define LW_HOST_BIG_ENDIAN 1
#else
#define LW_HOST_BIG_ENDIAN 0
#endif

/* True iff len bytes of buffer hold need bytes starting at off. Written so
 * that no subtraction can wrap: off is checked before len - off is formed. */
static inline bool have(size_t off, size_t need, size_t len)
{
	return off <= len && need <= len - off;
}

static inline uint16_t rd_be16(const uint8_t *p)
{
	uint16_t v;

	memcpy(&v, p, sizeof(v));
	return LW_HOST_BIG_ENDIAN ? v : __builtin_bswap16(v);
}

static inline uint32_t rd_be32(const uint8_t *p)
{
	uint32_t v;

	memcpy(&v, p, sizeof(v));
	return LW_HOST_BIG_ENDIAN ? v : __builtin_bswap32(v);
}

static inline uint16_t rd_le16(const uint8_t *p)
{
	uint16_t v;

	memcpy(&v, p, sizeof(v));
	return LW_HOST_BIG_ENDIAN ? __builtin_bswap16(v) : v;
}

static inline uint32_t rd_le32(const uint8_t *p)
{
	uint32_t v;

	memcpy(&v, p, sizeof(v));
	return LW_HOST_BIG_ENDIAN ? __builtin_bswap32(v) : v;
}

static inline void wr_be16(uint8_t *p, uint16_t v)
{
	if (!LW_HOST_BIG_ENDIAN)
		v = __builtin_bswap16(v);
	memcpy(p, &v, sizeof(v));
}

static inline void wr_be32(uint8_t *p, uint32_t v)
{
	if (!LW_HOST_BIG_ENDIAN)
		v = __builtin_bswap32(v);
	memcpy(p, &v, sizeof(v));
}

static inline void wr_le32(uint8_t *p, uint32_t v)
{
	if (LW_HOST_BIG_ENDIAN)
		v = __builtin_bswap32(v);
	memcpy(p, &v, sizeof(v));
}

#endif

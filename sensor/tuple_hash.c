/* Seeding of the tracker's 4-tuple hash (see tuple_hash.h). */
#include "config.h"

#include "sensor/tuple_hash.h"

#include <stddef.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

static uint64_t splitmix64(uint64_t *x)
{
	uint64_t z = (*x += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

void tuple_hash_seed(uint64_t seed[TUPLE_HASH_SEED_WORDS])
{
	uint8_t *p = (uint8_t *)seed;
	size_t size = TUPLE_HASH_SEED_WORDS * sizeof(uint64_t), got = 0;

	while (got < size) {
		ssize_t n = getrandom(p + got, size - got, GRND_NONBLOCK);

		if (n <= 0)
			break;
		got += (size_t)n;
	}
	if (got < size) {
		/* Early boot without entropy: weaker but still unknown to a
		 * remote flooder who does not know when we started. */
		struct timespec ts;
		uint64_t x;

		clock_gettime(CLOCK_MONOTONIC, &ts);
		x = (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
		clock_gettime(CLOCK_REALTIME, &ts);
		x ^= ((uint64_t)ts.tv_sec << 32) ^ (uint64_t)ts.tv_nsec;
		x ^= (uint64_t)getpid() << 48 ^ (uint64_t)(uintptr_t)seed;
		for (size_t i = 0; i < TUPLE_HASH_SEED_WORDS; i++)
			seed[i] ^= splitmix64(&x);
	}
}

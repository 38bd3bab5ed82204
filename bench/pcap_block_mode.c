/* pcap_block_mode: an LD_PRELOAD shim for bench/live_throughput that turns
 * lockwatchd's immediate mode off without touching the daemon, so the cost
 * of immediate mode can be measured before anyone changes the code.
 *
 * With immediate mode libpcap uses TPACKET_V2 and the kernel wakes the
 * reader for every packet; without it libpcap uses TPACKET_V3, whose blocks
 * are handed over when full or when the block timeout expires. The timeout
 * (milliseconds) is $LW_BENCH_BLOCK_TIMEOUT_MS, default 50: the longest an
 * alert could be delayed on a quiet interface.
 *
 *   cc -std=c11 -shared -fPIC -o pcap_block_mode.so pcap_block_mode.c -ldl */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <pcap/pcap.h>
#include <stdlib.h>

#define BLOCK_TIMEOUT_MS_DEFAULT 50 /* ms: well under a human's notice */

int pcap_set_immediate_mode(pcap_t *p, int immediate)
{
	int (*real_immediate)(pcap_t *, int);
	int (*real_timeout)(pcap_t *, int);
	const char *env = getenv("LW_BENCH_BLOCK_TIMEOUT_MS");
	int ms = env ? atoi(env) : BLOCK_TIMEOUT_MS_DEFAULT;

	(void)immediate;
	*(void **)&real_immediate = dlsym(RTLD_NEXT, "pcap_set_immediate_mode");
	*(void **)&real_timeout = dlsym(RTLD_NEXT, "pcap_set_timeout");
	if (!real_immediate || !real_timeout)
		return PCAP_ERROR;
	if (real_timeout(p, ms > 0 ? ms : BLOCK_TIMEOUT_MS_DEFAULT) != 0)
		return PCAP_ERROR;
	return real_immediate(p, 0);
}

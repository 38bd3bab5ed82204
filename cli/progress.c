/* Replay progress line (see progress.h). */
#include "config.h"

#include "cli/progress.h"

#include <inttypes.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#define PROGRESS_INTERVAL_NS 250000000ULL /* 4 updates a second are plenty */

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

void progress_init(struct progress *p, FILE *f)
{
	const char *iv = getenv("LOCKWATCH_PROGRESS_INTERVAL_MS"); /* tests */

	p->f = f;
	p->enabled = isatty(fileno(f)) == 1;
	p->start_ns = p->last_ns = now_ns();
	p->interval_ns = iv ? strtoull(iv, NULL, 10) * 1000000ULL : PROGRESS_INTERVAL_NS;
	p->shown = false;
}

static void human_bytes(uint64_t b, char *buf, size_t len)
{
	static const char *const units[] = {"B", "KiB", "MiB", "GiB", "TiB"};
	double v = (double)b;
	unsigned u = 0;

	while (v >= 1024 && u < 4) {
		v /= 1024;
		u++;
	}
	snprintf(buf, len, u ? "%.1f %s" : "%.0f %s", v, units[u]);
}

void progress_update(struct progress *p, uint64_t done, uint64_t total, uint64_t packets)
{
	char d[32];

	if (!p->enabled)
		return;
	uint64_t now = now_ns();
	if (now - p->last_ns < p->interval_ns)
		return;
	p->last_ns = now;
	double secs = (double)(now - p->start_ns) / 1e9;
	double rate = secs > 0 ? (double)packets / secs : 0;
	human_bytes(done, d, sizeof(d));
	fprintf(p->f, "\r%s", d);
	if (total > 0 && done <= total) {
		char t[32];
		human_bytes(total, t, sizeof(t));
		fprintf(p->f, " of %s (%.0f%%)", t, 100.0 * (double)done / (double)total);
	}
	fprintf(p->f, ", %" PRIu64 " packets, %.0f packets/s", packets, rate);
	if (total > 0 && done > 0 && done < total) {
		double left = secs * (double)(total - done) / (double)done;
		fprintf(p->f, ", about %.0f s left", left);
	}
	fputs("\033[K", p->f);
	fflush(p->f);
	p->shown = true;
}

void progress_finish(struct progress *p)
{
	if (p->enabled && p->shown) {
		fputs("\r\033[K", p->f);
		fflush(p->f);
	}
}

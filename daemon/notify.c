/* sd_notify messages (see notify.h). Failures are ignored on purpose: the
 * service manager going away must never stop the capture. */
#include "config.h"

#include "daemon/notify.h"

#include <stdio.h>
#include <string.h>
#include <systemd/sd-daemon.h>

static char last_status[256];

void notify_status_text(const struct notify_counters *c, char *buf, size_t len)
{
	snprintf(buf, len,
		 "packets %llu, attempts %llu, outside sources %llu, reached %llu, "
		 "kernel drops %llu",
		 (unsigned long long)c->packets, (unsigned long long)c->attempts,
		 (unsigned long long)c->outside_sources, (unsigned long long)c->reached_sources,
		 (unsigned long long)c->kernel_drops);
}

void notify_ready(const struct notify_counters *c)
{
	notify_status_text(c, last_status, sizeof(last_status));
	sd_notifyf(0, "READY=1\nSTATUS=%s", last_status);
}

void notify_status(const struct notify_counters *c)
{
	char text[sizeof(last_status)];

	notify_status_text(c, text, sizeof(text));
	if (strcmp(text, last_status) == 0)
		return;
	memcpy(last_status, text, sizeof(text));
	sd_notifyf(0, "STATUS=%s", text);
}

void notify_reloading(void)
{
	sd_notify(0, "RELOADING=1");
}

void notify_reloaded(const struct notify_counters *c)
{
	notify_status_text(c, last_status, sizeof(last_status));
	sd_notifyf(0, "READY=1\nSTATUS=%s", last_status);
}

void notify_stopping(void)
{
	sd_notify(0, "STOPPING=1\nSTATUS=stopping: final flush");
}

void notify_watchdog(void)
{
	sd_notify(0, "WATCHDOG=1");
}

uint64_t notify_watchdog_usec(void)
{
	uint64_t usec = 0;

	return sd_watchdog_enabled(0, &usec) > 0 ? usec : 0;
}

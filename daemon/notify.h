/* The service manager's view of lockwatchd (sd_notify): READY=1 once the
 * capture is open and the rules are loaded, STATUS= with live counters,
 * WATCHDOG=1 when the unit asks for it, STOPPING=1 on the way out. All are
 * no-ops when NOTIFY_SOCKET is unset (a run by hand). */
#ifndef LW_DAEMON_NOTIFY_H
#define LW_DAEMON_NOTIFY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct notify_counters {
	uint64_t packets, attempts, outside_sources, reached_sources, kernel_drops;
};

/* Formats the STATUS= text an admin sees in `systemctl status`. */
void notify_status_text(const struct notify_counters *c, char *buf, size_t len);

void notify_ready(const struct notify_counters *c);
/* Sends STATUS= only when the text changed since the last one. */
void notify_status(const struct notify_counters *c);
void notify_reloading(void);
void notify_reloaded(const struct notify_counters *c);
void notify_stopping(void);
void notify_watchdog(void);
/* The watchdog interval the unit asked for, 0 when none. */
uint64_t notify_watchdog_usec(void);

#endif

/* Every bound lockwatch applies, with its unit and the reason for it.
 * Those an operator may need to change are options; the option is named. */
#ifndef LW_BOUNDS_H
#define LW_BOUNDS_H

/* Capture */
#define LW_SNAPLEN 512 /* bytes: link + IP + ext headers + TCP + the first SMTP line */
/* MiB kernel ring; --buffer-size. Mapped into the process, so it counts
 * in its RSS. It only bridges the reader's pauses (lockwatchd reads about
 * a million packets a second): 16 MiB holds some 130,000 SYN frames, a
 * third of a second at 400,000 SYN/s, with no drop measured up to 500,000
 * SYN/s; the whole process then stays within 64 MiB under a flood of a
 * million spoofed sources (bench/RESULTS.md). */
#define LW_PCAP_BUFFER_MB   16
#define LW_PCAP_DELIVERY_MS 50	 /* ms the kernel may hold packets; --delivery-ms, 0 immediate */
#define LW_MAX_FILES	    1024 /* capture files named on one command line */
/* bytes: a capture file cut shorter than this is read without the BPF
 * filter. The filter must read the TCP ports (behind two VLAN tags and the
 * largest IPv4 header: 22 + 60 + 4); it would silently drop a packet cut
 * before them, which the decoder counts instead (it may be a reply). */
#define LW_FILTER_SNAPLEN_MIN 86

/* Decoding */
#define LW_MAX_VLAN_TAGS     4	/* stacked 802.1Q/802.1ad tags before we call the frame malformed */
#define LW_MAX_IP6_EXT	     8	/* IPv6 extension headers walked before giving up */
#define LW_MAX_WATCHED_PORTS 64 /* watched server ports in one rule set */

/* Handshake tracker */
#define LW_TRACKER_MAX_DEFAULT	131072	   /* open attempts; --max-attempts; oldest evicted */
#define LW_HANDSHAKE_TIMEOUT_US 5000000ULL /* 5 s of packet time; --timeout */
#define LW_LINGER_US                                                                               \
	120000000ULL	/* 120 s: a finished attempt still absorbs SYN                             \
			 * retransmits (Linux retries for ~127 s) */
#define LW_HELO_MAX 255 /* bytes of HELO/EHLO name kept (RFC 5321 domain is 255) */
/* connections proved by the server's reply alone (SYN not seen), remembered
 * so each counts once: 16 B each (1 MiB), 4-way sets, the least recently
 * seen of a set forgotten first. Apart from the attempts, so a flood of
 * forged SYN-ACKs never evicts an open attempt. */
#define LW_REPLY_SEEN_MAX 65536
/* 10 min: a remembered connection idle this long is over; its 4-tuple
 * answering again is a new connection */
#define LW_REPLY_IDLE_US 600000000ULL
/* Packet time (sensor/pktclock.h): a stamp more than an hour ahead of the
 * clock, or more than 10 s behind it (more than a multi-queue capture
 * reorders), is a clock jump */
#define LW_CLOCK_JUMP_US       3600000000ULL
#define LW_CLOCK_BACK_SLACK_US 10000000ULL

/* Analyzer */
/* distinct sources kept in memory (64 B each, 16 MiB); --max-sources. Past
 * it the oldest blocked one-attempt outside source gives way. */
#define LW_SOURCES_MAX_DEFAULT 262144
/* sources with a label, HELO or reach time (cold records, ~272 B each)
 * allocated at once: no realloc copy of a large table */
#define LW_SOURCES_COLD_CHUNK 1024
/* bits of the filter remembering evicted sources (1 MiB), so a source that
 * comes back is flagged as counted from its return */
#define LW_SOURCES_EVICTED_BITS (1u << 23)
/* new blocked one-attempt outside sources the store writes a Redis hash
 * for: a burst, then a rate per second of packet time; past them (a
 * flood) the rest are folded into the series and the HyperLogLog, as they
 * are once the source table is full */
#define LW_STORE_FOLD_BURST 4096
#define LW_STORE_FOLD_RATE  1000
/* sources changed after which an offline run (replay --redis, lockwatchd
 * -r) sends a batch before its flush interval ends: a batch and its
 * encoding stay within a few MiB under a flood */
#define LW_STORE_BATCH_SOURCES 8192
/* worst sources listed in the report, text and JSON; --top (0: all) */
#define LW_REPORT_SOURCES_DEFAULT 20

/* Rules */
#define LW_RULES_LINE_MAX 4096 /* bytes in one rules-file line */

/* Daemon and alerts (lockwatchd) */
/* 1 s: idle tracker expiry, STATUS=, flood check */
#define LW_DAEMON_TICK_US 1000000ULL
/* 1 s between store flushes; --flush-interval */
#define LW_DAEMON_FLUSH_US 1000000ULL
/* 60 s: how long an offline run (replay --redis, lockwatchd -r) waits for
 * an absent Redis before it gives up writing; --redis-wait */
#define LW_REDIS_WAIT_S 60
/* 1 h between summary alerts; --summary-interval */
#define LW_DAEMON_SUMMARY_US 3600000000ULL
/* packets per loop turn, so timers and signals run even when the interface
 * never goes idle */
#define LW_DAEMON_BATCH 512
/* jobs queued for a worker thread (journal, store); when full the job is
 * refused, counted */
#define LW_WORKER_QUEUE 256
/* bytes in one lockwatchd.conf line */
#define LW_CONF_LINE_MAX 4096
/* 10 min: one alert per source and event; --dedup-window */
#define LW_ALERT_DEDUP_WINDOW_US 600000000ULL
/* (source, event) pairs remembered; the oldest of a 4-way set is forgotten
 * first */
#define LW_ALERT_DEDUP_SLOTS 65536
/* alerts per second, sustained; --flood-rate */
#define LW_ALERT_FLOOD_RATE 10
/* alerts at once before the guard closes; --flood-burst */
#define LW_ALERT_FLOOD_BURST 100
/* 1 min: a storm longer than this gets one suppressed-count line per minute */
#define LW_ALERT_FLOOD_REPORT_US 60000000ULL

/* Report timeline (lockwatch replay/report --timeline); a capture spanning
 * more hours than a replay holds counts the rest as dropped. */
#define LW_TIMELINE_MAX_HOURS  17568 /* hours held by a replay: two leap years */
#define LW_TIMELINE_HOURLY_MAX 72    /* hours: a longer window is drawn per day */
#define LW_TIMELINE_MINUTE_MAX 180   /* minutes: a longer short window is drawn per hour */

#endif

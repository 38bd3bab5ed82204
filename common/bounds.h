/* Every bound lockwatch applies, with its unit and the reason for it.
 * Those an operator may need to change are options; the option is named. */
#ifndef LW_BOUNDS_H
#define LW_BOUNDS_H

/* Capture */
#define LW_SNAPLEN	  512  /* bytes: link + IP + ext headers + TCP + the first SMTP line */
#define LW_PCAP_BUFFER_MB 32   /* MiB kernel ring; --buffer-size */
#define LW_MAX_FILES	  1024 /* capture files named on one command line */

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

/* Analyzer */
#define LW_SOURCES_MAX_DEFAULT	  1048576 /* distinct sources kept in memory; --max-sources */
#define LW_REPORT_SOURCES_DEFAULT 20	  /* outside sources listed in the text report; --top */

/* Rules */
#define LW_RULES_LINE_MAX 4096 /* bytes in one rules-file line */

#endif

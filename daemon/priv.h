/* Giving up privileges once the capture is open (DESIGN.md section 8):
 * started as root, switch to an unprivileged user; started with only
 * CAP_NET_RAW (the systemd unit), drop it. Then verify, because a drop
 * that silently failed is worse than none. */
#ifndef LW_DAEMON_PRIV_H
#define LW_DAEMON_PRIV_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

struct priv_result {
	uid_t uid;
	gid_t gid;
	bool switched;	       /* the user changed */
	bool bounding_cleared; /* the capability bounding set is empty too */
};

/* When running as root and switch_user is set, becomes `user` (all of
 * real, effective and saved ids; its group only); in every case clears
 * every capability (effective, permitted, inheritable, ambient, and the
 * bounding set when allowed to) and sets no_new_privs. Returns 0, or -1
 * with the reason in errstr: the caller must stop. */
int priv_drop(const char *user, bool switch_user, struct priv_result *ret, char *errstr,
	      size_t errlen);

#endif

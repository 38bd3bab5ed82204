/* Privilege drop and its verification (see priv.h). libcap is not a
 * dependency: capget/capset and prctl are called directly. */
#include "config.h"

#include "daemon/priv.h"

#include <errno.h>
#include <grp.h>
#include <linux/capability.h>
#include <pwd.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

/* Highest capability number we ask about; the kernel answers EINVAL past
 * its own last one, which ends the loops. */
#define PRIV_CAP_PROBE_MAX 63

static int caps_get(struct __user_cap_data_struct data[2])
{
	struct __user_cap_header_struct hdr = {_LINUX_CAPABILITY_VERSION_3, 0};

	memset(data, 0, 2 * sizeof(*data));
	return (int)syscall(SYS_capget, &hdr, data) < 0 ? -errno : 0;
}

static int caps_clear(void)
{
	struct __user_cap_header_struct hdr = {_LINUX_CAPABILITY_VERSION_3, 0};
	struct __user_cap_data_struct data[2];

	memset(data, 0, sizeof(data));
	return (int)syscall(SYS_capset, &hdr, data) < 0 ? -errno : 0;
}

static bool have_cap(const struct __user_cap_data_struct data[2], unsigned cap)
{
	return (data[cap / 32].effective >> (cap % 32)) & 1;
}

/* Empties the bounding set; needs CAP_SETPCAP, so it runs before the
 * switch to the user. Returns 0 or -errno. */
static int bounding_clear(void)
{
	for (unsigned cap = 0; cap <= PRIV_CAP_PROBE_MAX; cap++) {
		int r = prctl(PR_CAPBSET_READ, cap, 0, 0, 0);
		if (r < 0)
			break; /* past the kernel's last capability */
		if (r == 1 && prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) < 0)
			return -errno;
	}
	return 0;
}

static bool bounding_empty(void)
{
	for (unsigned cap = 0; cap <= PRIV_CAP_PROBE_MAX; cap++) {
		int r = prctl(PR_CAPBSET_READ, cap, 0, 0, 0);
		if (r < 0)
			break;
		if (r == 1)
			return false;
	}
	return true;
}

static int verify_caps(char *errstr, size_t errlen)
{
	struct __user_cap_data_struct data[2];
	int r = caps_get(data);

	if (r < 0) {
		snprintf(errstr, errlen, "cannot read capabilities: %s", strerror(-r));
		return -1;
	}
	for (int i = 0; i < 2; i++) {
		if (data[i].effective || data[i].permitted || data[i].inheritable) {
			snprintf(errstr, errlen,
				 "capabilities remain after the drop (effective %08x%08x, "
				 "permitted %08x%08x)",
				 data[1].effective, data[0].effective, data[1].permitted,
				 data[0].permitted);
			return -1;
		}
	}
	for (unsigned cap = 0; cap <= PRIV_CAP_PROBE_MAX; cap++) {
		int a = prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_IS_SET, cap, 0, 0);
		if (a < 0)
			break;
		if (a == 1) {
			snprintf(errstr, errlen, "ambient capability %u remains after the drop",
				 cap);
			return -1;
		}
	}
	if (prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0) != 1) {
		snprintf(errstr, errlen, "no_new_privs is not set");
		return -1;
	}
	return 0;
}

static int switch_user(const char *user, struct priv_result *ret, char *errstr, size_t errlen)
{
	errno = 0;
	struct passwd *pw = getpwnam(user);
	if (!pw) {
		if (errno)
			snprintf(errstr, errlen, "cannot look up user '%s': %s", user,
				 strerror(errno));
		else
			snprintf(errstr, errlen,
				 "user '%s' does not exist: create it (useradd --system "
				 "--no-create-home --shell /usr/sbin/nologin %s) or name another "
				 "with --user",
				 user, user);
		return -1;
	}
	uid_t uid = pw->pw_uid;
	gid_t gid = pw->pw_gid;
	if (uid == 0) {
		snprintf(errstr, errlen, "user '%s' is root: refusing to keep root privileges",
			 user);
		return -1;
	}
	/* Only the user's own group: supplementary groups of root (disk,
	 * adm) must not survive the switch. */
	if (setgroups(1, &gid) < 0 || setresgid(gid, gid, gid) < 0 ||
	    setresuid(uid, uid, uid) < 0) {
		snprintf(errstr, errlen, "cannot switch to user '%s': %s", user, strerror(errno));
		return -1;
	}
	uid_t ru, eu, su;
	gid_t rg, eg, sg;
	gid_t groups[2];
	if (getresuid(&ru, &eu, &su) < 0 || getresgid(&rg, &eg, &sg) < 0 || ru != uid ||
	    eu != uid || su != uid || rg != gid || eg != gid || sg != gid) {
		snprintf(errstr, errlen, "switch to user '%s' did not take effect", user);
		return -1;
	}
	int ng = getgroups(2, groups);
	if (ng < 0 || ng > 1 || (ng == 1 && groups[0] != gid)) {
		snprintf(errstr, errlen, "supplementary groups remain after the switch to '%s'",
			 user);
		return -1;
	}
	/* The proof: root must be out of reach for good. */
	if (setuid(0) == 0 || seteuid(0) == 0) {
		snprintf(errstr, errlen, "could regain root after switching to '%s'", user);
		return -1;
	}
	ret->uid = uid;
	ret->gid = gid;
	ret->switched = true;
	return 0;
}

int priv_drop(const char *user, bool want_switch, struct priv_result *ret, char *errstr,
	      size_t errlen)
{
	struct __user_cap_data_struct data[2];
	int r;

	memset(ret, 0, sizeof(*ret));
	ret->uid = geteuid();
	ret->gid = getegid();
	if ((r = caps_get(data)) < 0) {
		snprintf(errstr, errlen, "cannot read capabilities: %s", strerror(-r));
		return -1;
	}
	/* Only with CAP_SETPCAP (root, not the unit) can the bounding set go;
	 * without it no_new_privs and an empty permitted set keep what is
	 * left in the bounding set out of reach. */
	if (have_cap(data, CAP_SETPCAP)) {
		if ((r = bounding_clear()) < 0) {
			snprintf(errstr, errlen, "cannot clear the capability bounding set: %s",
				 strerror(-r));
			return -1;
		}
	}
	if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) < 0 && errno != EINVAL) {
		snprintf(errstr, errlen, "cannot clear ambient capabilities: %s", strerror(errno));
		return -1;
	}
	if (want_switch && geteuid() == 0 && switch_user(user, ret, errstr, errlen) < 0)
		return -1;
	if ((r = caps_clear()) < 0) {
		snprintf(errstr, errlen, "cannot clear capabilities: %s", strerror(-r));
		return -1;
	}
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0) {
		snprintf(errstr, errlen, "cannot set no_new_privs: %s", strerror(errno));
		return -1;
	}
	if (verify_caps(errstr, errlen) < 0)
		return -1;
	ret->bounding_cleared = bounding_empty();
	return 0;
}

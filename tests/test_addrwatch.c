/* Unit tests: reading rtnetlink address messages (daemon/addrwatch.h):
 * new and removed addresses of one interface or of all, IFA_LOCAL before
 * IFA_ADDRESS (point-to-point), the end of a dump, error messages, and
 * lengths that lie about the buffer (truncated messages and attributes,
 * wrong address sizes, random bytes) read nothing past the end. */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "daemon/addrwatch.h"

struct seen {
	char text[8][LW_ADDR_STRLEN + 2];
	unsigned n;
};

static void on_addr(const struct lw_addr *a, bool added, void *userdata)
{
	struct seen *s = userdata;

	if (s->n < 8) {
		char buf[LW_ADDR_STRLEN];
		snprintf(s->text[s->n++], sizeof(s->text[0]), "%c%s", added ? '+' : '-',
			 addr_format(a, buf, sizeof(buf)));
	}
}

/* A message buffer built one message at a time. */
struct msgbuf {
	uint8_t b[4096] __attribute__((aligned(NLMSG_ALIGNTO)));
	size_t len;
	struct nlmsghdr *cur;
};

static void msg_begin(struct msgbuf *m, uint16_t type, uint8_t family, uint32_t ifindex)
{
	struct nlmsghdr *h = (struct nlmsghdr *)(void *)(m->b + m->len);
	struct ifaddrmsg *ifa = NLMSG_DATA(h);

	memset(h, 0, NLMSG_SPACE(sizeof(*ifa)));
	h->nlmsg_type = type;
	h->nlmsg_len = NLMSG_LENGTH(sizeof(*ifa));
	ifa->ifa_family = family;
	ifa->ifa_index = ifindex;
	m->cur = h;
}

static void msg_attr(struct msgbuf *m, uint16_t type, const void *data, size_t len)
{
	struct nlmsghdr *h = m->cur;
	struct rtattr *rta = (struct rtattr *)(void *)((uint8_t *)h + NLMSG_ALIGN(h->nlmsg_len));

	rta->rta_type = type;
	rta->rta_len = (unsigned short)RTA_LENGTH(len);
	memcpy(RTA_DATA(rta), data, len);
	h->nlmsg_len = NLMSG_ALIGN(h->nlmsg_len) + RTA_ALIGN(rta->rta_len);
}

static void msg_end(struct msgbuf *m)
{
	m->len += NLMSG_ALIGN(m->cur->nlmsg_len);
}

static const uint8_t v4a[4] = {192, 0, 2, 25}, v4b[4] = {192, 0, 2, 1};
static const uint8_t v6a[16] = {0x20, 0x01, 0x0d, 0xb8, [15] = 0x25};

static void test_addresses(void **state)
{
	(void)state;
	struct msgbuf m = {.len = 0};
	struct seen s = {.n = 0};

	msg_begin(&m, RTM_NEWADDR, AF_INET, 3);
	msg_attr(&m, IFA_ADDRESS, v4a, 4);
	msg_end(&m);
	msg_begin(&m, RTM_NEWADDR, AF_INET, 4); /* another interface */
	msg_attr(&m, IFA_ADDRESS, v4b, 4);
	msg_end(&m);
	msg_begin(&m, RTM_NEWADDR, AF_INET, 3); /* point-to-point: the local one */
	msg_attr(&m, IFA_ADDRESS, v4b, 4);
	msg_attr(&m, IFA_LOCAL, v4a, 4);
	msg_end(&m);
	msg_begin(&m, RTM_DELADDR, AF_INET6, 3);
	msg_attr(&m, IFA_ADDRESS, v6a, 16);
	msg_end(&m);
	msg_begin(&m, RTM_NEWADDR, AF_INET, 3); /* an IPv4 address 16 bytes long */
	msg_attr(&m, IFA_ADDRESS, v6a, 16);
	msg_end(&m);
	msg_begin(&m, RTM_NEWADDR, AF_INET6, 3); /* no address at all */
	msg_end(&m);

	assert_int_equal(addrwatch_parse(m.b, m.len, 3, on_addr, &s), 0);
	assert_int_equal(s.n, 3);
	assert_string_equal(s.text[0], "+192.0.2.25");
	assert_string_equal(s.text[1], "+192.0.2.25");
	assert_string_equal(s.text[2], "-2001:db8::25");
	s.n = 0;
	assert_int_equal(addrwatch_parse(m.b, m.len, 0, on_addr, &s), 0);
	assert_int_equal(s.n, 4); /* every interface's */
	assert_string_equal(s.text[1], "+192.0.2.1");
}

static void test_done_and_errors(void **state)
{
	(void)state;
	struct msgbuf m = {.len = 0};
	struct seen s = {.n = 0};

	msg_begin(&m, RTM_NEWADDR, AF_INET, 3);
	msg_attr(&m, IFA_ADDRESS, v4a, 4);
	msg_end(&m);
	struct nlmsghdr *h = (struct nlmsghdr *)(void *)(m.b + m.len);
	memset(h, 0, NLMSG_SPACE(sizeof(int)));
	h->nlmsg_type = NLMSG_DONE;
	h->nlmsg_len = NLMSG_LENGTH(sizeof(int));
	assert_int_equal(addrwatch_parse(m.b, m.len + NLMSG_ALIGN(h->nlmsg_len), 3, on_addr, &s),
			 ADDRWATCH_DONE);
	assert_int_equal(s.n, 1);

	struct nlmsgerr *e = NLMSG_DATA(h);
	h->nlmsg_type = NLMSG_ERROR;
	h->nlmsg_len = NLMSG_LENGTH(sizeof(*e));
	memset(e, 0, sizeof(*e));
	e->error = -EPERM;
	assert_int_equal(addrwatch_parse(h, h->nlmsg_len, 3, on_addr, &s), -EPERM);
	e->error = 0; /* an acknowledgement */
	assert_int_equal(addrwatch_parse(h, h->nlmsg_len, 3, on_addr, &s), 0);
	h->nlmsg_len = NLMSG_LENGTH(2); /* too short for its error */
	assert_int_equal(addrwatch_parse(h, h->nlmsg_len, 3, on_addr, &s), -EBADMSG);
	assert_int_equal(addrwatch_parse(h, 4, 3, on_addr, &s), -EBADMSG);
}

static void test_lengths_that_lie(void **state)
{
	(void)state;
	struct msgbuf m = {.len = 0};
	struct seen s = {.n = 0};

	msg_begin(&m, RTM_NEWADDR, AF_INET6, 3);
	msg_attr(&m, IFA_ADDRESS, v6a, 16);
	msg_end(&m);
	/* every cut of the message: nothing read past the cut, no address
	 * from a cut attribute */
	for (size_t cut = 0; cut < m.len; cut++) {
		uint8_t *copy = malloc(cut ? cut : 1);
		memcpy(copy, m.b, cut);
		s.n = 0;
		int r = addrwatch_parse(copy, cut, 3, on_addr, &s);
		assert_true(r == 0 || r == -EBADMSG);
		assert_int_equal(s.n, 0);
		free(copy);
	}
	/* a message claiming more than the buffer holds */
	m.cur->nlmsg_len += 64;
	s.n = 0;
	assert_int_equal(addrwatch_parse(m.b, m.len, 3, on_addr, &s), 0);
	assert_int_equal(s.n, 0);
	/* a message too short for its ifaddrmsg */
	m.cur->nlmsg_len = NLMSG_LENGTH(2);
	assert_int_equal(addrwatch_parse(m.b, m.len, 3, on_addr, &s), -EBADMSG);
	/* an attribute longer than its message */
	m.cur->nlmsg_len = (uint32_t)m.len;
	struct rtattr *rta = IFA_RTA((struct ifaddrmsg *)NLMSG_DATA(m.cur));
	rta->rta_len = 200;
	s.n = 0;
	assert_int_equal(addrwatch_parse(m.b, m.len, 3, on_addr, &s), 0);
	assert_int_equal(s.n, 0);
}

static void test_random_bytes(void **state)
{
	(void)state;
	struct seen s;
	uint32_t x = 12345;

	/* whatever the bytes say, the parser stays inside them (ASan) */
	for (int i = 0; i < 20000; i++) {
		size_t len = (size_t)(i % 97) + 1;
		uint8_t *b = malloc(len);
		for (size_t k = 0; k < len; k++) {
			x = x * 1103515245u + 12345u;
			b[k] = (uint8_t)(x >> 16);
		}
		if (len >= 16 && (i & 1)) { /* often a plausible header */
			struct nlmsghdr h = {.nlmsg_len = (uint32_t)(x % (len + 8)),
					     .nlmsg_type = (i & 2) ? RTM_NEWADDR : RTM_DELADDR};
			memcpy(b, &h, sizeof(h));
		}
		s.n = 0;
		(void)addrwatch_parse(b, len, 0, on_addr, &s);
		free(b);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_addresses),
	    cmocka_unit_test(test_done_and_errors),
	    cmocka_unit_test(test_lengths_that_lie),
	    cmocka_unit_test(test_random_bytes),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

#!/bin/sh
# lockwatch probe at the SMTP level (issue 14 items 2 and 3) against a real
# MTA: Postfix from Debian, one instance of the test's own (postfix -c DIR:
# its own configuration, queue and data directories under the test's TMP,
# no chroot, listening on the server namespace's documentation address),
# reconfigured with `postfix reload` between scenarios:
#   open      accepts mail for the test domain: --send -> NOT EFFECTIVE
#   rcpt      check_client_access cidr: REJECT at RCPT (5.7.1) -> EFFECTIVE
#   data      refuses only after DATA (smtpd_end_of_data_restrictions):
#             without --send INCONCLUSIVE, with --send EFFECTIVE
#   grey      a 4xx greylist-style reply at RCPT -> INCONCLUSIVE
# The host's own Postfix is never started; nothing is left running.
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"
need python3
if [ ! -x /usr/sbin/postfix ] || ! command -v postconf >/dev/null 2>&1; then
	not_ok "postfix is missing: install postfix (DEBIAN_FRONTEND=noninteractive apt-get install -y postfix)"
	exit 1
fi
if ! id postfix >/dev/null 2>&1 || ! getent group postdrop >/dev/null; then
	not_ok "the postfix user or postdrop group is missing: install postfix"
	exit 1
fi
trap 'exit 1' HUP INT TERM
veth_pair pf
chmod 755 "$TMP" # Postfix's daemons run as the postfix user
PF="$TMP/postfix"
mkdir -p "$PF/etc" "$PF/spool" "$PF/data"
chown postfix "$PF/data" # the master's lock file
# the package's pristine master.cf: present whatever the host's own Postfix looks like
cp /usr/share/postfix/master.cf.dist "$PF/etc/master.cf" 2>/dev/null || cp /etc/postfix/master.cf "$PF/etc/master.cf"
cat >"$PF/etc/main.cf" <<CF
compatibility_level = 3.6
queue_directory = $PF/spool
data_directory = $PF/data
myhostname = mx.lockwatch-test.example
mydomain = lockwatch-test.example
mydestination = lockwatch-test.example
inet_interfaces = 192.0.2.25
inet_protocols = ipv4
mynetworks = 127.0.0.0/8
alias_maps =
alias_database =
local_recipient_maps =
local_transport = discard:
smtpd_banner = \$myhostname ESMTP
maillog_file = $PF/maillog
maillog_file_prefixes = $PF
biff = no
smtpd_relay_restrictions = permit_mynetworks, reject_unauth_destination
CF
printf '198.51.100.0/24 OK\n0.0.0.0/0 REJECT not from the gateway\n' >"$PF/etc/gateway.cidr"
printf '0.0.0.0/0 450 4.7.1 Greylisted, try again later\n' >"$PF/etc/grey.cidr"
postconf -c "$PF/etc" -F '*/*/chroot = n' || not_ok "postconf: no chroot"
# stop our instance, then anything still in our namespace
pf_stop() {
	ip netns exec "$SRV" /usr/sbin/postfix -c "$PF/etc" stop >/dev/null 2>&1
	for p in $(ip netns pids "$SRV" 2>/dev/null); do kill -KILL "$p" 2>/dev/null; done
}
on_exit pf_stop

# conf SCENARIO: the restrictions of one scenario, then reload
conf() {
	case $1 in
	open) rr="permit_mynetworks, reject_unauth_destination" eod="" ;;
	rcpt) rr="check_client_access cidr:$PF/etc/gateway.cidr, reject_unauth_destination" eod="" ;;
	data) rr="permit_mynetworks, reject_unauth_destination" eod="check_client_access cidr:$PF/etc/gateway.cidr" ;;
	grey) rr="check_client_access cidr:$PF/etc/grey.cidr, reject_unauth_destination" eod="" ;;
	esac
	postconf -c "$PF/etc" -e "smtpd_recipient_restrictions = $rr" \
		"smtpd_end_of_data_restrictions = $eod" || return 1
	[ "$1" = open ] && return 0 # the first start reads it
	ip netns exec "$SRV" /usr/sbin/postfix -c "$PF/etc" reload >/dev/null 2>&1
}

conf open
if ! ip netns exec "$SRV" /usr/sbin/postfix -c "$PF/etc" start >"$TMP/pf-start.log" 2>&1; then
	not_ok "postfix -c DIR start: $(head -c 400 "$TMP/pf-start.log") $(grep -v writable "$PF/maillog" | tail -n 3)"
	exit 1
fi
listening() {
	ip netns exec "$SRV" cat /proc/net/tcp | awk '$4 == "0A" && $2 ~ /:0019$/' | grep -q .
}
for i in $(seq 100); do
	listening && break
	sleep 0.1
done
check "our Postfix listens on 192.0.2.25:25 in the server namespace" listening

HELO=lockwatch-probe-test.example.net
probe() {
	_out=$1
	shift
	rc=0
	ip netns exec "$CLI" "$LOCKWATCH" probe --json --level smtp --timeout 10 --helo "$HELO" \
		--rcpt postmaster@lockwatch-test.example "$@" 192.0.2.25 >"$_out" 2>"$_out.err" || rc=$?
}
t='d["targets"][0]'
decided="$t['replies'][$t['deciding_reply']]"

probe "$TMP/open" --send
check "open: --send accepted: NOT EFFECTIVE (2)" json_is "$TMP/open" \
	"[d['verdict'], $rc, $t['message_accepted'], $decided['code']]" \
	'["not_effective", 2, true, 250]'
token=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["token"])' "$TMP/open")
check "open: Postfix logged the test message's Message-ID with the token" sh -c \
	"for i in \$(seq 50); do grep -q 'message-id=<lockwatch-probe-$token\\.' '$PF/maillog' && exit 0; sleep 0.1; done; exit 1"

check "rcpt: reconfigured (postfix reload)" conf rcpt
sleep 1 # reload is asynchronous: let smtpd pick up the new settings
probe "$TMP/rcpt"
check "rcpt: 554 5.7.1 at RCPT: EFFECTIVE (0)" json_is "$TMP/rcpt" \
	"[d['verdict'], $rc, $decided['command'], $decided['code'], $decided['enhanced'], 'not from the gateway' in $decided['text']]" \
	'["effective", 0, "RCPT TO", 554, "5.7.1", true]'
check "rcpt: Postfix logged the refusal with the probe's EHLO name" sh -c \
	"for i in \$(seq 50); do grep -q 'reject: RCPT from .*helo=<$HELO>' '$PF/maillog' && exit 0; sleep 0.1; done; exit 1"

check "data: reconfigured (postfix reload)" conf data
sleep 1
probe "$TMP/data"
check "data: recipient accepted without --send: INCONCLUSIVE (3)" json_is "$TMP/data" \
	"[d['verdict'], $rc, $t['smtp_stage'], '--send' in d['reason']]" \
	'["inconclusive", 3, "rcpt", true]'
probe "$TMP/data-send" --send
check "data: refused after DATA with --send: EFFECTIVE (0)" json_is "$TMP/data-send" \
	"[d['verdict'], $rc, $decided['command'], $decided['enhanced'], $t['message_accepted']]" \
	'["effective", 0, "end of data", "5.7.1", false]'

check "grey: reconfigured (postfix reload)" conf grey
sleep 1
probe "$TMP/grey"
check "grey: 450 4.7.1 at RCPT: INCONCLUSIVE (3)" json_is "$TMP/grey" \
	"[d['verdict'], $rc, $decided['code'], $decided['enhanced']]" \
	'["inconclusive", 3, 450, "4.7.1"]'

pf_stop
check "nothing of our Postfix is left running" sh -c "[ -z \"\$(ip netns pids '$SRV')\" ]"

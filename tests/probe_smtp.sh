#!/bin/sh
# lockwatch probe at the SMTP level (issue 14 items 2 and 3) against
# servers that misbehave on purpose (tests/smtp_fake.py, in a namespace of
# the test's own): a stall after the banner, garbage instead of SMTP, an
# early close, a bytewise drip that never ends a line, multi-line replies,
# a 5.7.1 refusal, an unknown user, EHLO refused (HELO fallback), a 554
# greeting and an open server that takes the --send message. Each gives a
# clear verdict, never a hang or a crash.
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"
need python3
trap 'exit 1' HUP INT TERM
veth_pair ps
on_exit 'for p in $(ip netns pids "$SRV" 2>/dev/null); do kill "$p" 2>/dev/null; done'
mkdir -p "$TMP/in"
ip netns exec "$SRV" python3 "$top_srcdir/tests/smtp_fake.py" 192.0.2.25 2500 "$TMP/in" \
	2>"$TMP/fake.err" &
for i in $(seq 50); do
	[ -f "$TMP/in/ready" ] && break
	sleep 0.1
done
check "the fake servers listen" [ -f "$TMP/in/ready" ]

HELO=lockwatch-probe-test.example.net
# probe PORT OUT ARGS...: the probe at the SMTP level from the client namespace
probe() {
	_port=$1 _out=$2
	shift 2
	rc=0
	ip netns exec "$CLI" "$LOCKWATCH" probe --json --level smtp --timeout 2 --helo "$HELO" \
		--rcpt postmaster@example.com "$@" "192.0.2.25:$_port" >"$_out" 2>"$_out.err" || rc=$?
	if grep -qi 'sanitizer\|segmentation\|core dumped' "$_out.err"; then
		echo "# crashed: $(head -c 300 "$_out.err")" >&2
		rc=99
	fi
}
t='d["targets"][0]'

probe 2500 "$TMP/stall"
check "stall after the banner: INCONCLUSIVE, timed out at EHLO" json_is "$TMP/stall" \
	"[d['verdict'], $rc, $t['smtp_stage'], 'no complete reply to EHLO' in $t['smtp_end']]" \
	'["inconclusive", 3, "banner", true]'

probe 2501 "$TMP/garbage"
check "garbage: INCONCLUSIVE, not an SMTP reply, shown" json_is "$TMP/garbage" \
	"[d['verdict'], $t['smtp_stage'], $t['smtp_end']]" \
	'["inconclusive", "none", "not an SMTP reply: \"HTTP/1.1 400 Bad Request\""]'

probe 2502 "$TMP/close"
check "early close: INCONCLUSIVE, said as such" json_is "$TMP/close" \
	"[d['verdict'], 'closed the connection' in $t['smtp_end']]" '["inconclusive", true]'

probe 2503 "$TMP/refuse"
check "5.7.1 at RCPT: EFFECTIVE (0), the deciding reply" json_is "$TMP/refuse" \
	"[d['verdict'], $rc, $t['replies'][$t['deciding_reply']]['command'], $t['replies'][$t['deciding_reply']]['enhanced']]" \
	'["effective", 0, "RCPT TO", "5.7.1"]'
check "multi-line replies joined" json_is "$TMP/refuse" \
	"[r['text'] for r in $t['replies']][:2]" \
	'["refuse.example ESMTP second line third", "refuse.example PIPELINING 8BITMIME"]'
check "the EHLO name went out as given" grep -q "^EHLO $HELO" "$TMP/in/refuse.in"
check "no DATA without --send" sh -c "! grep -q '^DATA' '$TMP/in/refuse.in'"

probe 2504 "$TMP/user"
check "5.1.1 unknown user: INCONCLUSIVE, about the request" json_is "$TMP/user" \
	"[d['verdict'], 'about the request' in d['reason']]" '["inconclusive", true]'

probe 2505 "$TMP/helo"
check "EHLO refused: HELO fallback, then 5.7.1: EFFECTIVE" json_is "$TMP/helo" \
	"[d['verdict'], [r['command'] for r in $t['replies']]]" \
	'["effective", ["banner", "EHLO", "HELO", "MAIL FROM", "RCPT TO"]]'

probe 2506 "$TMP/drip"
check "a drip that never ends a line: timed out, INCONCLUSIVE" json_is "$TMP/drip" \
	"[d['verdict'], 'no complete reply to banner' in $t['smtp_end']]" '["inconclusive", true]'

probe 2507 "$TMP/rcpt"
check "recipient accepted without --send: INCONCLUSIVE, says --send" json_is "$TMP/rcpt" \
	"[d['verdict'], '--send' in d['reason'], $t['smtp_stage']]" '["inconclusive", true, "rcpt"]'

probe 2507 "$TMP/send" --send
check "--send to an open server: NOT EFFECTIVE (2), message accepted" json_is "$TMP/send" \
	"[d['verdict'], $rc, $t['message_accepted'], $t['smtp_stage']]" \
	'["not_effective", 2, true, "message"]'
token=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["token"])' "$TMP/send")
check "the test message says what it is, with the token" sh -c \
	"grep -q '^Subject: lockwatch probe $token: lockdown test' '$TMP/in/open.in' &&
	 grep -q '^Message-ID: <lockwatch-probe-$token\.' '$TMP/in/open.in' &&
	 grep -q '^Date: ' '$TMP/in/open.in' && grep -q 'token $token' '$TMP/in/open.in'"

probe 2508 "$TMP/b554"
check "554 greeting: EFFECTIVE" json_is "$TMP/b554" "[d['verdict'], $t['smtp_stage']]" \
	'["effective", "banner"]'

# at the TCP level the dialogue is for the record only: an open port is open
rc=0
ip netns exec "$CLI" "$LOCKWATCH" probe --json --timeout 2 --helo "$HELO" 192.0.2.25:2503 \
	>"$TMP/tcp" 2>&1 || rc=$?
check "tcp level: a 5.7.1 refusal is still NOT EFFECTIVE, the replies recorded" json_is \
	"$TMP/tcp" "[d['verdict'], $rc, $t['smtp_stage']]" '["not_effective", 2, "mail"]'

# at the TCP level no reply is awaited past --timeout's default (10 s), not
# RFC 5321's 5 minutes: the dialogue is only for the record
rc=0
ip netns exec "$CLI" "$LOCKWATCH" probe --json --helo "$HELO" 192.0.2.25:2500 >"$TMP/tcpstall" \
	2>&1 || rc=$?
check "tcp level, stalling server: NOT EFFECTIVE, the stall recorded" json_is "$TMP/tcpstall" \
	"[d['verdict'], $rc, 'no complete reply to EHLO' in $t['smtp_end']]" '["not_effective", 2, true]'

# a host name: every address it resolves to is a target, named by it
rc=0
ip netns exec "$CLI" "$LOCKWATCH" probe --json --timeout 2 localhost:2599 >"$TMP/name" 2>&1 || rc=$?
check "a host name TARGET: resolved, probed, named" json_is "$TMP/name" \
	"[d['verdict'], sorted(set((x['target'], x['port'], x['tcp']) for x in d['targets'])), '127.0.0.1' in [x['addr'] for x in d['targets']]]" \
	'["effective", [["localhost", 2599, "refused"]], true]'

expect_error 64 "give --rcpt" "smtp level needs a recipient" -- probe --level smtp --helo "$HELO" 192.0.2.1
expect_error 64 "not a fully qualified name" "a bare EHLO word is refused" -- probe --helo probe 192.0.2.1
expect_error 64 "tcp or smtp" "--level checked" -- probe --level http 192.0.2.1
expect_error 64 "is not ADDR" "a TARGET that is not one" -- probe '[2001:db8::1'

#!/bin/sh
# Integration: the Redis store on a loopback port with requirepass and an
# ACL user: the password comes from a file or the environment (never the
# command line), AUTH with and without a user, SELECT of a database, and
# clear errors for a missing or wrong password and a closed port.
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"
. "$top_srcdir/tests/redis_lib.sh"
need python3
need_redis
redis_start_tcp auth --requirepass topsecret
P=$REDIS_PORT
RCLI="redis-cli -p $P --no-auth-warning -a topsecret"
$RCLI acl setuser lwuser on '>userpass' '~lockwatch:*' '+@all' '-@dangerous' >/dev/null ||
	not_ok "ACL SETUSER"

cat >"$TMP/rules" <<'RULES'
allow test-gw 198.51.100.0/24
RULES
"$LWGEN" -o "$TMP/t.pcap" --script - <<'S' || not_ok "lwgen"
0 198.51.100.10 192.0.2.25 smtp gw1.example
1 203.0.113.7   192.0.2.25 refused
S
printf 'topsecret\n' >"$TMP/pw"
printf 'userpass\n' >"$TMP/userpw"
printf 'wrong\n' >"$TMP/badpw"

# --- no password: NOAUTH, named
expect_error 69 "redis 127.0.0.1:$P: NOAUTH" "no password: refused, host named" -- \
	report --redis "redis://127.0.0.1:$P"
# --- wrong password
expect_error 69 "redis 127.0.0.1:$P: WRONGPASS" "wrong password: refused" -- \
	report --redis "redis://127.0.0.1:$P" --redis-password-file "$TMP/badpw"
expect_error 69 "WRONGPASS" "replay, wrong password: exit 69" -- \
	replay -r "$TMP/rules" --json --redis "redis://127.0.0.1:$P" --redis-password-file "$TMP/badpw" "$TMP/t.pcap"
check "replay, wrong password: its report still printed" json_is "$TMP/out" 'd["verdict"]' effective
# --- password file
run_lw "$TMP/r1.json" "$TMP/r1.err" replay -r "$TMP/rules" --json --redis "redis://127.0.0.1:$P" \
	--redis-password-file "$TMP/pw" --sensor-name mx1 "$TMP/t.pcap"
check "password file: replay stores (exit 0)" [ "$rc" -eq 0 ]
check "password file: the source is in Redis" sh -c "[ \"\$($RCLI hget lockwatch:src:203.0.113.7 refused)\" = 1 ]"
# --- environment
rc=0
LOCKWATCH_REDIS_PASSWORD=topsecret "$LOCKWATCH" report --redis "redis://127.0.0.1:$P" --json \
	>"$TMP/env.json" 2>"$TMP/env.err" || rc=$?
check "environment password: report works" [ "$rc" -eq 0 ]
check "environment password: same totals as the replay" json_is "$TMP/env.json" \
	'd["totals"]["outside"]["refused"]' 1
# --- ACL user (in the URL) with its password from a file; a database
run_lw "$TMP/u.json" "$TMP/u.err" replay -r "$TMP/rules" --json \
	--redis "redis://lwuser@127.0.0.1:$P/2" --redis-password-file "$TMP/userpw" --sensor-name mx2 "$TMP/t.pcap"
check "ACL user: replay stores into db 2" [ "$rc" -eq 0 ]
check "ACL user: the keys are in db 2" sh -c "[ \"\$($RCLI -n 2 hget lockwatch:src:203.0.113.7 refused)\" = 1 ]"
run_lw "$TMP/u2.json" "$TMP/u2.err" report --redis "redis://lwuser@127.0.0.1:$P/2" \
	--redis-password-file "$TMP/userpw" --json
check "ACL user: report reads db 2" json_is "$TMP/u2.json" '[s["name"] for s in d["sensors"]]' '["mx2"]'
expect_error 69 "WRONGPASS" "ACL user, wrong password" -- \
	report --redis "redis://lwuser@127.0.0.1:$P" --redis-password-file "$TMP/pw"
# --- an ACL user without scripting: the indexes cannot be trimmed (their
# script is refused), every count is still stored, and it is said once
$RCLI acl setuser noscript on '>nspass' '~lockwatch:*' '+@all' '-@dangerous' '-@scripting' \
	>/dev/null || not_ok "ACL SETUSER noscript"
printf 'nspass\n' >"$TMP/nspw"
run_lw "$TMP/ns.json" "$TMP/ns.err" replay -r "$TMP/rules" --json --flush-interval 0 \
	--redis "redis://noscript@127.0.0.1:$P/3" --redis-password-file "$TMP/nspw" \
	--sensor-name mx3 "$TMP/t.pcap"
check "no scripting: replay stores (exit 0)" [ "$rc" -eq 0 ]
check "no scripting: the counts are in Redis" \
	sh -c "[ \"\$($RCLI -n 3 hget lockwatch:src:203.0.113.7 refused)\" = 1 ]"
check "no scripting: said once, as a warning" \
	[ "$(grep -c "redis 127.0.0.1:$P: the indexes are not trimmed (NOPERM.*; every count was stored\$" "$TMP/ns.err")" = 1 ]
check "no scripting: nothing else on stderr" [ "$(wc -l <"$TMP/ns.err")" = 1 ]

# --- the ACL user may not touch keys outside its pattern: a clear error
expect_error 69 "NOPERM\|No permissions" "ACL user outside its key pattern" -- \
	report --redis "redis://lwuser@127.0.0.1:$P" --redis-password-file "$TMP/userpw" --redis-prefix other:
# --- password handling errors
expect_error 66 "$TMP/nope: cannot read the Redis password" "missing password file: exit 66" -- \
	report --redis "redis://127.0.0.1:$P" --redis-password-file "$TMP/nope"
: >"$TMP/empty"
expect_error 64 "password file is empty" "empty password file: exit 64" -- \
	report --redis "redis://127.0.0.1:$P" --redis-password-file "$TMP/empty"
# --- a closed port
closed=$((P + 1))
expect_error 69 "redis 127.0.0.1:$closed: Connection refused" "closed port: Connection refused, named" -- \
	report --redis "redis://127.0.0.1:$closed"

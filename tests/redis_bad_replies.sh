#!/bin/sh
# Bad input from the server side: `lockwatch report` against a server that
# answers its listing commands (SMEMBERS, ZRANGEBYSCORE) with something
# other than a list of strings. A real redis-server never does, so the
# server here is a scripted one speaking RESP on a private Unix socket; the
# report must refuse the reply with one line naming command and key, exit
# 65 as for any reply it cannot use, and not crash.
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"
need python3

cat >"$TMP/server.py" <<'PY'
import os, socket, sys
path, bad = sys.argv[1], sys.argv[2]
srv = socket.socket(socket.AF_UNIX)
srv.bind(path)
srv.listen(4)
open(path + ".ready", "w").close()

def read_cmd(f):
    line = f.readline()
    if not line:
        return None
    args = []
    for _ in range(int(line[1:])):
        n = int(f.readline()[1:])
        args.append(f.read(n + 2)[:-2].decode())
    return args

while True:
    c, _ = srv.accept()
    f = c.makefile("rb")
    while True:
        a = read_cmd(f)
        if a is None:
            break
        if " ".join(a[:2]) == bad:
            c.sendall(b"*2\r\n:5\r\n$-1\r\n")  # an integer and a nil
        elif a[0] in ("SMEMBERS", "ZRANGEBYSCORE"):
            c.sendall(b"*0\r\n")
        elif a[0] == "CLIENT":
            c.sendall(b":7\r\n")
        else:
            c.sendall(b"+OK\r\n")
    c.close()
PY

# bad_reply COMMAND KEY: the scripted server garbles that one reply.
bad_reply() {
	sock="$TMP/s$tap_n.sock"
	python3 "$TMP/server.py" "$sock" "$1 $2" &
	pid=$!
	on_exit "kill $pid 2>/dev/null"
	i=0
	while [ ! -e "$sock.ready" ] && [ $i -lt 100 ]; do
		sleep 0.05
		i=$((i + 1))
	done
	expect_error 65 "^lockwatch: redis unix:$sock: $1 $2: not a list of strings\$" \
		"report: $1 $2 answered with an integer and a nil" -- report --redis "unix:$sock"
	kill "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
	if [ "$(wc -l <"$TMP/err")" -eq 1 ]; then
		ok "report: $1 $2: one line"
	else
		not_ok "report: $1 $2: $(wc -l <"$TMP/err") lines on stderr"
	fi
}

bad_reply SMEMBERS lockwatch:sensors
bad_reply ZRANGEBYSCORE lockwatch:hours
bad_reply ZRANGEBYSCORE lockwatch:seen

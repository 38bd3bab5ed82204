#!/usr/bin/env python3
"""SMTP servers that misbehave on purpose, for tests/probe_smtp.sh.

smtp_fake.py ADDR BASEPORT LOGDIR: one listener per scenario on
BASEPORT + its index; every session's received bytes go to
LOGDIR/<scenario>.in. Runs until killed."""
import os
import socket
import sys
import threading
import time

ADDR, BASE, LOGDIR = sys.argv[1], int(sys.argv[2]), sys.argv[3]

# scenario: banner, then replies by command (None: stall, "CLOSE": hang up)
SCENARIOS = [
    ("stall", {"banner": b"220 stall.example ESMTP\r\n", "EHLO": None}),
    ("garbage", {"banner": b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n"}),
    ("close", {"banner": b"220 close.example ESMTP\r\n", "EHLO": "CLOSE"}),
    ("refuse", {"banner": b"220-refuse.example ESMTP\r\n220-second line\r\n220 third\r\n",
                "EHLO": b"250-refuse.example\r\n250-PIPELINING\r\n250 8BITMIME\r\n",
                "MAIL": b"250 2.1.0 Ok\r\n",
                "RCPT": b"550-5.7.1 Client host rejected: not from the gateway\r\n"
                        b"550 5.7.1 see https://example.com/lockdown\r\n"}),
    ("user", {"banner": b"220 user.example ESMTP\r\n", "EHLO": b"250 user.example\r\n",
              "MAIL": b"250 2.1.0 Ok\r\n", "RCPT": b"550 5.1.1 User unknown\r\n"}),
    ("helo", {"banner": b"220 helo.example SMTP\r\n", "EHLO": b"502 5.5.1 EHLO not implemented\r\n",
              "HELO": b"250 helo.example\r\n", "MAIL": b"250 Ok\r\n",
              "RCPT": b"554 5.7.1 Relay access denied\r\n"}),
    ("drip", {"banner": "DRIP"}),
    ("open", {"banner": b"220 open.example ESMTP\r\n", "EHLO": b"250 open.example\r\n",
              "MAIL": b"250 2.1.0 Ok\r\n", "RCPT": b"250 2.1.5 Ok\r\n",
              "DATA": b"354 End data with <CR><LF>.<CR><LF>\r\n",
              "END": b"250 2.0.0 Ok: queued as 4711\r\n"}),
    ("banner554", {"banner": b"554 banner554.example no SMTP service for you\r\n"}),
]


def session(conn, name, sc):
    log = open(os.path.join(LOGDIR, name + ".in"), "ab")
    try:
        if sc["banner"] == "DRIP":
            # one byte at a time, never a whole line
            for _ in range(60):
                conn.sendall(b"2")
                time.sleep(0.5)
            return
        conn.sendall(sc["banner"])
        buf = b""
        in_data = False
        while True:
            chunk = conn.recv(4096)
            if not chunk:
                return
            log.write(chunk)
            log.flush()
            buf += chunk
            while True:
                if in_data:
                    end = buf.find(b"\r\n.\r\n")
                    if end < 0:
                        break
                    buf = buf[end + 5:]
                    in_data = False
                    conn.sendall(sc["END"])
                    continue
                nl = buf.find(b"\n")
                if nl < 0:
                    break
                line, buf = buf[:nl], buf[nl + 1:]
                verb = line.split(b" ")[0].split(b":")[0].strip().upper().decode("ascii", "replace")
                if verb == "QUIT":
                    conn.sendall(b"221 bye\r\n")
                    return
                reply = sc.get(verb, b"500 unrecognised\r\n")
                if reply is None:
                    time.sleep(3600)
                if reply == "CLOSE":
                    return
                conn.sendall(reply)
                if verb == "DATA":
                    in_data = True
    except OSError:
        pass
    finally:
        log.close()
        conn.close()


def serve(i, name, sc):
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind((ADDR, BASE + i))
    s.listen(8)
    while True:
        c, _ = s.accept()
        threading.Thread(target=session, args=(c, name, sc), daemon=True).start()


for i, (name, sc) in enumerate(SCENARIOS):
    threading.Thread(target=serve, args=(i, name, sc), daemon=True).start()
open(os.path.join(LOGDIR, "ready"), "w").close()
while True:
    time.sleep(3600)

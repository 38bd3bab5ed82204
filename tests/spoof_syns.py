# Spoofed SYNs for the live tests, as Ethernet frames sent on the router's
# side of the mail host's link (tests/live_lib.sh's rt-mx), so the mail
# host receives them as from outside:
#   python3 spoof_syns.py DST_MAC SRC_MAC N FIRST
# N SYNs to the mail host's IPv6 address 2001:db8:25::25 from N distinct
# sources of 2001:db8:9::/48 (documentation space with room for a flood),
# numbered from FIRST, then 20 more from the heavy hitter 203.0.113.99 to
# 192.0.2.25. Only documentation addresses, only into the test's own
# namespaces.
import socket, struct, sys

dst_mac, src_mac, n, first = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
mac = lambda m: bytes(int(x, 16) for x in m.split(":"))

def csum(b):
    if len(b) % 2:
        b += b"\0"
    s = sum(struct.unpack("!%dH" % (len(b) // 2), b))
    s = (s >> 16) + (s & 0xffff)
    return ~(s + (s >> 16)) & 0xffff

def tcp_syn(pseudo, sport, isn):
    tcp = struct.pack("!HHIIBBHHH", sport, 25, isn, 0, 5 << 4, 0x02, 64240, 0, 0)
    return tcp[:16] + struct.pack("!H", csum(pseudo + tcp)) + tcp[18:]

def syn(src, sport, isn):
    dst = socket.inet_aton("192.0.2.25")
    tcp = tcp_syn(src + dst + struct.pack("!BBH", 0, 6, 20), sport, isn)
    ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 40, 1, 0, 64, 6, 0, src, dst)
    ip = ip[:10] + struct.pack("!H", csum(ip)) + ip[12:]
    return mac(dst_mac) + mac(src_mac) + b"\x08\x00" + ip + tcp

def syn6(src, sport, isn):
    dst = socket.inet_pton(socket.AF_INET6, "2001:db8:25::25")
    tcp = tcp_syn(src + dst + struct.pack("!IxxxB", 20, 6), sport, isn)
    ip = struct.pack("!IHBB16s16s", 6 << 28, 20, 6, 64, src, dst)
    return mac(dst_mac) + mac(src_mac) + b"\x86\xdd" + ip + tcp

s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
s.bind(("rt-mx", 0))
for i in range(first, first + n):
    src = socket.inet_pton(socket.AF_INET6, "2001:db8:9:%x:%x::1" % (i >> 16, i & 0xffff))
    s.send(syn6(src, 1024 + i % 60000, 1000 + i))
for k in range(20):
    s.send(syn(socket.inet_aton("203.0.113.99"), 2000 + first + k, 7000 + first + k))

# Writes the hostile captures of tests/hostile_traffic.sh as raw-IP pcap
# files: python3 hostile_traffic.py MODE FILE [N]. Every packet is built by
# hand so that each field an attacker controls is exactly what the test says.
import struct, sys, random

LINKTYPE_RAW = 101
BASE = 1793610000

def csum(b):
    if len(b) % 2: b += b"\0"
    s = sum(struct.unpack("!%dH" % (len(b) // 2), b))
    while s >> 16: s = (s & 0xffff) + (s >> 16)
    return (~s) & 0xffff

def ip4(src, dst, proto, payload, ident=0, frag=0x4000, total=None):
    h = struct.pack("!BBHHHBBH4s4s", 0x45, 0, total or 20 + len(payload), ident, frag, 64, proto, 0, src, dst)
    h = h[:10] + struct.pack("!H", csum(h)) + h[12:]
    return h + payload

def tcp(sport, dport, seq, ack, flags, data=b""):
    return struct.pack("!HHIIBBHHH", sport, dport, seq, ack, 5 << 4, flags, 64240, 0, 0) + data

def a4(n):
    return struct.pack("!I", n)

def txt4(s):
    return bytes(int(x) for x in s.split("."))

SYN, ACK, RST, PSH = 0x02, 0x10, 0x04, 0x08

class Pcap:
    def __init__(self, path, linktype=LINKTYPE_RAW):
        self.f = open(path, "wb")
        self.f.write(struct.pack("<IHHiIII", 0xa1b2c3d4, 2, 4, 0, 0, 65535, linktype))
    def add(self, t_us, pkt, wire=None):
        self.f.write(struct.pack("<IIII", BASE + t_us // 1000000, t_us % 1000000, len(pkt), wire or len(pkt)) + pkt)
    def close(self):
        self.f.close()

GW = txt4("198.51.100.10")
SRV = txt4("192.0.2.25")

def conversation(w, t, client, sport, isn, srv_isn=5000, src=None):
    """a gateway SMTP delivery: the control group that proves replies are seen"""
    w.add(t, ip4(client, SRV, 6, tcp(sport, 25, isn, 0, SYN)))
    w.add(t + 100, ip4(SRV, client, 6, tcp(25, sport, srv_isn, isn + 1, SYN | ACK)))
    w.add(t + 200, ip4(client, SRV, 6, tcp(sport, 25, isn + 1, srv_isn + 1, ACK)))
    w.add(t + 300, ip4(client, SRV, 6, tcp(sport, 25, isn + 1, srv_isn + 1, ACK | PSH, b"EHLO gw1.example\r\n")))

def flood(path, n, seed=1, late_reply=0):
    """N SYNs from N distinct spoofed outside sources within a second, between
    two gateway deliveries 20 s apart; late_reply: the server answers the
    first SYN with a SYN-ACK 10 ms after the last, long after the first
    attempt was evicted from a full table"""
    rnd = random.Random(seed)
    w = Pcap(path)
    conversation(w, 0, GW, 40000, 1000)
    first = None
    for i in range(n):
        src = 0x0b000000 + (i * 2654435761) % (1 << 24)   # distinct: odd multiplier mod 2^24
        sport, isn = rnd.randrange(1024, 65536), rnd.getrandbits(32)
        first = first or (src, sport, isn)
        w.add(1000 + i * 10, ip4(a4(src), SRV, 6, tcp(sport, 25, isn, 0, SYN)))
    if late_reply:
        src, sport, isn = first
        w.add(1000 + n * 10 + 10000, ip4(SRV, a4(src), 6, tcp(25, sport, 77, (isn + 1) & 0xffffffff, SYN | ACK)))
    conversation(w, 20000000, GW, 40001, 2000)
    w.close()

def isn_flood(path, n, seed=2):
    """N SYNs with random ISNs on one 4-tuple: each replaces the last"""
    rnd = random.Random(seed)
    w = Pcap(path)
    conversation(w, 0, GW, 40000, 1000)
    src = txt4("203.0.113.7")
    for i in range(n):
        w.add(1000 + i * 10, ip4(src, SRV, 6, tcp(41000, 25, rnd.getrandbits(32), 0, SYN)))
    conversation(w, 20000000, GW, 40001, 2000)
    w.close()

def fragments(path):
    """first fragments (they carry the TCP header), non-first and overlapping
    fragments (skipped), and a fragment that rewrites the flags of a first
    fragment: only what the first fragments say is judged"""
    w = Pcap(path)
    conversation(w, 0, GW, 40000, 1000)
    a = txt4("203.0.113.21")
    syn = tcp(42000, 25, 7000, 0, SYN) + b"X" * 16
    # a SYN split in two: first fragment (MF, offset 0) with the whole TCP header
    w.add(1000, ip4(a, SRV, 6, syn[:24], ident=1, frag=0x2000, total=20 + 24))
    w.add(1010, ip4(a, SRV, 6, syn[24:], ident=1, frag=3, total=20 + len(syn) - 24))
    # overlapping: a second fragment at offset 8 bytes that would turn the
    # flags into SYN|ACK if reassembled over the first
    w.add(1020, ip4(a, SRV, 6, tcp(42000, 25, 7000, 0, SYN | ACK)[8:], ident=1, frag=1))
    # a bare non-first fragment from a source that never sent a first one
    b = txt4("203.0.113.22")
    w.add(1030, ip4(b, SRV, 6, tcp(42001, 25, 8000, 0, SYN), ident=2, frag=5))
    # an overlapping duplicate first fragment with another ISN: a new attempt
    # on the same 4-tuple, as the server's stack would see it too
    w.add(1040, ip4(a, SRV, 6, tcp(42000, 25, 9000, 0, SYN), ident=3, frag=0x2000))
    # many non-first fragments: no state, no memory
    for i in range(5000):
        w.add(2000 + i, ip4(a4(0x0c000000 + i), SRV, 6, b"Y" * 32, ident=i & 0xffff, frag=0x2000 | (1 + i % 100)))
    conversation(w, 20000000, GW, 40001, 2000)
    w.close()

def ip6(src, dst, nh, payload):
    return struct.pack("!IHBB16s16s", 6 << 28, len(payload), nh, 64, src, dst) + payload

def ext_chain(n, each_len_units, last_nh):
    """n hop-by-hop/destination-options headers of (each_len_units+1)*8 bytes"""
    out = b""
    for i in range(n):
        nh = 60 if i + 1 < n else last_nh   # destination options, then the payload
        pad, r = b"", each_len_units * 8 + 6
        while r > 0:   # Pad1 for one byte, PadN (at most 257 bytes) for more
            k = 1 if r == 1 else min(r, 257)
            pad += b"\0" if k == 1 else bytes([1, k - 2]) + bytes(k - 2)
            r -= k
        out += bytes([nh, each_len_units]) + pad
    return out

def ext6(path):
    """IPv6 extension-header chains: the longest the decoder walks (8 headers
    of 2048 bytes), one more than that, and a chain cut by the snaplen"""
    w = Pcap(path)
    conversation(w, 0, GW, 40000, 1000)
    srv6 = bytes.fromhex("20010db8002500000000000000000025")
    def cli(i): return bytes.fromhex("20010db8bad0000000000000000000") + bytes([i])
    syn = tcp(43000, 25, 100, 0, SYN)
    # 8 headers of 2048 bytes each: decoded, an attempt
    w.add(1000, ip6(cli(1), srv6, 60, ext_chain(8, 255, 6) + syn))
    # 9 headers: ip6_ext_too_deep
    w.add(1100, ip6(cli(2), srv6, 60, ext_chain(9, 0, 6) + syn))
    # 8 long headers cut at 512 bytes captured: ip6_ext_truncated
    p = ip6(cli(3), srv6, 60, ext_chain(8, 255, 6) + syn)
    w.add(1200, p[:512], wire=len(p))
    conversation(w, 20000000, GW, 40001, 2000)
    w.close()

def icmp4(src, dst, quoted, code=13):
    body = struct.pack("!BBHI", 3, code, 0, 0) + quoted
    body = body[:2] + struct.pack("!H", csum(body)) + body[4:]
    return ip4(src, dst, 1, body)

def forged_icmp(path):
    """ICMP unreachables quoting forged SYNs: only a quote of the attempt's
    own 4-tuple and ISN may mark it rejected"""
    w = Pcap(path)
    conversation(w, 0, GW, 40000, 1000)
    router = txt4("192.0.2.1")
    t = 1000
    def syn(src, sport, isn): return ip4(src, SRV, 6, tcp(sport, 25, isn, 0, SYN))
    # A: real SYN; unreachables quoting the wrong ISN, port, source, server: all unmatched
    a = txt4("203.0.113.31")
    w.add(t, syn(a, 44000, 0x10000000))
    w.add(t + 10, icmp4(router, a, syn(a, 44000, 0x10000001)[:28]))
    w.add(t + 20, icmp4(router, a, syn(a, 44001, 0x10000000)[:28]))
    w.add(t + 30, icmp4(router, a, syn(txt4("203.0.113.99"), 44000, 0x10000000)[:28]))
    w.add(t + 40, icmp4(router, a, ip4(a, txt4("192.0.2.26"), 6, tcp(44000, 25, 0x10000000, 0, SYN))[:28]))
    # B: real SYN; the right quote: rejected
    b = txt4("203.0.113.32")
    w.add(t + 100, syn(b, 44100, 0x20000000))
    w.add(t + 110, icmp4(router, b, syn(b, 44100, 0x20000000)[:28]))
    # C: real SYN answered with SYN-ACK (it reached the server), then a
    # forged unreachable with its exact tuple and ISN: it stays reached
    c = txt4("203.0.113.33")
    w.add(t + 200, syn(c, 44200, 0x30000000))
    w.add(t + 210, ip4(SRV, c, 6, tcp(25, 44200, 9000, 0x30000001, SYN | ACK)))
    w.add(t + 220, icmp4(router, c, syn(c, 44200, 0x30000000)[:28]))
    # a flood of unreachables quoting random tuples: counted, no state
    rnd = random.Random(3)
    for i in range(3000):
        q = syn(a4(rnd.getrandbits(32)), rnd.randrange(1024, 65536), rnd.getrandbits(32))
        w.add(t + 1000 + i, icmp4(router, q[12:16], q[:28]))
    conversation(w, 20000000, GW, 40001, 2000)
    w.close()

def ext6_breach(path):
    """a client that hides its SYN behind a destination-options header and
    is answered: it reached the server and the verdict must say so"""
    w = Pcap(path)
    conversation(w, 0, GW, 40000, 1000)
    srv6 = bytes.fromhex("20010db8002500000000000000000025")
    cli = bytes.fromhex("20010db8bad000000000000000000004")
    w.add(1000, ip6(cli, srv6, 60, ext_chain(1, 0, 6) + tcp(43100, 25, 500, 0, SYN)))
    w.add(1100, ip6(srv6, cli, 6, tcp(25, 43100, 9000, 501, SYN | ACK)))
    w.add(1200, ip6(cli, srv6, 60, ext_chain(1, 0, 6) + tcp(43100, 25, 501, 9001, ACK)))
    w.add(1300, ip6(cli, srv6, 60, ext_chain(1, 0, 6) + tcp(43100, 25, 501, 9001, ACK | PSH, b"EHLO hidden.example\r\n")))
    conversation(w, 20000000, GW, 40001, 2000)
    w.close()

def forged_rst(path):
    """a client that sends, right behind its SYN, a RST "from the server"
    acknowledging its own ISN, then completes the handshake the server
    really answered and speaks SMTP"""
    w = Pcap(path)
    conversation(w, 0, GW, 40000, 1000)
    c = txt4("203.0.113.66")
    w.add(1000, ip4(c, SRV, 6, tcp(45000, 25, 777, 0, SYN)))
    w.add(1001, ip4(SRV, c, 6, tcp(25, 45000, 0, 778, RST | ACK)))
    w.add(1100, ip4(SRV, c, 6, tcp(25, 45000, 9000, 778, SYN | ACK)))
    w.add(1200, ip4(c, SRV, 6, tcp(45000, 25, 778, 9001, ACK)))
    w.add(1300, ip4(c, SRV, 6, tcp(45000, 25, 778, 9001, ACK | PSH, b"EHLO spam.example\r\n")))
    conversation(w, 20000000, GW, 40001, 2000)
    w.close()

mode, path = sys.argv[1], sys.argv[2]
args = [int(x) for x in sys.argv[3:]]
{"flood": flood, "isn": isn_flood, "frag": fragments, "ext6": ext6, "icmp": forged_icmp,
 "ext6-breach": ext6_breach, "forged-rst": forged_rst}[mode](path, *args)

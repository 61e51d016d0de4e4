#!/usr/bin/env python3
"""peer.py: byte-exact syslog peers on loopback for the scenario tests.

CHUNK arguments are Python byte escapes (\\n \\r \\0 \\x00 \\\\), so a test
can write any byte stream on its command line; a CHUNK "@oc:TEXT" is TEXT
as one RFC 6587 octet-counted frame ("LEN TEXT").  Every operation is
bounded by --timeout (default 10 s); --source ADDR sends from that local
address (127.0.0.2 is a second IPv4 source on loopback).

  ports N                       print N ports free for TCP and UDP on both
                                127.0.0.1 and ::1
  tcp HOST PORT CHUNK...        one connection; send the chunks in one write,
                                or with --pause, one write per chunk with a
                                pause between them; then close
  splitall HOST PORT CHUNK...   for every position k in the stream of the
                                chunks: one connection that sends the first
                                k bytes, pauses, sends the rest, closes
  tcpfile HOST PORT FILE        one connection; send the file, then close
  udp HOST PORT CHUNK...        one datagram per chunk
  tcpmany HOST PORT N TEXT [HOLD]  one connection, N LF-framed RFC 5424
                                messages "TEXT i" (i = 0..N-1); prints N when
                                all are sent; with HOLD, the last one has no
                                LF and the connection stays open until the
                                peer closes it or HOLD seconds pass
  tcpheld HOST PORT N TEXT END  one connection, N LF-framed RFC 5424 messages
                                "TEXT i" in one burst; prints N when all are
                                sent; END "hold": every one ends with LF and
                                the connection stays open until the peer
                                closes it or --timeout passes; "tail": the
                                last one has no LF and the connection is shut
                                down (FIN) right after it
  udpflood HOST PORT N TEXT     N datagrams "TEXT i"; prints how many were sent
  connburst HOST PORT N         open and close N connections in a burst (up
                                to 500 open at once); prints how many connected
  listening HOST PORT           wait (up to --timeout) until a TCP connect works
  hold HOST PORT N GOFILE TEXT  open N connections and keep them open (raising
                                the soft descriptor limit as needed); print
                                "open N"; once GOFILE exists, send one
                                LF-framed message "TEXT i" on connection i and
                                print "sent N"; keep them open until --timeout
                                seconds have passed in all, then close
  udprandom HOST PORT SEED N     N datagrams of 1-1500 pseudo-random bytes;
                                prints how many are not empty once trailing
                                LF, CR and NUL are removed
  random SEED SIZE FILE         write SIZE pseudo-random bytes (fixed seed)
  stream HOST PORT TEXT STOP    one connection, octet-counted RFC 5424 frames
                                "TEXT i" in bursts of 20, --pause seconds
                                (default 0.003) apart, until
                                the file STOP exists (or --timeout passes);
                                then closes gracefully and prints "sent=N
                                port=LOCALPORT closed=0|1" (1: the server
                                closed or reset the connection before STOP)
  tlslate HOST PORT CERT KEY GO TEXT  TLS 1.3 with a client certificate; the
                                last handshake flight is held until the file
                                GO exists, then sent with TEXT as one
                                octet-counted frame; prints "held", then "sent"
  tlsstream HOST PORT TEXT STOP  stream over TLS, the server's certificate
                                not verified; prints "fp=SHA256" of it after
                                the handshake, and with the last line
  udpspoof HOST PORT FIRST N TEXT  one datagram "TEXT i" from each of N source
                                addresses (sources FIRST..FIRST+N-1, each a
                                distinct 127.a.b.c: all of 127/8 is loopback on
                                Linux), set per datagram with IP_PKTINFO; a
                                --pause sleep every 200 datagrams; prints how
                                many were sent
  udpstream HOST PORT TEXT STOP datagrams "TEXT i", one every --pause
                                seconds (default 0.005), until STOP exists;
                                prints how many were sent
  tls HOST PORT CA CERT KEY TEXT  one TLS connection (CERT and KEY may be "-":
                                no client certificate) that sends TEXT as one
                                LF-framed line, then closes; prints "sent", or
                                "failed: why" when the server refused it
  tlsmany HOST PORT CA N TEXT CLOSE FRAMING  one TLS connection (no client
                                certificate) with N RFC 5424 messages "TEXT i";
                                FRAMING lf (LF after each), lfopen (no LF
                                after the last) or oc (octet-counted); one TLS
                                record per message up to 1,000 messages, 16 KB
                                records beyond (--record SIZE: records of SIZE
                                bytes cut anywhere in the stream), sent in 64 KB TCP writes; the
                                last write holds the last records and, with
                                CLOSE notify, the close_notify (abrupt: none);
                                then the TCP stream is half-closed and read to
                                its end (the server's close); prints N.
                                CLOSE hold: the client's last handshake flight
                                and all the records go in one TCP write; prints
                                N, then holds the connection open (no close)
                                until the server closes it or --timeout passes
  tlsconns HOST PORT CA C N TEXT  C TLS connections at once (threads), each
                                with N octet-counted messages "TEXT-c i" in
                                16 KB records and 64 KB writes; even ones end
                                with close_notify, odd ones without; prints
                                the messages sent in all
  halfopen HOST PORT            connect, send nothing; print "closed" when the
                                server closes (exit 0), "open" after --timeout
  slowloris HOST PORT N SECS    N connections that each send "<13>slow" one
                                byte at a time, one byte a second, never a LF,
                                for SECS seconds; prints how many the server
                                let connect and how many it closed meanwhile
"""
import codecs
import os
import random
import socket
import ssl
import sys
import time

TIMEOUT = 10.0
PAUSE = 0.0
SOURCE = None
RECORD = 0


def family(host):
    return socket.AF_INET6 if ":" in host else socket.AF_INET


def chunk(text):
    if text.startswith("@oc:"):
        data = chunk(text[4:])
        return b"%d %s" % (len(data), data)
    return codecs.escape_decode(text.encode("utf-8"))[0]


def port_free(port):
    socks = []
    try:
        for fam, host in ((socket.AF_INET, "127.0.0.1"), (socket.AF_INET6, "::1")):
            for kind in (socket.SOCK_STREAM, socket.SOCK_DGRAM):
                s = socket.socket(fam, kind)
                socks.append(s)
                s.bind((host, port))
        return True
    except OSError:
        return False
    finally:
        for s in socks:
            s.close()


def cmd_ports(args):
    want = int(args[0])
    found = []
    deadline = time.monotonic() + TIMEOUT
    while len(found) < want:
        if time.monotonic() > deadline:
            sys.exit("peer.py: no free port found")
        s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
        s.close()
        if port not in found and port_free(port):
            found.append(port)
    print(" ".join(str(p) for p in found))
    return 0


def bind_source(s):
    if SOURCE is not None:
        s.bind((SOURCE, 0))


def connect(host, port):
    s = socket.socket(family(host), socket.SOCK_STREAM)
    bind_source(s)
    s.settimeout(TIMEOUT)
    s.connect((host, int(port)))
    return s


def close_gracefully(s):
    """Half-close, then wait (bounded) for the server to close: every byte was read."""
    try:
        s.shutdown(socket.SHUT_WR)
        s.settimeout(TIMEOUT)
        while s.recv(4096):
            pass
    except OSError:
        pass
    s.close()


def cmd_tcp(args):
    s = connect(args[0], args[1])
    s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    if PAUSE > 0:
        for i, c in enumerate(args[2:]):
            if i > 0:
                time.sleep(PAUSE)
            s.sendall(chunk(c))
    else:
        s.sendall(b"".join(chunk(c) for c in args[2:]))
    close_gracefully(s)
    return 0


def cmd_splitall(args):
    stream = b"".join(chunk(c) for c in args[2:])
    for k in range(1, len(stream)):
        s = connect(args[0], args[1])
        s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        s.sendall(stream[:k])
        time.sleep(PAUSE or 0.02)
        s.sendall(stream[k:])
        close_gracefully(s)
    print(len(stream) - 1)
    return 0


def cmd_tcpfile(args):
    s = connect(args[0], args[1])
    with open(args[2], "rb") as fp:
        s.sendall(fp.read())
    close_gracefully(s)
    return 0


def cmd_udp(args):
    s = socket.socket(family(args[0]), socket.SOCK_DGRAM)
    bind_source(s)
    for i, c in enumerate(args[2:]):
        if i > 0 and PAUSE > 0:
            time.sleep(PAUSE)
        s.sendto(chunk(c), (args[0], int(args[1])))
    s.close()
    return 0


def cmd_tcpmany(args):
    n, text = int(args[2]), args[3]
    hold = float(args[4]) if len(args) > 4 else 0.0
    s = connect(args[0], args[1])
    buf = bytearray()
    for i in range(n):
        buf += ("<14>1 2026-11-27T10:00:00.000000Z host1 many %d - - %s %d"
                % (os.getpid(), text, i)).encode()
        if i < n - 1 or hold <= 0:
            buf += b"\n"
        if len(buf) > 65536:
            s.sendall(buf)
            buf = bytearray()
    s.sendall(buf)
    print(n, flush=True)
    if hold > 0:
        # Keep the connection open: the daemon must drain it when told to exit.
        s.settimeout(hold)
        try:
            s.recv(1)
        except OSError:
            pass
    # Not a graceful close on purpose: the test signals right after this.
    s.close()
    return 0


def cmd_tcpheld(args):
    n, text, end = int(args[2]), args[3], args[4]
    if end not in ("hold", "tail"):
        sys.exit("peer.py: tcpheld END is hold or tail")
    s = connect(args[0], args[1])
    lines = [("<14>1 2026-11-27T10:00:00.000000Z host1 held %d - - %s %d"
              % (os.getpid(), text, i)).encode() for i in range(n)]
    data = b"\n".join(lines) + (b"\n" if end == "hold" else b"")
    s.sendall(data)
    print(n, flush=True)
    if end == "tail":
        s.shutdown(socket.SHUT_WR)
    try:
        while s.recv(4096):
            pass    # the daemon sends nothing; recv returns b"" when it closes
    except OSError:
        pass
    s.close()
    return 0


def cmd_udpflood(args):
    host, port, n, text = args[0], int(args[1]), int(args[2]), args[3]
    s = socket.socket(family(host), socket.SOCK_DGRAM)
    bind_source(s)
    sent = 0
    deadline = time.monotonic() + TIMEOUT
    for i in range(n):
        msg = ("<13>1 2026-11-27T10:00:00Z flood udp - - - %s %d" % (text, i)).encode()
        while True:
            try:
                s.sendto(msg, (host, port))
                sent += 1
                break
            except (BlockingIOError, InterruptedError):
                if time.monotonic() > deadline:
                    break
                time.sleep(0.001)
            except OSError:
                # ENOBUFS and the like: the datagram was not sent
                break
    s.close()
    print(sent)
    return 0


def cmd_connburst(args):
    host, port, n = args[0], int(args[1]), int(args[2])
    ok = 0
    deadline = time.monotonic() + TIMEOUT * 3
    done = 0
    while done < n and time.monotonic() < deadline:
        batch = []
        for _ in range(min(500, n - done)):
            s = socket.socket(family(host), socket.SOCK_STREAM)
            s.settimeout(TIMEOUT)
            try:
                s.connect((host, port))
                ok += 1
            except OSError:
                pass
            batch.append(s)
            done += 1
        for s in batch:
            s.close()
    print(ok)
    return 0


def cmd_hold(args):
    import resource
    host, port, n, gofile, text = args[0], int(args[1]), int(args[2]), args[3], args[4]
    end = time.monotonic() + TIMEOUT
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    want = n + 64
    if soft != resource.RLIM_INFINITY and soft < want:
        if hard != resource.RLIM_INFINITY and hard < want:
            print("descriptor hard limit %d is below %d" % (hard, want))
            return 1
        resource.setrlimit(resource.RLIMIT_NOFILE, (want, hard))
    conns = []
    for _ in range(n):
        s = socket.socket(family(host), socket.SOCK_STREAM)
        s.settimeout(max(0.1, end - time.monotonic()))
        s.connect((host, port))
        conns.append(s)
    print("open %d" % len(conns), flush=True)
    while not os.path.exists(gofile):
        if time.monotonic() > end:
            return 1
        time.sleep(0.05)
    for i, s in enumerate(conns):
        s.sendall(b"<13>1 - h app - - - %s %d\n" % (text.encode(), i))
    print("sent %d" % len(conns), flush=True)
    while time.monotonic() < end:
        time.sleep(0.1)
    for s in conns:
        s.close()
    return 0


def cmd_listening(args):
    deadline = time.monotonic() + TIMEOUT
    while True:
        s = socket.socket(family(args[0]), socket.SOCK_STREAM)
        s.settimeout(1)
        try:
            s.connect((args[0], int(args[1])))
            s.close()
            return 0
        except OSError:
            s.close()
            if time.monotonic() > deadline:
                print("nothing listens on %s port %s" % (args[0], args[1]))
                return 1
            time.sleep(0.05)


def cmd_udprandom(args):
    host, port = args[0], int(args[1])
    rnd = random.Random(int(args[2]))
    s = socket.socket(family(host), socket.SOCK_DGRAM)
    nonempty = 0
    for _ in range(int(args[3])):
        data = bytes(rnd.getrandbits(8) for _ in range(rnd.randint(1, 1500)))
        s.sendto(data, (host, port))
        if data.rstrip(b"\n\r\0"):
            nonempty += 1
        time.sleep(0.001)
    s.close()
    print(nonempty)
    return 0


def stream_frame(text, i):
    msg = ("<14>1 2026-11-27T10:00:00.000000Z host1 stream %d - - %s %d"
           % (os.getpid(), text, i)).encode()
    return b"%d %s" % (len(msg), msg)


def stream_bursts(s, text, stop, sent):
    """stream's sending: bursts of 20 frames until STOP exists or --timeout
    passes; sent[0] counts the frames written (kept when a write fails)."""
    deadline = time.monotonic() + TIMEOUT
    while not os.path.exists(stop) and time.monotonic() < deadline:
        s.sendall(b"".join(stream_frame(text, sent[0] + k) for k in range(20)))
        sent[0] += 20
        time.sleep(PAUSE or 0.003)


def cmd_stream(args):
    host, port, text, stop = args[0], args[1], args[2], args[3]
    s = connect(host, port)
    local = s.getsockname()[1]
    sent, closed = [0], 0
    try:
        stream_bursts(s, text, stop, sent)
        # a server that closed the connection makes it readable with EOF
        s.setblocking(False)
        try:
            if s.recv(1) == b"":
                closed = 1
        except BlockingIOError:
            pass
        s.setblocking(True)
    except OSError:
        closed = 1
    close_gracefully(s)
    print("sent=%d port=%d closed=%d" % (sent[0], local, closed), flush=True)
    return 0


def cmd_tlsstream(args):
    """stream over TLS (the server's certificate not verified); prints also
    fp=SHA-256 of the certificate the server showed."""
    import hashlib
    host, port, text, stop = args[0], args[1], args[2], args[3]
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    raw = connect(host, port)
    local = raw.getsockname()[1]
    s = ctx.wrap_socket(raw, server_hostname="localhost")
    fp = hashlib.sha256(s.getpeercert(binary_form=True)).hexdigest()
    print("fp=%s" % fp, flush=True)
    sent, closed = [0], 0
    try:
        stream_bursts(s, text, stop, sent)
        s.settimeout(0.2)
        try:
            if s.recv(1) == b"":
                closed = 1
        except (socket.timeout, ssl.SSLWantReadError):
            pass
        except ssl.SSLError:
            closed = 1
        s.settimeout(TIMEOUT)
        try:
            s.unwrap()
        except (OSError, ssl.SSLError):
            pass
    except OSError:
        closed = 1
    close_gracefully(raw)
    print("sent=%d port=%d closed=%d fp=%s" % (sent[0], local, closed, fp), flush=True)
    return 0


IP_PKTINFO = getattr(socket, "IP_PKTINFO", 8)    # <linux/in.h>; absent from some Pythons


def spoof_source(i):
    """The i-th made-up sender: 127.20.1.1 upwards, never 127.0.0.x."""
    return "127.%d.%d.%d" % (20 + i // 62500, (i // 250) % 250 + 1, i % 250 + 1)


def cmd_udpspoof(args):
    import struct
    host, port, first, n, text = args[0], int(args[1]), int(args[2]), int(args[3]), args[4]
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sent = 0
    deadline = time.monotonic() + TIMEOUT
    for i in range(first, first + n):
        msg = ("<13>1 2026-11-27T10:00:00Z spoof udp - - - %s %d" % (text, i)).encode()
        info = struct.pack("@I4s4s", 0, socket.inet_aton(spoof_source(i)), bytes(4))
        try:
            s.sendmsg([msg], [(socket.IPPROTO_IP, IP_PKTINFO, info)], 0,
                       (host, port))
            sent += 1
        except OSError:
            pass
        if PAUSE > 0 and i % 200 == 199:
            time.sleep(PAUSE)
        if time.monotonic() > deadline:
            break
    s.close()
    print(sent, flush=True)
    return 0


def cmd_udpstream(args):
    host, port, text, stop = args[0], int(args[1]), args[2], args[3]
    s = socket.socket(family(host), socket.SOCK_DGRAM)
    sent = 0
    deadline = time.monotonic() + TIMEOUT
    while not os.path.exists(stop) and time.monotonic() < deadline:
        s.sendto(("<14>1 2026-11-27T10:00:00Z host1 ustream - - - %s %d"
                  % (text, sent)).encode(), (host, port))
        sent += 1
        time.sleep(PAUSE or 0.005)
    s.close()
    print(sent, flush=True)
    return 0


def cmd_tls(args):
    host, port, ca, cert, key, text = args[0], int(args[1]), args[2], args[3], args[4], args[5]
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.minimum_version = ssl.TLSVersion.TLSv1_2
    ctx.load_verify_locations(ca)
    if cert != "-":
        ctx.load_cert_chain(cert, key)
    raw = connect(host, port)
    try:
        s = ctx.wrap_socket(raw, server_hostname="localhost")
        s.sendall(text.encode() + b"\n")
        # TLS 1.3: a refused client certificate shows as an alert on the
        # next read; an accepted one as the server's close after ours.
        s.settimeout(2)
        try:
            s.unwrap()
        except (socket.timeout, ssl.SSLEOFError, ConnectionResetError):
            pass
        except ssl.SSLError as e:
            if "EOF" not in str(e):
                raise
        print("sent")
    except (ssl.SSLError, OSError) as e:
        print("failed: %s" % e)
    raw.close()
    return 0


def tls_memory_handshake(sock, ctx, send_last=True):
    """A client SSLObject over memory BIOs, handshake done on sock: the caller
    decides how the bytes of its records meet the TCP stream (send_last
    False: the client's last flight is left in out, for the caller's first
    write)."""
    inc, out = ssl.MemoryBIO(), ssl.MemoryBIO()
    obj = ctx.wrap_bio(inc, out, server_hostname="localhost")
    while True:
        try:
            obj.do_handshake()
            break
        except ssl.SSLWantReadError:
            sock.sendall(out.read())
            data = sock.recv(65536)
            if not data:
                raise OSError("server closed during the handshake")
            inc.write(data)
    if send_last:
        sock.sendall(out.read())
    return obj, out


def cmd_tlsmany(args):
    host, port, ca, n, text = args[0], int(args[1]), args[2], int(args[3]), args[4]
    close, framing = args[5], args[6]
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.load_verify_locations(ca)
    sock = connect(host, port)
    hold = close == "hold"
    obj, out = tls_memory_handshake(sock, ctx, not hold)
    buf = bytearray()
    for i in range(n):
        msg = ("<14>1 2026-11-27T10:00:00.000000Z host1 tlsmany %d - - %s %d"
               % (os.getpid(), text, i)).encode()
        if framing == "oc":
            msg = b"%d %s" % (len(msg), msg)
        elif framing == "lf" or i < n - 1:
            msg += b"\n"
        if RECORD > 0:
            buf += msg
            while len(buf) >= RECORD:
                obj.write(bytes(buf[:RECORD]))
                del buf[:RECORD]
        elif n <= 1000:
            obj.write(msg)
        else:
            buf += msg
            if len(buf) >= 16384:
                obj.write(bytes(buf))
                buf = bytearray()
        if out.pending >= 65536 and not hold:
            sock.sendall(out.read())
    if buf:
        obj.write(bytes(buf))
    if hold:
        sock.sendall(out.read())
        print(n, flush=True)
        try:
            while sock.recv(65536):
                pass
        except OSError:
            pass
        sock.close()
        return 0
    if close == "notify":
        try:
            obj.unwrap()
        except ssl.SSLWantReadError:
            pass    # close_notify written; the server's is not awaited
    # the last records and the close_notify in one TCP write, as a busy
    # sender's kernel would coalesce them
    sock.sendall(out.read())
    close_gracefully(sock)
    print(n, flush=True)
    return 0


def cmd_tlslate(args):
    """A TLS 1.3 client with a certificate that holds its last handshake
    flight (Certificate, CertificateVerify, Finished) until GO exists, then
    sends it with one message: the server checks the certificate only then."""
    host, port, cert, key, go, text = args[0], int(args[1]), args[2], args[3], args[4], args[5]
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    ctx.minimum_version = ssl.TLSVersion.TLSv1_3
    ctx.load_cert_chain(cert, key)
    sock = connect(host, port)
    obj, out = tls_memory_handshake(sock, ctx, send_last=False)
    print("held", flush=True)
    deadline = time.monotonic() + TIMEOUT
    while not os.path.exists(go):
        if time.monotonic() > deadline:
            return 1
        time.sleep(0.05)
    obj.write(b"%d %s" % (len(text), text.encode()))
    sock.sendall(out.read())
    close_gracefully(sock)
    print("sent", flush=True)
    return 0


def tls_conn_send(host, port, ctx, c, n, text, counts):
    """One connection of tlsconns: n messages "text-c i", then the close."""
    sock = connect(host, port)
    obj, out = tls_memory_handshake(sock, ctx)
    buf = bytearray()
    for i in range(n):
        msg = ("<14>1 2026-11-27T10:00:00.000000Z host1 tlsconns %d - - %s-%d %d"
               % (c, text, c, i)).encode()
        buf += b"%d %s" % (len(msg), msg)
        if len(buf) >= 16384:
            obj.write(bytes(buf))
            buf = bytearray()
        if out.pending >= 65536:
            sock.sendall(out.read())
    if buf:
        obj.write(bytes(buf))
    if c % 2 == 0:
        try:
            obj.unwrap()
        except ssl.SSLWantReadError:
            pass
    sock.sendall(out.read())
    close_gracefully(sock)
    counts[c] = n


def cmd_tlsconns(args):
    import threading
    host, port, ca = args[0], int(args[1]), args[2]
    conns, n, text = int(args[3]), int(args[4]), args[5]
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.load_verify_locations(ca)
    counts = [0] * conns
    threads = [threading.Thread(target=tls_conn_send, args=(host, port, ctx, c, n, text, counts))
               for c in range(conns)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    print(sum(counts), flush=True)
    return 0


def cmd_halfopen(args):
    s = connect(args[0], args[1])
    try:
        data = s.recv(1)
    except socket.timeout:
        print("open")
        return 1
    except OSError:
        data = b""
    s.close()
    print("closed" if not data else "data")
    return 0 if not data else 1


def cmd_slowloris(args):
    host, port, n, secs = args[0], int(args[1]), int(args[2]), float(args[3])
    socks = []
    for _ in range(n):
        try:
            socks.append(connect(host, port))
        except OSError:
            pass
    connected = len(socks)
    payload = b"<13>slow"
    closed = set()
    end = time.monotonic() + secs
    i = 0
    while time.monotonic() < end and len(closed) < connected:
        for k, s in enumerate(socks):
            if k in closed:
                continue
            try:
                s.send(payload[i % len(payload):i % len(payload) + 1])
            except OSError:
                closed.add(k)
        i += 1
        time.sleep(1.0)
    for s in socks:
        s.close()
    print(connected, len(closed))
    return 0


def cmd_random(args):
    rnd = random.Random(int(args[0]))
    with open(args[2], "wb") as fp:
        fp.write(bytes(rnd.getrandbits(8) for _ in range(int(args[1]))))
    return 0


def main():
    global TIMEOUT, PAUSE, SOURCE, RECORD
    args = sys.argv[1:]
    while args and args[0].startswith("--"):
        if args[0] == "--timeout":
            TIMEOUT = float(args[1])
        elif args[0] == "--pause":
            PAUSE = float(args[1])
        elif args[0] == "--source":
            SOURCE = args[1]
        elif args[0] == "--record":
            RECORD = int(args[1])
        else:
            sys.exit("peer.py: unknown option " + args[0])
        args = args[2:]
    cmds = {"ports": cmd_ports, "tcp": cmd_tcp, "splitall": cmd_splitall, "tcpfile": cmd_tcpfile, "udp": cmd_udp,
            "tcpmany": cmd_tcpmany, "tcpheld": cmd_tcpheld, "udpflood": cmd_udpflood,
            "connburst": cmd_connburst, "udprandom": cmd_udprandom, "listening": cmd_listening,
            "hold": cmd_hold,
            "random": cmd_random, "stream": cmd_stream, "tlsstream": cmd_tlsstream, "tlslate": cmd_tlslate, "udpstream": cmd_udpstream,
            "udpspoof": cmd_udpspoof,
            "halfopen": cmd_halfopen, "tlsmany": cmd_tlsmany, "tlsconns": cmd_tlsconns, "tls": cmd_tls, "slowloris": cmd_slowloris}
    if not args or args[0] not in cmds:
        sys.exit(__doc__)
    return cmds[args[0]](args[1:])


if __name__ == "__main__":
    sys.exit(main())

#!/usr/bin/env python3
"""pace.py: a paced TCP syslog sender that SIGKILLs the daemon mid-stream
(the kill-loss scenario).

  pace.py HOST PORT PID RATE SECONDS TEXT

One connection; LF-framed RFC 5424 messages "TEXT NNNNNNNN" (all the same
length), RATE a second, sent a millisecond's worth at a time.  After
SECONDS it reads how many bytes the kernel still holds unsent
(SIOCOUTQNSD: not yet handed to the daemon's side, unlike TIOCOUTQ which
also counts what loopback delivered but did not acknowledge yet),
and how many the daemon's own socket still holds unread (its receive
queue, rx_queue in /proc/net/tcp: the kernel's, lost by any daemon that
is killed), sends SIGKILL to PID at once and stops.  Prints "sent=N
accepted=N unread=N": the messages written, those the daemon's kernel
accepted (written minus what was still queued at the kill), and those of
them the daemon had not read yet.  Exits 1 when the connection broke
before the kill.
"""
import fcntl
import os
import signal
import socket
import struct
import sys
import time

SIOCOUTQNSD = 0x894B  # linux/sockios.h


def unread_bytes(server_port, client_port):
    """The receive queue of the daemon's end of our connection, in bytes."""
    for name in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            with open(name) as f:
                next(f)
                for row in f:
                    col = row.split()
                    local, remote, state, queues = col[1], col[2], col[3], col[4]
                    if (state == "01" and int(local.split(":")[1], 16) == server_port
                            and int(remote.split(":")[1], 16) == client_port):
                        return int(queues.split(":")[1], 16)
        except OSError:
            pass
    return 0


def main():
    host, port, pid = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    rate, seconds, text = float(sys.argv[4]), float(sys.argv[5]), sys.argv[6]
    s = socket.create_connection((host, port), timeout=10)
    frame = "<14>1 2026-11-27T10:00:00Z host1 pace - - - %s %%08d\n" % text
    size = len(frame % 0)
    sent = 0
    start = time.monotonic()
    while True:
        now = time.monotonic() - start
        if now >= seconds:
            break
        due = int(now * rate)
        if due > sent:
            s.sendall("".join(frame % i for i in range(sent, due)).encode())
            sent = due
        time.sleep(0.0005)
    outq = struct.unpack("i", fcntl.ioctl(s.fileno(), SIOCOUTQNSD, b"\0\0\0\0"))[0]
    unread = unread_bytes(port, s.getsockname()[1])
    os.kill(pid, signal.SIGKILL)
    accepted = sent - (outq + size - 1) // size
    print("sent=%d accepted=%d unread=%d" % (sent, accepted, unread // size), flush=True)
    s.close()
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except OSError as e:
        print("error: %s" % e, flush=True)
        sys.exit(1)

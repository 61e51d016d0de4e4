#!/bin/sh
# udp-overflow: UDP cannot be slowed down, so what the kernel drops must be
# counted.  The daemon is stopped (SIGSTOP) with a small receive buffer while
# a burst arrives; after SIGCONT every datagram is either archived or
# counted in kernel_drops (SO_RXQ_OVFL), and the drops are not zero.
TEST_NAME=udp-overflow
. "$(dirname "$0")/lib.sh"

N=5000
ports 1
P=$PORTS
cat >"$T/logward.conf" <<CONF
input udp { transport = udp  address = "127.0.0.1:$P"  recv_buffer = 65536 }
rules = "$top_srcdir/patterns"
archive { path = "$T/archive/events-%Y%m%d.jsonl" }
workers = 1
stats_interval = 0
CONF

logward_start "$T/logward.conf"
kill -STOP "$LOGWARD_PID"
sent=$($PEER udpflood 127.0.0.1 "$P" "$N" overflow) || { kill -CONT "$LOGWARD_PID"; fail "sender failed"; }
kill -CONT "$LOGWARD_PID"
# A last datagram after the burst tells us the daemon has read everything queued.
$PEER udp 127.0.0.1 "$P" "<13>1 2026-11-27T10:00:00Z h t - - - the end" >/dev/null 2>&1
ev_wait 1 10 "message=the end"
logward_stop TERM
[ "$LOGWARD_STATUS" -eq 0 ] || fail "logward exited with $LOGWARD_STATUS"
archived=$(( $($EV count "$T/archive") - 1 ))
got=$(( $(counter udp messages) - 1 ))
drops=$(counter udp kernel_drops)
[ "$drops" -gt 0 ] || fail "no kernel drops counted for a $sent-datagram burst into a stopped daemon (messages=$got)"
[ $((got + drops)) -eq "$sent" ] || fail "messages $got + kernel_drops $drops != sent $sent"
[ "$archived" -eq "$got" ] || fail "$archived events archived, messages counter says $got"
note "sent $sent, archived $got, kernel drops counted $drops"

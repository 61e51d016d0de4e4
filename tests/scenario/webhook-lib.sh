# webhook-lib.sh: shared by the webhook-* scenarios; sourced after lib.sh.
#   RECV                  the webhook receiver (receiver.py)
#   webhook_conf PORT     the lines each of their configurations starts with:
#                         a TCP input on PORT, the shipped rules, files in $T
#   metric NAME [LABEL=VALUE ...]  one sample of /metrics on port $MP
RECV="$PY $SCENARIO_DIR/receiver.py"

webhook_conf() {
	cat <<CONF
input tcp4 { transport = tcp  address = "127.0.0.1:$1" }
rules = "$top_srcdir/patterns"
archive { path = "$T/archive/events.jsonl" }
alerts { path = "$T/alerts.jsonl" }
spool = "$T/spool"
stats_interval = 0
CONF
}

metric() {
	$RECV metric "http://127.0.0.1:$MP/metrics" "$@"
}

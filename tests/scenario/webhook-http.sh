#!/bin/sh
# webhook-http: alerts reach a real receiver over HTTP and over HTTPS
# (a CA and a server certificate for 127.0.0.1/localhost made here with
# openssl), each once, with a Standard Webhooks signature that the
# receiver verifies with Python's hmac (not logward's code); the spools are
# empty afterwards; a receiver whose certificate names another host gets
# nothing, logward says why, keeps retrying and does not crash.
# Prints the delivery latency (event.created -> receiver) of N alerts.
TEST_NAME=webhook-http
. "$(dirname "$0")/lib.sh"
. "$SCENARIO_DIR/webhook-lib.sh"
N=${WEBHOOK_N:-200}

ports 1
P=$PORTS
printf 'whsec_%s\n' "$(head -c 32 /dev/urandom | base64 | tr -d '\n')" >"$T/secret"
chmod 600 "$T/secret"

# A CA, a server certificate for 127.0.0.1 and localhost, and one for another name.
cd "$T" || fail "cd"
openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=logward test CA" \
    -keyout ca.key -out ca.crt >openssl.log 2>&1 || fail "openssl CA: $(cat openssl.log)"
for n in good:"IP:127.0.0.1,DNS:localhost" wrong:"DNS:elsewhere.example"; do
	name=${n%%:*} san=${n#*:}
	openssl req -newkey rsa:2048 -nodes -subj "/CN=$name" -keyout "$name.key" \
	    -out "$name.csr" >>openssl.log 2>&1 || fail "openssl req"
	printf 'subjectAltName=%s\n' "$san" >"$name.ext"
	openssl x509 -req -in "$name.csr" -CA ca.crt -CAkey ca.key -CAcreateserial -days 2 \
	    -extfile "$name.ext" -out "$name.crt" >>openssl.log 2>&1 || fail "openssl x509"
done
cd - >/dev/null || fail "cd"

bg_start recv_http $RECV serve --port-file "$T/http.port" --out "$T/http.jsonl" \
    --secret-file "$T/secret" --max-seconds 300
bg_start recv_https $RECV serve --port-file "$T/https.port" --out "$T/https.jsonl" \
    --secret-file "$T/secret" --tls "$T/good.crt" "$T/good.key" --max-seconds 300
bg_start recv_wrong $RECV serve --port-file "$T/wrong.port" --out "$T/wrong.jsonl" \
    --tls "$T/wrong.crt" "$T/wrong.key" --max-seconds 300
wait_for '[ -s "$T/http.port" ] && [ -s "$T/https.port" ] && [ -s "$T/wrong.port" ]' 10 ||
	fail "receivers did not start"

{ webhook_conf "$P"; cat <<CONF
webhook plain { url = "http://127.0.0.1:$(cat "$T/http.port")/hook"
	secret_file = "$T/secret"  retry_min = 0.2  retry_max = 1 }
webhook tls { url = "https://localhost:$(cat "$T/https.port")/hook"  format = standard
	secret_file = "$T/secret"  ca_file = "$T/ca.crt"  retry_min = 0.2  retry_max = 1
	headers = { "X-Scenario: webhook-http" } }
webhook wrongname { url = "https://127.0.0.1:$(cat "$T/wrong.port")/hook"
	ca_file = "$T/ca.crt"  retry_min = 0.2  retry_max = 0.5 }
CONF
} >"$T/logward.conf"
logward_start "$T/logward.conf"

# N alerts, 10 ms apart, each a different account.
$PY - "$P" "$N" <<'PYEOF' || fail "sender failed"
import socket, sys, time
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=10)
for i in range(int(sys.argv[2])):
    s.sendall(b"<86>Nov 27 10:00:00 web1 useradd[4242]: new user: name=hook%d, UID=%d, "
              b"GID=100, home=/home/hook%d, shell=/bin/bash, from=/dev/pts/0\n" % (i, 2000 + i, i))
    time.sleep(0.01)
s.close()
PYEOF

for r in http https; do
	wait_for '[ "$($RECV summary "$T/$r.jsonl" | $PY -c "import json,sys; print(json.load(sys.stdin)[\"ids\"])")" -ge "$N" ]' 60 ||
		fail "$r receiver: not every alert arrived: $($RECV summary "$T/$r.jsonl")"
done
for r in http https; do
	$RECV summary "$T/$r.jsonl" >"$T/$r.summary"
	$PY - "$T/$r.summary" "$N" "$r" <<'PYEOF' || fail "$r: $(cat "$T/$r.summary")"
import json, sys
s = json.load(open(sys.argv[1])); n = int(sys.argv[2])
assert s["ids"] == n, "ids %d != %d" % (s["ids"], n)
assert s["bad_sig"] == 0, "bad signatures"
assert s["names"] == sorted("hook%d" % i for i in range(n)), "accounts differ"
assert s["dup_ok"] == 0, "duplicates without a failure"
print("%s: %d alerts, latency median %s ms, p99 %s ms, max %s ms" % (
    sys.argv[3], n, s["latency_ms"]["median"], s["latency_ms"]["p99"], s["latency_ms"]["max"]))
PYEOF
done
grep -q '"signature_ok": true' "$T/https.jsonl" || fail "https: no signature checked"
$PY -c "
import json,sys
r = json.loads(open('$T/https.jsonl').readline())
assert r['body']['type'] == 'account.created', r['body']['type']
assert r['body']['data']['rule']['id'] == 'linux-useradd'
" || fail "https: body is not the standard shape"

# The wrong certificate name: nothing accepted, a clear error, still retrying.
wait_for 'grep -q "webhook wrongname: delivery failed (.*\(certificate\|match\|SSL\)" "$T/logward.err"' 10 ||
	fail "no clear TLS error for the wrong certificate name"
[ ! -s "$T/wrong.jsonl" ] || fail "a receiver with a wrong certificate name got a request"
logward_alive || fail "logward died"
logward_stop TERM
[ "$LOGWARD_STATUS" -eq 0 ] || fail "logward exited with status $LOGWARD_STATUS"
[ ! -s "$T/spool/plain.spool" ] || fail "plain spool not empty after delivery"
[ ! -s "$T/spool/tls.spool" ] || fail "tls spool not empty after delivery"
n=$(wc -l <"$T/spool/wrongname.spool")
[ "$n" -eq "$N" ] || fail "wrongname spool holds $n records, not $N"
grep -q "retries=" "$T/logward.err" || fail "no webhook counters in the final stats"
note "ok"

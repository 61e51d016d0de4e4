#!/bin/sh
# relp-tls-term: relp-term.sh over RELP-TLS (rsyslog's omrelp with OpenSSL
# and a client certificate): a SIGTERM while messages are in flight gives
# neither loss nor duplicates.  Over TLS too the session ends with the
# answers, serverclose, close_notify and a half-close, then reads until the
# sender closes: a close with unread bytes resets the connection, and the
# sender's kernel then drops the answers it has not read yet.
TEST_NAME=relp-tls-term
RELP_TERM_TLS=1
. "$(dirname "$0")/relp-term.sh"

#!/usr/bin/env bash
# The local SMTP server (aiosmtpd, services/notification/mailsink.py) that stores every message it is
# sent under var/mail/ as .eml files. Usage: smtp.sh up|down|status. Skipped when SMTP_HOST names a
# mail server; reused when something already answers on the port.
source "$(dirname "$0")/lib.sh"

HOST=127.0.0.1
PORT="${SMTP_PORT:-2525}"
MAIL_DIR="$VAR/mail"
SMTP_LOG="$LOG_DIR/mailsink.log"
PIDFILE="$RUN_DIR/mailsink.pid"

answering() { (exec 3<>"/dev/tcp/$HOST/$PORT") 2>/dev/null; }

up() {
  if [ -n "${SMTP_HOST:-}" ]; then say "SMTP: using SMTP_HOST=$SMTP_HOST from the environment, not starting the mail sink"; return; fi
  if answering; then say "SMTP: already answering on $HOST:$PORT, reusing it"; return; fi
  say "SMTP: starting the local mail sink on $HOST:$PORT (messages in var/mail, log: $SMTP_LOG)"
  nohup "$ROOT/.venv/bin/python" -m services.notification.mailsink --host "$HOST" --port "$PORT" \
    --dir "$MAIL_DIR" >"$SMTP_LOG" 2>&1 &
  echo $! >"$PIDFILE"
  wait_until 20 "the mail sink" "$SMTP_LOG" answering
  say "SMTP: up (smtp://$HOST:$PORT)"
}

down() { stop_pidfile "mail sink" "$PIDFILE"; }
status() { answering && echo "smtp: up" || echo "smtp: down"; }

"${1:-up}"

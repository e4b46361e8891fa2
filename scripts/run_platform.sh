#!/usr/bin/env bash
# Starts the six services and the web console (one nameko process each) against the running servers, waits until
# GET /health answers 200, prints the URLs, and stops every service cleanly on Ctrl-C.
set -uo pipefail
cd "$(dirname "$0")/.."
PORT="${GATEWAY_PORT:-8000}"
WEB_PORT="${WEB_PORT:-8080}"
HEALTH_URL="http://127.0.0.1:$PORT/health"
pids=()

stop_all() {  # stop_all [EXIT_CODE]
  trap - INT TERM
  echo; echo "[run] stopping the services"
  for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null; done
  wait
  echo "[run] all services stopped"
  exit "${1:-0}"
}
trap stop_all INT TERM

if (exec 3<>"/dev/tcp/127.0.0.1/$PORT") 2>/dev/null; then
  echo "[run] FAILED: port $PORT is already in use (set GATEWAY_PORT to use another)" >&2; exit 1
fi
if (exec 3<>"/dev/tcp/127.0.0.1/$WEB_PORT") 2>/dev/null; then
  echo "[run] FAILED: port $WEB_PORT is already in use (set WEB_PORT to use another)" >&2; exit 1
fi

# Each service logs in to RabbitMQ as its own user (shared/broker_access.py; AMQP_URI_<SERVICE> for an
# external broker). The web console uses no broker (it is a client of the gateway's HTTP API).
uri_lines=$(.venv/bin/python -m shared.broker_access uris) || { echo "[run] FAILED: no AMQP URIs for the services" >&2; exit 1; }
declare -A amqp_uris
while read -r service uri; do amqp_uris[$service]=$uri; done <<< "$uri_lines"

# module:Class for each service (nameko would otherwise also pick up imported base classes)
while read -r service path; do
  echo "[run] starting $service"
  uri="${amqp_uris[$service]:-}"
  env ${uri:+AMQP_URI="$uri"} SORASORI_SERVICE=$service \
    .venv/bin/python -m services.run --config config/sorasori.yaml "$path" &
  pids+=($!)
done < <(.venv/bin/python -m services.registry)

echo "[run] waiting for $HEALTH_URL (and the web console's /health) to answer 200"
for i in $(seq 1 90); do
  if curl -fs -o /dev/null "$HEALTH_URL" && curl -fs -o /dev/null "http://127.0.0.1:$WEB_PORT/health"; then
    echo "[run] Sorasori is up:"
    echo "[run]   web console   http://127.0.0.1:$WEB_PORT/ (demo people: make seed)"
    echo "[run]   gateway       http://127.0.0.1:$PORT/"
    echo "[run]   health        $HEALTH_URL"
    echo "[run]   RabbitMQ UI   http://127.0.0.1:15672/ (guest/guest, local only)"
    [ -z "${SMTP_HOST:-}" ] && echo "[run]   mail sink     smtp://127.0.0.1:${SMTP_PORT:-2525} (what was emailed: var/mail/*.eml)"
    [ -z "${S3_ENDPOINT_URL:-}" ] && echo "[run]   attachments   http://127.0.0.1:9400/ (S3Proxy; the files: var/s3proxy/data)"
    echo "[run] Ctrl-C stops the services; 'make infra-down' stops the servers."
    break
  fi
  for pid in "${pids[@]}"; do
    kill -0 "$pid" 2>/dev/null || { echo "[run] FAILED: a service exited during start-up (see its log above)" >&2; stop_all 1; }
  done
  sleep 1
  [ "$i" -eq 90 ] && { echo "[run] FAILED: /health did not answer 200 in 90s:" >&2; curl -s "$HEALTH_URL" >&2; echo >&2; }
done
wait

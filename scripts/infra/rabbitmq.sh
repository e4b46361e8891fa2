#!/usr/bin/env bash
# RabbitMQ from Debian's rabbitmq-server package, data under var/rabbitmq, management plugin on.
# `up` also creates the platform's vhost `sorasori` and one user per service with least-privilege
# permissions (shared/broker_access.py; passwords in var/secrets, mode 600); guest is for local
# administration only. Usage: rabbitmq.sh up|down|status. Skipped when AMQP_URI names an existing broker.
source "$(dirname "$0")/lib.sh"

NODE="sorasori@localhost"
RMQ_DIR=$(data_dir_for_unprivileged_user rabbitmq)
RMQ_LOG="$RMQ_DIR/log/$NODE.log"
API="http://guest:guest@127.0.0.1:15672"

rmq() {  # run a RabbitMQ tool against our node, as the rabbitmq user when we are root
  local tool=$1; shift
  local envs=(HOME="$RMQ_DIR" RABBITMQ_NODENAME="$NODE" RABBITMQ_MNESIA_BASE="$RMQ_DIR/mnesia"
              RABBITMQ_LOG_BASE="$RMQ_DIR/log" RABBITMQ_PID_FILE="$RMQ_DIR/rabbitmq.pid"
              RABBITMQ_ENABLED_PLUGINS_FILE="$RMQ_DIR/enabled_plugins"
              RABBITMQ_CONFIG_FILE="$RMQ_DIR/rabbitmq.conf")
  if [ "$(id -u)" = 0 ]; then
    (cd / && runuser -u rabbitmq -- env "${envs[@]}" "/usr/lib/rabbitmq/bin/$tool" "$@")
  else
    env "${envs[@]}" "/usr/lib/rabbitmq/bin/$tool" "$@"
  fi
}

api_ok() { curl -fs "$API/api/overview" >/dev/null; }

up() {
  if [ -n "${AMQP_URI:-}" ]; then say "RabbitMQ: using AMQP_URI from the environment, not starting one"; return; fi
  if api_ok; then say "RabbitMQ: already running on 127.0.0.1:5672, reusing it"; provision_users; return; fi
  [ -x /usr/lib/rabbitmq/bin/rabbitmq-server ] || apt_install rabbitmq-server
  mkdir -p "$RMQ_DIR/mnesia" "$RMQ_DIR/log"
  echo '[rabbitmq_management].' > "$RMQ_DIR/enabled_plugins"
  cat > "$RMQ_DIR/rabbitmq.conf" <<CONF
listeners.tcp.default = 127.0.0.1:5672
management.tcp.ip = 127.0.0.1
management.tcp.port = 15672
CONF
  [ "$(id -u)" = 0 ] && chown -R rabbitmq:rabbitmq "$RMQ_DIR/"
  say "RabbitMQ: starting node $NODE (log: $RMQ_LOG)"
  rmq rabbitmq-server -detached >"$LOG_DIR/rabbitmq-start.log" 2>&1 || fail "RabbitMQ did not start; see $LOG_DIR/rabbitmq-start.log and $RMQ_LOG"
  wait_until 120 "RabbitMQ broker" "$RMQ_LOG" rmq rabbitmqctl --timeout 5 await_startup
  wait_until 60 "RabbitMQ management API" "$RMQ_LOG" api_ok
  touch "$RUN_DIR/rabbitmq.ours"
  say "RabbitMQ: up (amqp://127.0.0.1:5672, management http://127.0.0.1:15672)"
  provision_users
}

provision_users() {  # idempotent: the same passwords (var/secrets) and permissions every time
  "$ROOT/.venv/bin/python" -m shared.broker_access setup --api "$API" \
    || fail "RabbitMQ: could not create the platform's vhost and service users"
}

down() {
  if [ -f "$RUN_DIR/rabbitmq.ours" ]; then
    say "stopping RabbitMQ node $NODE"
    rmq rabbitmqctl stop >/dev/null 2>&1 || true
    rm -f "$RUN_DIR/rabbitmq.ours"
  fi
}

status() { api_ok && echo "rabbitmq: up" || echo "rabbitmq: down"; }

"${1:-up}"

# Common helpers for the local infrastructure scripts. Sourced, not run.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
VAR="$ROOT/var"
RUN_DIR="$VAR/run"        # pid files of what the project itself started
LOG_DIR="$VAR/log"
CACHE_DIR="$VAR/cache"
BIN_DIR="$ROOT/.bin"
mkdir -p "$RUN_DIR" "$LOG_DIR" "$CACHE_DIR" "$BIN_DIR"

say()  { printf '[infra] %s\n' "$*"; }
fail() { printf '[infra] FAILED: %s\n' "$*" >&2; exit 1; }

as_root() {
  if [ "$(id -u)" = 0 ]; then "$@"
  elif command -v sudo >/dev/null 2>&1; then sudo "$@"
  else fail "need root to run: $* (no sudo on this machine)"; fi
}

apt_updated=""
apt_install() {
  if [ -z "$apt_updated" ]; then
    say "apt-get update"
    as_root apt-get update -qq
    apt_updated=1
  fi
  say "apt-get install $*"
  DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq "$@" >/dev/null
}

# wait_until SECONDS DESCRIPTION LOGFILE COMMAND...: polls COMMAND once a second.
wait_until() {
  local limit=$1 what=$2 log=$3; shift 3
  local waited=0
  until "$@" >/dev/null 2>&1; do
    waited=$((waited + 1))
    if [ "$waited" -ge "$limit" ]; then
      printf '[infra] FAILED: %s not healthy after %ss; its log: %s\n' "$what" "$limit" "$log" >&2
      [ -f "$log" ] && tail -n 20 "$log" >&2
      exit 1
    fi
    [ $((waited % 10)) -eq 0 ] && say "still waiting for $what (${waited}s)"
    sleep 1
  done
}

pid_alive() { [ -f "$1" ] && kill -0 "$(cat "$1")" 2>/dev/null; }

stop_pidfile() {
  local name=$1 pidfile=$2
  if pid_alive "$pidfile"; then
    local pid; pid=$(cat "$pidfile")
    say "stopping $name (pid $pid)"
    kill "$pid" 2>/dev/null || true
    for _ in $(seq 1 30); do kill -0 "$pid" 2>/dev/null || break; sleep 1; done
    kill -9 "$pid" 2>/dev/null || true
  fi
  rm -f "$pidfile"
}

# Elasticsearch and RabbitMQ run as their own unprivileged users when we are root, so their data folder
# must be reachable by another user. It is var/NAME, unless a parent folder of the checkout is private
# (mode 700, say): then the data lives under /var/lib/sorasori/<checkout hash>/NAME, linked from var/NAME.
data_dir_for_unprivileged_user() {
  local name=$1 dir="$VAR/$1"
  if [ "$(id -u)" = 0 ] && [ ! -e "$dir" ] && ! runuser -u nobody -- test -x "$VAR" 2>/dev/null; then
    local outside
    outside="/var/lib/sorasori/$(printf '%s' "$ROOT" | md5sum | cut -c1-12)/$name"
    mkdir -p "$outside" && ln -s "$outside" "$dir"
  fi
  readlink -f "$dir"  # the real path: the unprivileged user may not be able to pass through var/
}

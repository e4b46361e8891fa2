#!/usr/bin/env bash
# FerretDB v1 (MongoDB wire protocol on SQLite) for dev and CI, installed with `go install` into .bin/.
# Usage: ferretdb.sh up|down|status. Skipped when MONGO_URI names an existing server.
source "$(dirname "$0")/lib.sh"

FERRETDB_VERSION=v1.24.2
FERRET_BIN="$BIN_DIR/ferretdb"
FERRET_DIR="$VAR/ferretdb"
FERRET_LOG="$LOG_DIR/ferretdb.log"
PIDFILE="$RUN_DIR/ferretdb.pid"
ADDR=127.0.0.1:27017

ping_ok() { "$ROOT/.venv/bin/python" -m shared.health mongo "mongodb://$ADDR/" >/dev/null 2>&1; }

# `go install ...cmd/ferretdb@v1.24.2` builds a binary that panics at start ("Invalid
# build/version/version.txt file content"): the module zip lacks the version.txt that FerretDB's own
# build generates. So we fetch the same module from the Go module proxy, write version.txt as the panic
# message says, and build cmd/ferretdb from it.
install() {
  if [ -x "$FERRET_BIN" ] && "$FERRET_BIN" --version 2>/dev/null | grep -q "version: $FERRETDB_VERSION"; then return; fi
  command -v go >/dev/null 2>&1 || fail "FerretDB needs Go >= 1.24 to build; no 'go' on PATH"
  local ilog="$LOG_DIR/ferretdb-install.log" src="$CACHE_DIR/ferretdb-$FERRETDB_VERSION"
  say "FerretDB: building $FERRETDB_VERSION from the Go module proxy into .bin/ (first run: 1-3 minutes)"
  local mod
  mod=$(go mod download -json "github.com/FerretDB/FerretDB@$FERRETDB_VERSION" 2>>"$ilog" \
        | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p') || true
  [ -n "$mod" ] && [ -d "$mod" ] || fail "FerretDB module download failed; see $ilog"
  rm -rf "$src" && cp -r "$mod" "$src" && chmod -R u+w "$src"
  echo "$FERRETDB_VERSION" >"$src/build/version/version.txt"
  (cd "$src" && go build -o "$FERRET_BIN" ./cmd/ferretdb) >>"$ilog" 2>&1 || fail "FerretDB build failed; see $ilog"
}

start_server() {  # start_server ADDR DATA_DIR LOG PIDFILE: also used by tests that stop and restart a private server
  local addr=$1 dir=$2 log=$3 pidfile=$4
  mkdir -p "$dir/sqlite" "$dir/state"
  DO_NOT_TRACK=1 nohup "$FERRET_BIN" --handler=sqlite --sqlite-url="file:$dir/sqlite/" --state-dir="$dir/state" \
    --listen-addr="$addr" --debug-addr=- --telemetry=disable --log-level=warn >"$log" 2>&1 &
  echo $! >"$pidfile"
}

up() {
  if [ -n "${MONGO_URI:-}" ]; then say "MongoDB: using MONGO_URI from the environment, not starting FerretDB"; return; fi
  if ping_ok 2>/dev/null; then say "FerretDB: already answering on $ADDR, reusing it"; return; fi
  install
  say "FerretDB: starting on $ADDR (SQLite under var/ferretdb, telemetry off, log: $FERRET_LOG)"
  start_server "$ADDR" "$FERRET_DIR" "$FERRET_LOG" "$PIDFILE"
  wait_until 60 "FerretDB" "$FERRET_LOG" ping_ok
  say "FerretDB: up (mongodb://$ADDR/)"
}

down() { stop_pidfile FerretDB "$PIDFILE"; }
status() { ping_ok 2>/dev/null && echo "ferretdb: up" || echo "ferretdb: down"; }

"${1:-up}"

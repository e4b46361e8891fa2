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

# Two fixes to the module as the Go module proxy serves it, applied before we build cmd/ferretdb:
# 1. `go install ...cmd/ferretdb@v1.24.2` builds a binary that panics at start ("Invalid
#    build/version/version.txt file content"): the module lacks the version.txt FerretDB's own build
#    generates. We write it, as the panic message says.
# 2. On SQLite, lookups by _id scan the whole table: the _id index is on `_ferretdb_sjson->"_id"` but
#    queries compare `_ferretdb_sjson->'$._id'`, which SQLite does not match to the index. Every
#    update_one by _id cost time in proportion to the collection (17 ms at 2,000 documents). We make the
#    query use the index's own expression (`->'_id'` is the same JSON path in SQLite).
# 3. The _id lookup is pushed down only when _id is the filter's one key, so a guarded write such as
#    {_id: X, version: 3} scanned the table (630 ms at 20,000 documents). Every caller filters the rows
#    again in full, so we push the _id lookup down whenever the filter has an _id string or ObjectId.
# 4. Updates were not atomic: update and findAndModify read the matching documents and write them back in
#    separate SQLite transactions, so concurrent updates of one document lost writes (100 concurrent
#    $inc gave 5; two version-guarded writes both "matched"). A mutex per collection around each update's
#    read-modify-write makes every single-document update atomic, as MongoDB's are. It is per collection
#    (a document races only with updates of its own collection) because one mutex for the whole server
#    made every service's writes wait in one line: each database is its own SQLite file with its own
#    writer, and at 15 filings/s the single line was the platform's wall (bench/capacity.py).
# 5. Dropping a database removed its SQLite file but left its -wal and -shm files. A write still in flight
#    on the dropped database (its connection stays open until the write ends) then shared them with the
#    database the next write made under the same name: SQLite reset the shared-memory index under the old
#    connection's mapping and FerretDB died of SIGBUS (a CI run lost its FerretDB this way when a test
#    dropped its databases while a service still wrote). The drop now removes all three files, so the old
#    connection keeps its own (unlinked) ones and a new database starts clean.
# 6. Every cursor, iterator and transaction FerretDB opens is tracked for leaks even in a release build: a
#    runtime/pprof profile entry (a stack walk) and a finalizer that panics the server if the object is never
#    closed. A CPU profile of FerretDB under filing load put 9-11% of its CPU there (`resource.Track` and
#    `Untrack`; README, Capacity). Outside a debug build both now return at once.
BUILD_ID="$FERRETDB_VERSION+sorasori.6"  # bump when the fixes change, so .bin/ferretdb is rebuilt
STAMP="$BIN_DIR/ferretdb.build"

install() {
  if [ -x "$FERRET_BIN" ] && [ "$(cat "$STAMP" 2>/dev/null)" = "$BUILD_ID" ]; then return; fi
  command -v go >/dev/null 2>&1 || fail "FerretDB needs Go >= 1.24 to build; no 'go' on PATH"
  local ilog="$LOG_DIR/ferretdb-install.log" src="$CACHE_DIR/ferretdb-$FERRETDB_VERSION"
  say "FerretDB: building $FERRETDB_VERSION from the Go module proxy into .bin/ (first run: 1-3 minutes)"
  local mod
  mod=$(go mod download -json "github.com/FerretDB/FerretDB@$FERRETDB_VERSION" 2>>"$ilog" \
        | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p') || true
  [ -n "$mod" ] && [ -d "$mod" ] || fail "FerretDB module download failed; see $ilog"
  rm -rf "$src" && cp -r "$mod" "$src" && chmod -R u+w "$src"
  echo "$FERRETDB_VERSION" >"$src/build/version/version.txt"
  local meta="$src/internal/backends/sqlite/metadata/metadata.go"
  sed -i "s|IDColumn = DefaultColumn + \"->'\\\$._id'\"|IDColumn = DefaultColumn + \"->'_id'\"|" "$meta"
  grep -q "IDColumn = DefaultColumn + \"->'_id'\"" "$meta" || fail "FerretDB _id index fix did not apply to $meta"
  local coll="$src/internal/backends/sqlite/collection.go"
  sed -i '0,/if params.Filter.Len() == 1 {/s//if params.Filter.Len() >= 1 {/' "$coll"
  [ "$(grep -c 'if params.Filter.Len() >= 1 {' "$coll")" = 1 ] || fail "FerretDB _id pushdown fix did not apply to $coll"
  local pool="$src/internal/backends/sqlite/metadata/pool/pool.go"
  sed -i 's|^\t\tif err := os.Remove(f); err != nil {|\t\t_, _ = os.Remove(f+"-wal"), os.Remove(f+"-shm")\n\t\tif err := os.Remove(f); err != nil {|' "$pool"
  grep -q 'os.Remove(f+"-wal"), os.Remove(f+"-shm")' "$pool" || fail "FerretDB drop fix did not apply to $pool"
  local handler="$src/internal/handler"
  cat >"$handler/sorasori_write_lock.go" <<'GO'
package handler

import "sync"

// writeLocks makes each update's read-modify-write atomic (added by Sorasori's build): one mutex per
// collection, as a document's update races only with updates of the same collection.
var writeLocks sync.Map

func writeLock(db, collection string) *sync.Mutex {
	mu, _ := writeLocks.LoadOrStore(db+"\x00"+collection, new(sync.Mutex))
	return mu.(*sync.Mutex)
}
GO
  local locked='\tmu := writeLock(params.DB, params.Collection)\n\tmu.Lock()\n\tdefer mu.Unlock()'
  sed -i "/^func (h \*Handler) updateDocument(/a\\$locked" "$handler/msg_update.go"
  sed -i "/^func (h \*Handler) findAndModifyDocument(/a\\$locked" "$handler/msg_findandmodify.go"
  [ "$(cat "$handler/msg_update.go" "$handler/msg_findandmodify.go" | grep -c 'mu := writeLock(params.DB, params.Collection)')" = 2 ] \
    || fail "FerretDB atomic-update fix did not apply in $handler"
  local resource="$src/internal/util/resource/resource.go"
  sed -i '/^func \(Track\|Untrack\)(obj any, token \*Token) {$/a\\tif !debugbuild.Enabled {\n\t\treturn\n\t}' "$resource"
  [ "$(grep -c 'if !debugbuild.Enabled {' "$resource")" = 2 ] || fail "FerretDB resource-tracking fix did not apply to $resource"
  (cd "$src" && go build -o "$FERRET_BIN" ./cmd/ferretdb) >>"$ilog" 2>&1 || fail "FerretDB build failed; see $ilog"
  echo "$BUILD_ID" >"$STAMP"
}

start_server() {  # start_server ADDR DATA_DIR LOG PIDFILE: also used by tests that stop and restart a private server
  local addr=$1 dir=$2 log=$3 pidfile=$4
  mkdir -p "$dir/sqlite" "$dir/state"
  # GOGC=400: Go collects when new allocations reach 4x the live heap, not 1x (its default). FerretDB
  # allocates a lot per operation: it spent 13-20% less CPU per filing, for ~16 MB more RSS (README).
  DO_NOT_TRACK=1 GOGC="${FERRETDB_GOGC:-400}" nohup "$FERRET_BIN" --handler=sqlite --sqlite-url="file:$dir/sqlite/" --state-dir="$dir/state" \
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

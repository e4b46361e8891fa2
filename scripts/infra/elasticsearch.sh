#!/usr/bin/env bash
# Elasticsearch from Maven Central's integ-test-zip on the machine's JDK: single node, security off,
# loopback only, run as an unprivileged user (it refuses root). Usage: elasticsearch.sh up|down|status|major.
# Skipped when ELASTICSEARCH_URL names an existing cluster.
source "$(dirname "$0")/lib.sh"

ES_DIR=$(data_dir_for_unprivileged_user elasticsearch)
ES_USER=sorasori-es
PIDFILE="$ES_DIR/elasticsearch.pid"   # in a folder the ES user owns: it deletes the file on exit
URL=http://127.0.0.1:9200
HEAP="${ES_HEAP:-1g}"

java_major() { "$1/bin/java" -version 2>&1 | sed -n 's/.*version "\([0-9]*\).*/\1/p' | head -1; }

# 9.x needs Java >= 21, 8.x runs on 17: pick the newest JDK on the machine and the release line it can run.
choose() {
  local best="" best_major=0 home m
  for home in /usr/lib/jvm/* ${JAVA_HOME:-}; do
    [ -x "$home/bin/java" ] || continue
    m=$(java_major "$home"); [ -n "$m" ] || continue
    if [ "$m" -gt "$best_major" ]; then best=$home; best_major=$m; fi
  done
  [ -n "$best" ] || fail "Elasticsearch needs a JDK (17 or newer); none under /usr/lib/jvm"
  ES_JAVA=$best
  if [ "$best_major" -ge 21 ]; then ES_VERSION=${ES_VERSION:-9.5.0}; elif [ "$best_major" -ge 17 ]; then ES_VERSION=${ES_VERSION:-8.19.21}
  else fail "Elasticsearch needs Java >= 17; newest JDK found is $best_major at $best"; fi
}

health_ok() { curl -fs "$URL/_cluster/health?wait_for_status=yellow&timeout=1s" >/dev/null; }

as_es_user() {
  if [ "$(id -u)" = 0 ]; then (cd / && runuser -u "$ES_USER" -- "$@"); else "$@"; fi
}

install() {
  local home="$ES_DIR/elasticsearch-$ES_VERSION"
  ES_HOME=$home
  [ -x "$home/bin/elasticsearch" ] && return
  local zip="$CACHE_DIR/elasticsearch-$ES_VERSION.zip"
  if [ ! -s "$zip" ]; then
    command -v mvn >/dev/null 2>&1 || apt_install maven
    say "Elasticsearch: fetching org.elasticsearch.distribution.integ-test-zip:elasticsearch:$ES_VERSION from Maven Central (~125 MB)"
    mvn -q -B dependency:copy -Dartifact="org.elasticsearch.distribution.integ-test-zip:elasticsearch:$ES_VERSION:zip" \
        -DoutputDirectory="$CACHE_DIR" >"$LOG_DIR/elasticsearch-fetch.log" 2>&1 \
      || fail "Elasticsearch download failed; see $LOG_DIR/elasticsearch-fetch.log"
  fi
  command -v unzip >/dev/null 2>&1 || apt_install unzip
  say "Elasticsearch: unpacking $ES_VERSION"
  mkdir -p "$ES_DIR" && rm -rf "$home.tmp" && mkdir "$home.tmp"
  unzip -q "$zip" -d "$home.tmp" && mv "$home.tmp/elasticsearch-$ES_VERSION" "$home" && rmdir "$home.tmp"
}

up() {
  if [ -n "${ELASTICSEARCH_URL:-}" ]; then say "Elasticsearch: using ELASTICSEARCH_URL from the environment, not starting one"; return; fi
  if health_ok; then say "Elasticsearch: already answering on $URL, reusing it"; return; fi
  choose
  install
  mkdir -p "$ES_DIR/data" "$ES_DIR/logs"
  if [ "$(id -u)" = 0 ]; then
    id "$ES_USER" >/dev/null 2>&1 || useradd --system --no-create-home --shell /usr/sbin/nologin "$ES_USER"
    chown -R "$ES_USER" "$ES_DIR/"
    runuser -u "$ES_USER" -- test -x "$ES_HOME/bin/elasticsearch" \
      || fail "user $ES_USER cannot reach $ES_HOME: every parent folder of the checkout must be world-executable"
  fi
  local log="$ES_DIR/logs/sorasori-dev.log"
  # search is background work (shared/process_priority.py): its server yields the CPU to the filing path too
  local niceness="${BACKGROUND_NICENESS:-10}"
  say "Elasticsearch: starting $ES_VERSION on $ES_JAVA (heap $HEAP, niceness $niceness, log: $log)"
  as_es_user nice -n "$niceness" env ES_JAVA_HOME="$ES_JAVA" ES_JAVA_OPTS="-Xms$HEAP -Xmx$HEAP" "$ES_HOME/bin/elasticsearch" -d -p "$PIDFILE" \
    -E cluster.name=sorasori-dev -E node.name=sorasori-dev -E discovery.type=single-node \
    -E network.host=127.0.0.1 -E http.port=9200 -E xpack.security.enabled=false \
    -E path.data="$ES_DIR/data" -E path.logs="$ES_DIR/logs" \
    -E cluster.routing.allocation.disk.threshold_enabled=false \
    >"$LOG_DIR/elasticsearch-start.log" 2>&1 || fail "Elasticsearch did not start; see $LOG_DIR/elasticsearch-start.log and $log"
  wait_until 180 "Elasticsearch" "$log" health_ok
  say "Elasticsearch: up ($URL)"
}

down() { stop_pidfile Elasticsearch "$PIDFILE"; }
status() { health_ok && echo "elasticsearch: up" || echo "elasticsearch: down"; }
major() { choose; echo "${ES_VERSION%%.*}"; }

"${1:-up}"

#!/usr/bin/env bash
# S3Proxy (an S3-compatible server, org.gaul:s3proxy jar-with-dependencies from Maven Central) on the
# machine's JDK, with jclouds' filesystem backend under var/s3proxy: the object store attachments go to in
# dev and CI. Its access key is fixed, its secret made once in var/secrets/s3-secret-key (mode 600), which
# shared/object_store.py reads when S3_SECRET_KEY is empty. Usage: s3proxy.sh up|down|status.
# Skipped when S3_ENDPOINT_URL names an existing store.
source "$(dirname "$0")/lib.sh"

S3PROXY_VERSION=2.6.0
# SHA-256 of the jar (Maven Central's published SHA-1 of it: cada399d8a8155d40f82f6a3d22f0288c96046d0)
S3PROXY_SHA256=12e5e88d805cfed07f7d88b4a44a0d8ecb9f9d3cebeb544bb34fbc4ded1049d8
JAR="$CACHE_DIR/s3proxy-$S3PROXY_VERSION-jar-with-dependencies.jar"
S3_DIR="$VAR/s3proxy"
S3_LOG="$LOG_DIR/s3proxy.log"
PIDFILE="$RUN_DIR/s3proxy.pid"
PORT=9400  # config/sorasori.yaml's S3_ENDPOINT_URL default
URL="http://127.0.0.1:$PORT"
ACCESS_KEY=sorasori-dev
SECRET_FILE="$VAR/secrets/s3-secret-key"

# S3Proxy answers an anonymous request with an S3 error document: any HTTP answer means it is up.
answering() { [ "$(curl -s -o /dev/null -w '%{http_code}' "$URL/")" != 000 ]; }

# Our key opens it: an S3Proxy another checkout started answers too, with another secret.
key_ok() {
  [ -s "$SECRET_FILE" ] || return 1
  "$ROOT/.venv/bin/python" - "$URL" "$ACCESS_KEY" "$(cat "$SECRET_FILE")" <<'PY' >/dev/null 2>&1
import sys, boto3
from botocore.config import Config
url, key, secret = sys.argv[1:4]
boto3.client("s3", endpoint_url=url, region_name="us-east-1", aws_access_key_id=key, aws_secret_access_key=secret,
             config=Config(retries={"max_attempts": 1})).list_buckets()
PY
}

install() {
  if [ ! -s "$JAR" ]; then
    command -v mvn >/dev/null 2>&1 || apt_install maven
    say "S3Proxy: fetching org.gaul:s3proxy:$S3PROXY_VERSION:jar-with-dependencies from Maven Central (~40 MB)"
    # -C: a checksum that does not match Central's fails the download (Maven only warns by default)
    mvn -q -B -C dependency:copy -Dartifact="org.gaul:s3proxy:$S3PROXY_VERSION:jar:jar-with-dependencies" \
        -DoutputDirectory="$CACHE_DIR" >"$LOG_DIR/s3proxy-fetch.log" 2>&1 \
      || fail "S3Proxy download failed; see $LOG_DIR/s3proxy-fetch.log"
  fi
  echo "$S3PROXY_SHA256  $JAR" | sha256sum -c --status \
    || { rm -f "$JAR"; fail "S3Proxy's jar does not have the pinned SHA-256; removed it, run again to fetch it anew"; }
}

java_bin() {  # S3Proxy 2.x runs on Java 17 or newer: the newest JDK on the machine
  local best="" best_major=0 home m
  for home in /usr/lib/jvm/* ${JAVA_HOME:-}; do
    [ -x "$home/bin/java" ] || continue
    m=$("$home/bin/java" -version 2>&1 | sed -n 's/.*version "\([0-9]*\).*/\1/p' | head -1)
    [ -n "$m" ] && [ "$m" -gt "$best_major" ] && { best=$home; best_major=$m; }
  done
  [ "$best_major" -ge 17 ] || fail "S3Proxy needs Java >= 17; none under /usr/lib/jvm"
  echo "$best/bin/java"
}

secret() {
  if [ ! -s "$SECRET_FILE" ]; then
    mkdir -p "$(dirname "$SECRET_FILE")"
    (umask 077 && head -c 24 /dev/urandom | base64 | tr -d '/+=' >"$SECRET_FILE")
  fi
  cat "$SECRET_FILE"
}

up() {
  if [ -n "${S3_ENDPOINT_URL:-}" ]; then say "S3: using S3_ENDPOINT_URL from the environment, not starting S3Proxy"; return; fi
  if answering; then
    key_ok || fail "an S3Proxy on $URL does not take this checkout's key (var/secrets/s3-secret-key): another checkout started it; stop it there, or set S3_ENDPOINT_URL and S3_SECRET_KEY"
    say "S3Proxy: already answering on $URL, reusing it"; return
  fi
  install
  mkdir -p "$S3_DIR/data"
  local props="$S3_DIR/s3proxy.conf"
  (umask 077 && cat >"$props" <<CONF
s3proxy.endpoint=$URL
s3proxy.authorization=aws-v2-or-v4
s3proxy.identity=$ACCESS_KEY
s3proxy.credential=$(secret)
jclouds.provider=filesystem
jclouds.filesystem.basedir=$S3_DIR/data
CONF
  )
  say "S3Proxy: starting $S3PROXY_VERSION on $URL (filesystem backend under var/s3proxy, log: $S3_LOG)"
  nohup "$(java_bin)" -Xmx256m -jar "$JAR" --properties "$props" >"$S3_LOG" 2>&1 &
  echo $! >"$PIDFILE"
  wait_until 60 "S3Proxy" "$S3_LOG" answering
  say "S3Proxy: up ($URL)"
}

down() { stop_pidfile S3Proxy "$PIDFILE"; }
status() { answering && echo "s3proxy: up" || echo "s3proxy: down"; }

"${1:-up}"

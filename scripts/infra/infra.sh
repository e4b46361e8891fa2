#!/usr/bin/env bash
# Brings the local servers up (or down, or reports them): RabbitMQ, FerretDB, Elasticsearch, the mail
# sink and S3Proxy. Each is reused when already running and skipped when its environment variable (AMQP_URI,
# MONGO_URI, ELASTICSEARCH_URL, SMTP_HOST, S3_ENDPOINT_URL) names an existing server.
set -euo pipefail
here="$(dirname "$0")"
action="${1:-up}"
case "$action" in
  up)
    start=$(date +%s)
    bash "$here/rabbitmq.sh" up
    bash "$here/ferretdb.sh" up
    bash "$here/elasticsearch.sh" up
    bash "$here/smtp.sh" up
    bash "$here/s3proxy.sh" up
    echo "[infra] all servers up in $(( $(date +%s) - start ))s"
    ;;
  down)
    bash "$here/s3proxy.sh" down
    bash "$here/smtp.sh" down
    bash "$here/elasticsearch.sh" down
    bash "$here/ferretdb.sh" down
    bash "$here/rabbitmq.sh" down
    ;;
  status)
    bash "$here/rabbitmq.sh" status; bash "$here/ferretdb.sh" status; bash "$here/elasticsearch.sh" status
    bash "$here/smtp.sh" status; bash "$here/s3proxy.sh" status
    ;;
  *) echo "usage: infra.sh up|down|status" >&2; exit 2 ;;
esac

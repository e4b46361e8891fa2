#!/usr/bin/env bash
# The tools of the offline manifest checks (tests/deploy/test_manifests.py), installed into .bin/ once:
# - kustomize, built with `go install` from the Go module proxy (like scripts/infra/ferretdb.sh builds FerretDB);
# - checkov in a virtualenv of its own (.bin/checkov-venv): it pins dozens of packages the services' own
#   .venv must not be bound to.
# kubernetes-validate and jsonschema are in the dev extras of pyproject.toml. Quick when all is in place.
source "$(dirname "$0")/../infra/lib.sh"

KUSTOMIZE_VERSION=v5.8.2
CHECKOV_VERSION=3.3.30
CHECKOV_VENV="$BIN_DIR/checkov-venv"

install_kustomize() {
  if [ -x "$BIN_DIR/kustomize" ] && [ "$("$BIN_DIR/kustomize" version 2>/dev/null)" = "$KUSTOMIZE_VERSION" ]; then
    return
  fi
  command -v go >/dev/null 2>&1 || fail "kustomize needs Go to build; no 'go' on PATH"
  say "kustomize $KUSTOMIZE_VERSION: go install into .bin/ (first run: about a minute)"
  GOBIN="$BIN_DIR" go install "sigs.k8s.io/kustomize/kustomize/v5@$KUSTOMIZE_VERSION" >"$LOG_DIR/kustomize-install.log" 2>&1 \
    || fail "kustomize install failed; see $LOG_DIR/kustomize-install.log"
}

install_checkov() {
  # a virtualenv works only where it was made (its scripts name its path): a moved or copied one is remade
  if [ -x "$CHECKOV_VENV/bin/checkov" ] && [ "$(cat "$CHECKOV_VENV/.version" 2>/dev/null)" = "$CHECKOV_VERSION $CHECKOV_VENV" ]; then
    return
  fi
  say "checkov $CHECKOV_VERSION: its own virtualenv in .bin/checkov-venv (first run: about a minute)"
  rm -rf "$CHECKOV_VENV"
  "$ROOT/.venv/bin/python" -m venv "$CHECKOV_VENV"
  "$CHECKOV_VENV/bin/pip" install -q --disable-pip-version-check "checkov==$CHECKOV_VERSION" \
    >"$LOG_DIR/checkov-install.log" 2>&1 || fail "checkov install failed; see $LOG_DIR/checkov-install.log"
  echo "$CHECKOV_VERSION $CHECKOV_VENV" >"$CHECKOV_VENV/.version"
}

install_kustomize
install_checkov

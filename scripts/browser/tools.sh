#!/usr/bin/env bash
# What the real-browser tests (tests/browser) need, installed once and quick when all is in place:
# - Debian's chromium (Playwright drives it by executable_path: the builds `playwright install` downloads
#   cannot be fetched here, so it is never called) and the Noto fonts that render Bengali and Devanagari;
# - Playwright for Python, from the dev extra of pyproject.toml (the venv step installs it);
# - axe-core from the npm registry at the version tests/browser/package-lock.json pins (`npm ci`).
# Nothing is downloaded when the tests run.
source "$(dirname "$0")/../infra/lib.sh"

BROWSER_DIR="$ROOT/tests/browser"
AXE_STAMP="$BROWSER_DIR/node_modules/.installed"

install_debian_packages() {
  local missing=()
  for package in chromium fonts-noto-core fonts-noto-ui-core; do
    dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing+=("$package")
  done
  [ ${#missing[@]} -eq 0 ] && return
  # another apt run on the machine holds the lock for a while: wait for it rather than fail
  say "apt-get install ${missing[*]} (first run: a minute or two)"
  as_root apt-get update -qq -o DPkg::Lock::Timeout=600
  DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq -o DPkg::Lock::Timeout=600 \
    --no-install-recommends "${missing[@]}" >"$LOG_DIR/browser-apt.log" 2>&1 \
    || fail "apt-get install ${missing[*]} failed; see $LOG_DIR/browser-apt.log"
}

check_playwright() {
  "$ROOT/.venv/bin/python" -c 'import playwright' 2>/dev/null \
    || fail "Playwright for Python is missing from .venv: it is in the dev extra (make venv installs it)"
}

install_axe() {
  if [ -f "$AXE_STAMP" ] && [ "$AXE_STAMP" -nt "$BROWSER_DIR/package-lock.json" ]; then
    return
  fi
  say "axe-core: npm ci in tests/browser"
  # --ignore-scripts: nothing of axe-core's needs to run at install
  (cd "$BROWSER_DIR" && npm ci --ignore-scripts --no-audit --no-fund --loglevel=error) \
    || fail "npm ci in tests/browser failed"
  touch "$AXE_STAMP"
}

install_debian_packages
check_playwright
install_axe

#!/usr/bin/env bash
# What the end-to-end tests (tests/e2e) need from Debian: Chromium, driven by Playwright from .venv
# (requirements-dev.txt; Playwright's own browser download is never used: it needs the internet), and
# a Chinese font so that the console's default (zh) interface renders in the screenshots.
# Idempotent: installs only what is missing. Called by .ci/run before the tests.
set -euo pipefail
missing=()
[ -x /usr/bin/chromium ] || missing+=(chromium)
[ -f /usr/share/fonts/truetype/wqy/wqy-microhei.ttc ] || missing+=(fonts-wqy-microhei)
if [ "${#missing[@]}" -gt 0 ]; then
  sudo=""
  [ "$(id -u)" = 0 ] || sudo="sudo"
  $sudo apt-get update -q
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -q --no-install-recommends "${missing[@]}"
fi
/usr/bin/chromium --version 2>/dev/null || true

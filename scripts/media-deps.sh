#!/usr/bin/env bash
# What the evidence tests need from Debian: ffmpeg and espeak-ng make real audio/video clips, Chromaprint
# (libchromaprint, with its fpcalc tool) fingerprints their audio through pyacoustid, openssl runs the
# local RFC 3161 time-stamp authority of tests/evidence/test_timestamp.py.
# Idempotent: installs only what is missing. Called by .ci/run before the tests.
set -euo pipefail
missing=()
command -v ffmpeg >/dev/null || missing+=(ffmpeg)
command -v espeak-ng >/dev/null || missing+=(espeak-ng)
command -v fpcalc >/dev/null || missing+=(libchromaprint-tools)
command -v openssl >/dev/null || missing+=(openssl)
if [ "${#missing[@]}" -gt 0 ]; then
  sudo=""
  [ "$(id -u)" = 0 ] || sudo="sudo"
  $sudo apt-get update -q
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -q --no-install-recommends "${missing[@]}"
fi

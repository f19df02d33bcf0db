#!/usr/bin/env bash
# Create .venv and install the dependencies, only when requirements changed since the last install.
# Usage: scripts/bootstrap.sh [dev]    ("dev" adds the test tools)
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON=${PYTHON:-python3}
want=requirements.txt
[ "${1:-}" = dev ] && want=requirements-dev.txt
[ -x .venv/bin/python ] || "$PYTHON" -m venv .venv
stamp=.venv/.installed-$(cat requirements.txt "$want" | sha256sum | cut -c1-16)-$(basename "$want" .txt)
if [ ! -f "$stamp" ]; then
  echo "Installing dependencies into .venv ($want) ..."
  .venv/bin/python -m pip install -q --upgrade pip
  .venv/bin/python -m pip install -q -r "$want"
  # face_recognition's own "dlib" requirement would compile dlib for many minutes; dlib-bin (in
  # requirements.txt) already provides the module, so install face_recognition without dependencies.
  .venv/bin/python -m pip install -q --no-deps face_recognition==1.3.0
  touch "$stamp"
fi

#!/usr/bin/env bash
# The README's test command: installs what the tests need (Debian's mosquitto and chromium, the
# Python packages with the test extra in .venv) when missing, then runs the whole suite.
set -euo pipefail
source "$(dirname "$0")/bootstrap.sh" test
exec python -m pytest "$@"

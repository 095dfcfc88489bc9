#!/usr/bin/env bash
# The README's demo command: installs eldercare into .venv when needed, then runs `eldercare demo`
# (simulated homes, a temporary SQLite store, SMS printed instead of sent, the panel on localhost).
set -euo pipefail
source "$(dirname "$0")/bootstrap.sh" runtime
exec eldercare demo "$@"

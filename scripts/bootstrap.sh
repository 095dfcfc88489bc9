#!/usr/bin/env bash
# Shared by scripts/demo.sh and scripts/test.sh: make sure the machine has what eldercare needs
# (Debian packages, a virtual environment in .venv with the project installed), then return.
# Usage: source scripts/bootstrap.sh [runtime|test]
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
what="${1:-runtime}"

apt_need=()
python3 -c "import ensurepip, venv" 2>/dev/null || apt_need+=(python3-venv)
if [ "$what" = test ]; then
    command -v mosquitto >/dev/null 2>&1 || apt_need+=(mosquitto)
    [ -x /usr/bin/chromium ] || apt_need+=(chromium)
fi
if [ ${#apt_need[@]} -gt 0 ]; then
    SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
    echo "eldercare: installing Debian packages: ${apt_need[*]}" >&2
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${apt_need[@]}" >/dev/null
fi

if [ ! -x .venv/bin/python ]; then
    python3 -m venv .venv
fi
extra=""; [ "$what" = test ] && extra="[test]"
stamp=".venv/.installed-$what-$(cat pyproject.toml | cksum | cut -d' ' -f1)"
if [ ! -f "$stamp" ]; then
    echo "eldercare: installing Python packages into .venv (first run takes a few minutes)" >&2
    log=".venv/install.log"
    if ! { .venv/bin/python -m pip install --upgrade pip && .venv/bin/python -m pip install -e ".$extra"; } >"$log" 2>&1; then
        tail -n 30 "$log" >&2
        echo "eldercare: installing the Python packages failed; the whole log is in $log" >&2
        exit 1
    fi
    touch "$stamp"
fi
export PATH="$ROOT/.venv/bin:$PATH"

#!/usr/bin/env bash
# Installs what evalplatform needs: system packages (Pango, CJK fonts; Chromium with --test),
# a virtualenv with the Python packages, compiled translations. Safe to run again.
set -euo pipefail
cd "$(dirname "$0")/.."

APP_PACKAGES=(libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fontconfig fonts-noto-cjk fonts-wqy-microhei)
TEST_PACKAGES=(chromium poppler-utils)
PYTHON=${PYTHON:-python3}

wanted=("${APP_PACKAGES[@]}")
[[ "${1:-}" == "--test" ]] && wanted+=("${TEST_PACKAGES[@]}")

missing=()
if command -v dpkg-query >/dev/null; then
  for pkg in "${wanted[@]}"; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
  done
  "$PYTHON" -c "import ensurepip, venv" 2>/dev/null || missing+=(python3-venv)
else
  echo "note: not a Debian/Ubuntu system; make sure Pango, a CJK font and Chromium are installed" >&2
fi

if ((${#missing[@]})); then
  if [[ $(id -u) -eq 0 ]]; then
    echo "==> installing system packages: ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -q
    apt-get install -y -q --no-install-recommends "${missing[@]}"
  else
    echo "Missing system packages. Run this, then run this script again:" >&2
    echo "  sudo apt-get update && sudo apt-get install -y ${missing[*]}" >&2
    exit 1
  fi
fi

if [[ ! -x .venv/bin/python ]]; then
  echo "==> creating .venv"
  "$PYTHON" -m venv .venv
fi
stamp=".venv/.installed-$(sha256sum pyproject.toml | cut -c1-16)"
if [[ ! -f "$stamp" ]]; then
  echo "==> installing Python packages"
  .venv/bin/python -m pip install -q --upgrade pip
  .venv/bin/python -m pip install -q -e ".[dev]"
  touch "$stamp"
fi
.venv/bin/pybabel compile -d evalplatform/translations >/dev/null
# Font caches after the fonts: fontconfig's (WeasyPrint/Pango) and matplotlib's (charts). Charts also find the
# CJK font by its file path, so a stale cache cannot break them; rebuilding keeps the two in step anyway.
if command -v fc-cache >/dev/null; then
  echo "==> building the font cache"
  fc-cache -f >/dev/null 2>&1 || fc-cache >/dev/null 2>&1 || true
fi
.venv/bin/python -c "from matplotlib import font_manager; font_manager._load_fontmanager(try_read_cache=False)" >/dev/null 2>&1 || true

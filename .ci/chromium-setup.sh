#!/usr/bin/env bash
# Installs headless Chromium for the HTML reports' browser tests
# (host/tests/compare_html_browser.rs and detect_html_browser.rs), which
# fail without it under CI=true and are skipped with a message elsewhere.
set -euo pipefail
if command -v chromium >/dev/null 2>&1; then
    exit 0
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends chromium fonts-dejavu-core >/dev/null
chromium --version

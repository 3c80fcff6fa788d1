#!/usr/bin/env bash
# The headless browser of the review page's end-to-end test
# (tests/test_tools/test_review_browser.py): Debian's chromium and
# chromium-driver, installed with apt-get when they are missing, apt-get is
# there and this runs as root; otherwise it says why and the browser test
# skips (selenium itself is pinned in requirements/tests.txt).
#   bash tools/install_steps/browser.sh      (MMFA_NO_BROWSER=1: skip)
set -euo pipefail
say() { echo "[browser] $*"; }

if [ -n "${MMFA_NO_BROWSER:-}" ]; then
  say "MMFA_NO_BROWSER is set: not installing chromium (the browser test skips)"
  exit 0
fi
if command -v chromium >/dev/null && command -v chromedriver >/dev/null; then
  say "chromium and chromedriver present: $(command -v chromium), $(command -v chromedriver)"
  exit 0
fi
if ! command -v apt-get >/dev/null; then
  say "no apt-get: install chromium and its chromedriver yourself, or the browser test skips"
  exit 0
fi
if [ "$(id -u)" != 0 ]; then
  say "not root: run 'sudo apt-get install -y chromium chromium-driver', or the browser test skips"
  exit 0
fi
say "installing Debian's chromium and chromium-driver (apt-get, about a minute)"
export DEBIAN_FRONTEND=noninteractive
# an install from an old package list can fail on a moved version: update then retry
if ! apt-get install -y --no-install-recommends chromium chromium-driver; then
  apt-get update
  apt-get install -y --no-install-recommends chromium chromium-driver
fi
say "installed: $(chromium --version 2>/dev/null || echo chromium)"

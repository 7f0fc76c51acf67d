#!/bin/sh
# What the test suite needs from the machine, installed or started if missing:
# - Debian's Chromium for the console's end-to-end test (Playwright drives it; it never
#   downloads a browser of its own). Without root the test is skipped and says why.
# - PostgreSQL for the PostgreSQL path, only when TEST_DATABASE_URL is set (.ci/run sets it).
set -u
if [ ! -x /usr/bin/chromium ] && [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
    echo "installing Debian's chromium for the console end-to-end test…"
    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium) >/dev/null 2>&1 \
        || echo "warning: could not install chromium; the browser test will be skipped"
fi
if [ -n "${TEST_DATABASE_URL:-}" ] && command -v pg_ctlcluster >/dev/null 2>&1; then
    if ! pg_isready -h 127.0.0.1 -p 5432 >/dev/null 2>&1; then
        pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | head -n1)" main start || true
    fi
fi
exit 0

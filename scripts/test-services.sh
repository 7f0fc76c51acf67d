#!/bin/sh
# What the test suite needs from the machine, installed or started if missing.
# The PostgreSQL tests run only when TEST_DATABASE_URL is set (.ci/run sets it).
set -u
if [ -n "${TEST_DATABASE_URL:-}" ] && command -v pg_ctlcluster >/dev/null 2>&1; then
    if ! pg_isready -h 127.0.0.1 -p 5432 >/dev/null 2>&1; then
        pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | head -n1)" main start || true
    fi
fi
exit 0

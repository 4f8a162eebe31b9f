#!/usr/bin/env bash
# Makes PostgreSQL's server binaries available for the history store
# tests (host/tests/support/postgres.rs). The tests start a private
# cluster of their own (initdb and the server on a temporary directory
# and a free 127.0.0.1 port, as the postgres user the package creates);
# no system service is started. Machines of this kind ship the package;
# it is installed only where missing.
set -euo pipefail
export DEBIAN_FRONTEND=noninteractive
if ! compgen -G '/usr/lib/postgresql/*/bin/initdb' >/dev/null; then
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends postgresql >/dev/null
fi
id postgres >/dev/null || { echo "postgres-setup: no postgres user after installing postgresql" >&2; exit 1; }
echo "PostgreSQL server binaries: $(compgen -G '/usr/lib/postgresql/*/bin/initdb' | head -n 1)"

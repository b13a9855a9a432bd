#!/usr/bin/env bash
# Installs every build, test and benchmark dependency from Debian's packages.
# Idempotent: installs only what is missing, so `make up` on a prepared machine is instant.
set -euo pipefail

packages=(
  build-essential cmake pkg-config git
  librdkafka-dev libpq-dev libsimdjson-dev libboost-dev libcurl4-openssl-dev
  libhiredis-dev libsqlite3-dev libspdlog-dev libcli11-dev
  libgtest-dev libgmock-dev libbenchmark-dev
  postgresql redis-server sqlite3 util-linux procps
  nodejs node-graphql
  wrk kcat
  chromium chromium-driver  # the dashboard's browser test (headless, driven by chromedriver)
  # seed_consumers_bench runs the seed-style Python consumers (bench/seed_consumers/) with
  # Debian's /usr/bin/python3 and these two modules.
  python3-kafka python3-psycopg2
)

"$(dirname "$0")/install-packages.sh" deps "${packages[@]}"
# Debian starts the packaged servers as services; the tests start their own throwaway
# instances on free ports, so the system-wide ones are not needed (and may not exist
# on a machine without systemd). Leave them as the package left them.

#!/usr/bin/env bash
# Every package's tests, in two lanes side by side: most of the suites wait on timers, ticks and
# child processes rather than on the CPU, so two at once take little more than the longer lane.
# The two longest suites (the gateway's, and the fault suite that runs the gateway's again on a Redis
# Cluster) lead the lanes. Each line is prefixed with its package; the exit status is non-zero when
# any suite failed, after every suite has run.
set -uo pipefail
cd "$(dirname "$0")/.."

lane() {
  local status=0 pkg
  for pkg in "$@"; do
    pnpm --filter "./$pkg" test 2>&1 | sed -u "s|^|[$pkg] |" || status=1
  done
  return "$status"
}

lane apps/gateway apps/web load-tests packages/shared &
a=$!
lane tests apps/core packages/dev-stack packages/testkit deploy &
b=$!
status=0
wait "$a" || status=1
wait "$b" || status=1
exit "$status"

#!/usr/bin/env bash
# Starts or stops the Docker Engine the live conformance suites compare against.
#   scripts/engine.sh start   prints `export DOCKER_HOST=...` lines to eval; exit 3 when no engine
#                             can be had (no ../shared next to the project)
#   scripts/engine.sh stop
# The engine itself comes from the shared test environment (`../shared/docker-engine`): a private
# dockerd 20.10 with the newer docker CLI, and the local `dockmount-probe` images.
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
shared="$here/../shared/docker-engine"
case "${1:-}" in
  start)
    [ -x "$shared/start.sh" ] || [ -f "$shared/start.sh" ] || { echo "engine: $shared/start.sh not found" >&2; exit 3; }
    bash "$shared/start.sh"
    ;;
  stop)
    [ -f "$shared/stop.sh" ] && bash "$shared/stop.sh" >/dev/null 2>&1 || true
    ;;
  *)
    echo "usage: scripts/engine.sh start|stop" >&2
    exit 2
    ;;
esac

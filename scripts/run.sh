#!/usr/bin/env bash
# Set everything up, then open Basketry on the demo network (started on first use).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
exec .venv/bin/basketry --network demo "$@"

#!/usr/bin/env bash
# Sets up and runs the Presso daemon on Debian 12 (as root).
#   - builds pressod (release);
#   - configuration: $PRESSO_CONFIG, else /etc/presso/pressod.conf, else built-in defaults
#     (simulated pump: no GPIO wiring configured);
#   - state (user settings) in $PRESSO_STATE_DIR (default /var/lib/presso).
# Extra arguments go to `pressod run` (e.g. --start-session, --log-level debug).
set -euo pipefail
cd "$(dirname "$0")/.."
command -v swift >/dev/null 2>&1 || export PATH=$PATH:/opt/swift/usr/bin

bash scripts/setup.sh build
swift build -c release --product pressod
args=(run --state-directory "${PRESSO_STATE_DIR:-/var/lib/presso}")
[ -n "${PRESSO_CONFIG:-}" ] && args+=(--config "$PRESSO_CONFIG")
exec .build/release/pressod "${args[@]}" "$@"

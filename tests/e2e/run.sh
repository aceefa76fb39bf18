#!/usr/bin/env bash
# Runs the end-to-end tests of the desktop app under Xvfb and a private D-Bus
# session (dunst shows the notifications there, dbus-monitor records them).
# Usage: tests/e2e/run.sh [--app target/debug/synapse-desktop] [--cli target/debug/synapse] [-k NAME]
# The app must be built with the custom-protocol feature (scripts/test does).
set -euo pipefail
cd "$(dirname "$0")/../.."
exec xvfb-run -a -s "-screen 0 1280x800x24" dbus-run-session -- python3 tests/e2e/e2e.py "$@"

#!/usr/bin/env bash
# Install Home Assistant into its own venv (default /opt/camhub-ha) for the acceptance
# test against a real HA (tests/mqtt/test_home_assistant.py finds it there, or where
# CAMHUB_HA_VENV says). About 2 minutes; nothing is done when it is already there.
set -euo pipefail
cd "$(dirname "$0")"
venv="${CAMHUB_HA_VENV:-/opt/camhub-ha}"
if [[ -x "$venv/bin/hass" ]] && "$venv/bin/python" -c "import paho.mqtt, hass_frontend" 2>/dev/null; then
  exit 0
fi
python3 -m venv "$venv"
"$venv/bin/pip" install -q --upgrade pip >/dev/null
"$venv/bin/pip" install -q -r home-assistant.txt
"$venv/bin/hass" --version

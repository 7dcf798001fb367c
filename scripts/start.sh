#!/usr/bin/env bash
# `npm start`: build and package the extension, install it into code-server, and serve VS Code with
# examples/ open at a printed localhost URL (PORT, default 8080). Ctrl+C stops it.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT="$PWD"
PORT="${PORT:-8080}"
[[ -d node_modules ]] || npm ci --no-audit --no-fund
bash scripts/install-vscode-test.sh
npm run --silent package
STATE="$ROOT/.vscode-test/start"
mkdir -p "$STATE/user-data/User" "$STATE/extensions" "$STATE/config"
[[ -f "$STATE/user-data/User/settings.json" ]] ||
  printf '{ "workbench.startupEditor": "none", "telemetry.telemetryLevel": "off", "update.mode": "none" }\n' >"$STATE/user-data/User/settings.json"
code_server=(node "$ROOT/.vscode-test/code-server/node_modules/code-server/out/node/entry.js"
  --user-data-dir "$STATE/user-data" --extensions-dir "$STATE/extensions")
export XDG_CONFIG_HOME="$STATE/config"
"${code_server[@]}" --install-extension "$ROOT/out/backprop-lens.vsix" --force >/dev/null
echo
echo "  Backprop Lens in VS Code: http://127.0.0.1:$PORT/?folder=$ROOT/examples"
echo "  Open a spec, then run \"Backprop: Run Backprop\" from the command palette (Ctrl+Shift+P)."
echo
exec "${code_server[@]}" --auth none --bind-addr "127.0.0.1:$PORT" --disable-telemetry --disable-update-check \
  --disable-workspace-trust "$ROOT/examples"

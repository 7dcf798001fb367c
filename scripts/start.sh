#!/usr/bin/env bash
# `npm start`: build and package the extension, install it into code-server, and serve VS Code with a
# scratch copy of examples/ open at a printed URL. The copy (SCRATCH, default ~/.cache/backprop-lens;
# see scripts/scratch-examples.sh) lies outside this Git repository and keeps your edits across
# starts. PORT (default 8080) and BIND_ADDR (default 127.0.0.1) set where it listens; on any other
# address code-server asks for a password. Workspace Trust is left as VS Code has it. Ctrl+C stops it.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT="$PWD"
PORT="${PORT:-8080}"
BIND_ADDR="${BIND_ADDR:-127.0.0.1}"
SCRATCH="${SCRATCH:-${XDG_CACHE_HOME:-$HOME/.cache}/backprop-lens}"
[[ -d node_modules ]] || npm ci --no-audit --no-fund
bash scripts/install-vscode-test.sh
npm run --silent package
bash scripts/scratch-examples.sh "$ROOT" "$SCRATCH"
EXAMPLES="$(cd "$SCRATCH/examples" && pwd -P)"
STATE="$ROOT/.vscode-test/start"
mkdir -p "$STATE/user-data/User" "$STATE/extensions" "$STATE/config"
[[ -f "$STATE/user-data/User/settings.json" ]] ||
  printf '{ "workbench.startupEditor": "none", "telemetry.telemetryLevel": "off", "update.mode": "none" }\n' >"$STATE/user-data/User/settings.json"
code_server=(node "$ROOT/.vscode-test/code-server/node_modules/code-server/out/node/entry.js"
  --user-data-dir "$STATE/user-data" --extensions-dir "$STATE/extensions")
export XDG_CONFIG_HOME="$STATE/config"
"${code_server[@]}" --install-extension "$ROOT/out/backprop-lens.vsix" --force >/dev/null
# Without a password, whoever reaches the port gets a shell, so that is for the loopback address only.
auth=none
case "$BIND_ADDR" in 127.* | localhost) ;; *) auth=password ;; esac
echo
echo "  Backprop Lens in VS Code: http://$BIND_ADDR:$PORT/?folder=$EXAMPLES"
[[ $auth == none ]] || echo "  Password: \$PASSWORD if set, else the one in $XDG_CONFIG_HOME/code-server/config.yaml"
echo "  The examples there are a scratch copy ($EXAMPLES); edit them freely."
echo "  Open a spec, then run \"Backprop: Run Backprop\" from the command palette (Ctrl+Shift+P)."
echo
exec "${code_server[@]}" --auth "$auth" --bind-addr "$BIND_ADDR:$PORT" --disable-telemetry --disable-update-check "$EXAMPLES"

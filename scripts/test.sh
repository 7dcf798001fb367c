#!/usr/bin/env bash
# `npm test`: every test, on a fresh machine too. Installs Chromium and code-server (skipped when
# present), typechecks and lints, packages the .vsix once, then runs all suites in one `node --test`
# run: unit (engine, spec, CLI), the panel in Chromium, the VS Code API suite inside code-server's
# extension host, and the e2e tests that drive code-server in Chromium like a user.
set -euo pipefail
cd "$(dirname "$0")/.."
[[ -d node_modules ]] || npm ci --no-audit --no-fund
bash scripts/install-vscode-test.sh
npm run --silent typecheck
npm run --silent lint
npm run --silent package
rm -rf out/test
node esbuild.mjs --tests --webview-tests --vscode-tests --e2e-tests
node --test --test-reporter=spec out/test/unit/ out/test/webview/ out/test/e2e/

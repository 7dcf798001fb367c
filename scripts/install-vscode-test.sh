#!/usr/bin/env bash
# Installs what the real-VS-Code tests need, skipping whatever is already there:
#   - Debian packages: chromium (driven by playwright-core), ripgrep (code-server's search and
#     the offline stand-in for @vscode/ripgrep's GitHub download), libkrb5-dev (code-server's
#     `kerberos` native module), python3 and python3-numpy (Python layers, in unit and e2e tests,
#     the unit tests that numpy.load reads a saved run as it is, and the numpy oracle of the
#     convolution tests; they fail on CI without them), fonts-nanum (Hangul glyphs for the Korean
#     e2e screenshots; without a Korean font Chromium draws boxes);
#   - code-server@4.100.3 (VS Code 1.100.3 on Node 20) into .vscode-test/code-server/.
# Usage: bash scripts/install-vscode-test.sh     (as root, or with the Debian packages present)
set -euo pipefail

CODE_SERVER_VERSION=4.100.3
# @vscode/ripgrep version that code-server 4.100.3 pins, and the asset its postinstall fetches.
RIPGREP_PKG_VERSION=1.15.11
RIPGREP_ASSET=ripgrep-v13.0.0-10-x86_64-unknown-linux-musl.tar.gz
APT_PACKAGES=(chromium ripgrep libkrb5-dev python3 python3-numpy fonts-nanum)

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
CACHE="$ROOT/.vscode-test"
DEST="$CACHE/code-server"
MARKER="$DEST/.installed-$CODE_SERVER_VERSION"

say() { printf '[install-vscode-test] %s\n' "$*"; }
started=$SECONDS

# --- Debian packages -------------------------------------------------------------------------
if ! command -v dpkg-query >/dev/null; then
  say "not Debian: make sure Chromium, ripgrep and the Kerberos headers (for code-server) are installed"
else
  missing=()
  for pkg in "${APT_PACKAGES[@]}"; do
    if ! dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed'; then
      missing+=("$pkg")
    fi
  done
  if ((${#missing[@]} == 0)); then
    say "Debian packages present: ${APT_PACKAGES[*]}"
  elif [[ $(id -u) -ne 0 ]]; then
    say "missing Debian packages: ${missing[*]}; as root run: apt-get install -y ${missing[*]}" >&2
    exit 1
  else
    say "apt-get install ${missing[*]}"
    mkdir -p "$CACHE"
    apt_log="$CACHE/apt.log"
    if ! { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}"; } >"$apt_log" 2>&1; then
      tail -n 20 "$apt_log" >&2
      say "apt-get failed; full log: $apt_log" >&2
      exit 1
    fi
  fi
fi

# --- code-server -----------------------------------------------------------------------------
if [[ -f "$MARKER" && -x "$DEST/node_modules/.bin/code-server" ]]; then
  say "code-server $CODE_SERVER_VERSION present in ${DEST#"$ROOT"/}"
else
  node_major="$(node -p 'process.versions.node.split(".")[0]')"
  if [[ "$node_major" != 20 ]]; then
    say "code-server $CODE_SERVER_VERSION needs Node 20; this is Node $(node -v)" >&2
    exit 1
  fi

  # @vscode/ripgrep downloads rg from GitHub unless its cache (under os.tmpdir()) holds the
  # asset; a private TMPDIR keeps that cache inside .vscode-test.
  export TMPDIR="$CACHE/tmp"
  rg_cache="$TMPDIR/vscode-ripgrep-cache-$RIPGREP_PKG_VERSION"
  if [[ "$(uname -sm)" == "Linux x86_64" && ! -s "$rg_cache/$RIPGREP_ASSET" ]]; then
    say "packing /usr/bin/rg as $RIPGREP_ASSET"
    mkdir -p "$rg_cache"
    staging="$(mktemp -d)"
    cp "$(command -v rg)" "$staging/rg"
    tar -czf "$rg_cache/$RIPGREP_ASSET" -C "$staging" rg
    rm -rf "$staging"
  fi

  say "npm install code-server@$CODE_SERVER_VERSION into ${DEST#"$ROOT"/} (about 2 minutes: native modules build)"
  rm -rf "$DEST"
  mkdir -p "$DEST"
  printf '{ "private": true }\n' >"$DEST/package.json"
  # unsafe_perm: code-server's postinstall refuses root without it.
  # yes: node-pty's postinstall runs `npx node-gyp`, which would otherwise prompt.
  log="$CACHE/code-server-install.log"
  if ! npm_config_unsafe_perm=true npm_config_yes=true \
      npm install --prefix "$DEST" --no-audit --no-fund --loglevel=warn \
      "code-server@$CODE_SERVER_VERSION" >"$log" 2>&1; then
    tail -n 40 "$log" >&2
    say "code-server install failed; full log: $log" >&2
    exit 1
  fi
  touch "$MARKER"
fi

# A private XDG_CONFIG_HOME keeps --version from writing ~/.config/code-server/config.yaml.
say "code-server: $(XDG_CONFIG_HOME="$CACHE/config" "$DEST/node_modules/.bin/code-server" --version | tail -n 1)"
say "done in $((SECONDS - started)) s"

#!/usr/bin/env bash
# Installs what the real-VS-Code tests need on a Debian machine with only the npm registry and Debian's
# packages reachable (why each step is needed: docs/testing.md):
#   - Debian's chromium (driven headless by playwright-core) and the build tools code-server's addons need;
#   - code-server 4.100.3 (it bundles VS Code 1.100.3, the last one whose engines accept Node 20),
#     installed once into a cache folder outside the clone and reused.
# Prints the code-server folder on its last line. Idempotent: a finished install is detected and kept.
set -euo pipefail

CODE_SERVER_VERSION=4.100.3
cache_root="${QED_TEST_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/qed-nano-test}"
prefix="$cache_root/code-server-$CODE_SERVER_VERSION"
marker="$prefix/.installed"

need_apt=()
command -v chromium >/dev/null 2>&1 || need_apt+=(chromium)
command -v rg >/dev/null 2>&1 || need_apt+=(ripgrep)
[ -f "$marker" ] || { dpkg -s libkrb5-dev >/dev/null 2>&1 || need_apt+=(libkrb5-dev); dpkg -s pkg-config >/dev/null 2>&1 || need_apt+=(pkg-config); }
if [ ${#need_apt[@]} -gt 0 ]; then
  if [ "$(id -u)" != 0 ]; then
    echo "Missing Debian packages: ${need_apt[*]}. Install them with: sudo apt-get install ${need_apt[*]}" >&2
    exit 1
  fi
  echo "Installing Debian packages with apt-get (once per machine): ${need_apt[*]}." >&2
  echo "  Why: code-server 4.100.3, the VS Code the extension runs in here, builds a native addon (libkrb5-dev," >&2
  echo "  pkg-config) and needs ripgrep; the tests drive it with Debian's chromium." >&2
  apt-get update -qq >&2
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need_apt[@]}" >&2
fi

if [ ! -f "$marker" ]; then
  echo "Installing code-server $CODE_SERVER_VERSION into $prefix (about 70 s, once per machine)" >&2
  rm -rf "$prefix"
  mkdir -p "$prefix"
  # @vscode/ripgrep downloads rg from GitHub unless its cache already holds the archive: seed it with Debian's rg.
  rg_cache="$(mktemp -d)"
  mkdir -p "$rg_cache/vscode-ripgrep-cache-1.15.11"
  rg_stage="$(mktemp -d)"
  cp "$(command -v rg)" "$rg_stage/rg"
  tar -czf "$rg_cache/vscode-ripgrep-cache-1.15.11/ripgrep-v13.0.0-10-x86_64-unknown-linux-musl.tar.gz" -C "$rg_stage" rg
  (
    cd "$prefix"
    export TMPDIR="$rg_cache" npm_config_unsafe_perm=true npm_config_yes=true
    npm init -y >/dev/null
    npm install --no-audit --no-fund --foreground-scripts "code-server@$CODE_SERVER_VERSION" >&2
  )
  rm -rf "$rg_cache" "$rg_stage"
  test -x "$prefix/node_modules/.bin/code-server"
  touch "$marker"
fi
echo "$prefix"

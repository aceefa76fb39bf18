# Shared by scripts/run and scripts/test: install what the desktop app needs
# on a fresh Debian 12 machine (sourced, not run).

# System packages to build and run the Tauri app (RECIPES.md).
DESKTOP_BUILD_PACKAGES=(libwebkit2gtk-4.1-dev build-essential file pkg-config libxdo-dev libssl-dev libayatana-appindicator3-dev librsvg2-dev)
# ...and to drive it headless in the end-to-end tests.
DESKTOP_TEST_PACKAGES=(xvfb webkit2gtk-driver dbus-x11 dunst imagemagick)

# Installs the named Debian packages that are not installed yet.
ensure_apt() {
  local missing=()
  for p in "$@"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" || missing+=("$p")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  printf '\n\033[1m==> apt-get install %s\033[0m\n' "${missing[*]}"
  local sudo=""
  [ "$(id -u)" = 0 ] || sudo="sudo"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
}

# Installs ui/node_modules exactly as locked (skipped when the lock has not changed since).
ensure_ui_deps() {
  local stamp=ui/node_modules/.synapse-npm-ci
  if [ ! -f "$stamp" ] || [ ui/package-lock.json -nt "$stamp" ]; then
    printf '\n\033[1m==> npm ci (ui/)\033[0m\n'
    # The lock must list every platform's optional binaries (tailwind's oxide,
    # lightningcss, rolldown), or npm 11's `npm ci` calls it out of sync. The
    # registry had no macOS/Windows/Android/FreeBSD/wasm builds of
    # @tailwindcss/oxide 4.3.4 and 4.3.5, so `npm install` left them out of
    # the lock: tailwindcss is pinned at 4.3.3, whose binaries exist for every
    # platform. Before bumping a package with native binaries, check them with
    # `npm view <pkg>-<platform>@<version>`, regenerate the lock with
    # `npm install`, and try a clean `npm ci` in a copy of ui/.
    if ! (cd ui && npm ci --no-audit --no-fund); then
      echo "error: npm ci failed in ui/ (is ui/package-lock.json in sync with ui/package.json?)" >&2
      return 1
    fi
    touch "$stamp"
  fi
}

# A Python virtualenv with the S3 test server (moto) at target/test-venv
# (skipped when tests/s3/requirements.txt has not changed since).
ensure_test_venv() {
  local venv=target/test-venv stamp=target/test-venv/.synapse-pip
  if [ ! -f "$stamp" ] || [ tests/s3/requirements.txt -nt "$stamp" ]; then
    printf '\n\033[1m==> pip install moto (target/test-venv)\033[0m\n'
    mkdir -p target
    if ! python3 -m venv "$venv" 2>/dev/null; then
      ensure_apt python3-venv
      python3 -m venv "$venv"
    fi
    if ! "$venv/bin/pip" install -q --disable-pip-version-check -r tests/s3/requirements.txt; then
      echo "error: pip could not install the S3 test server (tests/s3/requirements.txt)" >&2
      return 1
    fi
    touch "$stamp"
  fi
}

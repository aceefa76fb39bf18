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
    # npm 11 with a registry that has no packages for other platforms writes
    # locks without tailwind's other-platform binaries, and then its own `npm ci`
    # calls the lock out of sync; `npm install --no-save` installs the same
    # locked versions without rewriting the lock.
    if ! (cd ui && npm ci --no-audit --no-fund); then
      echo "npm ci refused the lock file; installing the locked versions with npm install --no-save" >&2
      (cd ui && npm install --no-save --no-audit --no-fund)
    fi
    touch "$stamp"
  fi
}

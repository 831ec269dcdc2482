# Shared by scripts/*.sh: install npm packages when the lockfile changed since the last install.
ensure_install() {
  local stamp=node_modules/.vigil-lock-stamp want
  want=$(sha256sum package-lock.json | cut -c1-16)
  if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$want" ]; then
    echo "[setup] npm ci" >&2
    npm ci --no-audit --no-fund --loglevel=error
    echo "$want" >"$stamp"
  fi
}

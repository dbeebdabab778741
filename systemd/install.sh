#!/usr/bin/env bash
# Installs minifactory as a systemd service on a Raspberry Pi (run as root from a checkout).
set -euo pipefail
src=$(cd "$(dirname "$0")/.." && pwd)
dest=/opt/minifactory

if [ "$(id -u)" -ne 0 ]; then echo "install.sh: run as root (sudo)" >&2; exit 1; fi

# The pigpio C library must be present before npm builds the pigpio binding (Pi 1-4).
if grep -q 'Raspberry Pi [1-4]' /proc/device-tree/model 2>/dev/null; then
  apt-get install -y pigpio libpigpio-dev
fi

mkdir -p "$dest" /etc/minifactory
rsync -a --delete --exclude node_modules --exclude .git "$src/" "$dest/"
cd "$dest"
# Native hardware packages are optional dependencies whose build scripts newer npm blocks by
# default: allow exactly those here (older npm runs them anyway and ignores the flag).
npm ci --omit=dev --allow-scripts=pigpio,epoll,i2c-bus,@serialport/bindings,esbuild
[ -f /etc/minifactory/machine.yaml ] || cp examples/demo.yaml /etc/minifactory/machine.yaml
install -m 0644 systemd/minifactory.service /etc/systemd/system/minifactory.service
systemctl daemon-reload
systemctl enable --now minifactory
echo "minifactory installed; edit /etc/minifactory/machine.yaml and 'systemctl restart minifactory'"

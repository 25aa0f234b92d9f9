#!/usr/bin/env bash
# System packages the project needs beyond Node: g++/make/python3 build the hnswlib-node addon;
# the tests use a real redis-server and Debian's Chromium. Installs only what is missing (Debian
# or Ubuntu, via apt-get; uses sudo when not root). Safe to run again.
set -euo pipefail
need=()
command -v g++ >/dev/null || need+=(g++)
command -v make >/dev/null || need+=(make)
command -v python3 >/dev/null || need+=(python3)
command -v redis-server >/dev/null || need+=(redis-server)
command -v script >/dev/null || need+=(bsdutils)   # a pseudo-terminal for the CLI chat test
command -v chromium >/dev/null || need+=(chromium fonts-noto-color-emoji)
if [ ${#need[@]} -eq 0 ]; then
  echo "system packages: all present"
  exit 0
fi
sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
echo "== apt-get install ${need[*]}"
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
$sudo apt-get install -y -qq "${need[@]}" >/dev/null

#!/usr/bin/env bash
# Installs what nnport needs on Debian 12: build dependencies, and with --oracles the independent
# runtimes the tests compare against (apt list in tests/oracles/apt-packages.txt, npm packages
# pinned in tests/oracles/package-lock.json). Installs only what is missing.
set -euo pipefail
cd "$(dirname "$0")/.."

want_oracles=0
for arg in "$@"; do
  case "$arg" in
    --oracles) want_oracles=1 ;;
    *) echo "usage: $0 [--oracles]" >&2; exit 1 ;;
  esac
done

packages=$(grep -v '^#' scripts/apt-packages.txt | xargs)
if [ "$want_oracles" = 1 ]; then
  packages="$packages $(grep -v '^#' tests/oracles/apt-packages.txt | xargs)"
  # Node.js may come from another source than Debian (with npm bundled); Debian's npm package
  # conflicts with that, so ask apt for them only when the commands are missing.
  command -v node >/dev/null || packages="$packages nodejs"
  command -v npm >/dev/null || packages="$packages npm"
fi

missing=()
for p in $packages; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "installing: ${missing[*]}"
  sudo_cmd=""
  [ "$(id -u)" = 0 ] || sudo_cmd="sudo"
  $sudo_cmd apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

if [ "$want_oracles" = 1 ] && [ -f tests/oracles/package-lock.json ]; then
  # onnxruntime-node's postinstall tries to download a binary; the npm package already ships
  # the CPU one, so the download is skipped. @tensorflow/tfjs-tflite pins its peer tfjs-core to
  # 4.9.0 but runs on the 4.22.0 installed beside it, hence --legacy-peer-deps.
  if [ ! -d tests/oracles/node_modules ] || [ tests/oracles/package-lock.json -nt tests/oracles/node_modules ]; then
    (cd tests/oracles && ONNXRUNTIME_NODE_INSTALL=skip npm ci --legacy-peer-deps --no-audit --no-fund --loglevel=error)
  fi
fi

#!/usr/bin/env bash
# Build the pinned btcd into ./tools/bin for the regtest tier, the dev node and the demo.
#
# Cached: when tools/bin/btcd already reports the pinned version, nothing is rebuilt.
# v0.26.x is required: older releases activate segwit on regtest only after ~432 blocks,
# which breaks every bech32 scenario. Needs Go >= 1.25 and the Go module proxy.
#
# Usage: scripts/build-btcd.sh            (builds if missing, prints the binary's path)
#        BTCD_VERSION=v0.26.2 scripts/build-btcd.sh
set -euo pipefail

BTCD_VERSION="${BTCD_VERSION:-v0.26.2}"
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
GOBIN_DIR="${ROOT}/tools/bin"
BIN="${GOBIN_DIR}/btcd"
STAMP="${GOBIN_DIR}/.btcd-version"

if [[ -x "${BIN}" && -f "${STAMP}" && "$(cat "${STAMP}")" == "${BTCD_VERSION}" ]]; then
    echo "${BIN}"
    exit 0
fi

if ! command -v go >/dev/null 2>&1; then
    echo "build-btcd: no Go toolchain on PATH; install Go >= 1.25 to build btcd ${BTCD_VERSION}" >&2
    exit 2
fi

mkdir -p "${GOBIN_DIR}"
echo "build-btcd: go install github.com/btcsuite/btcd@${BTCD_VERSION} -> ${GOBIN_DIR}" >&2
# GOFLAGS=-buildvcs=false: the module cache is not a VCS checkout; CGO off for a static binary.
GOBIN="${GOBIN_DIR}" CGO_ENABLED=0 GOFLAGS=-buildvcs=false \
    go install "github.com/btcsuite/btcd@${BTCD_VERSION}" >&2
echo "${BTCD_VERSION}" > "${STAMP}"
echo "${BIN}"

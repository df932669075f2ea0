#!/usr/bin/env bash
# Installs what diemcau needs on Debian bookworm, by purpose:
#
#   scripts/setup.sh run     build + run the daemon (compiler, GStreamer, fonts)
#   scripts/setup.sh test    run + the real peers the tests drive (baresip,
#                            linphonec, sipp, tshark, kamailio,
#                            systemd-analyze, curl, jq, chromium with
#                            playwright-core from npm, aiortc from PyPI)
#   scripts/setup.sh bench   test + what bench/ uses (same set today)
#
# Idempotent: packages already installed are skipped, and apt-get is not
# touched at all when nothing is missing, so a second run takes a second.
# Works as root, or through sudo when available. Never prompts.
set -euo pipefail

purpose=${1:-test}

run_pkgs=(
  build-essential pkg-config
  # The mixer (GStreamer): headers to build against, plugins to run.
  libgstreamer1.0-dev libgstreamer-plugins-base1.0-dev
  gstreamer1.0-plugins-base gstreamer1.0-plugins-good
  gstreamer1.0-plugins-bad gstreamer1.0-plugins-ugly
  gstreamer1.0-libav gstreamer1.0-tools
  # WebRTC participants: webrtcbin's headers (plugins-bad dev) and libnice's
  # ICE elements.
  libgstreamer-plugins-bad1.0-dev gstreamer1.0-nice
  # Names on the canvas are Vietnamese: the mixer renders them with a font
  # that has the full Latin Extended Additional block.
  fonts-noto-core fonts-dejavu-core
)
test_pkgs=(
  baresip-core baresip-ffmpeg # a real SIP UA with video
  linphone-cli                # linphonec: a SIP UA with SHA-256 digest
  sip-tester                  # sipp: scripted SIP scenarios
  tshark                      # decode and judge what we put on the wire
  kamailio                    # reference registrar (bench; cheap to have)
  systemd                     # systemd-analyze verify on the unit
  iproute2 curl jq
  # WebRTC: headless chromium joins through the page, driven by
  # playwright-core (tests/browser, npm ci); aiortc is the WHIP/WHEP
  # client (a venv, see below).
  chromium nodejs python3 python3-venv
)
bench_pkgs=(kamailio sip-tester curl jq)

case "$purpose" in
  run) wanted=("${run_pkgs[@]}") ;;
  test) wanted=("${run_pkgs[@]}" "${test_pkgs[@]}") ;;
  bench) wanted=("${run_pkgs[@]}" "${test_pkgs[@]}" "${bench_pkgs[@]}") ;;
  -h | --help | help)
    sed -n '2,11p' "$0" | sed 's/^# \{0,1\}//'
    exit 0
    ;;
  *)
    echo "usage: $0 [run|test|bench]" >&2
    exit 2
    ;;
esac

log() { printf 'setup: %s\n' "$*" >&2; }

if ! command -v cargo >/dev/null 2>&1; then
  log "cargo not found. Install the Rust toolchain (1.87 or newer), e.g. with"
  log "  apt-get install -y rustup && rustup default stable   (Debian trixie+)"
  log "or from https://rustup.rs, then make sure ~/.cargo/bin is on PATH."
  exit 1
fi

if ! command -v dpkg-query >/dev/null 2>&1 || ! command -v apt-get >/dev/null 2>&1; then
  log "this script installs with apt-get (Debian/Ubuntu); install by hand:"
  log "  ${wanted[*]}"
  exit 1
fi

missing=()
declare -A seen=()
for pkg in "${wanted[@]}"; do
  [[ -n ${seen[$pkg]:-} ]] && continue
  seen[$pkg]=1
  status=$(dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null || true)
  [[ $status == "install ok installed" ]] || missing+=("$pkg")
done

# Test purpose: the node and python packages the WebRTC tests use, after
# the Debian ones. playwright-core never downloads a browser (Debian's
# chromium is used); aiortc goes in its own venv, found by the tests at
# ${XDG_CACHE_HOME:-~/.cache}/diemcau/aiortc-venv (DIEMCAU_AIORTC_PYTHON
# overrides).
test_extras() {
  local root venv
  root=$(cd "$(dirname "$0")/.." && pwd)
  if [[ ! -d $root/tests/browser/node_modules/playwright-core ]]; then
    log "npm ci in tests/browser (playwright-core)"
    (cd "$root/tests/browser" && PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci --no-audit --no-fund)
  fi
  venv=${XDG_CACHE_HOME:-$HOME/.cache}/diemcau/aiortc-venv
  if [[ ! -x $venv/bin/python ]] || ! "$venv/bin/python" -c 'import aiortc' 2>/dev/null; then
    log "pip install aiortc into $venv"
    python3 -m venv "$venv"
    "$venv/bin/pip" install -q aiortc
  fi
}

# Debian's npm is its own package; NodeSource's nodejs ships npm and
# conflicts with it: ask for it only when there is no npm at all.
if [[ $purpose != run ]] && ! command -v npm >/dev/null 2>&1; then
  missing+=(npm)
fi

if ((${#missing[@]} == 0)); then
  log "all ${#seen[@]} packages for '$purpose' are installed"
  [[ $purpose == run ]] || test_extras
  exit 0
fi

if ((EUID == 0)); then
  as_root=()
elif command -v sudo >/dev/null 2>&1; then
  # -E keeps DEBIAN_FRONTEND; -n fails instead of prompting without a TTY.
  as_root=(sudo -n -E)
  [[ -t 0 ]] && as_root=(sudo -E)
else
  log "not root and no sudo: as root, run"
  log "  apt-get install -y ${missing[*]}"
  exit 1
fi

export DEBIAN_FRONTEND=noninteractive
log "installing: ${missing[*]}"

# tshark's package asks whether non-root users may capture; answer up front.
if printf '%s\n' "${missing[@]}" | grep -qx tshark; then
  echo "wireshark-common wireshark-common/install-setuid boolean false" |
    "${as_root[@]}" debconf-set-selections
fi

"${as_root[@]}" apt-get update -q
"${as_root[@]}" apt-get install -y -q --no-install-recommends \
  -o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confold \
  "${missing[@]}"

# Debian starts kamailio as a service on install; the bench runs its own.
if printf '%s\n' "${missing[@]}" | grep -qx kamailio && command -v systemctl >/dev/null 2>&1; then
  "${as_root[@]}" systemctl disable --now kamailio >/dev/null 2>&1 || true
fi
[[ $purpose == run ]] || test_extras
log "done"

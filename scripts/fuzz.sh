#!/usr/bin/env bash
# Runs every cargo-fuzz target of the gateway briefly (decoders of H.225.0
# RAS, H.225.0 call signalling, Q.931; the H.245 helper's target joins the
# list in gateway/fuzz). Installs cargo-fuzz if missing.
#   ./scripts/fuzz.sh [seconds per target, default 20]
# Only a stable toolchain is installed: RUSTC_BOOTSTRAP=1 lets cargo-fuzz use
# the -Z flags (sanitizer, coverage instrumentation) it needs.
set -euo pipefail
cd "$(dirname "$0")/../gateway/fuzz"

SECONDS_PER_TARGET=${1:-${FUZZ_SECONDS:-20}}
export RUSTC_BOOTSTRAP=1
# Built once per run: no incremental cache to fill the disk.
export CARGO_INCREMENTAL=0
export CARGO_TERM_COLOR=${CARGO_TERM_COLOR:-never}

if ! cargo fuzz --version >/dev/null 2>&1; then
    echo "==> installing cargo-fuzz"
    cargo install cargo-fuzz --locked
fi

# Real captured messages (gateway/src/h323/testdata.rs) seed the corpora, so
# the fuzzer starts from valid messages instead of random bytes.
# Hex to bytes with bash alone (no xxd on a fresh machine).
unhex() { printf '%b' "$(printf '%s' "$1" | sed 's/../\\x&/g')"; }

seed() {
    local target=$1 kind=$2
    local dir="corpus/$target"
    mkdir -p "$dir"
    grep -oE "pub const [A-Z0-9_]+: &str = \"[0-9a-f]+\"" ../src/h323/testdata.rs |
        while read -r _ _ name _ _ hex; do
            hex=${hex//\"/}
            name=${name%:}
            case "$kind:$name" in
                ras:*TPKT* | ras:*Q931*) continue ;;
                ras:*) unhex "$hex" >"$dir/$name" ;;
                q931:*TPKT*) unhex "${hex:8}" >"$dir/$name" ;; # without TPKT
                q931:*Q931*) unhex "$hex" >"$dir/$name" ;;
                *) ;;
            esac
        done
}
seed ras_message ras
seed q931 q931
mkdir -p corpus/h323_user_information
# H.245: a real call's messages (nDPI's h323.pcap, see
# gateway/src/h323/h245/tests.rs) and a Cisco IOS user input signal.
mkdir -p corpus/h245_decode
for m in 0230010600088175000500801bc520401d00800000001bc5 01000080924fd5 \
    030000640c201d800b0d0001000a01038f138980 22c000640480145c00000a01061207d6000a01061207d703000180 \
    6d810447200063; do
    unhex "$m" >"corpus/h245_decode/$m"
done

status=0
for target in $(cargo fuzz list); do
    echo "==> fuzzing $target for ${SECONDS_PER_TARGET}s"
    # --dev -s none: a release build with ASan of the gateway (the generated
    # H.245 types) took over 40 min on 2 cores, a dev build without a
    # sanitizer about 4; the decoders are safe Rust, so what the fuzzer
    # looks for is panics, which it still catches.
    if ! cargo fuzz run --dev -s none "$target" "corpus/$target" -- \
        -max_total_time="$SECONDS_PER_TARGET" -rss_limit_mb=2048 -print_final_stats=1; then
        echo "==> $target FAILED (crash input under gateway/fuzz/artifacts/$target)"
        status=1
    fi
done
exit $status

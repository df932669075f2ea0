#!/usr/bin/env bash
# The room mixer against a bare gst-launch-1.0 graph doing the same
# decode/composite/encode work, on loopback, with the same synthetic HD
# senders (1280x720, 30 fps, H.264), plus the latency the mixer adds.
#
#   bench/mixer.sh [--personal "2 3 4"] [--shared "4 6 8"] [--warmup S]
#                  [--seconds S] [--only mixer|reference] [--no-latency]
#
# For each mode and N: the reference graph, then the mixer (each gets the
# machine to itself), N senders replaying a pre-encoded clip; CPU time of
# the mixer or gst-launch process over --seconds after --warmup. Prints
# CPU cores used, HD ports per core, the mixer/reference CPU ratio, and the
# lowest output frame rate of any receiver (a case counts only at >= 27
# fps). Then the added latency, video and audio (median and p95).
# Environment: BENCH_PORT_BASE (27000; uses base..base+299 on 127.0.0.1),
# ROOM_BENCH (default: the release example, rebuilt first).
set -euo pipefail
cd "$(dirname "$0")/.."

personal="2 3 4"
shared="4 6 8"
warmup=5
seconds=20
only=""
latency=1
while (($#)); do
  case "$1" in
    --personal) personal=$2; shift 2 ;;
    --shared) shared=$2; shift 2 ;;
    --warmup) warmup=$2; shift 2 ;;
    --seconds) seconds=$2; shift 2 ;;
    --only) only=$2; shift 2 ;;
    --no-latency) latency=""; shift ;;
    -h | --help) sed -n '2,16p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "mixer.sh: unknown option $1" >&2; exit 2 ;;
  esac
done

command -v gst-launch-1.0 >/dev/null || { echo "mixer.sh: gst-launch-1.0 missing: run scripts/setup.sh" >&2; exit 1; }
base=${BENCH_PORT_BASE:-27000}
target=${CARGO_TARGET_DIR:-target}
bin=${ROOM_BENCH:-$target/release/examples/room_bench}
if [[ -z ${ROOM_BENCH:-} ]]; then
  # A no-op when up to date, so that a stale binary is never measured.
  cargo build --release -p diemcau-mixer --example room_bench >&2
fi
port_busy() { ss -Hlnu "( sport = :$1 )" 2>/dev/null | grep -q .; }
for p in "$base" "$((base + 100))" "$((base + 200))"; do
  if port_busy "$p"; then echo "mixer.sh: port $p is taken (set BENCH_PORT_BASE)" >&2; exit 1; fi
done

clip=$target/bench/clip-720p30.rtp
mkdir -p "$(dirname "$clip")"
"$bin" clip "$clip"

read -r l1 _ < /proc/loadavg
echo "Mixer benchmark: 1280x720 30 fps H.264 in and out, $(nproc) cores, ${seconds} s measured after ${warmup} s," \
  "load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
if awk -v l="$l1" 'BEGIN { exit !(l > 0.5) }'; then
  echo "WARNING: the machine is busy (load $l1): other processes take CPU from both sides; see others_cores"
fi

results=()
run() { # impl mode n
  local line
  if line=$("$bin" load --impl "$1" --mode "$2" --n "$3" --clip "$clip" --warmup "$warmup" \
    --seconds "$seconds" --port-base "$base" 2>/dev/null | grep '^RESULT'); then
    results+=("$line")
    echo "  $line" >&2
  else
    echo "  ($1 $2 n=$3 failed)" >&2
  fi
}
for mode in personal shared; do
  ns=$personal
  [[ $mode == shared ]] && ns=$shared
  for n in $ns; do
    [[ $only == mixer ]] || run reference "$mode" "$n"
    [[ $only == reference ]] || run mixer "$mode" "$n"
  done
done

# field KEY LINE
field() { sed -n "s/.* $1=\([^ ]*\).*/\1/p" <<<"$2"; }
printf '\n%-8s %3s | %9s %9s | %10s %10s | %7s %7s | %8s %8s | %7s %9s | %s\n' mode N "ref cores" "mix cores" \
  "ref p/core" "mix p/core" "ref fps" "mix fps" "ref ms/f" "mix ms/f" "mix/ref" "per frame" "sustainable (mixer)"
for mode in personal shared; do
  ns=$personal
  [[ $mode == shared ]] && ns=$shared
  for n in $ns; do
    ref="" mix=""
    for r in "${results[@]}"; do
      [[ $r == *" mode=$mode n=$n "* ]] || continue
      [[ $r == *impl=reference* ]] && ref=$r
      [[ $r == *impl=mixer* ]] && mix=$r
    done
    [[ -n $ref || -n $mix ]] || continue
    awk -v mode="$mode" -v n="$n" \
      -v rc="$(field cpu_cores "$ref")" -v mc="$(field cpu_cores "$mix")" \
      -v rp="$(field ports_per_core "$ref")" -v mp="$(field ports_per_core "$mix")" \
      -v rf="$(field min_fps "$ref")" -v mf="$(field min_fps "$mix")" \
      -v rm="$(field cpu_ms_per_frame "$ref")" -v mm="$(field cpu_ms_per_frame "$mix")" 'BEGIN {
        d = "-"
        ratio = (rc > 0 && mc > 0) ? sprintf("%.2f", mc / rc) : d
        fratio = (rm > 0 && mm > 0) ? sprintf("%.2f", mm / rm) : d
        ok = (mf == "") ? d : (mf >= 27 ? "yes" : "no: below 27 fps")
        printf "%-8s %3d | %9s %9s | %10s %10s | %7s %7s | %8s %8s | %7s %9s | %s\n", mode, n,
          rc == "" ? d : rc, mc == "" ? d : mc, rp == "" ? d : rp, mp == "" ? d : mp,
          rf == "" ? d : rf, mf == "" ? d : mf, rm == "" ? d : rm, mm == "" ? d : mm, ratio, fratio, ok }'
  done
done
echo "(cores: CPU seconds per wall second of the mixer or gst-launch process; p/core: N / cores;"
echo " fps: the lowest receiver's output frame rate; ms/f: CPU ms per frame sent (all receivers);"
echo " mix/ref: CPU ratio, 1.10 = 10 % overhead; per frame: the same per frame sent)"

if [[ -n $latency ]]; then
  echo
  "$bin" latency --switches 10 --onsets 20 --port-base "$base" 2>/dev/null | grep '^RESULT latency' |
    while read -r line; do
      printf '%-6s added latency: median %6s ms, p95 %6s ms  (through the mixer %s ms, direct %s ms, %s events)\n' \
        "$(field latency "$line ")" "$(field added_median_ms "$line")" "$(field added_p95_ms "$line")" \
        "$(field via_mixer_median_ms "$line")" "$(field direct_median_ms "$line")" "$(field events "$line")"
    done
  # The audio chains alone, to split the room's figure.
  "$bin" latency-chains 2>/dev/null | grep '^RESULT' | while read -r line; do
    printf '%-14s alone: median %6s ms, p95 %6s ms (%s onsets)\n' "$(field chain "$line")" \
      "$(field median_ms "$line")" "$(field p95_ms "$line")" "$(field events "$line")"
  done
fi

#!/usr/bin/env bash
# REGISTER-with-digest-auth throughput: Kamailio (the reference registrar)
# and diemcau, side by side, on loopback, with the same users, the same sipp
# scenario (bench/register.xml) and the same number of registrations.
#
#   bench/register.sh [--users N] [--count M] [--rate R] [--limit L]
#                     [--children C] [--transport u1|t1] [--only kamailio|diemcau]
#
# One "registration" is REGISTER, 401, REGISTER with credentials, 200: two
# requests. Prints registrations/s for each server and diemcau's ratio.
# Environment: KAMAILIO_PORT (25060), DIEMCAU_PORT (25062), DIEMCAU_HTTP_PORT
# (25080), SIPP_PORT (25064), DIEMCAU_BIN (default: target/release/diemcau,
# rebuilt first), KEEP=1 keeps the work dir.
set -euo pipefail
cd "$(dirname "$0")/.."

users=1000
count=50000
rate=20000
limit=200
children=2
transport=u1
only=""
while (($#)); do
  case "$1" in
    --users) users=$2; shift 2 ;;
    --count) count=$2; shift 2 ;;
    --rate) rate=$2; shift 2 ;;
    --limit) limit=$2; shift 2 ;;
    --children) children=$2; shift 2 ;;
    --transport) transport=$2; shift 2 ;;
    --only) only=$2; shift 2 ;;
    -h | --help) sed -n '2,16p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "register.sh: unknown option $1" >&2; exit 2 ;;
  esac
done

kam_port=${KAMAILIO_PORT:-25060}
dc_port=${DIEMCAU_PORT:-25062}
dc_http=${DIEMCAU_HTTP_PORT:-25080}
sipp_port=${SIPP_PORT:-25064}

for tool in sipp kamailio curl; do
  command -v "$tool" >/dev/null || { echo "register.sh: $tool missing: run scripts/setup.sh bench" >&2; exit 1; }
done

work=$(mktemp -d /tmp/diemcau-bench.XXXXXX)
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  if [[ -n ${KEEP:-} ]]; then echo "work dir kept: $work"; else rm -rf "$work"; fi
}
trap cleanup EXIT

port_busy() { ss -Hlntu "( sport = :$1 )" 2>/dev/null | grep -q .; }
for p in "$kam_port" "$dc_port" "$dc_http" "$sipp_port"; do
  if port_busy "$p"; then echo "register.sh: port $p is taken (see the env overrides)" >&2; exit 1; fi
done

# Users 10000.. with password pw<user>: the same list for both servers.
{
  echo SEQUENTIAL
  for ((i = 0; i < users; i++)); do echo "$((10000 + i));pw$((10000 + i))"; done
} >"$work/users.csv"

wait_udp() { # port seconds
  for ((i = 0; i < $2 * 10; i++)); do
    ss -Hlnu "( sport = :$1 )" | grep -q . && return 0
    sleep 0.1
  done
  return 1
}

# CPU time (user+system, in clock ticks) of every process whose command
# line matches PATTERN: Kamailio is several processes, diemcau one.
cpu_ticks() {
  local total=0 pid t
  for pid in $(pgrep -f -- "$1"); do
    t=$(awk '{ print $14 + $15 }' "/proc/$pid/stat" 2>/dev/null) || continue
    total=$((total + t))
  done
  echo "$total"
}

# run_sipp NAME PORT PATTERN: drives one server, prints "ok failed seconds
# cpu_seconds" (the server's CPU time during the run, matched by PATTERN).
run_sipp() {
  local name=$1 port=$2 pattern=$3 start end rc=0 cpu0 cpu1
  cpu0=$(cpu_ticks "$pattern")
  start=$(date +%s.%N)
  sipp "127.0.0.1:$port" -sf bench/register.xml -inf "$work/users.csv" \
    -t "$transport" -i 127.0.0.1 -p "$sipp_port" \
    -m "$count" -r "$rate" -rp 1000 -l "$limit" \
    -nostdin -timeout 600s -max_socket 1000 \
    -trace_stat -stf "$work/$name-stats.csv" -fd 1 \
    -trace_err -error_file "$work/$name-errors.log" \
    >"$work/$name-sipp.log" 2>&1 || rc=$?
  end=$(date +%s.%N)
  cpu1=$(cpu_ticks "$pattern")
  # Cumulative successes and failures from the last stats row.
  awk -F';' -v cpu="$(awk -v a="$cpu0" -v b="$cpu1" -v hz="$(getconf CLK_TCK)" 'BEGIN { print (b - a) / hz }')" \
    -v secs="$(awk -v a="$start" -v b="$end" 'BEGIN { print b - a }')" '
    NR == 1 { for (i = 1; i <= NF; i++) { if ($i == "SuccessfulCall(C)") s = i; if ($i == "FailedCall(C)") f = i } next }
    { ok = $s; bad = $f }
    END { printf "%d %d %.3f %.2f\n", ok, bad, secs, cpu }' "$work/$name-stats.csv"
  if ((rc != 0 && rc != 1)); then
    echo "register.sh: sipp against $name exited $rc (see $work/$name-sipp.log)" >&2
  fi
}

declare -A result=()

bench_kamailio() {
  mkdir -p "$work/db"
  {
    echo "id(int,auto) key_name(string) key_type(int) value_type(int) key_value(string) expires(int)"
    for ((i = 0; i < users; i++)); do echo "$((i + 1)):$((10000 + i)):0:0:pw$((10000 + i)):0"; done
  } >"$work/db/users"
  sed -e "s#@PORT@#$kam_port#g" -e "s#@CHILDREN@#$children#g" -e "s#@DIR@#$work#g" \
    bench/kamailio.cfg >"$work/kamailio.cfg"
  kamailio -f "$work/kamailio.cfg" -DD -E -Y "$work" -w "$work" >"$work/kamailio.log" 2>&1 &
  pids+=($!)
  wait_udp "$kam_port" 10 || { echo "kamailio did not start:"; tail -20 "$work/kamailio.log"; return 1; }
  result[kamailio]=$(run_sipp kamailio "$kam_port" "kamailio -f $work/kamailio.cfg")
}

bench_diemcau() {
  local bin=${DIEMCAU_BIN:-target/release/diemcau}
  # Without DIEMCAU_BIN, build (a no-op when up to date) so that a stale
  # binary is never measured.
  if [[ -z ${DIEMCAU_BIN:-} ]]; then
    cargo build --release -p diemcau-gateway --bin diemcau >&2
  fi
  {
    printf '[server]\nsip_domain = "diemcau.local"\n\n'
    printf '[sip]\nudp = ["127.0.0.1:%s"]\ntcp = ["127.0.0.1:%s"]\n' "$dc_port" "$dc_port"
    printf 'min_expires = 60\nmax_expires = 3600\ndefault_expires = 600\n\n'
    printf '[media]\naddress = "127.0.0.1"\n\n'
    printf '[http]\nlisten = "127.0.0.1:%s"\nadmin_token = "bench"\n\n' "$dc_http"
    printf '[auth]\nnonce_lifetime_secs = 300\n\n'
    printf '[[rooms]]\nnumber = "1000"\nname = "Bench"\n'
    for ((i = 0; i < users; i++)); do
      printf '\n[[terminals]]\nusername = "%d"\npassword = "pw%d"\n' $((10000 + i)) $((10000 + i))
    done
  } >"$work/diemcau.toml"
  RUST_LOG=${RUST_LOG:-warn} "$bin" --config "$work/diemcau.toml" >"$work/diemcau.log" 2>&1 &
  pids+=($!)
  local up=""
  for ((i = 0; i < 100; i++)); do
    if curl -fsS "http://127.0.0.1:$dc_http/healthz" >/dev/null 2>&1; then up=1; break; fi
    sleep 0.1
  done
  if [[ -z $up ]]; then
    echo "diemcau did not become healthy (KEEP=1 keeps its log):" >&2
    tail -20 "$work/diemcau.log" >&2
    return 1
  fi
  result[diemcau]=$(run_sipp diemcau "$dc_port" "diemcau --config $work/diemcau.toml")
}

echo "REGISTER benchmark: $users users, $count registrations, transport $transport," \
  "at most $limit in flight, $(nproc) cores, Kamailio children=$children"
[[ $only == diemcau ]] || bench_kamailio || echo "(kamailio run failed)"
# Stop Kamailio before diemcau runs: each gets the machine to itself.
for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
wait 2>/dev/null || true
pids=()
[[ $only == kamailio ]] || bench_diemcau || echo "(diemcau run failed)"

printf '\n%-10s %10s %8s %9s %12s %12s %11s %14s\n' server registered failed seconds "reg/s" "REGISTER/s" "server CPU" "CPU us / reg"
for name in kamailio diemcau; do
  [[ -n ${result[$name]:-} ]] || continue
  read -r ok bad secs cpu <<<"${result[$name]}"
  awk -v n="$name" -v ok="$ok" -v bad="$bad" -v s="$secs" -v c="$cpu" 'BEGIN {
    printf "%-10s %10d %8d %9.2f %12.0f %12.0f %10.2fs %14.1f\n", n, ok, bad, s, ok / s, 2 * ok / s, c, ok ? 1e6 * c / ok : 0 }'
done
if [[ -n ${result[kamailio]:-} && -n ${result[diemcau]:-} ]]; then
  read -r kok _ ksecs kcpu <<<"${result[kamailio]}"
  read -r dok _ dsecs dcpu <<<"${result[diemcau]}"
  # Throughput is bounded by sipp too (it shares the 2 cores), so the CPU
  # each server spends per registration is printed as a second ratio.
  awk -v a="$dok" -v as="$dsecs" -v b="$kok" -v bs="$ksecs" -v ac="$dcpu" -v bc="$kcpu" 'BEGIN {
    printf "\ndiemcau / kamailio, registrations/s: %.2f\n", (a / as) / (b / bs)
    if (ac > 0 && a > 0 && b > 0) printf "kamailio / diemcau, CPU per registration: %.2f (above 1: diemcau uses less)\n", (bc / b) / (ac / a) }'
fi

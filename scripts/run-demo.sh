#!/usr/bin/env bash
# Builds diemcau and runs it in the foreground with the demo config.
#   ./scripts/run-demo.sh [extra diemcau args...]
# Ctrl-C stops it; `kill -HUP <pid>` reloads the config.
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/setup.sh run
cargo build --release -p diemcau-gateway --bin diemcau

config=${DIEMCAU_CONFIG:-configs/diemcau.toml}
[[ -f $config ]] || { echo "run-demo: $config not found" >&2; exit 1; }

# A terminal on another machine needs an address it can reach.
host=$(hostname -I 2>/dev/null | awk '{print $1}')
host=${host:-127.0.0.1}
token=$(sed -n 's/^[[:space:]]*admin_token[[:space:]]*=[[:space:]]*"\(.*\)".*/\1/p' "$config" | head -n1)

cat <<TXT

diemcau demo ($config)
  Terminals: register SIP account 101 / demo101 (also 102, 103) with
             registrar/proxy $host:5060 (UDP or TCP), then dial 1000
             (sip:1000@$host) to join room 1000.
  Admin API: curl -H 'Authorization: Bearer ${token:-<admin_token from $config>}' \\
               http://$host:8080/api/v1/rooms
  Metrics:   curl http://$host:8080/metrics
  Config reload: kill -HUP <pid>;  stop: Ctrl-C

TXT
exec target/release/diemcau --config "$config" "$@"

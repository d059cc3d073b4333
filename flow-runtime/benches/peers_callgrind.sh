#!/usr/bin/env bash
# The peers harness's rows (../shared/peers) counted instead of timed: instructions, instruction
# cache misses and data cache misses per step, for cano and this project, under callgrind with
# its cache simulation. A companion to `../shared/peers/run.sh`, whose wall-clock ratios move by
# +-30 % on a shared machine and differ from one processor to the next: these counts are the
# same on every run of the same build, so they show what a change did when the clock cannot.
#
# Usage (from the project's root): flow-runtime/benches/peers_callgrind.sh [impl ...]
#   impl: rows of the harness (default: cano ours ours-nostats), each run in `seq` mode.
# Each row runs twice, at SMALL and LARGE instances (default 20000 and 60000), and the counts
# per step are the difference of the two divided by the extra steps: the harness's setup and
# warm-up cancel out. Needs valgrind. Takes about two minutes per row.
#
# The cache model is callgrind's (32 KiB L1 instruction and data caches, LRU, no prefetch):
# misses there are lines a step brings in again, not a timing. Instruction misses move with
# code layout, so compare builds by several rows, not by one figure.
set -euo pipefail
project=$(git rev-parse --show-toplevel)
dir=${PEERS_DIR:-/tmp/flow-peers}
small=${SMALL:-20000}
large=${LARGE:-60000}
rows=("$@")
[ ${#rows[@]} -gt 0 ] || rows=(cano ours ours-nostats)
command -v valgrind >/dev/null || { echo "peers_callgrind: valgrind is needed (apt-get install valgrind)" >&2; exit 1; }

# run.sh builds the harness against this checkout; a one-row run of 10 ms is the cheapest call.
(cd "$project" && ../shared/peers/run.sh --only baseline --reps 1 --target-ms 10 >/dev/null 2>&1)
peers="$dir/target/release/peers"
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT

# Prints the profile's totals (Ir Dr Dw I1mr D1mr D1mw ILmr DLmr DLmw).
count() {
    valgrind --tool=callgrind --cache-sim=yes --callgrind-out-file="$out/profile" \
        "$peers" --only "$1" --mode seq --reps 1 --instances "$2" 2>&1 |
        sed -n 's/^==[0-9]*== Collected : //p'
}

printf '%-14s %12s %10s %10s %10s\n' row "instr/step" "I1 miss" "D1 miss" "x cano"
cano_ir=""
for row in "${rows[@]}"; do
    read -r -a at_small <<<"$(count "$row" "$small")"
    read -r -a at_large <<<"$(count "$row" "$large")"
    steps=$(((large - small) * 10))
    python3 - "$row" "$steps" "${at_small[*]}" "${at_large[*]}" "$cano_ir" <<'PY'
import sys
row, steps, small, large, cano = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4], sys.argv[5]
d = [(b - a) / steps for a, b in zip(map(int, small.split()), map(int, large.split()))]
ratio = f"{d[0] / float(cano):.2f}" if cano else "-"
print(f"{row:<14} {d[0]:>12.0f} {d[3]:>10.1f} {d[4] + d[5]:>10.1f} {ratio:>10}")
PY
    if [ "$row" = cano ]; then
        cano_ir=$(python3 -c "print((${at_large[0]} - ${at_small[0]}) / $steps)")
    fi
done

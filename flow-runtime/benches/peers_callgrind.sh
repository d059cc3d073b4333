#!/usr/bin/env bash
# The peers harness's rows (../shared/peers) counted instead of timed: instructions, instruction
# cache misses and data cache misses per step, for cano and this project, under callgrind with
# its cache simulation. A companion to `../shared/peers/run.sh`, whose wall-clock ratios move by
# +-30 % on a shared machine and differ from one processor to the next: these counts stay
# nearly the same from run to run of a build (a few time-dependent paths, such as the clock's
# re-anchoring, move them by about 1 %), so they show what a change did when the clock cannot.
#
# Usage (from the project's root): flow-runtime/benches/peers_callgrind.sh [row ...]
#   row: rows of the harness, each run in `seq` mode (default: cano ours ours-nostats; put
#   cano first for the `x cano` column).
# Each row runs at SMALL and LARGE instances (default 20000 and 60000), and so does the
# harness's baseline row alone, which every run of the harness includes: a row's counts are its
# process's minus the baseline process's, and its counts per step the difference of the two
# sizes divided by the extra steps (warm-up included), so that set-up cancels. Needs valgrind.
# Takes about two minutes per row.
#
# The cache model is callgrind's, pinned so that every machine simulates the same one (32 KiB
# 8-way L1 instruction and data caches of 64-byte lines, LRU, no prefetch): misses there are
# lines a step brings in again, not a timing. Instruction misses move with code layout, so
# compare builds by several rows, not by one figure.
set -euo pipefail
project=$(git rev-parse --show-toplevel)
dir=${PEERS_DIR:-/tmp/flow-peers}
small=${SMALL:-20000}
large=${LARGE:-60000}
# The harness's flow (harness::STEPS) and its untimed warm-up (harness::warmup_instances).
steps_per_instance=10
warmup() {
    local w=$(($1 / 5))
    if ((w < 64)); then w=64; fi
    if ((w > 5000)); then w=5000; fi
    echo "$w"
}
rows=("$@")
[ ${#rows[@]} -gt 0 ] || rows=(cano ours ours-nostats)
command -v valgrind >/dev/null || { echo "peers_callgrind: valgrind is needed (apt-get install valgrind)" >&2; exit 1; }

out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
# run.sh builds the harness against this checkout; a baseline run of 10 ms is the cheapest call.
# Its output is shown only if it fails (a build error).
if ! (cd "$project" && ../shared/peers/run.sh --only baseline --reps 1 --target-ms 10) >"$out/build.log" 2>&1; then
    cat "$out/build.log" >&2
    exit 1
fi
peers="$dir/target/release/peers"

# Prints the totals of one run of `row` at `instances` (Ir Dr Dw I1mr D1mr D1mw ILmr DLmr DLmw).
count() {
    local report totals
    report=$(valgrind --tool=callgrind --cache-sim=yes --I1=32768,8,64 --D1=32768,8,64 \
        --LL=8388608,16,64 --callgrind-out-file="$out/profile" \
        "$peers" --only "$1" --mode seq --reps 1 --instances "$2" 2>&1)
    totals=$(sed -n 's/^==[0-9]*== Collected : //p' <<<"$report")
    # The harness runs what it knows of `--only` (and its baseline always): a row it did not
    # run has no line of its own in the report.
    if ! grep -q "^$1 *seq " <<<"$report" || [ "$(wc -w <<<"$totals")" -ne 9 ]; then
        echo "peers_callgrind: no counts from row '$1' at $2 instances (a misspelt row?)" >&2
        exit 1
    fi
    echo "$totals"
}

base_small=$(count baseline "$small")
base_large=$(count baseline "$large")
steps=$(((large + $(warmup "$large") - small - $(warmup "$small")) * steps_per_instance))
printf '%-14s %12s %10s %10s %10s\n' row "instr/step" "I1 miss" "D1 miss" "x cano"
cano_ir=""
for row in "${rows[@]}"; do
    at_small=$(count "$row" "$small")
    at_large=$(count "$row" "$large")
    line=$(python3 - "$row" "$steps" "$at_small" "$at_large" "$base_small" "$base_large" "$cano_ir" <<'PY'
import sys
row, steps = sys.argv[1], int(sys.argv[2])
small, large, base_small, base_large = ([int(x) for x in arg.split()] for arg in sys.argv[3:7])
cano = sys.argv[7]
# The row's own counts at each size: its process's minus the baseline process's.
d = [((l - bl) - (s - bs)) / steps for s, l, bs, bl in zip(small, large, base_small, base_large)]
ratio = f"{d[0] / float(cano):.2f}" if cano else "-"
print(f"{row:<14} {d[0]:>12.0f} {d[3]:>10.1f} {d[4] + d[5]:>10.1f} {ratio:>10} {d[0]}")
PY
)
    printf '%s\n' "${line% *}"
    if [ "$row" = cano ]; then
        cano_ir=${line##* }
    fi
done

#!/usr/bin/env bash
# Compile-time benchmark of `flow!` on a flow of 500 states and 1,000 transitions.
#
#   bash benches/macro_expansion/run.sh [RUNS]        # RUNS defaults to 5
#
# Environment: BENCH_DIR (default /tmp/flow-bench), GENERATE_ARGS (passed to generate.py,
# e.g. "--actions 40"), SKIP_ZFLAGS=1 to skip the -Z time-passes / expansion-size part,
# FLOW_SOURCE: `head` (default) measures the committed macros: `git archive HEAD` is unpacked
# into $BENCH_DIR/snapshot-<commit> and the crates depend on that copy, so edits in progress
# in the work tree neither break nor disturb the run; `worktree` depends on the work tree.
#
# 1. generate.py writes $BENCH_DIR/with_flow and $BENCH_DIR/without_flow (same crate minus
#    the flow! invocation);
# 2. the dependencies are built once into $BENCH_DIR/target (shared by both crates);
# 3. `cargo check` of each crate after `touch src/lib.rs` (only that crate recompiles),
#    RUNS times alternating with/without, in two modes:
#      full         CARGO_INCREMENTAL=0: everything in the crate is checked (first check, CI,
#                   or an edit of the flow itself);
#      incremental  cargo's default for dev: the source is unchanged, so rustc re-parses and
#                   re-expands (proc macros always re-run) and reuses the rest from the cache
#                   (the cost of rechecking the crate after an edit elsewhere in it);
#    a sample in which cargo rebuilt anything but the bench crate (e.g. someone edited
#    flow-macros meanwhile) is thrown away and taken again;
# 4. with RUSTC_BOOTSTRAP=1 (a measurement outside the build; its own target dir, since the
#    variable changes every fingerprint), `cargo rustc --profile=check -- -Z time-passes` on
#    each crate, RUNS times, medians of the passes; with - without expand_crate is the flow!
#    macro's own expansion time; and the size of `-Zunpretty=expanded` of both crates.
set -euo pipefail

RUNS=${1:-5}
HERE=$(cd "$(dirname "$0")" && pwd)
BENCH_DIR=${BENCH_DIR:-/tmp/flow-bench}
CRATES=(with_flow without_flow)

REPO=$(cd "$HERE/../.." && pwd)
case "${FLOW_SOURCE:-head}" in
    head)
        commit=$(git -C "$REPO" rev-parse --short=12 HEAD)
        FLOW_ROOT="$BENCH_DIR/snapshot-$commit"
        if [ ! -f "$FLOW_ROOT/Cargo.toml" ]; then
            mkdir -p "$FLOW_ROOT"
            git -C "$REPO" archive HEAD | tar -x -C "$FLOW_ROOT"
        fi
        echo "== flow crates: commit $commit of $REPO (snapshot in $FLOW_ROOT)"
        ;;
    worktree)
        FLOW_ROOT=$REPO
        echo "== flow crates: the work tree $REPO (commit $(git -C "$REPO" rev-parse --short=12 HEAD) plus uncommitted changes)"
        ;;
    *) echo "FLOW_SOURCE must be head or worktree" >&2; exit 2 ;;
esac
echo "== $(date -u '+%Y-%m-%d %H:%M UTC'), $(rustc --version), $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg)"
python3 "$HERE/generate.py" --out "$BENCH_DIR" --flow-root "$FLOW_ROOT" ${GENERATE_ARGS:-}

median() { sort -n | awk '{ a[NR] = $1 } END { if (NR % 2) print a[(NR + 1) / 2]; else printf "%.3f\n", (a[NR / 2] + a[NR / 2 + 1]) / 2 }'; }

# check CRATE -> prints the wall time in seconds of one `cargo check` of CRATE alone.
check() {
    local crate=$1 log start end
    log=$(mktemp)
    while true; do
        touch "$BENCH_DIR/$crate/src/lib.rs"
        start=$(date +%s%N)
        if ! (cd "$BENCH_DIR/$crate" && cargo check --offline >"$log" 2>&1); then
            cat "$log" >&2
            echo "cargo check of $crate failed" >&2
            exit 1
        fi
        end=$(date +%s%N)
        if grep -E '^ *(Compiling|Checking) ' "$log" | grep -qv " $crate v"; then
            echo "  (a dependency was rebuilt during a $crate sample: sample discarded)" >&2
            continue
        fi
        break
    done
    rm -f "$log"
    awk -v s="$start" -v e="$end" 'BEGIN { printf "%.3f\n", (e - s) / 1e9 }'
}

export CARGO_TARGET_DIR="$BENCH_DIR/target"
echo "== warming dependency builds in $CARGO_TARGET_DIR"
for crate in "${CRATES[@]}"; do
    for incremental in 0 1; do
        (cd "$BENCH_DIR/$crate" && CARGO_INCREMENTAL=$incremental cargo check --offline -q)
    done
done

declare -A MEDIAN
for mode in full incremental; do
    if [ "$mode" = full ]; then export CARGO_INCREMENTAL=0; else export CARGO_INCREMENTAL=1; fi
    echo "== cargo check, $mode ($RUNS runs each, alternating)"
    declare -A SAMPLES=([with_flow]="" [without_flow]="")
    for ((run = 1; run <= RUNS; run++)); do
        line="  run $run:"
        for crate in "${CRATES[@]}"; do
            t=$(check "$crate")
            SAMPLES[$crate]+="$t "
            line+=" $crate ${t}s"
        done
        echo "$line"
    done
    for crate in "${CRATES[@]}"; do
        MEDIAN[$mode.$crate]=$(tr ' ' '\n' <<<"${SAMPLES[$crate]}" | grep . | median)
    done
    diff=$(awk -v a="${MEDIAN[$mode.with_flow]}" -v b="${MEDIAN[$mode.without_flow]}" 'BEGIN { printf "%.3f", a - b }')
    echo "  median: with_flow ${MEDIAN[$mode.with_flow]}s, without_flow ${MEDIAN[$mode.without_flow]}s, difference ${diff}s (target: < 2 s)"
    unset SAMPLES
done
unset CARGO_INCREMENTAL

if [ "${SKIP_ZFLAGS:-0}" = 1 ]; then exit 0; fi

export CARGO_TARGET_DIR="$BENCH_DIR/target-zflags" CARGO_INCREMENTAL=0 RUSTC_BOOTSTRAP=1
PASSES=(total expand_crate type_check_crate coherence_checking MIR_borrow_checking misc_checking_3 resolve_crate generate_crate_metadata)
echo "== rustc -Z time-passes ($RUNS runs each; RUSTC_BOOTSTRAP=1, target $CARGO_TARGET_DIR)"
for crate in "${CRATES[@]}"; do
    (cd "$BENCH_DIR/$crate" && cargo check --offline -q)  # warm this target dir's dependencies
    passes=$(mktemp)
    for ((run = 1; run <= RUNS; run++)); do
        touch "$BENCH_DIR/$crate/src/lib.rs"
        (cd "$BENCH_DIR/$crate" && cargo rustc --offline --profile=check -- -Z time-passes 2>&1) |
            awk '/^time:/ { sub(";", "", $2); print $NF, $2 }' >>"$passes"
    done
    for pass in "${PASSES[@]}"; do
        MEDIAN[tp.$crate.$pass]=$(awk -v p="$pass" '$1 == p { print $2 }' "$passes" | median)
    done
    rm -f "$passes"
done
printf '  %-24s %10s %13s %11s\n' pass with_flow without_flow difference
for pass in "${PASSES[@]}"; do
    a=${MEDIAN[tp.with_flow.$pass]} b=${MEDIAN[tp.without_flow.$pass]}
    printf '  %-24s %9.3fs %12.3fs %10.3fs\n' "$pass" "$a" "$b" "$(awk -v a="$a" -v b="$b" 'BEGIN { print a - b }')"
done
echo "  flow! expansion (expand_crate with - without): $(awk -v a="${MEDIAN[tp.with_flow.expand_crate]}" -v b="${MEDIAN[tp.without_flow.expand_crate]}" 'BEGIN { printf "%.3f", a - b }')s"

echo "== size of the expansion (-Zunpretty=expanded)"
for crate in "${CRATES[@]}"; do
    touch "$BENCH_DIR/$crate/src/lib.rs"
    (cd "$BENCH_DIR/$crate" && cargo rustc --offline --profile=check -q -- -Zunpretty=expanded) >"$BENCH_DIR/$crate.expanded.rs"
    echo "  $crate: source $(wc -c <"$BENCH_DIR/$crate/src/lib.rs") bytes; expanded $(wc -c <"$BENCH_DIR/$crate.expanded.rs") bytes, $(wc -l <"$BENCH_DIR/$crate.expanded.rs") lines"
done
echo "  (expanded code in $BENCH_DIR/*.expanded.rs)"

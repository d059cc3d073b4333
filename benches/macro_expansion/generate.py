#!/usr/bin/env python3
"""Writes two throwaway crates for the `flow!` compile-time benchmark.

    python3 generate.py [--out /tmp/flow-bench] [--states 500] [--transitions 1000]
                        [--actions N] [--flow-root /work/main]

`<out>/with_flow` holds the actions, instruction enums and data type *and* one `flow!` with
`--states` states and `--transitions` transitions; `<out>/without_flow` is byte-for-byte the
same crate minus the `flow!` invocation, so the difference in `cargo check` time between the
two is what the flow costs. Both depend on `<flow-root>/flow-runtime` by path (flow-root is
the flow workspace: this repository, or a snapshot of one of its commits, see run.sh) and
carry a copy of that workspace's Cargo.lock and rust-toolchain.toml, so they resolve the same dependency versions
with the same compiler and share one warm target directory (see run.sh).

Shape of the flow (defaults):
  * states `S000`..`S497` run an action each; `Done` is the success end, `Failed` the failure
    end: 498 + 2 = 500 states;
  * each step has a forward edge (`Proceed`) to the next step (the last one to `Done`), so
    every state is reachable from the start and reaches an end; and a second edge (`Divert`)
    chosen by `i % 4`: 0 -> `Failed`, 1 -> a skip ahead to `S(i+3)` (or `Done`), 2 -> a back
    edge to `S(i/2)` (a loop), 3 -> `Failed`;
  * 498 steps x 2 edges = 996; the remaining `transitions - 2*steps` (4) edges come from that
    many steps spread over the flow whose action returns a three-variant instruction, the third
    (`Finish`) going to `Done`.
Actions: by default one distinct `#[action]` per step (498 actions, 498 instruction enums);
`--actions N` uses a pool of N reused two-variant actions instead (plus one distinct
three-variant action per extra edge). Even-numbered actions are `readonly`, odd-numbered ones
have `compensate = undo_<name>` and a retry policy, so every saga assertion holds (no pivots).
"""

import argparse
import os
import shutil
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.abspath(os.path.join(HERE, "..", ".."))


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", default="/tmp/flow-bench")
    parser.add_argument("--states", type=int, default=500)
    parser.add_argument("--transitions", type=int, default=1000)
    parser.add_argument(
        "--actions",
        type=int,
        default=0,
        help="size of a pool of reused two-variant actions (default 0: one action per step)",
    )
    parser.add_argument(
        "--flow-root",
        default=REPO,
        help="the flow workspace whose flow-runtime the crates depend on (default: this repository)",
    )
    return parser.parse_args()


class Action:
    def __init__(self, name, variants, readonly):
        self.name = name
        self.variants = variants
        self.readonly = readonly
        self.enum = "".join(part.capitalize() for part in name.split("_")) + "Outcome"


def build(args):
    steps = args.states - 2
    extra = args.transitions - 2 * steps
    if steps < 2 or extra < 0 or extra > steps:
        sys.exit(f"cannot shape {args.states} states / {args.transitions} transitions with 2-3 edges per step")
    width = len(str(steps - 1))
    state = lambda i: "Done" if i >= steps else f"S{i:0{width}d}"

    # Steps with a three-variant instruction, spread evenly over the flow.
    three = {round((k + 0.5) * steps / extra) for k in range(extra)} if extra else set()
    assert len(three) == extra

    actions = []  # declaration order
    step_action = []  # per step
    if args.actions <= 0:
        for i in range(steps):
            variants = ["Proceed", "Divert", "Finish"] if i in three else ["Proceed", "Divert"]
            action = Action(f"step_{i:0{width}d}", variants, readonly=(i % 2 == 0))
            actions.append(action)
            step_action.append(action)
    else:
        pool = [
            Action(f"task_{k:02d}", ["Proceed", "Divert"], readonly=(k % 2 == 0))
            for k in range(args.actions)
        ]
        triples = [
            Action(f"branch_{k:02d}", ["Proceed", "Divert", "Finish"], readonly=(k % 2 == 0))
            for k in range(extra)
        ]
        actions = pool + triples
        triple_iter = iter(triples)
        for i in range(steps):
            step_action.append(next(triple_iter) if i in three else pool[i % args.actions])

    rows = []
    edges = 0
    for i in range(steps):
        action = step_action[i]
        divert = {0: "Failed", 1: state(i + 3), 2: state(i // 2), 3: "Failed"}[i % 4]
        arms = [f"Proceed => {state(i + 1)}", f"Divert => {divert}"]
        if "Finish" in action.variants:
            arms.append("Finish => Done")
        edges += len(arms)
        rows.append(f"        {state(i)} => {action.name} {{ {', '.join(arms)} }}")
    assert edges == args.transitions, edges
    assert steps + 2 == args.states
    flow = (
        "flow! {\n"
        f"    /// A generated flow of {args.states} states and {args.transitions} transitions.\n"
        "    pub flow BigFlow: Case, version 1 {\n"
        f"        start {state(0)};\n" + "\n".join(rows) + "\n"
        "        success Done;\n"
        "        failure Failed;\n"
        "    }\n"
        "}\n"
    )
    return actions, flow, steps, edges


def actions_source(actions):
    out = []
    for action in actions:
        variants = "\n".join(f"    {v}," for v in action.variants)
        out.append(f"#[derive(Debug, Instruction)]\npub enum {action.enum} {{\n{variants}\n}}\n")
        if action.readonly:
            attr = "#[action(readonly)]"
        else:
            attr = (
                f"#[action(compensate = undo_{action.name}, "
                "retry(attempts = 3, backoff = exponential(10ms, 1s)), timeout = 5s)]"
            )
        finish = (
            f"    if ctx.data.counter % 11 == 0 {{\n        return Ok({action.enum}::Finish);\n    }}\n"
            if "Finish" in action.variants
            else ""
        )
        out.append(
            f"{attr}\n"
            f"pub async fn {action.name}(ctx: &mut Context<Case>) -> Result<{action.enum}, ActionError> {{\n"
            "    ctx.data.counter += 1;\n"
            f"{finish}"
            "    if ctx.data.counter % 7 == 0 {\n"
            f"        return Ok({action.enum}::Divert);\n"
            "    }\n"
            f"    ctx.data.log.push(\"{action.name}\".to_owned());\n"
            f"    Ok({action.enum}::Proceed)\n"
            "}\n"
        )
        if not action.readonly:
            out.append(
                f"pub async fn undo_{action.name}(ctx: &mut Context<Case>) -> Result<(), ActionError> {{\n"
                "    ctx.data.log.pop();\n"
                "    Ok(())\n"
                "}\n"
            )
    return "\n".join(out)


def write_crate(root, name, flow_root, body):
    runtime = os.path.join(flow_root, "flow-runtime")
    src = os.path.join(root, "src")
    os.makedirs(src, exist_ok=True)
    with open(os.path.join(root, "Cargo.toml"), "w") as f:
        f.write(
            f'[package]\nname = "{name}"\nversion = "0.0.0"\nedition = "2024"\npublish = false\n\n'
            f'[dependencies]\nflow-runtime = {{ path = "{runtime}" }}\n\n'
            "# Not part of any workspace.\n[workspace]\n\n"
            "# The same profile as the flow workspace, so dependency builds are the same.\n"
            '[profile.dev.package."*"]\ndebug = false\n'
        )
    # Same dependency versions and compiler as the workspace; cargo adds this crate's own
    # entry to the lock file and drops the workspace members it does not use.
    for name in ("Cargo.lock", "rust-toolchain.toml"):
        shutil.copyfile(os.path.join(flow_root, name), os.path.join(root, name))
    path = os.path.join(src, "lib.rs")
    with open(path, "w") as f:
        f.write(body)


def main():
    args = parse_args()
    actions, flow, steps, edges = build(args)
    header = (
        "//! Generated by benches/macro_expansion/generate.py: do not edit.\n"
        "#![allow(dead_code)]\n\n"
        "use flow_runtime::prelude::*;\n\n"
        "/// The business data of the generated flow.\n"
        "#[derive(Debug, Clone, Default)]\n"
        "pub struct Case {\n    pub counter: u64,\n    pub log: Vec<String>,\n}\n\n"
    )
    common = header + actions_source(actions)
    flow_root = os.path.abspath(args.flow_root)
    write_crate(os.path.join(args.out, "with_flow"), "with_flow", flow_root, common + "\n" + flow)
    write_crate(os.path.join(args.out, "without_flow"), "without_flow", flow_root, common)
    print(
        f"wrote {args.out}/with_flow and {args.out}/without_flow: "
        f"{steps + 2} states ({steps} steps + 2 ends), {edges} transitions, "
        f"{len(actions)} actions"
    )


if __name__ == "__main__":
    main()

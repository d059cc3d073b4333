#!/usr/bin/env python3
"""Splits a callgrind profile of `engine_cpu` into the engine's own instructions and the
driver's, per the method of benches/README.md (issue 13, item 3).

    callgrind_split.py PROFILE [PROFILE ...]

(Several files: the threads of one run, `--separate-threads=yes`.)

Every function is owned by a crate, read off its demangled name: the driver (sqlx, the
bundled SQLite, flume and the other crates sqlx brings), tokio (and mio), ours (flow_runtime,
flow_core, the bench), or nobody (core, alloc, std, libc, serde, serde_json, uuid, futures:
generic code that runs for whoever calls it). Ours is split in two: the stores' own code
(`flow_runtime::store::...`: binding a statement's parameters, writing the journal entry and
the id as text, the memory store's maps and copies), **store**, and the rest, **engine** (the
drive loop, the activation, the saga, the context's encoding, the flow's dispatch, the bench
itself). An owned function's own instructions are its
owner's. A generic function's own instructions are shared among its callers in proportion to
the instructions of their calls to it, through chains of generic callers (iterated until the
shares settle); a generic function nobody calls (a thread's start) counts as the runtime's.
One-off set-up that runs a variable number of instructions (the clock's calibration, which
loops until the counter's rate settles, and anything else first run through a `OnceCell`,
`OnceLock` or `Once`) is its own owner, **setup**, with everything it calls: two runs of
different sizes would otherwise differ by its noise, which the engine does not cost per step.
Every instruction is counted once: engine, store, driver, tokio and setup add up to the total.

    callgrind_split.py --minus SMALL[,SMALL..] --per STEPS [--top N] LARGE [LARGE ...]

gives the difference of a larger run (LARGE) and a smaller one (SMALL), divided by the steps
between them: the cost per step, set-up cancelled. `--top N` adds the N functions that cost
ours the most (their own instructions and their share of generic code).
"""

import re
import sys
from collections import defaultdict

DRIVER_CRATES = re.compile(
    r"^(sqlx\w*|libsqlite3_sys|flume|hashlink|crossbeam\w*|atoi|whoami|stringprep|"
    r"hkdf|hmac|md5|memchr|event_listener\w*|futures_intrusive|dotenvy|home)$"
)
OURS_CRATES = re.compile(r"^(flow_runtime|flow_core|engine_cpu|common)$")
PATH = re.compile(r"([A-Za-z_][A-Za-z0-9_]*)::")


def owner_crate(name):
    """The crate a demangled function name belongs to, or None (C code without a path)."""
    if name.startswith("sqlite3") or "libsqlite3" in name:
        return "libsqlite3_sys"
    # drop_in_place<T> drops a T: it belongs to T's crate.
    match = re.match(r"^core::ptr::drop_in_place<(.*)>$", name)
    if match:
        inner = re.sub(r"^(&|\*|mut |const |dyn )+", "", match.group(1))
        return owner_crate(inner) if "::" in inner else None
    text = name
    # <A as B>::f belongs to A's crate, unless A is a wrapper of the standard library.
    while text.startswith("<"):
        text = text[1:].lstrip("&").removeprefix("mut ").removeprefix("dyn ")
        if re.match(r"^(core|alloc|std)::(pin::Pin|boxed::Box|future::\w+)", text):
            # Pin<P>, Box<T>: the pointee decides when the name shows it.
            inside = re.search(r"<([^<>]*::[^<>]*)", text)
            if inside and not re.match(r"^[A-Z]\w*>?$", inside.group(1)):
                return owner_crate(inside.group(1))
            return "core"
    match = PATH.match(text)
    return match.group(1) if match else None


# One-off initialisation: the first call through these runs a set-up of its own.
SETUP = re.compile(
    r"^(once_cell::imp::OnceCell<T>::initialize|std::sync::once_lock::OnceLock<T>::initialize"
    r"|<?std::sys::sync::once::\w+::Once>?::call|quanta::)"
)


# The stores' own code (`flow_runtime::store::...`: binding a statement's parameters, the
# journal entry's and the id's text, the memory store's maps): "ours" by crate, told apart
# so that the engine's part can be read without it.
STORE = re.compile(r"^<?(core::ptr::drop_in_place<)?flow_runtime::store::")


def category(name):
    if SETUP.match(name):
        return "setup"
    if STORE.match(name):
        return "store"
    crate = owner_crate(name)
    if crate is None:
        return "nobody"
    if DRIVER_CRATES.match(crate):
        return "driver"
    if OURS_CRATES.match(crate):
        return "engine"
    if crate == "tokio" or crate == "mio":
        return "tokio"
    return "nobody"


def parse(paths):
    """Self cost per function and inclusive cost per call edge (caller, callee)."""
    self_cost = defaultdict(int)
    edges = defaultdict(int)
    total = 0
    for path in paths:
        names = {}
        current = None
        callee = None
        pending_call = False
        with open(path, errors="replace") as profile:
            for line in profile:
                line = line.rstrip("\n")
                if not line:
                    continue
                head = line[0]
                if head.isdigit() or head in "+-*":
                    parts = line.split()
                    cost = int(parts[1]) if len(parts) > 1 else 0
                    if pending_call:
                        edges[(current, callee)] += cost
                        pending_call = False
                    else:
                        self_cost[current] += cost
                        total += cost
                    continue
                if line.startswith("fn="):
                    current = resolve(names, line[3:])
                elif line.startswith("cfn="):
                    callee = resolve(names, line[4:])
                elif line.startswith("calls="):
                    pending_call = True
    return total, self_cost, edges


def resolve(names, text):
    match = re.match(r"^\((\d+)\)(?: (.*))?$", text)
    if not match:
        return text
    if match.group(2) is not None:
        names[match.group(1)] = match.group(2)
    return names.get(match.group(1), text)


OWNERS = ("engine", "store", "driver", "tokio", "setup")
# The owners that are ours: what the fourth pass called "ours" in all.
OURS = ("engine", "store")


def split(paths):
    """Instructions of the profile: the total, and by owner (`OWNERS`), in all and for ours
    function by function."""
    total, self_cost, edges = parse(paths)
    functions = set(self_cost) | {f for edge in edges for f in edge}
    kind = {f: category(f) for f in functions}
    incoming = defaultdict(list)
    for (caller, callee), cost in edges.items():
        if caller != callee and cost > 0:
            incoming[callee].append((caller, cost))
    # share[f][owner]: the part of a generic function's own cost that each owner's calls
    # caused, in proportion to the instructions of those calls; iterated over chains of
    # generic callers (and their cycles) until it settles. A root (a thread's start, the
    # program's entry) counts as the runtime's.
    share = {}
    for f in functions:
        if kind[f] == "nobody":
            share[f] = {owner: 0.0 for owner in OWNERS}
            if not incoming[f]:
                share[f]["tokio"] = 1.0
    for _ in range(200):
        moved = 0.0
        for f, parts in share.items():
            calls = incoming[f]
            if not calls:
                continue
            weight = sum(cost for _, cost in calls)
            new = {owner: 0.0 for owner in OWNERS}
            for caller, cost in calls:
                source = share.get(caller) or {kind[caller]: 1.0}
                for owner, part in source.items():
                    new[owner] += part * cost / weight
            moved += sum(abs(new[owner] - parts[owner]) for owner in OWNERS)
            share[f] = new
        if moved < 1e-9:
            break
    split = {owner: 0.0 for owner in OWNERS}
    ours_by_function = defaultdict(float)
    for f, cost in self_cost.items():
        for owner, part in (share.get(f) or {kind[f]: 1.0}).items():
            split[owner] += part * cost
            if owner in OURS:
                ours_by_function[f] += part * cost
    return total, split, ours_by_function


def main():
    args = sys.argv[1:]
    minus, per, top = [], 1.0, 0
    while args and args[0].startswith("--"):
        if len(args) < 2:
            sys.exit(__doc__)
        flag, value, args = args[0], args[1], args[2:]
        if flag == "--minus":
            minus = value.split(",")
        elif flag == "--per":
            per = float(value)
        elif flag == "--top":
            top = int(value)
        else:
            sys.exit(f"callgrind_split: unknown flag {flag}\n{__doc__}")
    if not args:
        sys.exit(__doc__)
    total, owners, functions = split(args)
    if minus:
        small_total, small_owners, small_functions = split(minus)
        total -= small_total
        owners = {owner: owners[owner] - small_owners[owner] for owner in OWNERS}
        for f, cost in small_functions.items():
            functions[f] -= cost
    print(f"total  {round(total / per)}")
    print(f"ours   {round(sum(owners[owner] for owner in OURS) / per)}")
    for owner in OWNERS:
        print(f"{'  ' if owner in OURS else ''}{owner:<6} {round(owners[owner] / per)}")
    for f, cost in sorted(functions.items(), key=lambda item: -item[1])[:top]:
        print(f"  {round(cost / per):>10}  {f}")


if __name__ == "__main__":
    main()

//! Whether a step maps every instruction its action can return, evaluated by rustc: `flow!`
//! knows the names a step maps but not the action's instruction enum (another macro call), so
//! it hands both to these `const fn`s (through the flow's static table) and reports, on the
//! step's token, the instruction that has no next state, in flow syntax
//! (`SuspectedFraud => <State>`).

use crate::table::{EdgeEntry, FlowTable, StateEntryKind};

/// The first of `variants` that `edges` leave out, if any; `None` when an edge takes any
/// instruction (`=> State;`).
///
/// `None` as well when an edge names something that is no variant: rustc already reports
/// that name (with the variant it most likely meant), and the variant left out is usually
/// that same one, misspelt; one mistake, one error.
pub const fn unmapped_instruction(
    variants: &[&'static str],
    edges: &[EdgeEntry],
) -> Option<&'static str> {
    let mut k = 0;
    while k < edges.len() {
        match edges[k].instruction {
            Some(name) if contains(variants, name) => {}
            _ => return None,
        }
        k += 1;
    }
    // The validator rejects an instruction mapped twice, so as many edges as variants, all
    // of them variants, map every variant.
    if edges.len() >= variants.len() {
        return None;
    }
    let mut v = 0;
    while v < variants.len() {
        if !mapped(edges, variants[v]) {
            return Some(variants[v]);
        }
        v += 1;
    }
    None
}

/// Whether every step of `table`, and every wait of it given with its event's variants
/// (`waits`: index in `table.states`, variants), maps every variant. Diagnostics about the
/// flow's graph wait for this: a state that looks unreachable may only be so because a
/// mapping line is missing.
pub const fn all_instructions_mapped(
    table: &FlowTable,
    waits: &[(usize, &[&'static str])],
) -> bool {
    let mut s = 0;
    while s < table.states.len() {
        if let StateEntryKind::Step { action, edges } = &table.states[s].kind
            && unmapped_instruction(action.instructions, edges).is_some()
        {
            return false;
        }
        s += 1;
    }
    let mut w = 0;
    while w < waits.len() {
        let (entry, variants) = waits[w];
        if let StateEntryKind::Wait { edges, .. } = &table.states[entry].kind
            && unmapped_instruction(variants, edges).is_some()
        {
            return false;
        }
        w += 1;
    }
    true
}

const fn mapped(edges: &[EdgeEntry], name: &str) -> bool {
    let mut k = 0;
    while k < edges.len() {
        if let Some(instruction) = edges[k].instruction
            && same(instruction, name)
        {
            return true;
        }
        k += 1;
    }
    false
}

const fn contains(names: &[&str], name: &str) -> bool {
    let mut k = 0;
    while k < names.len() {
        if same(names[k], name) {
            return true;
        }
        k += 1;
    }
    false
}

/// `a == b`, which `str` does not offer in `const fn`s.
const fn same(a: &str, b: &str) -> bool {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    if a.len() != b.len() {
        return false;
    }
    let mut k = 0;
    while k < a.len() {
        if a[k] != b[k] {
            return false;
        }
        k += 1;
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    const VARIANTS: &[&str] = &["Verified", "Rejected", "SuspectedFraud"];

    const fn edges(names: &'static [&'static str]) -> [EdgeEntry; 3] {
        let mut edges = [EdgeEntry {
            instruction: None,
            target: "Done",
        }; 3];
        let mut k = 0;
        while k < names.len() {
            edges[k].instruction = Some(names[k]);
            k += 1;
        }
        edges
    }

    #[test]
    fn the_first_variant_left_out_is_unmapped() {
        let two = edges(&["Rejected", "Verified"]);
        assert_eq!(
            unmapped_instruction(VARIANTS, &two[..2]),
            Some("SuspectedFraud")
        );
        assert_eq!(unmapped_instruction(VARIANTS, &[]), Some("Verified"));
        let all = edges(&["SuspectedFraud", "Verified", "Rejected"]);
        assert_eq!(unmapped_instruction(VARIANTS, &all), None);
    }

    #[test]
    fn a_catch_all_maps_everything() {
        let catch_all = edges(&[]);
        assert_eq!(unmapped_instruction(VARIANTS, &catch_all[..1]), None);
    }

    #[test]
    fn a_misspelt_mapping_is_left_to_rustc() {
        let misspelt = edges(&["Verified", "Rejectd"]);
        assert_eq!(unmapped_instruction(VARIANTS, &misspelt[..2]), None);
    }
}

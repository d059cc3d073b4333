//! Whether a step maps every instruction its action can return, evaluated by rustc: `flow!`
//! knows the names a step maps but not the action's instruction enum (another macro call), so
//! it hands both to these `const fn`s and reports, on the step's token, the instruction that
//! has no next state, in flow syntax (`SuspectedFraud => <State>`).

/// The first of `variants` that `mapped` leaves out, if any.
///
/// `None` as well when `mapped` names something that is no variant: rustc already reports
/// that name (with the variant it most likely meant), and the variant it leaves out is
/// usually that same one, misspelt; one mistake, one error. `mapped` holds no name twice
/// (the validator sees to that).
pub const fn unmapped_instruction(
    variants: &[&'static str],
    mapped: &[&str],
) -> Option<&'static str> {
    // The fast way out, and the one valid flows take: the validator rejects a name mapped
    // twice and rustc one that is no variant, so as many names as variants map every variant.
    // Comparing names costs rustc's const evaluator a lot more, 500 steps of it a lot of time.
    if mapped.len() >= variants.len() {
        return None;
    }
    let mut k = 0;
    while k < mapped.len() {
        if !contains(variants, mapped[k]) {
            return None;
        }
        k += 1;
    }
    let mut v = 0;
    while v < variants.len() {
        if !contains(mapped, variants[v]) {
            return Some(variants[v]);
        }
        v += 1;
    }
    None
}

/// Whether every step of `steps` (the variants of its action or event, and the names it
/// maps) maps every variant. Diagnostics about the flow's graph wait for this: a state that
/// looks unreachable may only be so because a mapping line is missing.
pub const fn all_instructions_mapped(steps: &[(&[&'static str], &[&str])]) -> bool {
    let mut s = 0;
    while s < steps.len() {
        if unmapped_instruction(steps[s].0, steps[s].1).is_some() {
            return false;
        }
        s += 1;
    }
    true
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

    #[test]
    fn the_first_variant_left_out_is_unmapped() {
        assert_eq!(
            unmapped_instruction(VARIANTS, &["Rejected", "Verified"]),
            Some("SuspectedFraud")
        );
        assert_eq!(unmapped_instruction(VARIANTS, &[]), Some("Verified"));
        assert_eq!(
            unmapped_instruction(VARIANTS, &["SuspectedFraud", "Verified", "Rejected"]),
            None
        );
    }

    #[test]
    fn a_misspelt_mapping_is_left_to_rustc() {
        assert_eq!(
            unmapped_instruction(VARIANTS, &["Verified", "Rejectd", "SuspectedFraud"]),
            None
        );
        assert_eq!(
            unmapped_instruction(VARIANTS, &["Verified", "Rejectd"]),
            None
        );
    }

    #[test]
    fn a_flow_maps_everything_when_each_step_does() {
        const SHORT: &[&str] = &["Verified"];
        assert!(all_instructions_mapped(&[
            (VARIANTS, &["Verified", "Rejected", "SuspectedFraud"]),
            (SHORT, &["Verified"]),
        ]));
        assert!(!all_instructions_mapped(&[
            (VARIANTS, &["Verified"]),
            (SHORT, &["Verified"])
        ]));
    }
}

//! "Did you mean …?" for misspelt names: states, actions, instructions and attribute keys.
//!
//! ```
//! use flow_core::did_you_mean;
//!
//! let states = ["Created", "Paid", "Shipped"];
//! assert_eq!(did_you_mean("Shiped", states), Some("Shipped"));
//! assert_eq!(did_you_mean("Banana", states), None);
//! ```

use std::cmp::Ordering;

/// Jaro-Winkler similarity from which two names count as close even when their edit distance
/// is large: it favours a shared beginning, which is how people misremember names
/// (`retires` for `retry`, `compensation` for `compensate`).
const SIMILAR_BEGINNING: f64 = 0.85;

/// The candidate closest to `name`, if one is close enough to be a likely typo.
///
/// Names are compared case-insensitively, so a candidate that differs only in case is the best
/// match. A candidate equal to `name` is never suggested. Ties go to the earlier candidate, so
/// the answer is deterministic for a given order of candidates.
///
/// Short names have too few letters for a distance to tell a typo from another name, so when
/// no candidate is close by distance, the one candidate that merely resembles `name` (same
/// first letter, and one name begins the other or two edits apart) is suggested: `Bee` for
/// `B` when no other state starts like it.
///
/// ```
/// use flow_core::did_you_mean;
///
/// assert_eq!(did_you_mean("Bee", ["A", "B", "C"]), Some("B"));
/// assert_eq!(did_you_mean("Bee", ["B", "Bo"]), None);
/// ```
pub fn did_you_mean<'a>(
    name: &str,
    candidates: impl IntoIterator<Item = &'a str>,
) -> Option<&'a str> {
    let name_lower = name.to_lowercase();
    let mut best: Option<(Closeness, &'a str)> = None;
    // The resembling candidates, when none is close: a suggestion only if there is one.
    let mut resembling: Option<&'a str> = None;
    let mut resembling_count = 0;
    for candidate in candidates {
        if candidate == name {
            continue;
        }
        let candidate_lower = candidate.to_lowercase();
        let Some(closeness) = Closeness::of(&name_lower, &candidate_lower) else {
            if resembles(&name_lower, &candidate_lower) {
                resembling.get_or_insert(candidate);
                resembling_count += 1;
            }
            continue;
        };
        let better = match &best {
            None => true,
            Some((best_closeness, _)) => closeness.compare(best_closeness) == Ordering::Less,
        };
        if better {
            best = Some((closeness, candidate));
        }
    }
    best.map(|(_, candidate)| candidate)
        .or_else(|| (resembling_count == 1).then_some(resembling).flatten())
}

/// Whether two lower-cased names look alike without being close by distance: they begin
/// with the same letter, and one begins the other or they are at most two edits apart.
fn resembles(a: &str, b: &str) -> bool {
    let same_first = matches!((a.chars().next(), b.chars().next()), (Some(x), Some(y)) if x == y);
    same_first && (a.starts_with(b) || b.starts_with(a) || strsim::damerau_levenshtein(a, b) <= 2)
}

/// How close two lower-cased names are; smaller is closer.
#[derive(Debug, PartialEq)]
struct Closeness {
    edits: usize,
    similarity: f64,
}

impl Closeness {
    /// The closeness of `a` and `b`, or `None` when they are too far apart to be a typo.
    fn of(a: &str, b: &str) -> Option<Self> {
        let edits = strsim::damerau_levenshtein(a, b);
        let similarity = strsim::jaro_winkler(a, b);
        let longest = a.chars().count().max(b.chars().count());
        // One edit per three characters, as rustc allows; this rejects any edit of one- and
        // two-letter names, which would otherwise match everything of their length.
        let few_edits = edits <= longest / 3;
        (few_edits || similarity >= SIMILAR_BEGINNING).then_some(Self { edits, similarity })
    }

    fn compare(&self, other: &Self) -> Ordering {
        self.edits.cmp(&other.edits).then(
            other
                .similarity
                .partial_cmp(&self.similarity)
                // Jaro-Winkler of two strings is a finite number in [0, 1]: never NaN.
                .unwrap_or(Ordering::Equal),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const STATES: [&str; 7] = [
        "Created",
        "StockReserved",
        "Paid",
        "Shipped",
        "Rejected",
        "Expired",
        "Review",
    ];
    const ATTRIBUTE_KEYS: [&str; 5] = ["compensate", "retry", "timeout", "pivot", "readonly"];

    #[test]
    fn suggests_the_state_a_typo_was_meant_to_be() {
        assert_eq!(did_you_mean("Shiped", STATES), Some("Shipped"));
        assert_eq!(did_you_mean("StockReservd", STATES), Some("StockReserved"));
        assert_eq!(did_you_mean("Rejcted", STATES), Some("Rejected"));
    }

    #[test]
    fn suggests_attribute_keys_people_misremember() {
        assert_eq!(did_you_mean("retires", ATTRIBUTE_KEYS), Some("retry"));
        assert_eq!(
            did_you_mean("compensation", ATTRIBUTE_KEYS),
            Some("compensate")
        );
        assert_eq!(did_you_mean("timeuot", ATTRIBUTE_KEYS), Some("timeout"));
        assert_eq!(did_you_mean("read_only", ATTRIBUTE_KEYS), Some("readonly"));
    }

    #[test]
    fn a_difference_of_case_is_the_closest_match() {
        assert_eq!(did_you_mean("shipped", STATES), Some("Shipped"));
        assert_eq!(
            did_you_mean("Shipped", ["Shipper", "shipped"]),
            Some("shipped")
        );
    }

    #[test]
    fn never_suggests_the_name_itself() {
        assert_eq!(did_you_mean("Shipped", STATES), None);
        assert_eq!(did_you_mean("Paid", ["Paid"]), None);
    }

    #[test]
    fn unrelated_names_get_no_suggestion() {
        assert_eq!(did_you_mean("Banana", STATES), None);
        assert_eq!(did_you_mean("Approved", STATES), None);
        assert_eq!(did_you_mean("A", ["B", "C"]), None);
        assert_eq!(did_you_mean("Void", ["Paid"]), None);
        assert_eq!(did_you_mean("anything", []), None);
    }

    #[test]
    fn a_short_name_gets_the_one_candidate_that_resembles_it() {
        assert_eq!(did_you_mean("Bee", ["A", "B", "C"]), Some("B"));
        assert_eq!(did_you_mean("B", ["A", "Bee", "C"]), Some("Bee"));
        assert_eq!(did_you_mean("Ab", ["A", "Bb"]), Some("A"));
        // Two resembling candidates: no guess.
        assert_eq!(did_you_mean("Bee", ["B", "Bo"]), None);
        // A close candidate wins over a resembling one.
        assert_eq!(did_you_mean("Shiped", ["Shipped", "S"]), Some("Shipped"));
    }

    #[test]
    fn the_closest_of_several_close_candidates_wins_and_ties_go_to_the_first() {
        assert_eq!(
            did_you_mean("Shiped", ["Shipper", "Shipped"]),
            Some("Shipped")
        );
        assert_eq!(did_you_mean("Bx", ["Bxy", "Bxz"]), Some("Bxy"));
    }
}

//! Weighted splits with sticky hashing: the same routing key always gets the same variant,
//! shares follow the weights, and changing one variant's weight moves only keys to or from
//! that variant, as few as its change of share needs (weighted rendezvous hashing: each variant scores the key, the best wins).

/// A stable 64-bit hash of `key` for `variant` (FNV-1a, then a finalizer that spreads the
/// bits): the same in every process and release, unlike `std`'s hasher.
fn score_hash(variant: &str, key: &str) -> u64 {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for byte in variant.bytes().chain([0xff]).chain(key.bytes()) {
        hash ^= u64::from(byte);
        hash = hash.wrapping_mul(0x0000_0100_0000_01b3);
    }
    // splitmix64's finalizer: FNV's low bits alone are not uniform enough for shares.
    hash ^= hash >> 30;
    hash = hash.wrapping_mul(0xbf58_476d_1ce4_e5b9);
    hash ^= hash >> 27;
    hash = hash.wrapping_mul(0x94d0_49bb_1331_11eb);
    hash ^ (hash >> 31)
}

/// The index of the variant `key` goes to among `weights` (name and weight; weights above
/// zero). Each variant's score is `-weight / ln(u)` for a uniform `u` drawn from the key's
/// hash: the highest score wins with probability `weight / total`.
pub(crate) fn pick<'a>(weights: impl Iterator<Item = (&'a str, u32)>, key: &str) -> Option<usize> {
    let mut best: Option<(usize, f64)> = None;
    for (index, (variant, weight)) in weights.enumerate() {
        if weight == 0 {
            continue;
        }
        // A uniform value in (0, 1): the top 53 bits of the hash, never exactly 0.
        let unit = ((score_hash(variant, key) >> 11) as f64 + 0.5) / (1u64 << 53) as f64;
        let score = -f64::from(weight) / unit.ln();
        if best.is_none_or(|(_, top)| score > top) {
            best = Some((index, score));
        }
    }
    best.map(|(index, _)| index)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn shares(weights: &[(&str, u32)], keys: usize) -> Vec<f64> {
        let mut counts = vec![0usize; weights.len()];
        for key in 0..keys {
            let picked = pick(weights.iter().copied(), &format!("customer-{key}")).unwrap();
            counts[picked] += 1;
        }
        counts
            .iter()
            .map(|count| *count as f64 / keys as f64)
            .collect()
    }

    #[test]
    fn each_variant_gets_its_weight_within_one_point() {
        let weights = [("v1", 80), ("v2", 15), ("v3", 5)];
        let shares = shares(&weights, 100_000);
        for ((variant, weight), share) in weights.iter().zip(&shares) {
            let expected = f64::from(*weight) / 100.0;
            assert!(
                (share - expected).abs() < 0.01,
                "{variant}: {share:.4} against {expected}"
            );
        }
    }

    #[test]
    fn a_key_always_gets_the_same_variant() {
        let weights = [("v1", 50), ("v2", 50)];
        for key in 0..1_000 {
            let key = format!("customer-{key}");
            let first = pick(weights.iter().copied(), &key);
            for _ in 0..3 {
                assert_eq!(pick(weights.iter().copied(), &key), first);
            }
        }
    }

    #[test]
    fn changing_one_weight_moves_only_the_keys_it_must() {
        // v2's weight doubles; the others stay: v2 grows from 10/100 to 20/110 of the keys.
        let before = [("v1", 80), ("v2", 10), ("v3", 10)];
        let after = [("v1", 80), ("v2", 20), ("v3", 10)];
        let keys = 100_000;
        let mut moved = 0;
        for key in 0..keys {
            let key = format!("customer-{key}");
            let old = pick(before.iter().copied(), &key).unwrap();
            let new = pick(after.iter().copied(), &key).unwrap();
            if old != new {
                moved += 1;
                assert_eq!(
                    after[new].0, "v2",
                    "{key} moved from {} to {}: only v2 may gain keys",
                    before[old].0, after[new].0
                );
            }
        }
        // The least that must move: v2's gain in share.
        let must = 20.0 / 110.0 - 10.0 / 100.0;
        let share = f64::from(moved) / f64::from(keys);
        assert!(
            (share - must).abs() < 0.01,
            "{share:.4} of keys moved, {must:.4} must"
        );
    }

    #[test]
    fn a_weight_of_zero_gets_nothing() {
        let weights = [("v1", 100), ("v2", 0)];
        for key in 0..1_000 {
            assert_eq!(pick(weights.iter().copied(), &key.to_string()), Some(0));
        }
    }
}

//! Chaos decisions as pure functions of (seed, instance, step, attempt): no generator
//! state, so the same seed gives the same faults whatever order threads run steps in.

/// What a roll decides; each gets its own stream, so that changing a failure rate does not
/// reshuffle the instructions drawn.
#[derive(Debug, Clone, Copy)]
#[repr(u64)]
pub(crate) enum Draw {
    Failure = 1,
    Instruction = 2,
    Crash = 3,
    Compensation = 4,
    Event = 5,
}

/// The randomness of one attempt of one step of one instance.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Roll(u64);

impl Roll {
    /// The roll of attempt `attempt` (and query `queries`) of step `step` of the instance
    /// whose id digests to `instance`, under `seed`.
    pub(crate) fn new(seed: u64, instance: u64, step: u64, attempt: u32, queries: u32) -> Self {
        let mut state = mix(seed);
        for word in [
            instance,
            step,
            u64::from(attempt) | (u64::from(queries) << 32),
        ] {
            state = mix(state ^ word);
        }
        Self(state)
    }

    /// The roll's 64 bits, for ids that must be as reproducible as the draws.
    pub(crate) fn bits(self) -> u64 {
        self.0
    }

    /// A number in `[0, 1)` for `draw`, uniform.
    pub(crate) fn unit(self, draw: Draw) -> f64 {
        // The top 53 bits: every double in [0, 1) with equal spacing.
        (mix(self.0 ^ (draw as u64).wrapping_mul(0xA076_1D64_78BD_642F)) >> 11) as f64
            / (1_u64 << 53) as f64
    }

    /// Whether `draw` hits a share of `rate`.
    pub(crate) fn hits(self, draw: Draw, rate: f64) -> bool {
        rate > 0.0 && self.unit(draw) < rate
    }
}

/// The splitmix64 finalizer: every input bit flips about half the output bits.
fn mix(mut z: u64) -> u64 {
    z = z.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_roll_depends_on_every_input_and_on_nothing_else() {
        let base = Roll::new(7, 11, 2, 1, 0).unit(Draw::Failure);
        assert_eq!(base, Roll::new(7, 11, 2, 1, 0).unit(Draw::Failure));
        for other in [
            Roll::new(8, 11, 2, 1, 0),
            Roll::new(7, 12, 2, 1, 0),
            Roll::new(7, 11, 3, 1, 0),
            Roll::new(7, 11, 2, 2, 0),
            Roll::new(7, 11, 2, 1, 1),
        ] {
            assert_ne!(base, other.unit(Draw::Failure));
        }
        assert_ne!(base, Roll::new(7, 11, 2, 1, 0).unit(Draw::Instruction));
    }

    #[test]
    fn rolls_are_uniform_enough_for_rates() {
        let hits = (0..100_000_u64)
            .filter(|instance| Roll::new(1, *instance, 0, 1, 0).hits(Draw::Failure, 0.3))
            .count();
        assert!((29_000..31_000).contains(&hits), "{hits}");
    }
}

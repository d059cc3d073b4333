//! Bounded label sets: an instance's routing labels map to one of a fixed number of slots.

use std::collections::HashMap;
use std::hash::{DefaultHasher, Hash, Hasher};
use std::sync::{OnceLock, PoisonError, RwLock};

/// The value every label key takes in the overflow set.
pub const OVERFLOW_LABEL_VALUE: &str = "other";

/// The label set an instance's statistics are kept under, resolved once per instance by
/// [`FlowStats::slot`](super::FlowStats::slot) and passed to every per-step call.
///
/// A slot belongs to the [`FlowStats`](super::FlowStats) that resolved it; passed to another,
/// it counts under whatever set has that index there, or nowhere.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct LabelSlot(u32);

impl LabelSlot {
    /// The slot's index into its flow's table of label sets.
    #[inline]
    pub(crate) fn index(self) -> usize {
        self.0 as usize
    }
}

/// The label sets one flow version has seen: at most `max_sets` distinct ones, then the
/// overflow slot (index `max_sets`).
#[derive(Debug)]
pub(crate) struct LabelRegistry {
    keys: Vec<String>,
    max_sets: u32,
    known: RwLock<KnownSets>,
    /// The slot of instances that have none of the keys (most, when labels are not used):
    /// resolved once, then read without the lock or a hash.
    unlabelled: OnceLock<LabelSlot>,
}

#[derive(Debug, Default)]
struct KnownSets {
    /// Slot indices by hash of the label values, so a known set is found without allocating.
    by_hash: HashMap<u64, Vec<u32>>,
    /// Per slot, the value of each key (`None`: the instance had no such label).
    values: Vec<Box<[Option<String>]>>,
}

impl LabelRegistry {
    /// A registry over `keys` keeping `max_sets` sets apart (at most
    /// [`MAX_LABEL_SETS_CEILING`](super::MAX_LABEL_SETS_CEILING), which fits `u32`).
    pub(crate) fn new(keys: Vec<String>, max_sets: usize) -> Self {
        let max_sets = u32::try_from(max_sets).unwrap_or(u32::MAX - 1);
        Self {
            keys,
            max_sets,
            known: RwLock::default(),
            unlabelled: OnceLock::new(),
        }
    }

    /// The number of slots, the overflow slot included.
    pub(crate) fn slot_count(&self) -> usize {
        self.max_sets as usize + 1
    }

    /// The slot shared by every set beyond the first `max_sets`.
    pub(crate) fn overflow(&self) -> LabelSlot {
        LabelSlot(self.max_sets)
    }

    /// The slot for an instance's routing labels (keys not configured are ignored). A known
    /// set takes a read lock and a hash, nothing else; a new one takes the write lock.
    pub(crate) fn resolve(&self, labels: &[(String, String)]) -> LabelSlot {
        // Sets are never forgotten: the set without values keeps the slot it got first.
        if self.keys.iter().all(|key| value_of(key, labels).is_none()) {
            return *self
                .unlabelled
                .get_or_init(|| self.resolve_known_or_new(labels));
        }
        self.resolve_known_or_new(labels)
    }

    /// [`Self::resolve`] by the registry itself.
    fn resolve_known_or_new(&self, labels: &[(String, String)]) -> LabelSlot {
        // A real "other" set would collide with the overflow series in Prometheus: merge them.
        if self.is_overflow_set(labels) {
            return self.overflow();
        }
        let hash = self.hash_of(labels);
        {
            let known = self.known.read().unwrap_or_else(PoisonError::into_inner);
            if let Some(slot) = self.find(&known, hash, labels) {
                return slot;
            }
            if known.values.len() >= self.max_sets as usize {
                return self.overflow();
            }
        }
        let mut known = self.known.write().unwrap_or_else(PoisonError::into_inner);
        // Another instance may have added the set between the two locks.
        if let Some(slot) = self.find(&known, hash, labels) {
            return slot;
        }
        let Ok(index) = u32::try_from(known.values.len()) else {
            return self.overflow();
        };
        if index >= self.max_sets {
            return self.overflow();
        }
        let values = self
            .keys
            .iter()
            .map(|key| value_of(key, labels).map(str::to_owned))
            .collect();
        known.values.push(values);
        known.by_hash.entry(hash).or_default().push(index);
        LabelSlot(index)
    }

    /// The labels a slot stands for, in configured key order: the keys the instance had, or
    /// every key with [`OVERFLOW_LABEL_VALUE`] for the overflow slot.
    pub(crate) fn labels_of(&self, slot: LabelSlot) -> Vec<(String, String)> {
        if slot == self.overflow() {
            return self
                .keys
                .iter()
                .map(|key| (key.clone(), OVERFLOW_LABEL_VALUE.to_owned()))
                .collect();
        }
        let known = self.known.read().unwrap_or_else(PoisonError::into_inner);
        let Some(values) = known.values.get(slot.index()) else {
            return Vec::new();
        };
        self.keys
            .iter()
            .zip(values.iter())
            .filter_map(|(key, value)| Some((key.clone(), value.clone()?)))
            .collect()
    }

    fn is_overflow_set(&self, labels: &[(String, String)]) -> bool {
        !self.keys.is_empty()
            && self
                .keys
                .iter()
                .all(|key| value_of(key, labels) == Some(OVERFLOW_LABEL_VALUE))
    }

    fn hash_of(&self, labels: &[(String, String)]) -> u64 {
        let mut hasher = DefaultHasher::new();
        for key in &self.keys {
            value_of(key, labels).hash(&mut hasher);
        }
        hasher.finish()
    }

    fn find(&self, known: &KnownSets, hash: u64, labels: &[(String, String)]) -> Option<LabelSlot> {
        let candidates = known.by_hash.get(&hash)?;
        candidates.iter().copied().map(LabelSlot).find(|slot| {
            known.values.get(slot.index()).is_some_and(|values| {
                self.keys
                    .iter()
                    .zip(values.iter())
                    .all(|(key, value)| value_of(key, labels) == value.as_deref())
            })
        })
    }
}

/// The value of the first label named `key`.
fn value_of<'a>(key: &str, labels: &'a [(String, String)]) -> Option<&'a str> {
    labels
        .iter()
        .find(|(name, _)| name == key)
        .map(|(_, value)| value.as_str())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn labels(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs
            .iter()
            .map(|&(k, v)| (k.to_owned(), v.to_owned()))
            .collect()
    }

    #[test]
    fn stats_label_sets_are_bounded_and_overflow_to_other() {
        let registry = LabelRegistry::new(vec!["variant".to_owned()], 2);
        let a = registry.resolve(&labels(&[("variant", "A"), ("tenant", "t1")]));
        let b = registry.resolve(&labels(&[("variant", "B")]));
        let c = registry.resolve(&labels(&[("variant", "C")]));
        // Unconfigured keys do not split sets.
        assert_eq!(
            registry.resolve(&labels(&[("tenant", "t2"), ("variant", "A")])),
            a
        );
        assert_ne!(a, b);
        assert_eq!(c, registry.overflow());
        assert_eq!(
            registry.resolve(&labels(&[("variant", "D")])),
            registry.overflow()
        );
        // A real "other" joins the overflow set instead of taking a slot.
        assert_eq!(
            registry.resolve(&labels(&[("variant", "other")])),
            registry.overflow()
        );
        assert_eq!(registry.labels_of(a), labels(&[("variant", "A")]));
        assert_eq!(registry.labels_of(c), labels(&[("variant", "other")]));
        assert_eq!(registry.slot_count(), 3);
    }

    #[test]
    fn stats_missing_label_keys_make_an_empty_set() {
        let registry = LabelRegistry::new(vec!["variant".to_owned(), "channel".to_owned()], 4);
        let none = registry.resolve(&[]);
        let web = registry.resolve(&labels(&[("channel", "web")]));
        assert_ne!(none, web);
        assert_eq!(registry.labels_of(none), Vec::<(String, String)>::new());
        assert_eq!(registry.labels_of(web), labels(&[("channel", "web")]));
        // Partly "other" is an ordinary set; only all-"other" is the overflow set.
        assert_ne!(
            registry.resolve(&labels(&[("variant", "other")])),
            registry.overflow()
        );
    }

    #[test]
    fn stats_without_label_keys_everything_shares_one_set() {
        let registry = LabelRegistry::new(Vec::new(), 0);
        assert_eq!(
            registry.resolve(&labels(&[("variant", "A")])),
            registry.overflow()
        );
        let registry = LabelRegistry::new(Vec::new(), 3);
        let first = registry.resolve(&labels(&[("variant", "A")]));
        assert_eq!(registry.resolve(&[]), first);
        assert_ne!(first, registry.overflow());
    }
}

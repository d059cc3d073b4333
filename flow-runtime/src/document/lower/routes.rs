//! Lowering `[[route]]` tables: variants, pin, attribute rules, and the checks that need no
//! engine (weights add up to 100, ranges are neither empty nor overlapping, every name a
//! rule or pin uses is a variant).

use std::ops::Range;
use std::sync::Arc;

use super::{Lowering, get};
use crate::document::route_definition::RouteDefinition;
use crate::document::tree::{Entry, Node, Value};
use crate::routing::{AttributeValue, Condition, KindRoutes, Variant};

const ROUTE_KEYS: &[&str] = &["kind", "pin", "variant", "rule"];
const VARIANT_KEYS: &[&str] = &["name", "flow", "version", "weight"];
const RULE_KEYS: &[&str] = &["when", "variant"];
const RANGE_KEYS: &[&str] = &["min", "max", "prefix"];

/// A `[[route.variant]]` as declared: the variant, where its flow and name are written,
/// and its weight.
struct Declared {
    variant: Variant,
    flow_span: Range<usize>,
    weight: Option<u32>,
    name_span: Range<usize>,
}

/// A rule's numeric range on one attribute, for the overlap check.
struct RangeSeen {
    attribute: String,
    min: f64,
    max: f64,
    rule: usize,
}

impl Lowering<'_, '_> {
    /// Every `[[route]]` of the document; a kind written twice is reported at the second.
    pub(super) fn routes(&mut self, entry: &Entry) -> Vec<RouteDefinition> {
        let mut routes: Vec<(RouteDefinition, Range<usize>)> = Vec::new();
        for node in self.tables(entry, "[[route]]") {
            if let Some((route, span)) = self.route(node) {
                if routes.iter().any(|(known, _)| known.kind == route.kind) {
                    self.problems.push(
                        &span,
                        "config::duplicate_kind",
                        format!("requests of kind `{}` are routed twice", route.kind),
                        Some("merge the two `[[route]]` tables".into()),
                    );
                    continue;
                }
                routes.push((route, span));
            }
        }
        routes.into_iter().map(|(route, _)| route).collect()
    }

    fn route(&mut self, node: &Node) -> Option<(RouteDefinition, Range<usize>)> {
        let entries = self.table(node, "a route", ROUTE_KEYS)?;
        let (kind, kind_span) = self.required_string(entries, "kind", node, "a route")?;
        let kind_span = kind_span.clone();
        let mut variants: Vec<Declared> = Vec::new();
        if let Some(entry) = get(entries, "variant") {
            for variant in self.tables(entry, "[[route.variant]]") {
                if let Some(found) = self.variant(variant) {
                    if variants
                        .iter()
                        .any(|known| known.variant.name == found.variant.name)
                    {
                        self.problems.push(
                            &found.name_span,
                            "config::duplicate_variant",
                            format!("variant `{}` is declared twice", found.variant.name),
                            None,
                        );
                        continue;
                    }
                    variants.push(found);
                }
            }
        }
        let names: Vec<String> = variants
            .iter()
            .map(|declared| declared.variant.name.clone())
            .collect();
        let mut routes = KindRoutes::new();
        let mut fine = true;
        if let Some(entry) = get(entries, "pin") {
            match self.string(entry) {
                Some((name, span)) => match self.named_variant(&variants, name, span) {
                    Some(variant) => routes = routes.pin(variant),
                    None => fine = false,
                },
                None => fine = false,
            }
        }
        let mut ranges: Vec<RangeSeen> = Vec::new();
        if let Some(entry) = get(entries, "rule") {
            for (index, rule) in self.tables(entry, "[[route.rule]]").iter().enumerate() {
                match self.rule(rule, index + 1, &variants, &mut ranges) {
                    Some((conditions, variant)) => routes = routes.rule_all(conditions, variant),
                    None => fine = false,
                }
            }
        }
        let weighted: Vec<(Variant, u32)> = variants
            .iter()
            .filter_map(|declared| {
                declared
                    .weight
                    .map(|weight| (declared.variant.clone(), weight))
            })
            .collect();
        if !weighted.is_empty() {
            let total: u32 = weighted.iter().map(|(_, weight)| weight).sum();
            if total != 100 {
                self.problems.push(
                    &kind_span,
                    "config::weight_sum",
                    format!("the weights of kind `{kind}` add up to {total}, not 100"),
                    Some(format!(
                        "weights are percentages of the requests no rule takes: {}",
                        weighted
                            .iter()
                            .map(|(variant, weight)| format!("{} = {weight}", variant.name))
                            .collect::<Vec<_>>()
                            .join(", ")
                    )),
                );
                fine = false;
            }
            routes = routes.split(weighted);
        }
        if names.is_empty() {
            self.problems.push(
                &kind_span,
                "config::no_variant",
                format!("kind `{kind}` has no `[[route.variant]]`"),
                Some("add the flow versions that serve it, with their weights".into()),
            );
            fine = false;
        }
        if !fine {
            return None;
        }
        Some((
            RouteDefinition {
                kind: kind.to_owned(),
                routes,
                variants: variants
                    .into_iter()
                    .map(|declared| (declared.variant, declared.flow_span))
                    .collect(),
                source: Arc::clone(self.source),
            },
            kind_span,
        ))
    }

    /// A `[[route.variant]]`: the variant, where its flow is written, its weight, where its
    /// name is written.
    fn variant(&mut self, node: &Node) -> Option<Declared> {
        let entries = self.table(node, "a variant", VARIANT_KEYS)?;
        let (name, name_span) = self.required_string(entries, "name", node, "a variant")?;
        let (flow, flow_span) = self.required_string(entries, "flow", node, "a variant")?;
        let version = match get(entries, "version") {
            Some(entry) => self.version(entry)?,
            None => 1,
        };
        let weight = match get(entries, "weight") {
            Some(entry) => match entry.value.value {
                Value::Integer(weight @ 0..=100) => Some(weight as u32),
                _ => {
                    self.problems.push(
                        &entry.value.span,
                        "config::bad_weight",
                        "a weight is a whole percentage from 0 to 100",
                        None,
                    );
                    return None;
                }
            },
            None => None,
        };
        Some(Declared {
            variant: Variant::new(name, flow, version),
            flow_span: flow_span.clone(),
            weight,
            name_span: name_span.clone(),
        })
    }

    /// The variant called `name`, or a diagnostic at `span`.
    fn named_variant(
        &mut self,
        variants: &[Declared],
        name: &str,
        span: &Range<usize>,
    ) -> Option<Variant> {
        if let Some(declared) = variants
            .iter()
            .find(|declared| declared.variant.name == name)
        {
            return Some(declared.variant.clone());
        }
        let names = variants
            .iter()
            .map(|declared| declared.variant.name.as_str());
        let help = match flow_core::did_you_mean(name, names.clone()) {
            Some(best) => format!("did you mean `{best}`?"),
            None => format!(
                "the variants are {}",
                names
                    .map(|name| format!("`{name}`"))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        };
        self.problems.push(
            span,
            "config::unknown_variant",
            format!("no variant `{name}`"),
            Some(help),
        );
        None
    }

    /// A `[[route.rule]]`: its conditions and its variant.
    fn rule(
        &mut self,
        node: &Node,
        index: usize,
        variants: &[Declared],
        ranges: &mut Vec<RangeSeen>,
    ) -> Option<(Vec<Condition>, Variant)> {
        let entries = self.table(node, "a rule", RULE_KEYS)?;
        let (name, span) = self.required_string(entries, "variant", node, "a rule")?;
        let variant = self.named_variant(variants, name, span);
        let Some(when) = get(entries, "when") else {
            self.problems.push(
                &node.span,
                "document::missing_key",
                "a rule has no `when`",
                Some("add `when = { tenant = \"acme\" }`".into()),
            );
            return None;
        };
        let Value::Table(conditions) = &when.value.value else {
            self.wrong_type(when, "a table of attribute conditions");
            return None;
        };
        if conditions.is_empty() {
            self.problems.push(
                &when.value.span,
                "config::empty_rule",
                "a rule without conditions takes every request",
                Some("use `pin` for that, or add a condition".into()),
            );
            return None;
        }
        let mut parsed = Vec::new();
        for condition in conditions {
            parsed.push(self.condition(condition, index, ranges)?);
        }
        Some((parsed, variant?))
    }

    /// One `attribute = …` of a rule's `when`.
    fn condition(
        &mut self,
        entry: &Entry,
        rule: usize,
        ranges: &mut Vec<RangeSeen>,
    ) -> Option<Condition> {
        let attribute = entry.key.clone();
        match &entry.value.value {
            Value::String(text) => Some(Condition::equals(attribute, text.text.as_str())),
            Value::Integer(number) => Some(Condition::equals(attribute, *number)),
            Value::Array(items) => {
                let mut values = Vec::new();
                for item in items {
                    match &item.value {
                        Value::String(text) => {
                            values.push(AttributeValue::from(text.text.as_str()))
                        }
                        Value::Integer(number) => values.push(AttributeValue::from(*number)),
                        other => {
                            self.problems.push(
                                &item.span,
                                "document::wrong_type",
                                format!(
                                    "`{attribute}` must hold strings or integers, found {}",
                                    other.kind()
                                ),
                                None,
                            );
                            return None;
                        }
                    }
                }
                Some(Condition::one_of(attribute, values))
            }
            Value::Table(bounds) => {
                let entries = self.table(&entry.value, "a condition", RANGE_KEYS)?;
                if let Some(prefix) = get(entries, "prefix") {
                    let (prefix, _) = self.string(prefix)?;
                    return Some(Condition::prefix(attribute, prefix));
                }
                let bound = |lowering: &mut Self, key: &str| -> Option<Option<f64>> {
                    match get(bounds, key) {
                        Some(entry) => match entry.value.value {
                            Value::Integer(number) => Some(Some(number as f64)),
                            _ => {
                                lowering.wrong_type(entry, "an integer");
                                None
                            }
                        },
                        None => Some(None),
                    }
                };
                let min = bound(self, "min")?;
                let max = bound(self, "max")?;
                let (low, high) = (
                    min.unwrap_or(f64::NEG_INFINITY),
                    max.unwrap_or(f64::INFINITY),
                );
                if low >= high {
                    self.problems.push(
                        &entry.value.span,
                        "config::empty_range",
                        format!(
                            "the range of `{attribute}` is empty: min {low} is not below max {high}"
                        ),
                        Some("`min` is included, `max` is not".into()),
                    );
                    return None;
                }
                if let Some(earlier) = ranges
                    .iter()
                    .find(|seen| seen.attribute == attribute && seen.min < high && low < seen.max)
                {
                    self.problems.push(
                        &entry.value.span,
                        "config::overlapping_ranges",
                        format!(
                            "the range of `{attribute}` overlaps the one of rule {}, which wins where both match",
                            earlier.rule
                        ),
                        Some("make the ranges meet without overlapping (`max` of one = `min` of the next)".into()),
                    );
                    return None;
                }
                ranges.push(RangeSeen {
                    attribute: attribute.clone(),
                    min: low,
                    max: high,
                    rule,
                });
                Some(Condition::range(attribute, min, max))
            }
            other => {
                self.problems.push(
                    &entry.value.span,
                    "document::wrong_type",
                    format!(
                        "`{attribute}` must be a value, a list of values or a range table, found {}",
                        other.kind()
                    ),
                    None,
                );
                None
            }
        }
    }
}

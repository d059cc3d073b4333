//! Interface routing: a request's kind picks its routes; within them, first match wins: an
//! explicit pin, then attribute rules in order, then a weighted split on the routing key.

use std::collections::HashMap;
use std::fmt;
use std::sync::Arc;

use super::condition::Condition;
use super::request::RouteRequest;
use super::split;

/// Where a request can go: a named variant of an experiment, served by a flow version.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Variant {
    /// The variant's name (`control`, `v2`, `canary`): in statistics labels and the journal.
    pub name: String,
    /// The flow that serves it.
    pub flow: String,
    /// The flow's version.
    pub version: u32,
}

impl Variant {
    /// Variant `name`, served by version `version` of flow `flow`.
    pub fn new(name: impl Into<String>, flow: impl Into<String>, version: u32) -> Self {
        Self {
            name: name.into(),
            flow: flow.into(),
            version,
        }
    }
}

impl fmt::Display for Variant {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} ({} v{})", self.name, self.flow, self.version)
    }
}

/// An attribute rule: when every condition holds, the request goes to the variant.
#[derive(Debug, Clone, PartialEq)]
pub struct AttributeRule {
    /// What must hold (all of it).
    pub conditions: Vec<Condition>,
    /// Where matching requests go.
    pub variant: Variant,
}

impl fmt::Display for AttributeRule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let conditions: Vec<String> = self.conditions.iter().map(ToString::to_string).collect();
        write!(f, "{} => {}", conditions.join(" and "), self.variant.name)
    }
}

/// The routes of one kind of request.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct KindRoutes {
    pin: Option<Variant>,
    rules: Vec<AttributeRule>,
    split: Vec<(Variant, u32)>,
    /// Each rule's reason (`rule 1: tenant == "acme" => v2`), written once here rather
    /// than for every request it routes.
    rule_reasons: Vec<(RouteReason, Arc<str>)>,
    /// Each split variant's reason (`split 20/100`), likewise.
    split_reasons: Vec<(RouteReason, Arc<str>)>,
}

/// `reason` with its text.
fn explained(reason: RouteReason) -> (RouteReason, Arc<str>) {
    let text = Arc::from(reason.to_string());
    (reason, text)
}

impl KindRoutes {
    /// No routes yet.
    pub fn new() -> Self {
        Self::default()
    }

    /// Sends every request to `variant`, whatever the rules and splits say.
    pub fn pin(mut self, variant: Variant) -> Self {
        self.pin = Some(variant);
        self
    }

    /// Sends requests meeting `condition` to `variant` (rules are tried in order).
    pub fn rule(self, condition: Condition, variant: Variant) -> Self {
        self.rule_all([condition], variant)
    }

    /// Sends requests meeting every one of `conditions` to `variant`.
    pub fn rule_all(
        mut self,
        conditions: impl IntoIterator<Item = Condition>,
        variant: Variant,
    ) -> Self {
        let rule = AttributeRule {
            conditions: conditions.into_iter().collect(),
            variant,
        };
        self.rule_reasons.push(explained(RouteReason::Rule {
            index: self.rules.len() + 1,
            rule: Arc::from(rule.to_string()),
        }));
        self.rules.push(rule);
        self
    }

    /// Splits the requests no rule took between `variants` by weight, sticky on the key.
    pub fn split(mut self, variants: impl IntoIterator<Item = (Variant, u32)>) -> Self {
        self.split = variants.into_iter().collect();
        let total: u32 = self.split.iter().map(|(_, weight)| weight).sum();
        self.split_reasons = self
            .split
            .iter()
            .map(|(_, weight)| {
                explained(RouteReason::Split {
                    share: Arc::from(format!("{weight}/{total}")),
                })
            })
            .collect();
        self
    }
}

/// Why a variant was chosen, as recorded on the instance.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RouteReason {
    /// The kind is pinned to it.
    Pinned,
    /// Attribute rule number `index` (from 1) matched: its text.
    Rule {
        /// The rule's position among the kind's rules, from 1.
        index: usize,
        /// The rule as written (`tenant == "acme" => v2`).
        rule: Arc<str>,
    },
    /// The weighted split gave it.
    Split {
        /// The variant's weight of the total (`20/100`).
        share: Arc<str>,
    },
}

impl fmt::Display for RouteReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RouteReason::Pinned => f.write_str("pinned"),
            RouteReason::Rule { index, rule } => write!(f, "rule {index}: {rule}"),
            RouteReason::Split { share } => write!(f, "split {share}"),
        }
    }
}

/// The variant a request goes to and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RouteChoice {
    /// The variant.
    pub variant: Variant,
    /// Why.
    pub reason: RouteReason,
    /// Why, as text: the reason's `Display`, written once per rule or split.
    pub explanation: Arc<str>,
}

/// Why a request could not be routed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RouteError {
    /// No routes for the kind.
    #[error("no routes for requests of kind `{kind}`{}", known_kinds(.known))]
    UnknownKind {
        /// The kind asked for.
        kind: String,
        /// The kinds that have routes.
        known: Vec<String>,
    },
    /// No pin, no matching rule and no split.
    #[error("no route of kind `{kind}` takes this request; tried: {}", .tried.join("; "))]
    NoMatch {
        /// The kind.
        kind: String,
        /// The rules tried, in order.
        tried: Vec<String>,
    },
    /// A split whose weights add up to nothing.
    #[error("the split of kind `{kind}` has no variant with a weight above 0")]
    EmptySplit {
        /// The kind.
        kind: String,
    },
}

fn known_kinds(known: &[String]) -> String {
    if known.is_empty() {
        String::new()
    } else {
        format!(" (kinds with routes: {})", known.join(", "))
    }
}

/// Maps requests to flow versions, by kind.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Router {
    kinds: HashMap<String, KindRoutes>,
}

impl Router {
    /// A router without routes.
    pub fn new() -> Self {
        Self::default()
    }

    /// Routes requests of `kind` with `routes`.
    pub fn kind(mut self, kind: impl Into<String>, routes: KindRoutes) -> Self {
        self.kinds.insert(kind.into(), routes);
        self
    }

    /// Every variant any route can lead to, for checking them against the engine's flows.
    pub fn variants(&self) -> impl Iterator<Item = (&str, &Variant)> {
        self.kinds.iter().flat_map(|(kind, routes)| {
            routes
                .pin
                .iter()
                .chain(routes.rules.iter().map(|rule| &rule.variant))
                .chain(routes.split.iter().map(|(variant, _)| variant))
                .map(move |variant| (kind.as_str(), variant))
        })
    }

    /// The variant `request` goes to. `fallback_key` stands in for a request without a
    /// routing key (its split is then not sticky).
    pub fn route(
        &self,
        request: &RouteRequest,
        fallback_key: impl FnOnce() -> String,
    ) -> Result<RouteChoice, RouteError> {
        let Some(routes) = self.kinds.get(&request.kind) else {
            let mut known: Vec<String> = self.kinds.keys().cloned().collect();
            known.sort();
            return Err(RouteError::UnknownKind {
                kind: request.kind.clone(),
                known,
            });
        };
        if let Some(variant) = &routes.pin {
            return Ok(RouteChoice {
                variant: variant.clone(),
                reason: RouteReason::Pinned,
                explanation: Arc::from("pinned"),
            });
        }
        for (rule, (reason, explanation)) in routes.rules.iter().zip(&routes.rule_reasons) {
            if rule
                .conditions
                .iter()
                .all(|condition| condition.matches(request))
            {
                return Ok(RouteChoice {
                    variant: rule.variant.clone(),
                    reason: reason.clone(),
                    explanation: Arc::clone(explanation),
                });
            }
        }
        if routes.split.is_empty() {
            return Err(RouteError::NoMatch {
                kind: request.kind.clone(),
                tried: routes.rules.iter().map(ToString::to_string).collect(),
            });
        }
        let fallback;
        let key = match &request.key {
            Some(key) => key.as_str(),
            None => {
                fallback = fallback_key();
                fallback.as_str()
            }
        };
        let weights = routes
            .split
            .iter()
            .map(|(variant, weight)| (variant.name.as_str(), *weight));
        let index = split::pick(weights, key).ok_or_else(|| RouteError::EmptySplit {
            kind: request.kind.clone(),
        })?;
        let (variant, _) = &routes.split[index];
        let (reason, explanation) = &routes.split_reasons[index];
        Ok(RouteChoice {
            variant: variant.clone(),
            reason: reason.clone(),
            explanation: Arc::clone(explanation),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn checkout() -> Router {
        Router::new().kind(
            "checkout",
            KindRoutes::new()
                .rule(
                    Condition::equals("tenant", "acme"),
                    Variant::new("v2", "Checkout", 2),
                )
                .rule_all(
                    [
                        Condition::prefix("channel", "mobile"),
                        Condition::range("amount", Some(1000.0), None),
                    ],
                    Variant::new("big-mobile", "Checkout", 3),
                )
                .split([
                    (Variant::new("v1", "Checkout", 1), 80),
                    (Variant::new("v2", "Checkout", 2), 20),
                ]),
        )
    }

    #[test]
    fn the_first_matching_rule_wins_before_the_split() {
        let router = checkout();
        let acme = RouteRequest::new("checkout")
            .attribute("tenant", "acme")
            .key("c1");
        let choice = router.route(&acme, String::new).unwrap();
        assert_eq!(choice.variant.name, "v2");
        assert_eq!(
            choice.reason.to_string(),
            "rule 1: tenant == \"acme\" => v2"
        );
        let big = RouteRequest::new("checkout")
            .attribute("channel", "mobile-ios")
            .attribute("amount", 1500)
            .key("c1");
        assert_eq!(
            router.route(&big, String::new).unwrap().variant.name,
            "big-mobile"
        );
        let small = RouteRequest::new("checkout")
            .attribute("channel", "mobile-ios")
            .attribute("amount", 999)
            .key("c1");
        let choice = router.route(&small, String::new).unwrap();
        assert!(
            matches!(choice.reason, RouteReason::Split { .. }),
            "{choice:?}"
        );
    }

    #[test]
    fn a_pin_overrides_rules_and_splits() {
        let router = Router::new().kind(
            "checkout",
            KindRoutes::new()
                .pin(Variant::new("frozen", "Checkout", 1))
                .rule(
                    Condition::equals("tenant", "acme"),
                    Variant::new("v2", "Checkout", 2),
                ),
        );
        let acme = RouteRequest::new("checkout").attribute("tenant", "acme");
        let choice = router.route(&acme, String::new).unwrap();
        assert_eq!(
            (choice.variant.name.as_str(), choice.reason),
            ("frozen", RouteReason::Pinned)
        );
    }

    #[test]
    fn an_unroutable_request_names_its_kind_and_the_rules_tried() {
        let router = Router::new().kind(
            "loan",
            KindRoutes::new().rule(
                Condition::one_of("product", ["mortgage", "car"]),
                Variant::new("v1", "Loan", 1),
            ),
        );
        let error = router
            .route(
                &RouteRequest::new("loan").attribute("product", "boat"),
                String::new,
            )
            .unwrap_err();
        assert_eq!(
            error.to_string(),
            "no route of kind `loan` takes this request; tried: product in [\"mortgage\", \"car\"] => v1"
        );
        let error = router
            .route(&RouteRequest::new("lone"), String::new)
            .unwrap_err();
        assert_eq!(
            error.to_string(),
            "no routes for requests of kind `lone` (kinds with routes: loan)"
        );
    }
}

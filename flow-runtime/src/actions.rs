//! Actions by name: the building blocks a flow document names. Every `#[action]` can be
//! registered once, under its name, for its data type; script actions join them when a
//! document declares them. Compiled flows call their actions directly; document flows call
//! them through [`DynAction`], one boxed future per call.

use std::any::{Any, TypeId};
use std::collections::HashMap;
use std::future::Future;
use std::marker::PhantomData;
use std::pin::Pin;
use std::sync::Arc;

use flow_core::action::DispatchMode;
use flow_core::{Action, ActionError, ActionSpec, Context, Instruction, StepPolicy};

/// What one call of a [`DynAction`] returns: the index of the instruction in the action's
/// declared instructions (`None` after a compensation).
pub type ActionFuture<'a> =
    Pin<Box<dyn Future<Output = Result<Option<usize>, ActionError>> + Send + 'a>>;

/// An action over data `D` behind a pointer: a Rust `#[action]` or a script.
pub trait DynAction<D>: Send + Sync + 'static {
    /// The action's name, instructions, compensation, effect, retry policy and timeout.
    fn policy(&self) -> &StepPolicy;

    /// Runs, queries or compensates the action once.
    fn call<'a>(&'a self, ctx: &'a mut Context<D>, mode: DispatchMode) -> ActionFuture<'a>;
}

/// A Rust `#[action]` as a [`DynAction`].
struct RustAction<A>(PhantomData<fn() -> A>);

impl<D: Send + 'static, A: Action<D>> DynAction<D> for RustAction<A> {
    fn policy(&self) -> &StepPolicy {
        const { &A::POLICY }
    }

    fn call<'a>(&'a self, ctx: &'a mut Context<D>, mode: DispatchMode) -> ActionFuture<'a> {
        Box::pin(async move {
            let instruction = A::dispatch(ctx, mode).await?;
            Ok(instruction.map(|instruction| instruction_index::<A::Instruction>(&instruction)))
        })
    }
}

/// The position of `instruction` among its type's variants.
fn instruction_index<I: Instruction>(instruction: &I) -> usize {
    let name = instruction.name();
    // Invariant of `#[derive(Instruction)]`: `name()` is one of `VARIANTS`.
    I::VARIANTS
        .iter()
        .position(|variant| *variant == name)
        .unwrap_or(0)
}

/// Why an action could not be registered.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RegistryError {
    /// Another action over the same data already has the name.
    #[error("an action `{action}` over `{data}` is already registered")]
    Duplicate {
        /// The action's name.
        action: String,
        /// The data type's registered name.
        data: String,
    },
    /// Another data type is already registered under the name.
    #[error("the data type name `{name}` is already taken by `{taken_by}`")]
    DataNameTaken {
        /// The name.
        name: String,
        /// The Rust type that has it.
        taken_by: &'static str,
    },
}

/// The actions over one data type, by name.
pub struct ActionSet<D> {
    actions: HashMap<String, Arc<dyn DynAction<D>>>,
}

impl<D> Clone for ActionSet<D> {
    fn clone(&self) -> Self {
        Self {
            actions: self.actions.clone(),
        }
    }
}

impl<D> Default for ActionSet<D> {
    fn default() -> Self {
        Self {
            actions: HashMap::new(),
        }
    }
}

impl<D: Send + 'static> ActionSet<D> {
    /// The action called `name`.
    pub fn get(&self, name: &str) -> Option<&Arc<dyn DynAction<D>>> {
        self.actions.get(name)
    }

    /// Every action's declared metadata, for the validator.
    pub fn specs(&self) -> impl Iterator<Item = ActionSpec> + '_ {
        self.actions
            .values()
            .map(|action| action.policy().to_action_spec())
    }

    /// Adds `action` under its policy's name; refused if the name is taken.
    pub(crate) fn insert(
        &mut self,
        action: Arc<dyn DynAction<D>>,
        data: &str,
    ) -> Result<(), RegistryError> {
        let name = action.policy().action.to_owned();
        if self.actions.contains_key(&name) {
            return Err(RegistryError::Duplicate {
                action: name,
                data: data.to_owned(),
            });
        }
        self.actions.insert(name, action);
        Ok(())
    }
}

/// One registered data type: its name and its actions.
struct DataEntry {
    name: String,
    type_name: &'static str,
    /// An `ActionSet<D>` for the entry's `D`.
    actions: Box<dyn Any + Send + Sync>,
}

/// Every registered action, by data type and name.
#[derive(Default)]
pub struct ActionRegistry {
    by_type: HashMap<TypeId, DataEntry>,
}

impl ActionRegistry {
    /// An empty registry.
    pub fn new() -> Self {
        Self::default()
    }

    /// Registers data type `D` under `name` (documents write `data = "Order"`). Registering
    /// the same type again under the same name is a no-op.
    pub fn data<D: Send + 'static>(&mut self, name: &str) -> Result<(), RegistryError> {
        if let Some(entry) = self.by_type.get(&TypeId::of::<D>()) {
            if entry.name == name {
                return Ok(());
            }
            return Err(RegistryError::DataNameTaken {
                name: entry.name.clone(),
                taken_by: entry.type_name,
            });
        }
        if let Some(entry) = self.by_type.values().find(|entry| entry.name == name) {
            return Err(RegistryError::DataNameTaken {
                name: name.to_owned(),
                taken_by: entry.type_name,
            });
        }
        self.by_type.insert(
            TypeId::of::<D>(),
            DataEntry {
                name: name.to_owned(),
                type_name: std::any::type_name::<D>(),
                actions: Box::new(ActionSet::<D>::default()),
            },
        );
        Ok(())
    }

    /// Registers `#[action]` `A` over `D` under its name, registering `D` under its type's
    /// last path segment (`Order`) unless it already has a name.
    pub fn action<D: Send + 'static, A: Action<D>>(&mut self) -> Result<(), RegistryError> {
        self.dyn_action::<D>(Arc::new(RustAction::<A>(PhantomData)))
    }

    /// Registers any action over `D` (a script action, say).
    pub fn dyn_action<D: Send + 'static>(
        &mut self,
        action: Arc<dyn DynAction<D>>,
    ) -> Result<(), RegistryError> {
        if !self.by_type.contains_key(&TypeId::of::<D>()) {
            self.data::<D>(short_type_name::<D>())?;
        }
        let entry = self
            .by_type
            .get_mut(&TypeId::of::<D>())
            .expect("registered just above");
        let name = entry.name.clone();
        entry
            .actions
            .downcast_mut::<ActionSet<D>>()
            .expect("an entry holds the action set of its own type")
            .insert(action, &name)
    }

    /// The actions over `D`, if `D` is registered.
    pub fn actions<D: Send + 'static>(&self) -> Option<&ActionSet<D>> {
        self.by_type
            .get(&TypeId::of::<D>())?
            .actions
            .downcast_ref::<ActionSet<D>>()
    }

    /// The name `D` is registered under.
    pub fn data_name<D: 'static>(&self) -> Option<&str> {
        Some(&self.by_type.get(&TypeId::of::<D>())?.name)
    }

    /// The type registered under `name`.
    pub fn data_type(&self, name: &str) -> Option<TypeId> {
        self.by_type
            .iter()
            .find(|(_, entry)| entry.name == name)
            .map(|(type_id, _)| *type_id)
    }

    /// Every registered data type name.
    pub fn data_names(&self) -> impl Iterator<Item = &str> {
        self.by_type.values().map(|entry| entry.name.as_str())
    }
}

/// `Order` for `my_crate::orders::Order`; generic arguments stay (`Wrapper<Order>`).
fn short_type_name<D>() -> &'static str {
    let full = std::any::type_name::<D>();
    let path_end = full.find('<').unwrap_or(full.len());
    match full[..path_end].rfind("::") {
        Some(at) => &full[at + 2..],
        None => full,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug)]
    struct Order;

    #[test]
    fn data_types_are_named_by_their_last_path_segment() {
        assert_eq!(short_type_name::<Order>(), "Order");
        assert_eq!(short_type_name::<serde_json::Value>(), "Value");
    }

    #[test]
    fn a_data_name_belongs_to_one_type() {
        let mut registry = ActionRegistry::new();
        registry.data::<Order>("Order").unwrap();
        registry.data::<Order>("Order").unwrap();
        let error = registry.data::<serde_json::Value>("Order").unwrap_err();
        assert!(
            matches!(error, RegistryError::DataNameTaken { .. }),
            "{error}"
        );
        assert_eq!(registry.data_type("Order"), Some(TypeId::of::<Order>()));
    }
}

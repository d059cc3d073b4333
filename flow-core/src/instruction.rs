//! Instructions: the outcomes an action returns, which the flow maps to next states.

/// The outcome of an action (`Approved`, `Rejected`, `Review`): a field-less enum with
/// `#[derive(Instruction)]`.
///
/// Instructions are names, so they can be journaled, counted in statistics, carried by
/// signals and written in configuration; data belongs in the context.
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not an instruction",
    label = "the outcome type of an action must implement `Instruction`",
    note = "add `#[derive(Instruction)]` to a field-less enum of the outcomes, or return `()` for an action with one outcome"
)]
pub trait Instruction: Sized + Send + 'static {
    /// The variant names, in declaration order.
    const VARIANTS: &'static [&'static str];

    /// The variant's name.
    fn name(&self) -> &'static str;

    /// The variant called `name`, if there is one.
    fn from_name(name: &str) -> Option<Self>;
}

/// The instruction of an action with a single outcome (`Paid => ship => Shipped;`).
impl Instruction for () {
    const VARIANTS: &'static [&'static str] = &["Done"];

    fn name(&self) -> &'static str {
        "Done"
    }

    fn from_name(name: &str) -> Option<Self> {
        (name == "Done").then_some(())
    }
}

/// What a wait can be signalled with: a variant of its event type (`Decision::Approve`: no
/// typo in the name can compile), or the variant's name as a string, for callers from
/// outside (an HTTP request, a command line). Either way the name is checked against the
/// wait when the signal arrives; the compiler does not check that the enum is the wait's
/// own event type.
pub trait SignalEvent {
    /// The event's name, as the flow's wait maps it.
    fn event_name(&self) -> &str;
}

impl<I: Instruction> SignalEvent for I {
    fn event_name(&self) -> &str {
        self.name()
    }
}

impl SignalEvent for &str {
    fn event_name(&self) -> &str {
        self
    }
}

impl SignalEvent for String {
    fn event_name(&self) -> &str {
        self
    }
}

impl SignalEvent for &String {
    fn event_name(&self) -> &str {
        self
    }
}

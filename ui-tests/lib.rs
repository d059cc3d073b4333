//! trybuild cases live in the category folders; the driver is `tests/ui.rs`.

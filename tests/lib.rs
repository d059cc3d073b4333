//! Integration tests across the flow crates live in `tests/tests/`.

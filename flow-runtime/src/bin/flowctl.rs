//! `flowctl`: see [`flow_runtime::cli`]. Built with the `cli` feature, and the features of
//! the stores it should open: `cargo install flow-runtime --features cli,sqlite,postgres,redis`.

fn main() -> std::process::ExitCode {
    flow_runtime::cli::main()
}

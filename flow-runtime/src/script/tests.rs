//! The sandbox's promises, one test each: limits stop runaway scripts with a clear error,
//! forbidden features fail, errors have the right kind, and a failed run changes nothing.

use std::sync::Arc;

use flow_core::{ActionError, Context, ErrorKind, InstanceId};
use serde::{Deserialize, Serialize};

use super::*;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct Order {
    price: u64,
    total: u64,
    amount: u64,
    note: String,
}

fn order() -> Order {
    Order {
        price: 7,
        total: 0,
        amount: 3,
        note: "first".to_owned(),
    }
}

fn ctx<D>(data: D) -> Context<D> {
    Context::new(InstanceId::new(), "Orders", 2, "Scoring", data)
}

fn runtime() -> ScriptRuntime {
    ScriptRuntime::new(ScriptLimits::default())
}

/// Compiles `source` as `name`, panicking with the error if it does not compile.
fn compiled(runtime: &ScriptRuntime, name: &str, source: &str) -> Script {
    match runtime.compile(name, source) {
        Ok(script) => script,
        Err(error) => panic!("`{name}` should compile: {error}"),
    }
}

/// Runs `source` as an action with instructions `Big`, `Small` on `order()` and returns
/// the error; asserts the data did not change.
fn run_error(name: &str, source: &str) -> ActionError {
    let runtime = runtime();
    let script = compiled(&runtime, name, source);
    let mut ctx = ctx(order());
    let error = runtime
        .run_action(&script, &mut ctx, &["Big", "Small"])
        .expect_err("the script should fail");
    assert_eq!(ctx.data, order(), "a failed run leaves the data as it was");
    error
}

/// The compile error of `source`.
fn compile_error(source: &str) -> ScriptError {
    runtime()
        .compile("bad", source)
        .expect_err("the script should not compile")
}

const SIZE: &str = r#"data.total = data.price * 2; if data.total > 10 { "Big" } else { "Small" }"#;

#[test]
fn a_script_reads_and_writes_typed_data_and_names_an_instruction() {
    let runtime = runtime();
    let script = compiled(&runtime, "size", SIZE);
    let mut ctx = ctx(order());
    assert_eq!(
        runtime
            .run_action(&script, &mut ctx, &["Big", "Small"])
            .ok(),
        Some("Big")
    );
    assert_eq!(ctx.data.total, 14);

    ctx.data.price = 2;
    assert_eq!(
        runtime
            .run_action(&script, &mut ctx, &["Big", "Small"])
            .ok(),
        Some("Small")
    );
    assert_eq!(ctx.data.total, 4);
    assert_eq!(
        ctx.data.note, "first",
        "fields the script did not touch stay"
    );
}

#[test]
fn a_script_works_on_json_values_too() {
    let runtime = runtime();
    let script = compiled(&runtime, "size", SIZE);
    let mut ctx = ctx(serde_json::json!({ "price": 4, "tags": ["a"] }));
    assert_eq!(
        runtime
            .run_action(&script, &mut ctx, &["Big", "Small"])
            .ok(),
        Some("Small")
    );
    assert_eq!(
        ctx.data,
        serde_json::json!({ "price": 4, "total": 8, "tags": ["a"] })
    );
}

#[test]
fn a_script_sees_the_facts_of_its_context() {
    let runtime = runtime();
    let script = compiled(
        &runtime,
        "facts",
        r#"data.note = `${flow} v${version} ${state} step ${step} attempt ${attempt} ${labels.tenant}`;
           if instance.len() == 36 && idempotency_key == `${instance}/${step}` { "Big" } else { "Small" }"#,
    );
    let mut ctx = ctx(order());
    ctx.set_label("tenant", "acme");
    ctx.enter("Scoring", 4, 2);
    assert_eq!(
        runtime
            .run_action(&script, &mut ctx, &["Big", "Small"])
            .ok(),
        Some("Big")
    );
    assert_eq!(ctx.data.note, "Orders v2 Scoring step 4 attempt 2 acme");
}

#[test]
fn facts_are_read_only() {
    let error = run_error("writes_state", r#"state = "Done"; "Big""#);
    assert_eq!(error.kind(), ErrorKind::Permanent);
    assert!(
        error
            .message()
            .starts_with("script `writes_state` failed: Cannot modify constant state"),
        "{}",
        error.message()
    );
}

#[test]
fn an_endless_loop_stops_at_the_operations_limit() {
    let error = run_error("score_risk", "loop {}");
    assert_eq!(error.kind(), ErrorKind::Permanent);
    assert!(
        error.message().starts_with(
            "script `score_risk` stopped: it ran more than 100000 operations (an endless loop?)"
        ),
        "{}",
        error.message()
    );
}

#[test]
fn a_string_that_keeps_doubling_stops_at_the_size_limit() {
    let error = run_error("grow", r#"let s = "x"; loop { s += s; }"#);
    assert_eq!(error.kind(), ErrorKind::Permanent);
    assert!(
        error
            .message()
            .starts_with("script `grow` stopped: a string grew larger than its limit of 65536"),
        "{}",
        error.message()
    );
}

#[test]
fn arrays_and_maps_stop_at_their_size_limits() {
    let error = run_error("array", "let a = []; loop { a.push(1); }");
    assert!(
        error
            .message()
            .starts_with("script `array` stopped: an array grew larger than its limit of 10000"),
        "{}",
        error.message()
    );
    // rhai checks a map's size when a function changes it, not when an index assignment
    // adds a key; the runtime checks `data` after the run, so an oversized map is not kept.
    let runtime = ScriptRuntime::new(ScriptLimits {
        max_map_size: 100,
        ..ScriptLimits::default()
    });
    let script = compiled(
        &runtime,
        "map",
        r#"for i in 0..200 { data[`k${i}`] = i; } "Big""#,
    );
    let mut ctx = ctx(order());
    let error = runtime
        .run_action(&script, &mut ctx, &["Big"])
        .expect_err("the map outgrows its limit");
    assert!(
        error
            .message()
            .starts_with("script `map` stopped: a map grew larger than its limit of 100"),
        "{}",
        error.message()
    );
    assert_eq!(ctx.data, order());
}

#[test]
fn endless_recursion_stops_at_the_call_depth_limit() {
    let error = run_error("recurse", "fn f(n) { f(n + 1) } f(0)");
    assert_eq!(error.kind(), ErrorKind::Permanent);
    assert!(
        error.message().starts_with(
            "script `recurse` stopped: its function calls nested more than 32 levels deep"
        ),
        "{}",
        error.message()
    );
}

#[test]
fn deeply_nested_expressions_do_not_compile() {
    let source = format!("{}1{}", "(".repeat(200), ")".repeat(200));
    let ScriptError::Syntax { message, .. } = compile_error(&source);
    assert!(message.contains("complexity"), "{message}");
}

#[test]
fn import_does_not_compile() {
    let error = compile_error("let a = 1;\nimport \"x\" as y;\n\"Big\"");
    let ScriptError::Syntax {
        line,
        column,
        message,
        ..
    } = &error;
    assert_eq!((*line, *column), (2, 1), "{error}");
    assert!(message.contains("import"), "{error}");
}

#[test]
fn eval_does_not_compile() {
    let error = compile_error(r#"eval("1")"#);
    let ScriptError::Syntax { message, .. } = &error;
    assert!(message.contains("eval"), "{error}");
}

#[test]
fn eval_through_a_function_pointer_fails() {
    let error = run_error("sneaky_eval", r#"let f = Fn("eval"); f.call("1")"#);
    assert_eq!(error.kind(), ErrorKind::Permanent);
    assert!(
        error.message().contains("'eval' is a reserved keyword"),
        "{}",
        error.message()
    );
}

#[test]
fn exit_names_an_instruction_too() {
    let runtime = runtime();
    let script = compiled(
        &runtime,
        "early",
        r#"if data.price > 1 { exit("Big"); } "Small""#,
    );
    let mut ctx = ctx(order());
    assert_eq!(
        runtime
            .run_action(&script, &mut ctx, &["Big", "Small"])
            .ok(),
        Some("Big")
    );
}

#[test]
fn sleep_is_refused_even_through_a_function_pointer_or_try() {
    let started = std::time::Instant::now();
    for source in [
        "sleep(1000)",
        "sleep(0.5)",
        r#"let f = Fn("sleep"); f.call(1000)"#,
        r#"try { sleep(1000) } catch { }; "Big""#,
    ] {
        let error = run_error("sleepy", source);
        assert_eq!(error.kind(), ErrorKind::Permanent, "{source}");
        assert_eq!(
            error.message(),
            "script `sleepy` used `sleep`, which scripts may not use",
            "{source}"
        );
    }
    assert!(started.elapsed() < std::time::Duration::from_millis(500));
}

#[test]
fn a_syntax_error_reports_its_line_and_column_in_the_script() {
    let error = compile_error("let a = 1;\nlet b = 2;\nlet c = a +* b;\n\"Big\"");
    let ScriptError::Syntax {
        script,
        line,
        column,
        ..
    } = &error;
    assert_eq!(script, "bad");
    assert_eq!((*line, *column), (3, 12), "{error}");
    assert!(
        error
            .to_string()
            .starts_with("script `bad` does not compile: ")
    );
}

#[test]
fn an_undeclared_variable_does_not_compile() {
    let error = compile_error("dta.total = 1;\n\"Big\"");
    let ScriptError::Syntax { line, message, .. } = &error;
    assert_eq!(*line, 1);
    assert!(message.contains("dta"), "{error}");
}

#[test]
fn an_instruction_the_action_does_not_have_is_permanent() {
    let error = run_error("x", r#"data.total = 1; "Maybe""#);
    assert_eq!(error.kind(), ErrorKind::Permanent);
    assert_eq!(
        error.message(),
        "script `x` returned `Maybe`, which is not one of its instructions `Big`, `Small`"
    );
}

#[test]
fn a_number_is_not_an_instruction() {
    let error = run_error("count", "data.total = 1; 42");
    assert_eq!(error.kind(), ErrorKind::Permanent);
    assert_eq!(
        error.message(),
        "script `count` returned a value of type `i64`, not the name of an instruction (a string)"
    );
}

#[test]
fn a_thrown_string_is_retryable() {
    let error = run_error("busy", "data.total = 1;\nthrow \"rate limited\";");
    assert_eq!(error.kind(), ErrorKind::Retryable);
    assert_eq!(
        error.message(),
        "script `busy` threw: rate limited at line 2, column 1"
    );
}

#[test]
fn a_thrown_permanent_map_is_permanent() {
    let error = run_error(
        "card",
        r#"throw #{ permanent: true, message: "card expired" };"#,
    );
    assert_eq!(error.kind(), ErrorKind::Permanent);
    assert!(
        error
            .message()
            .starts_with("script `card` threw: card expired"),
        "{}",
        error.message()
    );
    let error = run_error("soft", r#"throw #{ permanent: false, message: "later" };"#);
    assert_eq!(error.kind(), ErrorKind::Retryable);
}

#[test]
fn a_throw_inside_a_function_keeps_its_kind() {
    let error = run_error("nested", r#"fn check() { throw "busy" } check(); "Big""#);
    assert_eq!(error.kind(), ErrorKind::Retryable);
    assert!(error.message().starts_with("script `nested` threw: busy"));
}

#[test]
fn data_written_in_the_wrong_shape_is_permanent_and_not_kept() {
    let error = run_error("wrong", r#"data.amount = "many"; "Big""#);
    assert_eq!(error.kind(), ErrorKind::Permanent);
    assert!(
        error
            .message()
            .starts_with("script `wrong` wrote data that no longer decodes: "),
        "{}",
        error.message()
    );
    let error = run_error("replaced", r#"data = 5; "Big""#);
    assert!(error.message().contains("no longer decodes"));
}

#[test]
fn a_type_error_is_permanent() {
    let error = run_error("types", r#"let x = data.note - 1; "Big""#);
    assert_eq!(error.kind(), ErrorKind::Permanent);
    assert!(
        error.message().starts_with("script `types` failed: "),
        "{}",
        error.message()
    );
    assert!(error.message().contains("line 1"), "{}", error.message());
}

#[test]
fn a_variable_of_the_script_named_data_is_not_the_context_data() {
    let runtime = runtime();
    let script = compiled(
        &runtime,
        "shadow",
        r#"data.total = 1; let data = "mine"; "Big""#,
    );
    let mut ctx = ctx(order());
    assert_eq!(
        runtime.run_action(&script, &mut ctx, &["Big"]).ok(),
        Some("Big")
    );
    assert_eq!(ctx.data.total, 1);
}

#[test]
fn print_and_debug_do_not_panic() {
    let runtime = runtime();
    let script = compiled(
        &runtime,
        "chatty",
        r#"print(`total ${data.total}`); debug(data); "Big""#,
    );
    let mut ctx = ctx(order());
    assert_eq!(
        runtime.run_action(&script, &mut ctx, &["Big"]).ok(),
        Some("Big")
    );
}

#[test]
fn a_compensation_changes_the_data_and_ignores_the_value() {
    let runtime = runtime();
    let script = compiled(&runtime, "undo", "data.total = 0; 42");
    let mut ctx = ctx(Order {
        total: 9,
        ..order()
    });
    assert!(runtime.run_compensation(&script, &mut ctx).is_ok());
    assert_eq!(ctx.data.total, 0);

    let failing = compiled(&runtime, "undo_fails", "data.total = 5; loop {}");
    let error = runtime
        .run_compensation(&failing, &mut ctx)
        .expect_err("a loop fails");
    assert_eq!(error.kind(), ErrorKind::Permanent);
    assert_eq!(ctx.data.total, 0, "a failed compensation leaves the data");
}

#[test]
fn a_runtime_is_not_poisoned_by_a_failed_run() {
    let runtime = runtime();
    let looping = compiled(&runtime, "loop", "loop {}");
    let good = compiled(&runtime, "size", SIZE);
    let mut ctx = ctx(order());
    for _ in 0..3 {
        assert!(runtime.run_action(&looping, &mut ctx, &["Big"]).is_err());
        assert_eq!(
            runtime.run_action(&good, &mut ctx, &["Big", "Small"]).ok(),
            Some("Big")
        );
    }
    assert_eq!(ctx.data.total, 14);
}

#[test]
fn one_runtime_runs_scripts_from_two_threads_at_once() {
    fn shared<T: Send + Sync>(_: &T) {}
    let runtime = Arc::new(runtime());
    shared(&runtime);
    let looping = compiled(&runtime, "loop", "loop {}");
    let good = compiled(&runtime, "size", SIZE);
    let threads: Vec<_> = (0..2u64)
        .map(|thread| {
            let runtime = Arc::clone(&runtime);
            let (looping, good) = (looping.clone(), good.clone());
            std::thread::spawn(move || {
                let mut ctx = ctx(Order {
                    price: thread + 6,
                    ..order()
                });
                for _ in 0..20 {
                    let error = runtime
                        .run_action(&looping, &mut ctx, &["Big"])
                        .expect_err("the loop stops");
                    assert!(error.message().contains("operations"));
                    assert_eq!(
                        runtime.run_action(&good, &mut ctx, &["Big", "Small"]).ok(),
                        Some("Big")
                    );
                }
                ctx.data.total
            })
        })
        .collect();
    let totals: Vec<u64> = threads
        .into_iter()
        .map(|thread| thread.join().expect("no panic"))
        .collect();
    assert_eq!(totals, vec![12, 14]);
}

#[test]
fn limits_can_be_set() {
    let runtime = ScriptRuntime::new(ScriptLimits {
        max_operations: 50,
        ..ScriptLimits::default()
    });
    let script = compiled(
        &runtime,
        "count",
        "let i = 0; while i < 1000 { i += 1; } \"Big\"",
    );
    let mut ctx = ctx(order());
    let error = runtime
        .run_action(&script, &mut ctx, &["Big"])
        .expect_err("over 50 operations");
    assert!(error.message().contains("more than 50 operations"));
    assert_eq!(runtime.limits().max_operations, 50);
}

#[test]
fn a_query_or_the_run_answers_a_query() {
    let runtime = runtime();
    let run = compiled(&runtime, "run", SIZE);
    let fns = ScriptFns {
        run: run.clone(),
        compensate: None,
        query: None,
    };
    assert_eq!(fns.query_or_run().name(), "run");
    let fns = ScriptFns {
        query: Some(compiled(&runtime, "ask", r#""Small""#)),
        ..fns
    };
    assert_eq!(fns.query_or_run().name(), "ask");
}

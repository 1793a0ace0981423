//! Differential tests: the same script + config under the C plugin and ours
//! (run concurrently); normalised outputs must be identical. Skipped when
//! `CDPY_ONLY` is set.

mod common;

use common::{
    assert_same, differential_enabled, normalize_messages, run_both, sorted_blocks, Run, RunResult,
};

/// Normalised log messages (sorted: write threads log concurrently).
fn log_sorted(r: &RunResult) -> Vec<String> {
    normalize_messages(&r.log, &[], true)
}

/// Normalised log messages in order.
fn log_ordered(r: &RunResult) -> Vec<String> {
    normalize_messages(&r.log, &[], false)
}

/// Daemon outcome: exit code, whether it needed SIGTERM, and stderr with the
/// pre-logfile timestamps removed.
fn outcome(r: &RunResult) -> (Option<i32>, bool, Vec<String>) {
    (
        r.exit_code(),
        r.killed,
        common::normalize_log(&r.stderr, &[]),
    )
}

fn out_except(r: &RunResult, skip: &[&str]) -> Vec<(String, String)> {
    r.out_files()
        .into_iter()
        .filter(|(k, _)| !skip.contains(&k.as_str()))
        .collect()
}

#[test]
fn diff_b_cb_05_b_meta_10_b_val_10_basic_test_read() {
    if !differential_enabled() {
        return;
    }
    let body = r#"ModulePath "@PLUGINS@"
Import "basic"
<Module basic>
  a "b" 1 true
  <Sub x>
    c 2.5 "str" false
  </Sub>
</Module>
<Module basic_named>
  k -7.25 yes off
</Module>
"#;
    let (c, o) = run_both(|p| Run::new(p, "diff_basic").python(body).test_read());
    c.assert_clean_exit();
    assert_same("outcome", &c, &o, outcome);
    assert_same("csv", &c, &o, RunResult::csv_normalized);
    assert_same("obs.txt", &c, &o, |r| r.out_lines("obs.txt"));
    assert_same("writes.txt", &c, &o, |r| {
        sorted_blocks(&r.out("writes.txt"))
    });
    assert_same("logcb.txt", &c, &o, |r| {
        let mut l = r.out_lines("logcb.txt");
        l.sort();
        l
    });
    assert_same("log", &c, &o, log_sorted);
}

#[test]
fn diff_b_exc_b_cb_02_errors_with_log_traces() {
    if !differential_enabled() {
        return;
    }
    let body = "LogTraces true\nModulePath \"@PLUGINS@\"\nImport \"init_err\"\nImport \"traces\"\nImport \"read_exc\"";
    let (c, o) = run_both(|p| Run::new(p, "diff_errors").python(body).test_read());
    assert_eq!(c.exit_code(), Some(1), "{}", c.dump());
    assert_same("outcome", &c, &o, outcome);
    assert_same("log", &c, &o, log_ordered);
    assert_same("out", &c, &o, |r| out_except(r, &[]));
}

#[test]
fn diff_b_init_b_name_probe() {
    if !differential_enabled() {
        return;
    }
    let (c, o) = run_both(|p| {
        Run::new(p, "diff_probe")
            .import(&["probe", "syspath", "abi"])
            .test_read()
    });
    c.assert_clean_exit();
    assert_same("outcome", &c, &o, outcome);
    assert_same("log", &c, &o, log_ordered);
    assert_same("obs.txt", &c, &o, |r| r.out_lines("obs.txt"));
}

/// Configurations that make collectd fail or warn during the config phase.
#[test]
fn diff_b_cfg_config_phase_errors() {
    if !differential_enabled() {
        return;
    }
    let cases: &[(&str, Option<&str>)] = &[
        (
            "import_missing",
            Some("ModulePath \"@PLUGINS@\"\nImport \"no_such_module_xyz\"\nImport \"basic\""),
        ),
        ("unknown_key", Some("Foo \"bar\"")),
        ("import_arity", Some("Import \"a\" \"b\"")),
        ("encoding", Some("Encoding \"utf-8\"")),
        ("module_arity", Some("Module 1")),
        (
            "module_unmatched",
            Some("<Module nothere>\n  a 1\n</Module>"),
        ),
        (
            "cfg_exception",
            Some("ModulePath \"@PLUGINS@\"\nImport \"cfg_err\"\n<Module cfg_err>\n</Module>"),
        ),
        (
            "bool_strings",
            Some("LogTraces \"yes\"\nInteractive \"no\""),
        ),
        ("interactive_bad", Some("Interactive 5")),
        ("not_configured", None),
    ];
    for (name, body) in cases {
        let (c, o) = run_both(|p| {
            let r = Run::new(p, &format!("diff_cfg_{name}")).test_read();
            match body {
                Some(b) => r.python(b),
                None => r,
            }
        });
        assert_same(&format!("{name}: outcome"), &c, &o, outcome);
        assert_same(&format!("{name}: log"), &c, &o, log_ordered);
        assert_same(&format!("{name}: out"), &c, &o, |r| out_except(r, &[]));
    }
}

/// Normal (non -T) mode: read callbacks failing in read threads, then
/// SIGTERM; compares the set of distinct log messages up to the first
/// suspension of each callback.
#[test]
fn diff_b_cb_03_read_failure_in_read_threads() {
    if !differential_enabled() {
        return;
    }
    let (c, o) = run_both(|p| {
        Run::new(p, "diff_readexc")
            .import(&["read_exc"])
            .until(common::Until::LogCount(
                "failed. Will suspend it for 2.000 seconds.".into(),
                2,
            ))
    });
    c.assert_condition();
    o.assert_condition();
    assert_same("outcome", &c, &o, outcome);
    assert_same("distinct log messages", &c, &o, |r| {
        let mut m = log_sorted(r);
        m.dedup();
        m.retain(|l| !l.contains("Will suspend it for 4.000"));
        m
    });
}

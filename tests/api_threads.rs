//! Threading observations (B-THR-03, B-THR-07; thread of invocation of
//! write/notification/flush callbacks, B-CB-04/06/09): differential where
//! the plugins must agree, plus our deliberate improvement over the C
//! plugin: `threading.local()` data survives between two read-callback
//! invocations on the same collectd read thread (the C plugin loses it,
//! B-THR-03).

mod common;

use common::{
    assert_out_has, assert_same_lines, differential_enabled, normalize_messages, run_both, Plugin,
    Run, RunResult, Until,
};

/// Log messages in order; the number of value lists still queued when `-T`
/// stops the write threads is timing dependent, so that warning is dropped.
fn log_ordered(r: &RunResult) -> Vec<String> {
    normalize_messages(
        &r.log,
        &["left after shutting down the write threads"],
        false,
    )
}

/// Normal mode, one read thread, the `local` probe group; stops once the
/// read callback ran 4 times.
fn local_run(p: Plugin) -> Run {
    Run::new(p, "api_threads_local")
        .import(&["api_threads"])
        .env("API_GROUPS", "local")
        .extra_before("ReadThreads 1")
        .until(Until::File("out/done".into()))
}

#[test]
fn diff_b_thr_07_python_thread_context() {
    if !differential_enabled() {
        return;
    }
    let (c, o) = run_both(|p| {
        Run::new(p, "api_threads_thr07")
            .import(&["api_threads"])
            .env("API_GROUPS", "thr07")
            .test_read()
    });
    c.assert_clean_exit();
    o.assert_clean_exit();
    assert_same_lines("obs.txt", &c, &o, |r| r.out_lines("obs.txt"));
    assert_same_lines("log", &c, &o, log_ordered);
    assert_out_has(
        &c,
        "obs.txt",
        &[
            "pythread: in pythread main=False dummy=False",
            // synchronous callbacks run in the calling Python thread
            "  write cb2 pythread in pythread main=False dummy=False",
            "  notification cb pythread in pythread main=False dummy=False",
            "pythread register_read = 'python.rd_pythread'",
        ],
    );
    if common::pointer_width() == 64 {
        assert_out_has(
            &c,
            "obs.txt",
            &["  flush cb -1 'pythread' in pythread main=False dummy=False"],
        );
    }
    // B-THR-07: empty plugin context in Python-created threads
    assert_eq!(
        c.count_log(
            "[error] UNKNOWN plugin: plugin_get_interval: Unable to determine Interval from context."
        ),
        2,
        "{}",
        c.dump()
    );
    c.assert_log("[warning] UNKNOWN plugin: register_callback: a callback named `python.thrw' already exists - overwriting the old entry!");
    c.assert_log("[warning] python plugin: register_callback: a callback named `python.thrw' already exists - overwriting the old entry!");
}

#[test]
fn diff_b_thr_03_read_thread_identity() {
    if !differential_enabled() {
        return;
    }
    let (c, o) = run_both(local_run);
    c.assert_condition();
    o.assert_condition();
    assert_same_lines("local.txt", &c, &o, |r| r.out_lines("local.txt"));
    assert_out_has(
        &c,
        "local.txt",
        &["local call 4 in Dummy-<N> main=False dummy=True same_ident=True name=Dummy-<N>"],
    );
    // B-THR-03 [obs]: the C plugin loses threading.local() data between calls
    assert_eq!(
        c.out_lines("tl.txt"),
        [
            "local call 1 previous=None",
            "local call 2 previous=None",
            "local call 3 previous=None",
            "local call 4 previous=None",
        ],
        "{}",
        c.dump()
    );
}

/// Deliberate improvement over the C plugin (B-THR-03): our read threads
/// keep their Python thread state, so `threading.local()` data survives.
#[test]
fn ours_b_thr_03_threading_local_survives_between_reads() {
    if !Plugin::Ours.should_run() {
        return;
    }
    let o = local_run(Plugin::Ours).run();
    o.assert_condition();
    assert_eq!(
        o.out_lines("tl.txt"),
        [
            "local call 1 previous=None",
            "local call 2 previous=1",
            "local call 3 previous=2",
            "local call 4 previous=3",
        ],
        "{}",
        o.dump()
    );
}

//! Interactive mode (B-SIG-02..05): the REPL thread reads collectd's stdin.
mod common;
use common::*;

const SESSION: &str = "import collectd\n\
print('repl says', 6 * 7)\n\
collectd.info('logged from the repl')\n\
1/0\n";

per_plugin! {
    fn b_sig_02_b_sig_04_repl_runs_then_stops_collectd(p) {
        let r = Run::new(p, "repl")
            .python("Interactive true\n")
            .stdin(SESSION)
            .until(Until::Exit)
            .run();
        r.assert_clean_exit();
        r.assert_log("[info] logged from the repl");
        r.assert_log("[notice] python: Interactive interpreter exited, stopping collectd ...");
        // CPython's REPL prints results and tracebacks itself.
        assert!(r.stdout.contains("repl says 42"), "{}", r.dump());
        assert!(r.output().contains("ZeroDivisionError: division by zero"), "{}", r.dump());
    }

    fn b_sig_04_repl_with_no_input_stops_collectd_at_once(p) {
        let r = Run::new(p, "repl_eof")
            .python("Interactive true\n")
            .until(Until::Exit)
            .run();
        r.assert_clean_exit();
        r.assert_log("[notice] python: Interactive interpreter exited, stopping collectd ...");
    }

    fn b_cfg_04_interactive_false_has_no_repl(p) {
        let r = Run::new(p, "repl_off")
            .python("Interactive false\n")
            .test_read()
            .run();
        r.assert_clean_exit();
        r.assert_no_log("Interactive interpreter exited");
    }
}

/// Ours only: with `threading` imported in the session the C plugin sometimes
/// hangs in Py_Finalize joining the REPL thread (it parks that thread's state
/// with threading's main-thread lock held); ours releases it.
#[test]
fn b_sig_02_repl_is_pythons_main_thread_and_shutdown_completes() {
    if !Plugin::Ours.should_run() {
        return;
    }
    let r = Run::new(Plugin::Ours, "repl_threading")
        .python("Interactive true\n")
        .stdin("import threading\nprint('repl thread', threading.current_thread().name)\n")
        .until(Until::Exit)
        .run();
    r.assert_clean_exit();
    assert!(r.stdout.contains("repl thread MainThread"), "{}", r.dump());
}

//! Interactive mode (B-SIG-02..05): the REPL thread reads collectd's stdin.
mod common;
use common::*;

const SESSION: &str = "import collectd\n\
print('repl says', 6 * 7)\n\
collectd.info('logged from the repl')\n\
1/0\n";

/// 5.12's C plugin dies of SIGSEGV in interactive mode from CPython 3.13 on: its
/// REPL thread runs Python without a thread state of its own, which worked only
/// while the current thread state was process-wide (3.11). Ours keeps the 3.11
/// behaviour on every version. True (after checking the crash) when `p` is that case.
fn c_plugin_crashes_here(p: Plugin, r: &RunResult) -> bool {
    if p != Plugin::C || !common::python_at_least(13) {
        return false;
    }
    assert_eq!(
        r.signal(),
        Some(11),
        "[c] expected SIGSEGV on 3.13+\n{}",
        r.dump()
    );
    true
}

per_plugin! {
    fn b_sig_02_b_sig_04_repl_runs_then_stops_collectd(p) {
        let r = Run::new(p, "repl")
            .python("Interactive true\n")
            .stdin(SESSION)
            .until(Until::Exit)
            .run();
        if c_plugin_crashes_here(p, &r) {
            return;
        }
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
        if c_plugin_crashes_here(p, &r) {
            return;
        }
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
/// with threading's main-thread lock held); ours releases it. A log callback that
/// a line typed at the prompt triggers runs on the REPL thread itself (collectd
/// calls log callbacks synchronously), re-entering Python there.
#[test]
fn b_sig_02_repl_is_pythons_main_thread_and_shutdown_completes() {
    if !Plugin::Ours.should_run() {
        return;
    }
    let r = Run::new(Plugin::Ours, "repl_threading")
        .python("Interactive true\n")
        .stdin(
            "import threading, collectd\n\
             print('repl thread', threading.current_thread().name, threading.current_thread() is threading.main_thread())\n\
             def seen(sev, msg):\n    if 'ping' in msg: print('log callback on', threading.current_thread().name)\n\n\
             collectd.register_log(seen)\n\
             collectd.info('ping')\n",
        )
        .until(Until::Exit)
        .run();
    r.assert_clean_exit();
    assert!(
        r.stdout.contains("repl thread MainThread True"),
        "{}",
        r.dump()
    );
    assert!(
        r.stdout.contains("log callback on MainThread"),
        "{}",
        r.dump()
    );
    r.assert_log("[info] ping");
}

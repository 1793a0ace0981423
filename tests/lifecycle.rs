//! Plugin lifecycle: loading, init/read/shutdown order, threads, -T mode,
//! exception logging from callbacks. Each test runs against both plugins
//! (`<test>::c`, `<test>::ours`); expectations were observed on the C plugin.

mod common;

use common::{Run, Until};

per_plugin! {
    fn b_life_03_loaded_but_not_configured(p) {
        let r = Run::new(p, "life03").test_read().run();
        r.assert_clean_exit();
        r.assert_log("[warning] python: Plugin loaded but not configured.");
        r.assert_log("[info] plugin_load: plugin \"python\" successfully loaded.");
    }

    fn b_life_04_b_cb_03_test_read_calls_each_read_once_in_main_thread(p) {
        let r = Run::new(p, "life04").import(&["basic"]).test_read().run();
        r.assert_clean_exit();
        let obs = r.out_lines("obs.txt");
        let reads: Vec<&String> = obs.iter().filter(|l| l.starts_with("read ")).collect();
        assert_eq!(
            reads,
            ["read plain MainThread", "read named data=None MainThread"],
            "{}",
            r.dump()
        );
    }

    fn b_life_04_test_read_failure_notice(p) {
        let r = Run::new(p, "life04fail").import(&["read_exc"]).test_read().run();
        assert_eq!(r.exit_code(), Some(1), "{}", r.dump());
        r.assert_log("[error] Unhandled python exception in read callback: ValueError: boom in read");
        r.assert_log("[notice] read-function of plugin `python.read_exc' failed.");
        r.assert_log("[warning] CollectdError in read callback: cd err in read");
        r.assert_log("[notice] read-function of plugin `python.read_exc_cderr' failed.");
        r.assert_log("[error] Error: one or more plugin read callbacks failed.");
        assert_eq!(r.out_lines("obs.txt"), ["read_fail called", "read_cderr called"], "{}", r.dump());
    }

    fn b_cb_03_read_exception_suspends_callback(p) {
        let r = Run::new(p, "cb03")
            .import(&["read_exc"])
            .until(Until::LogCount("failed. Will suspend it for 2.000 seconds.".into(), 2))
            .run();
        r.assert_condition();
        r.assert_clean_exit();
        r.assert_log("[info] Initialization complete, entering read-loop.");
        r.assert_log("[error] Unhandled python exception in read callback: ValueError: boom in read");
        r.assert_log("[notice] read-function of plugin `python.read_exc' failed. Will suspend it for 2.000 seconds.");
        r.assert_log("[warning] CollectdError in read callback: cd err in read");
        r.assert_log("[notice] read-function of plugin `python.read_exc_cderr' failed. Will suspend it for 2.000 seconds.");
        r.assert_log_order(&[
            "[error] Unhandled python exception in read callback: ValueError: boom in read",
            "[notice] read-function of plugin `python.read_exc' failed. Will suspend it for 2.000 seconds.",
        ]);
        r.assert_log_order(&[
            "[warning] CollectdError in read callback: cd err in read",
            "[notice] read-function of plugin `python.read_exc_cderr' failed. Will suspend it for 2.000 seconds.",
        ]);
    }

    fn b_cb_02_b_cb_10_b_reg_01_init_and_shutdown_lifo(p) {
        let r = Run::new(p, "cb02")
            .python("ModulePath \"@PLUGINS@\"\nImport \"basic\"\n<Module basic>\n</Module>")
            .test_read()
            .run();
        r.assert_clean_exit();
        let obs = r.out_lines("obs.txt");
        let seq: Vec<&str> = obs
            .iter()
            .map(String::as_str)
            .filter(|l| !l.starts_with("config tree") && !l.starts_with("config repr"))
            .collect();
        assert_eq!(
            seq,
            [
                "import ids=['python.basic', 'python.basic_named', 'python.basic', 'python.basic', 'python.basic', 'python.basic_read_named', 'python.basic', 'python.basic_w2', 'python.basic', 'python.basic_log_named', 'python.basic', 'python.basic']",
                "config python.basic MainThread",
                "init data='idata' MainThread",
                "init plain MainThread",
                "read plain MainThread",
                "read named data=None MainThread",
                "shutdown data=('sdata',) MainThread",
                "shutdown plain MainThread",
            ],
            "{}",
            r.dump()
        );
    }

    fn b_cb_04_write_callbacks_run_in_dummy_threads(p) {
        let r = Run::new(p, "cb04").import(&["basic"]).test_read().run();
        r.assert_clean_exit();
        let writes = r.out("writes.txt");
        let heads: Vec<&str> = writes.lines().filter(|l| l.starts_with("write ")).collect();
        // 5 value lists x 2 write callbacks
        assert_eq!(heads.len(), 10, "{}", r.dump());
        assert_eq!(heads.iter().filter(|l| **l == "write plain Dummy-<N>").count(), 5, "{}", r.dump());
        assert_eq!(
            heads.iter().filter(|l| **l == "write named data=['wdata'] Dummy-<N>").count(),
            5,
            "{}",
            r.dump()
        );
    }

    fn b_exc_02_collectd_error_in_init_is_warning(p) {
        let r = Run::new(p, "exc02").import(&["init_err"]).test_read().run();
        r.assert_clean_exit();
        r.assert_log_order(&[
            "[warning] CollectdError in init callback: init cd err",
            "[warning] Sub in init callback: sub err",
            "[warning] CollectdError in init callback: ",
            "[error] Unhandled python exception in init callback: ValueError: init value err",
            "[info] init_err: all init callbacks ran",
        ]);
        r.assert_no_log("Traceback");
        assert_eq!(
            r.out_lines("obs.txt"),
            ["init_cderr called", "init_sub called", "init_noargs called", "init_value called", "init_last called"],
            "{}",
            r.dump()
        );
    }

    fn b_exc_02_b_exc_03_log_traces_skips_collectd_error(p) {
        let r = Run::new(p, "exc03init")
            .python("LogTraces true\nModulePath \"@PLUGINS@\"\nImport \"init_err\"")
            .test_read()
            .run();
        r.assert_clean_exit();
        let file = common::plugins_dir().join("init_err.py");
        r.assert_log_order(&[
            "[warning] CollectdError in init callback: init cd err",
            "[warning] Sub in init callback: sub err",
            "[warning] CollectdError in init callback: ",
            "[error] Unhandled python exception in init callback: ValueError: init value err",
            "[error] Traceback (most recent call last):",
            &format!(
                "[error]   File \"{}\", line 32, in init_value\n    raise ValueError('init value err')",
                file.display()
            ),
            "[error] ValueError: init value err",
            "[info] init_err: all init callbacks ran",
        ]);
        assert_eq!(r.log_containing("Traceback").len(), 1, "{}", r.dump());
    }

    fn b_exc_03_log_traces_read_and_chained(p) {
        let r = Run::new(p, "exc03read")
            .python("LogTraces true\nModulePath \"@PLUGINS@\"\nImport \"traces\"")
            .test_read()
            .run();
        assert_eq!(r.exit_code(), Some(1), "{}", r.dump());
        let f = common::plugins_dir().join("traces.py").display().to_string();
        r.assert_log_order(&[
            "[error] Unhandled python exception in read callback: ValueError: deep 1",
            "[error] Traceback (most recent call last):",
            // 3.13 underlines a whole-line call too (3.11 only a part of a line)
            &format!(
                "[error]   File \"{f}\", line 11, in read_deep\n    helper(1){}",
                if common::python_at_least(13) { "\n    ~~~~~~^^^" } else { "" }
            ),
            &format!("[error]   File \"{f}\", line 7, in helper\n    raise ValueError('deep %d' % x)"),
            "[error] ValueError: deep 1",
            "[notice] read-function of plugin `python.traces' failed.",
        ]);
        r.assert_log_order(&[
            "[error] Unhandled python exception in read callback: RuntimeError: while handling",
            "[error] Traceback (most recent call last):",
            &format!("[error]   File \"{f}\", line 16, in read_chained\n    {{}}['missing']\n    ~~^^^^^^^^^^^"),
            "[error] KeyError: 'missing'",
            "[error] \nDuring handling of the above exception, another exception occurred:\n",
            "[error] Traceback (most recent call last):",
            &format!("[error]   File \"{f}\", line 18, in read_chained\n    raise RuntimeError('while handling')"),
            "[error] RuntimeError: while handling",
            "[notice] read-function of plugin `python.traces_chained' failed.",
        ]);
    }

    fn b_exc_01_no_traceback_without_log_traces(p) {
        let r = Run::new(p, "exc01").import(&["traces"]).test_read().run();
        assert_eq!(r.exit_code(), Some(1), "{}", r.dump());
        r.assert_log("[error] Unhandled python exception in read callback: ValueError: deep 1");
        r.assert_log("[error] Unhandled python exception in read callback: RuntimeError: while handling");
        r.assert_no_log("Traceback");
    }

    fn b_cb_07_b_bug_18_system_exit_in_log_callback_exits(p) {
        let r = Run::new(p, "cb07").import(&["sysexit"]).test_read().run();
        assert_eq!(r.exit_code(), Some(7), "{}", r.dump());
        assert!(!r.sent_term, "daemon should exit by itself\n{}", r.dump());
        r.assert_log("[info] sysexit: please exit");
        r.assert_no_log("Exiting normally.");
    }

    fn b_shut_02_log_callback_sees_shutdown_messages(p) {
        let r = Run::new(p, "shut02").import(&["logall"]).test_read().run();
        r.assert_clean_exit();
        let lines = r.out_lines("logall.txt");
        assert_eq!(
            lines,
            [
                "5 No read-functions are registered.",
                "6 Exiting normally.",
                "6 collectd: Stopping 5 write threads.",
            ],
            "{}",
            r.dump()
        );
    }

    fn b_shut_02_sigterm_shutdown_in_normal_mode(p) {
        let r = Run::new(p, "shut02term").import(&["logall"]).run();
        r.assert_condition();
        r.assert_clean_exit();
        assert!(r.sent_term && !r.killed, "{}", r.dump());
        r.assert_log_order(&[
            "[info] Initialization complete, entering read-loop.",
            "[info] Exiting normally.",
        ]);
        let lines = r.out_lines("logall.txt");
        assert!(lines.contains(&"6 Exiting normally.".to_string()), "{}", r.dump());
        assert!(lines.contains(&"6 collectd: Stopping 5 write threads.".to_string()), "{}", r.dump());
    }

    fn b_abi_02_extension_modules_load_without_globals(p) {
        let r = Run::new(p, "abi02").globals(false).import(&["abi"]).test_read().run();
        r.assert_clean_exit();
        let obs = r.out_lines("obs.txt");
        // CDPY_ABSENT_MODULES: extension modules the target's CPython was built without
        // (the musl roots have no libffi/OpenSSL, like OpenWrt's python3-light): those
        // must fail to import as missing, every other one must load
        let absent = std::env::var("CDPY_ABSENT_MODULES").unwrap_or_default();
        let absent: Vec<&str> = absent.split_whitespace().collect();
        for m in ["_ctypes", "_decimal", "_json", "math", "_ssl"] {
            if absent.contains(&m) {
                let want = format!("import {m} failed: ModuleNotFoundError");
                assert!(obs.iter().any(|l| l.starts_with(&want)), "{m}\n{}", r.dump());
            } else {
                assert!(obs.contains(&format!("import {m} ok")), "{m}\n{}", r.dump());
            }
        }
        assert!(obs.contains(&"decimal 2.10".to_string()), "{}", r.dump());
        if absent.contains(&"_ctypes") {
            assert!(obs.contains(&"ctypes failed: ModuleNotFoundError".to_string()), "{}", r.dump());
        } else {
            assert!(obs.iter().any(|l| l.starts_with("ctypes sizeof(c_long)=")), "{}", r.dump());
        }
    }
}

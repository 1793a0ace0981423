//! `<Plugin python>` configuration handling (B-CFG, B-CONF, B-INIT, B-NAME).
//! Each test runs against both plugins; expectations observed on the C plugin.

mod common;

use common::{Run, RunResult};

const CONFIG_FAILED: &str = "Error: Parsing the config file failed!";

#[track_caller]
fn assert_config_failed(r: &RunResult) {
    assert_eq!(r.exit_code(), Some(1), "{}", r.dump());
    assert!(r.stderr.contains(CONFIG_FAILED), "{}", r.dump());
    assert!(!r.sent_term, "daemon should exit by itself\n{}", r.dump());
    r.assert_no_log("Exiting normally.");
}

per_plugin! {
    fn b_cfg_08_b_cfg_03_import_failure_fails_config(p) {
        let r = Run::new(p, "cfg08")
            .import(&["no_such_module_xyz", "basic"])
            .test_read()
            .run();
        assert_config_failed(&r);
        r.assert_log_order(&[
            "[error] python plugin: Error importing module \"no_such_module_xyz\".",
            "[error] Unhandled python exception in importing module: ModuleNotFoundError: No module named 'no_such_module_xyz'",
        ]);
        // B-CFG-03: processing continues with the next item.
        let obs = r.out_lines("obs.txt");
        assert_eq!(obs.len(), 1, "{}", r.dump());
        assert!(obs[0].starts_with("import ids="), "{}", r.dump());
        // init never ran
        r.assert_no_log("basic: init");
    }

    fn b_cfg_11_unknown_config_key_fails_config(p) {
        let r = Run::new(p, "cfg11")
            .python("Foo \"bar\"")
            .test_read()
            .run();
        assert_config_failed(&r);
        r.assert_log("[error] python plugin: Unknown config key \"Foo\".");
    }

    fn b_cfg_11_import_arity_error(p) {
        let r = Run::new(p, "cfg11arity")
            .python("Import \"a\" \"b\"")
            .test_read()
            .run();
        assert_config_failed(&r);
        r.assert_log("[error] python plugin: The `Import' option requires exactly one string argument.");
    }

    fn b_cfg_05_b_bug_14_encoding_is_an_error(p) {
        let r = Run::new(p, "cfg05")
            .python("Encoding \"utf-8\"")
            .test_read()
            .run();
        assert_config_failed(&r);
        r.assert_log("[error] python: \"Encoding\" was used in the config file but Python3 was used, which does not support changing encodings");
    }

    fn b_cfg_09_module_without_config_callback_warns(p) {
        let r = Run::new(p, "cfg09")
            .python("ModulePath \"@PLUGINS@\"\nImport \"logall\"\n<Module nothere>\n  a 1\n</Module>")
            .test_read()
            .run();
        r.assert_clean_exit();
        r.assert_log("[warning] python plugin: Found a configuration for the \"nothere\" plugin, but the plugin isn't loaded or didn't register a configuration callback.");
        r.assert_log("[info] Exiting normally.");
    }

    fn b_cfg_09_module_arity_error(p) {
        let r = Run::new(p, "cfg09arity")
            .python("Module 1")
            .test_read()
            .run();
        assert_config_failed(&r);
        r.assert_log("[error] python plugin: The `Module' option requires exactly one string argument.");
    }

    fn b_cfg_10_config_callback_exception_fails_config(p) {
        let r = Run::new(p, "cfg10")
            .python("ModulePath \"@PLUGINS@\"\nImport \"cfg_err\"\n<Module cfg_err>\n</Module>")
            .test_read()
            .run();
        assert_config_failed(&r);
        r.assert_log("[error] Unhandled python exception in loading module: ValueError: cfg fail");
    }

    fn b_cfg_04_boolean_string_values_are_deprecated(p) {
        let r = Run::new(p, "cfg04")
            .python("LogTraces \"yes\"\nInteractive \"no\"")
            .test_read()
            .run();
        r.assert_clean_exit();
        r.assert_log("[warning] python plugin: Using string value `yes' for boolean option `LogTraces' is deprecated and will be removed in future releases. Use unquoted true or false instead.");
        r.assert_log("[warning] python plugin: Using string value `no' for boolean option `Interactive' is deprecated and will be removed in future releases. Use unquoted true or false instead.");
    }

    fn b_cfg_04_interactive_requires_boolean(p) {
        let r = Run::new(p, "cfg04bad")
            .python("Interactive 5")
            .test_read()
            .run();
        assert_config_failed(&r);
        r.assert_log("[error] python plugin: The `Interactive' option requires exactly one boolean argument.");
    }

    fn b_cfg_07_module_path_prepends(p) {
        let r = Run::new(p, "cfg07")
            .python("ModulePath \"@PLUGINS@\"\nModulePath \"@RUNDIR@/later\"\nImport \"syspath\"")
            .test_read()
            .run();
        r.assert_clean_exit();
        let later = r.dir.join("later");
        assert_eq!(
            r.out_lines("obs.txt"),
            [format!("path ['{}', '{}']", later.display(), common::plugins_dir().display())],
            "{}",
            r.dump()
        );
    }

    fn b_cfg_09_b_cfg_10_b_conf_10_config_tree(p) {
        let body = r#"ModulePath "@PLUGINS@"
Import "basic"
<Module basic>
  a "b" 1 true
  <Sub x>
    c 2.5 "str" false
  </Sub>
</Module>
<Module "BASIC_named">
  k -7.25 yes off
</Module>
"#;
        let r = Run::new(p, "conf10").python(body).test_read().run();
        r.assert_clean_exit();
        let obs = r.out_lines("obs.txt");
        let cfg: Vec<&str> = obs
            .iter()
            .map(String::as_str)
            .filter(|l| l.starts_with("config"))
            .collect();
        assert_eq!(
            cfg,
            [
                "config python.basic MainThread",
                "config repr 'Module'<collectd.Config root node >",
                "config tree 'Module' [str:'basic'] parent=None children=tuple",
                "config tree   'a' [str:'b', float:1.0, bool:True] parent='Module' children=tuple",
                "config tree   'Sub' [str:'x'] parent='Module' children=tuple",
                "config tree     'c' [float:2.5, str:'str', bool:False] parent='Sub' children=tuple",
                "config named MainThread data={'k': 1}",
                "config named tree 'Module' [str:'BASIC_named'] parent=None children=tuple",
                "config named tree   'k' [float:-7.25, bool:True, bool:False] parent='Module' children=tuple",
            ],
            "{}",
            r.dump()
        );
        r.assert_log("[info] basic: config callback");
    }

    fn b_init_01_b_init_03_b_init_05_b_init_07_module_facts(p) {
        let r = Run::new(p, "init07").import(&["probe"]).test_read().run();
        r.assert_clean_exit();
        let obs = r.out_lines("obs.txt");
        let expect = [
            "builtin True",
            "file None",
            "doc 'The python interface to collectd'",
            "dir ['CollectdError', 'Config', 'DS_TYPE_ABSOLUTE', 'DS_TYPE_COUNTER', 'DS_TYPE_DERIVE', 'DS_TYPE_GAUGE', 'LOG_DEBUG', 'LOG_ERROR', 'LOG_INFO', 'LOG_NOTICE', 'LOG_WARNING', 'NOTIF_FAILURE', 'NOTIF_OKAY', 'NOTIF_WARNING', 'Notification', 'Signed', 'Unsigned', 'Values', 'debug', 'error', 'flush', 'get_dataset', 'info', 'notice', 'register_config', 'register_flush', 'register_init', 'register_log', 'register_notification', 'register_read', 'register_shutdown', 'register_write', 'unregister_config', 'unregister_flush', 'unregister_init', 'unregister_log', 'unregister_notification', 'unregister_read', 'unregister_shutdown', 'unregister_write', 'warning']",
            "argv ['']",
            &format!("path0 '{}'", common::plugins_dir().display()),
            "path_has_empty False",
            "thread MainThread main=True",
            "consts [('LOG_DEBUG', 7), ('LOG_INFO', 6), ('LOG_NOTICE', 5), ('LOG_WARNING', 4), ('LOG_ERROR', 3), ('NOTIF_FAILURE', 1), ('NOTIF_WARNING', 2), ('NOTIF_OKAY', 4), ('DS_TYPE_COUNTER', 'counter'), ('DS_TYPE_GAUGE', 'gauge'), ('DS_TYPE_DERIVE', 'derive'), ('DS_TYPE_ABSOLUTE', 'absolute')]",
            "CollectdError 'collectd' ['CollectdError', 'Exception', 'BaseException', 'object']",
            "mro ['Values', 'PluginData', 'object']",
        ];
        assert_eq!(&obs[..expect.len().min(obs.len())], &expect[..], "{}", r.dump());
    }

    fn b_name_01_b_name_02_b_reg_13_default_identifiers(p) {
        let r = Run::new(p, "name02").import(&["probe"]).test_read().run();
        r.assert_clean_exit();
        let obs = r.out_lines("obs.txt");
        let ids: Vec<&str> = obs
            .iter()
            .map(String::as_str)
            .filter(|l| l.starts_with("id "))
            .collect();
        assert_eq!(
            ids,
            [
                "id plain 'python.probe'",
                "id named 'python.n1'",
                "id instance 'python.probe'",
                "id partial 'python.functools'",
                "id builtin 'python.builtins'",
                "id anon prefix 'python.0x'",
            ],
            "{}",
            r.dump()
        );
        // the builtin `len` registered as shutdown callback fails when called
        // without arguments (B-CB-10 context)
        r.assert_log("[error] Unhandled python exception in shutdown callback: TypeError: len() takes exactly one argument (0 given)");
    }

    fn b_reg_10_b_reg_13_registration_ids_and_data(p) {
        let r = Run::new(p, "reg10").import(&["basic"]).test_read().run();
        r.assert_clean_exit();
        let obs = r.out_lines("obs.txt");
        assert_eq!(
            obs[0],
            "import ids=['python.basic', 'python.basic_named', 'python.basic', 'python.basic', 'python.basic', 'python.basic_read_named', 'python.basic', 'python.basic_w2', 'python.basic', 'python.basic_log_named', 'python.basic', 'python.basic']",
            "{}",
            r.dump()
        );
        // data=None is passed, omitted data is not (B-REG-10)
        assert!(obs.contains(&"read named data=None MainThread".to_string()), "{}", r.dump());
        assert!(obs.contains(&"read plain MainThread".to_string()), "{}", r.dump());
    }
}

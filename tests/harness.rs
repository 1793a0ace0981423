//! Self-tests of the harness helpers in `tests/common` (no daemon involved,
//! except `harness_config_is_absolute_and_complete` which only renders the
//! config).

mod common;

use common::*;

#[test]
fn harness_strip_timestamp() {
    assert_eq!(
        strip_timestamp(
            "[2026-11-25 09:47:17] plugin_load: plugin \"logfile\" successfully loaded."
        ),
        "plugin_load: plugin \"logfile\" successfully loaded."
    );
    assert_eq!(
        strip_timestamp("[info] Exiting normally."),
        "[info] Exiting normally."
    );
    assert_eq!(strip_timestamp(""), "");
}

#[test]
fn harness_mask_pointers_and_threads() {
    assert_eq!(
        mask_pointers("id python.0x7f110c01e5c0 at 0XABC, not a0x1"),
        "id python.0xADDR at 0xADDR, not a0x1"
    );
    assert_eq!(mask_pointers("0x"), "0x");
    assert_eq!(mask_pointers("é 0xff é"), "é 0xADDR é");
    assert_eq!(
        mask_dummy_threads("write Dummy-12 Dummy-x Dummy-3"),
        "write Dummy-N Dummy-x Dummy-N"
    );
}

#[test]
fn harness_split_messages_keeps_multiline_messages() {
    let log = "[error] Traceback (most recent call last):\n[error]   File \"x.py\", line 1, in f\n    raise E\n[error] \nDuring handling\n\n[info] done\n";
    assert_eq!(
        split_messages(log),
        [
            "[error] Traceback (most recent call last):",
            "[error]   File \"x.py\", line 1, in f\n    raise E",
            "[error] \nDuring handling\n",
            "[info] done",
        ]
    );
    assert_eq!(
        normalize_messages("[info] b Dummy-3\n[info] a 0x12\n", &["drop me"], true),
        ["[info] a 0xADDR", "[info] b Dummy-N"]
    );
    assert_eq!(
        normalize_log("[2026-11-25 09:47:17] x\ndrop me\ny\n", &["drop me"]),
        ["x", "y"]
    );
}

#[test]
fn harness_sorted_blocks() {
    assert_eq!(
        sorted_blocks("b\n  1\na\n  2\n  3\n"),
        ["a\n  2\n  3", "b\n  1"]
    );
}

#[test]
fn harness_csv_reader_strips_dates_and_merges() {
    let root = std::path::Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join("cdpy-harness-csv")
        .join(std::process::id().to_string());
    let _ = std::fs::remove_dir_all(&root);
    let d = root.join("testhost/basic-eth0");
    std::fs::create_dir_all(&d).unwrap();
    std::fs::write(d.join("if_octets-2026-11-25"), "epoch,rx,tx\n1.000,1,2\n").unwrap();
    std::fs::write(d.join("if_octets-2026-11-26"), "epoch,rx,tx\n2.000,3,4\n").unwrap();
    std::fs::write(d.join("gauge-a-b-2026-11-25"), "epoch,value\n1.000,0.5\n").unwrap();
    let csv = read_csv_dir(&root);
    std::fs::remove_dir_all(&root).unwrap();
    assert_eq!(csv.len(), 2);
    assert_eq!(csv[0].key, "testhost/basic-eth0/gauge-a-b");
    assert_eq!(csv[1].key, "testhost/basic-eth0/if_octets");
    assert_eq!(csv[1].header, "epoch,rx,tx");
    assert_eq!(csv[1].values(), [["1", "2"], ["3", "4"]]);
}

#[test]
fn harness_config_is_absolute_and_complete() {
    let dir = std::path::Path::new("/abs/run");
    let conf = Run::new(Plugin::C, "cfg")
        .interval("2.5")
        .log_level("notice")
        .globals(false)
        .extra_before("LoadPlugin unixsock")
        .python("ModulePath \"@PLUGINS@\"\nImport \"x\"")
        .extra_after("# end")
        .config_text(dir);
    let plugins = plugins_dir();
    assert!(plugins.is_absolute());
    for needle in [
        "Hostname \"testhost\"\n",
        "FQDNLookup false\n",
        "BaseDir \"/abs/run\"\n",
        "PIDFile \"/abs/run/collectd.pid\"\n",
        "PluginDir \"/abs/run/plugins\"\n",
        "Interval 2.5\n",
        "  LogLevel notice\n",
        "  File \"/abs/run/collectd.log\"\n",
        "  Timestamp false\n",
        "  PrintSeverity true\n",
        "  DataDir \"/abs/run/csv\"\n",
        "  StoreRates false\n",
        "LoadPlugin unixsock\n<LoadPlugin python>\n  Globals false\n</LoadPlugin>\n<Plugin python>\n",
        &format!("ModulePath \"{}\"\nImport \"x\"\n</Plugin>\n# end\n", plugins.display()),
    ] {
        assert!(conf.contains(needle), "{needle:?} not in\n{conf}");
    }
    let types_db = conf
        .lines()
        .find_map(|l| l.strip_prefix("TypesDB \""))
        .expect("TypesDB line");
    assert!(types_db.starts_with('/'), "{conf}");
    assert!(
        types_db.ends_with("usr/share/collectd/types.db\""),
        "{conf}"
    );
}

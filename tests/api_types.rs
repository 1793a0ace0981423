//! Differential conformance of type-level properties (B-TYPE-01..06),
//! docstrings / help() text, and collectd.Config (B-CONF-01..04):
//! `tests/plugins/api_types.py` runs one probe group in an init callback
//! (`-T` mode) under both plugins.

mod common;

use common::{
    assert_out_has, assert_same_lines, differential_enabled, normalize_messages, run_both, Run,
    RunResult,
};

fn log_ordered(r: &RunResult) -> Vec<String> {
    normalize_messages(&r.log, &[], false)
}

fn run_group(group: &str) -> Option<(RunResult, RunResult)> {
    if !differential_enabled() {
        return None;
    }
    let (c, o) = run_both(|p| {
        Run::new(p, &format!("api_types_{group}"))
            .import(&["api_types"])
            .env("API_GROUPS", group)
            .test_read()
    });
    c.assert_clean_exit();
    o.assert_clean_exit();
    assert_same_lines("log", &c, &o, log_ordered);
    Some((c, o))
}

#[test]
fn diff_b_type_01_05_type_properties() {
    let Some((c, o)) = run_group("types") else {
        return;
    };
    // Static (C) vs heap type shows only in __flags__ (HEAPTYPE); reported,
    // not compared.
    eprintln!(
        "HEAPTYPE:\n C:\n{}\n ours:\n{}",
        c.out("nodiff.txt"),
        o.out("nodiff.txt")
    );
    assert_same_lines("obs.txt", &c, &o, |r| r.out_lines("obs.txt"));
    let unknown_attr = format!(
        "Values set unknown attr !! AttributeError: {}",
        common::cpython::no_attribute_to_set("collectd.Values", "foo")
    );
    assert_out_has(
        &c,
        "obs.txt",
        &[
            "Values names = ('Values', 'Values', 'collectd')",
            "Values mro = ['Values', 'PluginData', 'object']",
            "Signed mro = ['Signed', 'int', 'object']",
            "CollectdError mro = ['CollectdError', 'Exception', 'BaseException', 'object']",
            "Values flags = ['BASETYPE', 'HAVE_GC', 'IMMUTABLETYPE']",
            "Values setattr on type !! TypeError: cannot set 'zz_new' attribute of immutable type 'collectd.Values'",
            "PluginData exported = False",
            &unknown_attr,
            "Values weakref !! TypeError: cannot create weak reference to 'collectd.Values' object",
            "Values pickle !! TypeError: cannot pickle 'collectd.Values' object",
            "Config gc tracked = True",
            "PluginData gc tracked = False",
            "Values.host defined = 'PluginData.getset_descriptor'",
            "Values.time defined = 'PluginData.member_descriptor'",
            "Notification.message defined = 'Notification.getset_descriptor'",
            "subclass Values = ('SubValues', 5, True, True, True, True)",
            "Signed pickle = ('Signed', 7)",
        ],
    );
}

#[test]
fn diff_b_conf_01_04_config_objects() {
    let Some((c, o)) = run_group("conf") else {
        return;
    };
    assert_same_lines("obs.txt", &c, &o, |r| r.out_lines("obs.txt"));
    assert_out_has(
        &c,
        "obs.txt",
        &[
            "conf minimal = (\"'k'<collectd.Config root node >\", None, (), ())",
            "conf no key !! TypeError: function missing required argument 'key' (pos 1)",
            "conf key int !! TypeError: argument 1 must be str",
            "conf child repr = \"'a'<collectd.Config node >\"",
            "conf set key int = (5, \"'5'<collectd.Config root node >\")",
            "conf del parent = (None, \"'5'<collectd.Config root node >\")",
            "conf get deleted key !! AttributeError: 'collectd.Config' object has no attribute 'key'",
            "conf repr deleted key = \"'<NULL>'<collectd.Config root node >\"",
        ],
    );
}

#[test]
fn diff_b_type_06_docstrings() {
    let Some((c, o)) = run_group("docs") else {
        return;
    };
    assert_same_lines("obs.txt (first lines, signatures)", &c, &o, |r| {
        r.out_lines("obs.txt")
    });
    assert_out_has(
        &c,
        "obs.txt",
        &[
            "doc1 module = 'The python interface to collectd'",
            "doc1 register_read = 'register_read(callback[, interval][, data][, name]) -> identifier'",
            "doc1 Values.dispatch = 'dispatch([type][, values][, plugin_instance][, type_instance][, plugin][, host][, time][, interval]) -> None.  Dispatch a value list.'",
            "doc1 Notification.dispatch = 'dispatch([type][, values][, plugin_instance][, type_instance][, plugin][, host][, time][, interval]) -> None.  Dispatch a value list.'",
        ],
    );
    assert_same_lines("docs.txt", &c, &o, |r| r.out_lines("docs.txt"));
}

#[test]
fn diff_b_type_06_help_text() {
    let Some((c, o)) = run_group("help") else {
        return;
    };
    assert_same_lines("help.txt", &c, &o, |r| r.out_lines("help.txt"));
}

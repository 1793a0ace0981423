//! Differential conformance of the module functions: get_dataset (B-DS-01..03),
//! flush (B-FLUSH-01/02, B-CB-09/12), register_* (B-FN preamble,
//! B-REG-10..14), unregister_* (B-UNREG-01..04) and the log functions
//! (B-LOG-01..03). `tests/plugins/api_funcs.py` runs one probe group under
//! both plugins (`-T` mode); probe results, callback invocations and the
//! daemon log must be identical. Texts that the C plugin garbles (B-BUG-02,
//! B-BUG-03) are recorded in nodiff.txt and checked for ours only.

mod common;

use common::{
    assert_out_has, assert_same_lines, differential_enabled, normalize_messages, run_both, Run,
    RunResult,
};

fn log_ordered(r: &RunResult) -> Vec<String> {
    normalize_messages(&r.log, &[], false)
}

fn run_group(group: &str, extra: &str) -> Option<(RunResult, RunResult)> {
    if !differential_enabled() {
        return None;
    }
    let body = format!("ModulePath \"@PLUGINS@\"\nImport \"api_funcs\"\n{extra}");
    let (c, o) = run_both(|p| {
        Run::new(p, &format!("api_funcs_{group}"))
            .python(&body)
            .env("API_GROUPS", group)
            .test_read()
    });
    c.assert_clean_exit();
    o.assert_clean_exit();
    assert_same_lines("obs.txt", &c, &o, |r| r.out_lines("obs.txt"));
    assert_same_lines("log.txt", &c, &o, |r| r.out_lines("log.txt"));
    assert_same_lines("log", &c, &o, log_ordered);
    Some((c, o))
}

#[test]
fn diff_b_ds_01_03_get_dataset() {
    let Some((c, o)) = run_group("ds", "") else {
        return;
    };
    assert_out_has(
        &c,
        "obs.txt",
        &[
            "ds gauge = [('value', 'gauge', None, None)]",
            "ds if_octets = [('rx', 'derive', 0.0, None), ('tx', 'derive', 0.0, None)]",
            // B-DS-02 / B-BUG-11: min/max rounded through C float
            "ds percent = [('value', 'gauge', 0.0, 100.0999984741211)]",
            "ds bitrate = [('value', 'gauge', 0.0, 4294967296.0)]",
            "ds keyword !! TypeError: get_dataset() takes no keyword arguments",
            "ds no args !! TypeError: function takes exactly 1 argument (0 given)",
            "ds unknown type = 'TypeError'",
        ],
    );
    // B-DS-03 / B-BUG-02: the C text is garbled; ours has the intended one
    let long = "x".repeat(200);
    assert_out_has(
        &o,
        "nodiff.txt",
        &[
            "ds unknown !! TypeError: Dataset nope not found",
            "ds empty !! TypeError: Dataset  not found",
            &format!("ds long !! TypeError: Dataset {long} not found"),
        ],
    );
}

#[test]
fn diff_b_flush_01_02_b_cb_09_12_flush() {
    if common::pointer_width() == 32 {
        // The C plugin's flush handler crashes on 32-bit ABIs: check ours alone.
        if !common::Plugin::Ours.should_run() {
            return;
        }
        let o = Run::new(common::Plugin::Ours, "api_funcs_flush32")
            .python("ModulePath \"@PLUGINS@\"\nImport \"api_funcs\"\n")
            .env("API_GROUPS", "flush")
            .test_read()
            .run();
        o.assert_clean_exit();
        assert_out_has(
            &o,
            "obs.txt",
            &[
                "  flush fa timeout=-1 identifier=None data=() thread=main",
                "  flush fa timeout=5 identifier=None data=() thread=main",
                "  flush fb timeout=7 identifier='id' data=('bd',) thread=main",
                "  flush fa timeout=0 identifier=None data=() thread=main",
            ],
        );
        return;
    }
    let Some((c, _o)) = run_group("flush", "") else {
        return;
    };
    assert_out_has(
        &c,
        "obs.txt",
        &[
            // collectd.flush(): timeout -1 (B-BUG-01/B-CB-12), identifier None
            "  flush fa timeout=-1 identifier=None data=() thread=main",
            "  flush fb timeout=-1 identifier=None data=('bd',) thread=main",
            "  flush fa timeout=5 identifier=None data=() thread=main",
            "flush timeout=2**40 !! OverflowError: signed integer is greater than maximum",
            "flush timeout=str !! TypeError: 'str' object cannot be interpreted as an integer",
            "flush plugin=None !! TypeError: argument 1 must be str, bytes or bytearray, not None",
            "  flush fb timeout=7 identifier='id' data=('bd',) thread=main",
        ],
    );
    // flush(plugin='python.fa') reaches fa only; 'python.FA' and 'fa' nothing
    let obs = c.out_lines("obs.txt");
    let at = |label: &str| obs.iter().position(|l| l == label).expect(label);
    let fa = at("flush plugin=python.fa = None");
    assert_eq!(
        obs[fa - 1..fa + 3],
        [
            "  flush fa timeout=-1 identifier=None data=() thread=main",
            "flush plugin=python.fa = None",
            "flush plugin=python.FA = None",
            "flush plugin=fa = None",
        ],
        "{}",
        c.dump()
    );
    // shutdown flush (B-SHUT-01 step 4): timeout 0, main thread, after reads
    let rd = at("# read done");
    assert_eq!(
        obs[rd + 1..],
        [
            "  flush fa timeout=0 identifier=None data=() thread=main",
            "  flush fb timeout=0 identifier=None data=('bd',) thread=main",
            "  flush fr timeout=0",
        ],
        "{}",
        c.dump()
    );
    c.assert_log(
        "[error] Unhandled python exception in flush callback: ValueError: flush failed 0",
    );
}

#[test]
fn diff_b_fn_b_reg_10_14_register() {
    let Some((c, _o)) = run_group("reg", "<Module cfgname>\n  a 1\n</Module>") else {
        return;
    };
    assert_out_has(
        &c,
        "obs.txt",
        &[
            "reg init no args !! TypeError: function missing required argument 'callback' (pos 1)",
            "reg init non-callable !! TypeError: callback needs a be a callable object.",
            "reg init name=None !! TypeError: argument 3 must be str, bytes or bytearray, not None",
            "reg read name=None !! TypeError: argument 4 must be str, bytes or bytearray, not None",
            "reg init 4 args !! TypeError: function takes at most 3 arguments (4 given)",
            "reg read interval str !! TypeError: must be real number, not str",
            "reg read interval None !! TypeError: must be real number, not NoneType",
            "reg read data as interval !! TypeError: must be real number, not list",
            "reg init named = 'python.named'",
            "reg init named long = 511",
            "reg init instance = 'python.api_funcs'",
            // data omitted vs None (B-REG-10), LIFO init order (B-REG-01)
            "  called init data None args=(None,)",
            "  called init plain args=()",
            "  called read data None args=(None,)",
            "  called config named args=(\"<Config 'Module'>\", 'cdata')",
            "  called write dup second args=(collectd.Values(type='gauge',plugin='apireg',host='testhost',values=[1.0]),)",
        ],
    );
    if common::pointer_width() == 64 {
        assert_out_has(&c, "obs.txt", &["  called flush kw args=(0, None)"]);
    }
    c.assert_log("[warning] python plugin: register_callback: a callback named `python.wdup' already exists - overwriting the old entry!");
}

#[test]
fn diff_b_reg_02_b_bug_13_duplicate_read() {
    let Some((c, _o)) = run_group("regdup", "") else {
        return;
    };
    assert_out_has(
        &c,
        "obs.txt",
        &[
            "reg read dup second = 'python.rdup'",
            "  called read dup first args=()",
        ],
    );
    c.assert_log("[warning] python plugin: The read function \"python.rdup\" is already registered. Check for duplicates in your configuration!");
}

#[test]
fn diff_b_unreg_01_04_unregister() {
    let Some((c, o)) = run_group("unreg", "<Module cfgname>\n  a 1\n</Module>") else {
        return;
    };
    assert_out_has(
        &c,
        "obs.txt",
        &[
            "unreg read no args !! TypeError: collectd.unregister_read() takes exactly one argument (0 given)",
            "unreg read keyword !! TypeError: collectd.unregister_read() takes no keyword arguments",
            "unreg init int !! TypeError: This function needs a string or a callable object as its only parameter.",
            "unreg read str unknown !! RuntimeError: Unable to unregister read callback 'python.nothere'.",
            "unreg init callable unknown !! RuntimeError: Unable to unregister init callback 'python.mod_nothere'.",
            "unreg init by str = ('python.gone_s', None)",
            "unreg read named by callable !! RuntimeError: Unable to unregister read callback 'python.mod_read_kept_named'.",
            // duplicates: the newest entry goes (B-UNREG-03)
            "  called init dup args=('old',)",
            "unreg write to gone !! RuntimeError: error dispatching values, read the logs",
        ],
    );
    c.assert_log("[warning] plugin_unregister_read: No such read function: python.rcase");
    // B-UNREG-03 / B-BUG-03: C may garble these; ours has the intended text
    let mut want = Vec::new();
    for k in ["config", "init", "shutdown"] {
        want.push(format!(
            "unreg {k} str unknown !! RuntimeError: Unable to unregister {k} callback 'python.nothere'."
        ));
        want.push(format!(
            "unreg {k} str short !! RuntimeError: Unable to unregister {k} callback 'nothere'."
        ));
    }
    let want: Vec<&str> = want.iter().map(String::as_str).collect();
    assert_out_has(&o, "nodiff.txt", &want);
}

#[test]
fn diff_b_log_01_03_log_functions() {
    let Some((c, _o)) = run_group("log", "") else {
        return;
    };
    assert_out_has(
        &c,
        "obs.txt",
        &[
            "info keyword !! TypeError: info() takes no keyword arguments",
            "debug keyword !! TypeError: debug() takes no keyword arguments",
            "info no args !! TypeError: function takes exactly 1 argument (0 given)",
            "info two args !! TypeError: function takes exactly 1 argument (2 given)",
            "debug int !! TypeError: argument 1 must be str, bytes or bytearray, not int",
            "info str = None",
        ],
    );
    c.assert_log("[info] apilog info via info %d");
    c.assert_no_log("apilog debug");
    assert_out_has(
        &c,
        "log.txt",
        &[
            "  log 6 'apilog info via info %d' ('ldata',)",
            "  log 6 b'apilog \\xff\\xfe' ()",
        ],
    );
}

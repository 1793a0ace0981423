//! Every kind of CPython entry point is trapped (src/module/trap.rs): a panic in
//! it (forced here with CDPY_PANIC_IN, which only debug builds honour) becomes a
//! SystemError in the script and an ERROR in collectd's log, and collectd goes on
//! (the script's read callback still dispatches). Ours only: the C plugin has no
//! such probe. Where the entry point cannot raise (tp_traverse, tp_dealloc), the
//! panic is logged and the script sees no exception.
mod common;
use common::*;

/// Runs `case` of tests/plugins/traps.py with the trampoline `entry` panicking.
fn trapped(case: &str, entry: &str, raises: bool) {
    if !Plugin::Ours.should_run() {
        return;
    }
    let r = Run::new(Plugin::Ours, &format!("trap_{case}"))
        .import(&["traps"])
        .env("TRAP_CASE", case)
        .env("CDPY_PANIC_IN", entry)
        .until(Until::Fn(Box::new(|p| {
            p.csv().iter().any(|f| f.key.contains("traps/gauge-alive"))
        })))
        .run();
    r.assert_clean_exit();
    assert!(
        r.condition_met,
        "collectd stopped dispatching after the panic\n{}",
        r.dump()
    );
    let panic = format!("panic in {entry}: test panic (CDPY_PANIC_IN)");
    r.assert_log(&format!("[error] python: {panic}"));
    let want = if raises {
        format!("{case}: SystemError: {panic}")
    } else {
        format!("{case}: no exception")
    };
    assert_out_has(&r, "obs.txt", &[want.as_str()]);
    assert!(
        r.out("obs.txt")
            .contains("after: collectd.Values(type='gauge',plugin='traps'"),
        "{}",
        r.dump()
    );
}

#[test]
fn ours_b_fn_01_trap_module_function() {
    trapped("module_function", "collectd.log_info", true);
}

#[test]
fn ours_b_reg_01_trap_keyword_module_function() {
    trapped("kw_module_function", "collectd.register_flush", true);
}

#[test]
fn ours_b_unreg_01_trap_single_argument_module_function() {
    trapped("o_module_function", "collectd.unregister_read", true);
}

#[test]
fn ours_b_ds_01_trap_get_dataset() {
    trapped("get_dataset", "collectd.get_dataset", true);
}

#[test]
fn ours_b_notif_10_trap_method() {
    trapped("method", "Notification.dispatch", true);
}

#[test]
fn ours_b_type_01_trap_tp_new() {
    trapped("tp_new", "Notification.tp_new", true);
}

#[test]
fn ours_b_notif_02_trap_tp_init() {
    trapped("tp_init", "Notification.tp_init", true);
}

#[test]
fn ours_b_notif_01_trap_tp_repr() {
    trapped("tp_repr", "Notification.tp_repr", true);
}

#[test]
fn ours_b_pd_01_trap_getter() {
    trapped("getter", "PluginData.get_string", true);
}

#[test]
fn ours_b_pd_02_trap_setter() {
    trapped("setter", "PluginData.set_string", true);
}

#[test]
fn ours_b_type_02_trap_tp_traverse() {
    trapped("traverse", "Values.tp_traverse", false);
}

#[test]
fn ours_b_conf_01_trap_tp_dealloc() {
    trapped("dealloc", "Config.tp_dealloc", false);
}

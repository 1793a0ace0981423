//! Differential conformance of collectd.Notification (B-NOTIF-01..05, 10, 11),
//! notification callbacks (B-CB-06) and notification meta (B-META-02/11):
//! `tests/plugins/api_notif.py` runs one probe group in an init callback
//! (`-T` mode) under both plugins; the probe results, what the Python
//! notification callbacks saw and the daemon log must be identical.

mod common;

use common::{
    assert_out_has, assert_same_lines, differential_enabled, normalize_log, normalize_messages,
    run_both, Run, RunResult,
};

fn log_ordered(r: &RunResult) -> Vec<String> {
    normalize_messages(&r.log, &[], false)
}

fn run_group(group: &str, tweak: impl Fn(Run) -> Run + Sync) -> Option<(RunResult, RunResult)> {
    if !differential_enabled() {
        return None;
    }
    let (c, o) = run_both(|p| {
        tweak(
            Run::new(p, &format!("api_notif_{group}"))
                .import(&["api_notif"])
                .env("API_GROUPS", group)
                .test_read(),
        )
    });
    c.assert_clean_exit();
    o.assert_clean_exit();
    assert_same_lines("obs.txt", &c, &o, |r| r.out_lines("obs.txt"));
    assert_same_lines("log", &c, &o, log_ordered);
    Some((c, o))
}

#[test]
fn diff_b_notif_01_05_notification_objects() {
    let Some((c, _o)) = run_group("object_probes", |r| r) else {
        return;
    };
    let interval_kw = format!(
        "n interval kw !! TypeError: {}",
        common::cpython::unknown_keyword("this function", "interval")
    );
    assert_out_has(
        &c,
        "obs.txt",
        &[
            "n default repr = \"collectd.Notification(type='')\"",
            "n full repr = \"collectd.Notification(type='gauge',type_instance='ti',plugin='pl',plugin_instance='pi',host='h',time=1.0,severity=2,message='m',meta={'a': True})\"",
            &interval_kw,
            "n message 300 = 255",
            "n severity float !! TypeError: 'float' object cannot be interpreted as an integer",
            "n meta None = \"collectd.Notification(type='',meta=None)\"",
            "n subclass repr = \"MyN(type='gauge',severity=4,message='x')\"",
            "n del message !! TypeError: Cannot delete this attribute",
            "n set message int !! TypeError: expected bytes, int found",
        ],
    );
    // T_INT setter: truncation warning where C long is 64-bit, overflow on 32-bit.
    let severity = if common::pointer_width() == 32 {
        "n set severity 2**40 !! OverflowError: Python int too large to convert to C long"
    } else {
        "n set severity 2**40 = 0 [warn RuntimeWarning: Truncation of value to int]"
    };
    assert_out_has(&c, "obs.txt", &[severity]);
}

#[test]
fn diff_b_notif_10_b_cb_06_dispatch() {
    let Some((c, _o)) = run_group("dispatch_probes", |r| r) else {
        return;
    };
    assert_out_has(
        &c,
        "obs.txt",
        &[
            "ndispatch type not set meta bad !! RuntimeError: type not set",
            "ndispatch type unknown before meta !! TypeError: Dataset bad not found",
            "ndispatch meta int !! TypeError: meta must be a dict",
            // synchronous delivery, in the dispatching (main) thread, with
            // host/plugin defaults and time=0 replaced by "now"
            "  seen Notification host='testhost' plugin='python' plugin_instance='' type='gauge' type_instance='' severity=0 message='' time_is_float=True meta=[] time=now main=True data='ndata'",
            "ndispatch minimal = None",
            "ndispatch object unchanged = \"collectd.Notification(type='gauge',plugin='po',severity=1,message='orig',meta={'a': 1})\"",
        ],
    );
    c.assert_log("[error] Unhandled python exception in notification callback: ValueError: notification cb failed");
    c.assert_log("[info] Notification: severity = UNKNOWN, host = testhost, plugin = apin, type = gauge, message = sev0");
}

#[test]
fn diff_b_meta_02_b_meta_11_notification_meta() {
    let Some((c, _o)) = run_group("meta_probes", |r| r) else {
        return;
    };
    assert_out_has(
        &c,
        "obs.txt",
        &[
            // B-META-11 example types
            "  seen Notification host='testhost' plugin='apin' plugin_instance='' type='gauge' type_instance='' severity=0 message='types' time_is_float=True meta=['k'=str:'v', 'n'=collectd.Signed:3, 'u'=collectd.Unsigned:9223372036854775808, 'f'=float:0.5, 'b'=bool:False, 'i'=collectd.Signed:5, 'big'=collectd.Unsigned:9223372036854775808, 't'=bool:True] time=now main=True data=None",
            // notification meta is not case-insensitive; duplicates: later wins
            "  seen Notification host='testhost' plugin='apin' plugin_instance='' type='gauge' type_instance='' severity=0 message='case' time_is_float=True meta=['A'=collectd.Signed:1, 'a'=collectd.Signed:2] time=now main=True data=None",
            "  seen Notification host='testhost' plugin='apin' plugin_instance='' type='gauge' type_instance='' severity=0 message='dup str/bytes' time_is_float=True meta=['k'=str:'second'] time=now main=True data=None",
        ],
    );
    c.assert_log("[error] Unhandled python exception in building meta data: OverflowError: can't convert negative int to unsigned");
}

#[test]
fn diff_b_notif_11_no_notification_consumer() {
    for never_registered in [false, true] {
        let Some((c, o)) = run_group("nocb_probes", |r| {
            let r = r.no_logfile();
            if never_registered {
                r.env("API_NO_NOTIF_CB", "1")
            } else {
                r
            }
        }) else {
            return;
        };
        assert_same_lines("stderr", &c, &o, |r| normalize_log(&r.stderr, &[]));
        let want = if never_registered {
            "ndispatch no consumer !! RuntimeError: error dispatching notification, read the logs"
        } else {
            "ndispatch no consumer = None"
        };
        assert_out_has(&c, "obs.txt", &[want]);
    }
}

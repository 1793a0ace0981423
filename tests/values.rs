//! Values dispatch, write callbacks, meta data and logging functions
//! (B-VAL, B-CB-05, B-META, B-LOG). Both plugins; expectations observed on
//! the C plugin.

mod common;

use common::{sorted_blocks, Run};

fn basic_run(p: common::Plugin, name: &str) -> common::RunResult {
    let r = Run::new(p, name).import(&["basic"]).test_read().run();
    r.assert_clean_exit();
    r
}

/// The write block (from writes.txt) of the plain write callback for `ty`.
fn write_block(r: &common::RunResult, which: &str, ty: &str) -> String {
    let blocks = sorted_blocks(&r.out("writes.txt"));
    let found: Vec<&String> = blocks
        .iter()
        .filter(|b| b.starts_with(which) && b.contains(&format!("type={ty:?}").replace('"', "'")))
        .collect();
    assert_eq!(found.len(), 1, "block {which} {ty}\n{}", r.dump());
    found[0].clone()
}

per_plugin! {
    fn b_val_10_b_val_11_dispatch_reaches_csv(p) {
        let r = basic_run(p, "val10");
        let csv = r.csv_normalized();
        let got: Vec<(String, String, Vec<Vec<String>>)> = csv
            .into_iter()
            .map(|(k, (h, rows))| (k, h, rows))
            .collect();
        let s = |v: &[&str]| v.iter().map(|x| x.to_string()).collect::<Vec<_>>();
        assert_eq!(
            got,
            vec![
                ("testhost/basic-eth0/if_octets".to_string(), "epoch,rx,tx".to_string(), vec![s(&["1000", "2000"])]),
                ("testhost/basic/counter-c".to_string(), "epoch,value".to_string(), vec![s(&["12"])]),
                ("testhost/basic/derive-d".to_string(), "epoch,value".to_string(), vec![s(&["-5"])]),
                ("testhost/basic/gauge-x".to_string(), "epoch,value".to_string(), vec![s(&["42.500000"])]),
                (
                    "testhost/basic/load-l".to_string(),
                    "epoch,shortterm,midterm,longterm".to_string(),
                    vec![s(&["0.500000", "1.000000", "1.500000"])]
                ),
            ],
            "{}",
            r.dump()
        );
        // every row has an epoch with millisecond precision
        for f in r.csv() {
            for row in &f.rows {
                let (secs, frac) = row[0].split_once('.').expect("epoch");
                assert!(secs.parse::<u64>().is_ok() && frac.len() == 3, "{row:?}");
            }
        }
    }

    fn b_cb_05_write_callback_values_object(p) {
        let r = basic_run(p, "cb05");
        assert_eq!(
            write_block(&r, "write plain", "gauge"),
            "write plain Dummy-<N>
  class=collectd.Values
  repr=collectd.Values(type='gauge',type_instance='x',plugin='basic',host='testhost',time=<T>,interval=1.0,values=[42.5])
  host='testhost' plugin='basic' plugin_instance='' type='gauge' type_instance='x'
  time_type=float interval=1.0
  values=[42.5] types=['float']
  meta={}
  meta_types=[]",
            "{}",
            r.dump()
        );
        assert_eq!(
            write_block(&r, "write plain", "load"),
            "write plain Dummy-<N>
  class=collectd.Values
  repr=collectd.Values(type='load',type_instance='l',plugin='basic',host='testhost',time=<T>,interval=1.0,values=[0.5, 1.0, 1.5])
  host='testhost' plugin='basic' plugin_instance='' type='load' type_instance='l'
  time_type=float interval=1.0
  values=[0.5, 1.0, 1.5] types=['float', 'float', 'float']
  meta={}
  meta_types=[]",
            "{}",
            r.dump()
        );
        assert_eq!(
            write_block(&r, "write named", "counter"),
            "write named data=['wdata'] Dummy-<N>
  class=collectd.Values
  repr=collectd.Values(type='counter',type_instance='c',plugin='basic',host='testhost',time=<T>,interval=1.0,values=[12])
  host='testhost' plugin='basic' plugin_instance='' type='counter' type_instance='c'
  time_type=float interval=1.0
  values=[12] types=['int']
  meta={}
  meta_types=[]",
            "{}",
            r.dump()
        );
        assert_eq!(
            write_block(&r, "write plain", "derive"),
            "write plain Dummy-<N>
  class=collectd.Values
  repr=collectd.Values(type='derive',type_instance='d',plugin='basic',host='testhost',time=<T>,interval=1.0,values=[-5])
  host='testhost' plugin='basic' plugin_instance='' type='derive' type_instance='d'
  time_type=float interval=1.0
  values=[-5] types=['int']
  meta={}
  meta_types=[]",
            "{}",
            r.dump()
        );
    }

    fn b_meta_01_b_meta_10_meta_round_trip(p) {
        let r = basic_run(p, "meta10");
        for which in ["write plain", "write named"] {
            let b = write_block(&r, which, "if_octets");
            let lines: Vec<&str> = b.lines().skip(2).collect();
            assert_eq!(
                lines,
                [
                    "  repr=collectd.Values(type='if_octets',plugin='basic',plugin_instance='eth0',host='testhost',time=<T>,interval=1.0,values=[1000, 2000],meta={'a': 1, 'b': 'str', 'c': 1.5, 'd': True, 's': -3, 'u': 7})",
                    "  host='testhost' plugin='basic' plugin_instance='eth0' type='if_octets' type_instance=''",
                    "  time_type=float interval=1.0",
                    "  values=[1000, 2000] types=['int', 'int']",
                    "  meta={'a': 1, 'b': 'str', 'c': 1.5, 'd': True, 's': -3, 'u': 7}",
                    "  meta_types=[('a', 'collectd.Signed'), ('b', 'builtins.str'), ('c', 'builtins.float'), ('d', 'builtins.bool'), ('s', 'collectd.Signed'), ('u', 'collectd.Unsigned')]",
                ],
                "{}",
                r.dump()
            );
        }
    }

    fn b_log_01_b_log_02_b_log_03_log_levels(p) {
        let r = basic_run(p, "log02");
        r.assert_log_order(&[
            "[error] basic: level error",
            "[warning] basic: level warning",
            "[notice] basic: level notice",
            "[info] basic: level info",
            "[info] basic: literal %s %d",
        ]);
        // debug() is validated but discarded by the daemon (B-LOG-03)
        r.assert_no_log("level debug");
        let mut lines = r.out_lines("logcb.txt");
        lines.sort();
        assert_eq!(
            lines,
            [
                "log named data='ldata' 3 basic: level error",
                "log named data='ldata' 4 basic: level warning",
                "log named data='ldata' 5 basic: level notice",
                "log named data='ldata' 6 basic: init",
                "log named data='ldata' 6 basic: level info",
                "log named data='ldata' 6 basic: literal %s %d",
                "log plain 3 str basic: level error",
                "log plain 4 str basic: level warning",
                "log plain 5 str basic: level notice",
                "log plain 6 str basic: init",
                "log plain 6 str basic: level info",
                "log plain 6 str basic: literal %s %d",
            ],
            "{}",
            r.dump()
        );
    }
}

//! The `collectd` module driven without the daemon: a fake `Host` records what
//! scripts dispatch, so the Python-facing behaviour is testable in-process.
use crate::host::{self, Callback, DataSource, DispatchError, Host, Kind, ThreadMain};
use crate::meta::{CText, MetaValue};
use crate::values::{DsType, DsTypes, Notification, Value, ValueList};
use core::ffi::CStr;
use pyo3_ffi::*;
use std::ffi::CString;
use std::sync::Mutex;

#[derive(Debug, PartialEq)]
struct Seen {
    what: String,
    values: Vec<Value>,
    meta: Vec<(String, String)>,
}

#[derive(Default)]
struct FakeHost {
    seen: Mutex<Vec<Seen>>,
    logs: Mutex<Vec<(i32, String)>>,
    reads: Mutex<Vec<(String, Box<dyn Callback>)>>,
}

fn s(c: &CStr) -> String {
    c.to_string_lossy().into_owned()
}

fn fake_types(type_: &CStr) -> Option<&'static [i32]> {
    match type_.to_bytes() {
        b"gauge" => Some(&[1]),
        b"if_octets" => Some(&[2, 2]),
        _ => None,
    }
}

impl Host for FakeHost {
    fn log(&self, level: i32, msg: &CStr) {
        self.logs.lock().unwrap().push((level, s(msg)));
    }
    fn ds_types(&self, type_: &CStr, d: &mut DsTypes) -> bool {
        let Some(types) = fake_types(type_) else {
            return false;
        };
        d.count = types.len();
        d.types.clear();
        d.types.extend_from_slice(types).unwrap();
        true
    }
    fn data_set(&self, _: &CStr, _: &mut dyn FnMut(DataSource<'_>)) -> bool {
        false
    }
    fn dispatch_values(&self, vl: &mut ValueList) -> Result<(), DispatchError> {
        let types = fake_types(vl.type_.as_cstr()).unwrap_or(&[]);
        let meta = vl
            .meta
            .iter()
            .map(|(k, v)| (s(k.to_cstr()), format!("{:?}", v.map(CText::to_cstr))))
            .collect();
        self.seen.lock().unwrap().push(Seen {
            what: format!(
                "{}/{}/{}",
                String::from_utf8_lossy(vl.plugin.as_bytes()),
                String::from_utf8_lossy(vl.type_.as_bytes()),
                String::from_utf8_lossy(vl.type_instance.as_bytes())
            ),
            values: vl
                .values()
                .iter()
                .zip(types)
                .map(|(v, t)| v.get(DsType::from_raw(*t).unwrap()))
                .collect(),
            meta,
        });
        Ok(())
    }
    fn write_values(&self, _: &CStr, _: &mut ValueList) -> Result<(), DispatchError> {
        Err(DispatchError::Failed)
    }
    fn dispatch_notification(&self, _: &mut Notification) -> Result<(), DispatchError> {
        Err(DispatchError::Failed)
    }
    fn flush(&self, _: Option<&CStr>, _: u64, _: Option<&CStr>) {}
    fn now(&self) -> u64 {
        1 << 30
    }
    fn register(
        &self,
        kind: Kind,
        id: &CStr,
        _: u64,
        cb: Box<dyn Callback>,
    ) -> Result<(), Box<dyn Callback>> {
        if kind != Kind::Read {
            return Err(cb);
        }
        self.reads.lock().unwrap().push((s(id), cb));
        Ok(())
    }
    fn unregister(&self, _: Kind, _: &CStr) -> bool {
        false
    }
    fn spawn(&self, _: &CStr, _: ThreadMain, _: *mut core::ffi::c_void) -> bool {
        false
    }
}

fn run(code: &str) -> i32 {
    let c = CString::new(code).unwrap();
    // SAFETY: the test thread holds the GIL since interpreter::start().
    unsafe { PyRun_SimpleString(c.as_ptr()) }
}

/// One test: CPython can be initialised once per process.
#[test]
fn module_runs_without_the_daemon() {
    let fake: &'static FakeHost = Box::leak(Box::default());
    host::install(fake);
    crate::module::start_python().expect("python starts");

    // B-VAL-10/11 + B-META-01: a dispatch reaches the host as a staged list.
    let dispatch = r#"
import collectd
collectd.Values(type='if_octets', plugin='p', type_instance='eth0',
                meta={'s': 'x', 'n': collectd.Signed(-2), 'b': True, 'f': 0.5}
                ).dispatch(values=[1, '2'])
"#;
    assert_eq!(run(dispatch), 0);
    // Errors are Python exceptions with the C plugin's texts.
    let errors = r#"
import collectd
for args, want in [
        (dict(type='gauge', values=[1, 2]), 'type gauge needs 1 values, got 2'),
        (dict(type='nope', values=[1]), 'Dataset nope not found'),
        (dict(values=[1]), 'type not set')]:
    try:
        collectd.Values(plugin='e').dispatch(**args)
    except Exception as e:
        assert str(e) == want, (str(e), want)
    else:
        raise AssertionError(args)
"#;
    assert_eq!(run(errors), 0);
    // B-META-01: no limit the C plugin lacks: a 100-key dict with a 5,000-byte
    // string is dispatched whole (past the fixed pool, on the heap).
    let big_meta = r#"
import collectd
meta = {'k%03d' % i: i for i in range(100)}
meta['long'] = 'v' * 5000
collectd.Values(type='gauge', plugin='big', values=[1]).dispatch(meta=meta)
"#;
    assert_eq!(run(big_meta), 0);
    // A read callback registered from Python runs through the registry.
    let read = r#"
import collectd
def rd(data):
    collectd.Values(type='gauge', plugin='r', values=[data]).dispatch()
collectd.register_read(rd, 10, 7.5)
"#;
    assert_eq!(run(read), 0);
    let cb = fake
        .reads
        .lock()
        .unwrap()
        .pop()
        .expect("read callback registered");
    assert_eq!(cb.0, "python.__main__");
    assert_eq!(cb.1.read(), 0);

    let seen = fake.seen.lock().unwrap();
    assert_eq!(seen.len(), 3, "{seen:?}");
    assert_eq!(seen[0].what, "p/if_octets/eth0");
    assert_eq!(seen[0].values, vec![Value::Derive(1), Value::Derive(2)]);
    let meta: Vec<_> = seen[0]
        .meta
        .iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect();
    assert_eq!(
        meta,
        [
            format!("s={:?}", MetaValue::String(c"x")),
            format!("n={:?}", MetaValue::Signed(-2)),
            format!("b={:?}", MetaValue::Boolean(true)),
            format!("f={:?}", MetaValue::Double(0.5)),
        ]
    );
    assert_eq!(seen[1].what, "big/gauge/");
    assert_eq!(seen[1].meta.len(), 101);
    assert_eq!(seen[1].meta[99].0, "k099");
    assert_eq!(seen[1].meta[99].1, format!("{:?}", MetaValue::Signed(99)));
    assert_eq!(seen[1].meta[100].0, "long");
    assert_eq!(seen[1].meta[100].1.len(), 5000 + r#"String("")"#.len());
    assert_eq!(seen[2].what, "r/gauge/");
    assert_eq!(seen[2].values, vec![Value::Gauge(7.5)]);
    assert!(fake.logs.lock().unwrap().is_empty());
    drop(seen);

    // A panic in an entry point unwinds to its trampoline (on every target: the
    // unit tests run under qemu too) and becomes a SystemError, logged.
    let r = crate::python::trap::object(c"test.entry", |_| panic!("on purpose"));
    assert!(r.is_null());
    // SAFETY: the test thread holds the GIL; PyErr_Occurred borrows.
    unsafe {
        let e = PyErr_Occurred();
        assert!(!e.is_null() && PyErr_GivenExceptionMatches(e, PyExc_SystemError) != 0);
        PyErr_Clear();
    }
    let logs = fake.logs.lock().unwrap();
    assert_eq!(logs.len(), 1, "{logs:?}");
    assert_eq!(logs[0].0, crate::host::LOG_ERR);
    assert!(
        logs[0]
            .1
            .contains("python: panic in test.entry: on purpose"),
        "{logs:?}"
    );
}

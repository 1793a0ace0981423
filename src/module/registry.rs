//! Registered Python callbacks: identifiers (B-NAME), the plugin-owned lists
//! for config/init/shutdown (B-REG-01 a), hand-over of read/write/log
//! callbacks to the host (B-REG-01 b), and how each kind is invoked (B-CB).
use crate::host::{host, Kind, Received, ReceivedNotification};
use crate::interpreter::{self, with_gil};
use crate::meta::{Meta, MetaPool, MetaValue};
use crate::module::{notification as pynotif, signed, values as pyvalues};
use crate::python::errors::log_exception;
use crate::python::kwlist;
use crate::python::Gil;
use crate::python::{as_text, log_released, set_error, text_from_c, ArgStr, Line, Owned};
use crate::values::{cdtime_to_double, Value};
use core::ffi::{c_char, CStr};
use core::fmt::Write as _;
use pyo3_ffi::*;
use std::ffi::CString;
use std::sync::Mutex;

/// A registered callable with its optional data object and identifier.
pub struct Callback {
    pub id: CString,
    callable: *mut PyObject,
    data: *mut PyObject,
}

// SAFETY: the raw pointers are only dereferenced with the GIL held (call_* and
// Drop take it), which serialises all access across threads.
unsafe impl Send for Callback {}
// SAFETY: as above; collectd calls read/write/log concurrently but every use of
// the pointers happens under the GIL.
unsafe impl Sync for Callback {}

impl Callback {
    /// # Safety
    /// `callable` valid; `data` valid or NULL (omitted).
    unsafe fn new(
        _py: Gil<'_>,
        id: CString,
        callable: *mut PyObject,
        data: *mut PyObject,
    ) -> Box<Callback> {
        // SAFETY: per contract.
        unsafe {
            Py_INCREF(callable);
            if !data.is_null() {
                Py_INCREF(data);
            }
        }
        interpreter::callback_created();
        Box::new(Callback { id, callable, data })
    }

    /// New references to the callable and data.
    fn refs<'py>(&self, py: Gil<'py>) -> (Owned<'py>, Option<Owned<'py>>) {
        // SAFETY: the token proves the GIL; `callable` (and `data`, when not NULL)
        // are live objects this Callback holds a reference to until it drops.
        unsafe {
            (
                Owned::borrowed(py, self.callable),
                (!self.data.is_null()).then(|| Owned::borrowed(py, self.data)),
            )
        }
    }
}

/// What collectd calls (through `daemon`'s shims).
impl crate::host::Callback for Callback {
    fn read(&self) -> i32 {
        call_read(self)
    }
    fn write(&self, vl: &dyn Received) -> i32 {
        call_write(self, vl)
    }
    fn log(&self, severity: i32, msg: &CStr) {
        call_log(self, severity, msg)
    }
    fn notification(&self, n: &dyn ReceivedNotification) -> i32 {
        call_notification(self, n);
        0
    }
    fn flush(&self, timeout: i32, identifier: Option<&CStr>) -> i32 {
        call_flush(self, timeout, identifier);
        0
    }
}

impl Drop for Callback {
    fn drop(&mut self) {
        let (c, d) = (self.callable, self.data);
        // If Python is gone the objects died with it; nothing to release.
        with_gil(|py| {
            // SAFETY: the token proves the GIL; we own one reference to each.
            unsafe {
                Py_DECREF(c);
                if !d.is_null() {
                    Py_DECREF(d);
                }
                interpreter::callback_released(py);
            }
        });
    }
}

/// Plugin-owned lists (newest last; iterated newest first).
struct Lists {
    config: Vec<Callback>,
    init: Vec<Callback>,
    shutdown: Vec<Callback>,
}

static LISTS: Mutex<Lists> = Mutex::new(Lists {
    config: Vec::new(),
    init: Vec::new(),
    shutdown: Vec::new(),
});

#[derive(Clone, Copy)]
pub enum ListKind {
    Config,
    Init,
    Shutdown,
}

impl ListKind {
    fn word(self) -> &'static str {
        match self {
            ListKind::Config => "config",
            ListKind::Init => "init",
            ListKind::Shutdown => "shutdown",
        }
    }
}

fn with_list<R>(k: ListKind, f: impl FnOnce(&mut Vec<Callback>) -> R) -> R {
    let mut g = LISTS.lock().unwrap_or_else(|e| e.into_inner());
    match k {
        ListKind::Config => f(&mut g.config),
        ListKind::Init => f(&mut g.init),
        ListKind::Shutdown => f(&mut g.shutdown),
    }
}

/// B-NAME-01: "python." + name, else + `callback.__module__`, else + `%p`,
/// truncated to 511 bytes.
///
/// # Safety
/// `callback` valid.
unsafe fn build_name(py: Gil<'_>, callback: *mut PyObject, name: Option<&CStr>) -> CString {
    let mut buf: heapless::Vec<u8, 512> = heapless::Vec::new();
    let _ = buf.extend_from_slice(b"python.");
    let mut push = |b: &[u8]| {
        let room = 511 - buf.len();
        let _ = buf.extend_from_slice(&b[..b.len().min(room)]);
    };
    if let Some(n) = name {
        push(n.to_bytes());
    } else {
        // SAFETY: the token proves the GIL.
        unsafe {
            let m = Owned::new(py, PyObject_GetAttrString(callback, c"__module__".as_ptr()));
            match m.as_ref().and_then(|m| as_text(py, m.as_ptr())) {
                Some(t) => push(t),
                None => {
                    let mut s: heapless::String<24> = heapless::String::new();
                    let _ = write!(s, "{:p}", callback);
                    push(s.as_bytes());
                }
            }
            drop(m);
            PyErr_Clear();
        }
    }
    // No interior NUL: names were cut at NUL by as_text / CStr.
    CString::new(buf.as_slice()).unwrap_or_default()
}

/// Parses `(callback, data, name)` with format `"O|Oet"` (B-REG-10); for
/// register_read `"O|dOet"` with the interval (B-REG-11).
///
/// # Safety
/// args/kwds from CPython.
unsafe fn parse_register(
    py: Gil<'_>,
    args: *mut PyObject,
    kwds: *mut PyObject,
    with_interval: bool,
) -> Option<(Box<Callback>, f64)> {
    let mut callback: *mut PyObject = core::ptr::null_mut();
    let mut data: *mut PyObject = core::ptr::null_mut();
    let mut name = ArgStr::none();
    let mut interval = 0f64;
    // SAFETY: the token proves the GIL; the format string matches the output pointers exactly.
    unsafe {
        let ok = if with_interval {
            let mut kw = kwlist([c"callback", c"interval", c"data", c"name", c""]);
            PyArg_ParseTupleAndKeywords(
                args,
                kwds,
                c"O|dOet".as_ptr(),
                kw.as_mut_ptr(),
                &mut callback,
                &mut interval,
                &mut data,
                core::ptr::null::<c_char>(),
                &mut name.0,
            )
        } else {
            let mut kw = kwlist([c"callback", c"data", c"name", c""]);
            PyArg_ParseTupleAndKeywords(
                args,
                kwds,
                c"O|Oet".as_ptr(),
                kw.as_mut_ptr(),
                &mut callback,
                &mut data,
                core::ptr::null::<c_char>(),
                &mut name.0,
            )
        };
        if ok == 0 {
            return None;
        }
        if PyCallable_Check(callback) == 0 {
            PyErr_SetString(
                PyExc_TypeError,
                c"callback needs a be a callable object.".as_ptr(),
            );
            return None;
        }
        let id = build_name(py, callback, name.get());
        Some((Callback::new(py, id, callback, data), interval))
    }
}

/// register_config / register_init / register_shutdown.
///
/// # Safety
/// CPython method arguments.
pub unsafe fn register_list(
    py: Gil<'_>,
    k: ListKind,
    args: *mut PyObject,
    kwds: *mut PyObject,
) -> *mut PyObject {
    // SAFETY: the token proves the GIL.
    unsafe {
        let Some((cb, _)) = parse_register(py, args, kwds, false) else {
            return core::ptr::null_mut();
        };
        let ret = text_from_c(py, cb.id.to_bytes());
        with_list(k, |l| l.push(*cb));
        ret
    }
}

/// register_read / register_write / register_log.
///
/// # Safety
/// CPython method arguments.
pub unsafe fn register_host(
    py: Gil<'_>,
    kind: Kind,
    args: *mut PyObject,
    kwds: *mut PyObject,
) -> *mut PyObject {
    // SAFETY: the token proves the GIL.
    unsafe {
        let Some((cb, interval)) = parse_register(py, args, kwds, kind == Kind::Read) else {
            return core::ptr::null_mut();
        };
        let ret = text_from_c(py, cb.id.to_bytes());
        let id = cb.id.clone();
        // B-REG-02: a rejected duplicate read still returns the identifier.
        if let Err(cb) = host().register(kind, &id, crate::values::double_to_cdtime(interval), cb) {
            drop(cb);
        }
        ret
    }
}

/// The identifier an unregister argument names (B-UNREG-02).
/// # Safety
/// `arg` is a valid object.
unsafe fn unregister_id(py: Gil<'_>, arg: *mut PyObject) -> Option<CString> {
    // SAFETY: the token proves the GIL.
    unsafe {
        if let Some(t) = as_text(py, arg) {
            return CString::new(t).ok();
        }
        PyErr_Clear();
        if PyCallable_Check(arg) == 0 {
            PyErr_SetString(
                PyExc_TypeError,
                c"This function needs a string or a callable object as its only parameter."
                    .as_ptr(),
            );
            return None;
        }
        Some(build_name(py, arg, None))
    }
}

unsafe fn unregister_failed(py: Gil<'_>, word: &str, id: &CStr) -> *mut PyObject {
    let mut l = Line::new();
    l.push_str("Unable to unregister ")
        .push_str(word)
        .push_str(" callback '")
        .push(id.to_bytes())
        .push_str("'.");
    // SAFETY: GIL held by the caller.
    unsafe { set_error(py, PyExc_RuntimeError, &mut l) };
    core::ptr::null_mut()
}

/// unregister_config / unregister_init / unregister_shutdown (B-UNREG-03).
/// # Safety
/// `arg` is a valid object.
pub unsafe fn unregister_list(py: Gil<'_>, k: ListKind, arg: *mut PyObject) -> *mut PyObject {
    // SAFETY: the token proves the GIL.
    unsafe {
        let Some(id) = unregister_id(py, arg) else {
            return core::ptr::null_mut();
        };
        let found = with_list(k, |l| {
            l.iter().rposition(|c| c.id == id).map(|i| l.remove(i))
        });
        match found {
            Some(cb) => {
                drop(cb);
                Py_INCREF(Py_None());
                Py_None()
            }
            None => unregister_failed(py, k.word(), &id),
        }
    }
}

/// unregister_read / write / log / notification / flush (B-UNREG-04).
/// # Safety
/// `arg` is a valid object.
pub unsafe fn unregister_host(py: Gil<'_>, kind: Kind, arg: *mut PyObject) -> *mut PyObject {
    // SAFETY: the token proves the GIL.
    unsafe {
        let Some(id) = unregister_id(py, arg) else {
            return core::ptr::null_mut();
        };
        // collectd frees the callback (taking the GIL in Drop) — fine while we
        // hold it: PyGILState_Ensure nests.
        if host().unregister(kind, &id) {
            Py_INCREF(Py_None());
            Py_None()
        } else {
            unregister_failed(py, kind.word(), &id)
        }
    }
}

/// Calls `callable(*args[, data])`; logs an exception with `context`.
/// Returns false on exception.
/// # Safety
/// Every pointer in `args` is a valid object.
unsafe fn invoke(py: Gil<'_>, cb: &Callback, args: &[*mut PyObject], context: &[u8]) -> bool {
    // SAFETY: the token proves the GIL; all argument objects are valid.
    unsafe {
        let mut argv: [*mut PyObject; 4] = [core::ptr::null_mut(); 4];
        let mut n = 0;
        for a in args {
            argv[n] = *a;
            n += 1;
        }
        if !cb.data.is_null() {
            argv[n] = cb.data;
            n += 1;
        }
        let r = PyObject_Vectorcall(cb.callable, argv.as_ptr(), n, core::ptr::null_mut());
        if r.is_null() {
            log_exception(py, context);
            false
        } else {
            Py_DECREF(r);
            true
        }
    }
}

/// B-CB-03: read callback; 1 on exception (collectd then backs off).
pub fn call_read(cb: &Callback) -> i32 {
    with_gil(|py| {
        // SAFETY: no argument objects.
        if unsafe { invoke(py, cb, &[], b"read callback") } {
            0
        } else {
            1
        }
    })
    .unwrap_or(1)
}

/// B-CB-04/05: write callback with a fresh `collectd.Values`; always 0.
pub fn call_write(cb: &Callback, vl: &dyn Received) -> i32 {
    let mut meta = MetaPool::default();
    read_meta(&|f| vl.for_each_meta(f), &mut meta);
    with_gil(|py| {
        let Some(v) = build_values(py, vl, &meta) else {
            return;
        };
        // SAFETY: `v` is a live object owned here.
        unsafe { invoke(py, cb, &[v.as_ptr()], b"write callback") };
    });
    0
}

fn build_values<'py>(py: Gil<'py>, vl: &dyn Received, meta: &MetaPool) -> Option<Owned<'py>> {
    // SAFETY: the token proves the GIL; new references are owned by `Owned`.
    unsafe {
        let n = vl.len();
        let list = Owned::new(py, PyList_New(n as Py_ssize_t))?;
        for i in 0..n {
            let o = match vl.value(i) {
                Ok(Value::Counter(x)) | Ok(Value::Absolute(x)) => PyLong_FromUnsignedLongLong(x),
                Ok(Value::Gauge(x)) => PyFloat_FromDouble(x),
                Ok(Value::Derive(x)) => PyLong_FromLongLong(x),
                Err(t) => {
                    let mut l = Line::new();
                    let _ = write!(l, "cpy_write_callback: Unknown value type {t}.");
                    log_released(py, crate::host::LOG_ERR, &mut l);
                    return None;
                }
            };
            if o.is_null() {
                log_exception(py, b"value building for write callback");
                return None;
            }
            PyList_SET_ITEM(list.as_ptr(), i as Py_ssize_t, o);
        }
        let dict = meta_dict(py, meta)?;
        pyvalues::new_for_write(
            py,
            [
                vl.host(),
                vl.plugin(),
                vl.plugin_instance(),
                vl.type_(),
                vl.type_instance(),
            ],
            cdtime_to_double(vl.time()),
            cdtime_to_double(vl.interval()),
            list,
            dict,
        )
    }
}

/// Walks a meta list, calling the visitor per entry.
type MetaSource<'a> = &'a dyn Fn(&mut dyn FnMut(&CStr, MetaValue<'_>));

/// Copies collectd's meta list into `pool`, before the GIL is taken: reading n
/// keys back from collectd's linked list costs n² steps, which a dict of 20,000
/// keys would otherwise spend holding the GIL.
fn read_meta(each: MetaSource<'_>, pool: &mut MetaPool) {
    each(&mut |k, v| pool.add(k.to_bytes(), v.staged()));
}

/// Meta from collectd → a new dict of str/Signed/Unsigned/float/bool
/// (B-META-10/11); later duplicates overwrite earlier ones.
fn meta_dict<'py>(py: Gil<'py>, meta: &MetaPool) -> Option<Owned<'py>> {
    // SAFETY: the token proves the GIL.
    unsafe {
        let dict = Owned::new(py, PyDict_New())?;
        for (k, v) in meta.iter() {
            let o = match v {
                Meta::String(s) => text_from_c(py, s.to_cstr().to_bytes()),
                Meta::Signed(x) => signed::new_signed(py, x),
                Meta::Unsigned(x) => signed::new_unsigned(py, x),
                Meta::Double(x) => PyFloat_FromDouble(x),
                Meta::Boolean(b) => PyBool_FromLong(b as _),
            };
            if let Some(o) = Owned::new(py, o) {
                if PyDict_SetItemString(dict.as_ptr(), k.as_ptr(), o.as_ptr()) != 0 {
                    // B-STR-06: a non-UTF-8 key falls back to a bytes key.
                    PyErr_Clear();
                    if let Some(kb) = Owned::new(py, PyBytes_FromString(k.as_ptr())) {
                        PyDict_SetItem(dict.as_ptr(), kb.as_ptr(), o.as_ptr());
                    }
                }
            }
            PyErr_Clear();
        }
        Some(dict)
    }
}

/// B-CB-06: notification callback with a fresh `collectd.Notification`.
pub fn call_notification(cb: &Callback, n: &dyn ReceivedNotification) {
    let mut staged = MetaPool::default();
    read_meta(&|f| n.for_each_meta(f), &mut staged);
    with_gil(|py| {
        // SAFETY: GIL held inside with_gil.
        unsafe {
            let Some(meta) = meta_dict(py, &staged) else {
                PyErr_Clear();
                return;
            };
            let Some(obj) = pynotif::new_for_callback(
                py,
                n.names(),
                n.message(),
                n.severity(),
                cdtime_to_double(n.time()),
                meta,
            ) else {
                log_exception(py, b"notification callback");
                return;
            };
            invoke(py, cb, &[obj.as_ptr()], b"notification callback");
        }
    });
}

/// B-CB-09: flush callback `(timeout, identifier or None[, data])`.
pub fn call_flush(cb: &Callback, timeout: i32, id: Option<&CStr>) {
    with_gil(|py| {
        // SAFETY: GIL held inside with_gil.
        unsafe {
            let t = Owned::new(py, PyLong_FromLong(timeout as _));
            let i = match id {
                Some(id) => Owned::new(py, text_from_c(py, id.to_bytes())),
                None => Some(Owned::borrowed(py, Py_None())),
            };
            let (Some(t), Some(i)) = (t, i) else {
                PyErr_Clear();
                return;
            };
            invoke(py, cb, &[t.as_ptr(), i.as_ptr()], b"flush callback");
        }
    });
}

/// B-CB-07: log callback. Exceptions go to `PyErr_Print` (stderr), never to
/// collectd's log.
pub fn call_log(cb: &Callback, severity: i32, msg: &CStr) {
    with_gil(|py| {
        // SAFETY: GIL held inside with_gil.
        unsafe {
            let (Some(sev), Some(text)) = (
                Owned::new(py, PyLong_FromLong(severity as _)),
                Owned::new(py, text_from_c(py, msg.to_bytes())),
            ) else {
                PyErr_Clear();
                return;
            };
            let mut argv = [sev.as_ptr(), text.as_ptr(), cb.data];
            let n = if cb.data.is_null() { 2 } else { 3 };
            let r = PyObject_Vectorcall(cb.callable, argv.as_mut_ptr(), n, core::ptr::null_mut());
            if r.is_null() {
                PyErr_Print();
                PyErr_Clear();
            } else {
                Py_DECREF(r);
            }
        }
    });
}

/// Newest config callback whose identifier minus `python.` equals `name`
/// case-insensitively (B-CFG-09); new references to callable and data.
pub fn find_config<'py>(py: Gil<'py>, name: &[u8]) -> Option<(Owned<'py>, Option<Owned<'py>>)> {
    with_list(ListKind::Config, |l| {
        l.iter()
            .rev()
            .find(|c| {
                c.id.to_bytes()
                    .get(7..)
                    .is_some_and(|s| s.eq_ignore_ascii_case(name))
            })
            .map(|c| c.refs(py))
    })
}

/// Runs every entry of a list, newest first, from a snapshot (callbacks may
/// register or unregister while we iterate).
fn run_list(py: Gil<'_>, k: ListKind, context: &[u8]) {
    let snapshot: Vec<(Owned, Option<Owned>)> =
        with_list(k, |l| l.iter().rev().map(|c| c.refs(py)).collect());
    for (callable, data) in snapshot {
        // SAFETY: the token proves the GIL.
        unsafe {
            let r = match &data {
                None => PyObject_CallNoArgs(callable.as_ptr()),
                Some(d) => PyObject_CallOneArg(callable.as_ptr(), d.as_ptr()),
            };
            if r.is_null() {
                log_exception(py, context);
            } else {
                Py_DECREF(r);
            }
        }
    }
}

/// B-CB-02: all init callbacks, newest first.
pub fn run_init() {
    with_gil(|py| run_list(py, ListKind::Init, b"init callback"));
}

const REPL_BANNER: &str = "================================================================\n\
collectd shutdown while running an interactive session. This will\n\
probably leave your terminal in a mess.\n\
Run the command \"reset\" to get it back into a usable state.\n\
You can press Ctrl+D in the interactive session to\n\
close collectd and avoid this problem in the future.\n\
================================================================\n";

/// B-CB-10 / B-SHUT-01 step 5 (and B-SIG-05's banner).
pub fn shutdown() {
    if interpreter::repl_running() {
        use std::io::Write as _;
        let mut out = std::io::stdout();
        let _ = out.write_all(REPL_BANNER.as_bytes());
        let _ = out.flush();
    }
    with_gil(|py| {
        // SAFETY: GIL held inside with_gil.
        unsafe {
            run_list(py, ListKind::Shutdown, b"shutdown callback");
            PyErr_Print();
            let lists: Vec<Callback> = {
                let mut g = LISTS.lock().unwrap_or_else(|e| e.into_inner());
                let mut all = core::mem::take(&mut g.config);
                all.append(&mut g.init);
                all.append(&mut g.shutdown);
                all
            };
            drop(lists);
            interpreter::shutdown_triggered(py);
        }
    });
}

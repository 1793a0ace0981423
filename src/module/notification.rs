//! `collectd.Notification` (B-NOTIF): attributes, constructor, repr and the
//! synchronous `dispatch`. Staged on the stack like a value list.
use crate::host::host;
use crate::module::datasets;
use crate::module::plugindata::{self, dataset_not_found, fields, NameArgs, PluginData, Repr};
use crate::module::values::{stage_meta, Keep};
use crate::python::args::{self, Keywords};
use crate::python::trap;
use crate::python::Gil;
use crate::python::{allow_threads, as_text, text_from_c, ArgStr, Owned};
use crate::values::{double_to_cdtime, Name, Notification as Staged, MESSAGE_LEN};
use core::ffi::{c_char, c_int, c_void, CStr};
use core::mem::offset_of;
use core::sync::atomic::{AtomicPtr, Ordering};
use pyo3_ffi::*;

#[repr(C)]
pub struct Notification {
    pub data: PluginData,
    pub severity: c_int,
    pub message: Name<MESSAGE_LEN>,
    pub meta: *mut PyObject,
}

pub static TYPE: AtomicPtr<PyObject> = AtomicPtr::new(core::ptr::null_mut());

/// Parses `"|etetetetetetdiO"`; outputs keep their defaults when omitted.
///
/// # Safety
/// CPython argument objects.
#[allow(clippy::too_many_arguments)] // one per PyArg output, as the format string lists them
unsafe fn parse(
    _py: Gil<'_>,
    args: *mut PyObject,
    kwds: *mut PyObject,
    n: &mut NameArgs,
    message: &mut ArgStr,
    time: &mut f64,
    severity: &mut c_int,
    meta: &mut *mut PyObject,
) -> bool {
    let mut kw = DISPATCH_KW.kwlist::<10>();
    let enc = core::ptr::null::<c_char>();
    // SAFETY: the token proves the GIL; the format matches the output pointers exactly.
    unsafe {
        PyArg_ParseTupleAndKeywords(
            args,
            kwds,
            c"|etetetetetetdiO".as_ptr(),
            kw.as_mut_ptr(),
            enc,
            &mut n.type_.0,
            enc,
            &mut message.0,
            enc,
            &mut n.plugin_instance.0,
            enc,
            &mut n.type_instance.0,
            enc,
            &mut n.plugin.0,
            enc,
            &mut n.host.0,
            time as *mut f64,
            severity as *mut c_int,
            meta as *mut *mut PyObject,
        ) != 0
    }
}

pub unsafe extern "C" fn tp_new(
    t: *mut PyTypeObject,
    _a: *mut PyObject,
    _k: *mut PyObject,
) -> *mut PyObject {
    trap::object(c"Notification.tp_new", |py| {
        // SAFETY: CPython slot with the GIL held.
        unsafe {
            let o = plugindata::alloc(py, t);
            if o.is_null() {
                return o;
            }
            plugindata::reset(o);
            let n = &mut *o.cast::<Notification>();
            n.severity = 0;
            n.message.set(b"");
            n.meta = PyDict_New();
            o
        }
    })
}

pub unsafe extern "C" fn tp_init(
    o: *mut PyObject,
    args: *mut PyObject,
    kwds: *mut PyObject,
) -> c_int {
    trap::status(c"Notification.tp_init", |py| {
        let mut names = NameArgs::new();
        let mut message = ArgStr::none();
        let (mut time, mut severity, mut meta) = (0f64, 0 as c_int, core::ptr::null_mut());
        // SAFETY: CPython slot with the GIL held; `o` is a Notification instance.
        unsafe {
            if !parse(
                py,
                args,
                kwds,
                &mut names,
                &mut message,
                &mut time,
                &mut severity,
                &mut meta,
            ) {
                return -1;
            }
            if !names.type_known(py) {
                return -1;
            }
            plugindata::store_names(o, &names);
            let n = &mut *o.cast::<Notification>();
            n.data.time = time;
            n.severity = severity;
            n.message.set(message.bytes().unwrap_or(b""));
            let meta = if meta.is_null() {
                PyDict_New()
            } else {
                Owned::borrowed(py, meta).into_raw()
            };
            Py_XDECREF(core::mem::replace(&mut n.meta, meta));
        }
        0
    })
}

pub unsafe extern "C" fn tp_repr(o: *mut PyObject) -> *mut PyObject {
    trap::object(c"Notification.tp_repr", |py| {
        // SAFETY: CPython slot with the GIL held; `o` is a Notification instance.
        unsafe {
            let n = &*o.cast::<Notification>();
            let mut r = Repr::common(py, o);
            if n.severity != 0 {
                r.lit(py, c",severity=");
                r.repr_of(py, Owned::new(py, PyLong_FromLong(n.severity as _)));
            }
            if !n.message.is_empty() {
                r.lit(py, c",message=");
                r.repr_of(py, Owned::new(py, text_from_c(py, n.message.as_bytes())));
            }
            if !n.meta.is_null() && (PyDict_Check(n.meta) == 0 || PyDict_Size(n.meta) > 0) {
                r.lit(py, c",meta=");
                r.repr_of(py, Some(Owned::borrowed(py, n.meta)));
            }
            r.lit(py, c")");
            r.finish()
        }
    })
}

pub unsafe extern "C" fn tp_traverse(
    o: *mut PyObject,
    visit: visitproc,
    arg: *mut c_void,
) -> c_int {
    trap::gc(c"Notification.tp_traverse", |_| {
        // SAFETY: GC calls this with a valid Notification instance.
        unsafe {
            let n = &*o.cast::<Notification>();
            plugindata::visit_each(o, &[n.meta], visit, arg)
        }
    })
}

pub unsafe extern "C" fn tp_clear(o: *mut PyObject) -> c_int {
    trap::gc(c"Notification.tp_clear", |py| {
        // SAFETY: the token proves the GIL; the field holds an owned reference.
        unsafe {
            let n = &mut *o.cast::<Notification>();
            plugindata::clear_each(py, &mut [&mut n.meta]);
        }
        0
    })
}

pub unsafe extern "C" fn tp_dealloc(o: *mut PyObject) {
    trap::unit(c"Notification.tp_dealloc", |_| {
        // SAFETY: called once by CPython at refcount zero with the GIL held.
        unsafe { plugindata::gc_dealloc(o, tp_clear) }
    })
}

pub unsafe extern "C" fn get_message(o: *mut PyObject, _c: *mut c_void) -> *mut PyObject {
    trap::object(c"Notification.get_message", |py| {
        // SAFETY: getter on a Notification instance, GIL held.
        unsafe { text_from_c(py, (*o.cast::<Notification>()).message.as_bytes()) }
    })
}

pub unsafe extern "C" fn set_message(
    o: *mut PyObject,
    value: *mut PyObject,
    _c: *mut c_void,
) -> c_int {
    trap::status(c"Notification.set_message", |py| {
        // SAFETY: setter on a Notification instance, GIL held.
        unsafe {
            if value.is_null() {
                PyErr_SetString(PyExc_TypeError, c"Cannot delete this attribute".as_ptr());
                return -1;
            }
            match as_text(py, value) {
                Some(t) => {
                    (*o.cast::<Notification>()).message.set(t);
                    0
                }
                None => -1,
            }
        }
    })
}

/// The constructor's and `dispatch`'s keywords, for both parsing paths.
static DISPATCH_KW: Keywords<9> = Keywords::new([
    c"type",
    c"message",
    c"plugin_instance",
    c"type_instance",
    c"plugin",
    c"host",
    c"time",
    c"severity",
    c"meta",
]);

/// The arguments of one `dispatch` call, converted: text is `None` where the
/// call did not give it (the instance's value applies).
struct Args<'a> {
    /// type, message, plugin_instance, type_instance, plugin, host.
    text: [Option<&'a [u8]>; 6],
    time: f64,
    severity: c_int,
    meta: *mut PyObject,
}

/// B-NOTIF-10's arguments on the fast path (`python::args`): `None` when the
/// call needs PyArg.
///
/// # Safety
/// `o` a Notification; the arguments as CPython passes them.
unsafe fn fast_args<'a>(
    py: Gil<'_>,
    o: *mut PyObject,
    argv: *const *mut PyObject,
    nargs: Py_ssize_t,
    kwnames: *mut PyObject,
) -> Option<Args<'a>> {
    // SAFETY: the token proves the GIL; the arguments are borrowed from the call.
    unsafe {
        let this = &*o.cast::<Notification>();
        let mut a = [core::ptr::null_mut(); 9];
        DISPATCH_KW.match_args(py, argv, nargs, kwnames, &mut a)?;
        let mut text = [None; 6];
        for (t, p) in text.iter_mut().zip(a) {
            *t = args::opt_text(py, p)?;
        }
        Some(Args {
            text,
            time: if a[6].is_null() {
                this.data.time
            } else {
                args::double(py, a[6])?
            },
            severity: if a[7].is_null() {
                this.severity
            } else {
                args::int(py, a[7])?
            },
            meta: if a[8].is_null() { this.meta } else { a[8] },
        })
    }
}

/// Steps 2-8 of B-NOTIF-10 once the arguments are known: the notification is
/// filled once, in place (its head is collectd's `notification_t`), and
/// handed to the host.
///
/// # Safety
/// `o` a Notification; `a`'s objects alive for the call.
unsafe fn send(py: Gil<'_>, o: *mut PyObject, a: &Args<'_>) -> *mut PyObject {
    // SAFETY: the token proves the GIL.
    unsafe {
        let this = &*o.cast::<Notification>();
        let d = fields(o);
        // before `n`: dropped after it (its meta pool borrows from `keep`)
        let mut keep = Keep::new(py);
        let mut n = Staged::default();
        n.severity = a.severity;
        n.time = double_to_cdtime(a.time);
        let [type_, message, plugin_instance, type_instance, plugin, host_] = a.text;
        let name = |dst: &mut Name, given: Option<&[u8]>, dflt: &Name| match given {
            Some(b) => dst.set(b),
            None => dst.copy_from(dflt),
        };
        name(&mut n.type_, type_, &d.type_);
        name(&mut n.plugin_instance, plugin_instance, &d.plugin_instance);
        name(&mut n.type_instance, type_instance, &d.type_instance);
        name(&mut n.plugin, plugin, &d.plugin);
        name(&mut n.host, host_, &d.host);
        match message {
            Some(b) => n.message.set(b),
            None => n.message.copy_from(&this.message),
        }
        if n.type_.is_empty() {
            PyErr_SetString(PyExc_RuntimeError, c"type not set".as_ptr());
            return core::ptr::null_mut();
        }
        if !datasets::known(&n.type_) {
            dataset_not_found(py, n.type_.as_bytes());
            return core::ptr::null_mut();
        }
        let meta = a.meta;
        if !meta.is_null() && meta != Py_None() && PyDict_Check(meta) == 0 {
            PyErr_SetString(PyExc_TypeError, c"meta must be a dict".as_ptr());
            return core::ptr::null_mut();
        }
        stage_meta(py, meta, &mut n.meta, &mut keep);
        if n.time == 0 {
            n.time = host().now();
        }
        let r = allow_threads(py, || host().dispatch_notification(&mut n));
        plugindata::dispatch_result(
            py,
            r,
            "a notification",
            c"error dispatching notification, read the logs",
        )
    }
}

/// B-NOTIF-10/11 as a vectorcall: arguments matched and converted on the fast
/// path, or parsed again by PyArg (its exact errors) when it declines.
pub unsafe extern "C" fn dispatch(
    o: *mut PyObject,
    argv: *const *mut PyObject,
    nargs: Py_ssize_t,
    kwnames: *mut PyObject,
) -> *mut PyObject {
    trap::object(c"Notification.dispatch", |py| {
        // SAFETY: CPython vectorcall method with the GIL held; `o` is a
        // Notification; every argument is borrowed from the call.
        unsafe {
            if let Some(a) = fast_args(py, o, argv, nargs, kwnames) {
                return send(py, o, &a);
            }
            let Some((t, kw)) = args::slow_args(py, argv, nargs, kwnames) else {
                return core::ptr::null_mut();
            };
            let kw = kw.as_ref().map_or(core::ptr::null_mut(), Owned::as_ptr);
            let this = &*o.cast::<Notification>();
            let mut names = NameArgs::new();
            let mut message = ArgStr::none();
            let (mut time, mut severity, mut meta) = (this.data.time, this.severity, this.meta);
            if !parse(
                py,
                t.as_ptr(),
                kw,
                &mut names,
                &mut message,
                &mut time,
                &mut severity,
                &mut meta,
            ) {
                return core::ptr::null_mut();
            }
            let a = Args {
                text: [
                    names.type_.bytes(),
                    message.bytes(),
                    names.plugin_instance.bytes(),
                    names.type_instance.bytes(),
                    names.plugin.bytes(),
                    names.host.bytes(),
                ],
                time,
                severity,
                meta,
            };
            send(py, o, &a)
        }
    })
}

/// A fresh `collectd.Notification` for a notification callback (B-CB-06).
pub fn new_for_callback<'py>(
    py: Gil<'py>,
    names: [&CStr; 5],
    message: &CStr,
    severity: c_int,
    time: f64,
    meta: Owned<'py>,
) -> Option<Owned<'py>> {
    // SAFETY: the token proves the GIL.
    unsafe {
        let t = TYPE.load(Ordering::Acquire).cast::<PyTypeObject>();
        let o = Owned::new(py, tp_new(t, core::ptr::null_mut(), core::ptr::null_mut()))?;
        plugindata::set_names(o.as_ptr(), names);
        let n = &mut *o.as_ptr().cast::<Notification>();
        n.data.time = time;
        n.message.set(message.to_bytes());
        n.severity = severity;
        Py_XDECREF(core::mem::replace(&mut n.meta, meta.into_raw()));
        Some(o)
    }
}

pub fn members() -> [PyMemberDef; 3] {
    [
        PyMemberDef {
            name: c"severity".as_ptr(),
            type_code: Py_T_INT,
            offset: offset_of!(Notification, severity) as Py_ssize_t,
            flags: 0,
            doc: c"The severity of this notification. Assign or compare to\nNOTIF_FAILURE, NOTIF_WARNING or NOTIF_OKAY.".as_ptr(),
        },
        PyMemberDef {
            name: c"meta".as_ptr(),
            type_code: Py_T_OBJECT_EX,
            offset: offset_of!(Notification, meta) as Py_ssize_t,
            flags: 0,
            doc: c"These are the meta data for the Notification object.\nIt has to be a dictionary of numbers, strings or bools. All keys must be\nstrings. int and long objects will be dispatched as signed integers unless\nthey are between 2**63 and 2**64-1, which will result in an unsigned integer.\nOne of these storage classes can be forced by using the classes\ncollectd.Signed and collectd.Unsigned. A meta object received by a\nnotification callback will always contain Signed or Unsigned objects.".as_ptr(),
        },
        PyMemberDef::default(),
    ]
}

pub fn getsets() -> [PyGetSetDef; 2] {
    [
        PyGetSetDef {
            name: c"message".as_ptr(),
            get: Some(get_message),
            set: Some(set_message),
            doc:
                c"Some kind of description what's going on and why this Notification was generated."
                    .as_ptr(),
            closure: core::ptr::null_mut(),
        },
        PyGetSetDef::default(),
    ]
}

pub const DOC: &CStr = c"The Notification class is a wrapper around the collectd notification.\nIt can be used to notify other plugins about bad stuff happening. It works\nsimilar to Values but has a severity and a message instead of interval\nand time.\nNotifications can be dispatched at any time and can be received with register_notification.";

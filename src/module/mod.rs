//! The `collectd` Python module (collectd-python(5)): its functions,
//! constants and types. Built on the raw CPython API so argument errors,
//! attribute semantics and type names match the C plugin exactly.
pub mod config;
pub mod datasets;
pub mod notification;
pub mod plugindata;
pub mod registry;
pub mod signed;
pub mod values;

#[cfg(test)]
mod tests;

use crate::host::{host, Kind, LOG_DEBUG, LOG_ERR, LOG_INFO, LOG_NOTICE, LOG_WARNING};
use crate::python::kwlist;
use crate::python::Gil;
use crate::python::{allow_threads, args, trap, ArgStr, Logged};
use core::ffi::{c_char, c_int, c_uint, c_ulong, CStr};
use core::sync::atomic::{AtomicPtr, Ordering};
use pyo3_ffi::*;
use registry::ListKind;

const MODULE_DOC: &CStr = c"The python interface to collectd";

const LOG_DOC: &CStr = c"This function sends a string to all logging plugins.";
const UNREGISTER_DOC: &CStr = c"Unregisters a callback. This function needs exactly one parameter either\nthe function to unregister or the callback identifier to unregister.";
const REG_LOG_DOC: &CStr = c"register_log(callback[, data][, name]) -> identifier\n\nRegister a callback function for log messages.\n\n'callback' is a callable object that will be called every time something\n    is logged.\n'data' is an optional object that will be passed back to the callback\n    function every time it is called.\n'name' is an optional identifier for this callback. The default name\n    is 'python.<module>'.\n    Every callback needs a unique identifier, so if you want to\n    register this callback multiple time from the same module you need\n    to specify a name here.\n'identifier' is the full identifier assigned to this callback.\n\nThe callback function will be called with two or three parameters:\nseverity: An integer that should be compared to the LOG_ constants.\nmessage: The text to be logged.\ndata: The optional data parameter passed to the register function.\n    If the parameter was omitted it will be omitted here, too.";
const REG_INIT_DOC: &CStr = c"register_init(callback[, data][, name]) -> identifier\n\nRegister a callback function that will be executed once after the config.\nfile has been read, all plugins heve been loaded and the collectd has\nforked into the background.\n\n'callback' is a callable object that will be executed.\n'data' is an optional object that will be passed back to the callback\n    function when it is called.\n'name' is an optional identifier for this callback. The default name\n    is 'python.<module>'.\n    Every callback needs a unique identifier, so if you want to\n    register this callback multiple time from the same module you need\n    to specify a name here.\n'identifier' is the full identifier assigned to this callback.\n\nThe callback function will be called without parameters, except for\ndata if it was supplied.";
const REG_CONFIG_DOC: &CStr = c"register_config(callback[, data][, name]) -> identifier\n\nRegister a callback function for config file entries.\n'callback' is a callable object that will be called for every config block.\n'data' is an optional object that will be passed back to the callback\n    function every time it is called.\n'name' is an optional identifier for this callback. The default name\n    is 'python.<module>'.\n    Every callback needs a unique identifier, so if you want to\n    register this callback multiple time from the same module you need\n    to specify a name here.\n'identifier' is the full identifier assigned to this callback.\n\nThe callback function will be called with one or two parameters:\nconfig: A Config object.\ndata: The optional data parameter passed to the register function.\n    If the parameter was omitted it will be omitted here, too.";
const REG_READ_DOC: &CStr = c"register_read(callback[, interval][, data][, name]) -> identifier\n\nRegister a callback function for reading data. It will just be called\nin a fixed interval to signal that it's time to dispatch new values.\n'callback' is a callable object that will be called every time something\n    is logged.\n'interval' is the number of seconds between between calls to the callback\n    function. Full float precision is supported here.\n'data' is an optional object that will be passed back to the callback\n    function every time it is called.\n'name' is an optional identifier for this callback. The default name\n    is 'python.<module>'.\n    Every callback needs a unique identifier, so if you want to\n    register this callback multiple time from the same module you need\n    to specify a name here.\n'identifier' is the full identifier assigned to this callback.\n\nThe callback function will be called without parameters, except for\ndata if it was supplied.";
const REG_WRITE_DOC: &CStr = c"register_write(callback[, data][, name]) -> identifier\n\nRegister a callback function to receive values dispatched by other plugins.\n'callback' is a callable object that will be called every time a value\n    is dispatched.\n'data' is an optional object that will be passed back to the callback\n    function every time it is called.\n'name' is an optional identifier for this callback. The default name\n    is 'python.<module>'.\n    Every callback needs a unique identifier, so if you want to\n    register this callback multiple time from the same module you need\n    to specify a name here.\n'identifier' is the full identifier assigned to this callback.\n\nThe callback function will be called with one or two parameters:\nvalues: A Values object which is a copy of the dispatched values.\ndata: The optional data parameter passed to the register function.\n    If the parameter was omitted it will be omitted here, too.";
const REG_SHUTDOWN_DOC: &CStr = c"register_shutdown(callback[, data][, name]) -> identifier\n\nRegister a callback function for collectd shutdown.\n'callback' is a callable object that will be called once collectd is\n    shutting down.\n'data' is an optional object that will be passed back to the callback\n    function if it is called.\n'name' is an optional identifier for this callback. The default name\n    is 'python.<module>'.\n    Every callback needs a unique identifier, so if you want to\n    register this callback multiple time from the same module you need\n    to specify a name here.\n'identifier' is the full identifier assigned to this callback.\n\nThe callback function will be called with no parameters except for\n    data if it was supplied.";

const REG_NOTIFICATION_DOC: &CStr = c"register_notification(callback[, data][, name]) -> identifier\n\nRegister a callback function for notifications.\n'callback' is a callable object that will be called every time a notification\n    is dispatched.\n'data' is an optional object that will be passed back to the callback\n    function every time it is called.\n'name' is an optional identifier for this callback. The default name\n    is 'python.<module>'.\n    Every callback needs a unique identifier, so if you want to\n    register this callback multiple time from the same module you need\n    to specify a name here.\n'identifier' is the full identifier assigned to this callback.\n\nThe callback function will be called with one or two parameters:\nnotification: A copy of the notification that was dispatched.\ndata: The optional data parameter passed to the register function.\n    If the parameter was omitted it will be omitted here, too.";
const REG_FLUSH_DOC: &CStr = c"register_flush(callback[, data][, name]) -> identifier\n\nRegister a callback function for flush messages.\n'callback' is a callable object that will be called every time a plugin\n    requests a flush for either this or all plugins.\n'data' is an optional object that will be passed back to the callback\n    function every time it is called.\n'name' is an optional identifier for this callback. The default name\n    is 'python.<module>'.\n    Every callback needs a unique identifier, so if you want to\n    register this callback multiple time from the same module you need\n    to specify a name here.\n'identifier' is the full identifier assigned to this callback.\n\nThe callback function will be called with two or three parameters:\ntimeout: Indicates that only data older than 'timeout' seconds is to\n    be flushed.\nid: Specifies which values are to be flushed. Might be None.\ndata: The optional data parameter passed to the register function.\n    If the parameter was omitted it will be omitted here, too.";
const FLUSH_DOC: &CStr =
    c"flush([plugin][, timeout][, identifier]) -> None\n\nFlushes the cache of another plugin.";
const GET_DATASET_DOC: &CStr = c"get_dataset(name) -> definition\n\nReturns the definition of a dataset specified by name.\n\n'name' is a string specifying the dataset to query.\n'definition' is a list of 4-tuples. Every tuple represents a \n    data source within the data set and its 4 values are the \n    name, type, min and max value.\n    'name' is a string.\n    'type' is a string that is equal to either DS_TYPE_COUNTER,\n        DS_TYPE_GAUGE, DS_TYPE_DERIVE or DS_TYPE_ABSOLUTE.\n    'min' and 'max' are either a float or None.";

/// `c"collectd.<name>"`: a module function's name in its trampoline's messages.
macro_rules! entry_name {
    ($name:ident) => {{
        // evaluated at compile time
        const NAME: &CStr = match CStr::from_bytes_with_nul(
            concat!("collectd.", stringify!($name), "\0").as_bytes(),
        ) {
            Ok(c) => c,
            Err(_) => c"collectd",
        };
        NAME
    }};
}

macro_rules! kw_fn {
    ($name:ident, $body:expr) => {
        unsafe extern "C" fn $name(
            _m: *mut PyObject,
            args: *mut PyObject,
            kwds: *mut PyObject,
        ) -> *mut PyObject {
            trap::object(
                entry_name!($name),
                // SAFETY: CPython calls module functions with the GIL held and valid
                // argument objects.
                |py| unsafe { $body(py, args, kwds) },
            )
        }
    };
}

kw_fn!(register_config, |py, a, k| registry::register_list(
    py,
    ListKind::Config,
    a,
    k
));
kw_fn!(register_init, |py, a, k| registry::register_list(
    py,
    ListKind::Init,
    a,
    k
));
kw_fn!(register_shutdown, |py, a, k| registry::register_list(
    py,
    ListKind::Shutdown,
    a,
    k
));
kw_fn!(register_read, |py, a, k| registry::register_host(
    py,
    Kind::Read,
    a,
    k
));
kw_fn!(register_write, |py, a, k| registry::register_host(
    py,
    Kind::Write,
    a,
    k
));
kw_fn!(register_log, |py, a, k| registry::register_host(
    py,
    Kind::Log,
    a,
    k
));
kw_fn!(register_notification, |py, a, k| registry::register_host(
    py,
    Kind::Notification,
    a,
    k
));
kw_fn!(register_flush, |py, a, k| registry::register_host(
    py,
    Kind::Flush,
    a,
    k
));
kw_fn!(flush, flush_impl);

macro_rules! o_fn {
    ($name:ident, $body:expr) => {
        unsafe extern "C" fn $name(_m: *mut PyObject, arg: *mut PyObject) -> *mut PyObject {
            trap::object(
                entry_name!($name),
                // SAFETY: METH_O functions get one borrowed, valid argument.
                |py| unsafe { $body(py, arg) },
            )
        }
    };
}

o_fn!(unregister_config, |py, a| registry::unregister_list(
    py,
    ListKind::Config,
    a
));
o_fn!(unregister_init, |py, a| registry::unregister_list(
    py,
    ListKind::Init,
    a
));
o_fn!(unregister_shutdown, |py, a| registry::unregister_list(
    py,
    ListKind::Shutdown,
    a
));
o_fn!(unregister_read, |py, a| registry::unregister_host(
    py,
    Kind::Read,
    a
));
o_fn!(unregister_write, |py, a| registry::unregister_host(
    py,
    Kind::Write,
    a
));
o_fn!(unregister_log, |py, a| registry::unregister_host(
    py,
    Kind::Log,
    a
));
o_fn!(unregister_notification, |py, a| registry::unregister_host(
    py,
    Kind::Notification,
    a
));
o_fn!(unregister_flush, |py, a| registry::unregister_host(
    py,
    Kind::Flush,
    a
));

/// B-FLUSH-01/02: `flush(plugin, timeout, identifier)`; the timeout is passed
/// as raw cdtime units (B-BUG-01).
unsafe fn flush_impl(py: Gil<'_>, args: *mut PyObject, kwds: *mut PyObject) -> *mut PyObject {
    let mut plugin = ArgStr::none();
    let mut identifier = ArgStr::none();
    let mut timeout: c_int = -1;
    let mut kw = kwlist([c"plugin", c"timeout", c"identifier", c""]);
    let enc = core::ptr::null::<c_char>();
    // SAFETY: GIL held (module function); the format matches the outputs.
    unsafe {
        if PyArg_ParseTupleAndKeywords(
            args,
            kwds,
            c"|etiet".as_ptr(),
            kw.as_mut_ptr(),
            enc,
            &mut plugin.0,
            &mut timeout,
            enc,
            &mut identifier.0,
        ) == 0
        {
            return core::ptr::null_mut();
        }
        let (p, i) = (plugin.get(), identifier.get());
        allow_threads(py, || host().flush(p, timeout as i64 as u64, i));
        Py_INCREF(Py_None());
        Py_None()
    }
}

/// B-DS-01/02: `[(name, type, min, max), ...]` with min/max through C float.
unsafe extern "C" fn get_dataset(_m: *mut PyObject, args: *mut PyObject) -> *mut PyObject {
    trap::object(c"collectd.get_dataset", |py| {
        let mut name = ArgStr::none();
        // SAFETY: METH_VARARGS function, GIL held; the format matches the output.
        unsafe {
            if PyArg_ParseTuple(
                args,
                c"et".as_ptr(),
                core::ptr::null::<c_char>(),
                &mut name.0,
            ) == 0
            {
                return core::ptr::null_mut();
            }
            let n = name.get().unwrap_or(c"");
            let Some(list) = crate::python::Owned::new(py, PyList_New(0)) else {
                return core::ptr::null_mut();
            };
            let mut failed = false;
            let found = host().data_set(n, &mut |ds| {
                let num = |x: f64| {
                    let f = x as f32;
                    if f.is_nan() {
                        crate::python::Owned::borrowed(py, Py_None()).into_raw()
                    } else {
                        PyFloat_FromDouble(f as f64)
                    }
                };
                let type_name: &CStr = match crate::values::DsType::from_raw(ds.type_) {
                    Some(t) => t.c_name(),
                    None => c"unknown",
                };
                let items = [
                    crate::python::text_from_c(py, ds.name.to_bytes()),
                    PyUnicode_FromString(type_name.as_ptr()),
                    num(ds.min),
                    num(ds.max),
                ];
                let tuple = PyTuple_New(4);
                if tuple.is_null() || items.iter().any(|p| p.is_null()) {
                    failed = true;
                    for p in items {
                        Py_XDECREF(p);
                    }
                    Py_XDECREF(tuple);
                    return;
                }
                for (i, p) in items.into_iter().enumerate() {
                    PyTuple_SET_ITEM(tuple, i as Py_ssize_t, p);
                }
                if PyList_Append(list.as_ptr(), tuple) != 0 {
                    failed = true;
                }
                Py_DECREF(tuple);
            });
            if !found {
                plugindata::dataset_not_found(py, n.to_bytes());
                return core::ptr::null_mut();
            }
            if failed {
                return core::ptr::null_mut();
            }
            list.into_raw()
        }
    })
}

/// B-LOG-01/02: `et`-parsed text, logged literally with the GIL released. A
/// vectorcall: one exact `str`/`bytes` argument is logged straight from its
/// buffer; anything else goes through `PyArg_ParseTuple` for its messages.
unsafe fn log_at(
    py: Gil<'_>,
    level: i32,
    name: &CStr,
    args: *const *mut PyObject,
    nargs: Py_ssize_t,
    kwnames: *mut PyObject,
) -> *mut PyObject {
    // SAFETY: GIL held (module function); the format matches the outputs; the
    // argument objects are borrowed from the call.
    unsafe {
        if !kwnames.is_null() && PyTuple_GET_SIZE(kwnames) > 0 {
            // what CPython says for a METH_VARARGS function, as in 5.12
            let mut l = crate::python::Line::new();
            l.push(name.to_bytes())
                .push_str("() takes no keyword arguments");
            crate::python::set_error(py, PyExc_TypeError, &mut l);
            return core::ptr::null_mut();
        }
        if nargs == 1 {
            if let Some(t) = args::c_text(py, *args) {
                allow_threads(py, || host().log(level, t));
                Py_INCREF(Py_None());
                return Py_None();
            }
        }
        let Some((tuple, _)) = args::slow_args(py, args, nargs, core::ptr::null_mut()) else {
            return core::ptr::null_mut();
        };
        let mut text = ArgStr::none();
        if PyArg_ParseTuple(
            tuple.as_ptr(),
            c"et".as_ptr(),
            core::ptr::null::<c_char>(),
            &mut text.0,
        ) == 0
        {
            return core::ptr::null_mut();
        }
        if let Some(t) = text.get() {
            allow_threads(py, || host().log(level, t));
        }
        Py_INCREF(Py_None());
        Py_None()
    }
}

macro_rules! log_fn {
    ($name:ident, $level:expr, $py:literal) => {
        unsafe extern "C" fn $name(
            _m: *mut PyObject,
            args: *const *mut PyObject,
            nargs: Py_ssize_t,
            kwnames: *mut PyObject,
        ) -> *mut PyObject {
            trap::object(
                entry_name!($name),
                // SAFETY: METH_FASTCALL | METH_KEYWORDS function called by CPython
                // with the GIL held.
                |py| unsafe { log_at(py, $level, $py, args, nargs, kwnames) },
            )
        }
    };
}

log_fn!(log_error, LOG_ERR, c"error");
log_fn!(log_warning, LOG_WARNING, c"warning");
log_fn!(log_notice, LOG_NOTICE, c"notice");
log_fn!(log_info, LOG_INFO, c"info");
log_fn!(log_debug, LOG_DEBUG, c"debug");

fn method(name: &'static CStr, f: PyCFunction, flags: c_int, doc: &'static CStr) -> PyMethodDef {
    PyMethodDef {
        ml_name: name.as_ptr(),
        ml_meth: PyMethodDefPointer { PyCFunction: f },
        ml_flags: flags,
        ml_doc: doc.as_ptr(),
    }
}

fn kw_method(name: &'static CStr, f: PyCFunctionWithKeywords, doc: &'static CStr) -> PyMethodDef {
    PyMethodDef {
        ml_name: name.as_ptr(),
        ml_meth: PyMethodDefPointer {
            PyCFunctionWithKeywords: f,
        },
        ml_flags: METH_VARARGS | METH_KEYWORDS,
        ml_doc: doc.as_ptr(),
    }
}

/// A `METH_FASTCALL | METH_KEYWORDS` method (the hot entry points).
fn fast_method(
    name: &'static CStr,
    f: PyCFunctionFastWithKeywords,
    doc: &'static CStr,
) -> PyMethodDef {
    PyMethodDef {
        ml_name: name.as_ptr(),
        ml_meth: PyMethodDefPointer {
            PyCFunctionFastWithKeywords: f,
        },
        ml_flags: METH_FASTCALL | METH_KEYWORDS,
        ml_doc: doc.as_ptr(),
    }
}

fn module_methods() -> &'static mut [PyMethodDef] {
    let v = vec![
        fast_method(c"debug", log_debug, LOG_DOC),
        fast_method(c"info", log_info, LOG_DOC),
        fast_method(c"notice", log_notice, LOG_DOC),
        fast_method(c"warning", log_warning, LOG_DOC),
        fast_method(c"error", log_error, LOG_DOC),
        kw_method(c"register_log", register_log, REG_LOG_DOC),
        kw_method(c"register_init", register_init, REG_INIT_DOC),
        kw_method(c"register_config", register_config, REG_CONFIG_DOC),
        kw_method(c"register_read", register_read, REG_READ_DOC),
        kw_method(c"register_write", register_write, REG_WRITE_DOC),
        kw_method(
            c"register_notification",
            register_notification,
            REG_NOTIFICATION_DOC,
        ),
        kw_method(c"register_flush", register_flush, REG_FLUSH_DOC),
        kw_method(c"register_shutdown", register_shutdown, REG_SHUTDOWN_DOC),
        kw_method(c"flush", flush, FLUSH_DOC),
        method(c"get_dataset", get_dataset, METH_VARARGS, GET_DATASET_DOC),
        method(c"unregister_log", unregister_log, METH_O, UNREGISTER_DOC),
        method(c"unregister_init", unregister_init, METH_O, UNREGISTER_DOC),
        method(
            c"unregister_config",
            unregister_config,
            METH_O,
            UNREGISTER_DOC,
        ),
        method(c"unregister_read", unregister_read, METH_O, UNREGISTER_DOC),
        method(
            c"unregister_write",
            unregister_write,
            METH_O,
            UNREGISTER_DOC,
        ),
        method(
            c"unregister_notification",
            unregister_notification,
            METH_O,
            UNREGISTER_DOC,
        ),
        method(
            c"unregister_flush",
            unregister_flush,
            METH_O,
            UNREGISTER_DOC,
        ),
        method(
            c"unregister_shutdown",
            unregister_shutdown,
            METH_O,
            UNREGISTER_DOC,
        ),
        PyMethodDef::zeroed(),
    ];
    // Lives for the life of the process (CPython keeps pointers into it).
    Box::leak(v.into_boxed_slice())
}

static MODULE_DEF: AtomicPtr<PyModuleDef> = AtomicPtr::new(core::ptr::null_mut());

/// Starts the interpreter with the `collectd` module built in and ready
/// (B-INIT-01..09): its types created, imported, constants and types added.
/// On success the calling (main) thread holds the GIL (B-INIT-08).
pub fn start_python() -> Result<(), Logged> {
    crate::interpreter::start(c"collectd", init_module)?;
    // SAFETY: interpreter::start returned Ok with this thread holding the GIL,
    // which it keeps past this function (B-INIT-08).
    let py = unsafe { Gil::assume() };
    // SAFETY: Python is initialised and this thread holds the GIL; every
    // pointer is checked before use.
    unsafe {
        create_types(py)?;
        let Some(m) = crate::python::Owned::new(py, PyImport_ImportModule(c"collectd".as_ptr()))
        else {
            crate::python::errors::log_exception(py, b"python initialization");
            return Err(Logged);
        };
        populate(py, m.as_ptr());
    }
    Ok(())
}

/// `PyInit_collectd`: a single-phase module (m_size -1) with functions only;
/// types and constants are added by [`populate`] after import (B-INIT-07/09).
pub extern "C" fn init_module() -> *mut PyObject {
    trap::object(c"collectd.init_module", |_| {
        let mut def = MODULE_DEF.load(Ordering::Acquire);
        if def.is_null() {
            def = Box::leak(Box::new(PyModuleDef {
                m_base: PyModuleDef_HEAD_INIT,
                m_name: c"collectd".as_ptr(),
                m_doc: MODULE_DOC.as_ptr(),
                m_size: -1,
                m_methods: module_methods().as_mut_ptr(),
                m_slots: core::ptr::null_mut(),
                m_traverse: None,
                m_clear: None,
                m_free: None,
            }));
            MODULE_DEF.store(def, Ordering::Release);
        }
        // SAFETY: called by CPython's import machinery with the GIL held; `def` is
        // leaked and therefore valid for the life of the process.
        unsafe { PyModule_Create2(def, PYTHON_API_VERSION) }
    })
}

/// Builds a heap type from slots (leaked: types live as long as Python).
/// # Safety
/// `base` is NULL or a ready type object; every slot in `slots` holds a function
/// of the signature its slot number requires (the `slot::*` constructors).
unsafe fn make_type(
    _py: Gil<'_>,
    name: &'static CStr,
    basicsize: usize,
    flags: c_ulong,
    base: *mut PyObject,
    slots: Vec<PyType_Slot>,
) -> *mut PyObject {
    let mut slots = slots;
    slots.push(PyType_Slot {
        slot: 0,
        pfunc: core::ptr::null_mut(),
    });
    let slots = Box::leak(slots.into_boxed_slice());
    let spec = Box::leak(Box::new(PyType_Spec {
        name: name.as_ptr(),
        basicsize: basicsize as c_int,
        itemsize: 0,
        flags: flags as c_uint,
        slots: slots.as_mut_ptr(),
    }));
    // SAFETY: the token proves the GIL; spec and slot arrays are 'static.
    unsafe {
        let bases = if base.is_null() {
            core::ptr::null_mut()
        } else {
            PyTuple_Pack(1, base)
        };
        let t = PyType_FromSpecWithBases(spec, bases);
        Py_XDECREF(bases);
        t
    }
}

/// Type slots, each typed with the function signature its slot number requires,
/// so that a wrong slot function does not compile.
mod slot {
    use core::ffi::{c_void, CStr};
    use pyo3_ffi::*;

    fn raw(slot: core::ffi::c_int, p: *mut c_void) -> PyType_Slot {
        PyType_Slot { slot, pfunc: p }
    }
    fn leak<T>(v: Vec<T>) -> *mut c_void {
        Box::leak(v.into_boxed_slice()).as_mut_ptr().cast()
    }
    pub fn new(f: newfunc) -> PyType_Slot {
        raw(Py_tp_new, f as *mut c_void)
    }
    pub fn init(f: initproc) -> PyType_Slot {
        raw(Py_tp_init, f as *mut c_void)
    }
    pub fn repr(f: reprfunc) -> PyType_Slot {
        raw(Py_tp_repr, f as *mut c_void)
    }
    pub fn traverse(f: traverseproc) -> PyType_Slot {
        raw(Py_tp_traverse, f as *mut c_void)
    }
    pub fn clear(f: inquiry) -> PyType_Slot {
        raw(Py_tp_clear, f as *mut c_void)
    }
    pub fn dealloc(f: destructor) -> PyType_Slot {
        raw(Py_tp_dealloc, f as *mut c_void)
    }
    /// A NULL-terminated member table (leaked: types live as long as Python).
    pub fn members(v: Vec<PyMemberDef>) -> PyType_Slot {
        raw(Py_tp_members, leak(v))
    }
    pub fn getset(v: Vec<PyGetSetDef>) -> PyType_Slot {
        raw(Py_tp_getset, leak(v))
    }
    pub fn methods(v: Vec<PyMethodDef>) -> PyType_Slot {
        raw(Py_tp_methods, leak(v))
    }
    pub fn doc(d: &'static CStr) -> PyType_Slot {
        raw(Py_tp_doc, d.as_ptr() as *mut c_void)
    }
}

/// Creates the types (B-INIT-04 order). Logs and fails like the C plugin.
pub fn create_types(py: Gil<'_>) -> Result<(), Logged> {
    use plugindata as pd;
    // Static types in the C plugin: class attributes cannot be set (B-TYPE).
    let base = Py_TPFLAGS_DEFAULT | Py_TPFLAGS_BASETYPE | Py_TPFLAGS_IMMUTABLETYPE;
    let gc = base | Py_TPFLAGS_HAVE_GC;
    let fail = |what: &[u8]| {
        let mut ctx: heapless::Vec<u8, 64> = heapless::Vec::new();
        let _ = ctx.extend_from_slice(b"python initialization: ");
        let _ = ctx.extend_from_slice(what);
        crate::python::errors::log_exception(py, &ctx);
    };
    // SAFETY: the base is NULL or a type created above; the slots are built by
    // the typed `slot::*` constructors.
    let t = unsafe {
        make_type(
            py,
            c"collectd.Config",
            core::mem::size_of::<config::Config>(),
            gc,
            core::ptr::null_mut(),
            vec![
                slot::new(config::tp_new),
                slot::init(config::tp_init),
                slot::repr(config::tp_repr),
                slot::traverse(config::tp_traverse),
                slot::clear(config::tp_clear),
                slot::dealloc(config::tp_dealloc),
                slot::members(config::members().to_vec()),
                slot::doc(config::DOC),
            ],
        )
    };
    if t.is_null() {
        fail(b"ConfigType");
        return Err(Logged);
    }
    config::TYPE.store(t, Ordering::Release);

    let mut pd_getset = pd::name_getsets().to_vec();
    pd_getset.push(PyGetSetDef::default());
    // SAFETY: the base is NULL or a type created above; the slots are built by
    // the typed `slot::*` constructors.
    let pdt = unsafe {
        make_type(
            py,
            c"collectd.PluginData",
            core::mem::size_of::<pd::PluginData>(),
            base,
            core::ptr::null_mut(),
            vec![
                slot::new(pd::tp_new),
                slot::init(pd::tp_init),
                slot::repr(pd::tp_repr),
                slot::dealloc(pd::tp_dealloc),
                slot::getset(pd_getset),
                slot::members(vec![pd::time_member(), PyMemberDef::default()]),
                slot::doc(pd::DOC),
            ],
        )
    };
    if pdt.is_null() {
        fail(b"PluginDataType");
        return Err(Logged);
    }
    pd::TYPE.store(pdt, Ordering::Release);

    let methods = vec![
        fast_method(c"dispatch", values::dispatch, values::DISPATCH_DOC),
        fast_method(c"write", values::write, values::WRITE_DOC),
        PyMethodDef::zeroed(),
    ];
    // SAFETY: the base is NULL or a type created above; the slots are built by
    // the typed `slot::*` constructors.
    let vt = unsafe {
        make_type(
            py,
            c"collectd.Values",
            core::mem::size_of::<values::Values>(),
            gc,
            pdt,
            vec![
                slot::new(values::tp_new),
                slot::init(values::tp_init),
                slot::repr(values::tp_repr),
                slot::traverse(values::tp_traverse),
                slot::clear(values::tp_clear),
                slot::dealloc(values::tp_dealloc),
                slot::methods(methods),
                slot::members(values::members().to_vec()),
                slot::doc(values::DOC),
            ],
        )
    };
    if vt.is_null() {
        fail(b"ValuesType");
        return Err(Logged);
    }
    values::TYPE.store(vt, Ordering::Release);

    let methods = vec![
        fast_method(c"dispatch", notification::dispatch, values::DISPATCH_DOC),
        PyMethodDef::zeroed(),
    ];
    // SAFETY: the base is NULL or a type created above; the slots are built by
    // the typed `slot::*` constructors.
    let nt = unsafe {
        make_type(
            py,
            c"collectd.Notification",
            core::mem::size_of::<notification::Notification>(),
            gc,
            pdt,
            vec![
                slot::new(notification::tp_new),
                slot::init(notification::tp_init),
                slot::repr(notification::tp_repr),
                slot::traverse(notification::tp_traverse),
                slot::clear(notification::tp_clear),
                slot::dealloc(notification::tp_dealloc),
                slot::methods(methods),
                slot::members(notification::members().to_vec()),
                slot::getset(notification::getsets().to_vec()),
                slot::doc(notification::DOC),
            ],
        )
    };
    if nt.is_null() {
        fail(b"NotificationType");
        return Err(Logged);
    }
    notification::TYPE.store(nt, Ordering::Release);

    let int_type = core::ptr::addr_of_mut!(PyLong_Type).cast::<PyObject>();
    for (name, doc, cell, what) in [
        (
            c"collectd.Signed",
            signed::SIGNED_DOC,
            &signed::SIGNED,
            &b"SignedType"[..],
        ),
        (
            c"collectd.Unsigned",
            signed::UNSIGNED_DOC,
            &signed::UNSIGNED,
            &b"UnsignedType"[..],
        ),
    ] {
        // SAFETY: the base is NULL or a type created above; the slots are built by
        // the typed `slot::*` constructors.
        let t = unsafe { make_type(py, name, 0, base, int_type, vec![slot::doc(doc)]) };
        if t.is_null() {
            fail(what);
            return Err(Logged);
        }
        cell.store(t, Ordering::Release);
    }
    if crate::python::errors::create_collectd_error(py).is_null() {
        fail(b"CollectdError");
        return Err(Logged);
    }
    Ok(())
}

/// Adds types and constants to the imported module (B-INIT-07 order).
///
/// # Safety
/// `m` the collectd module.
pub unsafe fn populate(_py: Gil<'_>, m: *mut PyObject) {
    // SAFETY: the token proves the GIL; PyModule_AddObjectRef does not steal.
    unsafe {
        let add = |name: &CStr, o: *mut PyObject| {
            if !o.is_null() {
                PyModule_AddObjectRef(m, name.as_ptr(), o);
            }
        };
        add(c"Config", config::TYPE.load(Ordering::Acquire));
        add(c"Values", values::TYPE.load(Ordering::Acquire));
        add(c"Notification", notification::TYPE.load(Ordering::Acquire));
        add(c"Signed", signed::SIGNED.load(Ordering::Acquire));
        add(c"Unsigned", signed::UNSIGNED.load(Ordering::Acquire));
        add(c"CollectdError", crate::python::errors::collectd_error());
        for (name, v) in [
            (c"LOG_DEBUG", LOG_DEBUG),
            (c"LOG_INFO", LOG_INFO),
            (c"LOG_NOTICE", LOG_NOTICE),
            (c"LOG_WARNING", LOG_WARNING),
            (c"LOG_ERROR", LOG_ERR),
            (c"NOTIF_FAILURE", 1),
            (c"NOTIF_WARNING", 2),
            (c"NOTIF_OKAY", 4),
        ] {
            PyModule_AddIntConstant(m, name.as_ptr(), v as _);
        }
        for (name, v) in [
            (c"DS_TYPE_COUNTER", c"counter"),
            (c"DS_TYPE_GAUGE", c"gauge"),
            (c"DS_TYPE_DERIVE", c"derive"),
            (c"DS_TYPE_ABSOLUTE", c"absolute"),
        ] {
            PyModule_AddStringConstant(m, name.as_ptr(), v.as_ptr());
        }
    }
}

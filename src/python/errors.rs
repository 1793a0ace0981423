//! `collectd.CollectdError` and the exception logger every callback uses
//! (B-EXC): one summary line, then the traceback when LogTraces is on.
use crate::host::{LOG_ERR, LOG_WARNING};
use crate::python::{as_text, log_released, Gil, Line, Logged, Owned};
use core::sync::atomic::{AtomicPtr, Ordering};
use pyo3_ffi::*;

static COLLECTD_ERROR: AtomicPtr<PyObject> = AtomicPtr::new(core::ptr::null_mut());
/// `traceback.format_exception` while LogTraces is on (B-CFG-06).
static FORMAT_EXCEPTION: AtomicPtr<PyObject> = AtomicPtr::new(core::ptr::null_mut());

/// `LogTraces true|false` (B-CFG-06): with it on, exceptions are logged with
/// their traceback (`traceback.format_exception`, imported now). Err: the import
/// failed (logged).
///
pub fn set_log_traces(py: Gil<'_>, on: bool) -> Result<(), Logged> {
    // SAFETY: the token proves the GIL; every object is checked before use.
    unsafe {
        if !on {
            let old = FORMAT_EXCEPTION.swap(core::ptr::null_mut(), Ordering::AcqRel);
            drop(Owned::new(py, old));
            return Ok(());
        }
        if !FORMAT_EXCEPTION.load(Ordering::Acquire).is_null() {
            return Ok(());
        }
        let Some(tb) = Owned::new(py, PyImport_ImportModule(c"traceback".as_ptr())) else {
            log_exception(py, b"python initialization");
            return Err(Logged);
        };
        let Some(f) = Owned::new(
            py,
            PyObject_GetAttrString(tb.as_ptr(), c"format_exception".as_ptr()),
        ) else {
            log_exception(py, b"python initialization");
            return Err(Logged);
        };
        FORMAT_EXCEPTION.store(f.into_raw(), Ordering::Release);
    }
    Ok(())
}

/// Forgets the objects held here before the interpreter is finalized (they die
/// with it).
pub fn forget() {
    FORMAT_EXCEPTION.store(core::ptr::null_mut(), Ordering::Release);
    COLLECTD_ERROR.store(core::ptr::null_mut(), Ordering::Release);
}

const DOC: &CStr = c"Basic exception for collectd Python scripts.\n\nThrowing this exception will not cause a stacktrace to be logged, \neven if LogTraces is enabled in the config.";
use core::ffi::CStr;

/// Creates `collectd.CollectdError` (B-INIT-05). Returns a new reference.
pub fn create_collectd_error(_: Gil<'_>) -> *mut PyObject {
    // SAFETY: the token proves the GIL; NULL results are checked.
    unsafe {
        let e = PyErr_NewExceptionWithDoc(
            c"collectd.CollectdError".as_ptr(),
            DOC.as_ptr(),
            core::ptr::null_mut(),
            core::ptr::null_mut(),
        );
        if !e.is_null() {
            Py_INCREF(e);
            COLLECTD_ERROR.store(e, Ordering::Release);
        }
        e
    }
}

/// Logs and clears the pending Python exception with `context` (B-EXC-01..06).
pub fn log_exception(py: Gil<'_>, context: &[u8]) {
    // SAFETY: the token proves the GIL; every object is checked before use and
    // released through `Owned`.
    unsafe {
        let Some(raised) = crate::pyversion::take_raised(py) else {
            return;
        };
        let (Some(t), v, tb) = (
            Owned::new(py, raised.ty),
            Owned::new(py, raised.value),
            Owned::new(py, raised.traceback),
        ) else {
            return;
        };
        let ce = COLLECTD_ERROR.load(Ordering::Acquire);
        let vptr = v.as_ref().map_or(core::ptr::null_mut(), Owned::as_ptr);
        let collectd_error = !ce.is_null()
            && PyErr_GivenExceptionMatches(if vptr.is_null() { t.as_ptr() } else { vptr }, ce) != 0;

        let tn = Owned::new(py, PyObject_GetAttrString(t.as_ptr(), c"__name__".as_ptr()));
        let type_name = tn.as_ref().and_then(|o| as_text(py, o.as_ptr()));
        let m = Owned::new(py, PyObject_Str(vptr));
        let message = m.as_ref().and_then(|o| as_text(py, o.as_ptr()));
        let str_failed = message.is_none();

        let mut l = Line::new();
        if collectd_error {
            l.push(type_name.unwrap_or(b"NamelessException"))
                .push_str(" in ")
                .push(context)
                .push_str(": ")
                .push(message.unwrap_or(b"N/A"));
            log_released(py, LOG_WARNING, &mut l);
        } else {
            l.push_str("Unhandled python exception in ")
                .push(context)
                .push_str(": ")
                .push(type_name.unwrap_or(b"NamelessException"))
                .push_str(": ")
                .push(message.unwrap_or(b"N/A"));
            log_released(py, LOG_ERR, &mut l);
        }
        drop((m, tn));
        let fmt = FORMAT_EXCEPTION.load(Ordering::Acquire);
        if fmt.is_null() || tb.is_none() || collectd_error || str_failed {
            PyErr_Clear();
            return;
        }
        PyErr_Clear();
        let tbp = tb.as_ref().map_or(core::ptr::null_mut(), Owned::as_ptr);
        let list = Owned::new(
            py,
            PyObject_CallFunctionObjArgs(
                fmt,
                t.as_ptr(),
                if vptr.is_null() { Py_None() } else { vptr },
                tbp,
                core::ptr::null_mut::<PyObject>(),
            ),
        );
        if let Some(list) = list {
            let n = PyObject_Length(list.as_ptr());
            for i in 0..n.max(0) {
                let item = Owned::new(py, PySequence_GetItem(list.as_ptr(), i));
                let Some(text) = item.as_ref().and_then(|o| as_text(py, o.as_ptr())) else {
                    PyErr_Clear();
                    continue;
                };
                let text = text.strip_suffix(b"\n").unwrap_or(text);
                let mut l = Line::new();
                l.push(text);
                log_released(py, LOG_ERR, &mut l);
            }
        }
        PyErr_Clear();
    }
}

/// The `CollectdError` type (borrowed; NULL before start-up).
pub fn collectd_error() -> *mut PyObject {
    COLLECTD_ERROR.load(Ordering::Acquire)
}

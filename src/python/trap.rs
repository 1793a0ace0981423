//! Trampolines for every function CPython calls in this module (module
//! functions, methods, `tp_*` slots, getters and setters), as pyo3's are: a
//! panic never unwinds into CPython (that would abort collectd). It becomes a
//! `SystemError` in the calling script, naming the function and the panic
//! message, and an ERROR line in collectd's log; collectd keeps running.
//!
//! Each `extern "C"` function in a slot or method table has its body in one of
//! these wrappers, so the wrapper is the only code between CPython and ours.
use crate::host::LOG_ERR;
use crate::python::{log_released, Gil, Line};
use core::ffi::{c_int, CStr};
use core::panic::AssertUnwindSafe;
use pyo3_ffi::*;

/// An entry point returning a new reference (NULL with an exception on error).
pub fn object(name: &'static CStr, f: impl FnOnce(Gil<'_>) -> *mut PyObject) -> *mut PyObject {
    run(name, true, f).unwrap_or(core::ptr::null_mut())
}

/// An entry point returning 0 on success and -1 with an exception on error
/// (`tp_init`, setters).
pub fn status(name: &'static CStr, f: impl FnOnce(Gil<'_>) -> c_int) -> c_int {
    run(name, true, f).unwrap_or(-1)
}

/// `tp_traverse` and `tp_clear`, which the garbage collector (or a dealloc)
/// calls: a panic is logged and reported as 0 ("nothing to do"). No exception is
/// set (nobody would see it), and one that is pending stays as it was.
pub fn gc(name: &'static CStr, f: impl FnOnce(Gil<'_>) -> c_int) -> c_int {
    run(name, false, f).unwrap_or(0)
}

/// `tp_dealloc`: nothing to return; a panic is logged and the object is leaked.
/// A pending exception (a dealloc often runs while one propagates) is kept.
pub fn unit(name: &'static CStr, f: impl FnOnce(Gil<'_>)) {
    let _ = run(name, false, f);
}

/// Runs `f` with the GIL token CPython's call implies; on a panic logs it, sets
/// SystemError if `raise`, and returns None.
fn run<R>(name: &'static CStr, raise: bool, f: impl FnOnce(Gil<'_>) -> R) -> Option<R> {
    let mut f = Some(f);
    let mut out = None;
    // SAFETY: CPython calls every entry point these trampolines wrap (module
    // functions, methods, slots, getters, setters) with the GIL held, and it stays
    // held until the entry point returns, which ends the token's scope.
    let py = unsafe { Gil::assume() };
    // One non-generic copy of the unwinding and reporting code for every entry
    // point (40 of them): the closure below is all that is generated per caller.
    if run_dyn(py, name, raise, &mut || {
        if let Some(f) = f.take() {
            out = Some(f(py));
        }
    }) {
        out
    } else {
        None
    }
}

/// `run` without generics: false after a panic (reported).
#[inline(never)]
fn run_dyn(py: Gil<'_>, name: &'static CStr, raise: bool, f: &mut dyn FnMut()) -> bool {
    match std::panic::catch_unwind(AssertUnwindSafe(|| {
        test_probe(name);
        f()
    })) {
        Ok(()) => true,
        Err(payload) => {
            let text = payload
                .downcast_ref::<&str>()
                .copied()
                .or_else(|| payload.downcast_ref::<String>().map(String::as_str))
                .unwrap_or("(no message)");
            let mut l = Line::new();
            l.push_str("panic in ")
                .push(name.to_bytes())
                .push_str(": ")
                .push_str(text);
            // SAFETY: every entry point that CPython calls holds the GIL; the
            // message is NUL-terminated by Line.
            unsafe {
                if raise {
                    PyErr_SetString(PyExc_SystemError, l.as_cstr().as_ptr());
                }
                let mut log = Line::new();
                log.push_str("python: ").push(l.as_cstr().to_bytes());
                log_released(py, LOG_ERR, &mut log);
            }
            drop(payload);
            false
        }
    }
}

/// Test builds only: `CDPY_PANIC_IN=<name>` makes the trampoline of that entry
/// point panic, so that tests can drive every trap against a real collectd.
#[cfg(debug_assertions)]
fn test_probe(name: &'static CStr) {
    static WANT: std::sync::OnceLock<Option<String>> = std::sync::OnceLock::new();
    let want = WANT.get_or_init(|| std::env::var("CDPY_PANIC_IN").ok());
    if want
        .as_deref()
        .is_some_and(|w| w.as_bytes() == name.to_bytes())
    {
        panic!("test panic (CDPY_PANIC_IN)");
    }
}

#[cfg(not(debug_assertions))]
fn test_probe(_: &'static CStr) {}

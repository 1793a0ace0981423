//! `collectd.Signed` and `collectd.Unsigned` (B-INT-01): plain `int`
//! subclasses that only mark the storage class of meta values.
use core::sync::atomic::{AtomicPtr, Ordering};
use pyo3_ffi::*;

pub static SIGNED: AtomicPtr<PyObject> = AtomicPtr::new(core::ptr::null_mut());
pub static UNSIGNED: AtomicPtr<PyObject> = AtomicPtr::new(core::ptr::null_mut());

/// # Safety
/// GIL held.
unsafe fn instance_of(o: *mut PyObject, t: &AtomicPtr<PyObject>) -> bool {
    let t = t.load(Ordering::Acquire);
    // SAFETY: GIL held; `t` is a type object when non-NULL.
    !t.is_null() && unsafe { PyObject_TypeCheck(o, t.cast()) } != 0
}

/// # Safety
/// GIL held.
pub unsafe fn is_signed(o: *mut PyObject) -> bool {
    // SAFETY: forwarded contract.
    unsafe { instance_of(o, &SIGNED) }
}

/// # Safety
/// GIL held.
pub unsafe fn is_unsigned(o: *mut PyObject) -> bool {
    // SAFETY: forwarded contract.
    unsafe { instance_of(o, &UNSIGNED) }
}

/// # Safety
/// GIL held.
unsafe fn make(t: &AtomicPtr<PyObject>, n: *mut PyObject) -> *mut PyObject {
    if n.is_null() {
        return n;
    }
    // SAFETY: GIL held; calls the type like `Signed(n)` in the C plugin.
    unsafe {
        let r = PyObject_CallOneArg(t.load(Ordering::Acquire), n);
        Py_DECREF(n);
        r
    }
}

/// `collectd.Signed(v)`, new reference.
///
/// # Safety
/// GIL held.
pub unsafe fn new_signed(v: i64) -> *mut PyObject {
    // SAFETY: GIL held per contract.
    unsafe { make(&SIGNED, PyLong_FromLongLong(v)) }
}

/// `collectd.Unsigned(v)`, new reference.
///
/// # Safety
/// GIL held.
pub unsafe fn new_unsigned(v: u64) -> *mut PyObject {
    // SAFETY: GIL held per contract.
    unsafe { make(&UNSIGNED, PyLong_FromUnsignedLongLong(v)) }
}

pub const SIGNED_DOC: &core::ffi::CStr = c"This is a long by another name. Use it in meta data dicts\nto choose the way it is stored in the meta data.";
pub const UNSIGNED_DOC: &core::ffi::CStr = c"This is a long by another name. Use it in meta data dicts\nto choose the way it is stored in the meta data.";

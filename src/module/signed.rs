//! `collectd.Signed` and `collectd.Unsigned` (B-INT-01): plain `int`
//! subclasses that only mark the storage class of meta values.
use crate::python::Gil;
use core::sync::atomic::{AtomicPtr, Ordering};
use pyo3_ffi::*;

pub static SIGNED: AtomicPtr<PyObject> = AtomicPtr::new(core::ptr::null_mut());
pub static UNSIGNED: AtomicPtr<PyObject> = AtomicPtr::new(core::ptr::null_mut());

/// # Safety
/// `o` is a valid object.
unsafe fn instance_of(_py: Gil<'_>, o: *mut PyObject, t: &AtomicPtr<PyObject>) -> bool {
    let t = t.load(Ordering::Acquire);
    // SAFETY: the token proves the GIL; `t` is a type object when non-NULL.
    !t.is_null() && unsafe { PyObject_TypeCheck(o, t.cast()) } != 0
}

/// # Safety
/// `o` is a valid object.
pub unsafe fn is_signed(py: Gil<'_>, o: *mut PyObject) -> bool {
    // SAFETY: forwarded contract.
    unsafe { instance_of(py, o, &SIGNED) }
}

/// # Safety
/// `o` is a valid object.
pub unsafe fn is_unsigned(py: Gil<'_>, o: *mut PyObject) -> bool {
    // SAFETY: forwarded contract.
    unsafe { instance_of(py, o, &UNSIGNED) }
}

/// # Safety
/// `n` is NULL or a new reference to a valid object.
unsafe fn make(_py: Gil<'_>, t: &AtomicPtr<PyObject>, n: *mut PyObject) -> *mut PyObject {
    if n.is_null() {
        return n;
    }
    // SAFETY: the token proves the GIL; calls the type like `Signed(n)` in the C plugin.
    unsafe {
        let r = PyObject_CallOneArg(t.load(Ordering::Acquire), n);
        Py_DECREF(n);
        r
    }
}

/// `collectd.Signed(v)`, new reference.
pub fn new_signed(py: Gil<'_>, v: i64) -> *mut PyObject {
    // SAFETY: the token proves the GIL.
    unsafe { make(py, &SIGNED, PyLong_FromLongLong(v)) }
}

/// `collectd.Unsigned(v)`, new reference.
pub fn new_unsigned(py: Gil<'_>, v: u64) -> *mut PyObject {
    // SAFETY: the token proves the GIL.
    unsafe { make(py, &UNSIGNED, PyLong_FromUnsignedLongLong(v)) }
}

pub const SIGNED_DOC: &core::ffi::CStr = c"This is a long by another name. Use it in meta data dicts\nto choose the way it is stored in the meta data.";
pub const UNSIGNED_DOC: &core::ffi::CStr = c"This is a long by another name. Use it in meta data dicts\nto choose the way it is stored in the meta data.";

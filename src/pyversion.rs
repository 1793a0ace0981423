//! Everything that differs between the CPython versions we support (3.10 to 3.14):
//! the one file with pyo3's `Py_3_x` cfgs (emitted by `build.rs`). The rest of the
//! crate calls these helpers and is the same for every version.
use crate::gil::Gil;
use core::ffi::{c_char, CStr};
use pyo3_ffi::*;

/// One entry of a `PyArg_ParseTupleAndKeywords` keyword list: `char *` up to 3.12,
/// `const char *` from 3.13 on (the C API made the list const).
#[cfg(not(Py_3_13))]
type KwName = *mut c_char;
#[cfg(Py_3_13)]
type KwName = *const c_char;

/// A NULL-terminated keyword list for `PyArg_ParseTupleAndKeywords`.
pub struct Kwlist<const N: usize>([KwName; N]);

impl<const N: usize> Kwlist<N> {
    /// `c""` marks the terminating NULL (always the last entry).
    pub fn new(names: [&'static CStr; N]) -> Kwlist<N> {
        Kwlist(names.map(|n| {
            if n.is_empty() {
                core::ptr::null_mut()
            } else {
                n.as_ptr() as KwName
            }
        }))
    }

    /// The list for `names` and the NULL after them (so `N` is `M + 1`).
    pub fn of<const M: usize>(names: &[&'static CStr; M]) -> Kwlist<N> {
        const { assert!(N == M + 1, "a keyword list is its names and one NULL") };
        let mut list = [core::ptr::null_mut::<c_char>() as KwName; N];
        for (slot, name) in list.iter_mut().zip(names) {
            *slot = name.as_ptr() as KwName;
        }
        Kwlist(list)
    }

    /// The list as the `keywords` argument; CPython only reads it.
    pub fn as_mut_ptr(&mut self) -> *mut KwName {
        self.0.as_mut_ptr()
    }
}

/// The raised exception, taken from the interpreter (which then has none set):
/// new references to its type, its (normalized) value and its traceback.
pub struct Raised {
    pub ty: *mut PyObject,
    pub value: *mut PyObject,
    pub traceback: *mut PyObject,
}

/// Takes the pending exception, or `None` if there is none.
#[cfg(Py_3_12)]
pub fn take_raised(_: Gil<'_>) -> Option<Raised> {
    // SAFETY: the token proves the GIL; PyErr_GetRaisedException returns a new
    // reference to a normalized exception instance or NULL, and the type and the
    // traceback are read from that live instance (new references as well).
    unsafe {
        let value = PyErr_GetRaisedException();
        if value.is_null() {
            return None;
        }
        let ty = Py_TYPE(value).cast::<PyObject>();
        Py_INCREF(ty);
        let traceback = PyException_GetTraceback(value);
        Some(Raised {
            ty,
            value,
            traceback,
        })
    }
}

/// Takes the pending exception, or `None` if there is none.
#[cfg(not(Py_3_12))]
pub fn take_raised(_: Gil<'_>) -> Option<Raised> {
    let mut ty = core::ptr::null_mut();
    let mut value = core::ptr::null_mut();
    let mut traceback = core::ptr::null_mut();
    // SAFETY: the token proves the GIL; Fetch moves the three new references (or
    // NULLs) out of the thread state into our locals, and Normalize replaces them
    // in place with an instance of the type.
    unsafe {
        PyErr_Fetch(&mut ty, &mut value, &mut traceback);
        if ty.is_null() {
            return None;
        }
        PyErr_NormalizeException(&mut ty, &mut value, &mut traceback);
    }
    Some(Raised {
        ty,
        value,
        traceback,
    })
}

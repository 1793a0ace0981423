//! Helpers over the raw CPython API, below the interpreter's lifecycle and the
//! `collectd` module: owned references, text conversions with the C plugin's
//! rules (B-STR), fixed-size log-line buffers; the exception logger (`errors`)
//! and the trampolines for CPython's entry points (`trap`).
pub mod args;
pub mod errors;
pub mod trap;

pub use crate::gil::Gil;

use core::ffi::{c_char, CStr};
use core::marker::PhantomData;
use core::ptr::NonNull;
use pyo3_ffi::*;

/// The error of a step whose failure was already logged through collectd (the
/// C plugin's messages), with no Python exception left pending. Functions that
/// leave a Python exception set instead return NULL / -1 to CPython, or `None`
/// where their docs say so.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Logged;

/// The error of a step that left a Python exception pending (set with
/// `PyErr_Set*` or by the CPython call that failed): the caller returns NULL /
/// -1 to CPython, or logs it with `errors::log_exception`. The other error,
/// `Logged`, means the opposite: reported already, nothing pending.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Pending;

/// A strong reference, made and dropped with the GIL held: it cannot outlive the
/// `Gil<'py>` it was made with, nor be used while `allow_threads` runs.
pub struct Owned<'py>(NonNull<PyObject>, PhantomData<Gil<'py>>);

impl<'py> Owned<'py> {
    /// Takes ownership of a new reference; `None` for NULL (error set).
    pub fn new(_: Gil<'py>, p: *mut PyObject) -> Option<Owned<'py>> {
        NonNull::new(p).map(|p| Owned(p, PhantomData))
    }
    /// Takes a new strong reference to a borrowed, non-NULL object.
    ///
    /// # Safety
    /// `p` is a valid object.
    pub unsafe fn borrowed(_: Gil<'py>, p: *mut PyObject) -> Owned<'py> {
        // SAFETY: the token proves the GIL; `p` is a live object per the contract.
        unsafe { Py_INCREF(p) };
        // SAFETY: `p` is non-NULL per the contract.
        Owned(unsafe { NonNull::new_unchecked(p) }, PhantomData)
    }
    pub fn as_ptr(&self) -> *mut PyObject {
        self.0.as_ptr()
    }
    pub fn into_raw(self) -> *mut PyObject {
        let p = self.0.as_ptr();
        core::mem::forget(self);
        p
    }
}

impl Drop for Owned<'_> {
    fn drop(&mut self) {
        // SAFETY: an `Owned` holds one strong reference, and it is dropped while
        // the GIL is held: it lives no longer than its `Gil<'py>`, and cannot be
        // dropped inside `allow_threads` (neither `Send` nor `Sync`).
        unsafe { Py_DECREF(self.0.as_ptr()) }
    }
}

/// A `char *` produced by PyArg's `et` converter; freed with `PyMem_Free`.
pub struct ArgStr(pub *mut c_char);

impl ArgStr {
    pub const fn none() -> ArgStr {
        ArgStr(core::ptr::null_mut())
    }
    pub fn get(&self) -> Option<&CStr> {
        if self.0.is_null() {
            None
        } else {
            // SAFETY: `et` stores a NUL-terminated PyMem buffer that we own until drop.
            Some(unsafe { CStr::from_ptr(self.0) })
        }
    }
    pub fn bytes(&self) -> Option<&[u8]> {
        self.get().map(CStr::to_bytes)
    }
}

impl Drop for ArgStr {
    fn drop(&mut self) {
        if !self.0.is_null() {
            // SAFETY: allocated by PyArg's `et` with PyMem_NEW; PyMem_Free is safe to
            // call without the GIL only for the raw domain, so callers drop ArgStr with
            // the GIL held (it never crosses a GIL release).
            unsafe { PyMem_Free(self.0.cast()) }
        }
    }
}

/// A PyArg keyword list: `c""` marks the terminating NULL.
pub fn kwlist<const N: usize>(names: [&'static CStr; N]) -> crate::pyversion::Kwlist<N> {
    crate::pyversion::Kwlist::new(names)
}

/// C text → Python: UTF-8 `str`, or `bytes` if not valid UTF-8 (B-STR-05); a
/// new reference, or NULL with an exception set.
pub fn text_from_c(_: Gil<'_>, b: &[u8]) -> *mut PyObject {
    // SAFETY: pointer/length describe `b`; the token proves the GIL.
    unsafe {
        let s = PyUnicode_DecodeUTF8(b.as_ptr().cast(), b.len() as Py_ssize_t, core::ptr::null());
        if !s.is_null() {
            return s;
        }
        PyErr_Clear();
        PyBytes_FromStringAndSize(b.as_ptr().cast(), b.len() as Py_ssize_t)
    }
}

/// Python → C text like `cpy_unicode_or_bytes_to_string`: str (UTF-8, strict)
/// or bytes; cut at the first NUL. Other types: `None` with TypeError set.
/// The slice borrows from `o`'s internal buffer.
///
/// # Safety
/// `o` valid and kept alive while the slice is used.
pub unsafe fn as_text<'a>(py: Gil<'_>, o: *mut PyObject) -> Option<&'a [u8]> {
    // SAFETY: forwarded contract.
    unsafe { as_text_uncut(py, o) }.map(crate::cstr::until_nul)
}

/// `as_text` without the cut at the first NUL, for a consumer that cuts while
/// it copies (the meta pool).
///
/// # Safety
/// As `as_text`.
pub unsafe fn as_text_uncut<'a>(_: Gil<'_>, o: *mut PyObject) -> Option<&'a [u8]> {
    let mut len: Py_ssize_t = 0;
    // SAFETY: the token proves the GIL; `o` is valid (contract); both APIs
    // return pointers into `o`'s own storage.
    let p = unsafe {
        if PyUnicode_Check(o) != 0 {
            PyUnicode_AsUTF8AndSize(o, &mut len)
        } else {
            let mut p: *mut c_char = core::ptr::null_mut();
            if PyBytes_AsStringAndSize(o, &mut p, &mut len) != 0 {
                return None;
            }
            p
        }
    };
    if p.is_null() {
        return None;
    }
    // SAFETY: CPython guarantees `len` readable bytes at `p` while `o` lives.
    let b = unsafe { core::slice::from_raw_parts(p.cast::<u8>(), len as usize) };
    Some(b)
}

/// Runs `f` with the GIL released (Py_BEGIN/END_ALLOW_THREADS). `f` is `Send`,
/// so it holds no `Gil` and no `Owned` (nor a reference to one): it cannot touch
/// Python.
pub fn allow_threads<R>(_: Gil<'_>, f: impl FnOnce() -> R + Send) -> R {
    // SAFETY: the token proves this thread holds the GIL; the saved state is
    // restored below, also when `f` panics.
    let st = unsafe { PyEval_SaveThread() };
    let r = std::panic::catch_unwind(std::panic::AssertUnwindSafe(f));
    // SAFETY: `st` came from the matching PyEval_SaveThread on this thread.
    unsafe { PyEval_RestoreThread(st) };
    match r {
        Ok(r) => r,
        Err(p) => std::panic::resume_unwind(p),
    }
}

/// A log line built on the stack; collectd truncates at 1023 bytes anyway.
pub struct Line {
    buf: heapless::Vec<u8, 1024>,
}

impl Default for Line {
    fn default() -> Self {
        Self::new()
    }
}

impl Line {
    pub fn new() -> Line {
        Line {
            buf: heapless::Vec::new(),
        }
    }
    pub fn push(&mut self, b: &[u8]) -> &mut Self {
        let room = 1023 - self.buf.len();
        let b = &b[..memchr::memchr(0, b).unwrap_or(b.len()).min(room)];
        let _ = self.buf.extend_from_slice(b);
        self
    }
    pub fn push_str(&mut self, s: &str) -> &mut Self {
        self.push(s.as_bytes())
    }
    pub fn as_cstr(&mut self) -> &CStr {
        let _ = self.buf.push(0);
        let c = CStr::from_bytes_until_nul(&self.buf).unwrap_or_default();
        c
    }
}

impl core::fmt::Write for Line {
    fn write_str(&mut self, s: &str) -> core::fmt::Result {
        self.push_str(s);
        Ok(())
    }
}

/// Logs through the host with the GIL released (B-THR-04).
pub fn log_released(py: Gil<'_>, level: i32, line: &mut Line) {
    let msg = line.as_cstr();
    allow_threads(py, || crate::host::host().log(level, msg))
}

/// Sets a Python exception of type `exc` with a message built in a Line.
///
/// # Safety
/// `exc` is an exception type (one of CPython's `PyExc_*`).
pub unsafe fn set_error(_: Gil<'_>, exc: *mut PyObject, line: &mut Line) {
    let msg = line.as_cstr();
    // SAFETY: the token proves the GIL; `exc` per contract; `msg` is NUL-terminated.
    unsafe { PyErr_SetString(exc, msg.as_ptr()) }
}

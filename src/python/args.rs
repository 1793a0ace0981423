//! The fast path of argument parsing for the hot `METH_FASTCALL | METH_KEYWORDS`
//! entry points (`Values.dispatch`, `Notification.dispatch`, the log functions):
//! arguments are matched to their keyword slots by the pointer of the interned
//! keyword name, and converted only when they have the exact built-in type, which
//! calls no Python code. Anything else (an unknown or repeated keyword, a
//! subclass, an embedded NUL, an encoding error, too many arguments) returns
//! `None`, and the caller parses the call again with `PyArg_ParseTuple*` through
//! `slow_args`, which gives CPython's own messages and semantics. Since the fast
//! path has no side effects, running both is never visible.
use crate::python::Gil;
use crate::python::Owned;
use crate::pyversion::Kwlist;
use core::ffi::{c_char, c_int, CStr};
use core::sync::atomic::{AtomicPtr, Ordering};
use pyo3_ffi::*;

/// The keyword names of one entry point, interned on first use.
pub struct Keywords<const N: usize> {
    names: [&'static CStr; N],
    interned: [AtomicPtr<PyObject>; N],
}

impl<const N: usize> Keywords<N> {
    pub const fn new(names: [&'static CStr; N]) -> Keywords<N> {
        Keywords {
            names,
            interned: [const { AtomicPtr::new(core::ptr::null_mut()) }; N],
        }
    }

    /// The same names as a NULL-terminated list for `PyArg_ParseTupleAndKeywords`
    /// (the slow path), so both paths know one list (`M` is `N + 1`).
    pub fn kwlist<const M: usize>(&self) -> Kwlist<M> {
        Kwlist::of(&self.names)
    }

    /// The interned `str` of keyword `i` (a new one is kept for the process's
    /// life); NULL if interning failed (memory), with the error cleared.
    fn name(&self, _py: Gil<'_>, i: usize) -> *mut PyObject {
        let p = self.interned[i].load(Ordering::Relaxed);
        if !p.is_null() {
            return p;
        }
        // SAFETY: the token proves the GIL, which also serialises the store (two
        // threads cannot both get here at once).
        unsafe {
            let s = PyUnicode_InternFromString(self.names[i].as_ptr());
            if s.is_null() {
                PyErr_Clear();
            }
            self.interned[i].store(s, Ordering::Relaxed);
            s
        }
    }

    /// Fills `out` with the borrowed arguments of a vectorcall, by keyword slot
    /// (positional ones first, in order); NULL for a missing one. `None` if the
    /// call needs the slow path.
    ///
    /// # Safety
    /// `args`, `nargs` and `kwnames` as CPython passes them to a
    /// `METH_FASTCALL | METH_KEYWORDS` function.
    pub unsafe fn match_args(
        &self,
        py: Gil<'_>,
        args: *const *mut PyObject,
        nargs: Py_ssize_t,
        kwnames: *mut PyObject,
        out: &mut [*mut PyObject; N],
    ) -> Option<()> {
        let nargs = usize::try_from(nargs).ok()?;
        if nargs > N {
            return None;
        }
        // SAFETY: the token proves the GIL; CPython guarantees `nargs` positional arguments
        // followed by one per name in `kwnames` (a tuple of str, or NULL).
        unsafe {
            for (i, slot) in out.iter_mut().enumerate().take(nargs) {
                *slot = *args.add(i);
            }
            if kwnames.is_null() {
                return Some(());
            }
            let nkw = PyTuple_GET_SIZE(kwnames) as usize;
            for k in 0..nkw {
                let name = PyTuple_GET_ITEM(kwnames, k as Py_ssize_t);
                let slot = (0..N).find(|&i| self.name(py, i) == name)?;
                if !out[slot].is_null() {
                    return None; // given twice: the slow path has the message
                }
                out[slot] = *args.add(nargs + k);
            }
        }
        Some(())
    }
}

/// The positional tuple and keyword dict of a vectorcall, for `PyArg_Parse*`.
///
/// # Safety
/// the arguments as in `Keywords::match_args`.
pub unsafe fn slow_args<'py>(
    py: Gil<'py>,
    args: *const *mut PyObject,
    nargs: Py_ssize_t,
    kwnames: *mut PyObject,
) -> Option<(Owned<'py>, Option<Owned<'py>>)> {
    // SAFETY: the token proves the GIL; `args` holds `nargs` + len(kwnames)
    // borrowed objects; the new references are owned by `Owned`.
    unsafe {
        let tuple = Owned::new(py, PyTuple_New(nargs))?;
        for i in 0..nargs {
            let a = *args.add(i as usize);
            Py_INCREF(a);
            PyTuple_SET_ITEM(tuple.as_ptr(), i, a);
        }
        if kwnames.is_null() || PyTuple_GET_SIZE(kwnames) == 0 {
            return Some((tuple, None));
        }
        let dict = Owned::new(py, PyDict_New())?;
        for k in 0..PyTuple_GET_SIZE(kwnames) {
            let v = *args.add((nargs + k) as usize);
            if PyDict_SetItem(dict.as_ptr(), PyTuple_GET_ITEM(kwnames, k), v) != 0 {
                return None;
            }
        }
        Some((tuple, Some(dict)))
    }
}

/// PyArg's `et` (no encoding given: UTF-8) for an exact `str` or `bytes`
/// without NUL; borrows `o`'s buffer. `None` for anything else, no error set.
///
/// # Safety
/// `o` valid, kept alive while the slice is used.
pub unsafe fn text<'a>(_py: Gil<'_>, o: *mut PyObject) -> Option<&'a [u8]> {
    let mut len: Py_ssize_t = 0;
    // SAFETY: the token proves the GIL; both APIs return pointers into `o`'s own storage, valid
    // while `o` lives and is not mutated (str and bytes are immutable).
    let p: *const c_char = unsafe {
        if PyUnicode_CheckExact(o) != 0 {
            let p = PyUnicode_AsUTF8AndSize(o, &mut len);
            if p.is_null() {
                PyErr_Clear(); // e.g. a lone surrogate: the slow path raises it
                return None;
            }
            p
        } else if PyBytes_CheckExact(o) != 0 {
            len = Py_SIZE(o); // a bytes object's ob_size is its length
            PyBytes_AS_STRING(o)
        } else {
            return None;
        }
    };
    // SAFETY: CPython guarantees `len` readable bytes at `p` while `o` lives.
    let b = unsafe { core::slice::from_raw_parts(p.cast::<u8>(), len as usize) };
    // `et` refuses embedded NULs ("encoded string without null bytes")
    memchr::memchr(0, b).is_none().then_some(b)
}

/// A given text argument: `Some(None)` if absent (NULL), `None` if the slow
/// path must convert it.
///
/// # Safety
/// `o` NULL or valid, kept alive while the slice is used.
pub unsafe fn opt_text<'a>(py: Gil<'_>, o: *mut PyObject) -> Option<Option<&'a [u8]>> {
    if o.is_null() {
        Some(None)
    } else {
        // SAFETY: the token proves the GIL; `o` valid per contract.
        unsafe { text(py, o) }.map(Some)
    }
}

/// `text` as a C string: CPython keeps a NUL after the bytes of both a `str`'s
/// UTF-8 form and a `bytes` object.
///
/// # Safety
/// As `text`.
pub unsafe fn c_text<'a>(py: Gil<'_>, o: *mut PyObject) -> Option<&'a CStr> {
    // SAFETY: per contract, as in `text`.
    let b = unsafe { text(py, o) }?;
    // SAFETY: `b` has no NUL (checked by `text`) and is followed by the NUL
    // CPython stores after every str's UTF-8 buffer and every bytes object.
    Some(unsafe {
        CStr::from_bytes_with_nul_unchecked(core::slice::from_raw_parts(b.as_ptr(), b.len() + 1))
    })
}

/// PyArg's `d` for an exact `float` or `int`; `None` for anything else or an
/// int too large for a double, no error set.
///
/// # Safety
/// `o` valid.
pub unsafe fn double(_py: Gil<'_>, o: *mut PyObject) -> Option<f64> {
    // SAFETY: the token proves the GIL; exact float / int are read without calling Python code.
    unsafe {
        if PyFloat_CheckExact(o) != 0 {
            return Some(PyFloat_AS_DOUBLE(o));
        }
        if PyLong_CheckExact(o) != 0 {
            let d = PyLong_AsDouble(o);
            if d == -1.0 && !PyErr_Occurred().is_null() {
                PyErr_Clear();
                return None;
            }
            return Some(d);
        }
    }
    None
}

/// PyArg's `i` for an exact `int` in C int range; `None` otherwise, no error set.
///
/// # Safety
/// `o` valid.
pub unsafe fn int(_py: Gil<'_>, o: *mut PyObject) -> Option<c_int> {
    // SAFETY: the token proves the GIL; an exact int is read without calling Python code.
    unsafe {
        if PyLong_CheckExact(o) == 0 {
            return None;
        }
        let mut overflow: c_int = 0;
        let v = PyLong_AsLongAndOverflow(o, &mut overflow);
        if overflow != 0 || (v == -1 && !PyErr_Occurred().is_null()) {
            PyErr_Clear();
            return None;
        }
        c_int::try_from(v).ok()
    }
}

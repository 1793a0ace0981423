//! `collectd.Values` (B-VAL): attributes, constructor, repr, `dispatch` and
//! `write`. A dispatch converts into a stack `ValueList` (fixed capacity) and
//! hands it to the host with the GIL released.
use crate::host::host;
use crate::meta::Staged;
use crate::module::datasets;
use crate::module::plugindata::{self, dataset_not_found, fields, NameArgs, PluginData, Repr};
use crate::module::signed;
use crate::python::args::{self, Keywords};
use crate::python::errors::log_exception;
use crate::python::trap;
use crate::python::Gil;
use crate::python::{allow_threads, as_text_uncut, set_error, ArgStr, Line, Owned, Pending};
use crate::values::{double_to_cdtime, DsType, DsTypes, Name, Value, ValueList, MAX_VALUES};
use core::ffi::{c_char, c_int, CStr};
use core::fmt::Write as _;
use core::mem::offset_of;
use core::sync::atomic::{AtomicPtr, Ordering};
use pyo3_ffi::*;

#[repr(C)]
pub struct Values {
    pub data: PluginData,
    pub values: *mut PyObject,
    pub meta: *mut PyObject,
    pub interval: f64,
}

pub static TYPE: AtomicPtr<PyObject> = AtomicPtr::new(core::ptr::null_mut());

pub unsafe extern "C" fn tp_new(
    t: *mut PyTypeObject,
    _a: *mut PyObject,
    _k: *mut PyObject,
) -> *mut PyObject {
    trap::object(c"Values.tp_new", |py| {
        // SAFETY: CPython calls tp_new with the GIL held and a subtype of Values.
        unsafe {
            let o = plugindata::alloc(py, t);
            if o.is_null() {
                return o;
            }
            plugindata::reset(o);
            let v = &mut *o.cast::<Values>();
            v.values = PyList_New(0);
            v.meta = PyDict_New();
            v.interval = 0.0;
            o
        }
    })
}

pub unsafe extern "C" fn tp_init(
    o: *mut PyObject,
    args: *mut PyObject,
    kwds: *mut PyObject,
) -> c_int {
    trap::status(c"Values.tp_init", |py| {
        let mut n = NameArgs::new();
        let mut values: *mut PyObject = core::ptr::null_mut();
        let mut meta: *mut PyObject = core::ptr::null_mut();
        let (mut time, mut interval) = (0f64, 0f64);
        let mut kwl = DISPATCH_KW.kwlist::<10>();
        let enc = core::ptr::null::<c_char>();
        // SAFETY: GIL held (CPython slot); the format matches the output pointers.
        unsafe {
            if PyArg_ParseTupleAndKeywords(
                args,
                kwds,
                c"|etOetetetetddO".as_ptr(),
                kwl.as_mut_ptr(),
                enc,
                &mut n.type_.0,
                &mut values,
                enc,
                &mut n.plugin_instance.0,
                enc,
                &mut n.type_instance.0,
                enc,
                &mut n.plugin.0,
                enc,
                &mut n.host.0,
                &mut time,
                &mut interval,
                &mut meta,
            ) == 0
            {
                return -1;
            }
            if !n.type_known(py) {
                return -1;
            }
            plugindata::store_names(o, &n);
            let v = &mut *o.cast::<Values>();
            v.data.time = time;
            let values = if values.is_null() {
                PyList_New(0)
            } else {
                Owned::borrowed(py, values).into_raw()
            };
            let meta = if meta.is_null() {
                PyDict_New()
            } else {
                Owned::borrowed(py, meta).into_raw()
            };
            let old = core::mem::replace(&mut v.values, values);
            Py_XDECREF(old);
            let old = core::mem::replace(&mut v.meta, meta);
            Py_XDECREF(old);
            v.interval = interval;
            0
        }
    })
}

pub unsafe extern "C" fn tp_repr(o: *mut PyObject) -> *mut PyObject {
    trap::object(c"Values.tp_repr", |py| {
        // SAFETY: GIL held (CPython slot); `o` is a Values instance.
        unsafe {
            let v = &*o.cast::<Values>();
            let mut r = Repr::common(py, o);
            if v.interval != 0.0 {
                r.lit(py, c",interval=");
                r.repr_of(py, Owned::new(py, PyFloat_FromDouble(v.interval)));
            }
            if !v.values.is_null()
                && (PyList_Check(v.values) == 0 || PySequence_Length(v.values) > 0)
            {
                r.lit(py, c",values=");
                r.repr_of(py, Some(Owned::borrowed(py, v.values)));
            }
            if !v.meta.is_null() && (PyDict_Check(v.meta) == 0 || PyDict_Size(v.meta) > 0) {
                r.lit(py, c",meta=");
                r.repr_of(py, Some(Owned::borrowed(py, v.meta)));
            }
            r.lit(py, c")");
            r.finish()
        }
    })
}

pub unsafe extern "C" fn tp_traverse(
    o: *mut PyObject,
    visit: visitproc,
    arg: *mut core::ffi::c_void,
) -> c_int {
    trap::gc(c"Values.tp_traverse", |_| {
        // SAFETY: GC calls this with a valid Values instance.
        unsafe {
            let v = &*o.cast::<Values>();
            plugindata::visit_each(o, &[v.values, v.meta], visit, arg)
        }
    })
}

pub unsafe extern "C" fn tp_clear(o: *mut PyObject) -> c_int {
    trap::gc(c"Values.tp_clear", |py| {
        // SAFETY: the token proves the GIL; the fields hold owned references.
        unsafe {
            let v = &mut *o.cast::<Values>();
            plugindata::clear_each(py, &mut [&mut v.values, &mut v.meta]);
        }
        0
    })
}

pub unsafe extern "C" fn tp_dealloc(o: *mut PyObject) {
    trap::unit(c"Values.tp_dealloc", |_| {
        // SAFETY: called once by CPython at refcount zero with the GIL held.
        unsafe { plugindata::gc_dealloc(o, tp_clear) }
    })
}

/// Converts one element per its data-source type (B-VAL-11); on failure the
/// Python exception is pending.
/// # Safety
/// `item` is a valid object.
unsafe fn convert(
    py: Gil<'_>,
    item: *mut PyObject,
    t: i32,
    type_name: &Name,
) -> Result<Value, Pending> {
    // SAFETY: the token proves the GIL; new references are owned by `Owned`.
    unsafe {
        // Exact floats and ints: what PyNumber_Float/PyNumber_Long would return
        // is the object itself (or its exact value), so read it directly.
        let exact = match DsType::from_raw(t) {
            Some(DsType::Gauge) if PyFloat_CheckExact(item) != 0 => {
                Some(Value::Gauge(PyFloat_AS_DOUBLE(item)))
            }
            Some(k) if PyLong_CheckExact(item) != 0 => Some(match k {
                DsType::Gauge => Value::Gauge(PyLong_AsDouble(item)),
                DsType::Derive => Value::Derive(PyLong_AsLongLong(item)),
                DsType::Counter => Value::Counter(PyLong_AsUnsignedLongLong(item)),
                DsType::Absolute => Value::Absolute(PyLong_AsUnsignedLongLong(item)),
            }),
            _ => None,
        };
        if let Some(v) = exact {
            return if PyErr_Occurred().is_null() {
                Ok(v)
            } else {
                Err(Pending)
            };
        }
        let v = match DsType::from_raw(t) {
            Some(DsType::Gauge) => {
                let n = Owned::new(py, PyNumber_Float(item)).ok_or(Pending)?;
                Value::Gauge(PyFloat_AsDouble(n.as_ptr()))
            }
            Some(k) => {
                let n = Owned::new(py, PyNumber_Long(item)).ok_or(Pending)?;
                match k {
                    DsType::Derive => Value::Derive(PyLong_AsLongLong(n.as_ptr())),
                    DsType::Counter => Value::Counter(PyLong_AsUnsignedLongLong(n.as_ptr())),
                    _ => Value::Absolute(PyLong_AsUnsignedLongLong(n.as_ptr())),
                }
            }
            None => {
                let mut l = Line::new();
                let _ = write!(l, "unknown data type {t} for ");
                l.push(type_name.as_bytes());
                set_error(py, PyExc_RuntimeError, &mut l);
                return Err(Pending);
            }
        };
        if PyErr_Occurred().is_null() {
            Ok(v)
        } else {
            Err(Pending)
        }
    }
}

/// The objects whose text a meta pool borrows (`MetaPool::add_borrowed`): one
/// reference each, held until the dispatch is over. Declare it before the value
/// list or notification whose pool borrows from it, so that it is dropped after
/// it, with the GIL held.
pub struct Keep<'py> {
    objects: heapless::Vec<Owned<'py>, { 2 * crate::meta::META_MAX_ENTRIES }>,
}

impl<'py> Keep<'py> {
    pub fn new(_: Gil<'py>) -> Keep<'py> {
        Keep {
            objects: heapless::Vec::new(),
        }
    }

    /// Stages `k = v` into `pool` without copying its text, keeping `key` (the
    /// owner of `k`) and `owner` (that of a string `v`) alive; false, with
    /// nothing staged, when there is no room left to keep them.
    ///
    /// # Safety
    /// `k` is the text of `key` and a string `v` that of `owner`, as
    /// `as_text_uncut` returns it (a str's UTF-8 buffer or a bytes object's
    /// data, which CPython keeps NUL-terminated and unchanged while the object
    /// lives); `pool` is dropped before `self`.
    unsafe fn stage(
        &mut self,
        py: Gil<'py>,
        pool: &mut crate::meta::MetaPool,
        key: *mut PyObject,
        k: &[u8],
        owner: *mut PyObject,
        v: Staged<'_>,
    ) -> bool {
        let need = if matches!(v, Staged::String(_)) { 2 } else { 1 };
        if self.objects.capacity() - self.objects.len() < need {
            return false;
        }
        // SAFETY: the token proves the GIL; the references taken here keep both buffers
        // alive and unchanged until `self` is dropped, after `pool` (contract),
        // which is what add_borrowed asks for.
        unsafe {
            let _ = self.objects.push(Owned::borrowed(py, key));
            if need == 2 {
                let _ = self.objects.push(Owned::borrowed(py, owner));
            }
            pool.add_borrowed(k.as_ptr().cast(), v.map(|s| s.as_ptr().cast()));
        }
        true
    }
}

/// Stages a meta dict into the pool like `cpy_build_meta` (B-META-01): problems
/// are logged with context `building meta data`; every entry 5.12 stores is kept,
/// however many and however long (the pool spills to the heap past its fixed part).
/// Text is borrowed from the dict's objects, which `keep` keeps alive.
///
/// # Safety
/// `pool` is dropped before `keep`.
pub unsafe fn stage_meta<'py>(
    py: Gil<'py>,
    meta: *mut PyObject,
    pool: &mut crate::meta::MetaPool,
    keep: &mut Keep<'py>,
) {
    // SAFETY: the token proves the GIL.
    unsafe {
        if meta.is_null() || meta == Py_None() {
            return;
        }
        let mut done = 0;
        if PyDict_CheckExact(meta) != 0 {
            if PyDict_Size(meta) == 0 {
                return;
            }
            // Staging a plain value runs no Python code, so the entries are
            // staged straight from the dict, in the order PyDict_Items gives,
            // until one is not plain; the rest come from the snapshot below,
            // skipping the entries staged already. (That snapshot is taken
            // later than 5.12 takes it, which differs only if a Python log
            // callback changed this dict while an earlier entry's conversion
            // error was being logged.)
            // (Only the log line of a failed conversion can reach a Python log
            // callback; `stage_entry` is done with the entry by then, and
            // PyDict_Next stays memory-safe over a changed dict.)
            if dict_entries(py, meta, |k, v| {
                let staged = stage_entry(py, k, v, pool, keep, true);
                if staged {
                    done += 1;
                }
                staged
            }) {
                return;
            }
        }
        // A snapshot, as cpy_build_meta takes: str() of a value may run code
        // that changes the dict.
        let Some(items) = Owned::new(py, PyDict_Items(meta)) else {
            log_exception(py, b"building meta data");
            return;
        };
        let n = PyList_Size(items.as_ptr());
        for i in done..n.max(0) {
            let item = PyList_GetItem(items.as_ptr(), i);
            let key = Owned::borrowed(py, PyTuple_GetItem(item, 0));
            let value = Owned::borrowed(py, PyTuple_GetItem(item, 1));
            stage_entry(py, key.as_ptr(), value.as_ptr(), pool, keep, false);
        }
    }
}

/// Calls `f` on each (key, value) of an exact dict, in order, while it
/// returns true; returns whether every call did.
///
/// # Safety
/// `d` an exact dict that `f` does not change.
unsafe fn dict_entries(
    _py: Gil<'_>,
    d: *mut PyObject,
    mut f: impl FnMut(*mut PyObject, *mut PyObject) -> bool,
) -> bool {
    let mut pos: Py_ssize_t = 0;
    let (mut k, mut v) = (core::ptr::null_mut(), core::ptr::null_mut());
    // SAFETY: the token proves the GIL; PyDict_Next yields borrowed references
    // that stay valid while the dict is unchanged.
    while unsafe { PyDict_Next(d, &mut pos, &mut k, &mut v) } != 0 {
        if !f(k, v) {
            return false;
        }
    }
    true
}

/// A meta value converted without calling Python code (exact str, int, float,
/// bytes, the bools, float subclasses, Signed, Unsigned): `None` if `vp` is none
/// of these; else the staged value, or `None` inside with the conversion's
/// exception set. The branches 5.12 takes for them: exact types first (an exact
/// int is neither bool, float, Signed nor Unsigned, and PyNumber_Long would
/// return it unchanged), so the common values need no subtype check.
///
/// # Safety
/// `vp` valid, kept alive while the staged text is used.
unsafe fn plain_value<'a>(py: Gil<'_>, vp: *mut PyObject) -> Option<Option<Staged<'a>>> {
    // SAFETY: the token proves the GIL; `vp` is valid (contract); none of the
    // calls below runs Python code for these types.
    unsafe {
        Some(
            if PyUnicode_CheckExact(vp) != 0 || PyBytes_CheckExact(vp) != 0 {
                as_text_uncut(py, vp).map(Staged::String)
            } else if PyLong_CheckExact(vp) != 0 {
                let x = PyLong_AsLongLong(vp);
                if PyErr_Occurred().is_null() {
                    Some(Staged::Signed(x))
                } else {
                    // 2**63 to 2**64-1: Unsigned (B-META-01)
                    PyErr_Clear();
                    let u = PyLong_AsUnsignedLongLong(vp);
                    PyErr_Occurred().is_null().then_some(Staged::Unsigned(u))
                }
            } else if PyFloat_CheckExact(vp) != 0 {
                Some(Staged::Double(PyFloat_AS_DOUBLE(vp)))
            } else if vp == Py_True() || vp == Py_False() {
                Some(Staged::Boolean(vp == Py_True()))
            } else if PyFloat_Check(vp) != 0 {
                Some(Staged::Double(PyFloat_AsDouble(vp)))
            } else if signed::is_signed(py, vp) {
                let x = PyLong_AsLongLong(vp);
                PyErr_Occurred().is_null().then_some(Staged::Signed(x))
            } else if signed::is_unsigned(py, vp) {
                let x = PyLong_AsUnsignedLongLong(vp);
                PyErr_Occurred().is_null().then_some(Staged::Unsigned(x))
            } else {
                return None;
            },
        )
    }
}

/// Stages one meta entry like `cpy_build_meta` (B-META-01); problems are logged.
/// The key first: an entry whose key is not text is skipped, as 5.12 does. With
/// `plain_only`, a value that needs Python code (numbers through `__index__`,
/// `str()` of anything else) is left alone and false returned.
///
/// # Safety
/// `key` and `value` valid for the call; `pool` dropped before `keep`.
unsafe fn stage_entry<'py>(
    py: Gil<'py>,
    key: *mut PyObject,
    vp: *mut PyObject,
    pool: &mut crate::meta::MetaPool,
    keep: &mut Keep<'py>,
    plain_only: bool,
) -> bool {
    // SAFETY: the token proves the GIL; `key` and `vp` are valid (contract).
    unsafe {
        let Some(k) = as_text_uncut(py, key) else {
            PyErr_Clear();
            return true;
        };
        let mut holder: Option<Owned> = None;
        let staged = match plain_value(py, vp) {
            Some(s) => s,
            None if plain_only => return false,
            None if PyNumber_Check(vp) != 0 => {
                let tmp = Owned::new(py, PyNumber_Long(vp));
                let tp = tmp.as_ref().map_or(core::ptr::null_mut(), Owned::as_ptr);
                let x = PyLong_AsLongLong(tp);
                if PyErr_Occurred().is_null() {
                    Some(Staged::Signed(x))
                } else {
                    PyErr_Clear();
                    let u = PyLong_AsUnsignedLongLong(tp);
                    PyErr_Occurred().is_null().then_some(Staged::Unsigned(u))
                }
            }
            None => match as_text_uncut(py, vp) {
                Some(s) => Some(Staged::String(s)),
                None => {
                    PyErr_Clear();
                    holder = Owned::new(py, PyObject_Str(vp));
                    holder
                        .as_ref()
                        .and_then(|h| as_text_uncut(py, h.as_ptr()))
                        .map(Staged::String)
                }
            },
        };
        if let Some(s) = staged {
            // the string's text is `vp`'s own, or that of its str()
            let owner = holder.as_ref().map_or(vp, Owned::as_ptr);
            if !keep.stage(py, pool, key, k, owner, s) {
                pool.add(k, s);
            }
        }
        drop(holder);
        if !PyErr_Occurred().is_null() {
            log_exception(py, b"building meta data");
        }
        true
    }
}

/// Which of dispatch / write is running.
#[derive(Clone, Copy, PartialEq)]
enum Op {
    Dispatch,
    Write,
}

/// B-VAL-10 / B-VAL-20, parsed by `PyArg_ParseTupleAndKeywords`: the slow path,
/// for every call the fast one does not take (and its exact error messages).
unsafe fn send_slow(
    py: Gil<'_>,
    o: *mut PyObject,
    args: *mut PyObject,
    kwds: *mut PyObject,
    op: Op,
) -> *mut PyObject {
    let mut n = NameArgs::new();
    let mut dest = ArgStr::none();
    // SAFETY: GIL held (CPython method); `o` is a Values instance.
    unsafe {
        let v = &*o.cast::<Values>();
        let mut values = v.values;
        let mut meta = v.meta;
        let mut time = v.data.time;
        let mut interval = v.interval;
        let bits = v.interval.to_bits();
        let mut int_interval: c_int = (bits & 0xFFFF_FFFF) as u32 as c_int;
        let enc = core::ptr::null::<c_char>();
        let ok = if op == Op::Dispatch {
            let mut kwl = DISPATCH_KW.kwlist::<10>();
            PyArg_ParseTupleAndKeywords(
                args,
                kwds,
                c"|etOetetetetddO".as_ptr(),
                kwl.as_mut_ptr(),
                enc,
                &mut n.type_.0,
                &mut values,
                enc,
                &mut n.plugin_instance.0,
                enc,
                &mut n.type_instance.0,
                enc,
                &mut n.plugin.0,
                enc,
                &mut n.host.0,
                &mut time,
                &mut interval,
                &mut meta,
            )
        } else {
            let mut kwl = WRITE_KW.kwlist::<11>();
            let r = PyArg_ParseTupleAndKeywords(
                args,
                kwds,
                c"et|etOetetetetdiO".as_ptr(),
                kwl.as_mut_ptr(),
                enc,
                &mut dest.0,
                enc,
                &mut n.type_.0,
                &mut values,
                enc,
                &mut n.plugin_instance.0,
                enc,
                &mut n.type_instance.0,
                enc,
                &mut n.plugin.0,
                enc,
                &mut n.host.0,
                &mut time,
                &mut int_interval,
                &mut meta,
            );
            // B-BUG-04: the C int lands in the low 32 bits of the double.
            interval = f64::from_bits((bits & !0xFFFF_FFFF) | (int_interval as u32 as u64));
            r
        };
        if ok == 0 {
            return core::ptr::null_mut();
        }
        let a = SendArgs {
            destination: dest.bytes(),
            type_: n.type_.bytes(),
            plugin_instance: n.plugin_instance.bytes(),
            type_instance: n.type_instance.bytes(),
            plugin: n.plugin.bytes(),
            host: n.host.bytes(),
            values,
            meta,
            time,
            interval,
        };
        send_parsed(py, o, &a, op)
    }
}

/// The effective arguments of one `dispatch`/`write` call: given names
/// (borrowed from the argument objects), values, meta, time and interval.
struct SendArgs<'a> {
    destination: Option<&'a [u8]>,
    type_: Option<&'a [u8]>,
    plugin_instance: Option<&'a [u8]>,
    type_instance: Option<&'a [u8]>,
    plugin: Option<&'a [u8]>,
    host: Option<&'a [u8]>,
    values: *mut PyObject,
    meta: *mut PyObject,
    time: f64,
    interval: f64,
}

/// `dispatch`'s (and the constructor's) keywords, for both parsing paths.
static DISPATCH_KW: Keywords<9> = Keywords::new([
    c"type",
    c"values",
    c"plugin_instance",
    c"type_instance",
    c"plugin",
    c"host",
    c"time",
    c"interval",
    c"meta",
]);

static WRITE_KW: Keywords<10> = Keywords::new([
    c"destination",
    c"type",
    c"values",
    c"plugin_instance",
    c"type_instance",
    c"plugin",
    c"host",
    c"time",
    c"interval",
    c"meta",
]);

/// B-VAL-10 / B-VAL-20 as a vectorcall: arguments matched and converted on the
/// fast path (`python::args`), or parsed again by PyArg when it declines.
///
/// # Safety
/// `o` a Values instance; the arguments as CPython passes them.
unsafe fn send(
    py: Gil<'_>,
    o: *mut PyObject,
    argv: *const *mut PyObject,
    nargs: Py_ssize_t,
    kwnames: *mut PyObject,
    op: Op,
) -> *mut PyObject {
    // SAFETY: the token proves the GIL; every argument pointer is borrowed from
    // the call and lives until it returns.
    unsafe {
        let v = &*o.cast::<Values>();
        let fast = || -> Option<SendArgs<'_>> {
            let mut a = [core::ptr::null_mut(); 10];
            let (dest, rest) = if op == Op::Dispatch {
                let mut d = [core::ptr::null_mut(); 9];
                DISPATCH_KW.match_args(py, argv, nargs, kwnames, &mut d)?;
                a[1..].copy_from_slice(&d);
                (None, &a[1..])
            } else {
                WRITE_KW.match_args(py, argv, nargs, kwnames, &mut a)?;
                // `destination` is required: the slow path raises
                if a[0].is_null() {
                    return None;
                }
                (Some(args::text(py, a[0])?), &a[1..])
            };
            let time = match rest[6] {
                p if p.is_null() => v.data.time,
                p => args::double(py, p)?,
            };
            let interval = match rest[7] {
                p if p.is_null() => v.interval,
                p if op == Op::Dispatch => args::double(py, p)?,
                // B-BUG-04: the C int lands in the low 32 bits of the double
                p => f64::from_bits(
                    (v.interval.to_bits() & !0xFFFF_FFFF) | (args::int(py, p)? as u32 as u64),
                ),
            };
            let pick = |p: *mut PyObject, dflt: *mut PyObject| if p.is_null() { dflt } else { p };
            Some(SendArgs {
                destination: dest,
                type_: args::opt_text(py, rest[0])?,
                plugin_instance: args::opt_text(py, rest[2])?,
                type_instance: args::opt_text(py, rest[3])?,
                plugin: args::opt_text(py, rest[4])?,
                host: args::opt_text(py, rest[5])?,
                values: pick(rest[1], v.values),
                meta: pick(rest[8], v.meta),
                time,
                interval,
            })
        };
        if let Some(a) = fast() {
            return send_parsed(py, o, &a, op);
        }
        let Some((t, d)) = args::slow_args(py, argv, nargs, kwnames) else {
            return core::ptr::null_mut();
        };
        let d = d.as_ref().map_or(core::ptr::null_mut(), Owned::as_ptr);
        send_slow(py, o, t.as_ptr(), d, op)
    }
}

/// Steps 2-10 of B-VAL-10 (B-VAL-20 for `write`) once the arguments are known:
/// the value list is filled once, in place, and handed to the host.
///
/// # Safety
/// `o` a Values instance; `a`'s objects alive for the call.
unsafe fn send_parsed(py: Gil<'_>, o: *mut PyObject, a: &SendArgs<'_>, op: Op) -> *mut PyObject {
    // SAFETY: the token proves the GIL.
    unsafe {
        let d = fields(o);
        // before `vl`: dropped after it (its meta pool borrows from `keep`)
        let mut keep = Keep::new(py);
        let mut vl = ValueList::new();
        let name = |dst: &mut Name, given: Option<&[u8]>, dflt: &Name| match given {
            Some(b) => dst.set(b),
            None => dst.copy_from(dflt),
        };
        name(&mut vl.host, a.host, &d.host);
        name(&mut vl.plugin, a.plugin, &d.plugin);
        name(
            &mut vl.plugin_instance,
            a.plugin_instance,
            &d.plugin_instance,
        );
        name(&mut vl.type_, a.type_, &d.type_);
        name(&mut vl.type_instance, a.type_instance, &d.type_instance);
        let (values, meta) = (a.values, a.meta);
        if vl.type_.is_empty() {
            PyErr_SetString(PyExc_RuntimeError, c"type not set".as_ptr());
            return core::ptr::null_mut();
        }
        let mut ds = DsTypes::default();
        if !datasets::ds_types(&vl.type_, &mut ds) {
            dataset_not_found(py, vl.type_.as_bytes());
            return core::ptr::null_mut();
        }
        if values.is_null() || (PyTuple_Check(values) == 0 && PyList_Check(values) == 0) {
            PyErr_SetString(PyExc_TypeError, c"values must be list or tuple".as_ptr());
            return core::ptr::null_mut();
        }
        if op == Op::Dispatch && !meta.is_null() && meta != Py_None() && PyDict_Check(meta) == 0 {
            PyErr_SetString(PyExc_TypeError, c"meta must be a dict".as_ptr());
            return core::ptr::null_mut();
        }
        let size = PySequence_Length(values).max(0) as usize;
        if size != ds.count {
            let mut l = Line::new();
            l.push_str("type ").push(vl.type_.as_bytes());
            let _ = write!(l, " needs {} values, got {}", ds.count, size);
            set_error(py, PyExc_RuntimeError, &mut l);
            return core::ptr::null_mut();
        }
        if size > MAX_VALUES {
            let mut l = Line::new();
            let e = crate::values::CapacityError::TooManyValues { type_len: size };
            let _ = write!(l, "cannot dispatch type ");
            l.push(vl.type_.as_bytes());
            let _ = write!(l, ": {e}");
            set_error(py, PyExc_ValueError, &mut l);
            return core::ptr::null_mut();
        }
        // Borrowed items of a list/tuple (PySequence_Fast semantics).
        let items = if PyList_Check(values) != 0 {
            (*values.cast::<PyListObject>()).ob_item
        } else {
            (*values.cast::<PyTupleObject>()).ob_item.as_mut_ptr()
        };
        for (i, t) in ds.types.iter().enumerate() {
            let Ok(x) = convert(py, *items.add(i), *t, &vl.type_) else {
                return core::ptr::null_mut();
            };
            // Cannot fail: size <= MAX_VALUES was checked above.
            let _ = vl.push(x);
        }
        stage_meta(py, meta, &mut vl.meta, &mut keep);
        vl.time = double_to_cdtime(a.time);
        vl.interval = double_to_cdtime(a.interval);
        // `write` only: PyArg's `et` and the fast path both refuse NULs
        let dest = a.destination.and_then(|b| std::ffi::CString::new(b).ok());
        let r = allow_threads(py, || match op {
            Op::Dispatch => host().dispatch_values(&mut vl),
            Op::Write => host().write_values(dest.as_deref().unwrap_or(c""), &mut vl),
        });
        plugindata::dispatch_result(py, r, "values", c"error dispatching values, read the logs")
    }
}

pub unsafe extern "C" fn dispatch(
    o: *mut PyObject,
    args: *const *mut PyObject,
    nargs: Py_ssize_t,
    kwnames: *mut PyObject,
) -> *mut PyObject {
    trap::object(c"Values.dispatch", |py| {
        // SAFETY: CPython vectorcall method with the GIL held.
        unsafe { send(py, o, args, nargs, kwnames, Op::Dispatch) }
    })
}

pub unsafe extern "C" fn write(
    o: *mut PyObject,
    args: *const *mut PyObject,
    nargs: Py_ssize_t,
    kwnames: *mut PyObject,
) -> *mut PyObject {
    trap::object(c"Values.write", |py| {
        // SAFETY: CPython vectorcall method with the GIL held.
        unsafe { send(py, o, args, nargs, kwnames, Op::Write) }
    })
}

/// A fresh `collectd.Values` for a write callback (B-CB-05).
pub fn new_for_write<'py>(
    py: Gil<'py>,
    names: [&CStr; 5],
    time: f64,
    interval: f64,
    values: Owned<'py>,
    meta: Owned<'py>,
) -> Option<Owned<'py>> {
    // SAFETY: the token proves the GIL; TYPE is the ready Values type.
    unsafe {
        let t = TYPE.load(Ordering::Acquire).cast::<PyTypeObject>();
        let o = Owned::new(py, tp_new(t, core::ptr::null_mut(), core::ptr::null_mut()))?;
        plugindata::set_names(o.as_ptr(), names);
        let v = &mut *o.as_ptr().cast::<Values>();
        v.data.time = time;
        v.interval = interval;
        Py_XDECREF(core::mem::replace(&mut v.values, values.into_raw()));
        Py_XDECREF(core::mem::replace(&mut v.meta, meta.into_raw()));
        Some(o)
    }
}

pub fn members() -> [PyMemberDef; 4] {
    [
        PyMemberDef {
            name: c"interval".as_ptr(),
            type_code: Py_T_DOUBLE,
            offset: offset_of!(Values, interval) as Py_ssize_t,
            flags: 0,
            doc: c"The interval is the timespan in seconds between two submits for\nthe same data source. This value has to be a positive integer, so you can't\nsubmit more than one value per second. If this member is set to a\nnon-positive value, the default value as specified in the config file will\nbe used (default: 10).\n\nIf you submit values more often than the specified interval, the average\nwill be used. If you submit less values, your graphs will have gaps.".as_ptr(),
        },
        PyMemberDef {
            name: c"values".as_ptr(),
            type_code: Py_T_OBJECT_EX,
            offset: offset_of!(Values, values) as Py_ssize_t,
            flags: 0,
            doc: c"These are the actual values that get dispatched to collectd.\nIt has to be a sequence (a tuple or list) of numbers.\nThe size of the sequence and the type of its content depend on the type\nmember in the types.db file. For more information on this read the\ntypes.db man page.\n\nIf the sequence does not have the correct size upon dispatch a RuntimeError\nexception will be raised. If the content of the sequence is not a number,\na TypeError exception will be raised.".as_ptr(),
        },
        PyMemberDef {
            name: c"meta".as_ptr(),
            type_code: Py_T_OBJECT_EX,
            offset: offset_of!(Values, meta) as Py_ssize_t,
            flags: 0,
            doc: c"These are the meta data for this Value object.\nIt has to be a dictionary of numbers, strings or bools. All keys must be\nstrings. int and long objects will be dispatched as signed integers unless\nthey are between 2**63 and 2**64-1, which will result in an unsigned integer.\nYou can force one of these storage classes by using the classes\ncollectd.Signed and collectd.Unsigned. A meta object received by a write\ncallback will always contain Signed or Unsigned objects.".as_ptr(),
        },
        PyMemberDef::default(),
    ]
}

pub const DISPATCH_DOC: &CStr = c"dispatch([type][, values][, plugin_instance][, type_instance][, plugin][, host][, time][, interval]) -> None.  Dispatch a value list.\n\nDispatch this instance to the collectd process. The object has members\nfor each of the possible arguments for this method. For a detailed explanation\nof these parameters see the member of the same same.\n\nIf you do not submit a parameter the value saved in its member will be submitted.\nIf you do provide a parameter it will be used instead, without altering the member.";

pub const WRITE_DOC: &CStr = c"write([destination][, type][, values][, plugin_instance][, type_instance][, plugin][, host][, time][, interval]) -> None.  Dispatch a value list.\n\nWrite this instance to a single plugin or all plugins if 'destination' is omitted.\nThis will bypass the main collectd process and all filtering and caching.\nOther than that it works similar to 'dispatch'. In most cases 'dispatch' should be\nused instead of 'write'.\n";

pub const DOC: &CStr = c"A Values object used for dispatching values to collectd and receiving values from write callbacks.";

//! `collectd.PluginData`, the base of Values and Notification (B-PD): the
//! fixed 128-byte name fields, `time`, the shared repr prefix and getters.
use crate::host::host;
use crate::python::kwlist;
use crate::python::trap;
use crate::python::Gil;
use crate::python::{as_text, set_error, text_from_c, ArgStr, Line, Owned, Pending};
use crate::values::Name;
use core::ffi::{c_char, c_int, c_void, CStr};
use core::mem::offset_of;
use pyo3_ffi::*;

#[repr(C)]
pub struct PluginData {
    pub ob_base: PyObject,
    pub time: f64,
    pub host: Name,
    pub plugin: Name,
    pub plugin_instance: Name,
    pub type_: Name,
    pub type_instance: Name,
}

/// Field offsets, used as getset closures.
pub const HOST: usize = offset_of!(PluginData, host);
pub const PLUGIN: usize = offset_of!(PluginData, plugin);
pub const PLUGIN_INSTANCE: usize = offset_of!(PluginData, plugin_instance);
pub const TYPE_FIELD: usize = offset_of!(PluginData, type_);
pub const TYPE_INSTANCE: usize = offset_of!(PluginData, type_instance);
pub const TIME: usize = offset_of!(PluginData, time);

/// Sets `TypeError: Dataset <name> not found` (B-PD-02, with the real name).
pub fn dataset_not_found(py: Gil<'_>, name: &[u8]) {
    let mut l = Line::new();
    l.push_str("Dataset ").push(name).push_str(" not found");
    // SAFETY: the token proves the GIL.
    unsafe { set_error(py, PyExc_TypeError, &mut l) }
}

/// Whether `type_` names a known data set (plugin_get_ds, GIL held as in C).
pub fn known_type(type_: &CStr) -> bool {
    host().ds_types(type_, &mut crate::values::DsTypes::default())
}

/// # Safety
/// `o` is a PluginData (or subclass) instance.
pub unsafe fn fields<'a>(o: *mut PyObject) -> &'a mut PluginData {
    // SAFETY: per contract the object's layout starts with PluginData.
    unsafe { &mut *o.cast::<PluginData>() }
}

/// # Safety
/// `o` is a PluginData instance; `off` one of the Name offsets above.
unsafe fn name_at<'a>(o: *mut PyObject, off: usize) -> &'a mut Name {
    // SAFETY: `off` is the offset of a `Name` field inside PluginData.
    unsafe { &mut *o.cast::<u8>().add(off).cast::<Name>() }
}

pub unsafe extern "C" fn get_string(o: *mut PyObject, closure: *mut c_void) -> *mut PyObject {
    trap::object(c"PluginData.get_string", |py| {
        // SAFETY: CPython calls getters with the GIL held on an instance of the
        // type that owns the getset, whose closure is a Name offset.
        unsafe { text_from_c(py, name_at(o, closure as usize).as_bytes()) }
    })
}

/// Converts a setter value like `cpy_unicode_or_bytes_to_string` (B-PD-04).
/// # Safety
/// `value` is NULL (delete) or a valid object, kept alive during the set.
unsafe fn setter_text<'a>(py: Gil<'_>, value: *mut PyObject) -> Result<&'a [u8], Pending> {
    if value.is_null() {
        // SAFETY: the token proves the GIL.
        unsafe {
            PyErr_SetString(PyExc_TypeError, c"Cannot delete this attribute".as_ptr());
        }
        return Err(Pending);
    }
    // SAFETY: the token proves the GIL; `value` is kept alive by the caller during the set.
    unsafe { as_text(py, value) }.ok_or(Pending)
}

pub unsafe extern "C" fn set_string(
    o: *mut PyObject,
    value: *mut PyObject,
    closure: *mut c_void,
) -> c_int {
    trap::status(c"PluginData.set_string", |py| {
        // SAFETY: as in get_string.
        unsafe {
            match setter_text(py, value) {
                Ok(t) => {
                    name_at(o, closure as usize).set(t);
                    0
                }
                Err(Pending) => -1,
            }
        }
    })
}

pub unsafe extern "C" fn set_type(
    o: *mut PyObject,
    value: *mut PyObject,
    _closure: *mut c_void,
) -> c_int {
    trap::status(c"PluginData.set_type", |py| {
        // SAFETY: as in get_string.
        unsafe {
            let Ok(t) = setter_text(py, value) else {
                return -1;
            };
            // The whole (NUL-cut) string must name a data set (B-PD-05).
            let mut buf: heapless::Vec<u8, 1024> = heapless::Vec::new();
            let known = buf.extend_from_slice(t).is_ok()
                && buf.push(0).is_ok()
                && CStr::from_bytes_until_nul(&buf).is_ok_and(known_type);
            if !known {
                dataset_not_found(py, t);
                return -1;
            }
            fields(o).type_.set(t);
            0
        }
    })
}

/// The five name getsets shared by Values and Notification.
pub fn name_getsets() -> [PyGetSetDef; 5] {
    let gs = |name: &'static CStr, set: setter, doc: &'static CStr, off: usize| PyGetSetDef {
        name: name.as_ptr(),
        get: Some(get_string),
        set: Some(set),
        doc: doc.as_ptr(),
        closure: off as *mut c_void,
    };
    [
        gs(c"host", set_string, c"The hostname of the host this value was read from.\nFor dispatching this can be set to an empty string which means\nthe local hostname as defined in collectd.conf.", HOST),
        gs(c"plugin", set_string, c"The name of the plugin that read the data. Setting this\nmember to an empty string will insert \"python\" upon dispatching.", PLUGIN),
        gs(c"plugin_instance", set_string, c"", PLUGIN_INSTANCE),
        gs(c"type", set_type, c"The type of this value. This type has to be defined\nin the types.db file. Attempting to set it to any other value\nwill raise a TypeError exception.\nAssigning a type is mandatory, calling dispatch without doing\nso will raise a RuntimeError exception.", TYPE_FIELD),
        gs(c"type_instance", set_string, c"", TYPE_INSTANCE),
    ]
}

/// `time` as a T_DOUBLE member (B-PD-06).
pub fn time_member() -> PyMemberDef {
    PyMemberDef {
        name: c"time".as_ptr(),
        type_code: Py_T_DOUBLE,
        offset: TIME as Py_ssize_t,
        flags: 0,
        doc: c"This is the Unix timestamp of the time this value was read.\nFor dispatching values this can be set to 0 which means \"now\".\nThis means the time the value is actually dispatched, not the time\nit was set to 0.".as_ptr(),
    }
}

/// The string arguments shared by the constructors and dispatch.
pub struct NameArgs {
    pub type_: ArgStr,
    pub plugin_instance: ArgStr,
    pub type_instance: ArgStr,
    pub plugin: ArgStr,
    pub host: ArgStr,
}

impl NameArgs {
    pub fn new() -> NameArgs {
        NameArgs {
            type_: ArgStr::none(),
            plugin_instance: ArgStr::none(),
            type_instance: ArgStr::none(),
            plugin: ArgStr::none(),
            host: ArgStr::none(),
        }
    }
}

impl NameArgs {
    /// B-PD-02: a given `type` must name a known data set; sets TypeError if not.
    pub fn type_known(&self, py: Gil<'_>) -> bool {
        match self.type_.get() {
            Some(t) if !known_type(t) => {
                dataset_not_found(py, t.to_bytes());
                false
            }
            _ => true,
        }
    }
}

impl Default for NameArgs {
    fn default() -> Self {
        Self::new()
    }
}

/// Builds a repr by concatenating Python strings, like `cpy_common_repr`.
pub struct Repr<'py>(Option<Owned<'py>>);

impl<'py> Repr<'py> {
    /// # Safety
    /// `o` a PluginData instance.
    pub unsafe fn common(py: Gil<'py>, o: *mut PyObject) -> Repr<'py> {
        // SAFETY: the token proves the GIL; `o`'s type name is a C string.
        unsafe {
            let d = fields(o);
            let tp_name = CStr::from_ptr((*Py_TYPE(o)).tp_name);
            let mut r = Repr(Owned::new(py, text_from_c(py, tp_name.to_bytes())));
            r.lit(py, c"(type=");
            r.repr_of(py, Owned::new(py, text_from_c(py, d.type_.as_bytes())));
            let names: [(&CStr, &Name); 4] = [
                (c",type_instance=", &d.type_instance),
                (c",plugin=", &d.plugin),
                (c",plugin_instance=", &d.plugin_instance),
                (c",host=", &d.host),
            ];
            for (label, n) in names {
                if !n.is_empty() {
                    r.lit(py, label);
                    r.repr_of(py, Owned::new(py, text_from_c(py, n.as_bytes())));
                }
            }
            if d.time != 0.0 {
                r.lit(py, c",time=");
                r.repr_of(py, Owned::new(py, PyFloat_FromDouble(d.time)));
            }
            r
        }
    }

    pub fn lit(&mut self, py: Gil<'py>, s: &CStr) {
        // SAFETY: the token proves the GIL.
        unsafe { self.cat(py, Owned::new(py, PyUnicode_FromString(s.as_ptr()))) }
    }

    /// Appends `repr(obj)`.
    pub fn repr_of(&mut self, py: Gil<'py>, obj: Option<Owned<'py>>) {
        // SAFETY: the token proves the GIL.
        unsafe {
            let r = obj.and_then(|o| Owned::new(py, PyObject_Repr(o.as_ptr())));
            self.cat(py, r)
        }
    }

    fn cat(&mut self, py: Gil<'py>, part: Option<Owned<'py>>) {
        self.0 = match (self.0.take(), part) {
            (Some(a), Some(b)) => {
                // SAFETY: the token proves the GIL; both are live str objects.
                Owned::new(py, unsafe { PyUnicode_Concat(a.as_ptr(), b.as_ptr()) })
            }
            _ => None,
        };
    }

    pub fn finish(self) -> *mut PyObject {
        self.0.map_or(core::ptr::null_mut(), Owned::into_raw)
    }
}

/// Resets the PluginData fields of a fresh object (tp_new).
///
/// # Safety
/// `o` freshly allocated PluginData instance.
pub unsafe fn reset(o: *mut PyObject) {
    // SAFETY: per contract.
    let d = unsafe { fields(o) };
    d.time = 0.0;
    for n in [
        &mut d.host,
        &mut d.plugin,
        &mut d.plugin_instance,
        &mut d.type_,
        &mut d.type_instance,
    ] {
        n.set(b"");
    }
}

/// Copies parsed string arguments into an object (missing ones become '').
///
/// # Safety
/// `o` a PluginData instance.
pub unsafe fn store_names(o: *mut PyObject, a: &NameArgs) {
    // SAFETY: per contract.
    let d = unsafe { fields(o) };
    d.host.set(a.host.bytes().unwrap_or(b""));
    d.plugin.set(a.plugin.bytes().unwrap_or(b""));
    d.plugin_instance
        .set(a.plugin_instance.bytes().unwrap_or(b""));
    d.type_.set(a.type_.bytes().unwrap_or(b""));
    d.type_instance.set(a.type_instance.bytes().unwrap_or(b""));
}

pub static TYPE: core::sync::atomic::AtomicPtr<PyObject> =
    core::sync::atomic::AtomicPtr::new(core::ptr::null_mut());

pub const DOC: &CStr = c"This is an internal class that is the base for Values\nand Notification. It is pretty useless by itself and is therefore not\nexported to the collectd module.";

pub unsafe extern "C" fn tp_new(
    t: *mut PyTypeObject,
    _a: *mut PyObject,
    _k: *mut PyObject,
) -> *mut PyObject {
    trap::object(c"PluginData.tp_new", |py| {
        // SAFETY: CPython slot with the GIL held.
        unsafe {
            let o = alloc(py, t);
            if !o.is_null() {
                reset(o);
            }
            o
        }
    })
}

/// B-PD-02: `PluginData(type, plugin_instance, type_instance, plugin, host, time)`.
pub unsafe extern "C" fn tp_init(
    o: *mut PyObject,
    args: *mut PyObject,
    kwds: *mut PyObject,
) -> c_int {
    trap::status(c"PluginData.tp_init", |py| {
        let mut n = NameArgs::new();
        let mut time = 0f64;
        let mut kw = kwlist([
            c"type",
            c"plugin_instance",
            c"type_instance",
            c"plugin",
            c"host",
            c"time",
            c"",
        ]);
        let enc = core::ptr::null::<c_char>();
        // SAFETY: CPython slot with the GIL held; the format matches the outputs.
        unsafe {
            if PyArg_ParseTupleAndKeywords(
                args,
                kwds,
                c"|etetetetetd".as_ptr(),
                kw.as_mut_ptr(),
                enc,
                &mut n.type_.0,
                enc,
                &mut n.plugin_instance.0,
                enc,
                &mut n.type_instance.0,
                enc,
                &mut n.plugin.0,
                enc,
                &mut n.host.0,
                &mut time,
            ) == 0
            {
                return -1;
            }
            if !n.type_known(py) {
                return -1;
            }
            store_names(o, &n);
            fields(o).time = time;
        }
        0
    })
}

pub unsafe extern "C" fn tp_repr(o: *mut PyObject) -> *mut PyObject {
    trap::object(c"PluginData.tp_repr", |py| {
        // SAFETY: CPython slot with the GIL held; `o` is a PluginData instance.
        unsafe {
            let mut r = Repr::common(py, o);
            r.lit(py, c")");
            r.finish()
        }
    })
}

pub unsafe extern "C" fn tp_dealloc(o: *mut PyObject) {
    trap::unit(c"PluginData.tp_dealloc", |_| {
        // SAFETY: called once at refcount zero with the GIL held; heap-type
        // instances own a reference to their type.
        unsafe {
            let t = Py_TYPE(o);
            if let Some(free) = (*t).tp_free {
                free(o.cast());
            }
            Py_DECREF(t.cast());
        }
    })
}

/// Allocates an instance of `t` (tp_new's common part).
///
/// # Safety
/// `t` a ready type.
pub unsafe fn alloc(_py: Gil<'_>, t: *mut PyTypeObject) -> *mut PyObject {
    // SAFETY: the token proves the GIL; tp_alloc zero-fills the instance.
    unsafe {
        let alloc = (*t).tp_alloc.unwrap_or(PyType_GenericAlloc);
        alloc(t, 0)
    }
}

/// tp_dealloc of the GC-tracked types: untrack before clearing (B-BUG-19),
/// free with the type's tp_free, drop the heap type's reference.
///
/// # Safety
/// Called once by CPython at refcount zero, GIL held; `clear` is the type's tp_clear.
pub unsafe fn gc_dealloc(o: *mut PyObject, clear: unsafe extern "C" fn(*mut PyObject) -> c_int) {
    // SAFETY: per contract.
    unsafe {
        let t = Py_TYPE(o);
        PyObject_GC_UnTrack(o.cast());
        clear(o);
        if let Some(free) = (*t).tp_free {
            free(o.cast());
        }
        Py_DECREF(t.cast());
    }
}

/// Copies host, plugin, plugin_instance, type, type_instance (in that order).
///
/// # Safety
/// `o` a PluginData instance.
pub unsafe fn set_names(o: *mut PyObject, names: [&CStr; 5]) {
    // SAFETY: per contract.
    let d = unsafe { fields(o) };
    let [h, p, pi, ty, ti] = names;
    d.host.set(h.to_bytes());
    d.plugin.set(p.to_bytes());
    d.plugin_instance.set(pi.to_bytes());
    d.type_.set(ty.to_bytes());
    d.type_instance.set(ti.to_bytes());
}

/// The Python result of a dispatch: None, or RuntimeError (`failed` is the C
/// plugin's text; an unknown host name gets ours, B-BUG-05).
pub fn dispatch_result(
    py: Gil<'_>,
    r: Result<(), crate::host::DispatchError>,
    what: &str,
    failed: &CStr,
) -> *mut PyObject {
    // SAFETY: the token proves the GIL.
    unsafe {
        match r {
            Ok(()) => {
                Py_INCREF(Py_None());
                Py_None()
            }
            Err(crate::host::DispatchError::NoHostname) => {
                let mut l = Line::new();
                l.push_str("cannot dispatch ").push_str(what).push_str(
                    " with an empty host before collectd knows its hostname (during the config phase); set host explicitly",
                );
                set_error(py, PyExc_RuntimeError, &mut l);
                core::ptr::null_mut()
            }
            Err(crate::host::DispatchError::Failed) => {
                PyErr_SetString(PyExc_RuntimeError, failed.as_ptr());
                core::ptr::null_mut()
            }
        }
    }
}

/// tp_traverse's body: visits the non-NULL references and the heap type.
///
/// # Safety
/// Called from a tp_traverse slot with `o`'s own references.
pub unsafe fn visit_each(
    o: *mut PyObject,
    refs: &[*mut PyObject],
    visit: visitproc,
    arg: *mut c_void,
) -> c_int {
    // SAFETY: `o` is a live object (tp_traverse contract).
    let t = unsafe { Py_TYPE(o) }.cast::<PyObject>();
    for &p in refs.iter().chain(core::iter::once(&t)) {
        if !p.is_null() {
            // SAFETY: `p` is a live reference owned by `o` (or its type).
            let r = unsafe { visit(p, arg) };
            if r != 0 {
                return r;
            }
        }
    }
    0
}

/// tp_clear's body: NULLs each field, then drops the old references.
///
/// # Safety
/// each field holds an owned reference or NULL.
pub unsafe fn clear_each(_py: Gil<'_>, fields: &mut [&mut *mut PyObject]) {
    for f in fields.iter_mut() {
        let old = core::mem::replace(&mut **f, core::ptr::null_mut());
        // SAFETY: per contract (NULL is fine for XDECREF).
        unsafe { Py_XDECREF(old) };
    }
}

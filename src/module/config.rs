//! `collectd.Config` (B-CONF): the tree handed to config callbacks, its
//! members, constructor and (deliberately quirky) repr.
use crate::host::{ConfigNode, ConfigValue};
use crate::python::kwlist;
use crate::python::trap;
use crate::python::Gil;
use crate::python::{text_from_c, Owned};
use core::ffi::{c_int, c_void, CStr};
use core::mem::offset_of;
use core::sync::atomic::{AtomicPtr, Ordering};
use pyo3_ffi::*;
// The C plugin's `parent` is a T_OBJECT member: reading an unset one gives
// None (B-CONF-02). pyo3-ffi marks the constant deprecated (CPython 3.12 keeps it,
// as `_Py_T_OBJECT`, in every version up to 3.14); its replacement Py_T_OBJECT_EX
// raises AttributeError for NULL instead, which would change what scripts see.
#[allow(deprecated)]
const T_OBJECT: core::ffi::c_int = pyo3_ffi::_Py_T_OBJECT;

#[repr(C)]
pub struct Config {
    pub ob_base: PyObject,
    pub parent: *mut PyObject,
    pub key: *mut PyObject,
    pub values: *mut PyObject,
    pub children: *mut PyObject,
}

pub static TYPE: AtomicPtr<PyObject> = AtomicPtr::new(core::ptr::null_mut());

pub unsafe extern "C" fn tp_new(
    t: *mut PyTypeObject,
    _a: *mut PyObject,
    _k: *mut PyObject,
) -> *mut PyObject {
    trap::object(c"Config.tp_new", |py| {
        // SAFETY: CPython slot, GIL held; tp_alloc zero-fills the instance.
        unsafe { crate::module::plugindata::alloc(py, t) }
    })
}

pub unsafe extern "C" fn tp_init(
    o: *mut PyObject,
    args: *mut PyObject,
    kwds: *mut PyObject,
) -> c_int {
    trap::status(c"Config.tp_init", |py| {
        let mut key: *mut PyObject = core::ptr::null_mut();
        let mut parent: *mut PyObject = core::ptr::null_mut();
        let mut values: *mut PyObject = core::ptr::null_mut();
        let mut children: *mut PyObject = core::ptr::null_mut();
        let mut kw = kwlist([c"key", c"parent", c"values", c"children", c""]);
        // SAFETY: CPython slot with the GIL held; the format matches the outputs.
        unsafe {
            if PyArg_ParseTupleAndKeywords(
                args,
                kwds,
                c"O|OOO".as_ptr(),
                kw.as_mut_ptr(),
                &mut key,
                &mut parent,
                &mut values,
                &mut children,
            ) == 0
            {
                return -1;
            }
            // B-CONF-03 (without the C plugin's refcount damage, B-BUG-09).
            if PyUnicode_Check(key) == 0 && PyBytes_Check(key) == 0 {
                PyErr_SetString(PyExc_TypeError, c"argument 1 must be str".as_ptr());
                return -1;
            }
            let c = &mut *o.cast::<Config>();
            let values = if values.is_null() {
                PyTuple_New(0)
            } else {
                Owned::borrowed(py, values).into_raw()
            };
            let children = if children.is_null() {
                PyTuple_New(0)
            } else {
                Owned::borrowed(py, children).into_raw()
            };
            Py_XDECREF(core::mem::replace(
                &mut c.key,
                Owned::borrowed(py, key).into_raw(),
            ));
            if !parent.is_null() {
                Py_XDECREF(core::mem::replace(
                    &mut c.parent,
                    Owned::borrowed(py, parent).into_raw(),
                ));
            }
            Py_XDECREF(core::mem::replace(&mut c.values, values));
            Py_XDECREF(core::mem::replace(&mut c.children, children));
            0
        }
    })
}

/// B-CONF-04: `repr(str(key))` + `<collectd.Config root node >` or `node >`.
pub unsafe extern "C" fn tp_repr(o: *mut PyObject) -> *mut PyObject {
    trap::object(c"Config.tp_repr", |py| {
        // SAFETY: CPython slot with the GIL held; `o` is a Config instance.
        unsafe {
            let c = &*o.cast::<Config>();
            let Some(s) = Owned::new(py, PyObject_Str(c.key)) else {
                return core::ptr::null_mut();
            };
            let Some(r) = Owned::new(py, PyObject_Repr(s.as_ptr())) else {
                return core::ptr::null_mut();
            };
            let tail: &CStr = if c.parent.is_null() || c.parent == Py_None() {
                c"<collectd.Config root node >"
            } else {
                c"<collectd.Config node >"
            };
            let Some(t) = Owned::new(py, PyUnicode_FromString(tail.as_ptr())) else {
                return core::ptr::null_mut();
            };
            PyUnicode_Concat(r.as_ptr(), t.as_ptr())
        }
    })
}

pub unsafe extern "C" fn tp_traverse(
    o: *mut PyObject,
    visit: visitproc,
    arg: *mut c_void,
) -> c_int {
    trap::gc(c"Config.tp_traverse", |_| {
        // SAFETY: GC calls this with a valid Config instance.
        unsafe {
            let c = &*o.cast::<Config>();
            crate::module::plugindata::visit_each(
                o,
                &[c.parent, c.key, c.values, c.children],
                visit,
                arg,
            )
        }
    })
}

pub unsafe extern "C" fn tp_clear(o: *mut PyObject) -> c_int {
    trap::gc(c"Config.tp_clear", |py| {
        // SAFETY: the token proves the GIL; the fields hold owned references.
        unsafe {
            let c = &mut *o.cast::<Config>();
            crate::module::plugindata::clear_each(
                py,
                &mut [&mut c.parent, &mut c.key, &mut c.values, &mut c.children],
            );
        }
        0
    })
}

pub unsafe extern "C" fn tp_dealloc(o: *mut PyObject) {
    trap::unit(c"Config.tp_dealloc", |_| {
        // SAFETY: called once by CPython at refcount zero with the GIL held.
        unsafe { crate::module::plugindata::gc_dealloc(o, tp_clear) }
    })
}

pub fn members() -> [PyMemberDef; 5] {
    let m = |name: &'static CStr, code, off: usize, doc: &'static CStr| PyMemberDef {
        name: name.as_ptr(),
        type_code: code,
        offset: off as Py_ssize_t,
        flags: 0,
        doc: doc.as_ptr(),
    };
    [
        m(c"parent", T_OBJECT, offset_of!(Config, parent), c"This represents the parent of this node. On the root node\nof the config tree it will be None.\n"),
        m(c"key", Py_T_OBJECT_EX, offset_of!(Config, key), c"This is the keyword of this item, ie the first word of any\ngiven line in the config file. It will always be a string.\n"),
        m(c"values", Py_T_OBJECT_EX, offset_of!(Config, values), c"This is a tuple (which might be empty) of all value, ie words\nfollowing the keyword in any given line in the config file.\n\nEvery item in this tuple will be either a string or a float or a bool,\ndepending on the contents of the configuration file.\n"),
        m(c"children", Py_T_OBJECT_EX, offset_of!(Config, children), c"This is a tuple of child nodes. For most nodes this will be\nempty. If this node represents a block instead of a single line of the config\nfile it will contain all nodes in this block.\n"),
        PyMemberDef::default(),
    ]
}

pub const DOC: &CStr = c"This represents a piece of collectd's config file.\nIt is passed to scripts with config callbacks (see \"register_config\")\nand is of little use if created somewhere else.\n\nIt has no methods beyond the bare minimum and only exists for its\ndata members";

/// B-CONF-10: builds the Python tree for a config item (new reference).
///
/// # Safety
/// `parent` a Config or NULL (root: parent None).
pub unsafe fn from_item<'py>(
    py: Gil<'py>,
    item: &dyn ConfigNode,
    parent: *mut PyObject,
) -> Option<Owned<'py>> {
    // SAFETY: the token proves the GIL; each new reference is owned.
    unsafe {
        let t = TYPE.load(Ordering::Acquire).cast::<PyTypeObject>();
        let node = Owned::new(py, tp_new(t, core::ptr::null_mut(), core::ptr::null_mut()))?;
        let c = &mut *node.as_ptr().cast::<Config>();
        c.key = text_from_c(py, item.key().to_bytes());
        c.parent = if parent.is_null() { Py_None() } else { parent };
        Py_INCREF(c.parent);
        let nvals = item.value_count();
        let values = Owned::new(py, PyTuple_New(nvals as Py_ssize_t))?;
        for i in 0..nvals {
            let o = match item.value(i) {
                ConfigValue::String(s) => text_from_c(py, s.to_bytes()),
                ConfigValue::Number(n) => PyFloat_FromDouble(n),
                ConfigValue::Boolean(b) => PyBool_FromLong(b as _),
            };
            if o.is_null() {
                return None;
            }
            PyTuple_SET_ITEM(values.as_ptr(), i as Py_ssize_t, o);
        }
        c.values = values.into_raw();
        let nchild = item.child_count();
        let children = Owned::new(py, PyTuple_New(nchild as Py_ssize_t))?;
        for i in 0..nchild {
            let n = from_item(py, item.child(i), node.as_ptr())?;
            PyTuple_SET_ITEM(children.as_ptr(), i as Py_ssize_t, n.into_raw());
        }
        c.children = children.into_raw();
        Some(node)
    }
}

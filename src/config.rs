//! The `<Plugin python>` block: the plugin's own keys (ModulePath, Import,
//! LogTraces, Encoding, Interactive) and `<Module>` blocks routed to Python
//! config callbacks (B-CFG), plus the init phase that follows the config.
use crate::host::{ConfigNode, LOG_ERR, LOG_WARNING};
use crate::interpreter;
use crate::module::{config as pyconfig, registry};
use crate::python::errors::log_exception;
use crate::python::Gil;
use crate::python::{log_released, text_from_c, Line, Logged, Owned};
use core::ffi::CStr;
use core::sync::atomic::{AtomicBool, AtomicPtr, Ordering};
use pyo3_ffi::*;

/// `sys.path` as captured at start-up (B-CFG-07: later rebinding is not seen).
static SYS_PATH: AtomicPtr<PyObject> = AtomicPtr::new(core::ptr::null_mut());
static INTERACTIVE: AtomicBool = AtomicBool::new(false);

/// Forgets the references held here (they die with the interpreter).
fn forget_globals() {
    SYS_PATH.store(core::ptr::null_mut(), Ordering::Release);
}

/// Starts Python with the `collectd` module (first `<Plugin python>` block) and
/// captures `sys.path` for ModulePath.
fn start() -> Result<(), Logged> {
    crate::module::start_python()?;
    // SAFETY: start_python returned with this thread holding the GIL, which it
    // keeps until the init phase (B-THR-02), after this function.
    let py = unsafe { Gil::assume() };
    interpreter::on_finalize(forget_globals);
    // SAFETY: start_python returned with this thread holding the GIL.
    unsafe {
        let path = PySys_GetObject(c"path".as_ptr());
        if path.is_null() {
            log_exception(py, b"python initialization");
            return Err(Logged);
        }
        Py_INCREF(path);
        SYS_PATH.store(path, Ordering::Release);
    }
    Ok(())
}

/// The item's one string value through collectd's parser (None: it logged why).
fn string_of<R>(item: &dyn ConfigNode, f: impl FnOnce(&CStr) -> R) -> Option<R> {
    let mut f = Some(f);
    let mut out = None;
    let ok = item.get_string(&mut |s| {
        if let Some(f) = f.take() {
            out = Some(f(s));
        }
    });
    if ok {
        out
    } else {
        None
    }
}

fn eq_ignore_case(a: &CStr, b: &str) -> bool {
    a.to_bytes().eq_ignore_ascii_case(b.as_bytes())
}

/// The complex-config callback: one call per `<Plugin python>` block.
pub fn configure(ci: &dyn ConfigNode) -> i32 {
    if !interpreter::is_alive() && start().is_err() {
        return 1;
    }
    interpreter::with_gil(|py| {
        let mut status = 0;
        for i in 0..ci.child_count() {
            if config_item(py, ci.child(i)).is_err() {
                status = 1;
            }
        }
        status
    })
    .unwrap_or(1)
}

fn config_item(py: Gil<'_>, item: &dyn ConfigNode) -> Result<(), Logged> {
    let key = item.key();
    if eq_ignore_case(key, "Interactive") {
        let b = item.get_boolean().ok_or(Logged)?;
        INTERACTIVE.store(b, Ordering::Release);
    } else if eq_ignore_case(key, "Encoding") {
        string_of(item, |_| ()).ok_or(Logged)?;
        let mut l = Line::new();
        l.push_str("python: \"Encoding\" was used in the config file but Python3 was used, which does not support changing encodings");
        log_released(py, LOG_ERR, &mut l);
        return Err(Logged);
    } else if eq_ignore_case(key, "LogTraces") {
        let on = item.get_boolean().ok_or(Logged)?;
        crate::python::errors::set_log_traces(py, on)?;
    } else if eq_ignore_case(key, "ModulePath") {
        string_of(item, |dir| module_path(py, dir)).ok_or(Logged)??;
    } else if eq_ignore_case(key, "Import") {
        string_of(item, |name| import(py, name)).ok_or(Logged)??;
    } else if eq_ignore_case(key, "Module") {
        return string_of(item, |name| module_block(py, item, name)).ok_or(Logged)?;
    } else {
        let mut l = Line::new();
        l.push_str("python plugin: Unknown config key \"")
            .push(key.to_bytes())
            .push_str("\".");
        log_released(py, LOG_ERR, &mut l);
        return Err(Logged);
    }
    Ok(())
}

fn module_path(py: Gil<'_>, dir: &CStr) -> Result<(), Logged> {
    // SAFETY: the token proves the GIL.
    unsafe {
        let Some(obj) = Owned::new(py, text_from_c(py, dir.to_bytes())) else {
            let mut l = Line::new();
            l.push_str("python plugin: Unable to convert \"")
                .push(dir.to_bytes())
                .push_str("\" to a python object.");
            log_released(py, LOG_ERR, &mut l);
            log_exception(py, b"python initialization");
            return Err(Logged);
        };
        let path = SYS_PATH.load(Ordering::Acquire);
        if path.is_null() || PyList_Insert(path, 0, obj.as_ptr()) != 0 {
            let mut l = Line::new();
            l.push_str("python plugin: Unable to prepend \"")
                .push(dir.to_bytes())
                .push_str("\" to python module path.");
            log_released(py, LOG_ERR, &mut l);
            log_exception(py, b"python initialization");
            return Err(Logged);
        }
    }
    Ok(())
}

fn import(py: Gil<'_>, name: &CStr) -> Result<(), Logged> {
    // SAFETY: the token proves the GIL.
    unsafe {
        match Owned::new(py, PyImport_ImportModule(name.as_ptr())) {
            Some(_) => Ok(()),
            None => {
                let mut l = Line::new();
                l.push_str("python plugin: Error importing module \"")
                    .push(name.to_bytes())
                    .push_str("\".");
                log_released(py, LOG_ERR, &mut l);
                log_exception(py, b"importing module");
                Err(Logged)
            }
        }
    }
}

/// B-CFG-09/10: route a `<Module name>` block to the newest matching config
/// callback.
fn module_block(py: Gil<'_>, item: &dyn ConfigNode, name: &CStr) -> Result<(), Logged> {
    let Some((callable, data)) = registry::find_config(py, name.to_bytes()) else {
        let mut l = Line::new();
        l.push_str("python plugin: Found a configuration for the \"")
            .push(name.to_bytes())
            .push_str("\" plugin, but the plugin isn't loaded or didn't register a configuration callback.");
        log_released(py, LOG_WARNING, &mut l);
        return Ok(());
    };
    // SAFETY: the token proves the GIL.
    unsafe {
        let tree = pyconfig::from_item(py, item, core::ptr::null_mut());
        let ret = match (&tree, &data) {
            (None, _) => None,
            (Some(t), None) => Owned::new(py, PyObject_CallOneArg(callable.as_ptr(), t.as_ptr())),
            (Some(t), Some(d)) => Owned::new(
                py,
                PyObject_CallFunctionObjArgs(
                    callable.as_ptr(),
                    t.as_ptr(),
                    d.as_ptr(),
                    core::ptr::null_mut::<PyObject>(),
                ),
            ),
        };
        if ret.is_none() {
            log_exception(py, b"loading module");
            return Err(Logged);
        }
    }
    Ok(())
}

/// The plugin's init callback after a successful config (B-THR-02, B-SIG-02,
/// B-CB-02); 1 when the interactive session could not be set up.
pub fn init_phase() -> i32 {
    if INTERACTIVE.load(Ordering::Acquire) {
        if interpreter::start_interactive().is_err() {
            return 1;
        }
    } else {
        interpreter::release_after_config();
    }
    // collectd knows every data set now (module/datasets.rs)
    crate::module::datasets::enable();
    registry::run_init();
    0
}

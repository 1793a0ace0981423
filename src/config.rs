//! The `<Plugin python>` block: the plugin's own keys (ModulePath, Import,
//! LogTraces, Encoding, Interactive) and `<Module>` blocks routed to Python
//! config callbacks (B-CFG), plus the init phase that follows the config.
use crate::daemon::ConfigItem;
use crate::host::{LOG_ERR, LOG_WARNING};
use crate::interpreter;
use crate::module::errors::log_exception;
use crate::module::py::{log_released, text_from_c, Line, Owned};
use crate::module::{config as pyconfig, registry};
use core::ffi::CStr;
use core::sync::atomic::{AtomicBool, AtomicPtr, Ordering};
use pyo3_ffi::*;

/// `sys.path` as captured at start-up (B-CFG-07: later rebinding is not seen).
static SYS_PATH: AtomicPtr<PyObject> = AtomicPtr::new(core::ptr::null_mut());
/// `traceback.format_exception` while LogTraces is on (B-CFG-06).
static FORMAT_EXCEPTION: AtomicPtr<PyObject> = AtomicPtr::new(core::ptr::null_mut());
static INTERACTIVE: AtomicBool = AtomicBool::new(false);

pub(crate) fn set_sys_path(p: Owned) {
    SYS_PATH.store(p.into_raw(), Ordering::Release);
}

/// The stored `format_exception`, borrowed (GIL held by the caller).
pub(crate) fn format_exception() -> *mut PyObject {
    FORMAT_EXCEPTION.load(Ordering::Acquire)
}

/// Forgets the references held here (they die with the interpreter).
pub(crate) fn forget_globals() {
    SYS_PATH.store(core::ptr::null_mut(), Ordering::Release);
    FORMAT_EXCEPTION.store(core::ptr::null_mut(), Ordering::Release);
}

fn eq_ignore_case(a: &CStr, b: &str) -> bool {
    a.to_bytes().eq_ignore_ascii_case(b.as_bytes())
}

/// The complex-config callback: one call per `<Plugin python>` block.
pub fn configure(ci: ConfigItem<'_>) -> i32 {
    if !interpreter::is_alive() && interpreter::start().is_err() {
        return 1;
    }
    interpreter::with_gil(|| {
        let mut status = 0;
        for item in ci.children() {
            // SAFETY: GIL held inside with_gil.
            if unsafe { config_item(item) }.is_err() {
                status = 1;
            }
        }
        status
    })
    .unwrap_or(1)
}

/// # Safety
/// GIL held.
unsafe fn config_item(item: ConfigItem<'_>) -> Result<(), ()> {
    let key = item.key();
    // SAFETY: GIL held per contract (all calls below).
    unsafe {
        if eq_ignore_case(key, "Interactive") {
            let b = item.get_boolean().ok_or(())?;
            INTERACTIVE.store(b, Ordering::Release);
        } else if eq_ignore_case(key, "Encoding") {
            item.get_string(|_| ()).ok_or(())?;
            let mut l = Line::new();
            l.push_str("python: \"Encoding\" was used in the config file but Python3 was used, which does not support changing encodings");
            log_released(LOG_ERR, &mut l);
            return Err(());
        } else if eq_ignore_case(key, "LogTraces") {
            let on = item.get_boolean().ok_or(())?;
            if !on {
                let old = FORMAT_EXCEPTION.swap(core::ptr::null_mut(), Ordering::AcqRel);
                drop(Owned::new(old));
                return Ok(());
            }
            if !FORMAT_EXCEPTION.load(Ordering::Acquire).is_null() {
                return Ok(());
            }
            let Some(tb) = Owned::new(PyImport_ImportModule(c"traceback".as_ptr())) else {
                log_exception(b"python initialization");
                return Err(());
            };
            let Some(f) = Owned::new(PyObject_GetAttrString(
                tb.as_ptr(),
                c"format_exception".as_ptr(),
            )) else {
                log_exception(b"python initialization");
                return Err(());
            };
            FORMAT_EXCEPTION.store(f.into_raw(), Ordering::Release);
        } else if eq_ignore_case(key, "ModulePath") {
            item.get_string(|dir| module_path(dir)).ok_or(())??;
        } else if eq_ignore_case(key, "Import") {
            item.get_string(|name| import(name)).ok_or(())??;
        } else if eq_ignore_case(key, "Module") {
            return item.get_string(|name| module_block(item, name)).ok_or(())?;
        } else {
            let mut l = Line::new();
            l.push_str("python plugin: Unknown config key \"")
                .push(key.to_bytes())
                .push_str("\".");
            log_released(LOG_ERR, &mut l);
            return Err(());
        }
    }
    Ok(())
}

/// # Safety
/// GIL held.
unsafe fn module_path(dir: &CStr) -> Result<(), ()> {
    // SAFETY: GIL held per contract.
    unsafe {
        let Some(obj) = Owned::new(text_from_c(dir.to_bytes())) else {
            let mut l = Line::new();
            l.push_str("python plugin: Unable to convert \"")
                .push(dir.to_bytes())
                .push_str("\" to a python object.");
            log_released(LOG_ERR, &mut l);
            log_exception(b"python initialization");
            return Err(());
        };
        let path = SYS_PATH.load(Ordering::Acquire);
        if path.is_null() || PyList_Insert(path, 0, obj.as_ptr()) != 0 {
            let mut l = Line::new();
            l.push_str("python plugin: Unable to prepend \"")
                .push(dir.to_bytes())
                .push_str("\" to python module path.");
            log_released(LOG_ERR, &mut l);
            log_exception(b"python initialization");
            return Err(());
        }
    }
    Ok(())
}

/// # Safety
/// GIL held.
unsafe fn import(name: &CStr) -> Result<(), ()> {
    // SAFETY: GIL held per contract.
    unsafe {
        match Owned::new(PyImport_ImportModule(name.as_ptr())) {
            Some(_) => Ok(()),
            None => {
                let mut l = Line::new();
                l.push_str("python plugin: Error importing module \"")
                    .push(name.to_bytes())
                    .push_str("\".");
                log_released(LOG_ERR, &mut l);
                log_exception(b"importing module");
                Err(())
            }
        }
    }
}

/// B-CFG-09/10: route a `<Module name>` block to the newest matching config
/// callback.
///
/// # Safety
/// GIL held.
unsafe fn module_block(item: ConfigItem<'_>, name: &CStr) -> Result<(), ()> {
    // SAFETY: GIL held per contract.
    let Some((callable, data)) = (unsafe { registry::find_config(name.to_bytes()) }) else {
        let mut l = Line::new();
        l.push_str("python plugin: Found a configuration for the \"")
            .push(name.to_bytes())
            .push_str("\" plugin, but the plugin isn't loaded or didn't register a configuration callback.");
        // SAFETY: GIL held per contract.
        unsafe { log_released(LOG_WARNING, &mut l) };
        return Ok(());
    };
    // SAFETY: GIL held per contract.
    unsafe {
        let tree = pyconfig::from_item(item, core::ptr::null_mut());
        let ret = match (&tree, &data) {
            (None, _) => None,
            (Some(t), None) => Owned::new(PyObject_CallOneArg(callable.as_ptr(), t.as_ptr())),
            (Some(t), Some(d)) => Owned::new(PyObject_CallFunctionObjArgs(
                callable.as_ptr(),
                t.as_ptr(),
                d.as_ptr(),
                core::ptr::null_mut::<PyObject>(),
            )),
        };
        if ret.is_none() {
            log_exception(b"loading module");
            return Err(());
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
    registry::run_init();
    0
}

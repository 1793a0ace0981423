//! collectd-python: a drop-in Rust replacement for collectd 5.12's `python`
//! plugin. collectd loads the cdylib (installed as `python.so`) and calls
//! [`module_register`]; everything else starts from there.
//!
//! Where things live: `ffi` (collectd's C API, bindgen), `daemon` (safe layer
//! and the shims collectd calls), `host` (the interface the Python module
//! uses), `values`/`meta` (fixed-capacity core), `config` (plugin config keys),
//! `interpreter` (CPython lifecycle, GIL policy), `module` (the `collectd`
//! Python module), `pyversion` (what differs between CPython 3.10 and 3.14).
mod config;
mod daemon;
mod ffi;
mod host;
mod interpreter;
mod meta;
mod module;
mod pyversion;
mod values;

/// B-ABI-01: the only symbol collectd looks up.
#[no_mangle]
pub extern "C" fn module_register() {
    daemon::guard("module_register", (), daemon::module_register);
}

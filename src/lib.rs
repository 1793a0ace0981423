//! collectd-python: a drop-in Rust replacement for collectd 5.12's `python`
//! plugin. collectd loads the cdylib (installed as `python.so`) and calls
//! [`module_register`]; everything else starts from there.
//!
//! Layers, top to bottom (README "Design"; `ci/layers.py` keeps them free of
//! cycles): `plugin` (the entry points collectd calls), `config` (plugin config
//! keys), `module` (the `collectd` Python module), `interpreter` (CPython
//! lifecycle, GIL policy), `python` (CPython helpers, exception logger,
//! trampolines), `daemon` (the adapter over collectd's C API), `host` (the port
//! between the two), `values`/`meta` (fixed-capacity core), `cstr`, `gil` (the GIL token), `pyversion`,
//! `ffi`.
mod config;
mod cstr;
mod daemon;
mod ffi;
mod gil;
mod host;
mod interpreter;
mod meta;
mod module;
mod plugin;
mod python;
mod pyversion;
mod values;

/// B-ABI-01: the only symbol collectd looks up.
#[no_mangle]
pub extern "C" fn module_register() {
    host::guard("module_register", (), plugin::register);
}

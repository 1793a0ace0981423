//! The top floor: `module_register` and the plugin's own entry points that
//! collectd calls (config, init, shutdown). The only file that knows both
//! collectd (`daemon`) and the Python side (`config`, `interpreter`, `module`).
use crate::ffi;
use crate::host::{guard, ConfigNode, LOG_WARNING};
use crate::{config, daemon, interpreter, module};
use core::ffi::c_int;

/// B-ABI-01 / B-LIFE-01: installs collectd as the host and registers the
/// plugin's config, init and shutdown functions under the name "python".
pub fn register() {
    daemon::register_plugin(daemon::PluginEntries {
        config: config_entry,
        init: init_entry,
        shutdown: shutdown_entry,
    });
}

/// One call per `<Plugin python>` block (B-CFG).
unsafe extern "C" fn config_entry(ci: *mut ffi::oconfig_item_t) -> c_int {
    guard("config", 1, || {
        // SAFETY: collectd passes a valid tree for the duration of the call.
        match unsafe { daemon::ConfigItem::from_ptr(ci) } {
            Some(ci) => config::configure(ci as &dyn ConfigNode),
            None => 1,
        }
    })
}

/// The init phase (B-LIFE-03: a plugin loaded without its block only warns).
unsafe extern "C" fn init_entry() -> c_int {
    guard("init", 0, || {
        if interpreter::never_started() {
            crate::host::host().log(LOG_WARNING, c"python: Plugin loaded but not configured.");
            daemon::unregister_plugin_shutdown();
            return 0;
        }
        config::init_phase()
    })
}

/// B-SHUT-01.
unsafe extern "C" fn shutdown_entry() -> c_int {
    guard("shutdown", 0, || {
        module::registry::shutdown();
        0
    })
}

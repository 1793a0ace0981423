//! The port between the `collectd` Python module and whatever hosts it:
//! collectd itself (`daemon::Collectd`) or a test double, in both directions.
//! What the module asks of collectd is [`Host`]; what collectd hands to the
//! module is a [`Callback`] to call and [`ConfigNode`]s to read. No Python type
//! appears here, and the module never touches the collectd C API directly.
use crate::meta::MetaValue;
use crate::values::{DsTypes, Notification, Value, ValueList};
use core::ffi::{c_void, CStr};
use core::fmt::Write as _;
use std::sync::OnceLock;

pub const LOG_ERR: i32 = 3;
pub const LOG_WARNING: i32 = 4;
pub const LOG_NOTICE: i32 = 5;
pub const LOG_INFO: i32 = 6;
pub const LOG_DEBUG: i32 = 7;

/// Callback kinds whose registrations collectd keeps (B-REG-01 b).
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Kind {
    Read,
    Write,
    Log,
    Notification,
    Flush,
}

impl Kind {
    pub fn word(self) -> &'static str {
        match self {
            Kind::Read => "read",
            Kind::Write => "write",
            Kind::Log => "log",
            Kind::Notification => "notification",
            Kind::Flush => "flush",
        }
    }
}

/// Why a value list could not be handed over.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum DispatchError {
    /// collectd refused it (unknown write destination, allocation failure…).
    Failed,
    /// The host name is still unknown (config phase, B-BUG-05).
    NoHostname,
}

/// A value list as a write callback receives it.
pub trait Received {
    fn host(&self) -> &CStr;
    fn plugin(&self) -> &CStr;
    fn plugin_instance(&self) -> &CStr;
    fn type_(&self) -> &CStr;
    fn type_instance(&self) -> &CStr;
    fn time(&self) -> u64;
    fn interval(&self) -> u64;
    fn len(&self) -> usize;
    /// The i-th value, or the raw data-source type number if it is unknown.
    fn value(&self, i: usize) -> Result<Value, i32>;
    fn for_each_meta(&self, f: &mut dyn FnMut(&CStr, MetaValue<'_>));
}

/// A notification as a notification callback receives it.
pub trait ReceivedNotification {
    /// host, plugin, plugin_instance, type, type_instance.
    fn names(&self) -> [&CStr; 5];
    fn message(&self) -> &CStr;
    fn severity(&self) -> i32;
    fn time(&self) -> u64;
    fn for_each_meta(&self, f: &mut dyn FnMut(&CStr, MetaValue<'_>));
}

/// A callback the module registered with collectd, called from collectd's
/// threads (read, write, log, notification and flush callbacks run concurrently).
/// Dropped when collectd releases it (unregistered, or at shutdown).
pub trait Callback: Send + Sync {
    fn read(&self) -> i32;
    fn write(&self, vl: &dyn Received) -> i32;
    fn log(&self, severity: i32, msg: &CStr);
    fn notification(&self, n: &dyn ReceivedNotification) -> i32;
    /// `timeout` as the C plugin's `int` parameter sees it (B-CB-12).
    fn flush(&self, timeout: i32, identifier: Option<&CStr>) -> i32;
}

/// One value of a config item.
pub enum ConfigValue<'a> {
    String(&'a CStr),
    Number(f64),
    Boolean(bool),
}

/// A node of collectd's config tree (`oconfig_item_t`), valid for the call that
/// hands it over.
pub trait ConfigNode {
    fn key(&self) -> &CStr;
    fn value_count(&self) -> usize;
    fn value(&self, i: usize) -> ConfigValue<'_>;
    fn child_count(&self) -> usize;
    fn child(&self, i: usize) -> &dyn ConfigNode;
    /// collectd's own boolean parsing (`cf_util_get_boolean`), which logs errors.
    fn get_boolean(&self) -> Option<bool>;
    /// collectd's own string parsing (`cf_util_get_string`), which logs errors;
    /// false when it failed.
    fn get_string(&self, f: &mut dyn FnMut(&CStr)) -> bool;
}

/// A thread's start routine, as `pthread_create` takes it.
pub type ThreadMain = unsafe extern "C" fn(*mut c_void) -> *mut c_void;

/// One data source of a data set (`get_dataset`).
pub struct DataSource<'a> {
    pub name: &'a CStr,
    pub type_: i32,
    pub min: f64,
    pub max: f64,
}

pub trait Host: Sync {
    /// `plugin_log(level, "%s", msg)`.
    fn log(&self, level: i32, msg: &CStr);
    /// Source types of the named data set (`plugin_get_ds`) into `out`; false if
    /// the type is unknown.
    fn ds_types(&self, type_: &CStr, out: &mut DsTypes) -> bool;
    /// `plugin_dispatch_values` with `vl` as it is (its head is collectd's
    /// `value_list_t`); empty host/plugin are filled in here, in place.
    fn dispatch_values(&self, vl: &mut ValueList) -> Result<(), DispatchError>;
    /// `plugin_write(destination, NULL, vl)`, filled in like `dispatch_values`.
    fn write_values(&self, destination: &CStr, vl: &mut ValueList) -> Result<(), DispatchError>;
    /// Calls `f` for each data source of the named data set; false if unknown.
    fn data_set(&self, type_: &CStr, f: &mut dyn FnMut(DataSource<'_>)) -> bool;
    /// `plugin_dispatch_notification` (synchronous) with `n` as it is (its head
    /// is collectd's `notification_t`); empty host/plugin are filled in place.
    fn dispatch_notification(&self, n: &mut Notification) -> Result<(), DispatchError>;
    /// collectd's clock (`cdtime()`).
    fn now(&self) -> u64;
    /// `plugin_flush(plugin, timeout, identifier)`.
    fn flush(&self, plugin: Option<&CStr>, timeout: u64, identifier: Option<&CStr>);
    /// Hands `cb` to collectd, which owns it from then on (and drops it when it
    /// releases the registration, a rejected one too). On failure before that
    /// the callback is returned, not leaked.
    fn register(
        &self,
        kind: Kind,
        id: &CStr,
        interval: u64,
        cb: Box<dyn Callback>,
    ) -> Result<(), Box<dyn Callback>>;
    /// `plugin_unregister_<kind>`; true on success.
    fn unregister(&self, kind: Kind, id: &CStr) -> bool;
    /// `plugin_thread_create`: a thread running `f(arg)` (which owns `arg`).
    fn spawn(&self, name: &CStr, f: ThreadMain, arg: *mut c_void) -> bool;
}

/// Runs the body of an entry point from C, turning a panic into a logged error
/// and `on_panic`: no panic crosses into collectd.
pub fn guard<R>(what: &str, on_panic: R, f: impl FnOnce() -> R) -> R {
    match std::panic::catch_unwind(std::panic::AssertUnwindSafe(f)) {
        Ok(r) => r,
        Err(_) => {
            let mut line: heapless::String<256> = heapless::String::new();
            let _ = write!(
                line,
                "python plugin: internal error (panic) in {what}; the call was aborted.\0"
            );
            let msg = CStr::from_bytes_until_nul(line.as_bytes())
                .unwrap_or(c"python plugin: internal error (panic)");
            host().log(LOG_ERR, msg);
            on_panic
        }
    }
}

static HOST: OnceLock<&'static dyn Host> = OnceLock::new();

/// Installs the host; the first one wins for the life of the process.
pub fn install(h: &'static dyn Host) {
    let _ = HOST.set(h);
}

pub fn host() -> &'static dyn Host {
    match HOST.get() {
        Some(h) => *h,
        None => &NoHost,
    }
}

/// Used before any host is installed: logs to stderr, accepts nothing.
struct NoHost;
impl Host for NoHost {
    fn log(&self, _level: i32, msg: &CStr) {
        eprintln!("{}", msg.to_string_lossy());
    }
    fn ds_types(&self, _: &CStr, _: &mut DsTypes) -> bool {
        false
    }
    fn dispatch_values(&self, _: &mut ValueList) -> Result<(), DispatchError> {
        Err(DispatchError::Failed)
    }
    fn write_values(&self, _: &CStr, _: &mut ValueList) -> Result<(), DispatchError> {
        Err(DispatchError::Failed)
    }
    fn data_set(&self, _: &CStr, _: &mut dyn FnMut(DataSource<'_>)) -> bool {
        false
    }
    fn dispatch_notification(&self, _: &mut Notification) -> Result<(), DispatchError> {
        Err(DispatchError::Failed)
    }
    fn flush(&self, _: Option<&CStr>, _: u64, _: Option<&CStr>) {}
    fn now(&self) -> u64 {
        0
    }
    fn register(
        &self,
        _: Kind,
        _: &CStr,
        _: u64,
        cb: Box<dyn Callback>,
    ) -> Result<(), Box<dyn Callback>> {
        Err(cb)
    }
    fn unregister(&self, _: Kind, _: &CStr) -> bool {
        false
    }
    fn spawn(&self, _: &CStr, _: ThreadMain, _: *mut c_void) -> bool {
        false
    }
}

//! The small interface between the `collectd` Python module and whatever hosts
//! it: collectd itself (`daemon::Collectd`) or a test double. The module never
//! touches the collectd C API directly.
use crate::meta::MetaValue;
use crate::module::registry::Callback;
use crate::values::{DsTypes, Notification, Value, ValueList};
use core::ffi::CStr;
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
    /// Source types of the named data set (`plugin_get_ds`).
    fn ds_types(&self, type_: &CStr) -> Option<DsTypes>;
    /// `plugin_dispatch_values`; empty host/plugin are filled in here.
    fn dispatch_values(&self, vl: &ValueList) -> Result<(), DispatchError>;
    /// `plugin_write(destination, NULL, vl)`.
    fn write_values(&self, destination: &CStr, vl: &ValueList) -> Result<(), DispatchError>;
    /// Calls `f` for each data source of the named data set; false if unknown.
    fn data_set(&self, type_: &CStr, f: &mut dyn FnMut(DataSource<'_>)) -> bool;
    /// `plugin_dispatch_notification` (synchronous).
    fn dispatch_notification(&self, n: &Notification) -> Result<(), DispatchError>;
    /// collectd's clock (`cdtime()`).
    fn now(&self) -> u64;
    /// `plugin_flush(plugin, timeout, identifier)`.
    fn flush(&self, plugin: Option<&CStr>, timeout: u64, identifier: Option<&CStr>);
    /// Hands `cb` to collectd. On failure the callback is returned, not leaked.
    fn register(
        &self,
        kind: Kind,
        id: &CStr,
        interval: u64,
        cb: Box<Callback>,
    ) -> Result<(), Box<Callback>>;
    /// `plugin_unregister_<kind>`; true on success.
    fn unregister(&self, kind: Kind, id: &CStr) -> bool;
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
    fn ds_types(&self, _: &CStr) -> Option<DsTypes> {
        None
    }
    fn dispatch_values(&self, _: &ValueList) -> Result<(), DispatchError> {
        Err(DispatchError::Failed)
    }
    fn write_values(&self, _: &CStr, _: &ValueList) -> Result<(), DispatchError> {
        Err(DispatchError::Failed)
    }
    fn data_set(&self, _: &CStr, _: &mut dyn FnMut(DataSource<'_>)) -> bool {
        false
    }
    fn dispatch_notification(&self, _: &Notification) -> Result<(), DispatchError> {
        Err(DispatchError::Failed)
    }
    fn flush(&self, _: Option<&CStr>, _: u64, _: Option<&CStr>) {}
    fn now(&self) -> u64 {
        0
    }
    fn register(&self, _: Kind, _: &CStr, _: u64, cb: Box<Callback>) -> Result<(), Box<Callback>> {
        Err(cb)
    }
    fn unregister(&self, _: Kind, _: &CStr) -> bool {
        false
    }
}

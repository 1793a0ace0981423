//! The thin safe layer over collectd's C API (`ffi`), at the bottom: the `Host`
//! implementation the Python module talks to, collectd's config tree as
//! `ConfigNode`s, and the shims through which collectd calls the module's
//! callbacks, which it knows only as `host::Callback` trait objects. It calls up
//! into nothing. Every shim catches panics (`host::guard`).
use crate::ffi;
use crate::host::{
    guard, Callback, ConfigNode, ConfigValue, DataSource, DispatchError, Host, Kind, Received,
    ReceivedNotification, ThreadMain,
};
use crate::meta::{Meta, MetaPool, MetaValue};
use crate::values::{DsTypes, Notification, Value, ValueList, MAX_VALUES};
use core::ffi::{c_char, c_int, c_void, CStr};
use core::ptr;

/// collectd as the module's host.
pub struct Collectd;

pub static COLLECTD: Collectd = Collectd;

/// Logs through collectd without going through Python.
pub fn log(level: i32, msg: &CStr) {
    // SAFETY: "%s" with one valid NUL-terminated argument matches plugin_log's
    // printf contract; collectd copies the text before returning.
    unsafe { ffi::plugin_log(level, c"%s".as_ptr(), msg.as_ptr()) }
}

/// collectd's current time (`cdtime()`).
pub fn now() -> u64 {
    // SAFETY: cdtime() only reads the clock.
    unsafe { ffi::cdtime() }
}

fn hostname() -> Option<&'static CStr> {
    // SAFETY: hostname_g is a `char *` data symbol of the daemon; reading the
    // pointer value is always fine, it is NULL until the config is read and then
    // points to a string that lives until exit.
    let p = unsafe { ptr::addr_of!(ffi::hostname_g).read() };
    if p.is_null() {
        None
    } else {
        // SAFETY: non-NULL hostname_g is a valid C string for the daemon's life.
        Some(unsafe { CStr::from_ptr(p) })
    }
}

fn c_name<const N: usize>(field: &[c_char; N]) -> &CStr {
    // SAFETY: a [c_char; N] has the same size and alignment as [u8; N].
    let bytes: &[u8; N] = unsafe { &*(field as *const [c_char; N]).cast::<[u8; N]>() };
    CStr::from_bytes_until_nul(bytes).unwrap_or_default()
}

/// Owns a `meta_data_t` built from a staged pool; destroyed on drop.
struct CMeta(*mut ffi::meta_data_t);

impl CMeta {
    fn build(pool: &MetaPool) -> CMeta {
        if pool.is_empty() {
            return CMeta(ptr::null_mut());
        }
        // SAFETY: meta_data_create returns a fresh object or NULL; the add
        // functions copy key and string value; all pointers are NUL-terminated.
        unsafe {
            let md = ffi::meta_data_create();
            if md.is_null() {
                return CMeta(md);
            }
            for (k, v) in pool.iter() {
                let k = k.as_ptr();
                match v {
                    Meta::String(s) => ffi::meta_data_add_string(md, k, s.as_ptr()),
                    Meta::Signed(i) => ffi::meta_data_add_signed_int(md, k, i),
                    Meta::Unsigned(u) => ffi::meta_data_add_unsigned_int(md, k, u),
                    Meta::Double(d) => ffi::meta_data_add_double(md, k, d),
                    Meta::Boolean(b) => ffi::meta_data_add_boolean(md, k, b),
                };
            }
            CMeta(md)
        }
    }
}

impl Drop for CMeta {
    fn drop(&mut self) {
        if !self.0.is_null() {
            // SAFETY: created by meta_data_create above and not shared (collectd
            // clones the value list on dispatch).
            unsafe { ffi::meta_data_destroy(self.0) }
        }
    }
}

/// Fills in collectd's defaults in place (empty host: the global hostname,
/// empty plugin: `python`), builds the meta object and hands the list's head
/// to `f` (0 = success).
fn with_c_list(
    vl: &mut ValueList,
    f: impl FnOnce(*const ffi::value_list_t) -> c_int,
) -> Result<(), DispatchError> {
    if vl.host.is_empty() {
        vl.host
            .set(hostname().ok_or(DispatchError::NoHostname)?.to_bytes());
    }
    if vl.plugin.is_empty() {
        vl.plugin.set(b"python");
    }
    let meta = CMeta::build(&vl.meta);
    let head = vl.head(meta.0.cast()).cast::<ffi::value_list_t>();
    match f(head) {
        0 => Ok(()),
        _ => Err(DispatchError::Failed),
    }
}

/// The user data collectd keeps for a callback: a thin pointer to the boxed
/// trait object, freed by `free_callback`.
fn user_data(cb: Box<dyn Callback>) -> ffi::user_data_t {
    ffi::user_data_t {
        data: Box::into_raw(Box::new(cb)).cast(),
        free_func: Some(free_callback),
    }
}

/// The callback behind a user data pointer collectd passes back.
///
/// # Safety
/// `ud` is NULL or the user_data_t of a registration made by `register`, whose
/// `data` stays valid until `free_callback` runs (collectd never calls a
/// callback after freeing it).
unsafe fn callback<'a>(ud: *mut ffi::user_data_t) -> Option<&'a dyn Callback> {
    // SAFETY: per contract `data` is NULL or a live Box<Box<dyn Callback>>.
    unsafe {
        ud.as_ref()
            .and_then(|u| u.data.cast::<Box<dyn Callback>>().as_ref())
            .map(|b| &**b)
    }
}

impl Host for Collectd {
    fn log(&self, level: i32, msg: &CStr) {
        log(level, msg)
    }

    fn ds_types(&self, type_: &CStr, out: &mut DsTypes) -> bool {
        // SAFETY: plugin_get_ds takes a C string and returns NULL or a data set
        // owned by collectd that is never freed while plugins run.
        let Some(ds) = (unsafe { ffi::plugin_get_ds(type_.as_ptr()).as_ref() }) else {
            return false;
        };
        out.count = ds.ds_num;
        out.types.clear();
        for i in 0..out.count.min(MAX_VALUES) {
            // SAFETY: `ds.ds` points to `ds_num` data sources.
            let t = unsafe { (*ds.ds.add(i)).type_ };
            let _ = out.types.push(t);
        }
        true
    }

    fn dispatch_values(&self, vl: &mut ValueList) -> Result<(), DispatchError> {
        // SAFETY: `c` is a complete value list (layout checked in values.rs) whose
        // pointers (values, meta) stay valid for the call; collectd copies what
        // it keeps.
        with_c_list(vl, |c| unsafe { ffi::plugin_dispatch_values(c) })
    }

    fn write_values(&self, destination: &CStr, vl: &mut ValueList) -> Result<(), DispatchError> {
        // SAFETY: as in dispatch_values; a NULL data set makes collectd look it up.
        with_c_list(vl, |c| unsafe {
            ffi::plugin_write(destination.as_ptr(), ptr::null(), c)
        })
    }

    fn data_set(&self, type_: &CStr, f: &mut dyn FnMut(DataSource<'_>)) -> bool {
        // SAFETY: as in ds_types.
        let Some(ds) = (unsafe { ffi::plugin_get_ds(type_.as_ptr()).as_ref() }) else {
            return false;
        };
        for i in 0..ds.ds_num {
            // SAFETY: `ds.ds` points to `ds_num` data sources owned by collectd.
            let s = unsafe { &*ds.ds.add(i) };
            f(DataSource {
                name: c_name(&s.name),
                type_: s.type_,
                min: s.min,
                max: s.max,
            });
        }
        true
    }

    fn dispatch_notification(&self, n: &mut Notification) -> Result<(), DispatchError> {
        if n.host.is_empty() {
            n.host
                .set(hostname().ok_or(DispatchError::NoHostname)?.to_bytes());
        }
        if n.plugin.is_empty() {
            n.plugin.set(b"python");
        }
        // One raw pointer for the whole dispatch: collectd writes `c->meta`
        // through it while the pool (another field) is read through it.
        let p: *mut Notification = n;
        let c = p.cast::<ffi::notification_t>();
        // SAFETY: `c` is `n`'s head, a complete notification_t (layout checked in
        // values.rs) with a NULL meta list; the meta add functions copy key and
        // value into a list they append to `c->meta` (the `meta_ptr` field,
        // which the pool borrowed here does not cover), which we free after
        // the synchronous dispatch; collectd copies what it keeps.
        unsafe {
            let pool = &(*p).meta;
            if !pool.is_empty() {
                for (k, v) in pool.iter() {
                    let k = k.as_ptr();
                    match v {
                        Meta::String(s) => {
                            ffi::plugin_notification_meta_add_string(c, k, s.as_ptr())
                        }
                        Meta::Signed(i) => ffi::plugin_notification_meta_add_signed_int(c, k, i),
                        Meta::Unsigned(u) => {
                            ffi::plugin_notification_meta_add_unsigned_int(c, k, u)
                        }
                        Meta::Double(d) => ffi::plugin_notification_meta_add_double(c, k, d),
                        Meta::Boolean(b) => ffi::plugin_notification_meta_add_boolean(c, k, b),
                    };
                }
            }
            let st = ffi::plugin_dispatch_notification(c);
            let meta = (*p).take_c_meta().cast::<ffi::notification_meta_t>();
            if !meta.is_null() {
                ffi::plugin_notification_meta_free(meta);
            }
            if st == 0 {
                Ok(())
            } else {
                Err(DispatchError::Failed)
            }
        }
    }

    fn now(&self) -> u64 {
        now()
    }

    fn flush(&self, plugin: Option<&CStr>, timeout: u64, identifier: Option<&CStr>) {
        let p = plugin.map_or(ptr::null(), CStr::as_ptr);
        let i = identifier.map_or(ptr::null(), CStr::as_ptr);
        // SAFETY: plugin_flush only reads the (optional) C strings.
        unsafe { ffi::plugin_flush(p, timeout, i) };
    }

    fn register(
        &self,
        kind: Kind,
        id: &CStr,
        interval: u64,
        cb: Box<dyn Callback>,
    ) -> Result<(), Box<dyn Callback>> {
        let ud = user_data(cb);
        let name = id.as_ptr();
        // SAFETY: collectd copies the name and the user_data_t struct; it owns
        // `ud.data` from now on and frees it with `free_callback`, also when it
        // rejects the registration (plugin.c calls free_userdata then).
        unsafe {
            match kind {
                Kind::Read => {
                    // A rejected duplicate (B-REG-02) is freed by collectd itself
                    // through free_callback, like every other failure.
                    ffi::plugin_register_complex_read(
                        c"python".as_ptr(),
                        name,
                        Some(read_shim),
                        interval,
                        &ud,
                    );
                }
                Kind::Write => {
                    ffi::plugin_register_write(name, Some(write_shim), &ud);
                }
                Kind::Log => {
                    ffi::plugin_register_log(name, Some(log_shim), &ud);
                }
                Kind::Notification => {
                    ffi::plugin_register_notification(name, Some(notification_shim), &ud);
                }
                Kind::Flush => {
                    ffi::plugin_register_flush(name, Some(flush_shim), &ud);
                }
            }
        }
        Ok(())
    }

    fn unregister(&self, kind: Kind, id: &CStr) -> bool {
        let name = id.as_ptr();
        // SAFETY: the unregister functions only read the C string.
        let st = unsafe {
            match kind {
                Kind::Read => ffi::plugin_unregister_read(name),
                Kind::Write => ffi::plugin_unregister_write(name),
                Kind::Log => ffi::plugin_unregister_log(name),
                Kind::Notification => ffi::plugin_unregister_notification(name),
                Kind::Flush => ffi::plugin_unregister_flush(name),
            }
        };
        st == 0
    }

    fn spawn(&self, name: &CStr, f: ThreadMain, arg: *mut c_void) -> bool {
        // SAFETY: pthread_t is an integer (glibc) or a pointer (musl's `struct
        // __pthread *`): all-zero bytes are a valid value of either, and
        // pthread_create overwrites it.
        let mut t: ffi::pthread_t = unsafe { core::mem::zeroed() };
        // SAFETY: `t` is a valid out-pointer; `f` and `arg` follow pthread_create's
        // contract (the callee owns `arg`); collectd copies the name.
        unsafe { ffi::plugin_thread_create(&mut t, Some(f), arg, name.as_ptr()) == 0 }
    }
}

/// A value list as collectd passes it to write callbacks.
struct CReceived<'a> {
    ds: &'a ffi::data_set_t,
    vl: &'a ffi::value_list_t,
}

impl Received for CReceived<'_> {
    fn host(&self) -> &CStr {
        c_name(&self.vl.host)
    }
    fn plugin(&self) -> &CStr {
        c_name(&self.vl.plugin)
    }
    fn plugin_instance(&self) -> &CStr {
        c_name(&self.vl.plugin_instance)
    }
    fn type_(&self) -> &CStr {
        c_name(&self.vl.type_)
    }
    fn type_instance(&self) -> &CStr {
        c_name(&self.vl.type_instance)
    }
    fn time(&self) -> u64 {
        self.vl.time
    }
    fn interval(&self) -> u64 {
        self.vl.interval
    }
    fn len(&self) -> usize {
        self.vl.values_len
    }
    fn value(&self, i: usize) -> Result<Value, i32> {
        if i >= self.ds.ds_num || i >= self.len() {
            return Err(-1);
        }
        // SAFETY: i < ds_num and i < values_len (checked above); both arrays are
        // owned by collectd for the duration of the write callback.
        let (t, v) = unsafe { ((*self.ds.ds.add(i)).type_, *self.vl.values.add(i)) };
        // SAFETY: the data set's source type says which union member is live.
        unsafe {
            match t as u32 {
                ffi::DS_TYPE_COUNTER => Ok(Value::Counter(v.counter)),
                ffi::DS_TYPE_GAUGE => Ok(Value::Gauge(v.gauge)),
                ffi::DS_TYPE_DERIVE => Ok(Value::Derive(v.derive)),
                ffi::DS_TYPE_ABSOLUTE => Ok(Value::Absolute(v.absolute)),
                _ => Err(t),
            }
        }
    }
    fn for_each_meta(&self, f: &mut dyn FnMut(&CStr, MetaValue<'_>)) {
        let md = self.vl.meta;
        if md.is_null() {
            return;
        }
        let mut table: *mut *mut c_char = ptr::null_mut();
        // SAFETY: meta_data_toc allocates `table` with `n` strdup'ed keys which we
        // free; each typed getter reads one entry (strings are strdup'ed too).
        unsafe {
            let n = ffi::meta_data_toc(md, &mut table);
            for i in 0..n.max(0) as usize {
                let key = *table.add(i);
                let k = CStr::from_ptr(key);
                match ffi::meta_data_type(md, key) as u32 {
                    ffi::MD_TYPE_STRING => {
                        let mut s: *mut c_char = ptr::null_mut();
                        if ffi::meta_data_get_string(md, key, &mut s) == 0 && !s.is_null() {
                            f(k, MetaValue::String(CStr::from_ptr(s)));
                            libc::free(s.cast());
                        }
                    }
                    ffi::MD_TYPE_SIGNED_INT => {
                        let mut v = 0i64;
                        if ffi::meta_data_get_signed_int(md, key, &mut v) == 0 {
                            f(k, MetaValue::Signed(v));
                        }
                    }
                    ffi::MD_TYPE_UNSIGNED_INT => {
                        let mut v = 0u64;
                        if ffi::meta_data_get_unsigned_int(md, key, &mut v) == 0 {
                            f(k, MetaValue::Unsigned(v));
                        }
                    }
                    ffi::MD_TYPE_DOUBLE => {
                        let mut v = 0f64;
                        if ffi::meta_data_get_double(md, key, &mut v) == 0 {
                            f(k, MetaValue::Double(v));
                        }
                    }
                    ffi::MD_TYPE_BOOLEAN => {
                        let mut v = false;
                        if ffi::meta_data_get_boolean(md, key, &mut v) == 0 {
                            f(k, MetaValue::Boolean(v));
                        }
                    }
                    _ => {}
                }
                libc::free(key.cast());
            }
            if !table.is_null() {
                libc::free(table.cast());
            }
        }
    }
}

/// A notification as collectd passes it to notification callbacks.
struct CNotification<'a>(&'a ffi::notification_t);

impl ReceivedNotification for CNotification<'_> {
    fn names(&self) -> [&CStr; 5] {
        let n = self.0;
        [
            c_name(&n.host),
            c_name(&n.plugin),
            c_name(&n.plugin_instance),
            c_name(&n.type_),
            c_name(&n.type_instance),
        ]
    }
    fn message(&self) -> &CStr {
        c_name(&self.0.message)
    }
    fn severity(&self) -> i32 {
        self.0.severity
    }
    fn time(&self) -> u64 {
        self.0.time
    }
    fn for_each_meta(&self, f: &mut dyn FnMut(&CStr, MetaValue<'_>)) {
        let mut m = self.0.meta;
        // SAFETY: the meta list is owned by the notification for the duration of
        // the callback; each node's union member is the one named by `type_`.
        unsafe {
            while let Some(node) = m.as_ref() {
                let k = c_name(&node.name);
                let v = &node.nm_value;
                match node.type_ {
                    ffi::notification_meta_type_e_NM_TYPE_STRING if !v.nm_string.is_null() => {
                        f(k, MetaValue::String(CStr::from_ptr(v.nm_string)));
                    }
                    ffi::notification_meta_type_e_NM_TYPE_SIGNED_INT => {
                        f(k, MetaValue::Signed(v.nm_signed_int))
                    }
                    ffi::notification_meta_type_e_NM_TYPE_UNSIGNED_INT => {
                        f(k, MetaValue::Unsigned(v.nm_unsigned_int))
                    }
                    ffi::notification_meta_type_e_NM_TYPE_DOUBLE => {
                        f(k, MetaValue::Double(v.nm_double))
                    }
                    ffi::notification_meta_type_e_NM_TYPE_BOOLEAN => {
                        f(k, MetaValue::Boolean(v.nm_boolean))
                    }
                    _ => {}
                }
                m = node.next;
            }
        }
    }
}

// ---- collectd's config tree ------------------------------------------------

/// An `oconfig_item_t` as a `ConfigNode` (same layout, so a child reference can
/// be handed out in place).
#[repr(transparent)]
pub struct ConfigItem(ffi::oconfig_item_t);

impl ConfigItem {
    /// # Safety
    /// `ci` is NULL or a config tree collectd keeps valid for `'a`.
    pub unsafe fn from_ptr<'a>(ci: *const ffi::oconfig_item_t) -> Option<&'a ConfigItem> {
        // SAFETY: ConfigItem is a transparent wrapper of oconfig_item_t; validity
        // per contract.
        unsafe { ci.cast::<ConfigItem>().as_ref() }
    }
}

impl ConfigNode for ConfigItem {
    fn key(&self) -> &CStr {
        if self.0.key.is_null() {
            return c"";
        }
        // SAFETY: liboconfig keys are NUL-terminated strings owned by the tree.
        unsafe { CStr::from_ptr(self.0.key) }
    }
    fn value_count(&self) -> usize {
        self.0.values_num.max(0) as usize
    }
    fn value(&self, i: usize) -> ConfigValue<'_> {
        if i >= self.value_count() {
            return ConfigValue::Boolean(false);
        }
        // SAFETY: `values` has `values_num` entries (i checked above); the union
        // member read is the one named by `type_`.
        unsafe {
            let v = &*self.0.values.add(i);
            match v.type_ as u32 {
                ffi::OCONFIG_TYPE_STRING => ConfigValue::String(CStr::from_ptr(v.value.string)),
                ffi::OCONFIG_TYPE_NUMBER => ConfigValue::Number(v.value.number),
                _ => ConfigValue::Boolean(v.value.boolean != 0),
            }
        }
    }
    fn child_count(&self) -> usize {
        self.0.children_num.max(0) as usize
    }
    fn child(&self, i: usize) -> &dyn ConfigNode {
        assert!(i < self.child_count(), "config child {i} out of range");
        // SAFETY: `children` has `children_num` entries owned by the tree, which
        // lives as long as `self`; ConfigItem is transparent over the C struct.
        unsafe { &*self.0.children.add(i).cast::<ConfigItem>() }
    }
    fn get_boolean(&self) -> Option<bool> {
        let mut b = false;
        // SAFETY: the item is valid; cf_util_get_boolean only reads it.
        let st = unsafe { ffi::cf_util_get_boolean(&self.0 as *const _ as *mut _, &mut b) };
        (st == 0).then_some(b)
    }
    fn get_string(&self, f: &mut dyn FnMut(&CStr)) -> bool {
        let mut s: *mut c_char = ptr::null_mut();
        // SAFETY: on success cf_util_get_string stores a malloc'ed copy we free.
        unsafe {
            if ffi::cf_util_get_string(&self.0 as *const _ as *mut _, &mut s) != 0 || s.is_null() {
                return false;
            }
            f(CStr::from_ptr(s));
            libc::free(s.cast());
        }
        true
    }
}

// ---- shims collectd calls ------------------------------------------------

extern "C" fn read_shim(ud: *mut ffi::user_data_t) -> c_int {
    guard("read callback", 1, || {
        // SAFETY: collectd passes back the user_data_t we registered.
        match unsafe { callback(ud) } {
            Some(cb) => cb.read(),
            None => 1,
        }
    })
}

extern "C" fn write_shim(
    ds: *const ffi::data_set_t,
    vl: *const ffi::value_list_t,
    ud: *mut ffi::user_data_t,
) -> c_int {
    guard("write callback", 0, || {
        // SAFETY: as in read_shim; ds and vl are valid for the call.
        unsafe {
            let (Some(cb), Some(ds), Some(vl)) = (callback(ud), ds.as_ref(), vl.as_ref()) else {
                return 0;
            };
            cb.write(&CReceived { ds, vl })
        }
    })
}

extern "C" fn log_shim(severity: c_int, msg: *const c_char, ud: *mut ffi::user_data_t) {
    // A panic here cannot be logged through collectd (we are its logger): drop it.
    let _ = std::panic::catch_unwind(|| {
        // SAFETY: as in read_shim; `msg` is a NUL-terminated message.
        unsafe {
            if let (Some(cb), false) = (callback(ud), msg.is_null()) {
                cb.log(severity, CStr::from_ptr(msg));
            }
        }
    });
}

extern "C" fn notification_shim(n: *const ffi::notification_t, ud: *mut ffi::user_data_t) -> c_int {
    guard("notification callback", 0, || {
        // SAFETY: as in read_shim; `n` is valid for the call.
        unsafe {
            match (callback(ud), n.as_ref()) {
                (Some(cb), Some(n)) => cb.notification(&CNotification(n)),
                _ => 0,
            }
        }
    })
}

extern "C" fn flush_shim(timeout: u64, id: *const c_char, ud: *mut ffi::user_data_t) -> c_int {
    guard("flush callback", 0, || {
        // SAFETY: as in read_shim; `id` is NULL or a C string valid for the call.
        unsafe {
            let Some(cb) = callback(ud) else {
                return 0;
            };
            let id = (!id.is_null()).then(|| CStr::from_ptr(id));
            // B-CB-12: the C handler's `int` parameter sees the low 32 bits.
            cb.flush(timeout as u32 as i32, id)
        }
    })
}

unsafe extern "C" fn free_callback(p: *mut c_void) {
    guard("callback release", (), || {
        if !p.is_null() {
            // SAFETY: `p` came from Box::into_raw in user_data() and collectd
            // frees each user data exactly once.
            drop(unsafe { Box::from_raw(p.cast::<Box<dyn Callback>>()) });
        }
    })
}

/// The plugin's own entry points (B-LIFE-01), registered under the name "python".
pub struct PluginEntries {
    pub config: unsafe extern "C" fn(*mut ffi::oconfig_item_t) -> c_int,
    pub init: unsafe extern "C" fn() -> c_int,
    pub shutdown: unsafe extern "C" fn() -> c_int,
}

/// Installs collectd as the module's host and registers the plugin's config,
/// init and shutdown functions.
pub fn register_plugin(e: PluginEntries) {
    crate::host::install(&COLLECTD);
    // SAFETY: static names and valid function pointers; collectd copies the names.
    unsafe {
        ffi::plugin_register_complex_config(c"python".as_ptr(), Some(e.config));
        ffi::plugin_register_init(c"python".as_ptr(), Some(e.init));
        ffi::plugin_register_shutdown(c"python".as_ptr(), Some(e.shutdown));
    }
}

/// B-LIFE-03: the plugin's shutdown function, unregistered when Python never ran.
pub fn unregister_plugin_shutdown() {
    // SAFETY: plain call with a static C string.
    unsafe { ffi::plugin_unregister_shutdown(c"python".as_ptr()) };
}

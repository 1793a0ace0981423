//! The no-allocation core of a dispatch: a fixed-capacity value list with
//! collectd's fixed 128-byte name fields, plus cdtime conversions. Pure Rust:
//! testable without Python and without collectd (whose headers it only uses to
//! check, at compile time, that its C heads are collectd's structs).
use crate::meta::MetaPool;
use core::fmt;

/// Compile-time proof that the head of one of our structs is a collectd struct,
/// field for field, as bindgen translated plugin.h for the target being built:
/// so a pointer to ours is a pointer to theirs.
macro_rules! c_head {
    ($ours:ty = $c:ty { $($f:ident => $cf:ident),+ $(,)? }) => {
        const _: () = {
            use core::mem::{offset_of, size_of};
            $(assert!(offset_of!($ours, $f) == offset_of!($c, $cf));)+
            assert!(size_of::<$c>() <= size_of::<$ours>());
        };
    };
}

/// collectd's `DATA_MAX_NAME_LEN` (Debian build): names hold at most 127 bytes.
pub const NAME_LEN: usize = 128;
/// Most data sources a dispatched value list may carry (types.db's largest has 6).
pub const MAX_VALUES: usize = 64;

/// A NUL-terminated, fixed-size name field, truncated byte-wise like `sstrncpy`.
#[derive(Clone, Copy)]
#[repr(transparent)]
pub struct Name<const N: usize = NAME_LEN> {
    buf: [u8; N],
}

impl<const N: usize> Default for Name<N> {
    fn default() -> Self {
        Name { buf: [0; N] }
    }
}

impl<const N: usize> Name<N> {
    /// Stores `bytes`, cut at the first NUL and at `N - 1` bytes (B-STR-04).
    pub fn set(&mut self, bytes: &[u8]) {
        let kept = crate::cstr::until_nul(&bytes[..bytes.len().min(N - 1)]);
        let end = kept.len();
        self.buf[..end].copy_from_slice(kept);
        self.buf[end] = 0;
    }
    #[cfg(test)]
    pub fn from_bytes(bytes: &[u8]) -> Self {
        let mut n = Self::default();
        n.set(bytes);
        n
    }
    /// Length up to the NUL (names are short: scanned byte by byte).
    fn len(&self) -> usize {
        self.buf.iter().position(|&b| b == 0).unwrap_or(N - 1)
    }
    pub fn as_bytes(&self) -> &[u8] {
        &self.buf[..self.len()]
    }
    /// The field including its terminating NUL, as collectd's `char[N]`.
    pub fn as_cstr(&self) -> &core::ffi::CStr {
        // The buffer always holds a NUL (set() writes one, default is zeroed).
        core::ffi::CStr::from_bytes_until_nul(&self.buf).unwrap_or_default()
    }
    /// Makes this name a copy of `other`, copying only the 8-byte words up to
    /// the one that holds its NUL (names are short, the fields 128 bytes).
    pub fn copy_from(&mut self, other: &Self) {
        const { assert!(N % 8 == 0 && N > 0) };
        for (d, s) in self.buf.chunks_exact_mut(8).zip(other.buf.chunks_exact(8)) {
            d.copy_from_slice(s);
            let w = u64::from_ne_bytes([s[0], s[1], s[2], s[3], s[4], s[5], s[6], s[7]]);
            // a zero byte in `w` (the classic test, exact for the "any" case)
            if w.wrapping_sub(0x0101_0101_0101_0101) & !w & 0x8080_8080_8080_8080 != 0 {
                return;
            }
        }
        self.buf[N - 1] = 0;
    }
    pub fn is_empty(&self) -> bool {
        self.buf[0] == 0
    }
}

/// Data-source types as numbered in collectd's plugin.h.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum DsType {
    Counter,
    Gauge,
    Derive,
    Absolute,
}

impl DsType {
    pub fn from_raw(t: i32) -> Option<DsType> {
        match t {
            0 => Some(DsType::Counter),
            1 => Some(DsType::Gauge),
            2 => Some(DsType::Derive),
            3 => Some(DsType::Absolute),
            _ => None,
        }
    }
    pub fn c_name(self) -> &'static core::ffi::CStr {
        match self {
            DsType::Counter => c"counter",
            DsType::Gauge => c"gauge",
            DsType::Derive => c"derive",
            DsType::Absolute => c"absolute",
        }
    }
}

/// One value of a value list, tagged with its data-source type.
#[derive(Clone, Copy, PartialEq, Debug)]
pub enum Value {
    Counter(u64),
    Gauge(f64),
    Derive(i64),
    Absolute(u64),
}

/// The source types of a data set, as far as they fit; `count` is the real number.
#[derive(Clone, Default)]
pub struct DsTypes {
    pub count: usize,
    /// Raw type numbers of the first `MAX_VALUES` sources.
    pub types: heapless::Vec<i32, MAX_VALUES>,
}

/// What did not fit into a fixed-capacity structure.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum CapacityError {
    TooManyValues { type_len: usize },
}

impl fmt::Display for CapacityError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CapacityError::TooManyValues { type_len } => write!(
                f,
                "data set has {type_len} data sources, this build supports at most {MAX_VALUES}"
            ),
        }
    }
}

/// One value as collectd's `value_t` union holds it: the 8 bytes of a counter,
/// gauge (an IEEE double), derive or absolute, in the target's byte order.
#[derive(Clone, Copy, PartialEq, Debug)]
#[repr(transparent)]
pub struct RawValue(u64);

impl From<Value> for RawValue {
    fn from(v: Value) -> RawValue {
        RawValue(match v {
            Value::Counter(x) | Value::Absolute(x) => x,
            Value::Gauge(x) => x.to_bits(),
            Value::Derive(x) => x as u64,
        })
    }
}

impl RawValue {
    /// The value read as the given data-source type.
    #[cfg(test)]
    pub fn get(self, t: DsType) -> Value {
        match t {
            DsType::Counter => Value::Counter(self.0),
            DsType::Gauge => Value::Gauge(f64::from_bits(self.0)),
            DsType::Derive => Value::Derive(self.0 as i64),
            DsType::Absolute => Value::Absolute(self.0),
        }
    }
}

/// A value list ready to hand to collectd, built on the stack and filled once:
/// its head is collectd's `value_list_t` field for field (`daemon.rs` checks the
/// layout against `plugin.h` at compile time), so the host passes it as it is,
/// with no second copy of the names. The values array is not zero-filled.
#[repr(C)]
pub struct ValueList {
    // --- collectd's value_list_t ---
    values_ptr: *mut RawValue,
    values_len: usize,
    /// cdtime (2^-30 s); 0 = "now" for dispatch.
    pub time: u64,
    /// cdtime; 0 = the context interval for dispatch.
    pub interval: u64,
    pub host: Name,
    pub plugin: Name,
    pub plugin_instance: Name,
    pub type_: Name,
    pub type_instance: Name,
    meta_ptr: *mut core::ffi::c_void,
    // --- ours ---
    /// `values_len` of these are initialised.
    values: [core::mem::MaybeUninit<RawValue>; MAX_VALUES],
    pub meta: MetaPool,
}

impl Default for ValueList {
    fn default() -> Self {
        Self::new()
    }
}

impl ValueList {
    pub fn new() -> ValueList {
        ValueList {
            values_ptr: core::ptr::null_mut(),
            values_len: 0,
            time: 0,
            interval: 0,
            host: Name::default(),
            plugin: Name::default(),
            plugin_instance: Name::default(),
            type_: Name::default(),
            type_instance: Name::default(),
            meta_ptr: core::ptr::null_mut(),
            values: [const { core::mem::MaybeUninit::uninit() }; MAX_VALUES],
            meta: MetaPool::default(),
        }
    }

    pub fn push(&mut self, v: Value) -> Result<(), CapacityError> {
        let Some(slot) = self.values.get_mut(self.values_len) else {
            return Err(CapacityError::TooManyValues {
                type_len: self.values_len + 1,
            });
        };
        slot.write(RawValue::from(v));
        self.values_len += 1;
        Ok(())
    }

    /// The values pushed so far.
    #[cfg(test)]
    pub fn values(&self) -> &[RawValue] {
        // SAFETY: the first `values_len` elements were written by `push`, and
        // MaybeUninit<RawValue> has RawValue's layout.
        unsafe {
            core::slice::from_raw_parts(self.values.as_ptr().cast::<RawValue>(), self.values_len)
        }
    }

    /// Completes the head for collectd (the values pointer into this list, the
    /// host's meta object) and returns a pointer to it: a `value_list_t *` that
    /// is valid while `self` is neither moved nor changed.
    pub fn head(&mut self, meta: *mut core::ffi::c_void) -> *const core::ffi::c_void {
        self.values_ptr = self.values.as_mut_ptr().cast();
        self.meta_ptr = meta;
        (self as *const ValueList).cast()
    }
}

c_head!(ValueList = crate::ffi::value_list_t {
    values_ptr => values,
    values_len => values_len,
    time => time,
    interval => interval,
    host => host,
    plugin => plugin,
    plugin_instance => plugin_instance,
    type_ => type_,
    type_instance => type_instance,
    meta_ptr => meta,
});
// value_t is one 8-byte union, as RawValue
const _: () = {
    assert!(core::mem::size_of::<crate::ffi::value_t>() == core::mem::size_of::<RawValue>());
    assert!(core::mem::align_of::<crate::ffi::value_t>() == core::mem::align_of::<u64>());
};

/// C's `(uint64_t)(d * 1073741824.0)` exactly as GCC compiles it on x86-64
/// (B-TIME-01): negatives wrap, NaN and out-of-range map to 2^63, >= 2^64 to 0.
pub fn double_to_cdtime(d: f64) -> u64 {
    const TWO63: f64 = 9_223_372_036_854_775_808.0;
    fn cvttsd2si(x: f64) -> i64 {
        if x.is_nan() || !(-TWO63..TWO63).contains(&x) {
            i64::MIN
        } else {
            x as i64
        }
    }
    let x = d * 1_073_741_824.0;
    if x >= TWO63 {
        (cvttsd2si(x - TWO63) as u64) ^ (1u64 << 63)
    } else {
        cvttsd2si(x) as u64
    }
}

/// cdtime → seconds (B-TIME-02), exact division by 2^30.
pub fn cdtime_to_double(t: u64) -> f64 {
    t as f64 / 1_073_741_824.0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn b_time_01_double_to_cdtime_table() {
        assert_eq!(double_to_cdtime(1.5), 0x6000_0000);
        assert_eq!(double_to_cdtime(-1.0), 0xFFFF_FFFF_C000_0000);
        assert_eq!(double_to_cdtime(-0.5), 0xFFFF_FFFF_E000_0000);
        assert_eq!(double_to_cdtime(f64::NAN), 0x8000_0000_0000_0000);
        assert_eq!(double_to_cdtime(f64::NEG_INFINITY), 0x8000_0000_0000_0000);
        assert_eq!(double_to_cdtime(-1e30), 0x8000_0000_0000_0000);
        assert_eq!(double_to_cdtime(f64::INFINITY), 0);
        assert_eq!(double_to_cdtime(1e30), 0);
        // x in [2^63, 2^64) is exact
        let s = 9_223_372_036_854_775_808.0 / 1_073_741_824.0;
        assert_eq!(double_to_cdtime(s), 1u64 << 63);
        assert_eq!(double_to_cdtime(0.0), 0);
    }

    #[test]
    fn b_time_02_cdtime_to_double_exact() {
        assert_eq!(cdtime_to_double(0x6000_0000), 1.5);
        assert_eq!(cdtime_to_double(1), 1.0 / 1_073_741_824.0);
    }

    #[test]
    fn b_str_04_names_truncate_at_nul_and_127_bytes() {
        let n: Name = Name::from_bytes(b"a\0b");
        assert_eq!(n.as_bytes(), b"a");
        let long = [b'x'; 300];
        let n: Name = Name::from_bytes(&long);
        assert_eq!(n.as_bytes().len(), 127);
        assert_eq!(n.as_cstr().to_bytes().len(), 127);
        let mut s = vec![b'a'; 126];
        s.extend_from_slice("é".as_bytes());
        let n: Name = Name::from_bytes(&s);
        assert_eq!(n.as_bytes().len(), 127);
        assert!(core::str::from_utf8(n.as_bytes()).is_err());
    }

    #[test]
    fn copy_from_copies_up_to_the_nul_word_and_keeps_the_terminator() {
        for len in [0usize, 1, 7, 8, 9, 15, 16, 100, 127] {
            let src: Name = Name::from_bytes(&vec![b'a'; len]);
            let mut dst: Name = Name::from_bytes(&[b'z'; 127]);
            dst.copy_from(&src);
            assert_eq!(dst.as_bytes(), src.as_bytes(), "len {len}");
            assert_eq!(dst.as_cstr().to_bytes().len(), len);
        }
        // bytes >= 0x80 next to the NUL are not mistaken for it
        let src: Name = Name::from_bytes("\u{e9}\u{e9}\u{e9}x".as_bytes());
        let mut dst: Name = Name::from_bytes(&[b'z'; 127]);
        dst.copy_from(&src);
        assert_eq!(dst.as_bytes(), src.as_bytes());
    }

    #[test]
    fn capacity_is_an_error_not_a_panic() {
        let mut vl = ValueList::new();
        for i in 0..MAX_VALUES {
            vl.push(Value::Gauge(i as f64)).unwrap();
        }
        assert_eq!(vl.values().len(), MAX_VALUES);
        assert_eq!(vl.values()[3].get(DsType::Gauge), Value::Gauge(3.0));
        let e = vl.push(Value::Gauge(0.0)).unwrap_err();
        assert_eq!(
            e,
            CapacityError::TooManyValues {
                type_len: MAX_VALUES + 1
            }
        );
        assert!(e.to_string().contains("at most 64"));
    }

    #[test]
    fn raw_values_round_trip_every_type() {
        for (v, t) in [
            (Value::Counter(u64::MAX), DsType::Counter),
            (Value::Gauge(-2.5), DsType::Gauge),
            (Value::Derive(-7), DsType::Derive),
            (Value::Absolute(1 << 63), DsType::Absolute),
        ] {
            assert_eq!(RawValue::from(v).get(t), v);
        }
    }
}

/// `NOTIF_MAX_MSG_LEN` (Debian build): messages hold at most 255 bytes.
pub const MESSAGE_LEN: usize = 256;

/// A notification ready to hand to collectd, built on the stack. Its head is
/// laid out as collectd's `notification_t` (checked by the host against
/// plugin.h), so that dispatching it copies nothing.
#[repr(C)]
pub struct Notification {
    pub severity: i32,
    /// cdtime; the module fills in "now" for 0 (B-NOTIF-10).
    pub time: u64,
    pub message: Name<MESSAGE_LEN>,
    pub host: Name,
    pub plugin: Name,
    pub plugin_instance: Name,
    pub type_: Name,
    pub type_instance: Name,
    /// collectd's `notification_meta_t *`: NULL except while the host dispatches.
    meta_ptr: *mut core::ffi::c_void,
    /// The meta entries staged for it (the end of the C head).
    pub meta: MetaPool,
}

// `allow_threads` asks for `Send` to keep Python objects out of the section that
// runs without the GIL; a value list or a notification holds none.
// SAFETY: its raw pointers point into itself (the values), to collectd's meta
// object that the host builds and frees within one call on one thread, or to text
// the dispatching call keeps alive and unchanged until it returns (the meta pool's
// borrowed strings, see `MetaPool::add_borrowed`): reading those from another
// thread is as safe as from this one.
unsafe impl Send for ValueList {}
// SAFETY: as for ValueList.
unsafe impl Send for Notification {}

impl Default for Notification {
    fn default() -> Self {
        Notification {
            severity: 0,
            time: 0,
            message: Name::default(),
            host: Name::default(),
            plugin: Name::default(),
            plugin_instance: Name::default(),
            type_: Name::default(),
            type_instance: Name::default(),
            meta_ptr: core::ptr::null_mut(),
            meta: MetaPool::default(),
        }
    }
}

impl Notification {
    /// The meta list pointer the host built in the C head (to free it); the
    /// head starts at offset 0, with a NULL meta list.
    pub fn take_c_meta(&mut self) -> *mut core::ffi::c_void {
        core::mem::replace(&mut self.meta_ptr, core::ptr::null_mut())
    }
}

c_head!(Notification = crate::ffi::notification_t {
    severity => severity,
    time => time,
    message => message,
    host => host,
    plugin => plugin,
    plugin_instance => plugin_instance,
    type_ => type_,
    type_instance => type_instance,
    meta_ptr => meta,
});
const _: () = assert!(MESSAGE_LEN == crate::ffi::NOTIF_MAX_MSG_LEN as usize);

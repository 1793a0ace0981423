//! Staging pool for meta data: a dispatch converts the Python meta dict into this
//! pool, and the daemon layer copies it into collectd's `meta_data_t` (or
//! notification meta list) in one go. The fixed-capacity part takes typical dicts
//! without touching the heap; what does not fit there (more entries, longer
//! strings: 5.12 has no limit) goes on in a heap spill, in order.
//!
//! Strings are either copied into the pool (`add`) or, on the dispatch fast
//! path, borrowed as C strings the caller keeps alive (`add_borrowed`: the
//! UTF-8 buffers of the dict's own str objects), so that a typical dict is not
//! copied at all before collectd copies it.
use core::ffi::{c_char, CStr};
use core::marker::PhantomData;
use std::ffi::CString;
use std::vec::Vec;

/// Entries and bytes (keys and strings, NUL-terminated) of the allocation-free part.
pub const META_MAX_ENTRIES: usize = 32;
pub const META_ARENA_BYTES: usize = 4096;
const _: () = assert!(META_ARENA_BYTES <= u16::MAX as usize);

/// A meta value of collectd's five kinds; `S` is how a string is held.
#[derive(Clone, Copy, PartialEq, Debug)]
pub enum Meta<S> {
    String(S),
    Signed(i64),
    Unsigned(u64),
    Double(f64),
    Boolean(bool),
}

impl<S> Meta<S> {
    /// The same value with its string (if any) converted by `f`.
    pub fn map<T>(self, f: impl FnOnce(S) -> T) -> Meta<T> {
        match self {
            Meta::String(s) => Meta::String(f(s)),
            Meta::Signed(v) => Meta::Signed(v),
            Meta::Unsigned(v) => Meta::Unsigned(v),
            Meta::Double(v) => Meta::Double(v),
            Meta::Boolean(v) => Meta::Boolean(v),
        }
    }
}

/// A meta value as collectd hands it over (received values and notifications).
pub type MetaValue<'a> = Meta<&'a CStr>;
/// A value to stage by copy; strings are raw bytes (cut at the first NUL).
pub type Staged<'a> = Meta<&'a [u8]>;

impl<'a> MetaValue<'a> {
    /// The same value, to stage in another pool.
    pub fn staged(self) -> Staged<'a> {
        self.map(CStr::to_bytes)
    }
}

/// A NUL-terminated string the pool hands out: a pointer that is valid, and
/// points to unchanging bytes up to a NUL, for `'a`.
#[derive(Clone, Copy, Debug)]
pub struct CText<'a> {
    ptr: *const c_char,
    _borrow: PhantomData<&'a CStr>,
}

impl<'a> CText<'a> {
    pub fn new(s: &'a CStr) -> CText<'a> {
        CText {
            ptr: s.as_ptr(),
            _borrow: PhantomData,
        }
    }
    pub fn as_ptr(self) -> *const c_char {
        self.ptr
    }
    /// The string as a `CStr` (measures its length).
    pub fn to_cstr(self) -> &'a CStr {
        // SAFETY: the type's invariant: `ptr` points to a NUL-terminated string
        // that stays valid and unchanged for 'a (see `new` and `add_borrowed`).
        unsafe { CStr::from_ptr(self.ptr) }
    }
}

/// Where a NUL-terminated string sits in the arena: start and length.
#[derive(Clone, Copy)]
struct At(u16, u16);

/// A string of a fixed entry.
#[derive(Clone, Copy)]
enum Text {
    At(At),
    /// Borrowed: see `add_borrowed`.
    Ptr(*const c_char),
}

#[derive(Clone, Copy)]
struct Entry {
    key: Text,
    value: Meta<Text>,
}

/// Entries in insertion order: first `entries` (keys and string values
/// NUL-terminated in `arena`, or borrowed), then `spill`.
#[derive(Default)]
pub struct MetaPool {
    entries: heapless::Vec<Entry, META_MAX_ENTRIES>,
    arena: heapless::Vec<u8, META_ARENA_BYTES>,
    spill: Vec<(CString, Meta<CString>)>,
}

/// The fixed-capacity part is full.
struct Full;

/// `s` up to its first NUL, as an owned C string.
fn owned(s: &[u8]) -> CString {
    let s = crate::cstr::until_nul(s);
    // Cannot fail: `s` holds no NUL now; an empty string is the fallback anyway.
    CString::new(s).unwrap_or_default()
}

impl MetaPool {
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty() && self.spill.is_empty()
    }

    /// Number of entries.
    #[cfg(test)]
    pub fn len(&self) -> usize {
        self.entries.len() + self.spill.len()
    }

    /// Whether some entries live on the heap.
    #[cfg(test)]
    pub fn spilled(&self) -> bool {
        !self.spill.is_empty()
    }

    /// Appends `s` up to its first NUL, and a NUL.
    fn push_str(&mut self, s: &[u8]) -> Result<At, Full> {
        let s = crate::cstr::until_nul(s);
        let start = self.arena.len();
        if start + s.len() + 1 > META_ARENA_BYTES {
            return Err(Full);
        }
        // SAFETY: the check above leaves room for `s.len() + 1` bytes after
        // `start` in the arena's storage; all of them are written (the copy,
        // then the NUL) before `set_len` makes them part of the Vec, and `s`
        // cannot overlap the arena (it is borrowed immutably while the arena
        // is borrowed mutably).
        unsafe {
            let p = self.arena.as_mut_ptr().add(start);
            core::ptr::copy_nonoverlapping(s.as_ptr(), p, s.len());
            p.add(s.len()).write(0);
            self.arena.set_len(start + s.len() + 1);
        }
        // Both fit in u16: the arena holds at most 4096 bytes.
        Ok(At(start as u16, s.len() as u16))
    }

    fn add_fixed(&mut self, key: &[u8], value: Staged<'_>) -> Result<(), Full> {
        if self.entries.is_full() {
            return Err(Full);
        }
        let mark = self.arena.len();
        let result = (|| {
            let key = Text::At(self.push_str(key)?);
            let value = match value {
                Meta::String(s) => Meta::String(Text::At(self.push_str(s)?)),
                v => v.map(|_| Text::Ptr(core::ptr::null())),
            };
            self.entries.push(Entry { key, value }).map_err(|_| Full)
        })();
        if result.is_err() {
            self.arena.truncate(mark);
        }
        result
    }

    /// Appends `key = value`: in the fixed part while it fits and nothing has
    /// spilled yet (so the order stays that of the calls), else on the heap.
    pub fn add(&mut self, key: &[u8], value: Staged<'_>) {
        if self.spill.is_empty() && self.add_fixed(key, value).is_ok() {
            return;
        }
        self.spill.push((owned(key), value.map(owned)));
    }

    /// Appends `key = value` without copying the strings while the fixed part
    /// has room (else as `add`, copied).
    ///
    /// # Safety
    /// `key` and a string `value` point to NUL-terminated strings (cut there,
    /// as C reads them) that stay valid and unchanged as long as this pool
    /// lives.
    pub unsafe fn add_borrowed(&mut self, key: *const c_char, value: Meta<*const c_char>) {
        if self.spill.is_empty() && !self.entries.is_full() {
            let entry = Entry {
                key: Text::Ptr(key),
                value: value.map(Text::Ptr),
            };
            // Cannot fail: not full (checked above).
            let _ = self.entries.push(entry);
            return;
        }
        // SAFETY: both are valid C strings per contract.
        let (k, v) = unsafe {
            (
                CStr::from_ptr(key),
                value.map(|s| CStr::from_ptr(s).to_bytes()),
            )
        };
        self.spill.push((owned(k.to_bytes()), v.map(owned)));
    }

    fn text(&self, t: Text) -> CText<'_> {
        match t {
            Text::At(At(start, len)) => {
                let (start, end) = (usize::from(start), usize::from(start) + usize::from(len));
                let bytes = &self.arena[start..=end];
                // SAFETY: `At` values come only from push_str, which wrote
                // exactly `len` non-NUL bytes at `start` and then a NUL (so `end`
                // is in bounds and the only NUL is the last byte); arena bytes
                // are never changed afterwards (a failed entry truncates the
                // arena and keeps no `At`).
                CText::new(unsafe { CStr::from_bytes_with_nul_unchecked(bytes) })
            }
            // The invariant of CText is add_borrowed's contract, for as long
            // as the pool (which `&self` borrows) lives.
            Text::Ptr(ptr) => CText {
                ptr,
                _borrow: PhantomData,
            },
        }
    }

    pub fn iter(&self) -> impl Iterator<Item = (CText<'_>, Meta<CText<'_>>)> + '_ {
        let fixed = self
            .entries
            .iter()
            .map(move |e| (self.text(e.key), e.value.map(|t| self.text(t))));
        let spilled = self.spill.iter().map(|(k, v)| {
            let v = match v {
                Meta::String(s) => Meta::String(CText::new(s)),
                Meta::Signed(x) => Meta::Signed(*x),
                Meta::Unsigned(x) => Meta::Unsigned(*x),
                Meta::Double(x) => Meta::Double(*x),
                Meta::Boolean(x) => Meta::Boolean(*x),
            };
            (CText::new(k), v)
        });
        fixed.chain(spilled)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn b_meta_01_keeps_order_and_types() {
        let mut p = MetaPool::default();
        p.add(b"a", Staged::Signed(-3));
        p.add(b"b", Staged::String(b"str"));
        p.add(b"c\0ignored", Staged::Double(1.5));
        p.add(b"d", Staged::Boolean(true));
        p.add(b"u", Staged::Unsigned(u64::MAX));
        let got: Vec<_> = p
            .iter()
            .map(|(k, v)| (k.to_cstr().to_bytes().to_vec(), v.map(CText::to_cstr)))
            .collect();
        assert_eq!(got[0], (b"a".to_vec(), MetaValue::Signed(-3)));
        assert_eq!(got[1], (b"b".to_vec(), MetaValue::String(c"str")));
        assert_eq!(got[2], (b"c".to_vec(), MetaValue::Double(1.5)));
        assert_eq!(got[3], (b"d".to_vec(), MetaValue::Boolean(true)));
        assert_eq!(got[4], (b"u".to_vec(), MetaValue::Unsigned(u64::MAX)));
    }

    #[test]
    fn past_the_fixed_capacity_entries_spill_in_order() {
        let mut p = MetaPool::default();
        let n = META_MAX_ENTRIES + 68;
        for i in 0..n {
            p.add(format!("k{i}").as_bytes(), Staged::Signed(i as i64));
        }
        assert!(p.spilled());
        assert_eq!(p.len(), n);
        for (i, (k, v)) in p.iter().enumerate() {
            assert_eq!(k.to_cstr().to_bytes(), format!("k{i}").as_bytes());
            assert_eq!(v.map(CText::to_cstr), MetaValue::Signed(i as i64));
        }
    }

    #[test]
    fn a_string_longer_than_the_arena_spills_and_later_entries_follow_it() {
        let mut p = MetaPool::default();
        p.add(b"first", Staged::Boolean(true));
        let big = vec![b'v'; 10 * 1024];
        p.add(b"big", Staged::String(&big));
        p.add(b"after", Staged::String(b"x\0cut"));
        assert!(p.spilled());
        let got: Vec<_> = p
            .iter()
            .map(|(k, v)| (k.to_cstr().to_bytes().to_vec(), v.map(CText::to_cstr)))
            .collect();
        assert_eq!(got[0], (b"first".to_vec(), MetaValue::Boolean(true)));
        assert_eq!(got[1].0, b"big".to_vec());
        assert!(matches!(got[1].1, MetaValue::String(s) if s.to_bytes() == &big[..]));
        assert_eq!(got[2], (b"after".to_vec(), MetaValue::String(c"x")));
    }

    #[test]
    fn borrowed_strings_are_not_copied_and_spill_as_copies() {
        let keys: Vec<CString> = (0..META_MAX_ENTRIES + 2)
            .map(|i| CString::new(format!("k{i}")).unwrap())
            .collect();
        let v = c"v";
        let mut p = MetaPool::default();
        p.add(b"copied", Staged::Boolean(false));
        for k in &keys {
            // SAFETY: `keys` and `v` outlive `p`.
            unsafe { p.add_borrowed(k.as_ptr(), Meta::String(v.as_ptr())) };
        }
        assert!(p.spilled());
        let got: Vec<_> = p.iter().collect();
        assert_eq!(got.len(), keys.len() + 1);
        assert_eq!(got[0].0.to_cstr(), c"copied");
        // the fixed part points at the caller's own strings
        assert_eq!(got[1].0.as_ptr(), keys[0].as_ptr());
        assert!(matches!(got[1].1, Meta::String(s) if s.as_ptr() == v.as_ptr()));
        // past it, copies in order
        let last = got.last().unwrap();
        assert_eq!(last.0.to_cstr(), keys.last().unwrap().as_c_str());
        assert_ne!(last.0.as_ptr(), keys.last().unwrap().as_ptr());
        assert!(matches!(last.1, Meta::String(s) if s.to_cstr() == v));
    }

    #[test]
    fn typical_dicts_stay_in_the_fixed_part() {
        let mut p = MetaPool::default();
        for i in 0..16 {
            p.add(format!("key{i}").as_bytes(), Staged::String(&[b's'; 48]));
        }
        assert!(!p.spilled());
        assert_eq!(p.len(), 16);
    }
}

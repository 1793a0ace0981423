//! Staging pool for meta data: a dispatch converts the Python meta dict into this
//! pool, and the daemon layer copies it into collectd's `meta_data_t` (or
//! notification meta list) in one go. The fixed-capacity part takes typical dicts
//! without touching the heap; what does not fit there (more entries, longer
//! strings: 5.12 has no limit) goes on in a heap spill, in order.
use core::ffi::CStr;
use std::ffi::CString;
use std::vec::Vec;

/// Entries and bytes (keys and strings, NUL-terminated) of the allocation-free part.
pub const META_MAX_ENTRIES: usize = 32;
pub const META_ARENA_BYTES: usize = 4096;

/// A staged meta value; strings live in the pool's arena.
#[derive(Clone, Copy, PartialEq, Debug)]
pub enum MetaValue<'a> {
    String(&'a CStr),
    Signed(i64),
    Unsigned(u64),
    Double(f64),
    Boolean(bool),
}

#[derive(Clone, Copy)]
enum Slot {
    String(u16),
    Signed(i64),
    Unsigned(u64),
    Double(f64),
    Boolean(bool),
}

#[derive(Clone, Copy)]
struct Entry {
    key: u16,
    value: Slot,
}

/// A spilled value: owns its string.
enum Spilled {
    String(CString),
    Signed(i64),
    Unsigned(u64),
    Double(f64),
    Boolean(bool),
}

/// Entries in insertion order: first `entries` (keys and string values
/// NUL-terminated in `arena`), then `spill`.
#[derive(Default)]
pub struct MetaPool {
    entries: heapless::Vec<Entry, META_MAX_ENTRIES>,
    arena: heapless::Vec<u8, META_ARENA_BYTES>,
    spill: Vec<(CString, Spilled)>,
}

/// The fixed-capacity part is full.
struct Full;

/// `s` up to its first NUL, as an owned C string.
fn owned(s: &[u8]) -> CString {
    let s = &s[..memchr::memchr(0, s).unwrap_or(s.len())];
    // Cannot fail: `s` holds no NUL now; an empty string is the fallback anyway.
    CString::new(s).unwrap_or_default()
}

impl<'a> MetaValue<'a> {
    /// The same value, to stage in another pool.
    pub fn staged(self) -> Staged<'a> {
        match self {
            MetaValue::String(s) => Staged::String(s.to_bytes()),
            MetaValue::Signed(v) => Staged::Signed(v),
            MetaValue::Unsigned(v) => Staged::Unsigned(v),
            MetaValue::Double(v) => Staged::Double(v),
            MetaValue::Boolean(v) => Staged::Boolean(v),
        }
    }
}

/// A value to stage; strings are raw bytes (cut at the first NUL).
#[derive(Clone, Copy, Debug)]
pub enum Staged<'a> {
    String(&'a [u8]),
    Signed(i64),
    Unsigned(u64),
    Double(f64),
    Boolean(bool),
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

    fn push_str(&mut self, s: &[u8]) -> Result<u16, Full> {
        let s = &s[..memchr::memchr(0, s).unwrap_or(s.len())];
        let start = self.arena.len();
        if start + s.len() + 1 > META_ARENA_BYTES {
            return Err(Full);
        }
        self.arena.extend_from_slice(s).map_err(|_| Full)?;
        self.arena.push(0).map_err(|_| Full)?;
        Ok(start as u16)
    }

    fn add_fixed(&mut self, key: &[u8], value: Staged<'_>) -> Result<(), Full> {
        if self.entries.is_full() {
            return Err(Full);
        }
        let mark = self.arena.len();
        let result = (|| {
            let key = self.push_str(key)?;
            let value = match value {
                Staged::String(s) => Slot::String(self.push_str(s)?),
                Staged::Signed(v) => Slot::Signed(v),
                Staged::Unsigned(v) => Slot::Unsigned(v),
                Staged::Double(v) => Slot::Double(v),
                Staged::Boolean(v) => Slot::Boolean(v),
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
        let value = match value {
            Staged::String(s) => Spilled::String(owned(s)),
            Staged::Signed(v) => Spilled::Signed(v),
            Staged::Unsigned(v) => Spilled::Unsigned(v),
            Staged::Double(v) => Spilled::Double(v),
            Staged::Boolean(v) => Spilled::Boolean(v),
        };
        self.spill.push((owned(key), value));
    }

    fn str_at(&self, at: u16) -> &CStr {
        CStr::from_bytes_until_nul(&self.arena[at as usize..]).unwrap_or_default()
    }

    pub fn iter(&self) -> impl Iterator<Item = (&CStr, MetaValue<'_>)> + '_ {
        let fixed = self.entries.iter().map(move |e| {
            let v = match e.value {
                Slot::String(at) => MetaValue::String(self.str_at(at)),
                Slot::Signed(v) => MetaValue::Signed(v),
                Slot::Unsigned(v) => MetaValue::Unsigned(v),
                Slot::Double(v) => MetaValue::Double(v),
                Slot::Boolean(v) => MetaValue::Boolean(v),
            };
            (self.str_at(e.key), v)
        });
        let spilled = self.spill.iter().map(|(k, v)| {
            let v = match v {
                Spilled::String(s) => MetaValue::String(s.as_c_str()),
                Spilled::Signed(v) => MetaValue::Signed(*v),
                Spilled::Unsigned(v) => MetaValue::Unsigned(*v),
                Spilled::Double(v) => MetaValue::Double(*v),
                Spilled::Boolean(v) => MetaValue::Boolean(*v),
            };
            (k.as_c_str(), v)
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
        let got: Vec<_> = p.iter().map(|(k, v)| (k.to_bytes().to_vec(), v)).collect();
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
            assert_eq!(k.to_bytes(), format!("k{i}").as_bytes());
            assert_eq!(v, MetaValue::Signed(i as i64));
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
        let got: Vec<_> = p.iter().map(|(k, v)| (k.to_bytes().to_vec(), v)).collect();
        assert_eq!(got[0], (b"first".to_vec(), MetaValue::Boolean(true)));
        assert_eq!(got[1].0, b"big".to_vec());
        assert!(matches!(got[1].1, MetaValue::String(s) if s.to_bytes() == &big[..]));
        assert_eq!(got[2], (b"after".to_vec(), MetaValue::String(c"x")));
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

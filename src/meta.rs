//! Fixed-capacity staging pool for meta data: a dispatch converts the Python
//! meta dict into this pool (no heap), and the daemon layer copies it into
//! collectd's `meta_data_t` (or notification meta list) in one go.
use crate::values::CapacityError;
use core::ffi::CStr;

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

/// Entries in insertion order; keys and string values NUL-terminated in `arena`.
#[derive(Default)]
pub struct MetaPool {
    entries: heapless::Vec<Entry, META_MAX_ENTRIES>,
    arena: heapless::Vec<u8, META_ARENA_BYTES>,
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
        self.entries.is_empty()
    }

    fn push_str(&mut self, s: &[u8]) -> Result<u16, CapacityError> {
        let s = &s[..memchr::memchr(0, s).unwrap_or(s.len())];
        let start = self.arena.len();
        if start + s.len() + 1 > META_ARENA_BYTES {
            return Err(CapacityError::MetaBytes);
        }
        // Cannot fail: capacity checked above.
        self.arena
            .extend_from_slice(s)
            .map_err(|_| CapacityError::MetaBytes)?;
        self.arena.push(0).map_err(|_| CapacityError::MetaBytes)?;
        Ok(start as u16)
    }

    /// Appends `key = value`. On error the pool is unchanged.
    pub fn add(&mut self, key: &[u8], value: Staged<'_>) -> Result<(), CapacityError> {
        if self.entries.is_full() {
            return Err(CapacityError::MetaEntries);
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
            self.entries
                .push(Entry { key, value })
                .map_err(|_| CapacityError::MetaEntries)
        })();
        if result.is_err() {
            self.arena.truncate(mark);
        }
        result
    }

    fn str_at(&self, at: u16) -> &CStr {
        CStr::from_bytes_until_nul(&self.arena[at as usize..]).unwrap_or_default()
    }

    pub fn iter(&self) -> impl Iterator<Item = (&CStr, MetaValue<'_>)> + '_ {
        self.entries.iter().map(move |e| {
            let v = match e.value {
                Slot::String(at) => MetaValue::String(self.str_at(at)),
                Slot::Signed(v) => MetaValue::Signed(v),
                Slot::Unsigned(v) => MetaValue::Unsigned(v),
                Slot::Double(v) => MetaValue::Double(v),
                Slot::Boolean(v) => MetaValue::Boolean(v),
            };
            (self.str_at(e.key), v)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn b_meta_01_keeps_order_and_types() {
        let mut p = MetaPool::default();
        p.add(b"a", Staged::Signed(-3)).unwrap();
        p.add(b"b", Staged::String(b"str")).unwrap();
        p.add(b"c\0ignored", Staged::Double(1.5)).unwrap();
        p.add(b"d", Staged::Boolean(true)).unwrap();
        p.add(b"u", Staged::Unsigned(u64::MAX)).unwrap();
        let got: Vec<_> = p.iter().map(|(k, v)| (k.to_bytes().to_vec(), v)).collect();
        assert_eq!(got[0], (b"a".to_vec(), MetaValue::Signed(-3)));
        assert_eq!(got[1], (b"b".to_vec(), MetaValue::String(c"str")));
        assert_eq!(got[2], (b"c".to_vec(), MetaValue::Double(1.5)));
        assert_eq!(got[3], (b"d".to_vec(), MetaValue::Boolean(true)));
        assert_eq!(got[4], (b"u".to_vec(), MetaValue::Unsigned(u64::MAX)));
    }

    #[test]
    fn full_pool_is_an_error_and_unchanged() {
        let mut p = MetaPool::default();
        for i in 0..META_MAX_ENTRIES {
            p.add(format!("k{i}").as_bytes(), Staged::Signed(i as i64))
                .unwrap();
        }
        assert_eq!(
            p.add(b"x", Staged::Signed(0)),
            Err(CapacityError::MetaEntries)
        );
        let mut p = MetaPool::default();
        let big = vec![b'v'; META_ARENA_BYTES];
        assert_eq!(
            p.add(b"k", Staged::String(&big)),
            Err(CapacityError::MetaBytes)
        );
        assert!(p.is_empty());
        p.add(b"k", Staged::String(b"ok")).unwrap();
        assert_eq!(p.iter().next().unwrap().1, MetaValue::String(c"ok"));
    }
}

//! Data-set lookups for the dispatch path (`Values.dispatch`/`write`,
//! `Notification.dispatch`): collectd's `plugin_get_ds` walks an AVL tree of
//! every type with `strcmp` (about 300 instructions per call with Debian's
//! types.db), so the few types a script dispatches are remembered here.
//!
//! Why a remembered answer stays right: collectd adds data sets while it reads
//! its config (types.db, `TypesDB`) and never removes one; the only change it
//! knows is a later registration of the same name replacing the earlier one,
//! which happens while the config is read. So the cache is filled only from
//! the init phase on (`enable`), and a type that was unknown is never
//! remembered (the next lookup asks collectd again).
use crate::host::host;
use crate::values::{DsTypes, Name};
use core::sync::atomic::{AtomicBool, Ordering};
use std::sync::Mutex;

/// Remembered types; the rest are looked up each time.
const ENTRIES: usize = 8;
/// Longest type name remembered (5.12's types.db: 40 bytes).
const NAME_MAX: usize = 48;
/// Most data sources a remembered type has (5.12's types.db: 5).
const SOURCES_MAX: usize = 8;
const _: () = assert!(NAME_MAX <= u8::MAX as usize);
const _: () = assert!(SOURCES_MAX <= u8::MAX as usize);

#[derive(Clone, Copy)]
struct Entry {
    len: u8,
    name: [u8; NAME_MAX],
    count: u8,
    types: [i32; SOURCES_MAX],
}

const EMPTY: Entry = Entry {
    len: 0,
    name: [0; NAME_MAX],
    count: 0,
    types: [0; SOURCES_MAX],
};

struct Cache {
    entries: [Entry; ENTRIES],
    /// Entries in use (`entries[..used]`).
    used: usize,
    /// The entry the next insertion replaces once all are used.
    next: usize,
}

impl Cache {
    const fn new() -> Cache {
        Cache {
            entries: [EMPTY; ENTRIES],
            used: 0,
            next: 0,
        }
    }

    fn find(&self, name: &[u8]) -> Option<&Entry> {
        self.entries[..self.used]
            .iter()
            .find(|e| usize::from(e.len) == name.len() && &e.name[..name.len()] == name)
    }

    fn insert(&mut self, name: &[u8], ds: &DsTypes) {
        if name.len() > NAME_MAX || ds.count > SOURCES_MAX || ds.types.len() != ds.count {
            return;
        }
        let mut e = EMPTY;
        // both fit in u8: NAME_MAX and SOURCES_MAX are below 256
        e.len = name.len() as u8;
        e.name[..name.len()].copy_from_slice(name);
        e.count = ds.count as u8;
        e.types[..ds.count].copy_from_slice(&ds.types);
        let slot = if self.used < ENTRIES {
            self.used += 1;
            self.used - 1
        } else {
            let s = self.next;
            self.next = (s + 1) % ENTRIES;
            s
        };
        self.entries[slot] = e;
    }
}

/// Locked only for a lookup or an insertion (no Python code, no collectd call
/// runs while it is held), so it is never contended for long.
static CACHE: Mutex<Cache> = Mutex::new(Cache::new());
static ENABLED: AtomicBool = AtomicBool::new(false);

/// From now on found types are remembered (called when the init phase starts).
pub fn enable() {
    ENABLED.store(true, Ordering::Release);
}

/// Runs `f` on the remembered entry for `name`; false if there is none.
fn remembered(name: &[u8], f: impl FnOnce(&Entry)) -> bool {
    let Ok(c) = CACHE.lock() else {
        return false;
    };
    match c.find(name) {
        Some(e) => {
            f(e);
            true
        }
        None => false,
    }
}

/// Asks collectd (`plugin_get_ds`) and remembers a found type once enabled.
fn look_up(type_: &Name, name: &[u8], out: &mut DsTypes) -> bool {
    if !host().ds_types(type_.as_cstr(), out) {
        return false;
    }
    if ENABLED.load(Ordering::Acquire) {
        if let Ok(mut c) = CACHE.lock() {
            c.insert(name, out);
        }
    }
    true
}

/// The source types of the data set `type_` into `out`; false if collectd does
/// not know the type.
pub fn ds_types(type_: &Name, out: &mut DsTypes) -> bool {
    let name = type_.as_bytes();
    remembered(name, |e| {
        out.count = usize::from(e.count);
        out.types.clear();
        // Cannot fail: count <= SOURCES_MAX <= the Vec's capacity.
        let _ = out.types.extend_from_slice(&e.types[..out.count]);
    }) || look_up(type_, name, out)
}

/// Whether `type_` names a known data set.
pub fn known(type_: &Name) -> bool {
    let name = type_.as_bytes();
    remembered(name, |_| {}) || look_up(type_, name, &mut DsTypes::default())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ds(types: &[i32]) -> DsTypes {
        let mut d = DsTypes {
            count: types.len(),
            ..Default::default()
        };
        d.types.extend_from_slice(types).unwrap();
        d
    }

    #[test]
    fn remembers_up_to_capacity_then_replaces_round_robin() {
        let mut c = Cache::new();
        for i in 0..ENTRIES + 2 {
            c.insert(format!("t{i}").as_bytes(), &ds(&[1, 2]));
        }
        assert_eq!(c.used, ENTRIES);
        assert!(c.find(b"t0").is_none() && c.find(b"t1").is_none());
        let e = c.find(b"t9").unwrap();
        assert_eq!((e.count, &e.types[..2]), (2, &[1, 2][..]));
        assert!(c.find(b"t").is_none(), "a prefix is not a match");
    }

    #[test]
    fn long_names_and_wide_types_are_not_remembered() {
        let mut c = Cache::new();
        c.insert(&[b'x'; NAME_MAX + 1], &ds(&[1]));
        c.insert(b"wide", &ds(&[1; SOURCES_MAX + 1]));
        assert_eq!(c.used, 0);
        c.insert(&[b'y'; NAME_MAX], &ds(&[0; SOURCES_MAX]));
        assert!(c.find(&[b'y'; NAME_MAX]).is_some());
    }
}

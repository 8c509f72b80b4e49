//! Stable OIDs for user objects: a fixed hash of what names the object, probed past
//! collisions in name order.
//!
//! SQLite has no OIDs, and nothing may be stored in the user's file to remember them,
//! so an object's OID is computed from its identity: FNV-1a (32 bits, fixed, unlike the
//! standard library's seeded hasher) of its kind and name, folded into
//! `FIRST_USER_OID..2^31`. The same schema therefore gives the same OIDs on every
//! connection, after a restart, after `VACUUM` (which renumbers `sqlite_schema` rows)
//! and after DDL on other objects. Two identities that hash alike are resolved by
//! probing: they are assigned in (hash, identity) order, each taking the next free
//! value. The outcome depends only on the set of colliding identities, never on
//! creation order or row positions; an object's OID can change only when an object
//! whose hash equals its own (one chance in about 2^31 per pair) is created or dropped.

use std::collections::HashSet;

/// The first OID PostgreSQL gives user objects (`FirstNormalObjectId`).
pub const FIRST_USER_OID: u32 = 16384;

/// What an OID is assigned to: a kind (`r` relation or index, `c` constraint, `d`
/// column default) and a name unique within the kind.
pub fn identity(kind: char, name: &str) -> String {
    format!("{kind}\u{0}{name}")
}

fn fnv1a(text: &str) -> u32 {
    let mut hash: u32 = 0x811c_9dc5;
    for b in text.bytes() {
        hash ^= u32::from(b);
        hash = hash.wrapping_mul(0x0100_0193);
    }
    hash
}

/// The preferred OID of an identity, before collisions.
fn preferred(identity: &str) -> u32 {
    const RANGE: u32 = (1 << 31) - FIRST_USER_OID;
    FIRST_USER_OID + fnv1a(identity) % RANGE
}

/// Assigns OIDs to `identities` (each listed once): the result is in the same order.
pub fn assign(identities: &[String]) -> Vec<u32> {
    let mut order: Vec<(u32, usize)> = identities
        .iter()
        .enumerate()
        .map(|(i, id)| (preferred(id), i))
        .collect();
    order.sort_by(|a, b| {
        a.0.cmp(&b.0)
            .then_with(|| identities[a.1].cmp(&identities[b.1]))
    });
    let mut taken = HashSet::with_capacity(identities.len());
    let mut oids = vec![0; identities.len()];
    for (want, index) in order {
        let mut oid = want;
        while !taken.insert(oid) {
            oid = if oid == u32::MAX >> 1 {
                FIRST_USER_OID
            } else {
                oid + 1
            };
        }
        oids[index] = oid;
    }
    oids
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn oids_do_not_depend_on_other_objects() {
        let a = identity('r', "accounts");
        let b = identity('r', "books");
        let alone = assign(std::slice::from_ref(&a))[0];
        let with_b = assign(&[b.clone(), a.clone()]);
        assert_eq!(with_b[1], alone);
        assert!(with_b.iter().all(|&o| o >= FIRST_USER_OID));
        assert_ne!(with_b[0], with_b[1]);
        // A fixed function: the same name gives the same OID in every process.
        assert_eq!(assign(&[a])[0], alone);
    }

    #[test]
    fn collisions_are_resolved_by_name_order() {
        // Find two names with the same preferred OID (a birthday search).
        let mut seen = std::collections::HashMap::new();
        let (first, second) = (0..1_000_000)
            .map(|i| identity('r', &format!("t{i}")))
            .find_map(|id| {
                let want = preferred(&id);
                seen.insert(want, id.clone()).map(|earlier| (earlier, id))
            })
            .expect("a collision among a million names");
        let want = preferred(&first);
        let oids = assign(&[second.clone(), first.clone()]);
        let (low, high) = if first < second {
            (oids[1], oids[0])
        } else {
            (oids[0], oids[1])
        };
        assert_eq!(low, want, "the name sorting first keeps the preferred OID");
        assert_eq!(high, want + 1, "the other takes the next free one");
    }
}

//! Transaction isolation levels, and what each means over SQLite's snapshots.
//!
//! A SQLite read transaction keeps the snapshot its first read took. Under
//! [`Isolation::ReadCommitted`] (PostgreSQL's default) every statement may see data
//! committed before it started, so when a transaction that has only read so far cannot
//! write because its snapshot is stale, pgsqlite starts the SQLite transaction afresh
//! with the write lock and runs the statement again, invisibly to the client. Under
//! [`Isolation::RepeatableRead`] and [`Isolation::Serializable`] the snapshot is kept
//! and such a conflict is a serialization failure (40001), as in PostgreSQL.

/// Counts a READ COMMITTED transaction started afresh at its first write because its
/// snapshot was stale (or to take the write lock for `FOR UPDATE`), in the context of
/// the server this thread works for.
pub(super) fn record_snapshot_restart() {
    crate::context::with_current(|context| context.counters().snapshot_restarted());
}

/// The isolation level of a session's transaction.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Isolation {
    /// `READ COMMITTED` (and `READ UNCOMMITTED`, which PostgreSQL runs as it): each
    /// statement may take a fresh snapshot.
    #[default]
    ReadCommitted,
    /// `REPEATABLE READ`: one snapshot for the whole transaction.
    RepeatableRead,
    /// `SERIALIZABLE`: one snapshot, and writes are serialized by the write lock.
    Serializable,
}

impl Isolation {
    /// The level a `transaction_isolation` value names (`read committed`, ...);
    /// `None` for anything else.
    pub fn from_name(name: &str) -> Option<Isolation> {
        let words: Vec<&str> = name.split_whitespace().collect();
        match words.as_slice() {
            [r, c] if r.eq_ignore_ascii_case("read") && c.eq_ignore_ascii_case("committed") => {
                Some(Isolation::ReadCommitted)
            }
            [r, u] if r.eq_ignore_ascii_case("read") && u.eq_ignore_ascii_case("uncommitted") => {
                Some(Isolation::ReadCommitted)
            }
            [r, rd] if r.eq_ignore_ascii_case("repeatable") && rd.eq_ignore_ascii_case("read") => {
                Some(Isolation::RepeatableRead)
            }
            [s] if s.eq_ignore_ascii_case("serializable") => Some(Isolation::Serializable),
            _ => None,
        }
    }

    /// True if a statement may run on a newer snapshot than the transaction's earlier
    /// statements saw.
    pub fn fresh_snapshot_per_statement(self) -> bool {
        self == Isolation::ReadCommitted
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_map_to_levels() {
        assert_eq!(
            Isolation::from_name("read committed"),
            Some(Isolation::ReadCommitted)
        );
        assert_eq!(
            Isolation::from_name("READ UNCOMMITTED"),
            Some(Isolation::ReadCommitted)
        );
        assert_eq!(
            Isolation::from_name("repeatable read"),
            Some(Isolation::RepeatableRead)
        );
        assert_eq!(
            Isolation::from_name("serializable"),
            Some(Isolation::Serializable)
        );
        assert_eq!(Isolation::from_name("sideways"), None);
        assert!(Isolation::ReadCommitted.fresh_snapshot_per_statement());
        assert!(!Isolation::RepeatableRead.fresh_snapshot_per_statement());
    }
}

//! The session's transaction state machine, as the client sees it in ReadyForQuery.

use crate::protocol::backend::TransactionStatus;

/// Where a session is with respect to transactions.
///
/// `Idle` means autocommit. An *implicit* transaction is one pgsqlite opened on SQLite
/// itself (around a multi-statement simple query, or the writes between two Syncs of the
/// extended protocol), exactly where PostgreSQL runs one; the client still sees `Idle`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TxState {
    /// No transaction block (autocommit).
    Idle,
    /// An implicit transaction is open on SQLite; the client did not ask for it.
    Implicit,
    /// Inside BEGIN ... COMMIT.
    InBlock,
    /// Inside a block where a command failed: only ROLLBACK (or ROLLBACK TO) is accepted.
    Failed,
}

impl TxState {
    /// The status byte for ReadyForQuery.
    pub fn status(self) -> TransactionStatus {
        match self {
            TxState::Idle | TxState::Implicit => TransactionStatus::Idle,
            TxState::InBlock => TransactionStatus::InBlock,
            TxState::Failed => TransactionStatus::Failed,
        }
    }

    /// True inside a client-visible transaction block (good or failed).
    pub fn in_block(self) -> bool {
        matches!(self, TxState::InBlock | TxState::Failed)
    }

    /// The state after a command fails: a block fails, anything else ends (the caller
    /// rolls back the engine's transaction, if any).
    pub fn after_error(self) -> TxState {
        match self {
            TxState::InBlock | TxState::Failed => TxState::Failed,
            TxState::Idle | TxState::Implicit => TxState::Idle,
        }
    }

    /// The state after BEGIN: an implicit transaction becomes the client's block.
    pub fn after_begin(self) -> TxState {
        match self {
            TxState::Failed => TxState::Failed,
            _ => TxState::InBlock,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn status_bytes_follow_the_block() {
        assert_eq!(TxState::Idle.status(), TransactionStatus::Idle);
        assert_eq!(TxState::Implicit.status(), TransactionStatus::Idle);
        assert_eq!(TxState::InBlock.status(), TransactionStatus::InBlock);
        assert_eq!(TxState::Failed.status(), TransactionStatus::Failed);
    }

    #[test]
    fn errors_fail_blocks_and_end_implicit_transactions() {
        assert_eq!(TxState::InBlock.after_error(), TxState::Failed);
        assert_eq!(TxState::Failed.after_error(), TxState::Failed);
        assert_eq!(TxState::Implicit.after_error(), TxState::Idle);
        assert_eq!(TxState::Idle.after_error(), TxState::Idle);
    }

    #[test]
    fn begin_adopts_an_implicit_transaction() {
        assert_eq!(TxState::Implicit.after_begin(), TxState::InBlock);
        assert_eq!(TxState::Idle.after_begin(), TxState::InBlock);
        assert_eq!(TxState::Failed.after_begin(), TxState::Failed);
        assert!(TxState::Failed.in_block());
        assert!(!TxState::Implicit.in_block());
    }
}

//! transactions

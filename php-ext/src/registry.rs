//! The process-wide contract registry.
//!
//! Built-in contracts are compiled once per PHP process (per worker under
//! php-fpm). Contracts registered from PHP stay for the life of that process;
//! since a pool has many workers, code that registers its own contracts does
//! so on every request (registering the same document again is harmless).

use std::sync::{LazyLock, PoisonError, RwLock, RwLockReadGuard};
use waybill::contract::Registry;

static REGISTRY: LazyLock<RwLock<Registry>> =
    LazyLock::new(|| RwLock::new(Registry::with_builtins()));

/// The registry, for reading; a poisoned lock is still usable because the
/// registry is only ever replaced whole.
pub fn read() -> RwLockReadGuard<'static, Registry> {
    REGISTRY.read().unwrap_or_else(PoisonError::into_inner)
}

/// Runs `f` on the registry for writing.
pub fn write<R>(f: impl FnOnce(&mut Registry) -> R) -> R {
    let mut guard = REGISTRY.write().unwrap_or_else(PoisonError::into_inner);
    f(&mut guard)
}

/// Compiles the built-in contracts now (at MINIT) rather than on first use.
pub fn warm_up() {
    drop(read());
}

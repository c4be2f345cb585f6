//! The `waybill` PHP extension: the Waybill core inside PHP.
//!
//! Glue only. Arguments become core inputs, results become PHP arrays, and
//! every core error becomes a `Waybill\Exception` subclass carrying its stable
//! code. Nothing here reads or changes a payload.
#![cfg_attr(windows, feature(abi_vectorcall))]
// `#[php_module]` adds PHP's entry point, which cannot carry a doc comment.
#![allow(missing_docs)]

mod api;
mod convert;
mod errors;
mod registry;

use ext_php_rs::prelude::*;
use ext_php_rs::zend::ModuleEntry;
use ext_php_rs::{info_table_end, info_table_row, info_table_start};

/// The extension's name, as `php -m` lists it.
pub const EXTENSION_NAME: &str = "waybill";

/// The extension's version: the core's.
pub const EXTENSION_VERSION: &str = waybill::VERSION;

/// Runs at MINIT, before the macro registers the classes: the exception
/// family first, then the built-in contracts, compiled once per process.
unsafe extern "C" fn startup(_type: i32, _module_number: i32) -> i32 {
    let ok = std::panic::catch_unwind(|| {
        let registered = errors::register_classes();
        registry::warm_up();
        registered
    });
    match ok {
        Ok(Ok(())) => 0,
        _ => -1,
    }
}

/// The `waybill` section of `phpinfo()`.
unsafe extern "C" fn info(_module: *mut ModuleEntry) {
    info_table_start!();
    info_table_row!("waybill support", "enabled");
    info_table_row!("waybill version", EXTENSION_VERSION);
    info_table_row!(
        "built-in contracts",
        registry::read().list().len().to_string()
    );
    info_table_end!();
}

/// Registers the functions, classes and module info with PHP.
#[php_module]
pub fn get_module(module: ModuleBuilder) -> ModuleBuilder {
    let module = module
        .name(EXTENSION_NAME)
        .version(EXTENSION_VERSION)
        .startup_function(startup)
        .info_function(info);
    api::register(module)
}

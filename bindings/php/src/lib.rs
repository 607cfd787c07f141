//! rampart for PHP: a Zend extension (`extension=rampart.so`) that protects every request
//! of a PHP application, under php-fpm, Apache mod_php or `php -S`.
//!
//! # Overview
//!
//! At the first request the extension replaces the handlers of PHP's internal sink
//! functions (`PDO::query`, `mysqli_query`, `shell_exec`, `fopen`, `curl_setopt`,
//! `header`, ...; see [`hooks`]) with its own, keeping the originals. A replaced handler
//! reads the sink's argument, asks rampart-core whether an input of the current request
//! changed its structure, writes an event for a finding and, when the policy blocks,
//! throws `Rampart\BlockedException` instead of calling the original. An uncaught
//! `BlockedException` becomes the policy's block page with its status ([`block`]).
//!
//! The inputs of a request ([`context`]) are collected the first time a sink is reached
//! (most requests reach none): `$_GET`, `$_POST`, `$_COOKIE`, the `HTTP_*` entries of
//! `$_SERVER` and a JSON body, read from `php://input` without consuming it. When the
//! policy's `malicious_payload` protection is on (it reports by default), they are
//! collected at request start instead and the request is inspected for malicious
//! payloads before the script runs ([`inspect`]): a finding is an event, and a block
//! sends the block page without running the script.
//!
//! # Configuration
//!
//! - `rampart.policy`: path of the policy JSON file; when empty, `RAMPART_POLICY`, then
//!   the default policy. `RAMPART_MODE` overrides the mode either way.
//! - `rampart.events`: where events go: `stderr` (the default), `error_log` (PHP's error
//!   log) or a file path (appended to, one JSON line per event).
//!
//! # Reliability
//!
//! Every entry from PHP into Rust runs under `catch_unwind` ([`guard`]); a fault inside a
//! hook writes an error event and lets the original function run (fail open).

#![cfg_attr(windows, feature(abi_vectorcall))]

pub mod api;
pub mod block;
pub mod context;
pub mod events;
pub mod guard;
pub mod hooks;
mod include;
pub mod inspect;
pub mod runtime;
mod zend;

use ext_php_rs::flags::IniEntryPermission;
use ext_php_rs::prelude::*;
use ext_php_rs::zend::{IniEntryDef, IniEntryDefs, ModuleEntry};
use ext_php_rs::{info_table_end, info_table_row, info_table_start};

static INI_ENTRIES: IniEntryDefs<3> = IniEntryDefs::new([
    IniEntryDef::new(c"rampart.policy", c"", IniEntryPermission::System),
    IniEntryDef::new(c"rampart.events", c"stderr", IniEntryPermission::System),
    IniEntryDef::end(),
]);

/// MINIT: the ini settings, the engine (the policy is read once per process), and the
/// error callback that turns an uncaught `BlockedException` into the block page.
pub fn startup(_ty: i32, module_number: i32) -> i32 {
    IniEntryDef::register(INI_ENTRIES.as_slice(), module_number);
    guard::install_panic_hook();
    guard::quietly(|| {
        runtime::init_from_ini();
        block::install_error_callback();
    });
    0
}

/// RINIT: hooks go in at the first request (every extension's classes exist by then),
/// the request's state starts empty, and the request is inspected for malicious payloads
/// when the policy asks for it ([`inspect`]).
extern "C" fn request_startup(_ty: i32, _module_number: i32) -> i32 {
    guard::quietly(|| {
        hooks::install_once();
        guard::reset_busy();
        context::begin_request();
    });
    guard::quietly(inspect::at_request_start);
    0
}

/// RSHUTDOWN: drop what this request collected (the buffers stay for the next one).
extern "C" fn request_shutdown(_ty: i32, _module_number: i32) -> i32 {
    guard::quietly(|| {
        inspect::restore_executor();
        context::end_request();
    });
    0
}

extern "C" fn module_info(_module: *mut ModuleEntry) {
    guard::quietly(|| {
        info_table_start!();
        info_table_row!("rampart", "enabled");
        info_table_row!("version", rampart_core::VERSION);
        info_table_row!("policy", runtime::status());
        info_table_row!("hooked functions", hooks::installed_count().to_string());
        info_table_end!();
    });
}

#[php_module]
#[php(startup = "startup")]
pub fn get_module(module: ModuleBuilder) -> ModuleBuilder {
    api::register(module)
        .request_startup_function(request_startup)
        .request_shutdown_function(request_shutdown)
        .info_function(module_info)
}

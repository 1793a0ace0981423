//! The raw collectd C API: bindgen output from the real headers (see build.rs).
//! Nothing else in the crate declares `extern "C"` items for collectd.
#![allow(
    non_upper_case_globals,
    non_camel_case_types,
    non_snake_case,
    dead_code,
    clippy::all,
    clippy::undocumented_unsafe_blocks
)]

include!(concat!(env!("OUT_DIR"), "/collectd_bindings.rs"));

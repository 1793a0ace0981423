//! Generates the collectd FFI bindings with bindgen from the real collectd headers.
//!
//! * `COLLECTD_INCLUDE_DIR`: directory that contains `collectd/core/daemon/plugin.h`
//!   (default `/usr/include`; for a cross build, `<sysroot>/usr/include`).
//! * `COLLECTD_PYTHON_PREGENERATED=1`: use `src/ffi/pregenerated.rs` instead of
//!   running bindgen (for packagers without libclang). Those bindings carry no
//!   layout asserts, so they are valid for 32- and 64-bit Linux targets alike.
//! * `BINDGEN_EXTRA_CLANG_ARGS[_<target>]`: extra clang flags (e.g. `--sysroot=`),
//!   read by bindgen itself.
//!
//! It also checks the Python that pyo3-ffi was configured for (`PYO3_PYTHON` or
//! `PYO3_CONFIG_FILE`) and emits pyo3's `Py_3_x` cfgs, which `src/pyversion.rs` uses.
use std::env;
use std::path::PathBuf;

/// The CPython versions this plugin supports (Ubuntu 22.04's 3.10 to OpenWrt master's 3.14).
const MIN_MINOR: u8 = 10;
const MAX_MINOR: u8 = 14;

fn check_python() {
    let cfg = pyo3_build_config::get();
    pyo3_build_config::use_pyo3_cfgs();
    let v = cfg.version();
    let name = format!("{:?} {}.{}", cfg.implementation(), v.major, v.minor);
    if cfg.implementation() != pyo3_build_config::PythonImplementation::CPython {
        panic!("collectd-python embeds CPython; pyo3 is configured for {name}");
    }
    if v.major != 3 || v.minor < MIN_MINOR || v.minor > MAX_MINOR {
        panic!(
            "collectd-python supports CPython 3.{MIN_MINOR} to 3.{MAX_MINOR}; pyo3 is configured \
             for {name} (choose the Python with PYO3_PYTHON or PYO3_CONFIG_FILE)"
        );
    }
    if cfg.is_free_threaded() {
        panic!(
            "collectd-python cannot be built for a free-threaded CPython ({name}t): collectd's \
             python plugin runs callbacks under the GIL, as collectd 5.12's C plugin does. Build \
             against the default (GIL) build of CPython {}.{} instead",
            v.major, v.minor
        );
    }
    if matches!(
        cfg.target_abi().kind(),
        pyo3_build_config::PythonAbiKind::Stable(_)
    ) {
        panic!("collectd-python embeds the interpreter and cannot use the limited API (abi3)");
    }
}

fn main() {
    check_python();
    println!("cargo:rerun-if-changed=src/ffi/wrapper.h");
    println!("cargo:rerun-if-env-changed=COLLECTD_INCLUDE_DIR");
    println!("cargo:rerun-if-env-changed=COLLECTD_PYTHON_PREGENERATED");
    println!("cargo:rerun-if-env-changed=COLLECTD_PYTHON_NO_LAYOUT_TESTS");
    let out = PathBuf::from(env::var_os("OUT_DIR").expect("OUT_DIR"));
    let dest = out.join("collectd_bindings.rs");

    if env::var_os("COLLECTD_PYTHON_PREGENERATED").is_some_and(|v| v != "0" && !v.is_empty()) {
        std::fs::copy("src/ffi/pregenerated.rs", &dest).expect("copy pregenerated bindings");
        println!("cargo:rerun-if-changed=src/ffi/pregenerated.rs");
        return;
    }

    let inc = env::var("COLLECTD_INCLUDE_DIR").unwrap_or_else(|_| "/usr/include".into());
    let layout_tests = env::var_os("COLLECTD_PYTHON_NO_LAYOUT_TESTS").is_none();
    let bindings = bindgen::Builder::default()
        .header("src/ffi/wrapper.h")
        .clang_arg(format!("-I{inc}"))
        .clang_arg(format!("-I{inc}/collectd/core"))
        .clang_arg(format!("-I{inc}/collectd/core/daemon"))
        .clang_arg(format!("-I{inc}/collectd"))
        .allowlist_function(
            "plugin_(register|unregister)_.*|plugin_(dispatch_values|dispatch_notification|write|flush|get_ds|log|get_interval|notification_meta_.*)|meta_data_.*|cdtime|cf_util_get_(boolean|string)|plugin_thread_create",
        )
        .allowlist_var("hostname_g|DS_TYPE_.*|OCONFIG_TYPE_.*|MD_TYPE_.*|LOG_(ERR|WARNING|NOTICE|INFO|DEBUG)|NOTIF_.*|DATA_MAX_NAME_LEN|NOTIF_MAX_MSG_LEN")
        .allowlist_type("value_list_t|data_set_t|data_source_t|notification_t|notification_meta_t|user_data_t|oconfig_item_t|oconfig_value_t|value_t|meta_data_t|cdtime_t")
        .blocklist_type("pthread_attr_t|__pthread_.*|pthread_mutex.*|pthread_cond.*|pthread_rwlock.*")
        .derive_debug(false)
        .derive_default(false)
        .layout_tests(layout_tests)
        .generate_comments(false)
        .merge_extern_blocks(true)
        .generate()
        .unwrap_or_else(|e| {
            panic!(
                "bindgen failed on the collectd headers under {inc} ({e}). Install collectd-dev \
                 and libclang-dev, point COLLECTD_INCLUDE_DIR at a target sysroot's usr/include, \
                 or set COLLECTD_PYTHON_PREGENERATED=1 to use src/ffi/pregenerated.rs"
            )
        });
    bindings.write_to_file(&dest).expect("write bindings");
}

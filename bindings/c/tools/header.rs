//! Generates `include/cloud_connect.h` with the pinned cbindgen: the declarations from `src/`
//! (configured by `cbindgen.toml`) plus version macros taken from this crate's Cargo.toml.
//! Shared by `examples/generate_header.rs` (write or `--check`) and `tests/header.rs` (drift test).

use std::path::{Path, PathBuf};

/// This crate's folder.
pub fn crate_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Where the committed header lives.
pub fn header_path() -> PathBuf {
    crate_dir().join("include").join("cloud_connect.h")
}

/// The version macros, from this crate's version.
fn version_macros() -> String {
    format!(
        "#define CLOUD_CONNECT_VERSION_MAJOR {}\n#define CLOUD_CONNECT_VERSION_MINOR {}\n#define CLOUD_CONNECT_VERSION_PATCH {}\n#define CLOUD_CONNECT_VERSION \"{}\"",
        env!("CARGO_PKG_VERSION_MAJOR"),
        env!("CARGO_PKG_VERSION_MINOR"),
        env!("CARGO_PKG_VERSION_PATCH"),
        env!("CARGO_PKG_VERSION"),
    )
}

/// The header text, generated from `src/lib.rs` (without running `cargo metadata`).
pub fn generate() -> Result<String, String> {
    let dir = crate_dir();
    let mut config = cbindgen::Config::from_file(dir.join("cbindgen.toml"))
        .map_err(|e| format!("cannot read cbindgen.toml: {e}"))?;
    config.after_includes = Some(format!("\n{}", version_macros()));
    let bindings = cbindgen::Builder::new()
        .with_config(config)
        .with_src(dir.join("src").join("lib.rs"))
        .generate()
        .map_err(|e| format!("cbindgen failed: {e}"))?;
    let mut out = Vec::new();
    bindings.write(&mut out);
    String::from_utf8(out).map_err(|e| format!("cbindgen wrote non-UTF-8: {e}"))
}

/// The committed header.
pub fn committed(path: &Path) -> Result<String, String> {
    std::fs::read_to_string(path).map_err(|e| format!("cannot read {}: {e}", path.display()))
}

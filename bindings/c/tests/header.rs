//! The committed header is what the pinned cbindgen generates from `src/` (drift fails), its
//! version macros match Cargo.toml, and every declaration follows the C API's conventions.

#[path = "../tools/header.rs"]
mod header;

fn committed() -> String {
    header::committed(&header::header_path()).unwrap_or_else(|e| panic!("{e}"))
}

#[test]
fn the_committed_header_is_current() {
    let generated = header::generate().unwrap_or_else(|e| panic!("{e}"));
    assert!(
        committed() == generated,
        "include/cloud_connect.h is out of date: run `cargo run -p cloud-connect-c --example generate_header`"
    );
}

#[test]
fn version_macros_match_cargo_toml() {
    let text = committed();
    for (name, value) in [
        (
            "CLOUD_CONNECT_VERSION_MAJOR",
            env!("CARGO_PKG_VERSION_MAJOR").to_owned(),
        ),
        (
            "CLOUD_CONNECT_VERSION_MINOR",
            env!("CARGO_PKG_VERSION_MINOR").to_owned(),
        ),
        (
            "CLOUD_CONNECT_VERSION_PATCH",
            env!("CARGO_PKG_VERSION_PATCH").to_owned(),
        ),
        (
            "CLOUD_CONNECT_VERSION",
            format!("\"{}\"", env!("CARGO_PKG_VERSION")),
        ),
    ] {
        let line = format!("#define {name} {value}\n");
        assert!(text.contains(&line), "header lacks `{}`", line.trim_end());
    }
}

/// The names of the functions the header declares (lines `... name(`, outside comments).
fn declared_functions(text: &str) -> Vec<String> {
    let mut names = Vec::new();
    let mut in_comment = false;
    for line in text.lines().map(str::trim) {
        if line.starts_with("/*") {
            in_comment = !line.contains("*/");
            continue;
        }
        if in_comment {
            in_comment = !line.contains("*/");
            continue;
        }
        if line.starts_with('#') || line.starts_with("//") {
            continue;
        }
        if let Some(open) = line.find('(') {
            let before = &line[..open];
            if let Some(name) = before
                .rsplit(|c: char| c.is_whitespace() || c == '*')
                .next()
                .filter(|n| !n.is_empty())
            {
                names.push(name.to_owned());
            }
        }
    }
    names
}

#[test]
fn every_symbol_is_prefixed_and_documented() {
    let text = committed();
    let functions = declared_functions(&text);
    assert!(functions.len() >= 15, "found only {functions:?}");
    for name in &functions {
        assert!(name.starts_with("cc_"), "unprefixed symbol {name}");
        // cbindgen copies the doc comment right above the declaration.
        let at = text
            .find(&format!("{name}("))
            .unwrap_or_else(|| panic!("{name} not found"));
        let before = text[..at].trim_end();
        let decl_start = before.rfind('\n').map_or(0, |i| i + 1);
        assert!(
            text[..decl_start].trim_end().ends_with("*/"),
            "{name} has no doc comment"
        );
    }
    for required in [
        "cc_client_new",
        "cc_client_free",
        "cc_client_connect",
        "cc_client_status",
        "cc_client_update_services",
        "cc_client_rotate_cluster_key",
        "cc_client_rotate_service_key",
        "cc_client_disconnect",
        "cc_client_sync_license",
        "cc_client_reconcile",
        "cc_client_last_error",
        "cc_last_error",
        "cc_string_free",
        "cc_status_name",
        "cc_version",
    ] {
        assert!(
            functions.iter().any(|f| f == required),
            "{required} is not declared"
        );
    }
    assert!(text.contains("typedef struct cc_client cc_client;"));
}

#[test]
fn ownership_is_stated_for_every_string_output() {
    let text = committed();
    // Each function with a `char **` output says who frees it.
    for name in declared_functions(&text) {
        let at = text.find(&format!("{name}(")).unwrap_or(0);
        let signature_end = text[at..].find(';').map_or(text.len(), |i| at + i);
        let signature = &text[at..signature_end];
        if signature.contains("char **") {
            let doc_start = text[..at].rfind("/**").unwrap_or(0);
            assert!(
                text[doc_start..at].contains("cc_string_free"),
                "{name} does not say how its string output is freed"
            );
        }
    }
}

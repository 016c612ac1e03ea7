//! The error codes in Rust, the Node binding's generated TypeScript/JS and the C header come from
//! one source (`ErrorCode::ALL`); this test reads the committed generated files and checks that
//! each lists exactly the core's codes, with the same numbers.
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use cloud_connect::ErrorCode;

fn read(path: &str) -> String {
    std::fs::read_to_string(std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(path))
        .unwrap_or_else(|e| panic!("{path}: {e}"))
}

#[test]
fn c_header_lists_every_code_with_its_number() {
    let header = read("bindings/c/include/cloud_connect.h");
    for code in ErrorCode::ALL {
        let line = format!(
            "CC_STATUS_{} = {},",
            code.as_str().to_uppercase(),
            code.number()
        );
        assert!(header.contains(&line), "the C header lacks `{line}`");
    }
    let listed = header.matches("  CC_STATUS_").count();
    // OK, NULL_PARAMETER, PANIC and INVALID_UTF8 are the binding's own.
    assert_eq!(
        listed,
        ErrorCode::ALL.len() + 4,
        "the C header lists other statuses"
    );
}

#[test]
fn typescript_types_and_js_table_list_every_code() {
    let dts = read("bindings/node/error-codes.d.ts");
    let js = read("bindings/node/error-codes.js");
    let union: Vec<&str> = dts
        .lines()
        .filter_map(|l| {
            l.trim()
                .strip_prefix("| '")
                .and_then(|l| l.strip_suffix('\''))
        })
        .collect();
    let core: Vec<&str> = ErrorCode::ALL.iter().map(|c| c.as_str()).collect();
    assert_eq!(
        union, core,
        "the TypeScript ErrorCode union differs from the core"
    );
    for code in ErrorCode::ALL {
        let entry = format!(
            "{}: Object.freeze({{ number: {}, statusCode: {}, retryable: {} }})",
            code.as_str(),
            code.number(),
            code.host_status(),
            code.default_retryable()
        );
        assert!(js.contains(&entry), "error-codes.js lacks `{entry}`");
    }
}

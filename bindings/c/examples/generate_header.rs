//! Writes `include/cloud_connect.h` with the pinned cbindgen.
//!
//! ```text
//! cargo run -p cloud-connect-c --example generate_header                  # rewrite the header
//! cargo run -p cloud-connect-c --example generate_header -- --check       # exit 1 on drift
//! cargo run -p cloud-connect-c --example generate_header -- --output F    # write to F instead
//! ```

#[path = "../tools/header.rs"]
mod header;

use std::path::PathBuf;
use std::process::ExitCode;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let (check, output) = match args.iter().map(String::as_str).collect::<Vec<_>>()[..] {
        [] => (false, header::header_path()),
        ["--check"] => (true, header::header_path()),
        ["--output", path] => (false, PathBuf::from(path)),
        _ => {
            eprintln!("usage: generate_header [--check | --output FILE]");
            return ExitCode::from(2);
        }
    };
    let generated = match header::generate() {
        Ok(text) => text,
        Err(e) => {
            eprintln!("{e}");
            return ExitCode::FAILURE;
        }
    };
    if check {
        return match header::committed(&output) {
            Ok(committed) if committed == generated => {
                println!("{} is up to date", output.display());
                ExitCode::SUCCESS
            }
            Ok(_) => {
                eprintln!(
                    "{} is out of date: run `cargo run -p cloud-connect-c --example generate_header`",
                    output.display()
                );
                ExitCode::FAILURE
            }
            Err(e) => {
                eprintln!("{e}");
                ExitCode::FAILURE
            }
        };
    }
    match std::fs::write(&output, generated) {
        Ok(()) => {
            println!("wrote {}", output.display());
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("cannot write {}: {e}", output.display());
            ExitCode::FAILURE
        }
    }
}

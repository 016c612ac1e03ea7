//! `cloud-connect-sim`: starts the Cloud and Elasticsearch simulators and the control API on
//! loopback, prints one JSON line `{"cloud_url","es_url","control_url","org_api_key",
//! "es_authorization"}` and serves until killed, or until `--seconds N` have elapsed.
//!
//! Options: `--seconds N`; `--config <JSON>` (a `SimConfig`, e.g. `{"es":{"security":false}}`).

use std::io::Write;
use std::time::Duration;

use cloud_connect_testkit::{SimConfig, Simulators};

fn usage(msg: &str) -> ! {
    eprintln!("cloud-connect-sim: {msg}\nusage: cloud-connect-sim [--seconds N] [--config JSON]");
    std::process::exit(2)
}

#[tokio::main]
async fn main() {
    let mut seconds = None;
    let mut config = SimConfig::default();
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--seconds" => {
                let v = args
                    .next()
                    .unwrap_or_else(|| usage("--seconds needs a value"));
                seconds = Some(
                    v.parse::<u64>()
                        .unwrap_or_else(|_| usage("--seconds needs an integer")),
                );
            }
            "--config" => {
                let v = args
                    .next()
                    .unwrap_or_else(|| usage("--config needs a value"));
                config = serde_json::from_str(&v)
                    .unwrap_or_else(|e| usage(&format!("invalid --config: {e}")));
            }
            "-h" | "--help" => usage("help"),
            other => usage(&format!("unknown argument {other}")),
        }
    }
    let sims = match Simulators::start(config).await {
        Ok(s) => s,
        Err(e) => {
            eprintln!("cloud-connect-sim: cannot start: {e}");
            std::process::exit(1);
        }
    };
    let mut out = std::io::stdout().lock();
    if writeln!(out, "{}", sims.connection_info())
        .and_then(|()| out.flush())
        .is_err()
    {
        std::process::exit(1);
    }
    drop(out);
    match seconds {
        Some(s) => tokio::time::sleep(Duration::from_secs(s)).await,
        None => std::future::pending::<()>().await,
    }
}

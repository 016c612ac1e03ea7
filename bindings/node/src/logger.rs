//! The library's `tracing` events, forwarded to a JS logger (Kibana's `Logger`: `debug`, `info`,
//! `warn`, `error`).
//!
//! Each `CloudConnect` instance has its own subscriber, scoped to its operations' futures, so two
//! instances with different loggers never see each other's events and nothing global is
//! installed. Only events of the library's own crates are forwarded, at debug level and above.
//! The library never puts a secret into an event, so none can reach the logger.

use std::fmt::Debug;
use std::sync::Arc;

use napi::Status;
use napi::bindgen_prelude::FnArgs;
use napi::threadsafe_function::{
    ThreadsafeFunction, ThreadsafeFunctionCallMode, UnknownReturnValue,
};
use napi_derive::napi;
use serde_json::{Map, Value};
use tracing::field::{Field, Visit};
use tracing::{Event, Level, Metadata, Subscriber};
use tracing_subscriber::layer::{Context, Layer, SubscriberExt};

/// One logger method: `(message, meta)`.
pub type LogFn = ThreadsafeFunction<
    FnArgs<(String, Value)>,
    UnknownReturnValue,
    FnArgs<(String, Value)>,
    Status,
    false,
    true,
>;

/// A logger that receives the library's log events (Kibana's plugin `Logger` fits). `meta`
/// holds the event's structured fields (for example `code`, `cluster_id`) and its `target`.
#[napi(object, object_to_js = false)]
pub struct Logger {
    /// Debug-level events.
    #[napi(ts_type = "(message: string, meta: Record<string, unknown>) => void")]
    pub debug: LogFn,
    /// Info-level events.
    #[napi(ts_type = "(message: string, meta: Record<string, unknown>) => void")]
    pub info: LogFn,
    /// Warnings.
    #[napi(ts_type = "(message: string, meta: Record<string, unknown>) => void")]
    pub warn: LogFn,
    /// Errors.
    #[napi(ts_type = "(message: string, meta: Record<string, unknown>) => void")]
    pub error: LogFn,
}

/// The `tracing` dispatcher that forwards to `logger`.
pub fn dispatch(logger: Logger) -> tracing::Dispatch {
    let layer = JsLogLayer {
        logger: Arc::new(logger),
    };
    tracing::Dispatch::new(tracing_subscriber::registry().with(layer))
}

struct JsLogLayer {
    logger: Arc<Logger>,
}

/// Whether an event comes from the library (or this binding).
fn forwarded(metadata: &Metadata<'_>) -> bool {
    metadata.target().starts_with("cloud_connect") && *metadata.level() <= Level::DEBUG
}

impl<S: Subscriber> Layer<S> for JsLogLayer {
    fn enabled(&self, metadata: &Metadata<'_>, _ctx: Context<'_, S>) -> bool {
        forwarded(metadata)
    }

    fn on_event(&self, event: &Event<'_>, _ctx: Context<'_, S>) {
        let metadata = event.metadata();
        if !forwarded(metadata) {
            return;
        }
        let mut fields = Fields::default();
        event.record(&mut fields);
        fields
            .meta
            .insert("target".into(), Value::String(metadata.target().to_owned()));
        let log = match *metadata.level() {
            Level::ERROR => &self.logger.error,
            Level::WARN => &self.logger.warn,
            Level::INFO => &self.logger.info,
            _ => &self.logger.debug,
        };
        // Non-blocking: a log line is never worth stalling an operation.
        log.call(
            FnArgs::from((fields.message, Value::Object(fields.meta))),
            ThreadsafeFunctionCallMode::NonBlocking,
        );
    }
}

/// Collects an event's `message` and its other fields.
#[derive(Default)]
struct Fields {
    message: String,
    meta: Map<String, Value>,
}

impl Fields {
    fn put(&mut self, field: &Field, value: Value) {
        if field.name() == "message" {
            self.message = match value {
                Value::String(s) => s,
                other => other.to_string(),
            };
        } else {
            self.meta.insert(field.name().to_owned(), value);
        }
    }
}

impl Visit for Fields {
    fn record_str(&mut self, field: &Field, value: &str) {
        self.put(field, Value::String(value.to_owned()));
    }

    fn record_bool(&mut self, field: &Field, value: bool) {
        self.put(field, Value::Bool(value));
    }

    fn record_i64(&mut self, field: &Field, value: i64) {
        self.put(field, Value::from(value));
    }

    fn record_u64(&mut self, field: &Field, value: u64) {
        self.put(field, Value::from(value));
    }

    fn record_debug(&mut self, field: &Field, value: &dyn Debug) {
        self.put(field, Value::String(format!("{value:?}")));
    }
}

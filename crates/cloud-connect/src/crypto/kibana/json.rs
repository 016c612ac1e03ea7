//! JSON text exactly as JavaScript writes it, for Kibana's AAD and plaintexts
//! (`spec/kibana-eso-format.md` §3.3).
//!
//! Two serialisers:
//! - [`stable_stringify`]: Kibana's `stableStringify` (`@kbn/std`, wrapping `safe-stable-stringify`):
//!   object keys sorted at every depth by UTF-16 code units. Used for the AAD.
//! - [`js_stringify`]: `JSON.stringify(JSON.parse(text))`: object keys in JavaScript's property
//!   order (array-index keys ascending first, then the rest in insertion order). Used for the
//!   plaintext of an encrypted attribute.
//!
//! Both write no whitespace, escape strings as `JSON.stringify` does and format numbers as
//! JavaScript's `Number.prototype.toString` does.

use std::cmp::Ordering;
use std::fmt::Write;

use serde_json::{Map, Number, Value};

/// Kibana's `stableStringify`: canonical JSON with object keys sorted by UTF-16 code units.
pub fn stable_stringify(value: &Value) -> String {
    let mut out = String::new();
    write_value(&mut out, value, KeyOrder::Utf16Sorted);
    out
}

/// `JSON.stringify` of the value as JavaScript would hold it after `JSON.parse`.
pub fn js_stringify(value: &Value) -> String {
    let mut out = String::new();
    write_value(&mut out, value, KeyOrder::JavaScriptProperty);
    out
}

#[derive(Clone, Copy)]
enum KeyOrder {
    Utf16Sorted,
    JavaScriptProperty,
}

fn write_value(out: &mut String, value: &Value, order: KeyOrder) {
    match value {
        Value::Null => out.push_str("null"),
        Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Value::Number(n) => out.push_str(&js_number(n)),
        Value::String(s) => write_string(out, s),
        Value::Array(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_value(out, item, order);
            }
            out.push(']');
        }
        Value::Object(map) => {
            out.push('{');
            for (i, (k, v)) in ordered_entries(map, order).into_iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_string(out, k);
                out.push(':');
                write_value(out, v, order);
            }
            out.push('}');
        }
    }
}

fn ordered_entries(map: &Map<String, Value>, order: KeyOrder) -> Vec<(&String, &Value)> {
    let mut entries: Vec<(&String, &Value)> = map.iter().collect();
    match order {
        KeyOrder::Utf16Sorted => entries.sort_by(|a, b| utf16_cmp(a.0, b.0)),
        KeyOrder::JavaScriptProperty => {
            // Stable sort: array indices first in numeric order, the rest keep insertion order.
            entries.sort_by(|a, b| match (array_index(a.0), array_index(b.0)) {
                (Some(x), Some(y)) => x.cmp(&y),
                (Some(_), None) => Ordering::Less,
                (None, Some(_)) => Ordering::Greater,
                (None, None) => Ordering::Equal,
            });
        }
    }
    entries
}

/// Compares two strings as JavaScript's default sort does: by UTF-16 code units.
pub fn utf16_cmp(a: &str, b: &str) -> Ordering {
    a.encode_utf16().cmp(b.encode_utf16())
}

/// The value of `key` if it is a canonical array index (`0`..`2^32 - 2`, no leading zero), which
/// JavaScript orders before every other property key.
fn array_index(key: &str) -> Option<u32> {
    let bytes = key.as_bytes();
    if bytes.is_empty() || bytes.len() > 10 || !bytes.iter().all(u8::is_ascii_digit) {
        return None;
    }
    if bytes.len() > 1 && bytes[0] == b'0' {
        return None;
    }
    let n: u64 = key.parse().ok()?;
    (n < u64::from(u32::MAX)).then_some(n as u32)
}

/// Writes `s` as a JSON string literal the way `JSON.stringify` does.
fn write_string(out: &mut String, s: &str) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if (c as u32) < 0x20 => {
                let _ = write!(out, "\\u{:04x}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push('"');
}

/// A JSON number as JavaScript prints it (JavaScript holds every number as a double).
fn js_number(n: &Number) -> String {
    const EXACT: u64 = 1 << 53;
    if let Some(i) = n.as_i64()
        && i.unsigned_abs() <= EXACT
    {
        return i.to_string();
    }
    if let Some(u) = n.as_u64()
        && u <= EXACT
    {
        return u.to_string();
    }
    js_double(n.as_f64().unwrap_or(f64::NAN))
}

/// ECMAScript `Number::toString(x)` for a double: shortest round-trip digits, plain notation for
/// 1e-7 < |x| < 1e21, exponent notation (`1e+21`, `1.5e-7`) otherwise; `-0` prints as `0`.
pub fn js_double(x: f64) -> String {
    if !x.is_finite() {
        // JSON.stringify writes NaN and ±Infinity as null (they never come from JSON input).
        return "null".to_owned();
    }
    if x == 0.0 {
        return "0".to_owned();
    }
    let sci = format!("{:e}", x.abs());
    let (mantissa, exponent) = sci.split_once('e').unwrap_or((sci.as_str(), "0"));
    let digits: String = mantissa.chars().filter(|c| *c != '.').collect();
    let e: i64 = exponent.parse().unwrap_or(0);
    let k = digits.len() as i64;
    // The value is 0.d1d2…dk × 10^n.
    let n = e + 1;
    let mut out = String::new();
    if x < 0.0 {
        out.push('-');
    }
    if k <= n && n <= 21 {
        out.push_str(&digits);
        out.push_str(&"0".repeat((n - k) as usize));
    } else if 0 < n && n <= 21 {
        let (int, frac) = digits.split_at(n as usize);
        out.push_str(int);
        out.push('.');
        out.push_str(frac);
    } else if -6 < n && n <= 0 {
        out.push_str("0.");
        out.push_str(&"0".repeat((-n) as usize));
        out.push_str(&digits);
    } else {
        let exp = n - 1;
        let sign = if exp < 0 { '-' } else { '+' };
        let (first, rest) = digits.split_at(1);
        out.push_str(first);
        if !rest.is_empty() {
            out.push('.');
            out.push_str(rest);
        }
        let _ = write!(out, "e{sign}{}", exp.abs());
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn parse(s: &str) -> Value {
        serde_json::from_str(s).unwrap_or_else(|e| panic!("{s}: {e}"))
    }

    #[test]
    fn numbers_print_as_javascript_does() {
        let cases = [
            ("1", "1"),
            ("1.0", "1"),
            ("-0", "0"),
            ("-0.0", "0"),
            ("0.1", "0.1"),
            ("1e21", "1e+21"),
            ("1e20", "100000000000000000000"),
            ("123456789012345678901234", "1.2345678901234569e+23"),
            ("12345678901234567890", "12345678901234567000"),
            ("9007199254740993", "9007199254740992"),
            ("-9007199254740992", "-9007199254740992"),
            ("0.000001", "0.000001"),
            ("0.0000001", "1e-7"),
            ("1.5e-7", "1.5e-7"),
            ("-2.5E+3", "-2500"),
            ("5e-324", "5e-324"),
            ("1.7976931348623157e308", "1.7976931348623157e+308"),
            ("0.30000000000000004", "0.30000000000000004"),
            ("100", "100"),
            ("1.25", "1.25"),
        ];
        for (input, expected) in cases {
            assert_eq!(stable_stringify(&parse(input)), expected, "{input}");
        }
    }

    #[test]
    fn strings_escape_as_json_stringify_does() {
        let v = Value::String("q\"b\\/\u{8}\u{c}\n\r\t\u{1}\u{1f}\u{7f}é\u{2028}\u{2029}😀".into());
        assert_eq!(
            stable_stringify(&v),
            "\"q\\\"b\\\\/\\b\\f\\n\\r\\t\\u0001\\u001f\u{7f}é\u{2028}\u{2029}😀\""
        );
    }

    #[test]
    fn stable_stringify_sorts_keys_by_utf16_at_every_depth() {
        let v = parse(r#"{"zeta":1,"alpha":{"b":2,"a":[3,"x"]},"10":true,"9":null}"#);
        assert_eq!(
            stable_stringify(&v),
            r#"{"10":true,"9":null,"alpha":{"a":[3,"x"],"b":2},"zeta":1}"#
        );
        // U+FF61 sorts after U+1F600 in UTF-8 byte order but before it in UTF-16 order
        // (the surrogate 0xD83D is below 0xFF61).
        let v = json!({"\u{ff61}": 1, "\u{1f600}": 2});
        assert_eq!(stable_stringify(&v), "{\"\u{1f600}\":2,\"\u{ff61}\":1}");
        assert_eq!(utf16_cmp("\u{1f600}", "\u{ff61}"), Ordering::Less);
        assert_eq!("\u{1f600}".cmp("\u{ff61}"), Ordering::Greater);
    }

    #[test]
    fn js_stringify_puts_array_indices_first() {
        let v = parse(r#"{"b":1,"2":2,"a":3,"1":4,"01":5,"4294967295":6,"4294967294":7}"#);
        assert_eq!(
            js_stringify(&v),
            r#"{"1":4,"2":2,"4294967294":7,"b":1,"a":3,"01":5,"4294967295":6}"#
        );
        assert_eq!(js_stringify(&json!("essu_abc")), "\"essu_abc\"");
        assert_eq!(
            js_stringify(&json!({"apiKey":"sk-test-123"})),
            r#"{"apiKey":"sk-test-123"}"#
        );
    }
}

//! Request validation of the Cloud simulator (spec §2, §8.4).

use serde_json::{Map, Value};

/// `license.type` values (spec §3.3).
pub(crate) const LICENSE_TYPES: &[&str] = &[
    "trial",
    "basic",
    "standard",
    "dev",
    "silver",
    "gold",
    "platinum",
    "enterprise",
];

/// `^[a-z0-9]{32}$`
pub(crate) fn valid_cluster_id(id: &str) -> bool {
    id.len() == 32
        && id
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
}

/// `^[a-z0-9]{1,32}$`
pub(crate) fn valid_org_id(id: &str) -> bool {
    (1..=32).contains(&id.len())
        && id
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
}

/// A validated create body.
#[derive(Debug)]
pub(crate) struct CreateBody {
    pub name: Option<String>,
    pub smc_id: String,
    pub smc_name: String,
    pub smc_version: String,
    pub license_type: String,
    pub license_uid: String,
}

/// A validated PATCH body; `None` fields are left unchanged.
#[derive(Debug, Default)]
pub(crate) struct PatchBody {
    pub name: Option<String>,
    pub smc_name: Option<String>,
    pub smc_version: Option<String>,
    pub license_type: Option<String>,
    pub license_uid: Option<String>,
    pub auto_ops: Option<bool>,
    pub eis: Option<bool>,
}

fn object(bytes: &[u8]) -> Result<Map<String, Value>, String> {
    match serde_json::from_slice::<Value>(bytes) {
        Ok(Value::Object(m)) => Ok(m),
        Ok(_) => Err("request body must be a JSON object".into()),
        Err(e) => Err(format!("request body is not valid JSON: {e}")),
    }
}

fn reject_unknown(
    map: &Map<String, Value>,
    allowed: &[&str],
    path: &str,
    strict: bool,
) -> Result<(), String> {
    if !strict {
        return Ok(());
    }
    match map.keys().find(|k| !allowed.contains(&k.as_str())) {
        Some(k) => Err(format!("unknown field [{path}{k}]")),
        None => Ok(()),
    }
}

/// Optional string field (`null` counts as absent).
fn opt_string(map: &Map<String, Value>, field: &str, path: &str) -> Result<Option<String>, String> {
    match map.get(field) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s.clone())),
        Some(_) => Err(format!("field [{path}{field}] must be a string")),
    }
}

fn req_string(map: &Map<String, Value>, field: &str, path: &str) -> Result<String, String> {
    opt_string(map, field, path)?.ok_or_else(|| format!("field [{path}{field}] is required"))
}

fn opt_object<'a>(
    map: &'a Map<String, Value>,
    field: &str,
    path: &str,
) -> Result<Option<&'a Map<String, Value>>, String> {
    match map.get(field) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Object(m)) => Ok(Some(m)),
        Some(_) => Err(format!("field [{path}{field}] must be an object")),
    }
}

fn check_name(name: &Option<String>) -> Result<(), String> {
    match name {
        Some(n) if n.chars().count() > 255 => {
            Err("field [name] must be at most 255 characters".into())
        }
        _ => Ok(()),
    }
}

fn check_license_type(t: &Option<String>) -> Result<(), String> {
    match t {
        Some(t) if !LICENSE_TYPES.contains(&t.as_str()) => Err(format!(
            "field [license.type] must be one of {}; got [{t}]",
            LICENSE_TYPES.join(", ")
        )),
        _ => Ok(()),
    }
}

/// Validates a create body (spec §2.2).
pub(crate) fn parse_create(bytes: &[u8], strict: bool) -> Result<CreateBody, String> {
    let map = object(bytes)?;
    reject_unknown(
        &map,
        &["name", "self_managed_cluster", "license"],
        "",
        strict,
    )?;
    let name = opt_string(&map, "name", "")?;
    check_name(&name)?;
    let smc = opt_object(&map, "self_managed_cluster", "")?
        .ok_or("field [self_managed_cluster] is required")?;
    reject_unknown(
        smc,
        &["id", "name", "version"],
        "self_managed_cluster.",
        strict,
    )?;
    let license = opt_object(&map, "license", "")?.ok_or("field [license] is required")?;
    reject_unknown(license, &["type", "uid"], "license.", strict)?;
    let license_type = req_string(license, "type", "license.")?;
    check_license_type(&Some(license_type.clone()))?;
    Ok(CreateBody {
        name,
        smc_id: req_string(smc, "id", "self_managed_cluster.")?,
        smc_name: req_string(smc, "name", "self_managed_cluster.")?,
        smc_version: req_string(smc, "version", "self_managed_cluster.")?,
        license_type,
        license_uid: req_string(license, "uid", "license.")?,
    })
}

/// Validates a PATCH body (spec §2.4). Undocumented fields are ignored unless `strict`.
pub(crate) fn parse_patch(bytes: &[u8], strict: bool) -> Result<PatchBody, String> {
    let map = object(bytes)?;
    reject_unknown(
        &map,
        &["name", "self_managed_cluster", "license", "services"],
        "",
        strict,
    )?;
    let mut body = PatchBody {
        name: opt_string(&map, "name", "")?,
        ..PatchBody::default()
    };
    check_name(&body.name)?;
    if let Some(smc) = opt_object(&map, "self_managed_cluster", "")? {
        reject_unknown(smc, &["name", "version"], "self_managed_cluster.", strict)?;
        body.smc_name = opt_string(smc, "name", "self_managed_cluster.")?;
        body.smc_version = opt_string(smc, "version", "self_managed_cluster.")?;
    }
    if let Some(license) = opt_object(&map, "license", "")? {
        reject_unknown(license, &["type", "uid"], "license.", strict)?;
        body.license_type = opt_string(license, "type", "license.")?;
        check_license_type(&body.license_type)?;
        body.license_uid = opt_string(license, "uid", "license.")?;
    }
    if let Some(services) = opt_object(&map, "services", "")? {
        reject_unknown(services, &["auto_ops", "eis"], "services.", strict)?;
        body.auto_ops = service_enabled(services, "auto_ops", strict)?;
        body.eis = service_enabled(services, "eis", strict)?;
    }
    Ok(body)
}

fn service_enabled(
    services: &Map<String, Value>,
    name: &str,
    strict: bool,
) -> Result<Option<bool>, String> {
    let path = format!("services.{name}.");
    let Some(service) = opt_object(services, name, "services.")? else {
        return Ok(None);
    };
    reject_unknown(service, &["enabled"], &path, strict)?;
    match service.get("enabled") {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Bool(b)) => Ok(Some(*b)),
        Some(_) => Err(format!("field [{path}enabled] must be a boolean")),
    }
}

/// Rotate and revoke-pending: an empty body or a JSON object (`{}`); strict mode accepts only `{}`.
pub(crate) fn parse_no_body(bytes: &[u8], strict: bool) -> Result<(), String> {
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Ok(());
    }
    let map = object(bytes)?;
    reject_unknown(&map, &[], "", strict)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn id_patterns() {
        assert!(valid_cluster_id("0123456789abcdef0123456789abcdef"));
        assert!(!valid_cluster_id("0123456789ABCDEF0123456789abcdef"));
        assert!(!valid_cluster_id("short"));
        assert!(valid_org_id("198583657190"));
        assert!(!valid_org_id(""));
        assert!(!valid_org_id("org-1"));
    }

    #[test]
    fn create_requires_documented_fields() {
        let ok = br#"{"self_managed_cluster":{"id":"u","name":"n","version":"9.3.0"},"license":{"type":"trial","uid":"x"}}"#;
        assert!(parse_create(ok, true).is_ok());
        let no_license = br#"{"self_managed_cluster":{"id":"u","name":"n","version":"9.3.0"}}"#;
        assert!(parse_create(no_license, false).is_err());
        let bad_type = br#"{"self_managed_cluster":{"id":"u","name":"n","version":"9.3.0"},"license":{"type":"free","uid":"x"}}"#;
        assert!(parse_create(bad_type, false).is_err());
        let extra = br#"{"self_managed_cluster":{"id":"u","name":"n","version":"9.3.0"},"license":{"type":"trial","uid":"x","version":1}}"#;
        assert!(parse_create(extra, false).is_ok());
        assert!(parse_create(extra, true).is_err());
    }

    #[test]
    fn patch_types() {
        assert!(parse_patch(br#"{"services":{"eis":{"enabled":"yes"}}}"#, false).is_err());
        let p = parse_patch(
            br#"{"services":{"eis":{"enabled":true}},"self_managed_cluster":{"id":"x"}}"#,
            false,
        );
        assert_eq!(p.map(|p| p.eis).ok().flatten(), Some(true));
        assert!(parse_patch(br#"{"self_managed_cluster":{"id":"x"}}"#, true).is_err());
    }
}

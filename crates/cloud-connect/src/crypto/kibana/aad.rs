//! The additional authenticated data of a Kibana saved object (`spec/kibana-eso-format.md` §3.1):
//! the canonical JSON of `[namespace?, type, id, {aad attributes}]`.

use serde_json::{Map, Value};

use super::json::stable_stringify;

/// How a saved-object type is shared between Kibana spaces. Only single-namespace types put the
/// namespace into the AAD.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NamespaceType {
    /// `namespaceType: 'single'`: one object per space; the space is part of the AAD.
    Single,
    /// `namespaceType: 'multiple'`: shareable across spaces.
    Multiple,
    /// `namespaceType: 'multiple-isolated'`: one space, but ids are global.
    MultipleIsolated,
    /// `namespaceType: 'agnostic'`: one object for all spaces (the Cloud Connect key record).
    Agnostic,
}

/// Which saved object a ciphertext belongs to: type, id and, for single-namespace types in a
/// space other than `default`, the namespace.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SavedObjectDescriptor {
    /// The saved-object type, e.g. `cloud-connect-api-key`.
    pub object_type: String,
    /// The object id.
    pub id: String,
    /// The namespace that goes into the AAD, already reduced by Kibana's rules (see
    /// [`SavedObjectDescriptor::in_space`]).
    pub namespace: Option<String>,
}

impl SavedObjectDescriptor {
    /// A descriptor without namespace (agnostic and multi-namespace types, or the default space).
    pub fn new(object_type: impl Into<String>, id: impl Into<String>) -> Self {
        SavedObjectDescriptor {
            object_type: object_type.into(),
            id: id.into(),
            namespace: None,
        }
    }

    /// Applies Kibana's namespace rule: the namespace counts only for [`NamespaceType::Single`]
    /// types, and `default` counts as none.
    pub fn in_space(mut self, namespace_type: NamespaceType, namespace: Option<&str>) -> Self {
        self.namespace = match (namespace_type, namespace) {
            (NamespaceType::Single, Some(ns)) if ns != "default" => Some(ns.to_owned()),
            _ => None,
        };
        self
    }
}

/// Builds the AAD string Kibana uses for `descriptor` with these `attributes`.
///
/// `include_in_aad` are the type's registered AAD attribute names; each one that is an own
/// top-level attribute (a flat key, not a path) and not in `encrypted` contributes `name: value`.
/// The result is `stableStringify([namespace?, type, id, aadAttributes])`.
pub fn build_aad(
    descriptor: &SavedObjectDescriptor,
    attributes: &Map<String, Value>,
    include_in_aad: &[&str],
    encrypted: &[&str],
) -> String {
    let mut aad_attributes = Map::new();
    for name in include_in_aad {
        if encrypted.contains(name) {
            continue;
        }
        if let Some(v) = attributes.get(*name) {
            aad_attributes.insert((*name).to_owned(), v.clone());
        }
    }
    let mut parts = Vec::with_capacity(4);
    if let Some(ns) = &descriptor.namespace {
        parts.push(Value::String(ns.clone()));
    }
    parts.push(Value::String(descriptor.object_type.clone()));
    parts.push(Value::String(descriptor.id.clone()));
    parts.push(Value::Object(aad_attributes));
    stable_stringify(&Value::Array(parts))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn attrs(v: Value) -> Map<String, Value> {
        match v {
            Value::Object(m) => m,
            _ => Map::new(),
        }
    }

    #[test]
    fn namespace_rules() {
        let d = SavedObjectDescriptor::new("t", "i");
        assert_eq!(
            d.clone()
                .in_space(NamespaceType::Single, Some("default"))
                .namespace,
            None
        );
        assert_eq!(
            d.clone()
                .in_space(NamespaceType::Single, Some("s1"))
                .namespace
                .as_deref(),
            Some("s1")
        );
        for nt in [
            NamespaceType::Multiple,
            NamespaceType::MultipleIsolated,
            NamespaceType::Agnostic,
        ] {
            assert_eq!(d.clone().in_space(nt, Some("s1")).namespace, None);
        }
        let with_ns = d.in_space(NamespaceType::Single, Some("s1"));
        assert_eq!(
            build_aad(&with_ns, &Map::new(), &[], &[]),
            r#"["s1","t","i",{}]"#
        );
    }

    #[test]
    fn only_registered_present_unencrypted_top_level_attributes() {
        let d = SavedObjectDescriptor::new("t", "i");
        let a = attrs(json!({"a": 1, "b.c": 2, "b": {"c": 3}, "secret": "x", "other": 4}));
        assert_eq!(
            build_aad(&d, &a, &["b.c", "missing", "secret", "a"], &["secret"]),
            r#"["t","i",{"a":1,"b.c":2}]"#
        );
        assert_eq!(build_aad(&d, &a, &[], &[]), r#"["t","i",{}]"#);
    }
}

//! How clusters look on the wire (spec §3.1, §3.2, §3.6), with the reply-shape knobs.

use serde_json::{Value, json};

use super::options::CloudOptions;
use super::state::Cluster;

const AUTO_OPS_DOCS: &str = "https://www.elastic.co/guide/en/cloud/current/ec-autoops.html";
const EIS_DOCS: &str = "https://www.elastic.co/guide/en/cloud/current/eis.html";

/// The Cluster object of list, create, get and patch replies (never with `key`/`keys`).
pub(crate) fn cluster_json(c: &Cluster, o: &CloudOptions) -> Value {
    let mut services = serde_json::Map::new();
    services.insert("auto_ops".into(), auto_ops(c, o));
    if !o.omit_eis_service {
        services.insert("eis".into(), eis(c, o));
    }
    if o.extra_fields {
        services.insert(
            "sim_future_service".into(),
            json!({ "enabled": false, "sim_extra": "future" }),
        );
    }
    let mut v = json!({
        "id": c.id,
        "name": c.name,
        "metadata": {
            "created_at": c.created_at,
            "created_by": c.created_by,
            "organization_id": c.org_id,
        },
        "self_managed_cluster": { "id": c.smc_id, "name": c.smc_name, "version": c.smc_version },
        "license": { "type": c.license_type, "uid": c.license_uid },
        "services": services,
    });
    if o.extra_fields {
        v["sim_extra"] = json!({ "added_by": "cloud-connect-sim", "n": 1 });
        v["metadata"]["sim_extra"] = json!("metadata-extra");
    }
    v
}

fn auto_ops(c: &Cluster, o: &CloudOptions) -> Value {
    let mut s = json!({ "enabled": c.auto_ops });
    if !o.omit_optional_service_fields {
        s["support"] = support(o, &o.auto_ops_minimum_stack_version);
        s["config"] = json!({ "region_id": o.region_id });
        s["metadata"] = json!({
            "documentation_url": AUTO_OPS_DOCS,
            "service_url": format!(
                "https://app.auto-ops.cloud.elastic.co/regions/{}/organizations/{}/clusters/{}/cluster",
                o.region_id, c.org_id, c.id
            ),
            "connect_url": format!(
                "https://application.auto-ops.cloud.elastic.co/organizations/{}/connect-autoops",
                c.org_id
            ),
        });
        s["subscription"] = json!({ "required": true });
    }
    if o.extra_fields {
        s["sim_extra"] = json!("service-extra");
    }
    s
}

fn eis(c: &Cluster, o: &CloudOptions) -> Value {
    let mut s = json!({ "enabled": c.eis });
    if !o.omit_optional_service_fields {
        s["support"] = support(o, &o.eis_minimum_stack_version);
        s["metadata"] = json!({ "documentation_url": EIS_DOCS });
        s["subscription"] = json!({ "required": true });
    }
    if o.extra_fields {
        s["sim_extra"] = json!("service-extra");
    }
    s
}

fn support(o: &CloudOptions, minimum: &str) -> Value {
    json!({
        "supported": true,
        "valid_license_types": o.valid_license_types,
        "minimum_stack_version": minimum,
    })
}

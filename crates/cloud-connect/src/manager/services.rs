//! `update_services`: turn AutoOps and EIS on or off, atomically across the Cloud and
//! Elasticsearch.

use super::ServiceManager;
use super::failpoints::failpoint;
use super::outcomes::{ReconcileReport, ServiceChanges, UpdateOutcome};
use super::session::Session;
use crate::error::{Error, ErrorCode, Result};
use crate::model::{CcmState, ClusterPatch, Service};
use crate::store::Operation;

const EIS_KEY: &str = "eis_key";
const PATCHED: &str = "patched";
const ES_APPLIED: &str = "es_applied";

impl ServiceManager {
    /// Sets each listed service to the given state. Services already in that state are left
    /// alone; if nothing needs to change, nothing is written. Either every change takes effect,
    /// in the Cloud and in Elasticsearch, or every touched service is restored to the state read
    /// from the Cloud at the start.
    pub async fn update_services(&self, changes: ServiceChanges) -> Result<UpdateOutcome> {
        if changes.is_empty() {
            return Err(Error::invalid_input("no service changes were requested"));
        }
        let _writer = self.inner.writer.lock().await;
        let mut s = self.begin().await?;
        let c = s
            .record
            .connection
            .clone()
            .ok_or_else(Error::not_connected)?;
        let cloud = &self.inner.cloud;

        // The prior state is what the Cloud says now (with its ETag), not the negation of the
        // request.
        let current = cloud.get_cluster(&c.api_key, &c.cluster_id).await?;
        let diff: ServiceChanges = changes
            .iter()
            .filter(|(svc, want)| current.cluster.services.enabled(**svc) != **want)
            .map(|(s, w)| (*s, *w))
            .collect();
        if diff.is_empty() {
            return Ok(UpdateOutcome {
                changed: Vec::new(),
                cluster: current.cluster,
            });
        }
        if diff.get(&Service::Eis) == Some(&true) {
            self.check_ccm_available().await?;
        }
        let prior: ServiceChanges = diff.keys().map(|svc| (*svc, !diff[svc])).collect();
        self.start_intent(
            &mut s,
            Operation::UpdateServices,
            prior,
            diff.clone(),
            |_| {},
        )
        .await?;
        failpoint("update_services.after_intent");

        // Step 1: PATCH the Cloud with If-Match. Compensation (`reconcile_update_services`):
        // every touched service is PATCHed back to `prior`.
        let patched = match cloud
            .patch_cluster(
                &c.api_key,
                &c.cluster_id,
                &ClusterPatch::services(&diff),
                current.etag.as_ref(),
            )
            .await
        {
            Ok(p) => p,
            Err(e) => {
                return self
                    .recover(&mut s, e)
                    .await
                    .and_then(|_| Err(rolled_forward_unexpectedly()));
            }
        };
        failpoint("update_services.after_patch");
        // The EIS key is sealed into the record before Elasticsearch is asked to use it.
        let intent = s.intent_mut()?;
        if let Some(k) = &patched.eis_key {
            intent.secrets.insert(EIS_KEY.to_owned(), k.clone());
        }
        intent.steps.push(PATCHED.to_owned());
        if let Err(e) = self.persist(&mut s).await {
            return self
                .recover(&mut s, e)
                .await
                .and_then(|_| Err(rolled_forward_unexpectedly()));
        }
        failpoint("update_services.after_eis_key_stored");

        // Step 2: Elasticsearch. Enabling EIS installs `keys.eis`; disabling removes it ("no CCM"
        // counts as removed). Compensation: the Cloud change is rolled back (step 1's).
        let es_result = match diff.get(&Service::Eis) {
            Some(true) => match &patched.eis_key {
                Some(k) => self.inner.inference.put_ccm(k).await,
                None => Err(Error::new(
                    ErrorCode::CloudProtocol,
                    "EIS was enabled but Cloud API did not return an API key",
                )
                .with_retryable(false)),
            },
            Some(false) => self.inner.inference.delete_ccm().await.map(|_| ()),
            None => Ok(()),
        };
        if let Err(e) = es_result {
            return self
                .recover(&mut s, e)
                .await
                .and_then(|_| Err(rolled_forward_unexpectedly()));
        }
        if diff.contains_key(&Service::Eis) {
            self.step(&mut s, ES_APPLIED).await?;
        }
        failpoint("update_services.after_es");
        self.finish(&mut s).await?;
        Ok(UpdateOutcome {
            changed: diff.keys().copied().collect(),
            cluster: patched.cluster.cluster,
        })
    }

    /// Before asking the Cloud for an EIS key, check that Elasticsearch can take one.
    async fn check_ccm_available(&self) -> Result<()> {
        let info = self.inner.local.cluster_info().await?;
        if !info.supports_ccm() {
            return Err(Error::new(
                ErrorCode::CcmUnsupported,
                format!(
                    "Elasticsearch {} cannot use EIS through Cloud Connect: version 9.3.0 or later is required",
                    info.version
                ),
            ));
        }
        if self.inner.inference.get_ccm().await? == CcmState::Unsupported {
            return Err(Error::new(
                ErrorCode::CcmUnsupported,
                "Elasticsearch does not offer Cloud Connected Mode (_inference/_ccm) here",
            ));
        }
        Ok(())
    }

    /// Completes or undoes an interrupted `update_services`. Once Elasticsearch has the change
    /// the operation is complete; before that, every touched service goes back to `prior` in the
    /// Cloud (installing the fresh EIS key if that re-enables EIS), and Elasticsearch is brought in
    /// line with the Cloud's EIS state.
    pub(crate) async fn reconcile_update_services(
        &self,
        s: &mut Session,
        report: &mut ReconcileReport,
    ) -> Result<()> {
        let intent = s.intent_mut()?.clone();
        let eis_touched = intent.target.contains_key(&Service::Eis);
        if intent.has_step(ES_APPLIED) || (intent.has_step(PATCHED) && !eis_touched) {
            report.rolled_forward = Some(true);
            report.actions.push("the update had completed".into());
            return Ok(());
        }
        let c = s
            .record
            .connection
            .clone()
            .ok_or_else(Error::not_connected)?;
        let cloud = &self.inner.cloud;
        let current = cloud.get_cluster(&c.api_key, &c.cluster_id).await?;
        let restore: ServiceChanges = intent
            .prior
            .iter()
            .filter(|(svc, was)| current.cluster.services.enabled(**svc) != **was)
            .map(|(s, w)| (*s, *w))
            .collect();
        report.rolled_forward = Some(false);
        if !restore.is_empty() {
            let patched = cloud
                .patch_cluster(
                    &c.api_key,
                    &c.cluster_id,
                    &ClusterPatch::services(&restore),
                    current.etag.as_ref(),
                )
                .await?;
            report
                .actions
                .push(format!("restored {} in the Cloud", names(&restore)));
            if restore.get(&Service::Eis) == Some(&true) {
                // Re-enabling EIS mints a new key: install it, or Elasticsearch keeps a revoked one.
                let key = patched.eis_key.ok_or_else(|| {
                    Error::new(
                        ErrorCode::CloudProtocol,
                        "EIS was re-enabled but Cloud API did not return an API key",
                    )
                })?;
                self.inner.inference.put_ccm(&key).await?;
                report
                    .actions
                    .push("installed the re-issued EIS key in Elasticsearch".into());
            }
        }
        if intent.prior.get(&Service::Eis) == Some(&false) {
            // Elasticsearch may hold the key this operation installed; the Cloud revoked it.
            self.inner.inference.delete_ccm().await?;
            report
                .actions
                .push("made sure Elasticsearch holds no EIS key".into());
        }
        Ok(())
    }
}

/// `recover` returns `Ok` only for operations that roll forward; a failed update always rolls back.
fn rolled_forward_unexpectedly() -> Error {
    Error::internal("a failed service update was unexpectedly reported as complete")
}

fn names(c: &ServiceChanges) -> String {
    c.iter()
        .map(|(s, e)| format!("{}={}", s.as_str(), e))
        .collect::<Vec<_>>()
        .join(", ")
}

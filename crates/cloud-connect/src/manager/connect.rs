//! `connect`: classify the pasted key, onboard the local cluster, store a cluster-scoped key.

use super::classify::{KeyKind, classification_error, classify};
use super::failpoints::failpoint;
use super::outcomes::{ConnectOptions, ConnectOutcome, ReconcileReport};
use super::session::{Session, in_doubt};
use super::{ServiceManager, now_rfc3339};
use crate::error::{Error, ErrorCode, Result};
use crate::model::{CreateCluster, License, SelfManagedCluster};
use crate::secret::ApiKey;
use crate::store::{Connection, Operation};

const ONBOARDING_KEY: &str = "onboarding_key";
const KIND_ORG: &str = "kind:organization";
const KIND_SCOPED: &str = "kind:cluster_scoped";
const STORED: &str = "stored";

impl ServiceManager {
    /// Connects the local cluster to Elastic Cloud with a pasted API key.
    ///
    /// An organization key onboards with `create_api_key=true` and stores the minted cluster key
    /// (never the organization key). A cluster-scoped key is checked against the local cluster's
    /// uuid, onboarded with local data, and stored. Fails with `already_connected` when a
    /// connection is stored.
    pub async fn connect(&self, api_key: &str, options: ConnectOptions) -> Result<ConnectOutcome> {
        let key = ApiKey::new(api_key.to_owned())?;
        let _writer = self.inner.writer.lock().await;
        let mut s = self.begin().await?;
        if s.record.connection.is_some() {
            return Err(Error::new(
                ErrorCode::AlreadyConnected,
                "this cluster is already connected to Elastic Cloud; disconnect first",
            ));
        }
        // Local checks come before any Cloud call: nothing is registered that we could not store.
        let mut body = self.onboarding_body().await?;
        let user = self
            .inner
            .cloud
            .get_user(&key)
            .await
            .map_err(classification_error)?;
        let kind = classify(&user)?;
        if let KeyKind::ClusterScoped { cluster_id } = &kind {
            let existing = self.inner.cloud.get_cluster(&key, cluster_id).await?;
            let theirs = &existing.cluster.self_managed_cluster.id;
            if *theirs != body.self_managed_cluster.id && !options.adopt_foreign_registration {
                return Err(Error::invalid_input(format!(
                    "the API key belongs to the Cloud registration of another Elasticsearch cluster (uuid {theirs}, local uuid {}); use a key for this cluster, or ask to adopt that registration",
                    body.self_managed_cluster.id
                )));
            }
            if *theirs != body.self_managed_cluster.id {
                // Adopting: a cluster key may only onboard its own registration, so send the
                // Cloud's own identity (Kibana's behaviour), as the caller explicitly asked.
                body.self_managed_cluster = existing.cluster.self_managed_cluster.clone();
                body.license = existing.cluster.license.clone();
            }
        }

        let scoped_id = match &kind {
            KeyKind::ClusterScoped { cluster_id } => Some(cluster_id.clone()),
            KeyKind::Organization => None,
        };
        let pasted = key.clone();
        self.start_intent(
            &mut s,
            Operation::Connect,
            Default::default(),
            Default::default(),
            |i| {
                i.steps.push(
                    if scoped_id.is_some() {
                        KIND_SCOPED
                    } else {
                        KIND_ORG
                    }
                    .to_owned(),
                );
                i.cluster_id = scoped_id;
                // Kept (sealed) only while the intent lives, so an interrupted onboarding can finish.
                i.secrets.insert(ONBOARDING_KEY.to_owned(), pasted);
            },
        )
        .await?;
        failpoint("connect.after_intent");

        // Step 1: register with the Cloud. Compensation: a definite refusal changed nothing (the
        // intent is dropped); an unknown outcome is rolled forward by `reconcile_connect`, since
        // create is idempotent.
        let org_path = kind == KeyKind::Organization;
        let created = match self.inner.cloud.create_cluster(&key, &body, org_path).await {
            Ok(c) => c,
            Err(e) if in_doubt(&e) => return self.connect_in_doubt(&mut s, e).await,
            Err(e) => {
                let _ = self.finish(&mut s).await;
                return Err(e);
            }
        };
        failpoint("connect.after_create");

        // Step 2: store the connection; the minted key is sealed before anything relies on it.
        // Compensation: if the save fails, delete the registration, but only if this call
        // created it.
        let stored_key = created.key.clone().unwrap_or(key);
        let cluster = &created.cluster.cluster;
        let now = now_rfc3339();
        s.record.connection = Some(Connection {
            cluster_id: cluster.id.clone(),
            organization_id: Some(cluster.metadata.organization_id.clone()),
            api_key: stored_key.clone(),
            created_at: now.clone(),
            updated_at: now,
        });
        if let Ok(i) = s.intent_mut() {
            i.cluster_id = Some(cluster.id.clone());
            i.steps.push(STORED.to_owned());
        }
        if let Err(save_error) = self.persist(&mut s).await {
            s.record.connection = None;
            let undo = if created.created {
                self.inner
                    .cloud
                    .delete_cluster(&stored_key, &cluster.id, created.cluster.etag.as_ref())
                    .await
                    .map(|_| ())
            } else {
                Ok(())
            };
            // Drop the intent if the store lets us; it holds nothing worth resuming now.
            if let Ok(mut now) = self.read_session().await {
                now.record.intent = None;
                let _ = self.persist(&mut now).await;
            }
            return Err(match undo {
                Ok(()) => save_error.context(
                    "the connection could not be stored, so the new Cloud registration was removed",
                ),
                Err(e) => Error::rollback_failed(save_error, e),
            });
        }
        failpoint("connect.after_store");
        self.finish(&mut s).await?;
        tracing::info!(cluster_id = %cluster.id, created = created.created, "cluster onboarded");
        Ok(ConnectOutcome {
            cluster_id: cluster.id.clone(),
            organization_id: cluster.metadata.organization_id.clone(),
            key_kind: kind,
            created: created.created,
        })
    }

    async fn connect_in_doubt(&self, s: &mut Session, error: Error) -> Result<ConnectOutcome> {
        let kind_scoped = s
            .record
            .intent
            .as_ref()
            .is_some_and(|i| i.has_step(KIND_SCOPED));
        self.recover(s, error.clone()).await?;
        match &s.record.connection {
            Some(c) => Ok(ConnectOutcome {
                cluster_id: c.cluster_id.clone(),
                organization_id: c.organization_id.clone().unwrap_or_default(),
                key_kind: if kind_scoped {
                    KeyKind::ClusterScoped {
                        cluster_id: c.cluster_id.clone(),
                    }
                } else {
                    KeyKind::Organization
                },
                created: false,
            }),
            None => Err(error),
        }
    }

    /// The onboarding body from the local cluster (`GET /` and `GET /_license` in parallel).
    async fn onboarding_body(&self) -> Result<CreateCluster> {
        let (info, license) =
            tokio::join!(self.inner.local.cluster_info(), self.inner.local.license());
        let info = info.map_err(|e| e.context("Failed to fetch cluster information"))?;
        let license = license.map_err(|e| e.context("Failed to fetch license information"))?;
        if info.cluster_uuid.is_empty() || info.cluster_uuid == "_na_" {
            return Err(Error::new(
                ErrorCode::ElasticsearchRejected,
                "the Elasticsearch cluster has not formed yet (cluster_uuid is _na_); try again later",
            )
            .with_retryable(true));
        }
        let license = license.ok_or_else(|| {
            Error::new(
                ErrorCode::ElasticsearchRejected,
                "Elasticsearch reported no license; cannot onboard",
            )
        })?;
        if !license.license_type.is_known() {
            return Err(Error::invalid_input(format!(
                "the local license type {:?} is not one Elastic Cloud accepts",
                license.license_type.as_str()
            )));
        }
        let name = if info.cluster_name.is_empty() {
            info.cluster_uuid.clone()
        } else {
            info.cluster_name.clone()
        };
        Ok(CreateCluster {
            name: None,
            self_managed_cluster: SelfManagedCluster {
                id: info.cluster_uuid,
                name,
                version: info.version,
            },
            license: License {
                license_type: license.license_type,
                uid: license.uid,
            },
        })
    }

    /// Finishes an interrupted `connect` (roll forward: create is idempotent, so asking again
    /// returns the registration, with a fresh key on the organization path).
    pub(crate) async fn reconcile_connect(
        &self,
        s: &mut Session,
        report: &mut ReconcileReport,
    ) -> Result<()> {
        let intent = s.intent_mut()?.clone();
        if s.record.connection.is_some() {
            report.rolled_forward = Some(true);
            report
                .actions
                .push("the connection was already stored".into());
            return Ok(());
        }
        let Some(key) = intent.secrets.get(ONBOARDING_KEY).cloned() else {
            report.rolled_forward = Some(false);
            report
                .actions
                .push("nothing to resume: no onboarding key".into());
            return Ok(());
        };
        let body = self.onboarding_body().await?;
        let org_path = intent.has_step(KIND_ORG);
        let created = self
            .inner
            .cloud
            .create_cluster(&key, &body, org_path)
            .await?;
        let cluster = &created.cluster.cluster;
        let now = now_rfc3339();
        s.record.connection = Some(Connection {
            cluster_id: cluster.id.clone(),
            organization_id: Some(cluster.metadata.organization_id.clone()),
            api_key: created.key.clone().unwrap_or(key),
            created_at: now.clone(),
            updated_at: now,
        });
        let i = s.intent_mut()?;
        i.cluster_id = Some(cluster.id.clone());
        i.steps.push(STORED.to_owned());
        self.persist(s).await?;
        report.rolled_forward = Some(true);
        report.actions.push(format!(
            "finished onboarding: stored the key of cluster {}",
            cluster.id
        ));
        Ok(())
    }
}

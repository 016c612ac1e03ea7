//! `status`: the Cloud's cluster record and the organization's subscription, fetched concurrently.
//! Concurrent callers (many browser tabs polling) share one upstream flight.

use std::sync::{Arc, Mutex};

use tokio::sync::OnceCell;

use super::ServiceManager;
use super::outcomes::Status;
use crate::error::{Error, Result};

/// The slot holding the status read in flight, if any.
pub(crate) type Flight = Mutex<Option<Arc<OnceCell<Result<Status>>>>>;

impl ServiceManager {
    /// The cluster as the Cloud sees it, with the subscription state. A failure to read the
    /// subscription is not fatal (`subscription` is then `None`). Not connected → `not_connected`.
    /// Calls made while another is in flight share its answer.
    pub async fn status(&self) -> Result<Status> {
        let flight = {
            let mut slot = self
                .inner
                .status_flight
                .lock()
                .map_err(|_| Error::internal("status flight lock poisoned"))?;
            slot.get_or_insert_with(|| Arc::new(OnceCell::new()))
                .clone()
        };
        let result = flight.get_or_init(|| self.read_status()).await.clone();
        if let Ok(mut slot) = self.inner.status_flight.lock()
            && slot.as_ref().is_some_and(|f| Arc::ptr_eq(f, &flight))
        {
            *slot = None;
        }
        result
    }

    /// Detaches the status read in flight: callers already waiting on it keep its answer, later
    /// callers start a new read (used after every write, so no one is handed pre-write state).
    pub(crate) fn forget_status_flight(&self) {
        if let Ok(mut slot) = self.inner.status_flight.lock() {
            *slot = None;
        }
    }

    async fn read_status(&self) -> Result<Status> {
        let s = self.read_session().await?;
        let c = s.record.connection.ok_or_else(Error::not_connected)?;
        let cloud = &self.inner.cloud;
        let (cluster, subscription) = match &c.organization_id {
            // The organization id was kept from connect: one round trip, two requests.
            Some(org) => {
                let (cluster, sub) = tokio::join!(
                    cloud.get_cluster(&c.api_key, &c.cluster_id),
                    cloud.get_subscription(&c.api_key, org)
                );
                (cluster?, sub)
            }
            None => {
                let cluster = cloud.get_cluster(&c.api_key, &c.cluster_id).await?;
                let org = cluster.cluster.metadata.organization_id.clone();
                let sub = cloud.get_subscription(&c.api_key, &org).await;
                (cluster, sub)
            }
        };
        let subscription = match subscription {
            Ok(state) => Some(state),
            Err(e) => {
                tracing::warn!(code = %e.code(), "Failed to fetch subscription for organization");
                None
            }
        };
        Ok(Status {
            cluster: cluster.cluster,
            subscription,
        })
    }
}

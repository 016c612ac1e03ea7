//! `status`: the Cloud's cluster record and the organization's subscription, fetched concurrently.

use super::ServiceManager;
use super::outcomes::Status;
use crate::error::{Error, Result};

impl ServiceManager {
    /// The cluster as the Cloud sees it, with the subscription state. A failure to read the
    /// subscription is not fatal (`subscription` is then `None`). Not connected → `not_connected`.
    pub async fn status(&self) -> Result<Status> {
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

//! Loopback HTTP server that can drop a connection without answering.
//!
//! `axum::serve` offers no way for a handler to close the TCP connection without writing a
//! response, which the fault "dropped connection" needs. This module runs its own accept loop and
//! serves each connection with hyper; every request carries a [`ConnectionKiller`] extension. A
//! handler (or the fault middleware) that triggers it makes the connection task drop the hyper
//! connection, which closes the socket with no response bytes written.

use std::net::SocketAddr;
use std::sync::Arc;

use axum::Router;
use hyper::body::Incoming;
use hyper_util::rt::TokioIo;
use hyper_util::service::TowerToHyperService;
use tokio::net::TcpListener;
use tokio::sync::Notify;
use tokio::task::{JoinHandle, JoinSet};

/// Request extension that closes the request's TCP connection without a response.
#[derive(Clone, Debug, Default)]
pub struct ConnectionKiller(Arc<Notify>);

impl ConnectionKiller {
    /// Closes the connection. The caller should then never complete its future
    /// (for example `std::future::pending().await`).
    pub fn kill(&self) {
        self.0.notify_one();
    }
}

/// A running listener; dropping it stops accepting and closes every open connection.
#[derive(Debug)]
pub struct ServerHandle {
    addr: SocketAddr,
    task: JoinHandle<()>,
}

impl ServerHandle {
    /// The bound address (always on 127.0.0.1).
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// `http://127.0.0.1:<port>`.
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }
}

impl Drop for ServerHandle {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// Binds 127.0.0.1 on an ephemeral port and serves `router` on it.
pub async fn serve(router: Router) -> std::io::Result<ServerHandle> {
    let listener = TcpListener::bind(("127.0.0.1", 0)).await?;
    let addr = listener.local_addr()?;
    let task = tokio::spawn(accept_loop(listener, router));
    Ok(ServerHandle { addr, task })
}

async fn accept_loop(listener: TcpListener, router: Router) {
    // Connection tasks live in this set, so aborting the accept loop closes them all.
    let mut connections = JoinSet::new();
    loop {
        tokio::select! {
            accepted = listener.accept() => {
                let Ok((stream, _)) = accepted else { continue };
                let _ = stream.set_nodelay(true);
                connections.spawn(serve_connection(stream, router.clone()));
            }
            Some(_) = connections.join_next(), if !connections.is_empty() => {}
        }
    }
}

async fn serve_connection(stream: tokio::net::TcpStream, router: Router) {
    let killer = ConnectionKiller::default();
    let notify = killer.0.clone();
    let service = tower_service(router, killer);
    let conn = hyper::server::conn::http1::Builder::new()
        .keep_alive(true)
        .serve_connection(TokioIo::new(stream), TowerToHyperService::new(service));
    tokio::select! {
        _ = conn => {}
        // Dropping `conn` here closes the socket without writing anything further.
        _ = notify.notified() => {}
    }
}

fn tower_service(
    router: Router,
    killer: ConnectionKiller,
) -> impl tower::Service<
    hyper::Request<Incoming>,
    Response = axum::response::Response,
    Error = std::convert::Infallible,
    Future = impl Send,
> + Clone {
    tower::service_fn(move |mut req: hyper::Request<Incoming>| {
        req.extensions_mut().insert(killer.clone());
        let router = router.clone();
        async move {
            use tower::ServiceExt;
            router.oneshot(req.map(axum::body::Body::new)).await
        }
    })
}

//! `ghostlines serve`: the HTTP component on hyper/tokio with
//! `wasmtime-wasi-http` — one fresh instance a request from an
//! `InstancePre`, the pooling allocator, a memory cap, and deadlines on
//! the body, the compute and the answer.
//!
//! `limits` holds every limit; `host` runs one request in its instance;
//! `deadlines` is the one mechanism behind the I/O deadlines; `slots`
//! counts the streams at once; this file serves connections.

mod deadlines;
mod host;
mod limits;
mod linger;
mod slots;

pub use deadlines::ConnectionCut;
pub use host::{HttpHost, RequestState};
pub use limits::ServeLimits;
pub use slots::ClientAddr;

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::Context as _;
use tokio::net::TcpListener;
use tokio::sync::watch;
use wasmtime_wasi_http::io::TokioIo;
use wasmtime_wasi_http::p2::body::HyperOutgoingBody;

use crate::app::StaticFiles;
use crate::reply::error_response;

/// Serves `host` (and `app`'s files under `/app/`) on `listener` until
/// `shutdown` resolves, then lets the open connections finish their
/// requests.
pub async fn serve(
    host: Arc<HttpHost>,
    app: Option<StaticFiles>,
    listener: TcpListener,
    shutdown: impl Future<Output = ()>,
    log: bool,
) -> anyhow::Result<()> {
    let (stop_tx, stop_rx) = watch::channel(false);
    let mut connections = tokio::task::JoinSet::new();
    tokio::pin!(shutdown);
    loop {
        let (stream, peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                Err(e) => {
                    // Out of file descriptors and the like: wait and go on.
                    eprintln!("accept failed: {e}");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
            () = &mut shutdown => break,
        };
        while connections.try_join_next().is_some() {}
        let host = host.clone();
        let app = app.clone();
        let mut stop = stop_rx.clone();
        let cut = ConnectionCut::default();
        connections.spawn(async move {
            let off_switch = cut.clone();
            let service = hyper::service::service_fn(move |mut request: hyper::Request<_>| {
                let (host, app) = (host.clone(), app.clone());
                request.extensions_mut().insert(off_switch.clone());
                request.extensions_mut().insert(ClientAddr(peer.ip()));
                async move {
                    Ok::<_, std::convert::Infallible>(
                        handle_logged(&host, app.as_ref(), request, log).await,
                    )
                }
            });
            let connection = hyper::server::conn::http1::Builder::new()
                .keep_alive(true)
                .serve_connection(TokioIo::new(stream), service);
            tokio::pin!(connection);
            let mut stopping = false;
            let result = loop {
                tokio::select! {
                    biased;
                    reason = cut.cut_off() => {
                        // Dropping the connection closes it.
                        if log {
                            eprintln!("{reason}");
                        }
                        return;
                    }
                    result = connection.as_mut() => break result,
                    _ = stop.changed(), if !stopping => {
                        stopping = true;
                        connection.as_mut().graceful_shutdown();
                    }
                }
            };
            if let Err(e) = result
                && log
                && !e.is_incomplete_message()
            {
                eprintln!("connection from {peer}: {e}");
            }
        });
    }
    if log {
        eprintln!(
            "shutting down: finishing {} open connection(s)",
            connections.len()
        );
    }
    let _ = stop_tx.send(true);
    while connections.join_next().await.is_some() {}
    Ok(())
}

async fn handle_logged(
    host: &HttpHost,
    app: Option<&StaticFiles>,
    request: hyper::Request<hyper::body::Incoming>,
    log: bool,
) -> hyper::Response<HyperOutgoingBody> {
    let started = Instant::now();
    let method = request.method().clone();
    let route = request.uri().path().to_string();
    let response = match app {
        Some(app) if StaticFiles::claims(&route) => app.respond(&method, &route).await,
        None if StaticFiles::claims(&route) => error_response(
            404,
            "not-found",
            "no app folder is served: run `npm run build` in web/ and start with --app web/app",
        ),
        _ => host.handle(request).await,
    };
    if log {
        eprintln!(
            "{method} {route} {} {:.1}ms",
            response.status().as_u16(),
            started.elapsed().as_secs_f64() * 1e3
        );
    }
    response
}

/// Binds `addr` (port 0 picks a free one).
pub async fn bind(addr: SocketAddr) -> anyhow::Result<TcpListener> {
    TcpListener::bind(addr)
        .await
        .with_context(|| format!("listening on {addr}"))
}

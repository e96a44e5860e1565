//! [`serve`]: a finished router served with `axum::serve`, stopping gracefully.

use std::future::Future;
use std::io;

use axum::Router;
use tokio::net::TcpListener;

/// Serves `router` (a router completed by [`finish`](super::finish), such as the generated
/// `server::router`) on `listener` with `axum::serve` until `shutdown` completes, then stops
/// accepting, lets every connection finish the request it is serving and returns `Ok`.
///
/// Accept errors (such as running out of file descriptors) are logged and retried after a pause,
/// as `axum::serve` does. A request that hyper's parser refuses before it reaches the router (a
/// malformed request line, a target or headers past hyper's limits) gets hyper's own `400`, `414`
/// or `431` with an empty body; every other answer is the router's Graph-shaped one.
pub async fn serve<F>(listener: TcpListener, router: Router, shutdown: F) -> io::Result<()>
where
    F: Future<Output = ()> + Send + 'static,
{
    axum::serve(listener, router)
        .with_graceful_shutdown(shutdown)
        .await
}

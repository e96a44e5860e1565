//! A generated router served on a loopback port, for tests that drive it with a generated client.

use photo_api::runtime::server as rt;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

/// A server running on 127.0.0.1 until [`Served::stop`].
pub struct Served {
    /// `http://127.0.0.1:<port>`.
    pub origin: String,
    stop: oneshot::Sender<()>,
    task: JoinHandle<std::io::Result<()>>,
}

/// Serves `router` on a free loopback port.
pub async fn serve(router: axum::Router) -> Served {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("a loopback port");
    let origin = format!("http://{}", listener.local_addr().expect("an address"));
    let (stop, stopped) = oneshot::channel::<()>();
    let task = tokio::spawn(rt::serve(listener, router, async {
        let _ = stopped.await;
    }));
    Served { origin, stop, task }
}

impl Served {
    /// Stops the server and waits until it has, checking that it ran cleanly.
    pub async fn stop(self) {
        let _ = self.stop.send(());
        self.task
            .await
            .expect("the server task")
            .expect("the server stops cleanly");
    }
}

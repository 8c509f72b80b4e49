//! Worker threads: each runs a current-thread runtime and owns the sessions handed to it.

use super::Shared;
use super::busy_poll::BusyPoll;
use super::connection;
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::Duration;
use tokio::sync::mpsc;
use tokio::task::{JoinSet, LocalSet};

/// A freshly accepted connection on its way to a worker.
#[derive(Debug)]
pub(crate) enum Incoming {
    /// A TCP connection (TCP_NODELAY already set).
    Tcp(std::net::TcpStream),
    /// A Unix-socket connection.
    Unix(std::os::unix::net::UnixStream),
}

impl Incoming {
    fn as_fd(&self) -> std::os::fd::BorrowedFd<'_> {
        use std::os::fd::AsFd;
        match self {
            Incoming::Tcp(stream) => stream.as_fd(),
            Incoming::Unix(stream) => stream.as_fd(),
        }
    }
}

/// One worker thread and the channel that feeds it connections.
pub(crate) struct Worker {
    sender: mpsc::UnboundedSender<Incoming>,
    thread: JoinHandle<()>,
}

impl Worker {
    /// Starts worker number `index`.
    pub fn start(index: usize, shared: Arc<Shared>) -> std::io::Result<Worker> {
        let (sender, receiver) = mpsc::unbounded_channel();
        let busy_poll = match shared.config.busy_poll {
            budget if budget.is_zero() => None,
            budget => Some(BusyPoll::new(budget, shared.context.clone())?),
        };
        let mut runtime = tokio::runtime::Builder::new_current_thread();
        runtime.enable_all();
        if let Some(poll) = &busy_poll {
            let poll = poll.clone();
            runtime.on_thread_park(move || poll.spin());
        }
        let runtime = runtime.build()?;
        let thread = std::thread::Builder::new()
            .name(format!("pgsqlite-worker-{index}"))
            .spawn(move || {
                // Sessions on this thread count and measure in the server's context.
                shared.context.enter();
                let local = LocalSet::new();
                local.block_on(&runtime, serve(receiver, shared, busy_poll));
            })?;
        Ok(Worker { sender, thread })
    }

    /// Gives the worker a connection to serve.
    pub fn hand_over(&self, incoming: Incoming) {
        if self.sender.send(incoming).is_err() {
            tracing::warn!("worker gone; dropping connection");
        }
    }

    /// Tells the worker no more connections come; returns its thread to join.
    pub fn finish(self) -> JoinHandle<()> {
        drop(self.sender);
        self.thread
    }
}

async fn serve(
    mut receiver: mpsc::UnboundedReceiver<Incoming>,
    shared: Arc<Shared>,
    busy_poll: Option<Arc<BusyPoll>>,
) {
    let mut sessions = JoinSet::new();
    loop {
        tokio::select! {
            incoming = receiver.recv() => match incoming {
                Some(incoming) => {
                    let watch = busy_poll.as_ref().and_then(|poll| {
                        poll.watch(incoming.as_fd())
                            .map_err(|err| tracing::debug!(error = %err, "not busy-polled"))
                            .ok()
                    });
                    sessions.spawn_local(connection::serve(incoming, shared.clone(), watch));
                }
                None => break,
            },
            Some(_) = sessions.join_next(), if !sessions.is_empty() => {}
        }
    }
    // The server has already told sessions to stop and waited for running statements;
    // whatever is left (a client that stopped reading, say) is dropped shortly.
    let _ = tokio::time::timeout(Duration::from_secs(1), async {
        while sessions.join_next().await.is_some() {}
    })
    .await;
    sessions.abort_all();
}

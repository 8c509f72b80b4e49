//! The server: listeners, the accept loop, worker threads, and graceful shutdown.
//!
//! Sessions are pinned to worker threads (`worker.rs`), one current-thread runtime each,
//! so a session's SQLite calls run inline on the thread that owns its socket: no thread
//! hop per query. The accept loop hands each new connection to the next worker.

pub mod admission;
pub(crate) mod busy_poll;
mod connection;
mod services;
mod worker;

use crate::auth::Authenticator;
use crate::cancel::CancelRegistry;
use crate::config::Config;
use crate::context::ServerContext;
use crate::error::Error;
use crate::executor::Database;
use crate::stats::StatsContext;
use admission::Admission;
use std::future::Future;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;
use tokio::net::{TcpListener, UnixListener};
use tokio::sync::watch;
use worker::{Incoming, Worker};

/// What every session of a server shares.
#[derive(Debug)]
pub(crate) struct Shared {
    pub config: Config,
    pub stats: StatsContext,
    pub database: Database,
    pub cancel: CancelRegistry,
    pub shutdown: watch::Receiver<bool>,
    pub auth: Arc<Authenticator>,
    pub admission: Arc<Admission>,
    /// The pool, monitor and counters of this server.
    pub context: Arc<ServerContext>,
    /// The certificate and rustls setup, when TLS is configured.
    #[cfg(feature = "tls")]
    pub tls: Option<crate::tls::TlsServer>,
}

impl Shared {
    /// How TCP clients may connect, for the startup log.
    fn tls_mode(&self) -> &'static str {
        #[cfg(feature = "tls")]
        if self.tls.is_some() {
            return match self.config.require_tls {
                true => "required",
                false => "offered",
            };
        }
        "off"
    }
}

/// A bound server, ready to run.
#[derive(Debug)]
pub struct Server {
    tcp: Option<TcpListener>,
    unix: Option<(UnixListener, PathBuf)>,
    shared: Arc<Shared>,
    stop: watch::Sender<bool>,
}

impl Server {
    /// Opens the database and binds the listeners the configuration asks for, with a
    /// [`ServerContext`] of its own built from the configuration's pool and monitor
    /// settings. Must be called inside a tokio runtime.
    pub async fn bind(config: Config) -> Result<Server, Error> {
        let context = Arc::new(ServerContext::from_config(&config));
        Server::bind_with_context(config, context).await
    }

    /// Like [`bind`](Self::bind), with a context the embedding code built (and may
    /// share between servers, or read itself). The configuration's pool and monitor
    /// settings are then unused.
    pub async fn bind_with_context(
        config: Config,
        context: Arc<ServerContext>,
    ) -> Result<Server, Error> {
        config.check_exposure()?;
        config.validate_tls()?;
        #[cfg(feature = "tls")]
        let tls = crate::tls::TlsServer::from_config(&config)?;
        let auth = Arc::new(config.authenticator()?);
        let admission = Arc::new(Admission::new(config.max_connections));
        let cancel = CancelRegistry::default();
        let database = match &config.database {
            Some(path) => Database::file(path),
            None => Database::memory()?,
        }
        .with_busy_timeout(config.busy_timeout)
        .with_group_commit(config.group_commit)
        .with_exclusive_access(config.exclusive_access);
        let stats = StatsContext {
            strategy: config.writer,
            batching: config.batching.enable_batching && cfg!(feature = "batching"),
            sessions: cancel.clone(),
            group_commit: database.group_commit().cloned(),
            admission: admission.clone(),
            auth: auth.clone(),
            server: context.clone(),
        };
        let provider = stats.clone();
        let database = database.with_stats(Arc::new(move || crate::stats::snapshot(&provider)));
        // Fail now, not at the first client, if the database cannot be opened.
        drop(database.connect()?);

        let tcp = match config.listen {
            Some(ip) => Some(TcpListener::bind(SocketAddr::new(ip, config.port)).await?),
            None => None,
        };
        let unix = match &config.socket_dir {
            Some(dir) => {
                let path = dir.join(format!(".s.PGSQL.{}", config.port));
                if path.exists() {
                    // A stale socket from a previous run; refuse if someone still answers.
                    if std::os::unix::net::UnixStream::connect(&path).is_ok() {
                        return Err(Error::Config {
                            name: "--socket-dir".to_string(),
                            message: format!("{} is in use by another server", path.display()),
                        });
                    }
                    std::fs::remove_file(&path)?;
                }
                Some((UnixListener::bind(&path)?, path))
            }
            None => None,
        };
        let (stop, shutdown) = watch::channel(false);
        Ok(Server {
            tcp,
            unix,
            shared: Arc::new(Shared {
                config,
                database,
                cancel,
                stats,
                shutdown,
                auth,
                admission,
                context,
                #[cfg(feature = "tls")]
                tls,
            }),
            stop,
        })
    }

    /// The TCP address, if listening on TCP (useful with port 0).
    pub fn local_addr(&self) -> Option<SocketAddr> {
        self.tcp.as_ref().and_then(|l| l.local_addr().ok())
    }

    /// The Unix socket path, if any.
    pub fn socket_path(&self) -> Option<&Path> {
        self.unix.as_ref().map(|(_, p)| p.as_path())
    }

    /// The server's pool, monitor and counters.
    pub fn context(&self) -> &Arc<ServerContext> {
        &self.shared.context
    }

    /// Serves until `signal` completes, then shuts down gracefully: stops accepting,
    /// tells idle sessions goodbye (57P01), lets running statements finish for up to the
    /// shutdown timeout, then interrupts what is still running.
    pub async fn run_until(self, signal: impl Future<Output = ()>) -> Result<(), Error> {
        let Server {
            tcp,
            unix,
            shared,
            stop,
        } = self;
        let config = &shared.config;
        let remote = tcp
            .as_ref()
            .and_then(|l| l.local_addr().ok())
            .is_some_and(|a| !a.ip().is_loopback());
        tracing::info!(
            tcp = ?tcp.as_ref().and_then(|l| l.local_addr().ok()),
            unix = ?unix.as_ref().map(|(_, p)| p.display().to_string()),
            auth = %shared.auth.method(),
            tls = shared.tls_mode(),
            reachable_from = if remote { "other hosts" } else { "this host only" },
            max_connections = config.max_connections,
            database = %shared.database.describe(),
            writer = %config.writer,
            workers = config.workers,
            "pgsqlite listening"
        );
        if remote && shared.auth.method() == crate::auth::AuthMethod::Trust {
            tracing::warn!(
                "trust authentication on a non-loopback address (--allow-trust-remote): anyone who can reach the port can read and change the database"
            );
        }
        services::start(
            config,
            &shared.context,
            shared.stats.clone(),
            &shared.shutdown,
        );
        let workers: Vec<Worker> = (0..config.workers.max(1))
            .map(|i| Worker::start(i, shared.clone()))
            .collect::<Result<_, _>>()?;
        let mut next = 0usize;
        let mut dispatch = |incoming: Incoming| {
            workers[next % workers.len()].hand_over(incoming);
            next = next.wrapping_add(1);
        };

        tokio::pin!(signal);
        loop {
            tokio::select! {
                _ = &mut signal => break,
                accepted = accept_tcp(tcp.as_ref()) => match accepted {
                    Ok(stream) => dispatch(Incoming::Tcp(stream)),
                    Err(err) => accept_failed(err).await,
                },
                accepted = accept_unix(unix.as_ref().map(|(l, _)| l)) => match accepted {
                    Ok(stream) => dispatch(Incoming::Unix(stream)),
                    Err(err) => accept_failed(err).await,
                },
            }
        }

        tracing::info!("shutting down");
        drop(tcp);
        if let Some((listener, path)) = unix {
            drop(listener);
            let _ = std::fs::remove_file(path);
        }
        let _ = stop.send(true);
        let timeout = config.shutdown_timeout;
        let deadline = tokio::time::Instant::now() + timeout;
        while !shared.cancel.is_empty() && tokio::time::Instant::now() < deadline {
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        if !shared.cancel.is_empty() {
            tracing::warn!(
                sessions = shared.cancel.len(),
                "interrupting running statements"
            );
            shared.cancel.cancel_all();
        }
        let joins: Vec<_> = workers.into_iter().map(Worker::finish).collect();
        tokio::task::spawn_blocking(move || {
            for join in joins {
                let _ = join.join();
            }
        })
        .await
        .ok();
        shared.context.release_buffers();
        tracing::info!("stopped");
        Ok(())
    }

    /// Starts the server on its own thread, for tests and embedding: returns once it
    /// listens. The server stops when the handle is shut down or dropped.
    pub fn start(config: Config) -> Result<ServerHandle, Error> {
        let context = Arc::new(ServerContext::from_config(&config));
        Server::start_with_context(config, context)
    }

    /// Like [`start`](Self::start), with a context the embedding code built.
    pub fn start_with_context(
        config: Config,
        context: Arc<ServerContext>,
    ) -> Result<ServerHandle, Error> {
        let (ready_tx, ready_rx) = std::sync::mpsc::channel();
        let handle_context = context.clone();
        let (stop_tx, mut stop_rx) = watch::channel(false);
        let thread = std::thread::Builder::new()
            .name("pgsqlite-accept".to_string())
            .spawn(move || -> Result<(), Error> {
                let runtime = tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()?;
                runtime.block_on(async move {
                    let server = match Server::bind_with_context(config, context).await {
                        Ok(server) => server,
                        Err(err) => {
                            let _ = ready_tx.send(Err(err));
                            return Ok(());
                        }
                    };
                    let _ = ready_tx.send(Ok((
                        server.local_addr(),
                        server.socket_path().map(Path::to_path_buf),
                    )));
                    server
                        .run_until(async move {
                            let _ = stop_rx.wait_for(|stop| *stop).await;
                        })
                        .await
                })
            })?;
        let (addr, socket) = ready_rx.recv().map_err(|_| Error::Config {
            name: "server".to_string(),
            message: "server thread ended before listening".to_string(),
        })??;
        Ok(ServerHandle {
            addr,
            socket,
            context: handle_context,
            stop: stop_tx,
            thread: Some(thread),
        })
    }
}

async fn accept_tcp(listener: Option<&TcpListener>) -> std::io::Result<std::net::TcpStream> {
    match listener {
        Some(l) => {
            let (stream, _) = l.accept().await?;
            stream.set_nodelay(true)?;
            stream.into_std()
        }
        None => std::future::pending().await,
    }
}

async fn accept_unix(
    listener: Option<&UnixListener>,
) -> std::io::Result<std::os::unix::net::UnixStream> {
    match listener {
        Some(l) => l.accept().await?.0.into_std(),
        None => std::future::pending().await,
    }
}

/// Accept errors (too many open files, a connection reset before accept) must not end
/// the server; pause briefly so a persistent one does not spin.
async fn accept_failed(err: std::io::Error) {
    tracing::warn!(error = %err, "accept failed");
    tokio::time::sleep(Duration::from_millis(50)).await;
}

/// A running server started with [`Server::start`].
#[derive(Debug)]
pub struct ServerHandle {
    addr: Option<SocketAddr>,
    socket: Option<PathBuf>,
    context: Arc<ServerContext>,
    stop: watch::Sender<bool>,
    thread: Option<std::thread::JoinHandle<Result<(), Error>>>,
}

impl ServerHandle {
    /// The TCP address the server listens on.
    pub fn local_addr(&self) -> Option<SocketAddr> {
        self.addr
    }

    /// The Unix socket path, if any.
    pub fn socket_path(&self) -> Option<&Path> {
        self.socket.as_deref()
    }

    /// The server's pool, monitor and counters.
    pub fn context(&self) -> &Arc<ServerContext> {
        &self.context
    }

    /// Shuts the server down gracefully and waits for it.
    pub fn shutdown(mut self) -> Result<(), Error> {
        self.stop_and_join()
    }

    fn stop_and_join(&mut self) -> Result<(), Error> {
        let _ = self.stop.send(true);
        match self.thread.take() {
            Some(thread) => thread.join().unwrap_or(Ok(())),
            None => Ok(()),
        }
    }
}

impl Drop for ServerHandle {
    fn drop(&mut self) {
        let _ = self.stop_and_join();
    }
}

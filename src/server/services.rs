//! Server-wide background services: the memory monitor's periodic check, and the
//! statistics log.

use crate::config::Config;
use crate::context::ServerContext;
use crate::stats::{StatsContext, snapshot};
use std::time::Duration;
use tokio::sync::watch;

/// Starts the periodic tasks of a server with `server`'s monitor: the monitor's checks
/// (feature `monitor`) and, when `config` asks for monitoring, the statistics log. They
/// end when `stop` turns true.
#[cfg_attr(not(feature = "monitor"), allow(unused_variables))]
pub(crate) fn start(
    config: &Config,
    server: &ServerContext,
    context: StatsContext,
    stop: &watch::Receiver<bool>,
) {
    #[cfg(feature = "monitor")]
    {
        let monitor = server.monitor();
        let mut stop = stop.clone();
        tokio::spawn(async move {
            monitor
                .run(async move {
                    let _ = stop.wait_for(|s| *s).await;
                })
                .await;
        });
    }
    let log =
        config.buffer_pool.enable_monitoring || config.memory_monitor.enable_detailed_monitoring;
    if log {
        let every = config
            .memory_monitor
            .check_interval
            .max(Duration::from_secs(1));
        let mut stop = stop.clone();
        tokio::spawn(async move {
            let mut ticks = tokio::time::interval(every);
            ticks.tick().await;
            loop {
                tokio::select! {
                    _ = ticks.tick() => {
                        let rows = snapshot(&context);
                        let line: Vec<String> = rows.iter().map(|(n, v)| format!("{n}={v}")).collect();
                        tracing::info!(target: "pgsqlite::stats", "{}", line.join(" "));
                    }
                    _ = stop.wait_for(|s| *s) => break,
                }
            }
        });
    }
}

//! Server-wide background services: the buffer pool and memory monitor set up from the
//! configuration, the monitor's periodic check, and the statistics log.

use crate::config::Config;
use crate::stats::{StatsContext, snapshot};
use std::time::Duration;
use tokio::sync::watch;

/// Configures the process-wide pool and monitor from `config` (the first server in a
/// process wins; later ones share them) and starts the periodic tasks, which end when
/// `stop` turns true.
pub(crate) fn start(config: &Config, context: StatsContext, stop: &watch::Receiver<bool>) {
    #[cfg(feature = "pooling")]
    if crate::memory::init_global_buffer_pool(config.buffer_pool.clone()).is_err() {
        tracing::debug!("buffer pool already configured by an earlier server in this process");
    }
    #[cfg(feature = "monitor")]
    {
        let monitor = match crate::memory::init_global_memory_monitor(config.memory_monitor.clone())
        {
            Ok(monitor) | Err(monitor) => monitor,
        };
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

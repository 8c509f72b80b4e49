//! The `pgsqlite` command: parse the configuration, set up logging, serve until
//! SIGINT or SIGTERM.

use pgsqlite::config::{Command, Config};
use pgsqlite::{Error, Server};
use std::process::ExitCode;

fn main() -> ExitCode {
    let command = match Config::from_args(std::env::args().skip(1), |name| std::env::var(name).ok())
    {
        Ok(command) => command,
        Err(err) => {
            eprintln!("pgsqlite: {err}");
            return ExitCode::from(2);
        }
    };
    let config = match command {
        Command::Print(text) => {
            println!("{text}");
            return ExitCode::SUCCESS;
        }
        Command::Serve(config) => *config,
    };
    tracing_subscriber::fmt()
        .with_max_level(config.log_level)
        .with_target(false)
        .with_writer(std::io::stderr)
        .init();
    for note in &config.notes {
        tracing::warn!("{note}");
    }
    match run(config) {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("pgsqlite: {err}");
            ExitCode::FAILURE
        }
    }
}

fn run(config: Config) -> Result<(), Error> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    runtime.block_on(async {
        let server = Server::bind(config).await?;
        server.run_until(shutdown_signal()).await
    })
}

/// Completes on SIGINT or SIGTERM.
async fn shutdown_signal() {
    use tokio::signal::unix::{SignalKind, signal};
    let mut term = match signal(SignalKind::terminate()) {
        Ok(term) => term,
        Err(err) => {
            tracing::warn!(error = %err, "cannot watch SIGTERM");
            let _ = tokio::signal::ctrl_c().await;
            return;
        }
    };
    tokio::select! {
        _ = tokio::signal::ctrl_c() => {}
        _ = term.recv() => {}
    }
}

//! The `pgsqlite` command: parse the configuration, set up logging, serve until
//! SIGINT or SIGTERM; or, as `pgsqlite passwd`, write a user's SCRAM verifier.

use pgsqlite::auth::scram::ScramVerifier;
use pgsqlite::auth::users::write_entry;
use pgsqlite::config::{Command, Config};
use pgsqlite::{Error, Server};
use std::io::{BufRead, IsTerminal, Write};
use std::path::Path;
use std::process::ExitCode;

fn main() -> ExitCode {
    // clap reads the command line and the `PGSQLITE_*` variables of the environment.
    let command = match Config::from_args(std::env::args().skip(1), |_| None) {
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
        Command::Passwd { users_file, user } => return passwd(&users_file, &user),
    };
    tracing_subscriber::fmt()
        .with_max_level(config.log_level)
        .with_target(false)
        .with_ansi(std::io::stderr().is_terminal())
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

/// `pgsqlite passwd`: reads the password (twice from a terminal, with echo off; one line
/// from a pipe) and writes `user`'s SCRAM-SHA-256 verifier into the users file.
fn passwd(users_file: &Path, user: &str) -> ExitCode {
    let password = match read_password(user) {
        Ok(password) => password,
        Err(err) => {
            eprintln!("pgsqlite passwd: {err}");
            return ExitCode::FAILURE;
        }
    };
    let verifier = match ScramVerifier::new(&password) {
        Ok(verifier) => verifier,
        Err(err) => {
            eprintln!("pgsqlite passwd: no random salt: {err}");
            return ExitCode::FAILURE;
        }
    };
    match write_entry(users_file, user, &verifier) {
        Ok(()) => {
            eprintln!(
                "pgsqlite passwd: wrote the SCRAM-SHA-256 verifier of \"{user}\" to {}",
                users_file.display()
            );
            ExitCode::SUCCESS
        }
        Err(err) => {
            eprintln!("pgsqlite passwd: {err}");
            ExitCode::FAILURE
        }
    }
}

fn read_password(user: &str) -> Result<String, String> {
    let stdin = std::io::stdin();
    if !stdin.is_terminal() {
        let mut line = String::new();
        stdin
            .lock()
            .read_line(&mut line)
            .map_err(|e| format!("cannot read the password from stdin: {e}"))?;
        let password = line.trim_end_matches(['\n', '\r']).to_string();
        if password.is_empty() {
            return Err("empty password on stdin".to_string());
        }
        return Ok(password);
    }
    let first = prompt(&format!("Password for \"{user}\": "))?;
    let second = prompt("Enter it again: ")?;
    if first != second {
        return Err("passwords didn't match".to_string());
    }
    if first.is_empty() {
        return Err("empty password".to_string());
    }
    Ok(first)
}

/// Asks on stderr and reads a line from the terminal with echo turned off (by `stty`).
fn prompt(text: &str) -> Result<String, String> {
    let stty = |arg: &str| {
        std::process::Command::new("stty")
            .arg(arg)
            .stdin(std::process::Stdio::inherit())
            .status()
            .is_ok_and(|s| s.success())
    };
    eprint!("{text}");
    let _ = std::io::stderr().flush();
    let silent = stty("-echo");
    let mut line = String::new();
    let read = std::io::stdin().lock().read_line(&mut line);
    if silent {
        stty("echo");
    }
    eprintln!();
    read.map_err(|e| format!("cannot read the password: {e}"))?;
    Ok(line.trim_end_matches(['\n', '\r']).to_string())
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

//! The `pgsqlite` command line through the real binary: `--help`, errors naming the
//! option or variable at fault, and a flag beating its `PGSQLITE_*` variable, which in
//! turn beats the default.

use std::process::{Child, Command, Output};
use std::time::{Duration, Instant};

const BIN: &str = env!("CARGO_BIN_EXE_pgsqlite");

/// The binary with none of the caller's `PGSQLITE_*` variables, and `env` set.
fn pgsqlite(env: &[(&str, &str)]) -> Command {
    let mut cmd = Command::new(BIN);
    for (name, _) in std::env::vars_os() {
        if name.to_string_lossy().starts_with("PGSQLITE_") {
            cmd.env_remove(name);
        }
    }
    cmd.envs(env.iter().copied());
    cmd
}

/// Runs a command that must end on its own (help, a refused configuration).
fn run(cmd: &mut Command) -> (Option<i32>, String, String) {
    let Output {
        status,
        stdout,
        stderr,
    } = cmd.output().expect("pgsqlite runs");
    (
        status.code(),
        String::from_utf8_lossy(&stdout).into_owned(),
        String::from_utf8_lossy(&stderr).into_owned(),
    )
}

#[test]
fn help_lists_flags_with_their_variables_and_hides_the_password() {
    let (code, out, _) = run(pgsqlite(&[("PGSQLITE_PASSWORD", "s3cret-value")]).arg("--help"));
    assert_eq!(code, Some(0));
    for text in [
        "--port",
        "PGSQLITE_PORT",
        "--max-connections",
        "PGSQLITE_MAX_CONNECTIONS",
        "--buffer-pool-size",
        "PGSQLITE_BUFFER_POOL_SIZE",
        "passwd",
    ] {
        assert!(out.contains(text), "{text} missing from:\n{out}");
    }
    assert!(!out.contains("s3cret-value"), "help shows the password");
    let (code, out, _) = run(pgsqlite(&[]).arg("--version"));
    assert_eq!(code, Some(0));
    assert!(out.contains(env!("CARGO_PKG_VERSION")), "{out}");
}

#[test]
fn errors_name_the_option_or_the_variable() {
    for (env, args, name) in [
        (&[][..], &["--bogus"][..], "--bogus"),
        (&[], &["--port"], "--port"),
        (&[], &["--workers", "0"], "--workers"),
        (&[("PGSQLITE_WORKERS", "0")], &[], "PGSQLITE_WORKERS"),
        (&[("PGSQLITE_PORT", "eighty")], &[], "PGSQLITE_PORT"),
        // The flag wins: the variable's bad value is never used, the flag's is.
        (
            &[("PGSQLITE_PORT", "eighty")],
            &["--port", "99999"],
            "--port",
        ),
        (
            &[("PGSQLITE_AUTO_CLEANUP", "maybe")],
            &[],
            "PGSQLITE_AUTO_CLEANUP",
        ),
    ] {
        let (code, _, err) = run(pgsqlite(env).args(args));
        assert_eq!(code, Some(2), "{env:?} {args:?}: {err}");
        assert!(
            err.contains(name),
            "{env:?} {args:?} should name {name}: {err}"
        );
        if name == "--port" && !env.is_empty() {
            assert!(!err.contains("PGSQLITE_PORT"), "{err}");
        }
    }
    let (code, _, err) = run(pgsqlite(&[]).args(["passwd"]));
    assert_eq!(code, Some(2), "{err}");
    assert!(err.contains("USER"), "{err}");
}

/// Kills the server when the test ends, however it ends.
struct Running(Child);

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[test]
fn a_flag_beats_its_variable_which_beats_the_default() {
    let dir = tempfile::tempdir().unwrap();
    let socket_dir = dir.path().to_str().unwrap();
    // The socket directory and "no TCP" come from variables, the port from both: the
    // flag's port must win.
    let server = pgsqlite(&[
        ("PGSQLITE_SOCKET_DIR", socket_dir),
        ("PGSQLITE_LISTEN", "none"),
        ("PGSQLITE_PORT", "6101"),
        ("PGSQLITE_LOG_LEVEL", "warn"),
    ])
    .args(["--port", "6102"])
    .spawn()
    .expect("pgsqlite starts");
    let _server = Running(server);
    let chosen = dir.path().join(".s.PGSQL.6102");
    let deadline = Instant::now() + Duration::from_secs(20);
    while !chosen.exists() {
        assert!(
            Instant::now() < deadline,
            "no socket at {}",
            chosen.display()
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    assert!(!dir.path().join(".s.PGSQL.6101").exists());
    std::os::unix::net::UnixStream::connect(&chosen).expect("the server answers");
}

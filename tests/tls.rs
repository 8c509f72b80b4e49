//! TLS through the real server (feature `tls`): psql with `sslmode=require` and
//! `verify-full`, psycopg 3 with SCRAM-SHA-256-PLUS (`channel_binding=require`), the
//! `--require-tls` refusal, PostgreSQL 17's direct TLS with and without ALPN, channel
//! binding refusing a downgrade, and a recording relay proving that the bytes on the wire
//! are encrypted. The certificates are made by the test: a CA and a certificate for
//! localhost / 127.0.0.1 it signs, written to a temporary directory.

#![cfg(feature = "tls")]

mod common;

use bytes::BytesMut;
use common::raw::{error_field, read_until, tags};
use common::start_with;
use pgsqlite::config::Password;
use pgsqlite::{Config, ServerHandle};
use postgres_protocol::message::frontend;
use rustls::pki_types::{CertificateDer, ServerName};
use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tempfile::TempDir;

const BIN: &str = env!("CARGO_BIN_EXE_pgsqlite");
const MANIFEST_DIR: &str = env!("CARGO_MANIFEST_DIR");
const TIMEOUT: Duration = Duration::from_secs(60);

/// A CA and a server certificate it signed, as PEM files in a temporary directory.
struct Pki {
    dir: TempDir,
    ca: CertificateDer<'static>,
}

impl Pki {
    fn new() -> Pki {
        use rcgen::{
            BasicConstraints, CertificateParams, CertifiedIssuer, DnType, IsCa, KeyPair,
            KeyUsagePurpose,
        };
        let mut params = CertificateParams::new(Vec::<String>::new()).unwrap();
        params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        params
            .distinguished_name
            .push(DnType::CommonName, "pgsqlite test CA");
        params.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
        let ca = CertifiedIssuer::self_signed(params, KeyPair::generate().unwrap()).unwrap();
        let mut params =
            CertificateParams::new(vec!["localhost".to_string(), "127.0.0.1".to_string()]).unwrap();
        params
            .distinguished_name
            .push(DnType::CommonName, "localhost");
        let key = KeyPair::generate().unwrap();
        let cert = params.signed_by(&key, &ca).unwrap();
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("ca.pem"), ca.pem()).unwrap();
        std::fs::write(dir.path().join("server.pem"), cert.pem()).unwrap();
        std::fs::write(dir.path().join("server.key"), key.serialize_pem()).unwrap();
        // An unrelated CA, for a client that must refuse the server's certificate.
        let other = CertifiedIssuer::self_signed(
            {
                let mut p = CertificateParams::new(Vec::<String>::new()).unwrap();
                p.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
                p
            },
            KeyPair::generate().unwrap(),
        )
        .unwrap();
        std::fs::write(dir.path().join("other-ca.pem"), other.pem()).unwrap();
        Pki {
            ca: ca.der().clone(),
            dir,
        }
    }

    fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    /// Configures `config` with the server certificate.
    fn configure(&self, config: &mut Config) {
        config.tls_cert = Some(self.path("server.pem"));
        config.tls_key = Some(self.path("server.key"));
    }
}

/// An in-process server with TLS, user `alice` / password `secret` (SCRAM-SHA-256), and
/// `edit` applied.
fn server(pki: &Pki, edit: impl FnOnce(&mut Config)) -> ServerHandle {
    start_with(|c| {
        pki.configure(c);
        c.user = Some("alice".to_string());
        c.password = Some(Password("secret".to_string()));
        edit(c);
    })
}

/// Runs `cmd` to completion (killed after `TIMEOUT`).
fn run(cmd: &mut Command) -> Output {
    let mut child = cmd
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("cannot run {cmd:?}: {e}"));
    let started = Instant::now();
    while child.try_wait().unwrap().is_none() {
        if started.elapsed() > TIMEOUT {
            let _ = child.kill();
            break;
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    child.wait_with_output().unwrap()
}

fn describe(output: &Output) -> String {
    format!(
        "status: {}\n--- stdout ---\n{}\n--- stderr ---\n{}",
        output.status,
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    )
}

/// A command with none of the caller's `PG*` settings.
fn clean(program: impl AsRef<std::ffi::OsStr>) -> Command {
    let mut cmd = Command::new(program);
    for (name, _) in std::env::vars_os() {
        if name.to_string_lossy().starts_with("PG") {
            cmd.env_remove(name);
        }
    }
    cmd.env("LC_ALL", "C.UTF-8").env("PGCONNECT_TIMEOUT", "10");
    cmd
}

/// psql running `sql` with connection string `conninfo` (password `secret`).
fn psql(conninfo: &str, sql: &str) -> Output {
    let mut cmd = clean("psql");
    cmd.args([
        "-X",
        "-A",
        "-t",
        "-v",
        "ON_ERROR_STOP=1",
        "-d",
        conninfo,
        "-c",
        sql,
    ])
    .env("PGPASSWORD", "secret");
    run(&mut cmd)
}

fn psql_ok(conninfo: &str, sql: &str) -> String {
    let output = psql(conninfo, sql);
    assert!(output.status.success(), "{conninfo}\n{}", describe(&output));
    String::from_utf8_lossy(&output.stdout).into_owned()
}

fn conninfo(addr: SocketAddr, extra: &str) -> String {
    format!(
        "host={} port={} user=alice dbname=test {extra}",
        addr.ip(),
        addr.port()
    )
}

#[test]
fn psql_with_sslmode_require_and_verify_full() {
    let pki = Pki::new();
    let server = server(&pki, |_| {});
    let addr = server.local_addr().unwrap();
    // \conninfo tells whether libpq negotiated TLS.
    let out = psql_ok(&conninfo(addr, "sslmode=require"), "\\conninfo");
    assert!(out.contains("SSL connection (protocol: TLSv1."), "{out}");
    assert_eq!(
        psql_ok(&conninfo(addr, "sslmode=require"), "SELECT 40 + 2").trim(),
        "42"
    );

    // verify-full: the chain ends at the CA, and the name matches (IP and DNS names).
    let root = pki.path("ca.pem");
    let verify = format!("sslmode=verify-full sslrootcert={}", root.display());
    let out = psql_ok(&conninfo(addr, &verify), "\\conninfo");
    assert!(out.contains("SSL connection"), "{out}");
    let by_name = format!(
        "host=localhost port={} user=alice dbname=test {verify}",
        addr.port()
    );
    assert_eq!(psql_ok(&by_name, "SELECT 'named'").trim(), "named");

    // A client trusting another CA refuses the certificate.
    let wrong = format!(
        "sslmode=verify-full sslrootcert={}",
        pki.path("other-ca.pem").display()
    );
    let output = psql(&conninfo(addr, &wrong), "SELECT 1");
    assert!(!output.status.success(), "{}", describe(&output));
    assert!(
        String::from_utf8_lossy(&output.stderr).contains("certificate verify failed"),
        "{}",
        describe(&output)
    );

    // Without the feature's `--require-tls`, plaintext still works.
    assert_eq!(
        psql_ok(&conninfo(addr, "sslmode=disable"), "SELECT 'plain'").trim(),
        "plain"
    );
}

#[test]
fn require_tls_refuses_a_plaintext_client_with_28000() {
    let pki = Pki::new();
    let server = server(&pki, |c| c.require_tls = true);
    let addr = server.local_addr().unwrap();
    let output = psql(&conninfo(addr, "sslmode=disable"), "SELECT 1");
    assert!(!output.status.success(), "{}", describe(&output));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("FATAL:  TLS is required")
            && stderr.contains("user \"alice\", database \"test\", no encryption"),
        "{}",
        describe(&output)
    );
    // The SQLSTATE, from a raw plaintext startup.
    let mut stream = TcpStream::connect(addr).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    stream.write_all(&startup("alice")).unwrap();
    let messages = read_until(&mut stream, b'E');
    let last = messages.last().expect("an error");
    assert_eq!(last.0, b'E');
    assert_eq!(error_field(last, b'C').as_deref(), Some("28000"));
    assert_eq!(error_field(last, b'S').as_deref(), Some("FATAL"));

    // The same client with TLS gets in.
    assert_eq!(
        psql_ok(&conninfo(addr, "sslmode=require"), "SELECT 'tls'").trim(),
        "tls"
    );
}

#[test]
fn a_full_server_tells_a_tls_client_why() {
    let pki = Pki::new();
    let server = server(&pki, |c| {
        c.max_connections = 1;
        c.auth_method = Some(pgsqlite::auth::AuthMethod::Trust);
        c.user = None;
        c.password = None;
    });
    let addr = server.local_addr().unwrap();
    let _holder = common::raw::ready(&server);
    // The refusal is negotiated over TLS too, so sslmode=require reads the reason.
    let output = psql(&conninfo(addr, "sslmode=require"), "SELECT 1");
    assert!(!output.status.success(), "{}", describe(&output));
    assert!(
        String::from_utf8_lossy(&output.stderr).contains("sorry, too many clients already"),
        "{}",
        describe(&output)
    );
}

fn startup(user: &str) -> Vec<u8> {
    let mut buf = BytesMut::new();
    frontend::startup_message([("user", user), ("database", "test")], &mut buf).unwrap();
    buf.to_vec()
}

/// A TCP relay between clients and `target` that records every byte, both ways.
struct Relay {
    addr: SocketAddr,
    seen: Arc<Mutex<Vec<u8>>>,
}

impl Relay {
    fn start(target: SocketAddr) -> Relay {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap();
        let seen = Arc::new(Mutex::new(Vec::new()));
        let record = seen.clone();
        std::thread::spawn(move || {
            for client in listener.incoming() {
                let Ok(client) = client else { return };
                let Ok(upstream) = TcpStream::connect(target) else {
                    return;
                };
                for (from, to) in [
                    (client.try_clone().unwrap(), upstream.try_clone().unwrap()),
                    (upstream, client),
                ] {
                    let record = record.clone();
                    std::thread::spawn(move || pump(from, to, &record));
                }
            }
        });
        Relay { addr, seen }
    }

    fn take(&self) -> Vec<u8> {
        std::mem::take(&mut self.seen.lock().unwrap())
    }
}

fn pump(mut from: TcpStream, mut to: TcpStream, record: &Mutex<Vec<u8>>) {
    let mut buf = [0u8; 16 * 1024];
    loop {
        match from.read(&mut buf) {
            Ok(0) | Err(_) => break,
            Ok(n) => {
                record.lock().unwrap().extend_from_slice(&buf[..n]);
                if to.write_all(&buf[..n]).is_err() {
                    break;
                }
            }
        }
    }
    let _ = to.shutdown(std::net::Shutdown::Write);
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

#[test]
fn traffic_is_encrypted_on_the_wire() {
    let pki = Pki::new();
    let server = server(&pki, |_| {});
    let relay = Relay::start(server.local_addr().unwrap());
    let literal = "pgsqlite-wire-secret-8c1f";
    let sql = format!("SELECT '{literal}' || '-answer'");

    // Control: without TLS the literal, the answer and the user name cross in clear.
    let out = psql_ok(&conninfo(relay.addr, "sslmode=disable"), &sql);
    assert!(out.contains("-answer"), "{out}");
    let clear = relay.take();
    assert!(contains(&clear, literal.as_bytes()), "control: plaintext");
    assert!(contains(&clear, b"-answer"));

    let out = psql_ok(&conninfo(relay.addr, "sslmode=require"), &sql);
    assert!(out.contains(&format!("{literal}-answer")), "{out}");
    let wire = relay.take();
    assert!(wire.len() > 1000, "the session went through the relay");
    assert!(
        !contains(&wire, literal.as_bytes()),
        "the query is encrypted"
    );
    assert!(!contains(&wire, b"-answer"), "the result is encrypted");
    assert!(
        !contains(&wire, b"alice"),
        "the startup packet is encrypted"
    );
}

/// A rustls client trusting the test CA, offering `alpn`.
fn tls_client(pki: &Pki, alpn: &[&[u8]]) -> Arc<rustls::ClientConfig> {
    let mut roots = rustls::RootCertStore::empty();
    roots.add(pki.ca.clone()).unwrap();
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let mut config = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_root_certificates(roots)
        .with_no_client_auth();
    config.alpn_protocols = alpn.iter().map(|p| p.to_vec()).collect();
    Arc::new(config)
}

type TlsStream = rustls::StreamOwned<rustls::ClientConnection, TcpStream>;

/// Connects over TLS: with an SSLRequest first, or directly (PostgreSQL 17's
/// `sslnegotiation=direct`).
fn connect_tls(addr: SocketAddr, config: Arc<rustls::ClientConfig>, direct: bool) -> TlsStream {
    let tcp = TcpStream::connect(addr).unwrap();
    tls_over(tcp, config, direct)
}

/// Negotiates TLS on `tcp` (see [`connect_tls`]).
fn tls_over(mut tcp: TcpStream, config: Arc<rustls::ClientConfig>, direct: bool) -> TlsStream {
    tcp.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    if !direct {
        tcp.write_all(&[0, 0, 0, 8, 0x04, 0xd2, 0x16, 0x2f])
            .unwrap();
        let mut answer = [0u8; 1];
        tcp.read_exact(&mut answer).unwrap();
        assert_eq!(answer[0], b'S', "SSLRequest is accepted");
    }
    let name = ServerName::try_from("localhost").unwrap();
    let connection = rustls::ClientConnection::new(config, name).unwrap();
    rustls::StreamOwned::new(connection, tcp)
}

/// The mechanisms of an AuthenticationSASL message.
fn mechanisms(message: &common::raw::Message) -> Vec<String> {
    assert_eq!(message.0, b'R');
    assert_eq!(&message.1[..4], &10u32.to_be_bytes(), "AuthenticationSASL");
    message.1[4..]
        .split(|b| *b == 0)
        .filter(|m| !m.is_empty())
        .map(|m| String::from_utf8_lossy(m).into_owned())
        .collect()
}

#[test]
fn scram_plus_is_offered_over_tls_only_and_downgrades_are_refused() {
    let pki = Pki::new();
    let server = server(&pki, |_| {});
    let addr = server.local_addr().unwrap();

    let mut plain = TcpStream::connect(addr).unwrap();
    plain
        .set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    plain.write_all(&startup("alice")).unwrap();
    let offer = read_until(&mut plain, b'R');
    assert_eq!(mechanisms(&offer[0]), ["SCRAM-SHA-256"]);

    let mut tls = connect_tls(addr, tls_client(&pki, &[]), false);
    tls.write_all(&startup("alice")).unwrap();
    let offer = read_until(&mut tls, b'R');
    assert_eq!(
        mechanisms(&offer[0]),
        ["SCRAM-SHA-256-PLUS", "SCRAM-SHA-256"]
    );
    // The client claims it could bind but believes the server cannot ('y'): someone
    // removed -PLUS from the offer. Refused as PostgreSQL does.
    let mut buf = BytesMut::new();
    frontend::sasl_initial_response("SCRAM-SHA-256", b"y,,n=,r=abcdefgh", &mut buf).unwrap();
    tls.write_all(&buf).unwrap();
    let answer = read_until(&mut tls, b'E');
    let error = answer.last().unwrap();
    assert_eq!(error.0, b'E', "{}", tags(&answer));
    assert_eq!(error_field(error, b'C').as_deref(), Some("08P01"));
    assert_eq!(
        error_field(error, b'M').as_deref(),
        Some("SCRAM channel binding negotiation error")
    );

    // On plaintext, 'y' is what a binding-capable client says, and -PLUS is not there
    // to select.
    let mut plain = TcpStream::connect(addr).unwrap();
    plain
        .set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    plain.write_all(&startup("alice")).unwrap();
    read_until(&mut plain, b'R');
    let mut buf = BytesMut::new();
    frontend::sasl_initial_response(
        "SCRAM-SHA-256-PLUS",
        b"p=tls-server-end-point,,n=,r=a",
        &mut buf,
    )
    .unwrap();
    plain.write_all(&buf).unwrap();
    let answer = read_until(&mut plain, b'E');
    assert_eq!(
        error_field(answer.last().unwrap(), b'M').as_deref(),
        Some("client selected an invalid SASL authentication mechanism")
    );
}

#[test]
fn direct_tls_needs_alpn_postgresql() {
    let pki = Pki::new();
    let server = start_with(|c| pki.configure(c));
    let addr = server.local_addr().unwrap();
    let mut tls = connect_tls(addr, tls_client(&pki, &[b"postgresql"]), true);
    tls.write_all(&startup("test")).unwrap();
    let messages = read_until(&mut tls, b'Z');
    assert_eq!(
        messages.last().map(|m| m.0),
        Some(b'Z'),
        "{}",
        tags(&messages)
    );
    assert_eq!(tls.conn.alpn_protocol(), Some(&b"postgresql"[..]));
    let mut buf = BytesMut::new();
    frontend::query("SELECT 'direct'", &mut buf).unwrap();
    tls.write_all(&buf).unwrap();
    let rows = read_until(&mut tls, b'Z');
    assert!(
        rows.iter()
            .any(|m| m.0 == b'D' && contains(&m.1, b"direct")),
        "{}",
        tags(&rows)
    );

    // Without ALPN the server completes the handshake, then closes.
    let mut tls = connect_tls(addr, tls_client(&pki, &[]), true);
    let _ = tls.write_all(&startup("test"));
    let mut rest = Vec::new();
    let _ = tls.read_to_end(&mut rest);
    assert!(rest.is_empty(), "nothing served without ALPN: {rest:?}");

    // The server keeps serving.
    let mut tls = connect_tls(addr, tls_client(&pki, &[b"postgresql"]), false);
    tls.write_all(&startup("test")).unwrap();
    assert_eq!(read_until(&mut tls, b'Z').last().map(|m| m.0), Some(b'Z'));
}

#[test]
fn gssenc_request_is_refused_then_ssl_request_accepted() {
    // libpq with GSSAPI credentials asks for GSS encryption first (gssencmode=prefer).
    let pki = Pki::new();
    let server = start_with(|c| pki.configure(c));
    let mut tcp = TcpStream::connect(server.local_addr().unwrap()).unwrap();
    tcp.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    tcp.write_all(&[0, 0, 0, 8, 0x04, 0xd2, 0x16, 0x30])
        .unwrap();
    let mut answer = [0u8; 1];
    tcp.read_exact(&mut answer).unwrap();
    assert_eq!(answer[0], b'N', "no GSS encryption");
    let mut tls = tls_over(tcp, tls_client(&pki, &[]), false);
    tls.write_all(&startup("test")).unwrap();
    assert_eq!(read_until(&mut tls, b'Z').last().map(|m| m.0), Some(b'Z'));
}

#[tokio::test]
async fn tokio_postgres_over_tls_with_channel_binding() {
    let pki = Pki::new();
    let server = server(&pki, |_| {});
    let port = server.local_addr().unwrap().port();
    // rustls always verifies the certificate and the name: verify-full.
    let tls = tokio_postgres_rustls::MakeRustlsConnect::new((*tls_client(&pki, &[])).clone());
    for (host, binding) in [("localhost", "require"), ("127.0.0.1", "disable")] {
        let params = format!(
            "host={host} port={port} user=alice password=secret dbname=test \
             sslmode=require channel_binding={binding}"
        );
        let (client, connection) = tokio_postgres::connect(&params, tls.clone())
            .await
            .unwrap_or_else(|e| panic!("{params}: {e}"));
        tokio::spawn(connection);
        let row = client.query_one("SELECT $1::text || '!'", &[&"tls"]).await;
        assert_eq!(row.unwrap().get::<_, String>(0), "tls!");
    }
    // A client that trusts another CA refuses the server.
    let mut roots = rustls::RootCertStore::empty();
    let other = std::fs::read(pki.path("other-ca.pem")).unwrap();
    use rustls::pki_types::pem::PemObject;
    roots
        .add(CertificateDer::from_pem_slice(&other).unwrap())
        .unwrap();
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let config = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_root_certificates(roots)
        .with_no_client_auth();
    let params = format!("host=localhost port={port} user=alice password=secret sslmode=require");
    let refused = tokio_postgres::connect(
        &params,
        tokio_postgres_rustls::MakeRustlsConnect::new(config),
    )
    .await;
    assert!(refused.is_err(), "an unknown CA must not be trusted");
}

/// The Python of the repository's venv, or `None` (skipping) outside CI.
fn python() -> Option<PathBuf> {
    let python = std::env::var_os("PGSQLITE_PYTHON")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(MANIFEST_DIR).join(".venv/bin/python"));
    if python.exists() {
        return Some(python);
    }
    let message = format!(
        "{} not found: run `bash scripts/setup-python.sh` (or set PGSQLITE_PYTHON)",
        python.display()
    );
    if std::env::var_os("CI").is_some() {
        panic!("{message}");
    }
    eprintln!("SKIPPED psycopg test: {message}");
    None
}

#[test]
fn psycopg_with_channel_binding_require() {
    let Some(python) = python() else { return };
    let pki = Pki::new();
    let server = server(&pki, |_| {});
    let addr = server.local_addr().unwrap();
    let mut cmd = clean(&python);
    cmd.arg(Path::new(MANIFEST_DIR).join("tests/python/test_tls.py"))
        .env("PGSQLITE_TEST_HOST", addr.ip().to_string())
        .env("PGSQLITE_TEST_PORT", addr.port().to_string())
        .env("PGSQLITE_TEST_ROOTCERT", pki.path("ca.pem"))
        .env("PYTHONUNBUFFERED", "1");
    let output = run(&mut cmd);
    assert!(
        output.status.success(),
        "psycopg TLS test failed\n{}",
        describe(&output)
    );
    assert!(
        String::from_utf8_lossy(&output.stdout).contains("all TLS checks passed"),
        "{}",
        describe(&output)
    );
}

/// The binary, configured as SECURITY.md shows: certificate and key from files, a
/// password, TLS required; and `--tls-self-signed` for development.
#[test]
fn binary_with_tls_flags() {
    let pki = Pki::new();
    let port = free_port();
    let mut cmd = clean(BIN);
    cmd.args(["--listen", "127.0.0.1", "--port", &port.to_string()])
        .args(["--user", "alice", "--require-tls", "1"])
        .arg("--tls-cert")
        .arg(pki.path("server.pem"))
        .env("PGSQLITE_TLS_KEY", pki.path("server.key"))
        .env("PGSQLITE_PASSWORD", "secret");
    let child = Child::spawn(cmd, port);
    let addr = SocketAddr::from(([127, 0, 0, 1], port));
    let verify = format!(
        "sslmode=verify-full sslrootcert={}",
        pki.path("ca.pem").display()
    );
    assert_eq!(
        psql_ok(&conninfo(addr, &verify), "SELECT 1 + 1").trim(),
        "2"
    );
    let output = psql(&conninfo(addr, "sslmode=disable"), "SELECT 1");
    assert!(!output.status.success(), "{}", describe(&output));
    drop(child);

    let port = free_port();
    let mut cmd = clean(BIN);
    cmd.args(["--listen", "127.0.0.1", "--port", &port.to_string()])
        .args(["--password", "secret", "--user", "alice"])
        .args(["--tls-self-signed", "1"]);
    let child = Child::spawn(cmd, port);
    let addr = SocketAddr::from(([127, 0, 0, 1], port));
    let out = psql_ok(&conninfo(addr, "sslmode=require"), "\\conninfo");
    assert!(out.contains("SSL connection"), "{out}");
    let log = child.stop();
    assert!(log.contains("self-signed"), "{log}");
    assert!(
        log.contains("tls=\"offered\"") || log.contains("tls=offered"),
        "{log}"
    );
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// A `pgsqlite` process, killed on drop.
struct Child(std::process::Child, TempDir);

impl Child {
    fn spawn(mut cmd: Command, port: u16) -> Child {
        let dir = tempfile::tempdir().unwrap();
        let log = std::fs::File::create(dir.path().join("server.log")).unwrap();
        let child = cmd
            .stdin(Stdio::null())
            .stdout(log.try_clone().unwrap())
            .stderr(log)
            .spawn()
            .unwrap();
        let child = Child(child, dir);
        let started = Instant::now();
        while TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(
                started.elapsed() < TIMEOUT,
                "the server did not start: {}",
                child.log()
            );
            std::thread::sleep(Duration::from_millis(20));
        }
        child
    }

    fn log(&self) -> String {
        std::fs::read_to_string(self.1.path().join("server.log")).unwrap_or_default()
    }

    fn stop(mut self) -> String {
        let _ = self.0.kill();
        let _ = self.0.wait();
        self.log()
    }
}

impl Drop for Child {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

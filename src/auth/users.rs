//! Who may log in: the users file (`user:verifier` lines) and the `--user`/`--password`
//! pair, as credentials that never hold a plain password.
//!
//! A users file line is `NAME:SCRAM-SHA-256$<iter>:<salt>$<StoredKey>:<ServerKey>` (what
//! `pgsqlite passwd` writes) or `NAME:md5<32 hex digits>` (PostgreSQL's MD5 form, only
//! usable with the `md5` and `password` methods). Blank lines and lines starting with `#`
//! are ignored.

use super::md5;
use super::scram::ScramVerifier;
use std::collections::HashMap;
use std::io::Write;
use std::path::Path;

/// What the server knows about one user's password.
#[derive(Clone, Debug, Default)]
pub struct Credential {
    /// SCRAM-SHA-256 verifier (for `scram-sha-256`, `md5` upgraded to SCRAM, `password`).
    pub scram: Option<ScramVerifier>,
    /// `md5...` hash (for `md5` and `password`).
    pub md5: Option<String>,
}

impl Credential {
    /// True if `password` (sent in clear) is this user's password.
    pub fn check_password(&self, user: &str, password: &str) -> bool {
        match (&self.scram, &self.md5) {
            (Some(scram), _) => scram.matches(password),
            (None, Some(stored)) => {
                use subtle::ConstantTimeEq;
                bool::from(
                    md5::stored_hash(user, password)
                        .as_bytes()
                        .ct_eq(stored.as_bytes()),
                )
            }
            (None, None) => false,
        }
    }

    /// True if there is no password at all (a user named for `trust` only).
    pub fn is_empty(&self) -> bool {
        self.scram.is_none() && self.md5.is_none()
    }
}

/// The users the server accepts, by name.
#[derive(Clone, Debug, Default)]
pub struct Users {
    users: HashMap<String, Credential>,
}

/// Checks a user name for the users file: not empty, no `:` and no line break.
pub fn check_user_name(user: &str) -> Result<(), String> {
    if user.is_empty() {
        return Err("the user name is empty".to_string());
    }
    if user.contains([':', '\n', '\r']) {
        return Err(format!(
            "user name {user:?} cannot be stored: it contains ':' or a line break"
        ));
    }
    Ok(())
}

impl Users {
    /// Parses a users file's text; errors name the line.
    pub fn parse(text: &str) -> Result<Users, String> {
        let mut users = Users::default();
        for (index, line) in text.lines().enumerate() {
            let line = line.trim();
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            let number = index + 1;
            let Some((user, secret)) = line.split_once(':') else {
                return Err(format!("line {number}: expected NAME:VERIFIER"));
            };
            check_user_name(user).map_err(|e| format!("line {number}: {e}"))?;
            let credential = if let Some(verifier) = ScramVerifier::parse(secret) {
                Credential {
                    scram: Some(verifier),
                    md5: None,
                }
            } else if md5::is_stored_hash(secret) {
                Credential {
                    scram: None,
                    md5: Some(secret.to_string()),
                }
            } else {
                return Err(format!(
                    "line {number}: the entry for \"{user}\" is neither a SCRAM-SHA-256 verifier nor an md5 hash \
                     (a users file never holds plain passwords: write entries with `pgsqlite passwd`)"
                ));
            };
            users.users.insert(user.to_string(), credential);
        }
        Ok(users)
    }

    /// Reads and parses a users file.
    pub fn load(path: &Path) -> Result<Users, String> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| format!("cannot read {}: {e}", path.display()))?;
        Users::parse(&text).map_err(|e| format!("{}: {e}", path.display()))
    }

    /// Adds (or replaces) `user` with `password`, kept only as a SCRAM verifier and an MD5
    /// hash; `None` names a user without a password (for `trust`).
    pub fn insert(&mut self, user: &str, password: Option<&str>) -> Result<(), String> {
        let credential = match password {
            None => Credential::default(),
            Some(password) => Credential {
                scram: Some(
                    ScramVerifier::new(password)
                        .map_err(|e| format!("no random salt for the verifier: {e}"))?,
                ),
                md5: Some(md5::stored_hash(user, password)),
            },
        };
        self.users.insert(user.to_string(), credential);
        Ok(())
    }

    /// The credential of `user`, if known.
    pub fn get(&self, user: &str) -> Option<&Credential> {
        self.users.get(user)
    }

    /// True if no user is configured.
    pub fn is_empty(&self) -> bool {
        self.users.is_empty()
    }

    /// True if some user has a password.
    pub fn has_passwords(&self) -> bool {
        self.users.values().any(|c| !c.is_empty())
    }
}

/// Writes `user`'s line with `verifier` into the users file at `path`, replacing an
/// existing line for that user and keeping every other line. The file is replaced
/// atomically (a temporary file renamed over it) and is readable by its owner only.
pub fn write_entry(path: &Path, user: &str, verifier: &ScramVerifier) -> Result<(), String> {
    check_user_name(user)?;
    let old = match std::fs::read_to_string(path) {
        Ok(text) => text,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => String::new(),
        Err(e) => return Err(format!("cannot read {}: {e}", path.display())),
    };
    let entry = format!("{user}:{verifier}");
    let mut text = String::with_capacity(old.len() + entry.len() + 1);
    let mut replaced = false;
    for line in old.lines() {
        let same_user = line
            .trim()
            .split_once(':')
            .is_some_and(|(name, _)| name == user && !line.trim().starts_with('#'));
        if same_user {
            if !replaced {
                text.push_str(&entry);
                text.push('\n');
                replaced = true;
            }
        } else {
            text.push_str(line);
            text.push('\n');
        }
    }
    if !replaced {
        text.push_str(&entry);
        text.push('\n');
    }
    let dir = path.parent().filter(|d| !d.as_os_str().is_empty());
    let name = path
        .file_name()
        .ok_or_else(|| format!("{} is not a file name", path.display()))?;
    let temp = dir.unwrap_or(Path::new(".")).join(format!(
        ".{}.tmp{}",
        name.to_string_lossy(),
        std::process::id()
    ));
    let written = (|| -> std::io::Result<()> {
        use std::os::unix::fs::OpenOptionsExt;
        let mut file = std::fs::OpenOptions::new()
            .write(true)
            .create(true)
            .truncate(true)
            .mode(0o600)
            .open(&temp)?;
        file.write_all(text.as_bytes())?;
        file.sync_all()?;
        std::fs::rename(&temp, path)
    })();
    written.map_err(|e| {
        let _ = std::fs::remove_file(&temp);
        format!("cannot write {}: {e}", path.display())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_verifiers_and_refuses_plain_passwords() {
        let v = ScramVerifier::with_salt("pw", b"salt", 4096);
        let text = format!(
            "# users\n\nalice:{v}\nbob:{}\n",
            md5::stored_hash("bob", "pw")
        );
        let users = Users::parse(&text).unwrap();
        assert!(users.get("alice").unwrap().check_password("alice", "pw"));
        assert!(!users.get("alice").unwrap().check_password("alice", "pW"));
        assert!(users.get("bob").unwrap().check_password("bob", "pw"));
        assert!(users.get("carol").is_none());
        let err = Users::parse("alice:hunter2\n").unwrap_err();
        assert!(
            err.contains("line 1") && err.contains("plain passwords"),
            "{err}"
        );
        assert!(Users::parse("nocolon\n").unwrap_err().contains("line 1"));
        assert!(Users::parse(":md5\n").is_err());
    }

    #[test]
    fn write_entry_replaces_one_line_and_keeps_the_rest() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("users");
        let a1 = ScramVerifier::with_salt("one", b"s1", 4096);
        let a2 = ScramVerifier::with_salt("two", b"s2", 4096);
        let b = ScramVerifier::with_salt("bee", b"s3", 4096);
        std::fs::write(&path, "# keep me\n").unwrap();
        write_entry(&path, "alice", &a1).unwrap();
        write_entry(&path, "bob", &b).unwrap();
        write_entry(&path, "alice", &a2).unwrap();
        let text = std::fs::read_to_string(&path).unwrap();
        assert_eq!(text, format!("# keep me\nalice:{a2}\nbob:{b}\n"));
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&path).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
        assert!(write_entry(&path, "a:b", &b).is_err());
    }
}

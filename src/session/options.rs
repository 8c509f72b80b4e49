//! The `options` startup parameter (libpq's `PGOPTIONS`): command-line switches for the
//! session, `-c name=value` or `--name=value`, as a PostgreSQL backend takes them.
//! Words are separated by whitespace; a backslash makes the next character literal.

use crate::error::{PgError, SqlState};

/// The settings `options` names, in order.
pub fn settings(options: &str) -> Result<Vec<(String, String)>, PgError> {
    let words = split(options);
    let mut settings = Vec::new();
    let mut words = words.iter();
    while let Some(word) = words.next() {
        let assignment = if word == "-c" {
            words.next().map(String::as_str)
        } else if let Some(rest) = word.strip_prefix("-c") {
            Some(rest)
        } else {
            word.strip_prefix("--")
        };
        let Some((name, value)) = assignment.and_then(|a| a.split_once('=')) else {
            return Err(PgError::fatal(
                SqlState::SYNTAX_ERROR,
                format!("invalid command-line argument for server process: {word}"),
            )
            .with_hint("Only -c name=value and --name=value are accepted in options."));
        };
        settings.push((name.replace('-', "_"), value.to_string()));
    }
    Ok(settings)
}

fn split(options: &str) -> Vec<String> {
    let mut words = Vec::new();
    let mut chars = options.chars();
    let mut word = String::new();
    let mut in_word = false;
    while let Some(c) = chars.next() {
        match c {
            '\\' => {
                in_word = true;
                if let Some(next) = chars.next() {
                    word.push(next);
                }
            }
            c if c.is_ascii_whitespace() => {
                if in_word {
                    words.push(std::mem::take(&mut word));
                    in_word = false;
                }
            }
            c => {
                in_word = true;
                word.push(c);
            }
        }
    }
    if in_word {
        words.push(word);
    }
    words
}

#[cfg(test)]
mod tests {
    use super::settings;

    fn pairs(options: &str) -> Vec<(String, String)> {
        settings(options).unwrap()
    }

    #[test]
    fn switches_become_settings() {
        assert_eq!(
            pairs("-c work_mem=8MB --search-path=a\\ b  -cDateStyle=ISO"),
            vec![
                ("work_mem".into(), "8MB".into()),
                ("search_path".into(), "a b".into()),
                ("DateStyle".into(), "ISO".into()),
            ]
        );
        assert!(pairs("  ").is_empty());
        assert_eq!(
            settings("-B 100").unwrap_err().code,
            crate::error::SqlState::SYNTAX_ERROR
        );
    }
}

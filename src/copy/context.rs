//! The CONTEXT line of an error raised while COPY FROM reads its data, worded as
//! PostgreSQL words it: `COPY t, line 3`, `COPY t, line 3: "<line>"`,
//! `COPY t, line 3, column b: "<value>"`.

/// How many bytes of a line or value an error shows before cutting it with `...`.
const MAX_SHOWN: usize = 100;

/// Appends `data` as shown in a context line: lossily decoded, cut at 100 bytes.
fn push_shown(out: &mut String, data: &[u8]) {
    if data.len() <= MAX_SHOWN {
        out.push_str(&String::from_utf8_lossy(data));
        return;
    }
    let shown = String::from_utf8_lossy(&data[..MAX_SHOWN]);
    // Do not end in the middle of a character that was cut.
    out.push_str(shown.trim_end_matches('\u{FFFD}'));
    out.push_str("...");
}

/// `COPY table, line N`.
pub fn line(table: &str, line: u64) -> String {
    format!("COPY {table}, line {line}")
}

/// `COPY table, line N: "text"`.
pub fn line_text(table: &str, line: u64, text: &[u8]) -> String {
    let mut out = format!("COPY {table}, line {line}: \"");
    push_shown(&mut out, text);
    out.push('"');
    out
}

/// `COPY table, line N, column c: "value"`, or without the value for binary data.
pub fn column(table: &str, line: u64, column: &str, value: Option<&[u8]>) -> String {
    let mut out = format!("COPY {table}, line {line}, column {column}");
    if let Some(value) = value {
        out.push_str(": \"");
        push_shown(&mut out, value);
        out.push('"');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wording_and_truncation() {
        assert_eq!(line("t", 2), "COPY t, line 2");
        assert_eq!(line_text("t", 1, b"3\tx"), "COPY t, line 1: \"3\tx\"");
        assert_eq!(
            column("t", 1, "a", Some(b"zz")),
            "COPY t, line 1, column a: \"zz\""
        );
        assert_eq!(column("t", 4, "a", None), "COPY t, line 4, column a");
        let long = vec![b'x'; 150];
        let shown = line_text("t", 1, &long);
        assert!(shown.ends_with("...\""));
        assert_eq!(shown.len(), "COPY t, line 1: \"".len() + 100 + 4);
    }
}

//! Finding where each line of text or CSV COPY data ends, across CopyData boundaries.
//!
//! The client's CopyData messages split the stream anywhere: a message may hold many
//! lines or part of one. [`LineSplitter::next_line`] looks at the bytes not consumed yet
//! and answers with the next complete line, the end-of-data marker `\.`, or "need more".
//! As in PostgreSQL, the first line decides the newline style (`\n`, `\r\n` or `\r`) and
//! a line that breaks it is an error; in text format a backslash protects the byte after
//! it (so `\` + newline is data), in CSV a newline inside quotes is data.

use crate::error::{PgError, SqlState};

/// The newline style of the data, fixed by its first line.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Eol {
    Lf,
    Cr,
    CrLf,
}

/// What the next bytes hold.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Line {
    /// A complete line: `content` bytes of data, `next` bytes consumed with its newline.
    Line {
        /// Length of the line without its newline.
        content: usize,
        /// Length including the newline.
        next: usize,
    },
    /// The end-of-data marker; `content` bytes before it on its line are a last line
    /// (text format only; zero otherwise). Everything after the marker is ignored.
    End {
        /// Length of the data before the marker on its line.
        content: usize,
    },
    /// No complete line yet.
    NeedMore,
}

/// Splits COPY text or CSV data into lines.
#[derive(Clone, Debug)]
pub struct LineSplitter {
    csv: bool,
    quote: u8,
    escape: u8,
    eol: Option<Eol>,
}

fn bad(message: &'static str, hint: &'static str) -> PgError {
    PgError::new(SqlState::BAD_COPY_FILE_FORMAT, message).with_hint(hint)
}

impl LineSplitter {
    /// A splitter for text format (`csv` false) or CSV with the given quote and escape.
    pub fn new(csv: bool, quote: u8, escape: u8) -> LineSplitter {
        LineSplitter {
            csv,
            quote,
            escape,
            eol: None,
        }
    }

    /// The next line of `input`. `at_end` says no more data will come (CopyDone): a last
    /// line without a newline is then complete.
    pub fn next_line(&mut self, input: &[u8], at_end: bool) -> Result<Line, PgError> {
        if input.is_empty() {
            return Ok(Line::NeedMore);
        }
        if self.csv {
            self.csv_line(input, at_end)
        } else {
            self.text_line(input, at_end)
        }
    }

    /// A newline byte at `i`: the line it ends, if the newline style allows it.
    fn newline(&mut self, input: &[u8], i: usize, at_end: bool) -> Result<Line, PgError> {
        let (quoted, newline_msg, cr_msg) = if self.csv {
            (
                "Use quoted CSV field to represent newline.",
                "unquoted newline found in data",
                "unquoted carriage return found in data",
            )
        } else {
            (
                "Use \"\\n\" to represent newline.",
                "literal newline found in data",
                "literal carriage return found in data",
            )
        };
        let cr_hint = if self.csv {
            "Use quoted CSV field to represent carriage return."
        } else {
            "Use \"\\r\" to represent carriage return."
        };
        if input[i] == b'\n' {
            match self.eol {
                None | Some(Eol::Lf) => {
                    self.eol = Some(Eol::Lf);
                    Ok(Line::Line {
                        content: i,
                        next: i + 1,
                    })
                }
                Some(_) => Err(bad(newline_msg, quoted)),
            }
        } else {
            let Some(&after) = input.get(i + 1) else {
                if !at_end && self.eol != Some(Eol::Lf) {
                    return Ok(Line::NeedMore);
                }
                return match self.eol {
                    None | Some(Eol::Cr) => {
                        self.eol = Some(Eol::Cr);
                        Ok(Line::Line {
                            content: i,
                            next: i + 1,
                        })
                    }
                    Some(_) => Err(bad(cr_msg, cr_hint)),
                };
            };
            let crlf = after == b'\n';
            let style = if crlf { Eol::CrLf } else { Eol::Cr };
            match self.eol {
                None => self.eol = Some(style),
                Some(eol) if eol == style => {}
                Some(_) => return Err(bad(cr_msg, cr_hint)),
            }
            Ok(Line::Line {
                content: i,
                next: i + 1 + usize::from(crlf),
            })
        }
    }

    /// `\.` at `i`: the end-of-data marker when a newline (or the end of data) follows.
    fn marker(&self, input: &[u8], i: usize, at_end: bool) -> Result<Option<Line>, PgError> {
        match input.get(i + 2) {
            None if at_end => Ok(Some(Line::End { content: i })),
            None => Ok(Some(Line::NeedMore)),
            Some(b'\n' | b'\r') => Ok(Some(Line::End { content: i })),
            Some(_) if self.csv => Ok(None),
            Some(_) => Err(PgError::new(
                SqlState::BAD_COPY_FILE_FORMAT,
                "end-of-copy marker corrupt",
            )),
        }
    }

    fn text_line(&mut self, input: &[u8], at_end: bool) -> Result<Line, PgError> {
        let mut i = 0;
        while let Some(found) = memchr::memchr3(b'\n', b'\r', b'\\', &input[i..]) {
            let at = i + found;
            if input[at] != b'\\' {
                return self.newline(input, at, at_end);
            }
            match input.get(at + 1) {
                None if at_end => break,
                None => return Ok(Line::NeedMore),
                Some(b'.') => {
                    if let Some(line) = self.marker(input, at, at_end)? {
                        return Ok(line);
                    }
                    i = at + 2;
                }
                Some(_) => i = at + 2,
            }
        }
        if at_end {
            Ok(Line::Line {
                content: input.len(),
                next: input.len(),
            })
        } else {
            Ok(Line::NeedMore)
        }
    }

    fn csv_line(&mut self, input: &[u8], at_end: bool) -> Result<Line, PgError> {
        if input.starts_with(b"\\.") {
            if let Some(line) = self.marker(input, 0, at_end)? {
                return Ok(line);
            }
        }
        let mut in_quote = false;
        let mut last_was_escape = false;
        // An escape equal to the quote character is just the quote toggling twice.
        let escape = (self.escape != self.quote).then_some(self.escape);
        for (i, &c) in input.iter().enumerate() {
            if !in_quote && (c == b'\n' || c == b'\r') {
                return self.newline(input, i, at_end);
            }
            // The quote toggles quoting unless escaped; an escape only counts inside
            // quotes, and an escaped escape is data.
            let is_escape = Some(c) == escape;
            if in_quote && is_escape {
                last_was_escape = !last_was_escape;
            }
            if c == self.quote && !last_was_escape {
                in_quote = !in_quote;
            }
            if !is_escape {
                last_was_escape = false;
            }
        }
        if at_end {
            Ok(Line::Line {
                content: input.len(),
                next: input.len(),
            })
        } else {
            Ok(Line::NeedMore)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lines(splitter: &mut LineSplitter, mut input: &[u8]) -> Vec<Result<Vec<u8>, String>> {
        let mut out = Vec::new();
        loop {
            match splitter.next_line(input, true) {
                Ok(Line::Line { content, next }) => {
                    out.push(Ok(input[..content].to_vec()));
                    input = &input[next..];
                }
                Ok(Line::End { content }) => {
                    if content > 0 {
                        out.push(Ok(input[..content].to_vec()));
                    }
                    out.push(Err("end".into()));
                    return out;
                }
                Ok(Line::NeedMore) => return out,
                Err(e) => {
                    out.push(Err(e.message.to_string()));
                    return out;
                }
            }
        }
    }

    fn ok(s: &str) -> Result<Vec<u8>, String> {
        Ok(s.as_bytes().to_vec())
    }

    #[test]
    fn text_lines_and_escaped_newlines() {
        let mut s = LineSplitter::new(false, b'"', b'"');
        assert_eq!(
            lines(&mut s, b"a\tb\nc\\\nd\nlast"),
            vec![ok("a\tb"), ok("c\\\nd"), ok("last")]
        );
        let mut s = LineSplitter::new(false, b'"', b'"');
        assert_eq!(
            lines(&mut s, b"a\r\nb\r\n\\.\r\nignored"),
            vec![ok("a"), ok("b"), Err("end".into())]
        );
        let mut s = LineSplitter::new(false, b'"', b'"');
        assert_eq!(
            lines(&mut s, b"a\nb\rc\n"),
            vec![ok("a"), Err("literal carriage return found in data".into())]
        );
        let mut s = LineSplitter::new(false, b'"', b'"');
        assert_eq!(
            lines(&mut s, b"a\\.b\n"),
            vec![Err("end-of-copy marker corrupt".into())]
        );
    }

    #[test]
    fn incomplete_input_waits() {
        let mut s = LineSplitter::new(false, b'"', b'"');
        assert_eq!(s.next_line(b"abc", false).unwrap(), Line::NeedMore);
        assert_eq!(s.next_line(b"abc\\", false).unwrap(), Line::NeedMore);
        assert_eq!(s.next_line(b"abc\r", false).unwrap(), Line::NeedMore);
        assert_eq!(s.next_line(b"\\.", false).unwrap(), Line::NeedMore);
        assert_eq!(
            s.next_line(b"abc\r\nx", false).unwrap(),
            Line::Line {
                content: 3,
                next: 5
            }
        );
        let mut c = LineSplitter::new(true, b'"', b'"');
        assert_eq!(c.next_line(b"1,\"a\nb", false).unwrap(), Line::NeedMore);
    }

    #[test]
    fn csv_quotes_hold_newlines() {
        let mut s = LineSplitter::new(true, b'"', b'"');
        assert_eq!(
            lines(&mut s, b"1,\"a\nb\"\n2,\"x\"\"\ny\"\n\\.\n"),
            vec![ok("1,\"a\nb\""), ok("2,\"x\"\"\ny\""), Err("end".into())]
        );
        let mut s = LineSplitter::new(true, b'"', b'\\');
        assert_eq!(
            lines(&mut s, b"\"a\\\"\nb\"\nx\\.y\n"),
            vec![ok("\"a\\\"\nb\""), ok("x\\.y")]
        );
    }
}

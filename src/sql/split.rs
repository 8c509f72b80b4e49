//! Splits a simple-query string into its statements at top-level semicolons.

use smallvec::SmallVec;

use super::lexer::{Token, TokenKind, tokenize};

/// Splits `sql` at every `;` that is not inside a string, quoted identifier, dollar quote,
/// comment, or the `BEGIN ... END` body of a `CREATE TRIGGER` (whose statements end in
/// semicolons of their own).
///
/// Each piece is trimmed of whitespace; pieces holding nothing but whitespace and comments
/// are dropped, so `""`, `";;"` and `"-- c"` give no statement at all (the caller answers
/// those with EmptyQueryResponse).
pub fn split_statements(sql: &str) -> SmallVec<[&str; 4]> {
    let mut out = SmallVec::new();
    let mut start = 0;
    let mut has_content = false;
    let mut trigger = TriggerTracker::default();
    for token in tokenize(sql) {
        if token.is_trivia() {
            continue;
        }
        if token.kind == TokenKind::Semicolon && !trigger.in_body() {
            push_piece(sql, start, token.start, has_content, &mut out);
            start = token.end();
            has_content = false;
            trigger = TriggerTracker::default();
            continue;
        }
        has_content = true;
        trigger.feed(&token);
    }
    push_piece(sql, start, sql.len(), has_content, &mut out);
    out
}

fn push_piece<'a>(
    sql: &'a str,
    start: usize,
    end: usize,
    has_content: bool,
    out: &mut SmallVec<[&'a str; 4]>,
) {
    if !has_content {
        return;
    }
    if let Some(piece) = sql.get(start..end) {
        let piece = piece.trim_matches(|c: char| c.is_ascii_whitespace() || c == '\x0b');
        if !piece.is_empty() {
            out.push(piece);
        }
    }
}

/// Where the statement's head stands with respect to `CREATE [TEMP] TRIGGER`.
#[derive(Clone, Copy, Default, PartialEq, Eq)]
enum Head {
    /// No significant token yet.
    #[default]
    Start,
    /// Saw `CREATE` (and maybe `TEMP`, `OR REPLACE`).
    Create,
    /// A trigger definition.
    Trigger,
    /// Anything else.
    Other,
}

/// Follows a statement's tokens to keep a trigger body (`BEGIN ... END`) in one piece.
#[derive(Default)]
struct TriggerTracker {
    head: Head,
    /// Open `BEGIN`/`CASE` blocks inside the trigger body.
    depth: u32,
    /// The body has been closed; later `;` split again.
    done: bool,
}

impl TriggerTracker {
    fn in_body(&self) -> bool {
        self.depth > 0
    }

    fn feed(&mut self, token: &Token<'_>) {
        match self.head {
            Head::Start => {
                self.head = if token.is_keyword("create") {
                    Head::Create
                } else {
                    Head::Other
                };
            }
            Head::Create => {
                if token.is_keyword("trigger") {
                    self.head = Head::Trigger;
                } else if !token.is_any_keyword(&["temp", "temporary", "or", "replace"]) {
                    self.head = Head::Other;
                }
            }
            Head::Trigger if !self.done => {
                if self.depth == 0 {
                    if token.is_keyword("begin") {
                        self.depth = 1;
                    }
                } else if token.is_keyword("case") {
                    self.depth += 1;
                } else if token.is_keyword("end") {
                    self.depth -= 1;
                    self.done = self.depth == 0;
                }
            }
            Head::Trigger | Head::Other => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn split(sql: &str) -> Vec<&str> {
        split_statements(sql).into_vec()
    }

    #[test]
    fn plain_statements() {
        assert_eq!(split("select 1; select 2"), vec!["select 1", "select 2"]);
        assert_eq!(
            split("  select 1 ;\n\n select 2;  "),
            vec!["select 1", "select 2"]
        );
        assert_eq!(split("select 1"), vec!["select 1"]);
    }

    #[test]
    fn empty_inputs() {
        assert!(split("").is_empty());
        assert!(split(";;").is_empty());
        assert!(split(" ; \n ;").is_empty());
        assert!(split("-- c").is_empty());
        assert!(split("/* a */ ; -- b\n;").is_empty());
    }

    #[test]
    fn semicolons_inside_quotes_and_comments() {
        assert_eq!(
            split("select 'a;b'; select 2"),
            vec!["select 'a;b'", "select 2"]
        );
        assert_eq!(split("select 'it'';s'; x"), vec!["select 'it'';s'", "x"]);
        assert_eq!(split(r"select E'\';'; x"), vec![r"select E'\';'", "x"]);
        assert_eq!(split("select $$;$$; x"), vec!["select $$;$$", "x"]);
        assert_eq!(
            split("select $f$ a; $$ ; $f$; x"),
            vec!["select $f$ a; $$ ; $f$", "x"]
        );
        assert_eq!(
            split(r#"select "a;b" from t; x"#),
            vec![r#"select "a;b" from t"#, "x"]
        );
        assert_eq!(
            split("select /* a /* ; */ ; */ 1; x"),
            vec!["select /* a /* ; */ ; */ 1", "x"]
        );
        assert_eq!(
            split("select 1 -- ; no split\n; x"),
            vec!["select 1 -- ; no split", "x"]
        );
        assert_eq!(split("select 1; -- trailing comment"), vec!["select 1"]);
        assert_eq!(split("select 1; /* trailing */"), vec!["select 1"]);
    }

    #[test]
    fn semicolon_in_parentheses_still_splits() {
        assert_eq!(
            split("select (1; select 2)"),
            vec!["select (1", "select 2)"]
        );
    }

    #[test]
    fn unterminated_runs_to_end() {
        assert_eq!(split("select 'a; b"), vec!["select 'a; b"]);
        assert_eq!(split("select 1 /* ; x"), vec!["select 1 /* ; x"]);
    }

    #[test]
    fn trigger_bodies_stay_together() {
        let sql = "CREATE TRIGGER trg AFTER INSERT ON t BEGIN \
                   UPDATE c SET n = n + 1; INSERT INTO log VALUES (new.id); END; SELECT 1";
        assert_eq!(
            split(sql),
            vec![
                "CREATE TRIGGER trg AFTER INSERT ON t BEGIN \
                 UPDATE c SET n = n + 1; INSERT INTO log VALUES (new.id); END",
                "SELECT 1"
            ]
        );
        let sql = "create temp trigger x before delete on t begin \
                   select case when old.a then raise(abort, 'no') end; end; select 2";
        let parts = split(sql);
        assert_eq!(parts.len(), 2);
        assert!(parts[0].ends_with("end; end"));
        assert_eq!(parts[1], "select 2");
        // BEGIN as a statement of its own is just a statement.
        assert_eq!(
            split("BEGIN; SELECT 1; END;"),
            vec!["BEGIN", "SELECT 1", "END"]
        );
        // A trigger without a body (PostgreSQL style).
        assert_eq!(
            split("create trigger t after insert on x execute function f(); select 1"),
            vec![
                "create trigger t after insert on x execute function f()",
                "select 1"
            ]
        );
    }

    #[test]
    fn never_panics() {
        for input in crate::sql::lexer::garbled_inputs(50_000) {
            for piece in split_statements(&input) {
                assert!(!piece.is_empty());
                assert!(input.contains(piece));
            }
        }
    }
}

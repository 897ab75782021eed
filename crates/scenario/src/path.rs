//! How a path to a value is written in `--set`, in a variant's `set` keys and in messages:
//! segments joined by `.`, as in `services.db.workers` or `services.api.steps.0.timeout`.
//!
//! A segment that is empty or holds a `.`, `"`, `=`, `\` or whitespace is written in double
//! quotes, as in `services."api.v2".workers`; inside the quotes `\"` stands for a quote and `\\`
//! for a backslash, and any other backslash is an error. Every other segment may be written bare
//! or quoted: `services."db".workers` is `services.db.workers`.

use thiserror::Error;

/// What is wrong with a written path; `at` is the 1-based column (in characters) in the path.
#[derive(Clone, Debug, Error, PartialEq, Eq)]
pub enum PathError {
    #[error("the path is empty")]
    Empty,
    #[error("column {at}: a name is missing (two dots, or a dot at an end)")]
    EmptySegment { at: usize },
    #[error("column {at}: the quoted name is not closed with `\"`")]
    Unterminated { at: usize },
    #[error("column {at}: `\\{found}` is not an escape; inside quotes write `\\\"` or `\\\\`")]
    BadEscape { at: usize, found: char },
    #[error("column {at}: `{found}` after a quoted name; a `.` must follow it")]
    AfterQuote { at: usize, found: char },
    #[error("column {at}: `{found}` cannot be part of a bare name; quote the name, e.g. `\"a b\"`")]
    NeedsQuotes { at: usize, found: char },
}

/// Characters a bare segment cannot hold.
fn is_special(c: char) -> bool {
    matches!(c, '.' | '"' | '=' | '\\') || c.is_whitespace()
}

/// True when `name` must be quoted to be written as one path segment.
pub fn needs_quotes(name: &str) -> bool {
    name.is_empty() || name.chars().any(is_special)
}

/// One segment as it is written in a path: bare when it can be, quoted when it must be.
pub fn segment(name: &str) -> String {
    if !needs_quotes(name) {
        return name.to_string();
    }
    let mut out = String::with_capacity(name.len() + 2);
    out.push('"');
    for c in name.chars() {
        if matches!(c, '"' | '\\') {
            out.push('\\');
        }
        out.push(c);
    }
    out.push('"');
    out
}

/// A path as it is written: each segment bare or quoted, joined by `.` (the empty path is "").
pub fn display(segments: &[impl AsRef<str>]) -> String {
    segments.iter().map(|s| segment(s.as_ref())).collect::<Vec<_>>().join(".")
}

/// The segments of a written path, quotes and escapes resolved. Whitespace around the whole
/// path is ignored; anywhere else it must be quoted.
pub fn parse(text: &str) -> Result<Vec<String>, PathError> {
    let lead = text.len() - text.trim_start().len();
    let col0 = text[..lead].chars().count();
    let chars: Vec<char> = text.trim().chars().collect();
    if chars.is_empty() {
        return Err(PathError::Empty);
    }
    let at = |i: usize| col0 + i + 1;
    let mut segments = Vec::new();
    let mut i = 0;
    loop {
        let start = i;
        let mut name = String::new();
        if chars.get(i) == Some(&'"') {
            i += 1;
            loop {
                match chars.get(i) {
                    None => return Err(PathError::Unterminated { at: at(start) }),
                    Some('"') => break,
                    Some('\\') => match chars.get(i + 1) {
                        Some(&c @ ('"' | '\\')) => {
                            name.push(c);
                            i += 1;
                        }
                        Some(&found) => return Err(PathError::BadEscape { at: at(i), found }),
                        None => return Err(PathError::Unterminated { at: at(start) }),
                    },
                    Some(&c) => name.push(c),
                }
                i += 1;
            }
            i += 1;
            if let Some(&found) = chars.get(i).filter(|&&c| c != '.') {
                return Err(PathError::AfterQuote { at: at(i), found });
            }
        } else {
            while let Some(&c) = chars.get(i).filter(|&&c| c != '.') {
                if is_special(c) {
                    return Err(PathError::NeedsQuotes { at: at(i), found: c });
                }
                name.push(c);
                i += 1;
            }
            if name.is_empty() {
                return Err(PathError::EmptySegment { at: at(i) });
            }
        }
        segments.push(name);
        match chars.get(i) {
            None => return Ok(segments),
            Some(_) if i + 1 == chars.len() => {
                return Err(PathError::EmptySegment { at: at(i + 1) });
            }
            Some(_) => i += 1, // the `.`
        }
    }
}

/// Splits `PATH=VALUE` at the first `=` outside a quoted segment. None when there is none.
pub fn split_assignment(arg: &str) -> Option<(&str, &str)> {
    let mut quoted = false;
    let mut escaped = false;
    for (i, c) in arg.char_indices() {
        match c {
            _ if escaped => escaped = false,
            '\\' if quoted => escaped = true,
            '"' => quoted = !quoted,
            '=' if !quoted => return Some((&arg[..i], &arg[i + 1..])),
            _ => {}
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    fn parsed(text: &str) -> Vec<String> {
        parse(text).unwrap_or_else(|e| panic!("{text}: {e}"))
    }

    #[test]
    fn bare_and_quoted_segments() {
        assert_eq!(parsed("services.db.workers"), ["services", "db", "workers"]);
        assert_eq!(parsed("  services.api.steps.0 "), ["services", "api", "steps", "0"]);
        assert_eq!(parsed("duration"), ["duration"]);
        assert_eq!(parsed(r#"services."api.v2".workers"#), ["services", "api.v2", "workers"]);
        assert_eq!(parsed(r#""db".workers"#), ["db", "workers"]);
        assert_eq!(parsed(r#"m."".x"#), ["m", "", "x"]);
        assert_eq!(parsed(r#"m."say \"hi\"""#), ["m", "say \"hi\""]);
        assert_eq!(parsed(r#"m."a\\b""#), ["m", "a\\b"]);
        assert_eq!(parsed(r#"m."a b=c""#), ["m", "a b=c"]);
        assert_eq!(parsed("m.é-ü_1/2:3"), ["m", "é-ü_1/2:3"]);
    }

    #[test]
    fn bad_paths_say_where() {
        assert_eq!(parse(""), Err(PathError::Empty));
        assert_eq!(parse("   "), Err(PathError::Empty));
        assert_eq!(parse("a..b"), Err(PathError::EmptySegment { at: 3 }));
        assert_eq!(parse(".a"), Err(PathError::EmptySegment { at: 1 }));
        assert_eq!(parse("a."), Err(PathError::EmptySegment { at: 3 }));
        assert_eq!(parse(r#"a."b"#), Err(PathError::Unterminated { at: 3 }));
        assert_eq!(parse(r#"a."b\"#), Err(PathError::Unterminated { at: 3 }));
        assert_eq!(parse(r#"a."b\n""#), Err(PathError::BadEscape { at: 5, found: 'n' }));
        assert_eq!(parse(r#"a."b"c"#), Err(PathError::AfterQuote { at: 6, found: 'c' }));
        assert_eq!(parse("a.b c"), Err(PathError::NeedsQuotes { at: 4, found: ' ' }));
        assert_eq!(parse(r#"a.b"c""#), Err(PathError::NeedsQuotes { at: 4, found: '"' }));
        assert_eq!(parse("  a..b"), Err(PathError::EmptySegment { at: 5 }));
        let message = parse("a.b c").unwrap_err().to_string();
        assert!(message.contains("column 4") && message.contains("quote"), "{message}");
    }

    #[test]
    fn names_are_quoted_only_when_they_must_be() {
        assert_eq!(display(&["services", "db", "workers"]), "services.db.workers");
        assert_eq!(display(&["services", "api.v2"]), r#"services."api.v2""#);
        assert_eq!(display(&["m", "a\"b\\c"]), r#"m."a\"b\\c""#);
        assert_eq!(display(&["m", "", "a b", "x=y"]), r#"m.""."a b"."x=y""#);
        assert_eq!(display(&[] as &[&str]), "");
        assert_eq!(segment("é"), "é");
    }

    #[test]
    fn splits_at_the_first_unquoted_equals() {
        assert_eq!(split_assignment("a.b=1"), Some(("a.b", "1")));
        assert_eq!(split_assignment("a.b=x=y"), Some(("a.b", "x=y")));
        assert_eq!(split_assignment(r#"m."k=v".x=1"#), Some((r#"m."k=v".x"#, "1")));
        assert_eq!(split_assignment(r#"m."\"=".x=1"#), Some((r#"m."\"=".x"#, "1")));
        assert_eq!(split_assignment("duration"), None);
        assert_eq!(split_assignment(r#"m."a=1"#), None);
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(256))]

        /// Any names, written as a path, read back as the same names, and the path ends at the
        /// first unquoted `=` of `PATH=VALUE` whatever the value holds.
        #[test]
        fn written_paths_read_back(
            names in prop::collection::vec("[a-z0-9.\"=\\\\ é_\t-]{0,6}", 1..5),
            value in "[a-z0-9.\"=\\\\ ]{0,8}",
        ) {
            let written = display(&names);
            prop_assert_eq!(parse(&written), Ok(names.clone()));
            let arg = format!("{written}={value}");
            prop_assert_eq!(split_assignment(&arg), Some((written.as_str(), value.as_str())));
        }
    }
}

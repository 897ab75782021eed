//! Tokens of RON text: brackets, separators, strings and words, with comments skipped.

// Every token boundary is an ASCII byte or the end of the text, so slicing there cannot panic.

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Kind {
    Open(u8),
    Close(u8),
    Comma,
    Colon,
    /// A string, raw string, byte string or char literal.
    Str,
    /// An identifier or number.
    Word,
    Other,
}

#[derive(Clone, Copy, Debug)]
pub(super) struct Token {
    pub(super) kind: Kind,
    pub(super) start: usize,
    pub(super) end: usize,
}

fn is_word(c: u8) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, b'_' | b'.' | b'+' | b'-') || c >= 0x80
}

/// The token starting at `i` (None for whitespace and comments) and where the next one starts;
/// always advances.
fn lex_one(b: &[u8], i: usize) -> (Option<Kind>, usize) {
    if let Some((kind, end)) = prefixed(b, i) {
        return (Some(kind), end);
    }
    let next = i + 1;
    match b[i] {
        b' ' | b'\t' | b'\n' | b'\r' => (None, next),
        b'/' if b.get(next) == Some(&b'/') => (None, line_end(b, next)),
        b'/' if b.get(next) == Some(&b'*') => (None, block_comment_end(b, i)),
        c @ (b'(' | b'[' | b'{') => (Some(Kind::Open(c)), next),
        c @ (b')' | b']' | b'}') => (Some(Kind::Close(c)), next),
        b',' => (Some(Kind::Comma), next),
        b':' => (Some(Kind::Colon), next),
        b'"' => (Some(Kind::Str), string_end(b, next)),
        b'\'' => (Some(Kind::Str), char_end(b, next)),
        c if is_word(c) => (Some(Kind::Word), word_end(b, i)),
        _ => (Some(Kind::Other), next),
    }
}

/// Literals that start with a letter: `b"..."`, `b'x'`, `r#"..."#`, `br"..."`, `r#ident`.
fn prefixed(b: &[u8], i: usize) -> Option<(Kind, usize)> {
    let j = if b.get(i) == Some(&b'b') { i + 1 } else { i };
    match *b.get(j)? {
        b'"' if j > i => Some((Kind::Str, string_end(b, j + 1))),
        b'\'' if j > i => Some((Kind::Str, char_end(b, j + 1))),
        b'r' => {
            let hashes = b[j + 1..].iter().take_while(|&&c| c == b'#').count();
            let quote = j + 1 + hashes;
            match b.get(quote) {
                Some(b'"') => {
                    let closing = [b"\"".as_slice(), &b"#".repeat(hashes)].concat();
                    Some((Kind::Str, find_from(b, quote + 1, &closing)))
                }
                Some(&c) if hashes == 1 && j == i && is_word(c) => {
                    Some((Kind::Word, word_end(b, quote)))
                }
                _ => None,
            }
        }
        _ => None,
    }
}

/// The end of the first `pat` at or after `from`, or the end of the text.
fn find_from(b: &[u8], from: usize, pat: &[u8]) -> usize {
    let rest = b.get(from..).unwrap_or_default();
    rest.windows(pat.len()).position(|w| w == pat).map_or(b.len(), |p| from + p + pat.len())
}

/// Where a `//` comment's line ends (the newline itself is whitespace).
fn line_end(b: &[u8], from: usize) -> usize {
    from + b[from..].iter().take_while(|&&c| c != b'\n').count()
}

fn string_end(b: &[u8], mut i: usize) -> usize {
    while i < b.len() {
        match b[i] {
            b'\\' => i += 2,
            b'"' => return i + 1,
            _ => i += 1,
        }
    }
    b.len()
}

/// After a char literal's opening quote; a lone quote is a token by itself.
fn char_end(b: &[u8], from: usize) -> usize {
    let body = if b.get(from) == Some(&b'\\') { from + 2 } else { from + 1 };
    let limit = (body + 12).min(b.len());
    (body.min(limit)..limit).find(|&k| b[k] == b'\'').map_or(from, |k| k + 1)
}

/// Block comments nest in RON, so count the openers.
fn block_comment_end(b: &[u8], mut i: usize) -> usize {
    let mut depth = 0usize;
    while i + 1 < b.len() {
        match (b[i], b[i + 1]) {
            (b'/', b'*') => depth += 1,
            (b'*', b'/') => depth -= 1,
            _ => {
                i += 1;
                continue;
            }
        }
        i += 2;
        if depth == 0 {
            return i;
        }
    }
    b.len()
}

fn word_end(b: &[u8], i: usize) -> usize {
    i + b[i..].iter().take_while(|&&c| is_word(c)).count()
}

pub(super) fn tokenize(src: &str) -> Vec<Token> {
    let mut tokens = Vec::new();
    while let Some(t) = next_token(src, tokens.last().map_or(0, |t: &Token| t.end)) {
        tokens.push(t);
    }
    tokens
}

/// The first token at or after `from`, skipping whitespace and comments.
pub(super) fn next_token(src: &str, mut from: usize) -> Option<Token> {
    let b = src.as_bytes();
    while from < b.len() {
        let (kind, end) = lex_one(b, from);
        if let Some(kind) = kind {
            let start = from;
            return Some(Token { kind, start, end });
        }
        from = end;
    }
    None
}

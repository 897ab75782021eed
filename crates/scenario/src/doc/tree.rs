//! RON text as a tree of values with their byte spans, built leniently from the tokens.

use std::ops::Range;

use super::lex::{Kind, Token};

/// Nesting deeper than this is skipped, not recursed into, so hostile input cannot overflow the
/// stack.
const MAX_DEPTH: usize = 128;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Shape {
    Scalar,
    /// `(...)` with `name:` fields, or an empty `()`.
    Struct,
    Tuple,
    List,
    Map,
}

#[derive(Clone, Debug)]
pub(super) struct Node {
    pub(super) span: Range<usize>,
    pub(super) shape: Shape,
    /// The identifier before `(`, as in `Some(..)` or `Exp(..)`.
    pub(super) name: Option<String>,
    pub(super) entries: Vec<Entry>,
    /// Just after the opening bracket, and the closing bracket (None if unterminated).
    pub(super) open_end: usize,
    pub(super) close: Option<usize>,
}

impl Node {
    pub(super) fn scalar(span: Range<usize>) -> Node {
        Node {
            open_end: span.end,
            span,
            shape: Shape::Scalar,
            name: None,
            entries: Vec::new(),
            close: None,
        }
    }
}

#[derive(Clone, Debug)]
pub(super) struct Entry {
    pub(super) key: Option<Key>,
    pub(super) value: Node,
}

#[derive(Clone, Debug)]
pub(super) struct Key {
    pub(super) name: String,
    pub(super) span: Range<usize>,
}

pub(super) struct Parser<'a> {
    pub(super) src: &'a str,
    pub(super) tokens: Vec<Token>,
    pub(super) pos: usize,
}

impl Parser<'_> {
    pub(super) fn peek(&self, ahead: usize) -> Option<Token> {
        self.tokens.get(self.pos + ahead).copied()
    }

    fn peek_kind(&self, ahead: usize) -> Option<Kind> {
        self.peek(ahead).map(|t| t.kind)
    }

    fn text(&self, t: Token) -> &str {
        self.src.get(t.start..t.end).unwrap_or_default()
    }

    fn last_end(&self) -> usize {
        self.pos.checked_sub(1).and_then(|p| self.tokens.get(p)).map_or(0, |t| t.end)
    }

    /// `#![enable(...)]` lines say nothing about values.
    pub(super) fn skip_attributes(&mut self) {
        while self.peek(0).is_some_and(|t| self.text(t) == "#") {
            self.pos += 1;
            if self.peek(0).is_some_and(|t| self.text(t) == "!") {
                self.pos += 1;
            }
            if self.peek_kind(0) == Some(Kind::Open(b'[')) {
                self.skip_group();
            }
        }
    }

    /// Skips a bracketed group without building nodes (iteratively, for any depth).
    fn skip_group(&mut self) {
        let mut depth = 0usize;
        while let Some(kind) = self.peek_kind(0) {
            self.pos += 1;
            match kind {
                Kind::Open(_) => depth += 1,
                Kind::Close(_) => depth = depth.saturating_sub(1),
                _ => {}
            }
            if depth == 0 {
                return;
            }
        }
    }

    /// One value. At a token that cannot start a value it returns an empty scalar without
    /// consuming anything; callers make progress themselves.
    pub(super) fn value(&mut self, depth: usize) -> Node {
        let Some(t) = self.peek(0) else {
            return Node::scalar(self.src.len()..self.src.len());
        };
        match t.kind {
            Kind::Word if self.peek_kind(1) == Some(Kind::Open(b'(')) => {
                self.pos += 1;
                self.group(depth, Some(t), b'(')
            }
            Kind::Open(bracket) => self.group(depth, None, bracket),
            Kind::Close(_) | Kind::Comma | Kind::Colon => Node::scalar(t.start..t.start),
            _ => {
                self.pos += 1;
                Node::scalar(t.start..t.end)
            }
        }
    }

    /// The group opened by `bracket` at the current token, after its optional name.
    fn group(&mut self, depth: usize, name: Option<Token>, bracket: u8) -> Node {
        let open_end = self.peek(0).map_or(self.src.len(), |t| t.end);
        let start = name.map_or(open_end.saturating_sub(1), |n| n.start);
        if depth >= MAX_DEPTH {
            self.skip_group();
            return Node::scalar(start..self.last_end());
        }
        self.pos += 1;
        let mut node = Node::scalar(start..open_end);
        node.name = name.map(|n| self.text(n).to_string());
        node.close = self.entries(bracket, depth, &mut node.entries);
        node.span.end = self.last_end();
        node.shape = match bracket {
            b'[' => Shape::List,
            b'{' => Shape::Map,
            _ if node.entries.iter().any(|e| e.key.is_some()) => Shape::Struct,
            _ if node.entries.is_empty() => Shape::Struct,
            _ => Shape::Tuple,
        };
        node
    }

    /// Entries up to the closing bracket; returns where that bracket is. A mismatched closer
    /// ends the group without being consumed, so an enclosing group can claim it.
    fn entries(&mut self, bracket: u8, depth: usize, out: &mut Vec<Entry>) -> Option<usize> {
        let closer = match bracket {
            b'(' => b')',
            b'[' => b']',
            _ => b'}',
        };
        while let Some(t) = self.peek(0) {
            match t.kind {
                Kind::Close(c) if c == closer => {
                    self.pos += 1;
                    return Some(t.start);
                }
                Kind::Close(_) => return None,
                Kind::Comma => self.pos += 1,
                _ => {
                    let before = self.pos;
                    let entry = self.entry(bracket, depth);
                    if self.pos == before {
                        self.pos += 1;
                    } else {
                        out.push(entry);
                    }
                }
            }
        }
        None
    }

    fn entry(&mut self, bracket: u8, depth: usize) -> Entry {
        let keyed = match bracket {
            b'{' => true,
            b'(' => {
                matches!(self.peek_kind(0), Some(Kind::Word | Kind::Str))
                    && self.peek_kind(1) == Some(Kind::Colon)
            }
            _ => false,
        };
        if !keyed {
            let value = self.value(depth + 1);
            return Entry { key: None, value };
        }
        let is_string = self.peek_kind(0) == Some(Kind::Str);
        let span = self.value(depth + 1).span;
        let text = self.src.get(span.clone()).unwrap_or_default();
        let name = if is_string { unquote(text) } else { text.to_string() };
        let key = Key { name, span };
        let value = if self.peek_kind(0) == Some(Kind::Colon) {
            self.pos += 1;
            self.value(depth + 1)
        } else {
            Node::scalar(key.span.end..key.span.end)
        };
        Entry { key: Some(key), value }
    }
}

/// The contents of a string or char literal, escapes resolved, as serde would see them.
pub(super) fn unquote(text: &str) -> String {
    let body = text.strip_prefix('b').unwrap_or(text);
    if let Some(raw) = body.strip_prefix('r') {
        let hashes = raw.len() - raw.trim_start_matches('#').len();
        let inner = &raw[hashes..];
        let inner = inner.strip_prefix('"').unwrap_or(inner);
        let closing = format!("\"{}", "#".repeat(hashes));
        return inner.strip_suffix(&closing).unwrap_or(inner).to_string();
    }
    let quote = if body.starts_with('\'') { '\'' } else { '"' };
    let inner = body.strip_prefix(quote).unwrap_or(body);
    unescape(inner.strip_suffix(quote).unwrap_or(inner))
}

fn unescape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    // `\xHH` escapes are bytes: consecutive ones may spell one multi-byte UTF-8 character.
    let mut bytes = Vec::new();
    let mut chars = s.chars();
    while let Some(c) = chars.next() {
        let escape = if c == '\\' { chars.next() } else { None };
        if escape == Some('x') {
            let hex: String = chars.by_ref().take(2).collect();
            bytes.push(u8::from_str_radix(&hex, 16).unwrap_or(b'?'));
            continue;
        }
        if !bytes.is_empty() {
            out.push_str(&String::from_utf8_lossy(&bytes));
            bytes.clear();
        }
        match (c, escape) {
            ('\\', Some('n')) => out.push('\n'),
            ('\\', Some('t')) => out.push('\t'),
            ('\\', Some('r')) => out.push('\r'),
            ('\\', Some('0')) => out.push('\0'),
            ('\\', Some('u')) => {
                let code: String = chars.by_ref().take_while(|&c| c != '}').collect();
                let hex = code.trim_start_matches('{');
                let decoded = u32::from_str_radix(hex, 16).ok().and_then(char::from_u32);
                out.push(decoded.unwrap_or(char::REPLACEMENT_CHARACTER));
            }
            ('\\', Some(other)) => out.push(other),
            (c, _) => out.push(c),
        }
    }
    out.push_str(&String::from_utf8_lossy(&bytes));
    out
}

/// `s` written as a RON string: only `\\` and `"` are escaped (RON strings may hold raw
/// newlines and any other character).
pub fn quote(s: &str) -> String {
    format!("\"{}\"", s.replace('\\', "\\\\").replace('"', "\\\""))
}

//! Positions and text patches for RON scenario files: where the value at a dotted path is
//! written (ron itself reports no per-value positions), and replacing or inserting values in the
//! text so that variants and `--set` can change a scenario before it is parsed.

use std::ops::Range;

/// Nesting deeper than this is skipped, not recursed into, so hostile input cannot overflow the
/// stack.
const MAX_DEPTH: usize = 128;

/// Byte range of a value in the source, plus its 1-based line and column (column counts chars).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Location {
    pub start: usize,
    pub end: usize,
    pub line: usize,
    pub col: usize,
}

/// line/col (1-based) of a byte offset in `src` (clamped to src.len()).
pub fn line_col(src: &str, offset: usize) -> (usize, usize) {
    let mut end = offset.min(src.len());
    // An offset inside a multi-byte char counts as that char.
    while !src.is_char_boundary(end) {
        end -= 1;
    }
    let before = &src[..end];
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    let line = 1 + before.matches('\n').count();
    (line, 1 + before[line_start..].chars().count())
}

fn location(src: &str, span: &Range<usize>) -> Location {
    let (line, col) = line_col(src, span.start);
    Location { start: span.start, end: span.end, line, col }
}

// ---- Lexing -------------------------------------------------------------------------------------
// Every token boundary is an ASCII byte or the end of the text, so slicing there cannot panic.

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Kind {
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
struct Token {
    kind: Kind,
    start: usize,
    end: usize,
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

fn tokenize(src: &str) -> Vec<Token> {
    let mut tokens = Vec::new();
    while let Some(t) = next_token(src, tokens.last().map_or(0, |t: &Token| t.end)) {
        tokens.push(t);
    }
    tokens
}

/// The first token at or after `from`, skipping whitespace and comments.
fn next_token(src: &str, mut from: usize) -> Option<Token> {
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

// ---- Parsing into a tree ------------------------------------------------------------------------

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Shape {
    Scalar,
    /// `(...)` with `name:` fields, or an empty `()`.
    Struct,
    Tuple,
    List,
    Map,
}

#[derive(Clone, Debug)]
struct Node {
    span: Range<usize>,
    shape: Shape,
    /// The identifier before `(`, as in `Some(..)` or `Exp(..)`.
    name: Option<String>,
    entries: Vec<Entry>,
    /// Just after the opening bracket, and the closing bracket (None if unterminated).
    open_end: usize,
    close: Option<usize>,
}

impl Node {
    fn scalar(span: Range<usize>) -> Node {
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
struct Entry {
    key: Option<Key>,
    value: Node,
}

#[derive(Clone, Debug)]
struct Key {
    name: String,
    span: Range<usize>,
}

struct Parser<'a> {
    src: &'a str,
    tokens: Vec<Token>,
    pos: usize,
}

impl Parser<'_> {
    fn peek(&self, ahead: usize) -> Option<Token> {
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
    fn skip_attributes(&mut self) {
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
    fn value(&mut self, depth: usize) -> Node {
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
fn unquote(text: &str) -> String {
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
    let mut chars = s.chars();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some('n') => out.push('\n'),
            Some('t') => out.push('\t'),
            Some('r') => out.push('\r'),
            Some('0') => out.push('\0'),
            Some('u') => {
                let code: String = chars.by_ref().take_while(|&c| c != '}').collect();
                let hex = code.trim_start_matches('{');
                let decoded = u32::from_str_radix(hex, 16).ok().and_then(char::from_u32);
                out.push(decoded.unwrap_or(char::REPLACEMENT_CHARACTER));
            }
            Some(other) => out.push(other),
            None => out.push('\\'),
        }
    }
    out
}

/// A map key written back as a RON string (RON strings may hold raw newlines).
fn quote(s: &str) -> String {
    format!("\"{}\"", s.replace('\\', "\\\\").replace('"', "\\\""))
}

// ---- Looking values up --------------------------------------------------------------------------

/// The single value inside a named one-element tuple such as `Some(x)` or `Wrapper(x)`.
fn wrapped(node: &Node) -> Option<&Node> {
    match (node.shape, &node.name, node.entries.as_slice()) {
        (Shape::Tuple, Some(_), [only]) => Some(&only.value),
        _ => None,
    }
}

/// One step down along `seg`. `Some(x)` is always transparent; other one-element wrappers are
/// looked through when the segment does not name their element directly.
fn child<'n>(node: &'n Node, seg: &str) -> Option<&'n Entry> {
    if node.name.as_deref() == Some("Some")
        && let Some(inner) = wrapped(node)
    {
        return child(inner, seg);
    }
    let direct = match node.shape {
        Shape::Struct | Shape::Map => node
            .entries
            .iter()
            .rev() // serde keeps the last of repeated keys
            .find(|e| e.key.as_ref().is_some_and(|k| k.name == seg)),
        Shape::Tuple | Shape::List => seg.parse::<usize>().ok().and_then(|i| node.entries.get(i)),
        Shape::Scalar => None,
    };
    direct.or_else(|| wrapped(node).and_then(|inner| child(inner, seg)))
}

/// The struct or map that fields under `node` live in, looking through wrappers.
fn fields(node: &Node) -> Option<&Node> {
    match node.shape {
        Shape::Struct | Shape::Map => Some(node),
        _ => wrapped(node).and_then(fields),
    }
}

/// The node at `path` and its key, or the index of the first missing segment and its parent.
fn walk<'n>(
    root: &'n Node,
    path: &[&str],
) -> Result<(&'n Node, Option<&'n Key>), (usize, &'n Node)> {
    let mut node = root;
    let mut key = None;
    for (i, seg) in path.iter().enumerate() {
        let entry = child(node, seg).ok_or((i, node))?;
        node = &entry.value;
        key = entry.key.as_ref();
    }
    Ok((node, key))
}

/// An index of every value in a RON document by path.
#[derive(Debug, Clone)]
pub struct DocIndex {
    src: String,
    root: Option<Node>,
}

impl DocIndex {
    /// Scans `src`. Never fails: on malformed input it indexes whatever it could.
    pub fn new(src: &str) -> DocIndex {
        let mut parser = Parser { src, tokens: tokenize(src), pos: 0 };
        parser.skip_attributes();
        let root = parser.peek(0).is_some().then(|| parser.value(0));
        DocIndex { src: src.to_string(), root }
    }

    /// Location of the value at `path`. Segments are struct field names, map keys (string keys
    /// without quotes) and list/tuple indices; the empty path is the root value. `Some(x)` and
    /// one-element wrappers like `Name(x)` are transparent: the path continues into `x`, while
    /// the wrapper's own path finds the whole wrapper.
    pub fn find(&self, path: &[&str]) -> Option<Location> {
        let (node, _) = walk(self.root.as_ref()?, path).ok()?;
        Some(location(&self.src, &node.span))
    }

    /// Location of the field name or map key for the value at `path`, if it has one (to point
    /// at a misspelt name).
    pub fn find_key(&self, path: &[&str]) -> Option<Location> {
        let (_, key) = walk(self.root.as_ref()?, path).ok()?;
        key.map(|k| location(&self.src, &k.span))
    }

    /// Names of the keys directly under `path`, in source order, each once; empty if `path` is
    /// not a struct or map or is not there.
    pub fn keys(&self, path: &[&str]) -> Vec<String> {
        let found = self.root.as_ref().and_then(|r| walk(r, path).ok());
        found.and_then(|(n, _)| fields(n)).map_or_else(Vec::new, key_names)
    }

    /// Keys repeated under one struct or map: (parent path joined by '.', key, location of the
    /// second or later key), since serde would silently keep only the last.
    pub fn duplicate_keys(&self) -> Vec<(String, String, Location)> {
        let mut out = Vec::new();
        if let Some(root) = &self.root {
            self.duplicates_in(root, &mut Vec::new(), &mut out);
        }
        out
    }

    /// The innermost value written at byte `offset` (leading whitespace skipped): its path and
    /// location. Used to name the field behind a parse error, which ron reports by position only.
    pub fn value_at(&self, offset: usize) -> Option<(Vec<String>, Location)> {
        let rest = self.src.get(offset..)?;
        let offset = offset + (rest.len() - rest.trim_start().len());
        let mut node = self.root.as_ref()?;
        let mut path = Vec::new();
        while let Some((i, entry)) =
            node.entries.iter().enumerate().find(|(_, e)| covers(&e.value, offset))
        {
            if wrapped(node).is_none() {
                path.push(entry.key.as_ref().map_or_else(|| i.to_string(), |k| k.name.clone()));
            }
            node = &entry.value;
        }
        covers(node, offset).then(|| (path, location(&self.src, &node.span)))
    }

    fn duplicates_in(
        &self,
        node: &Node,
        path: &mut Vec<String>,
        out: &mut Vec<(String, String, Location)>,
    ) {
        // Wrappers are transparent in paths, so their contents share the wrapper's path.
        if let Some(inner) = wrapped(node) {
            return self.duplicates_in(inner, path, out);
        }
        let mut seen: Vec<&str> = Vec::new();
        for (i, entry) in node.entries.iter().enumerate() {
            let segment = match &entry.key {
                Some(k) if seen.contains(&k.name.as_str()) => {
                    let at = location(&self.src, &k.span);
                    out.push((path.join("."), k.name.clone(), at));
                    k.name.clone()
                }
                Some(k) => {
                    seen.push(&k.name);
                    k.name.clone()
                }
                None => i.to_string(),
            };
            path.push(segment);
            self.duplicates_in(&entry.value, path, out);
            path.pop();
        }
    }
}

/// True when `offset` falls on the value, its closing bracket included.
fn covers(node: &Node, offset: usize) -> bool {
    node.span.start <= offset && offset < node.span.end.max(node.span.start + 1)
}

fn key_names(node: &Node) -> Vec<String> {
    let mut names: Vec<String> = Vec::new();
    for key in node.entries.iter().filter_map(|e| e.key.as_ref()) {
        if !names.contains(&key.name) {
            names.push(key.name.clone());
        }
    }
    names
}

// ---- Patching -----------------------------------------------------------------------------------

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PatchError {
    /// A segment names nothing: `at` is the dotted path of the deepest existing parent,
    /// `missing` the segment that was not found, `available` the keys that do exist there.
    NotFound { at: String, missing: String, available: Vec<String> },
    /// The parent exists but is a scalar/list, so a field cannot be added under it.
    NotAContainer { at: String },
}

/// Returns `src` with the value at `path` replaced by `value_text` (verbatim), or with the field
/// inserted before the closing bracket when only the last segment is missing under a struct or
/// map (`name: value` / `"name": value`). Also returns the range `value_text` occupies in the
/// new text, so later parse errors there can be blamed on the patch.
pub fn patch(
    src: &str,
    path: &[&str],
    value_text: &str,
) -> Result<(String, Range<usize>), PatchError> {
    let index = DocIndex::new(src);
    match index.root.as_ref().map(|root| walk(root, path)) {
        Some(Ok((node, _))) => Ok(splice(src, node.span.clone(), "", value_text, "")),
        Some(Err((i, parent))) => add_missing(&index, path, i, parent, value_text),
        // An empty document: the root is whatever is written.
        None if path.is_empty() => Ok(splice(src, src.len()..src.len(), "", value_text, "")),
        None => Err(PatchError::NotAContainer { at: String::new() }),
    }
}

/// `path[i]` is missing under `parent`: insert it if it is the last segment and `parent` holds
/// fields, otherwise explain what is there.
fn add_missing(
    index: &DocIndex,
    path: &[&str],
    i: usize,
    parent: &Node,
    value_text: &str,
) -> Result<(String, Range<usize>), PatchError> {
    let at = path[..i].join(".");
    let missing = path[i].to_string();
    match fields(parent) {
        Some(target) if i + 1 == path.len() => Ok(insert(&index.src, target, &missing, value_text)),
        Some(_) => {
            let available = index.keys(&path[..i]);
            Err(PatchError::NotFound { at, missing, available })
        }
        None => missing_in_sequence(parent, at, missing),
    }
}

/// A list index that is out of range names nothing; any other name cannot be added to a list.
fn missing_in_sequence(
    parent: &Node,
    at: String,
    missing: String,
) -> Result<(String, Range<usize>), PatchError> {
    let is_index = !missing.is_empty() && missing.bytes().all(|c| c.is_ascii_digit());
    let mut parent = parent;
    while parent.name.as_deref() == Some("Some")
        && let Some(inner) = wrapped(parent)
    {
        parent = inner;
    }
    if is_index && matches!(parent.shape, Shape::List | Shape::Tuple) {
        let available = (0..parent.entries.len()).map(|i| i.to_string()).collect();
        return Err(PatchError::NotFound { at, missing, available });
    }
    Err(PatchError::NotAContainer { at })
}

/// `src` with `range` replaced by `before + value + after`; also where `value` ended up.
fn splice(
    src: &str,
    range: Range<usize>,
    before: &str,
    value: &str,
    after: &str,
) -> (String, Range<usize>) {
    let (head, tail) = (&src[..range.start], &src[range.end..]);
    let start = head.len() + before.len();
    let text = [head, before, value, after, tail].concat();
    (text, start..start + value.len())
}

/// Adds `name: value` as the last field of `target`, in the style of its existing fields.
fn insert(src: &str, target: &Node, name: &str, value: &str) -> (String, Range<usize>) {
    let field =
        if target.shape == Shape::Map { format!("{}: ", quote(name)) } else { format!("{name}: ") };
    let Some(last) = target.entries.last() else {
        let at = target.open_end..target.open_end;
        return splice(src, at, &field, value, "");
    };
    let after = last.value.span.end;
    let comma = next_token(src, after).filter(|t| t.kind == Kind::Comma);
    let close = target.close.unwrap_or(target.span.end);
    let close_line = src[..close].rfind('\n').map_or(0, |p| p + 1);
    let own_line = close_line > after && src[close_line..close].trim().is_empty();
    if !own_line {
        // One line, e.g. `(a: 1)` → `(a: 1, name: value)`.
        return match comma {
            Some(c) => splice(src, c.end..c.end, &format!(" {field}"), value, ","),
            None => splice(src, after..after, &format!(", {field}"), value, ""),
        };
    }
    // The closer sits on its own line: add a line indented like the last field.
    let entry_start = last.key.as_ref().map_or(last.value.span.start, |k| k.span.start);
    let entry_line = src[..entry_start].rfind('\n').map_or(0, |p| p + 1);
    let indent_len =
        src[entry_line..].len() - src[entry_line..].trim_start_matches([' ', '\t']).len();
    let before = format!("{}{field}", &src[entry_line..entry_line + indent_len]);
    match comma {
        Some(_) => splice(src, close_line..close_line, &before, value, ",\n"),
        None => {
            let with_comma = [&src[..after], ",", &src[after..]].concat();
            let at = close_line + 1..close_line + 1;
            splice(&with_comma, at, &before, value, ",\n")
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const EXAMPLE: &str = r#"#![enable(implicit_some)]
Scenario(
    name: "queue-growth", // comment with ( and "quote
    services: {
        "db": (workers: 4, service_time: Exp(mean: "20ms")),
        "api": (workers: 2, queue_capacity: Some(10)),
    },
    invariants: [ LatencySlo(percentile: 99.0, bound: "2s"), NoLostRequests ],
)
"#;

    /// The text a lookup found.
    fn text_at<'s>(src: &'s str, path: &[&str]) -> &'s str {
        let loc = DocIndex::new(src).find(path).expect("path should exist");
        &src[loc.start..loc.end]
    }

    fn key_at<'s>(src: &'s str, path: &[&str]) -> &'s str {
        let loc = DocIndex::new(src).find_key(path).expect("key should exist");
        &src[loc.start..loc.end]
    }

    fn patched(src: &str, path: &[&str], value: &str) -> String {
        let (text, range) = patch(src, path, value).expect("patch should apply");
        assert_eq!(&text[range], value);
        text
    }

    #[test]
    fn finds_example_values_with_positions() {
        let index = DocIndex::new(EXAMPLE);
        let workers = index.find(&["services", "db", "workers"]).unwrap();
        assert_eq!(&EXAMPLE[workers.start..workers.end], "4");
        assert_eq!((workers.line, workers.col), (5, 25));
        let mean = index.find(&["services", "db", "service_time", "mean"]).unwrap();
        assert_eq!(&EXAMPLE[mean.start..mean.end], "\"20ms\"");
        assert_eq!((mean.line, mean.col), (5, 52));
        assert_eq!(text_at(EXAMPLE, &["invariants", "0", "bound"]), "\"2s\"");
        assert_eq!(text_at(EXAMPLE, &["invariants", "1"]), "NoLostRequests");
        assert_eq!(text_at(EXAMPLE, &["services", "api", "queue_capacity"]), "Some(10)");
        assert_eq!(text_at(EXAMPLE, &["name"]), "\"queue-growth\"");
        assert!(text_at(EXAMPLE, &[]).starts_with("Scenario(\n"));
        assert_eq!(index.find(&["services", "cache"]), None);
        assert_eq!(index.find(&["invariants", "2"]), None);
        assert_eq!(index.find(&["name", "x"]), None);
    }

    #[test]
    fn lists_example_keys() {
        let index = DocIndex::new(EXAMPLE);
        assert_eq!(index.keys(&["services"]), ["db", "api"]);
        assert_eq!(index.keys(&["services", "db"]), ["workers", "service_time"]);
        assert_eq!(index.keys(&[]), ["name", "services", "invariants"]);
        assert_eq!(index.keys(&["services", "db", "service_time"]), ["mean"]);
        assert!(index.keys(&["invariants"]).is_empty());
        assert!(index.keys(&["name"]).is_empty());
        assert!(index.keys(&["nope"]).is_empty());
    }

    #[test]
    fn finds_keys() {
        assert_eq!(key_at(EXAMPLE, &["services", "db"]), "\"db\"");
        assert_eq!(key_at(EXAMPLE, &["services", "db", "workers"]), "workers");
        let index = DocIndex::new(EXAMPLE);
        assert_eq!(index.find_key(&["invariants", "0"]), None);
        assert_eq!(index.find_key(&[]), None);
        let loc = index.find_key(&["name"]).unwrap();
        assert_eq!((loc.line, loc.col), (3, 5));
    }

    #[test]
    fn replaces_only_the_value() {
        let text = patched(EXAMPLE, &["services", "db", "workers"], "16");
        assert_eq!(text, EXAMPLE.replacen("workers: 4", "workers: 16", 1));
        let text = patched(EXAMPLE, &["services", "api", "queue_capacity"], "None");
        assert_eq!(text, EXAMPLE.replacen("Some(10)", "None", 1));
        assert_eq!(patched("(a: 1)", &[], "7"), "7");
    }

    #[test]
    fn inserts_a_missing_field() {
        let text = patched(EXAMPLE, &["services", "db", "queue_capacity"], "100");
        let want = r#"(workers: 4, service_time: Exp(mean: "20ms"), queue_capacity: 100),"#;
        assert!(text.contains(want), "{text}");
        assert_eq!(text.len(), EXAMPLE.len() + ", queue_capacity: 100".len());
        let index = DocIndex::new(&text);
        assert_eq!(index.keys(&["services", "db"]), ["workers", "service_time", "queue_capacity"]);
        let text = patched(EXAMPLE, &["services", "cache"], "(workers: 1)");
        assert!(text.contains("        \"cache\": (workers: 1),\n    },"), "{text}");
        let text = patched(EXAMPLE, &["seed"], "7");
        assert!(text.ends_with("NoLostRequests ],\n    seed: 7,\n)\n"), "{text}");
    }

    #[test]
    fn reports_what_is_missing() {
        assert_eq!(
            patch(EXAMPLE, &["services", "cache", "workers"], "1"),
            Err(PatchError::NotFound {
                at: "services".into(),
                missing: "cache".into(),
                available: vec!["db".into(), "api".into()],
            })
        );
        assert_eq!(
            patch(EXAMPLE, &["name", "x"], "1"),
            Err(PatchError::NotAContainer { at: "name".into() })
        );
        assert_eq!(
            patch(EXAMPLE, &["invariants", "x"], "1"),
            Err(PatchError::NotAContainer { at: "invariants".into() })
        );
        assert_eq!(
            patch(EXAMPLE, &["invariants", "5", "bound"], "1"),
            Err(PatchError::NotFound {
                at: "invariants".into(),
                missing: "5".into(),
                available: vec!["0".into(), "1".into()],
            })
        );
        let at_top = patch(EXAMPLE, &["servics", "db"], "1");
        assert!(matches!(at_top, Err(PatchError::NotFound { at, .. }) if at.is_empty()));
        assert_eq!(patch("", &["a"], "1"), Err(PatchError::NotAContainer { at: String::new() }));
    }

    #[test]
    fn inserts_into_empty_containers() {
        assert_eq!(patched("()", &["a"], "1"), "(a: 1)");
        assert_eq!(patched("Config()", &["a"], "1"), "Config(a: 1)");
        assert_eq!(patched("(m: {})", &["m", "k"], "1"), "(m: {\"k\": 1})");
        assert_eq!(patched("(m: { })", &["m", "a\"b"], "1"), "(m: {\"a\\\"b\": 1 })");
        assert_eq!(patched("", &[], "(a: 1)"), "(a: 1)");
        assert_eq!(text_at("Config()", &[]), "Config()");
        assert!(DocIndex::new("()").keys(&[]).is_empty());
    }

    #[test]
    fn insertion_handles_commas_and_layout() {
        assert_eq!(patched("(a: 1,)", &["b"], "2"), "(a: 1, b: 2,)");
        assert_eq!(patched("(a: 1 /* c */)", &["b"], "2"), "(a: 1, b: 2 /* c */)");
        assert_eq!(patched("(\n  a: 1 // one\n)", &["b"], "2"), "(\n  a: 1, // one\n  b: 2,\n)");
        assert_eq!(patched("(\n\ta: 1, // one\n)", &["b"], "2"), "(\n\ta: 1, // one\n\tb: 2,\n)");
        assert_eq!(patched("(\n  a: 1)", &["b"], "2"), "(\n  a: 1, b: 2)");
        // Through `Some(..)` and into a nested struct.
        assert_eq!(
            patched("(r: Some((max: 1)))", &["r", "min"], "0"),
            "(r: Some((max: 1, min: 0)))"
        );
    }

    #[test]
    fn brackets_in_comments_and_strings_are_ignored() {
        let src = r###"(
            a: "x)(]\"[", /* ) ] } */ b: ')',
            c: r#"a"(b"#, // ) and "
            d: r"(", e: b"]", f: '\'', g: br##"]"#"##,
            h: 1,
        )"###;
        assert_eq!(text_at(src, &["a"]), r#""x)(]\"[""#);
        assert_eq!(text_at(src, &["b"]), "')'");
        assert_eq!(text_at(src, &["c"]), r###"r#"a"(b"#"###);
        assert_eq!(text_at(src, &["g"]), r###"br##"]"#"##"###);
        assert_eq!(text_at(src, &["h"]), "1");
        let keys = DocIndex::new(src).keys(&[]);
        assert_eq!(keys, ["a", "b", "c", "d", "e", "f", "g", "h"]);
    }

    #[test]
    fn nested_block_comments() {
        let src = "(a: /* outer /* inner ) */ still ( comment */ 5, b: 6)";
        assert_eq!(text_at(src, &["a"]), "5");
        assert_eq!(text_at(src, &["b"]), "6");
    }

    #[test]
    fn multi_line_values_and_unicode_columns() {
        let src = "(\n  é: \"ü\", x: [\n    1,\n    2,\n  ],\n)";
        let x = DocIndex::new(src).find(&["x"]).unwrap();
        assert_eq!(&src[x.start..x.end], "[\n    1,\n    2,\n  ]");
        // `é` and `ü` are two bytes each but one column.
        assert_eq!((x.line, x.col), (2, 14));
        assert_eq!(text_at(src, &["é"]), "\"ü\"");
        let two = DocIndex::new(src).find(&["x", "1"]).unwrap();
        assert_eq!((two.line, two.col), (4, 5));
    }

    #[test]
    fn line_col_edges() {
        assert_eq!(line_col("", 0), (1, 1));
        assert_eq!(line_col("ab\ncd", 3), (2, 1));
        assert_eq!(line_col("ab\ncd", 99), (2, 3));
        // Inside the two-byte `é`: reported at the `é`.
        assert_eq!(line_col("xé", 2), (1, 2));
    }

    #[test]
    fn tuples_lists_wrappers_and_maps() {
        let src = r#"(t: (1, "two", [3, 4]), o: Some([5, 6]), w: Wrap((k: 7)),
            c: Const("1s"), m: { 1: "one", Key: 2, "es\"c\n": 3, 'c': 4 }, n: Some(Some((z: 8))))"#;
        assert_eq!(text_at(src, &["t", "1"]), "\"two\"");
        assert_eq!(text_at(src, &["t", "2", "1"]), "4");
        assert_eq!(text_at(src, &["o", "1"]), "6");
        assert_eq!(text_at(src, &["w", "k"]), "7");
        assert_eq!(text_at(src, &["w", "0"]), "(k: 7)");
        assert_eq!(text_at(src, &["c", "0"]), "\"1s\"");
        assert_eq!(text_at(src, &["n", "z"]), "8");
        assert_eq!(text_at(src, &["m", "1"]), "\"one\"");
        assert_eq!(text_at(src, &["m", "Key"]), "2");
        assert_eq!(text_at(src, &["m", "es\"c\n"]), "3");
        assert_eq!(text_at(src, &["m", "c"]), "4");
        let index = DocIndex::new(src);
        assert_eq!(index.keys(&["w"]), ["k"]);
        assert_eq!(index.keys(&["n"]), ["z"]);
        assert!(index.keys(&["c"]).is_empty());
        assert_eq!(
            patch(src, &["o", "9"], "1"),
            Err(PatchError::NotFound {
                at: "o".into(),
                missing: "9".into(),
                available: vec!["0".into(), "1".into()],
            })
        );
    }

    #[test]
    fn reports_duplicate_keys() {
        let src = "(a: 1, s: { \"x\": 1, \"y\": 2, \"x\": 3 }, a: 2, o: Some((k: 1, k: 2)), a: 3)";
        let dups = DocIndex::new(src).duplicate_keys();
        let found: Vec<(&str, &str, usize)> =
            dups.iter().map(|(p, k, l)| (p.as_str(), k.as_str(), l.col)).collect();
        assert_eq!(found, [("s", "x", 29), ("", "a", 39), ("o", "k", 60), ("", "a", 68)]);
        // serde keeps the last, so lookups do too.
        assert_eq!(text_at(src, &["a"]), "3");
        assert_eq!(DocIndex::new(src).keys(&[]), ["a", "s", "o"]);
        assert!(DocIndex::new(EXAMPLE).duplicate_keys().is_empty());
    }

    #[test]
    fn skips_attributes_and_trailing_commas() {
        let src = "#![enable(implicit_some)]\n#![enable(unwrap_newtypes)]\n(a: [1, 2,], b: (3,),)";
        assert_eq!(text_at(src, &["a", "1"]), "2");
        assert_eq!(text_at(src, &["b", "0"]), "3");
        assert_eq!(DocIndex::new(src).find(&["a", "2"]), None);
        assert!(text_at(src, &[]).starts_with("(a:"));
    }

    #[test]
    fn malformed_input_is_indexed_as_far_as_possible() {
        let src = "(a: 1, b: [2, 3), c: \"unterminated";
        assert_eq!(text_at(src, &["a"]), "1");
        assert_eq!(text_at(src, &["b", "1"]), "3");
        assert_eq!(DocIndex::new("").find(&[]), None);
        assert_eq!(DocIndex::new("  // only a comment").find(&[]), None);
        let deep = "([{".repeat(50_000);
        assert!(DocIndex::new(&deep).find(&["0", "0"]).is_some());
        assert!(patch(&deep, &["0", "x"], "1").is_err());
    }

    /// xorshift64: deterministic pseudo-random numbers without dependencies.
    struct Rng(u64);

    impl Rng {
        fn next(&mut self) -> u64 {
            self.0 ^= self.0 << 13;
            self.0 ^= self.0 >> 7;
            self.0 ^= self.0 << 17;
            self.0
        }

        fn below(&mut self, n: usize) -> usize {
            (self.next() % n.max(1) as u64) as usize
        }
    }

    const PIECES: &[&str] = &[
        "(", ")", "[", "]", "{", "}", ",", ":", "\"", "'", "\\", "/", "*", "//", "/*", "*/", "#",
        "!", "r", "r#\"", "\"#", "b", " ", "\n", "a", "Some", "é", "🦀", "1", "-2.5e3", "x:",
    ];

    fn garble(rng: &mut Rng) -> String {
        if rng.below(2) == 0 {
            let mut s: Vec<char> = EXAMPLE.chars().collect();
            for _ in 0..1 + rng.below(6) {
                if s.is_empty() {
                    break;
                }
                let at = rng.below(s.len());
                match rng.below(3) {
                    0 => drop(s.remove(at)),
                    1 => s.insert(at, PIECES[rng.below(PIECES.len())].chars().next().unwrap()),
                    _ => s.truncate(at),
                }
            }
            return s.into_iter().collect();
        }
        (0..rng.below(40)).map(|_| PIECES[rng.below(PIECES.len())]).collect()
    }

    #[test]
    fn never_panics_on_garbled_input() {
        let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
        let segs = ["services", "db", "workers", "0", "1", "a", "x", "name", ""];
        for _ in 0..4000 {
            let src = garble(&mut rng);
            let path: Vec<&str> = (0..rng.below(4)).map(|_| segs[rng.below(segs.len())]).collect();
            let index = DocIndex::new(&src);
            for len in 0..=path.len() {
                if let Some(loc) = index.find(&path[..len]) {
                    assert!(loc.start <= loc.end && src.get(loc.start..loc.end).is_some());
                }
                let _ = (index.find_key(&path[..len]), index.keys(&path[..len]));
            }
            let _ = index.duplicate_keys();
            let _ = line_col(&src, rng.below(src.len() + 3));
            if let Ok((text, range)) = patch(&src, &path, "(v: 1)") {
                assert_eq!(text.get(range), Some("(v: 1)"), "{src:?} {path:?}");
            }
        }
    }
}

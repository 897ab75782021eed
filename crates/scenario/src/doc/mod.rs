//! Positions and text patches for RON scenario files: where the value at a dotted path is
//! written (ron itself reports no per-value positions), and replacing or inserting values in the
//! text so that variants and `--set` can change a scenario before it is parsed.

use std::ops::Range;

mod edit;
mod lex;
#[cfg(test)]
mod proptests;
mod remove;
#[cfg(test)]
mod remove_tests;
#[cfg(test)]
mod tests;
mod tree;

pub use edit::{PatchError, patch};
use lex::tokenize;
pub use remove::remove;
pub use tree::quote;
use tree::{Entry, Key, Node, Parser, Shape};

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

    /// Every value's path and location, parents first and in source order, the root (the empty
    /// path) first. A repeated key is listed once, for its last value (the one serde keeps).
    /// Paths are the ones [`find`](Self::find) takes: `Some(x)` adds no segment (the entries of
    /// `x` continue its path), other one-element wrappers such as `Const(x)` hold `x` at `0`.
    #[cfg(test)]
    pub fn paths(&self) -> Vec<(Vec<String>, Location)> {
        let mut out = Vec::new();
        if let Some(root) = &self.root {
            self.paths_in(root, &mut Vec::new(), &mut out);
        }
        out
    }

    #[cfg(test)]
    fn paths_in(
        &self,
        node: &Node,
        path: &mut Vec<String>,
        out: &mut Vec<(Vec<String>, Location)>,
    ) {
        out.push((path.clone(), location(&self.src, &node.span)));
        let mut inner = node;
        while inner.name.as_deref() == Some("Some")
            && let Some(x) = wrapped(inner)
        {
            inner = x;
        }
        for (i, entry) in inner.entries.iter().enumerate() {
            let later = &inner.entries[i + 1..];
            let segment = match &entry.key {
                Some(k)
                    if later.iter().any(|e| e.key.as_ref().is_some_and(|l| l.name == k.name)) =>
                {
                    continue;
                }
                Some(k) => k.name.clone(),
                None => i.to_string(),
            };
            path.push(segment);
            self.paths_in(&entry.value, path, out);
            path.pop();
        }
    }

    /// Keys repeated under one struct or map: (parent path, key, location of the second or later
    /// key), since serde would silently keep only the last.
    pub fn duplicate_keys(&self) -> Vec<(Vec<String>, String, Location)> {
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
        out: &mut Vec<(Vec<String>, String, Location)>,
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
                    out.push((path.clone(), k.name.clone(), at));
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

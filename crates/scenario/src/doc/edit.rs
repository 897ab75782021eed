//! Replacing and inserting values in the text.

use std::ops::Range;

use super::lex::{Kind, next_token};
use super::tree::{Node, Shape, quote};
use super::{DocIndex, fields, walk, wrapped};

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PatchError {
    /// A segment names nothing: `at` is the path of the deepest existing parent, `missing` the
    /// segment that was not found, `available` the keys that do exist there.
    NotFound { at: Vec<String>, missing: String, available: Vec<String> },
    /// The parent exists but is a scalar/list, so a field cannot be added under it.
    NotAContainer { at: Vec<String> },
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
        None => Err(PatchError::NotAContainer { at: Vec::new() }),
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
    let at = path[..i].iter().map(|s| s.to_string()).collect();
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
    at: Vec<String>,
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

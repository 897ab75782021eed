//! Removing one list item, map entry or struct field from RON text (what `faultline shrink`
//! cuts with). It must never touch text outside the entry, its separator and, when the entry
//! sat on lines of its own, those lines.

use super::edit::PatchError;
use super::lex::{Kind, next_token};
use super::tree::{Entry, Node, Shape};
use super::{DocIndex, fields, walk, wrapped};

/// Returns `src` without the entry at `path`: a list index (`faults.2`), a map key
/// (`clients.web`) or a struct field (`variants`). The entry goes with its comma; an entry
/// written on lines of its own goes with those lines (and a comment ending its last line).
pub fn remove(src: &str, path: &[&str]) -> Result<String, PatchError> {
    let Some((last, parent_path)) = path.split_last() else {
        return Err(PatchError::NotAContainer { at: Vec::new() });
    };
    let index = DocIndex::new(src);
    let at: Vec<String> = parent_path.iter().map(|s| s.to_string()).collect();
    let root = index.root.as_ref().ok_or(PatchError::NotAContainer { at: Vec::new() })?;
    let (parent, _) = walk(root, parent_path).map_err(|(i, _)| PatchError::NotFound {
        at: parent_path[..i].iter().map(|s| s.to_string()).collect(),
        missing: parent_path[i].to_string(),
        available: index.keys(&parent_path[..i]),
    })?;
    let holder = holder(parent).ok_or_else(|| PatchError::NotAContainer { at: at.clone() })?;
    let position = match holder.shape {
        Shape::Struct | Shape::Map => {
            holder.entries.iter().rposition(|e| e.key.as_ref().is_some_and(|k| k.name == *last))
        }
        _ => last.parse::<usize>().ok().filter(|&i| i < holder.entries.len()),
    };
    let Some(position) = position else {
        let available = match holder.shape {
            Shape::Struct | Shape::Map => index.keys(parent_path),
            _ => (0..holder.entries.len()).map(|i| i.to_string()).collect(),
        };
        return Err(PatchError::NotFound { at, missing: last.to_string(), available });
    };
    let cut = cut_range(src, holder, position);
    Ok([&src[..cut.start], &src[cut.end..]].concat())
}

/// The node whose entries are addressed by the next segment, looking through `Some(..)` and
/// one-element wrappers; None for a scalar.
fn holder(node: &Node) -> Option<&Node> {
    let mut node = node;
    while node.name.as_deref() == Some("Some")
        && let Some(inner) = wrapped(node)
    {
        node = inner;
    }
    match node.shape {
        Shape::Struct | Shape::Map | Shape::List => Some(node),
        Shape::Tuple => fields(node).or(Some(node)),
        Shape::Scalar => None,
    }
}

fn entry_start(entry: &Entry) -> usize {
    entry.key.as_ref().map_or(entry.value.span.start, |k| k.span.start)
}

/// The bytes to delete for `holder.entries[position]`.
fn cut_range(src: &str, holder: &Node, position: usize) -> std::ops::Range<usize> {
    let entry = &holder.entries[position];
    let start = entry_start(entry);
    let end = entry.value.span.end;
    let after = next_token(src, end).filter(|t| t.kind == Kind::Comma).map_or(end, |t| t.end);
    let line_start = src[..start].rfind('\n').map_or(0, |p| p + 1);
    let line_end = src[after..].find('\n').map_or(src.len(), |p| after + p);
    let rest = src[after..line_end].trim();
    let alone_before = src[line_start..start].trim().is_empty();
    if alone_before && (rest.is_empty() || rest.starts_with("//")) {
        return line_start..(line_end + 1).min(src.len());
    }
    if let Some(next) = holder.entries.get(position + 1) {
        return start..entry_start(next);
    }
    match position.checked_sub(1).map(|p| &holder.entries[p]) {
        Some(previous) => previous.value.span.end..after,
        None => holder.open_end..holder.close.unwrap_or(after).max(after),
    }
}

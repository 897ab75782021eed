//! Parsing with positions, and applying variant and `--set` patches to the scenario text.
//!
//! Patches work on the text, not on parsed values, so that every value the user did not patch
//! keeps its position in the file for error messages, and a patched value's errors point at the
//! patch that put it there.

use ron::Options;
use ron::error::{Error as RonError, SpannedError};
use ron::extensions::Extensions;

use crate::Overrides;
use crate::doc::{self, DocIndex, PatchError};
use crate::error::{Origin, Problem, closest, did_you_mean, list};
use crate::path;
use crate::raw::ScenarioFile;
use crate::validate::PathProblem;

/// Maps that hold named components: a missing key there is an unknown component, not a field
/// to add.
const COMPONENT_MAPS: &[&str] = &["clients", "services"];

pub(crate) fn ron_options() -> Options {
    Options::default()
        .with_default_extension(Extensions::IMPLICIT_SOME)
        .with_default_extension(Extensions::UNWRAP_VARIANT_NEWTYPES)
}

/// Parses scenario text into raw types; the error carries the position ron reports.
pub(crate) fn parse(text: &str) -> Result<ScenarioFile, Problem> {
    ron_options().from_str(text).map_err(|e| ron_problem(text, &e))
}

/// A parse error at ron's position, or, for errors about a value's type or missing fields, at
/// the value itself and naming its path (ron names neither).
fn ron_problem(text: &str, error: &SpannedError) -> Problem {
    let (mut line, mut col) = (error.span.start.line, error.span.start.col);
    let (mut message, help) = describe_ron_error(&error.code);
    let offset = offset_of(text, line, col);
    let value = DocIndex::new(text).value_at(offset);
    // Type errors point just before the value; a missing field points at the struct's end.
    if let Some((path, at)) = value
        && !path.is_empty()
        && is_about_a_value(&error.code)
        && (text.get(offset..at.start).is_some_and(|gap| gap.trim().is_empty())
            || matches!(error.code, RonError::MissingStructField { .. }))
    {
        (line, col) = (at.line, at.col);
        message = format!("`{}`: {message}", path::display(&path));
    }
    Problem::new(Origin::File { line, col }, message).with_help(help)
}

/// Errors about what a well-formed value holds, as opposed to syntax errors.
fn is_about_a_value(code: &RonError) -> bool {
    matches!(
        code,
        RonError::InvalidValueForType { .. }
            | RonError::MissingStructField { .. }
            | RonError::ExpectedInteger
            | RonError::ExpectedFloat
            | RonError::ExpectedString
            | RonError::ExpectedBoolean
            | RonError::ExpectedOption
            | RonError::ExpectedMap
            | RonError::ExpectedArray
            | RonError::ExpectedNamedStructLike(_)
            | RonError::ExpectedStructLike
            | RonError::ExpectedDifferentStructName { .. }
            | RonError::IntegerOutOfBounds
    )
}

/// Byte offset of a 1-based line and column (in characters).
fn offset_of(text: &str, line: usize, col: usize) -> usize {
    let line_start: usize =
        text.split_inclusive('\n').take(line.saturating_sub(1)).map(str::len).sum();
    let rest = &text[line_start.min(text.len())..];
    line_start + rest.char_indices().nth(col.saturating_sub(1)).map_or(rest.len(), |(i, _)| i)
}

/// ron's message, with a suggestion for misspelt names.
fn describe_ron_error(code: &RonError) -> (String, Option<String>) {
    match code {
        RonError::NoSuchStructField { expected, found, outer } => {
            let within = outer.as_deref().map(|o| format!(" in `{o}`")).unwrap_or_default();
            let help = did_you_mean(found, expected.iter().copied())
                .or_else(|| Some(format!("valid fields are {}", list(expected))));
            (format!("unknown field `{found}`{within}"), help)
        }
        RonError::NoSuchEnumVariant { expected, found, outer } => {
            let within = outer.as_deref().map(|o| format!(" for `{o}`")).unwrap_or_default();
            let help = did_you_mean(found, expected.iter().copied())
                .or_else(|| Some(format!("valid kinds are {}", list(expected))));
            (format!("unknown kind `{found}`{within}"), help)
        }
        RonError::MissingStructField { field, outer } => {
            let within = outer.as_deref().map(|o| format!(" in `{o}`")).unwrap_or_default();
            (format!("missing field `{field}`{within}"), Some(format!("add `{field}: ...`")))
        }
        other => (other.to_string(), None),
    }
}

/// A patch that was applied, remembered so that problems under its path point at it.
#[derive(Debug)]
struct Applied {
    path: Vec<String>,
    origin: Origin,
    description: String,
}

/// The scenario text after patches, and where each patch came from.
#[derive(Debug)]
pub(crate) struct Patched {
    pub(crate) text: String,
    applied: Vec<Applied>,
}

impl Patched {
    /// Turns a validation problem at a path into a positioned one.
    pub(crate) fn locate(&self, base_text: &str, problem: PathProblem) -> Problem {
        let patch = self.applied.iter().rev().find(|a| problem.path.starts_with(&a.path));
        let (origin, message) = match patch {
            Some(a) if matches!(a.origin, Origin::CommandLine { .. }) => {
                (a.origin.clone(), problem.message)
            }
            Some(a) => {
                (a.origin.clone(), format!("{} (set by {})", problem.message, a.description))
            }
            None => (locate_in(base_text, &problem.path), problem.message),
        };
        Problem::new(origin, message).with_help(problem.help)
    }
}

/// The position of the value at `path`, or of its nearest parent that is written in the file.
fn locate_in(text: &str, path: &[String]) -> Origin {
    let index = DocIndex::new(text);
    for len in (0..=path.len()).rev() {
        let parts: Vec<&str> = path[..len].iter().map(String::as_str).collect();
        if let Some(loc) = index.find(&parts) {
            return Origin::File { line: loc.line, col: loc.col };
        }
    }
    Origin::Whole
}

/// Applies the chosen variant's patches, then the command line's.
pub(crate) fn apply(
    text: &str,
    base: &ScenarioFile,
    overrides: &Overrides,
) -> Result<Patched, Vec<Problem>> {
    let mut patched = Patched { text: text.to_string(), applied: Vec::new() };
    if let Some(name) = &overrides.variant {
        apply_variant(&mut patched, text, base, name)?;
    }
    for arg in &overrides.sets {
        apply_set(&mut patched, arg)?;
    }
    Ok(patched)
}

fn apply_variant(
    patched: &mut Patched,
    text: &str,
    base: &ScenarioFile,
    name: &str,
) -> Result<(), Vec<Problem>> {
    let Some(variant) = base.variants.get(name) else {
        let names: Vec<&str> = base.variants.keys().map(String::as_str).collect();
        let help = did_you_mean(name, names.iter().copied())
            .or_else(|| Some(format!("variants are {}", list(&names))));
        return Err(vec![
            Problem::new(Origin::Whole, format!("no variant named `{name}`")).with_help(help),
        ]);
    };
    let index = DocIndex::new(text);
    for (key, value) in &variant.set {
        let at = index.find_key(&["variants", name, "set", key]);
        let origin = at.map_or(Origin::Whole, |loc| Origin::File { line: loc.line, col: loc.col });
        let segments = parse_path(key, &origin)?;
        let description = format!("variant `{name}`");
        patch_one(patched, &segments, &[value_only(value.get_ron())], origin, description)?;
    }
    Ok(())
}

/// A variant's value without the whitespace and comments ron keeps around it, which would
/// otherwise be spliced into the scenario with it.
fn value_only(raw: &str) -> String {
    DocIndex::new(raw)
        .find(&[])
        .map_or_else(|| raw.trim().to_string(), |at| raw[at.start..at.end].to_string())
}

/// The segments of a path written in a variant's `set` or a `--set` argument.
fn parse_path(text: &str, origin: &Origin) -> Result<Vec<String>, Vec<Problem>> {
    path::parse(text).map_err(|e| {
        let help = "paths look like `services.db.workers`; a name holding a `.` is quoted, as in \
                    `services.\"api.v2\".workers`";
        let message = format!("`{}` is not a path: {e}", text.trim());
        vec![Problem::new(origin.clone(), message).with_help(Some(help.into()))]
    })
}

fn apply_set(patched: &mut Patched, arg: &str) -> Result<(), Vec<Problem>> {
    let origin = Origin::CommandLine { arg: arg.to_string() };
    let Some((path, value)) = path::split_assignment(arg) else {
        // An unclosed quote hides the `=`: say so rather than that there is none.
        parse_path(arg, &origin)?;
        let help = Some("write it as PATH=VALUE, e.g. `--set services.db.workers=16`".to_string());
        return Err(vec![Problem::new(origin, "missing `=`").with_help(help)]);
    };
    let segments = parse_path(path, &origin)?;
    let readings = command_line_readings(value.trim());
    patch_one(patched, &segments, &readings, origin, "--set".to_string())
}

/// The ways to read a `--set` value, to be tried in order until the scenario parses. A single
/// RON value is taken as written (`16`, `true`, `None`, `Fifo`, `Spike(...)`, `"quoted"`), and
/// then, unless it is a string already, as a string: a bare word such as `api`, `1` or `None`
/// where the scenario expects a string is that string. Anything else (`600s`, `300/s`,
/// `say "hi"`) is only a string.
fn command_line_readings(value: &str) -> Vec<String> {
    let as_string = doc::quote(value);
    match ron_options().from_str::<ron::Value>(value) {
        Ok(ron::Value::String(_)) if is_one_value(value) => vec![value.to_string()],
        Ok(_) if is_one_value(value) => vec![value.to_string(), as_string],
        _ => vec![as_string],
    }
}

/// True when `value` is one value and nothing else: no comment after it, which spliced into the
/// scenario would swallow the rest of the line.
fn is_one_value(value: &str) -> bool {
    DocIndex::new(value).find(&[]).is_some_and(|at| at.start == 0 && at.end == value.len())
}

/// Sets the value at `segments` to the first of `readings` with which the scenario parses; when
/// none does, the error is the first reading's.
fn patch_one(
    patched: &mut Patched,
    segments: &[String],
    readings: &[String],
    origin: Origin,
    description: String,
) -> Result<(), Vec<Problem>> {
    let problem = |message: String, help: Option<String>| {
        vec![Problem::new(origin.clone(), message).with_help(help)]
    };
    let parts: Vec<&str> = segments.iter().map(String::as_str).collect();
    let mut first_error = None;
    for value in readings {
        let text = insert_or_replace(&patched.text, &parts, value)
            .map_err(|e| problem(patch_error(&e), patch_help(&e, segments)))?;
        match parse(&text) {
            Ok(_) => {
                patched.text = text;
                patched.applied.push(Applied { path: segments.to_vec(), origin, description });
                return Ok(());
            }
            Err(e) => {
                let shown = path::display(segments);
                let message = format!("setting `{shown}` to `{value}`: {}", e.message);
                first_error.get_or_insert_with(|| problem(message, e.help));
            }
        }
    }
    Err(first_error.unwrap_or_else(|| problem("no value to set".into(), None)))
}

/// Replaces the value at `parts`; where a struct lacks the field (or whole nested structs are
/// absent because they were left to defaults), writes them in.
fn insert_or_replace(text: &str, parts: &[&str], value: &str) -> Result<String, PatchError> {
    match doc::patch(text, parts, value) {
        Ok((new_text, _)) => Ok(new_text),
        Err(PatchError::NotFound { at, missing, available }) => {
            let depth = at.len();
            if depth == 1 && COMPONENT_MAPS.contains(&at[0].as_str()) {
                return Err(PatchError::NotFound { at, missing, available });
            }
            let nested = parts[depth + 1..]
                .iter()
                .rev()
                .fold(value.to_string(), |inner, field| format!("({field}: {inner})"));
            doc::patch(text, &parts[..=depth], &nested).map(|(t, _)| t)
        }
        Err(other) => Err(other),
    }
}

/// Names in messages are written as they would be in a path: quoted when they must be.
fn patch_error(error: &PatchError) -> String {
    match error {
        PatchError::NotFound { at, missing, .. } if at.is_empty() => {
            format!("no field `{}` at the top level", path::segment(missing))
        }
        PatchError::NotFound { at, missing, .. } => {
            format!("`{}` has no `{}`", path::display(at), path::segment(missing))
        }
        PatchError::NotAContainer { at } => {
            format!("`{}` is a single value; it has no fields to set", path::display(at))
        }
    }
}

/// The fix for a missing name: the path with a dotted name quoted when the next segments, joined
/// with dots, name something there; else the closest name; else every name.
fn patch_help(error: &PatchError, segments: &[String]) -> Option<String> {
    let PatchError::NotFound { at, missing, available } = error else {
        return None;
    };
    let rest = &segments[at.len()..];
    let dotted = (2..=rest.len()).rev().find(|&n| available.contains(&rest[..n].join(".")));
    if let Some(n) = dotted {
        let fixed: Vec<String> = [at.as_slice(), &[rest[..n].join(".")], &rest[n..]].concat();
        return Some(format!("names holding a `.` are quoted: `{}`", path::display(&fixed)));
    }
    if let Some(best) = closest(missing, available.iter().map(String::as_str)) {
        return Some(format!("did you mean `{}`?", path::segment(best)));
    }
    let shown: Vec<String> = available.iter().map(|n| path::segment(n)).collect();
    Some(format!("valid names here are {}", list(&shown)))
}

/// Components or fields written twice: serde would silently keep the last one.
pub(crate) fn duplicate_names(text: &str) -> Vec<Problem> {
    DocIndex::new(text)
        .duplicate_keys()
        .into_iter()
        .map(|(parent, key, loc)| {
            let within = if parent.is_empty() {
                "the scenario".to_string()
            } else {
                format!("`{}`", path::display(&parent))
            };
            Problem::new(
                Origin::File { line: loc.line, col: loc.col },
                format!("`{}` appears twice in {within}", path::segment(&key)),
            )
            .with_help(Some("remove or rename one of them".into()))
        })
        .collect()
}

#[cfg(test)]
mod tests;

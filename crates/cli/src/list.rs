//! `faultline list`: the catalogue at a glance.

use std::io::Write;

use anyhow::{Context, Result};
use faultline_scenario::{Overrides, load};

use crate::args::ListArgs;
use crate::run::read_scenario_text;
use crate::{EXIT_INVALID, EXIT_OK};

pub fn list(args: &ListArgs, out: &mut dyn Write, err: &mut dyn Write) -> Result<u8> {
    let mut files: Vec<_> = std::fs::read_dir(&args.dir)
        .with_context(|| format!("cannot read the folder {}", args.dir.display()))?
        .filter_map(|entry| entry.ok().map(|e| e.path()))
        .filter(|path| path.extension().is_some_and(|ext| ext == "ron"))
        .collect();
    files.sort();
    let mut code = EXIT_OK;
    let mut loaded = Vec::new();
    for file in files {
        let (name, text) = read_scenario_text(&file)?;
        match load(&name, &text, &Overrides::default()) {
            Ok(s) => loaded.push(s),
            Err(e) => {
                writeln!(err, "{e}")?;
                code = EXIT_INVALID;
            }
        }
    }
    // Names in one column, as wide as the longest.
    let width = loaded.iter().map(|s| s.name.chars().count()).max().unwrap_or(0);
    for s in &loaded {
        let variants: Vec<&str> = s.variants.iter().map(|(v, _)| v.as_str()).collect();
        let variants = if variants.is_empty() { "-".into() } else { variants.join(", ") };
        writeln!(out, "{:<width$} {variants}\n    {}", s.name, first_sentence(&s.lesson))?;
    }
    Ok(code)
}

/// The lesson's first sentence, on one line.
fn first_sentence(lesson: &str) -> String {
    let text = lesson.split_whitespace().collect::<Vec<_>>().join(" ");
    match text.find(". ") {
        Some(end) => text[..=end].to_string(),
        None => text,
    }
}

#[cfg(test)]
mod tests {
    use super::first_sentence;

    #[test]
    fn takes_the_first_sentence_across_lines() {
        assert_eq!(
            first_sentence("\n  Queues do not create\n  capacity. More text."),
            "Queues do not create capacity."
        );
        assert_eq!(first_sentence("No full stop"), "No full stop");
    }
}

//! `faultline check`: validate files and every variant in them.

use std::io::Write;

use anyhow::Result;
use faultline_scenario::{Overrides, load};

use crate::args::CheckArgs;
use crate::run::read_scenario_text;
use crate::{EXIT_INVALID, EXIT_OK};

pub fn check(args: &CheckArgs, out: &mut dyn Write, err: &mut dyn Write) -> Result<u8> {
    let mut code = EXIT_OK;
    for file in &args.files {
        let (name, text) = match read_scenario_text(file) {
            Ok(read) => read,
            Err(e) => {
                writeln!(err, "error: {e:#}")?;
                code = EXIT_INVALID;
                continue;
            }
        };
        match check_all_variants(&name, &text) {
            Ok(variants) => writeln!(out, "ok  {name} ({variants} variants)")?,
            Err(message) => {
                writeln!(err, "{message}")?;
                code = EXIT_INVALID;
            }
        }
    }
    Ok(code)
}

/// Validates the base scenario and each variant; returns the number of variants.
fn check_all_variants(name: &str, text: &str) -> Result<usize, String> {
    let base = load(name, text, &Overrides::default()).map_err(|e| e.to_string())?;
    for (variant, _) in &base.variants {
        let overrides = Overrides { variant: Some(variant.clone()), sets: vec![] };
        load(name, text, &overrides).map_err(|e| format!("{e}\n    (in variant `{variant}`)"))?;
    }
    Ok(base.variants.len())
}

//! `faultline history FILE`: whether a history of register or key-value operations, one
//! Jepsen-style EDN map per line, is linearizable. Exit 0 linearizable, 1 not (with the
//! operations that cannot be ordered), 2 bad input (with its line) or a checker that gave up
//! (never reported as linearizable).

use std::io::Write;

use anyhow::{Context, Result};
use faultline_linear::{Limits, Model, Verdict, check, parse_history};

use crate::args::{HistoryArgs, HistoryModel};
use crate::{EXIT_INVALID, EXIT_OK, EXIT_VIOLATED};

pub fn history(args: &HistoryArgs, out: &mut dyn Write, err: &mut dyn Write) -> Result<u8> {
    let name = args.file.display().to_string();
    let text = std::fs::read_to_string(&args.file).with_context(|| format!("reading {name}"))?;
    let history = match parse_history(&text) {
        Ok(history) => history,
        Err(e) => {
            writeln!(err, "{name}: {e}")?;
            return Ok(EXIT_INVALID);
        }
    };
    let model = match args.model {
        HistoryModel::Register => Model::Register,
        HistoryModel::CasRegister => Model::CasRegister,
        HistoryModel::Kv => Model::Kv,
    };
    let limits = Limits { max_states: args.max_states, max_time: args.timeout };
    let verdict = check(&history, model, &limits);
    let operations = history.operations.len();
    match verdict {
        Verdict::Linearizable => {
            writeln!(out, "{name}: linearizable ({operations} operations)")?;
            Ok(EXIT_OK)
        }
        Verdict::NotLinearizable(_) => {
            write!(out, "{name}: {}", verdict.describe(&history))?;
            Ok(EXIT_VIOLATED)
        }
        Verdict::GaveUp { .. } => {
            write!(err, "{name}: {}", verdict.describe(&history))?;
            Ok(EXIT_INVALID)
        }
    }
}

//! `faultline merge`: the shard files of one sweep into exactly the report the sweep would
//! have printed in one go. It must never print a report from a mismatched or incomplete set.

use std::io::Write;

use anyhow::Result;
use faultline_report::sweep::{SweepReport, SweepShard, merge_shards};

use crate::EXIT_INVALID;
use crate::args::MergeArgs;
use crate::sweep::print_report;

pub fn merge(args: &MergeArgs, out: &mut dyn Write, err: &mut dyn Write) -> Result<u8> {
    let mut shards = Vec::with_capacity(args.shards.len());
    for path in &args.shards {
        let name = path.display().to_string();
        let shard = std::fs::read_to_string(path)
            .map_err(|e| format!("{name}: cannot read the shard file: {e}"))
            .and_then(|text| SweepShard::from_json(&name, &text).map_err(|e| e.to_string()));
        match shard {
            Ok(shard) => shards.push((name, shard)),
            Err(message) => {
                writeln!(err, "{message}")?;
                return Ok(EXIT_INVALID);
            }
        }
    }
    match merge_shards(shards) {
        Ok((spec, tally)) => print_report(&SweepReport::new(&spec, &tally), args.format, out),
        Err(e) => {
            writeln!(err, "{e}")?;
            Ok(EXIT_INVALID)
        }
    }
}

//! The sweep's progress bar on standard error: seeds done, runs with a violation so far, ETA.
//! Drawn only when the caller found standard error to be a terminal; it must never write to
//! the command's output or change a result.

use std::sync::atomic::{AtomicU64, Ordering};

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

/// Counts finished seeds from any thread and shows them when there is a terminal to show on.
#[derive(Debug)]
pub struct Progress {
    bar: Option<ProgressBar>,
    violating: AtomicU64,
}

impl Progress {
    /// A bar over `seeds` runs on standard error when `draw`, else nothing at all.
    pub fn new(seeds: u64, draw: bool) -> Self {
        let bar = draw.then(|| {
            let bar = ProgressBar::with_draw_target(Some(seeds), ProgressDrawTarget::stderr());
            let style = ProgressStyle::with_template(
                "{bar:30} {human_pos}/{human_len} seeds · {msg} · ETA {eta}",
            )
            .expect("a valid template");
            bar.set_style(style);
            bar.set_message("0 violating");
            bar
        });
        Progress { bar, violating: AtomicU64::new(0) }
    }

    /// One more seed done; `violated` when it broke an invariant or stopped at a limit.
    pub fn seed_done(&self, violated: bool) {
        let Some(bar) = &self.bar else { return };
        let violating = if violated {
            self.violating.fetch_add(1, Ordering::Relaxed) + 1
        } else {
            self.violating.load(Ordering::Relaxed)
        };
        if violated {
            bar.set_message(format!("{violating} violating"));
        }
        bar.inc(1);
    }

    /// Removes the bar before the report is printed.
    pub fn finish(&self) {
        if let Some(bar) = &self.bar {
            bar.finish_and_clear();
        }
    }
}

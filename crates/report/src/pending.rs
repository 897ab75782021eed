//! A run's report folder, got ready on a second thread while the run is still going.
//!
//! [`PendingReport::start`] is called before the simulation. A helper thread creates the
//! staging folder and the report's empty files, rasterises the glyphs plots use and maps pixel
//! buffers, all of which a report needs whatever the run does; then it waits. On a machine
//! with a spare core this happens beside the single-threaded simulation, and the helper is kept
//! off the simulation's core (see [`crate::apart`]). Once the run is over,
//! [`PendingReport::finish`] hands the charts over and both threads draw the plots.
//!
//! Nothing the helper does reads or changes the run, and every file's bytes are a pure function
//! of the run, so the report is the same byte for byte as one written without it.

use std::path::{Path, PathBuf};
use std::sync::{Arc, Condvar, Mutex, OnceLock};
use std::thread::{self, JoinHandle};

use crate::apart::{self, Thread};
use crate::folder::{
    End, Plots, ReportError, Staging, folder_name, make_text, report_files, report_threads,
    with_helpers,
};
use crate::{Series, Summary, charts, write_report};

/// A report folder being got ready; see the module documentation. Dropped without
/// [`finish`](PendingReport::finish) (the run failed), it leaves nothing behind.
#[derive(Debug)]
pub struct PendingReport {
    shared: Arc<Shared>,
    helper: Option<JoinHandle<()>>,
    force: bool,
}

/// What the two threads share.
#[derive(Debug)]
struct Shared {
    root: PathBuf,
    scenario: String,
    name: String,
    staging: OnceLock<Result<Staging, ReportError>>,
    order: Mutex<Option<Order>>,
    given: Condvar,
    /// The helper, once it runs: the run's thread keeps it off its own core.
    helper: OnceLock<Thread>,
    /// What the helper's share of the work came to, once it is done.
    helped: Mutex<Option<Result<(), ReportError>>>,
}

/// What the helper is told once the run is over.
#[derive(Debug, Clone)]
enum Order {
    Make(Arc<Plots>),
    Stop,
}

impl Shared {
    /// The staging folder, created by whichever thread needs it first.
    fn staging(&self) -> &Result<Staging, ReportError> {
        self.staging.get_or_init(|| {
            Staging::create(&self.root, &self.scenario, &self.name, &report_files())
        })
    }

    fn ordered(&self) -> bool {
        self.order.lock().map_or(true, |o| o.is_some())
    }

    fn give(&self, order: Order) {
        if let Ok(mut slot) = self.order.lock() {
            *slot = Some(order);
        }
        self.given.notify_all();
    }

    fn wait(&self) -> Order {
        let Ok(mut slot) = self.order.lock() else { return Order::Stop };
        loop {
            if let Some(order) = slot.as_ref() {
                return order.clone();
            }
            slot = match self.given.wait(slot) {
                Ok(slot) => slot,
                Err(_) => return Order::Stop,
            };
        }
    }
}

/// The helper: off the run's core, the folder first, then the renderer, then the plots it is
/// given.
fn help(shared: &Shared, run_core: usize) -> Result<(), ReportError> {
    let me = apart::this_thread();
    apart::keep_off(me, run_core);
    let _ = shared.helper.set(me);
    let _ = shared.staging();
    let extra = report_threads().saturating_sub(2);
    // One canvas for this thread and one for the thread that runs the simulation.
    crate::plot::warm_up(2, &|| shared.ordered());
    let Order::Make(plots) = shared.wait() else { return Ok(()) };
    let Ok(staging) = shared.staging() else { return Ok(()) };
    let sink = |name: &str, bytes: &[u8]| staging.write(name, bytes);
    with_helpers(&plots, &sink, extra, || plots.make(End::Front, &sink))
}

impl PendingReport {
    /// Starts getting the folder `<root>/<scenario>/<variant>-seed<seed>` ready; with `force`
    /// it will replace an existing one.
    pub fn start(
        root: &Path,
        scenario: &str,
        variant: Option<&str>,
        seed: u64,
        force: bool,
    ) -> PendingReport {
        let shared = Arc::new(Shared {
            root: root.to_path_buf(),
            scenario: scenario.to_string(),
            name: folder_name(variant, seed),
            staging: OnceLock::new(),
            order: Mutex::new(None),
            given: Condvar::new(),
            helper: OnceLock::new(),
            helped: Mutex::new(None),
        });
        let run_core = apart::this_core();
        let helper = {
            let shared = Arc::clone(&shared);
            let helping = move || {
                let helped = help(&shared, run_core);
                if let Ok(mut slot) = shared.helped.lock() {
                    *slot = Some(helped);
                }
            };
            // Without a thread, `finish` does everything itself.
            thread::Builder::new().name("report".into()).spawn(helping).ok()
        };
        PendingReport { shared, helper, force }
    }

    /// Writes the report of the finished run (see [`crate::render_report`]) and returns the
    /// folder used.
    pub fn finish(mut self, summary: &Summary, series: &Series) -> Result<PathBuf, ReportError> {
        let name = folder_name(summary.variant.as_deref(), summary.seed);
        if summary.scenario != self.shared.scenario || name != self.shared.name {
            // Not the run it was started for: start over rather than misfile the report.
            let (root, force) = (self.shared.root.clone(), self.force);
            drop(self);
            return write_report(&root, summary, series, force);
        }
        let plots = Arc::new(Plots::new(charts(summary, series)));
        if let Some(&helper) = self.shared.helper.get() {
            // The run's thread may have changed cores since the helper started.
            apart::keep_off(helper, apart::this_core());
        }
        self.shared.give(Order::Make(Arc::clone(&plots)));
        let mut result = match self.shared.staging() {
            Ok(staging) => {
                let sink = |name: &str, bytes: &[u8]| staging.write(name, bytes);
                let text = make_text(summary, series, &plots.charts, &sink);
                text.and(plots.make(End::Back, &sink))
            }
            Err(_) => Ok(()), // reported below
        };
        let root = self.shared.root.clone();
        let lost = || ReportError::Io {
            path: root.clone(),
            source: std::io::Error::other("the report thread kept the folder"),
        };
        let shared = self.let_go().ok_or_else(lost)?;
        if let Some(helped) = shared.helped.get_mut().ok().and_then(Option::take) {
            result = result.and(helped);
        }
        let staging = shared.staging.take().ok_or_else(lost)??;
        result?;
        staging.commit(&name, self.force)
    }

    /// The shared state, once the helper has let go of it. The helper is usually finishing its
    /// last plot: this thread waits for it awake, yielding, rather than going to sleep and
    /// having to be woken; it joins the helper only if that takes long, or if the helper ended
    /// without its result (a panic, passed on).
    fn let_go(&mut self) -> Option<&mut Shared> {
        const SPINS: usize = 20_000;
        if Arc::strong_count(&self.shared) > 1
            && let Some(&helper) = self.shared.helper.get()
        {
            // This thread only waits now: its core is the helper's too.
            apart::let_run_anywhere(helper);
        }
        for _ in 0..SPINS {
            if Arc::strong_count(&self.shared) == 1 {
                break;
            }
            thread::yield_now();
        }
        if let Some(helper) = self.helper.take() {
            let helped = self.shared.helped.lock().is_ok_and(|h| h.is_some());
            if (Arc::strong_count(&self.shared) > 1 || !helped)
                && let Err(panic) = helper.join()
            {
                std::panic::resume_unwind(panic);
            }
        }
        Arc::get_mut(&mut self.shared)
    }
}

impl Drop for PendingReport {
    fn drop(&mut self) {
        if let Some(helper) = self.helper.take() {
            self.shared.give(Order::Stop);
            let _ = helper.join();
        }
    }
}

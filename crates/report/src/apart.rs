//! Keeps the report thread off the core the simulation runs on.
//!
//! The report's helper thread sleeps through the run and is woken when it ends. Woken, the
//! scheduler may put it on the core of the thread that woke it, ahead of that thread, even with
//! another core idle: the run's thread then stands still while the helper draws (measured on a
//! two-core machine: one wake-up in three, 0.5–3.5 ms each). Taking the run's core out of the
//! helper's affinity rules this out, until the run's thread has nothing left to do but wait for
//! the helper. The mask only ever narrows the process's own, and is left alone when the run's
//! core is the only one allowed.

/// A thread whose cores can be chosen from another thread.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Thread(#[cfg(target_os = "linux")] rustix::thread::Pid);

#[cfg(target_os = "linux")]
mod imp {
    use super::Thread;
    use rustix::thread::{CpuSet, gettid, sched_getaffinity, sched_getcpu, sched_setaffinity};

    /// The calling thread.
    pub(crate) fn this_thread() -> Thread {
        Thread(gettid())
    }

    /// The core the calling thread is running on.
    pub(crate) fn this_core() -> usize {
        sched_getcpu()
    }

    /// Lets `thread` run on the cores the calling thread may use, except `core`.
    pub(crate) fn keep_off(thread: Thread, core: usize) {
        let Ok(mut cores) = sched_getaffinity(None) else { return };
        if core < CpuSet::MAX_CPU {
            cores.unset(core);
        }
        if cores.count() > 0 {
            // A failure leaves the thread where the scheduler puts it: slower, not wrong.
            let _ = sched_setaffinity(Some(thread.0), &cores);
        }
    }

    /// Lets `thread` run on every core the calling thread may use.
    pub(crate) fn let_run_anywhere(thread: Thread) {
        if let Ok(cores) = sched_getaffinity(None) {
            let _ = sched_setaffinity(Some(thread.0), &cores);
        }
    }
}

#[cfg(not(target_os = "linux"))]
mod imp {
    use super::Thread;

    pub(crate) fn this_thread() -> Thread {
        Thread()
    }

    pub(crate) fn this_core() -> usize {
        0
    }

    pub(crate) fn keep_off(_thread: Thread, _core: usize) {}

    pub(crate) fn let_run_anywhere(_thread: Thread) {}
}

pub(crate) use imp::{keep_off, let_run_anywhere, this_core, this_thread};

#[cfg(all(test, target_os = "linux"))]
mod tests {
    use super::*;
    use rustix::thread::sched_getaffinity;
    use std::sync::mpsc;

    #[test]
    fn a_thread_kept_off_a_core_may_not_run_there_until_let_run_anywhere() {
        let allowed = sched_getaffinity(None).expect("own mask");
        let (tell, told) = mpsc::channel();
        let (done, finish) = mpsc::channel::<()>();
        let other = std::thread::spawn(move || {
            tell.send(this_thread()).expect("main waits");
            finish.recv().ok();
        });
        let thread = told.recv().expect("thread started");
        let core = this_core();
        keep_off(thread, core);
        let mask = sched_getaffinity(Some(thread.0)).expect("its mask");
        if allowed.count() > 1 {
            assert!(!mask.is_set(core), "still allowed on the kept-off core {core}");
            assert_eq!(mask.count(), allowed.count() - 1);
        } else {
            assert_eq!(mask, allowed, "the only core allowed must stay allowed");
        }
        let_run_anywhere(thread);
        assert_eq!(sched_getaffinity(Some(thread.0)).expect("its mask"), allowed);
        done.send(()).expect("thread waits");
        other.join().expect("no panic");
    }
}

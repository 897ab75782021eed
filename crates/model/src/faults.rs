//! The fault schedule: what is wrong with each service at a given instant.
//!
//! Faults are pure functions of time, not events: a service asks "am I slowed down now?" when it
//! starts work, so faults cost nothing when none are scheduled.

use faultline_engine::SimTime;

use crate::{Fault, FaultKind};

#[derive(Debug, Default)]
pub(crate) struct Faults {
    /// Faults per service, in scenario order.
    by_service: Vec<Vec<Fault>>,
}

impl Faults {
    pub(crate) fn new(faults: &[Fault], services: usize) -> Self {
        let mut by_service = vec![Vec::new(); services];
        for fault in faults {
            by_service[fault.service].push(*fault);
        }
        Faults { by_service }
    }

    /// True when `service` has no faults at all, so the hot path can skip asking.
    #[inline]
    fn never(&self, service: usize) -> bool {
        self.by_service[service].is_empty()
    }

    fn active(&self, service: usize, now: SimTime) -> impl Iterator<Item = FaultKind> + '_ {
        self.by_service[service]
            .iter()
            .filter(move |f| f.start <= now && now < f.end)
            .map(|f| f.kind)
    }

    /// How many times longer local work takes now (1 when healthy; slowdowns multiply).
    #[inline]
    pub(crate) fn slowdown(&self, service: usize, now: SimTime) -> f64 {
        if self.never(service) {
            return 1.0;
        }
        self.active(service, now)
            .map(|k| if let FaultKind::Slowdown { factor } = k { factor } else { 1.0 })
            .product()
    }

    /// Share of requests that fail now (0 when healthy).
    #[inline]
    pub(crate) fn fail_share(&self, service: usize, now: SimTime) -> f64 {
        if self.never(service) {
            return 0.0;
        }
        self.active(service, now)
            .map(|k| if let FaultKind::Fail { share } = k { share } else { 0.0 })
            .fold(0.0, f64::max)
    }

    #[inline]
    pub(crate) fn is_down(&self, service: usize, now: SimTime) -> bool {
        !self.never(service) && self.active(service, now).any(|k| k == FaultKind::Down)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn faults_apply_only_inside_their_window() {
        let t = SimTime::from_nanos;
        let faults = Faults::new(
            &[
                Fault {
                    service: 1,
                    kind: FaultKind::Slowdown { factor: 4.0 },
                    start: t(10),
                    end: t(20),
                },
                Fault { service: 1, kind: FaultKind::Down, start: t(15), end: t(16) },
            ],
            2,
        );
        assert_eq!(faults.slowdown(1, t(9)), 1.0);
        assert_eq!(faults.slowdown(1, t(10)), 4.0);
        assert_eq!(faults.slowdown(1, t(20)), 1.0);
        assert_eq!(faults.slowdown(0, t(12)), 1.0);
        assert!(faults.is_down(1, t(15)) && !faults.is_down(1, t(16)));
        assert_eq!(faults.fail_share(1, t(15)), 0.0);
    }
}

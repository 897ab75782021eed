//! The network layer from the scenario file: a network section or a network fault added to a
//! catalogue scenario by `--set` needs no new code, and its effects follow from the mechanics.

use faultline_model::Window;
use faultline_tests::{load_bundled, run};

/// Windows starting in [from, to) seconds.
fn windows(windows: &[Window], from: f64, to: f64) -> impl Iterator<Item = &Window> {
    windows.iter().filter(move |w| w.start_s >= from && w.start_s < to)
}

/// retry-storm `fixed` with the api cut off from its database from 100 s to 130 s: while the
/// partition lasts no request can succeed (every db call is dropped and times out); before and
/// after it, the system serves as usual; and only messages sent inside it are dropped.
#[test]
fn a_partition_set_into_retry_storm_stops_success_only_while_it_lasts() {
    let partition = r#"faults=[Partition(groups: [["api"], ["db"]], at: "100s", length: "30s")]"#;
    let scenario = load_bundled("retry-storm", Some("fixed"), &[partition]);
    let outcome = run(&scenario, 1);
    let m = &outcome.metrics;
    let stats = m.network.as_ref().expect("a network fault gives the world a network").messages;
    assert!(stats.partitioned > 1_000, "{stats:?}");
    assert_eq!(stats.lost + stats.duplicated, 0, "the default link is perfect");
    // A request that arrived just before 100 s may still succeed in the first second.
    let inside: u64 = windows(&m.windows, 102.0, 130.0).map(|w| w.completed).sum();
    assert_eq!(inside, 0, "requests succeeded across a partition");
    for w in windows(&m.windows, 20.0, 60.0).chain(windows(&m.windows, 150.0, 180.0)) {
        assert!(w.completed as f64 >= 0.9 * w.arrived as f64, "window at {}s: {w:?}", w.start_s);
    }
}

/// Every call and every answer crosses a link: a request to retry-storm's api, which calls the
/// database, crosses four (users → api → db → api → users), so an Exp(1 ms) default link adds
/// 4 ms to the mean latency, and each of those links has a mean latency of 1 ms. The database
/// is 60 % busy either way and the api has 200 workers, so queueing barely moves; 0.5 ms of
/// tolerance covers that and the sampling noise of ~20,000 requests (the standard error of a
/// mean of four Exp(1 ms) is 2 ms / √20,000 ≈ 0.014 ms).
#[test]
fn a_network_section_adds_its_latency_once_per_crossing() {
    let direct = run(&load_bundled("retry-storm", Some("fixed"), &[]), 1);
    let link = r#"network=(default: (latency: Exp(mean: "1ms"), ordering: Datagram))"#;
    let wired = load_bundled("retry-storm", Some("fixed"), &[link]);
    let wired = run(&wired, 1);
    let added = wired.metrics.latency().mean - direct.metrics.latency().mean;
    assert!((added - 0.004).abs() < 0.0005, "the network added {:.3} ms", added * 1e3);
    let network = wired.metrics.network.as_ref().expect("counted");
    let stats = network.messages;
    assert_eq!(stats.delivered, stats.sent, "nothing lost on a lossless link");
    // Each of the four links carries ~20,000 messages or more: the standard error of its mean is
    // 1 ms / √20,000 ≈ 0.007 ms, so 5 % (0.05 ms) is seven of them.
    let links: Vec<(&str, &str)> =
        network.links.iter().map(|l| (l.from.as_str(), l.to.as_str())).collect();
    assert_eq!(links, [("users", "api"), ("api", "users"), ("api", "db"), ("db", "api")]);
    for link in &network.links {
        assert!((link.mean_s - 0.001).abs() < 0.05 * 0.001, "{link:?}");
    }
    let delivered: u64 = network.links.iter().map(|l| l.messages).sum();
    assert_eq!(delivered, stats.delivered, "every delivery is some link's");
}

/// isolated-instance `naive`: the partition drops exactly the queries api/2 sends while it lasts
/// and their answers never exist; the summary, its text and the page say how many, and the
/// plots shade the partition.
#[test]
fn the_report_counts_what_the_partition_dropped_and_shades_it() {
    use faultline_report::{Series, Summary, charts, render_html, render_text};
    let scenario = load_bundled("isolated-instance", Some("naive"), &[]);
    let outcome = run(&scenario, 1);
    let summary = Summary::new(&scenario, &outcome, 0.0, String::new());
    let network = summary.network.as_ref().expect("a network");
    // Every failure is a query of api/2's that the partition dropped (no retries, no loss).
    assert_eq!(network.partitioned, summary.requests.failed);
    assert_eq!(network.lost + network.crashed + network.duplicated, 0);
    let dropped = faultline_report::thousands(network.partitioned);
    let text = render_text(&summary, None);
    assert!(text.contains(&format!("partitioned {dropped}")), "{text}");
    let series = Series::new(&scenario, &outcome.metrics);
    let band = series.bands.iter().find(|b| b.label == "partition api/2 | db").expect("a band");
    assert_eq!((band.start_s, band.end_s), (60.0, 120.0));
    let page = render_html(&summary, &charts(&summary, &series));
    assert!(page.contains("<th>network</th>") && page.contains(&dropped), "no network table");
}

/// Found by fuzzing: over a 100 ms link, a 10 ms timeout ends each call long before its attempt
/// arrives, and the full queue then refuses the attempt. The refusal must go back only to a
/// caller that still waits (here none), or the request would end twice.
#[test]
fn a_refusal_after_the_caller_gave_up_ends_nothing_twice() {
    let text = r#"Scenario(
        name: "late refusal",
        duration: "2s",
        clients: { "web": (target: "api", rate: "100/s", timeout: "10ms") },
        services: { "api": (workers: 1, queue_capacity: 1, service_time: Const("1s")) },
        network: (default: (latency: Const("100ms"))),
        invariants: [NoLostRequests],
    )"#;
    let scenario = faultline_scenario::load("late-refusal.ron", text, &Default::default())
        .unwrap_or_else(|e| panic!("{e}"));
    let outcome = run(&scenario, 1);
    let m = &outcome.metrics;
    assert!(outcome.all_hold(), "{:?}", outcome.verdicts);
    let refused = m.services[0].rejected();
    assert!(refused > 100, "the queue refused attempts: {refused}");
    assert_eq!(m.completed + m.failed + m.rejected + outcome.in_flight, m.arrived);
    assert_eq!(m.failed, m.timed_out, "every request timed out, none was refused to a caller");
}

//! Tokens through a scenario file: a client holding tokens stamped on one node's clock, a
//! `CheckToken` step on another's, and the wrong verdicts counted by hand.

use faultline_model::TokenCounts;
use faultline_scenario::{Outcome, Overrides, load};
use faultline_tests::{load_bundled, run};

/// `app` sends a request at 1 s, 2 s, … 100 s (100 of them) to `api`, whose handler checks
/// the token with a 2 s leeway; tokens from `auth` live 10 s and are renewed at their expiry on
/// `app`'s clock (or after a refusal). `clocks` sets the nodes' clocks.
fn run_with(clocks: &str) -> Outcome {
    let text = format!(
        r#"Scenario(name: "t", duration: "100.5s",
            clients: {{ "app": (target: "api", rate: "1/s", arrivals: Fixed,
                token: (issuer: "auth", lifetime: "10s")) }},
            services: {{
                "api": (workers: 1, steps: [CheckToken(leeway: "2s"), Work(time: Const("1ms"))]),
                "auth": (workers: 1, service_time: Const("1ms")),
            }},
            clocks: {{ {clocks} }},
            invariants: [NoValidTokenRejected, NoExpiredTokenAccepted])"#
    );
    let scenario = load("t.ron", &text, &Overrides::default()).unwrap_or_else(|e| panic!("{e}"));
    run(&scenario, 1)
}

/// `api` runs 5 s ahead of `auth` (true time). A token issued at t expires at t + 10 s on
/// auth's clock; api reads c + 5 s and refuses it once c + 5 − 2 ≥ t + 10, at 7 s of age,
/// though it is valid until 10 s: each token is accepted at ages 0..6 s (7 requests), wrongly
/// refused at 7 s, and the next request gets a new one. Cycles of 8 requests from 1 s: tokens
/// at 1, 9, …, 97 s (13), refusals at 8, 16, …, 96 s (12), none accepted when expired.
#[test]
fn a_validator_ahead_refuses_tokens_near_their_end_as_counted_by_hand() {
    let outcome = run_with(r#""api": (offset: "+5s")"#);
    let counts = outcome.metrics.tokens.expect("tokens were used");
    let expected = TokenCounts {
        issued: 13,
        checked: 100,
        accepted: 88,
        wrongly_rejected: 12,
        wrongly_accepted: 0,
    };
    assert_eq!(counts, expected);
    assert_eq!((outcome.metrics.completed, outcome.metrics.failed), (88, 12));
    let [rejected, accepted] = &outcome.verdicts[..] else { panic!("{:?}", outcome.verdicts) };
    assert!(accepted.holds, "{accepted:?}");
    let first = rejected.violation.as_ref().expect("valid tokens refused");
    // The 8th request (id 7) at 8 s, a token issued at 1 s.
    assert_eq!(first.request, Some(7));
    assert!(first.detail.starts_with("api refused a valid token at 8.000s: issued at 1.000s"));
    assert!(first.detail.contains("api's clock read 13.000s (5.000s ahead of true time)"));
    assert!(first.detail.ends_with("12 of 100 checks refused a valid token"), "{}", first.detail);
}

/// `app`'s clock runs 3 s behind, so it renews a token issued at t (expiry t + 10 s) only when
/// it reads t + 10, at true t + 13 s; `api` (true time) accepts it until t + 12 s (2 s
/// leeway). Each token: ages 0..9 s accepted rightly (10), 10 and 11 s accepted though expired
/// (2), refused at 12 s rightly, renewed at the next request. Cycles of 13 from 1 s: tokens at
/// 1, 14, …, 92 s (8), 7 whole cycles before 92 s: 14 wrongly accepted, 7 refused, none wrongly.
#[test]
fn a_holder_behind_presents_expired_tokens_that_a_leeway_accepts_as_counted_by_hand() {
    let outcome = run_with(r#""app": (offset: "-3s")"#);
    let counts = outcome.metrics.tokens.expect("tokens were used");
    let expected = TokenCounts {
        issued: 8,
        checked: 100,
        accepted: 93,
        wrongly_rejected: 0,
        wrongly_accepted: 14,
    };
    assert_eq!(counts, expected);
    let [rejected, accepted] = &outcome.verdicts[..] else { panic!("{:?}", outcome.verdicts) };
    assert!(rejected.holds, "{rejected:?}");
    let first = accepted.violation.as_ref().expect("expired tokens accepted");
    assert_eq!(first.request, Some(10), "the request at 11 s");
    assert!(first.detail.contains("was valid until 11.000s; api's clock read 11.000s (on true"));
}

/// Without tokens nothing is counted, and the summary says nothing of them.
#[test]
fn a_run_without_tokens_counts_none() {
    let scenario = load_bundled("retry-storm", Some("naive"), &[]);
    assert!(run(&scenario, 1).metrics.tokens.is_none());
}

/// The catalogue scenario's naive run counts its wrong verdicts in the summary, as the
/// invariants do.
#[test]
fn clock_skew_tokens_counts_its_wrong_verdicts_in_the_summary() {
    let scenario = load_bundled("clock-skew-tokens", Some("naive"), &[]);
    let outcome = run(&scenario, 1);
    let summary = faultline_report::Summary::new(&scenario, &outcome, 0.0, String::new());
    let tokens = summary.tokens.as_ref().expect("a token summary");
    assert!(tokens.wrongly_rejected > 0 && tokens.wrongly_accepted > 0, "{tokens:?}");
    for verdict in &outcome.verdicts {
        let detail = &verdict.violation.as_ref().expect("naive violates both").detail;
        let count = if verdict.name == "NoValidTokenRejected" {
            tokens.wrongly_rejected
        } else {
            tokens.wrongly_accepted
        };
        assert!(detail.contains(&format!(" {count} of {} checks", tokens.checked)), "{detail}");
    }
    let text = faultline_report::render_text(&summary, None);
    assert!(text.contains(&format!("wrongly rejected {}", tokens.wrongly_rejected)), "{text}");
    let json: serde_json::Value = serde_json::from_str(&summary.to_json()).expect("JSON");
    assert_eq!(json["tokens"]["wrongly_accepted"], tokens.wrongly_accepted);
}

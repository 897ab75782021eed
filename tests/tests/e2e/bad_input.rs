//! Bad input gets a clear error and exit code 2, never a panic: a table of malformed and invalid
//! scenarios, each checked for the line:col (or field) the message must name.

use std::path::PathBuf;

const BASE: &str = r#"Scenario(
    name: "t",
    duration: "60s",
    clients: {
        "web": (target: "api", rate: "10/s"),
    },
    services: {
        "api": (workers: 2, service_time: Exp(mean: "50ms")),
    },
    invariants: [NoLostRequests],
)
"#;

/// One bad scenario: how to break the base text, and what the error must say.
struct Case {
    name: &'static str,
    /// (from, to) replacements applied to the base text.
    edits: &'static [(&'static str, &'static str)],
    /// Extra command-line arguments.
    args: &'static [&'static str],
    /// The error must point at the first occurrence of this text (its line:col); `None` when the
    /// problem has no place in the file (e.g. a `--set` argument).
    at: Option<&'static str>,
    /// Text the message must contain (a field name, a suggestion).
    says: &'static str,
}

/// Where the base's invariants start: network sections and faults go before them.
const INVARIANTS: &str = "invariants:";

/// Gives the base's one client the class `low` and adds a client of class `high`.
const TWO_CLASSES: (&str, &str) = (
    "\"web\": (target: \"api\", rate: \"10/s\"),",
    "\"web\": (target: \"api\", rate: \"10/s\", class: \"low\"),\n        \"vip\": (target: \"api\", rate: \"1/s\", class: \"high\"),",
);

const CASES: &[Case] = &[
    Case {
        name: "publish to an unknown topic",
        edits: &[
            ("service_time: Exp(mean: \"50ms\")", "steps: [Publish(topic: \"order\")]"),
            (
                "services: {",
                "topics: { \"orders\": (on: \"broker\") },\n    services: {\n        \"broker\": (workers: 1, service_time: Const(\"1ms\")),",
            ),
        ],
        args: &[],
        at: Some("\"order\""),
        says: "did you mean `orders`?",
    },
    Case {
        name: "a consumer of an unknown topic",
        edits: &[
            (
                "service_time: Exp(mean: \"50ms\")",
                "service_time: Exp(mean: \"50ms\"), consumer: (topic: \"events\")",
            ),
            (
                "services: {",
                "topics: { \"orders\": (on: \"broker\") },\n    services: {\n        \"broker\": (workers: 1, service_time: Const(\"1ms\")),",
            ),
        ],
        args: &[],
        at: Some("\"events\""),
        says: "topics are `orders`",
    },
    Case {
        name: "a consumer with no subscription",
        edits: &[
            (
                "service_time: Exp(mean: \"50ms\")",
                "service_time: Exp(mean: \"50ms\"), consumer: (prefetch: 4)",
            ),
            (
                "services: {",
                "topics: { \"orders\": (on: \"broker\") },\n    services: {\n        \"broker\": (workers: 1, service_time: Const(\"1ms\")),",
            ),
        ],
        args: &[],
        at: Some("(prefetch"),
        says: "consumer `api` has no subscription",
    },
    Case {
        name: "a replay limit of 0",
        edits: &[
            (
                "service_time: Exp(mean: \"50ms\")",
                "service_time: Exp(mean: \"50ms\"), consumer: (topic: \"orders\", max_receives: 3, dead_letters: (replay: (at: \"10s\", limit: 0)))",
            ),
            (
                "services: {",
                "topics: { \"orders\": (on: \"broker\") },\n    services: {\n        \"broker\": (workers: 1, service_time: Const(\"1ms\")),",
            ),
        ],
        args: &[],
        at: Some("0)))"),
        says: "use 1 or more replays per message",
    },
    Case {
        name: "a Require of a field nothing sets",
        edits: &[
            (
                "service_time: Exp(mean: \"50ms\")",
                "steps: [Require(fields: [\"customr\"]), Work(time: Const(\"1ms\"))]",
            ),
            ("rate: \"10/s\"),", "rate: \"10/s\", fields: {\"customer\": Sequence}),"),
        ],
        args: &[],
        at: Some("\"customr\""),
        says: "did you mean `customer`?",
    },
    Case {
        name: "a poison share above 100 %",
        edits: &[
            (
                "service_time: Exp(mean: \"50ms\")",
                "steps: [Publish(topic: \"orders\", poison: \"150%\")]",
            ),
            (
                "services: {",
                "topics: { \"orders\": (on: \"broker\") },\n    services: {\n        \"broker\": (workers: 1, service_time: Const(\"1ms\")),",
            ),
        ],
        args: &[],
        at: Some("\"150%\""),
        says: "a share of 150% of messages; at most 100%",
    },
    Case {
        name: "a replay on a fix never deployed",
        edits: &[
            (
                "service_time: Exp(mean: \"50ms\")",
                "service_time: Exp(mean: \"50ms\"), consumer: (topic: \"orders\", max_receives: 3, dead_letters: (replay: (on_deploy: \"broker\")))",
            ),
            (
                "services: {",
                "topics: { \"orders\": (on: \"broker\") },\n    services: {\n        \"broker\": (workers: 1, service_time: Const(\"1ms\")),",
            ),
        ],
        args: &[],
        at: Some("\"broker\")))"),
        says: "add a fault `Deploy(service: \"broker\"",
    },
    Case {
        name: "a transition to a state the step does not declare",
        edits: &[
            (
                "service_time: Exp(mean: \"50ms\")",
                "steps: [Apply(field: \"event\", initial: \"none\", states: {\"none\": [\"created\"], \"created\": [\"shiped\"], \"shipped\": []})]",
            ),
            ("rate: \"10/s\"),", "rate: \"10/s\", fields: {\"event\": Fixed(\"created\")}),"),
        ],
        args: &[],
        at: Some("\"shiped\""),
        says: "did you mean `shipped`?",
    },
    Case {
        name: "an event value that is not a state",
        edits: &[
            (
                "service_time: Exp(mean: \"50ms\")",
                "steps: [Apply(field: \"event\", initial: \"none\", states: {\"none\": [\"created\"], \"created\": [\"paid\"], \"paid\": []})]",
            ),
            (
                "rate: \"10/s\"),",
                "rate: \"10/s\", fields: {\"event\": Cycle([\"created\", \"payed\"])}),",
            ),
        ],
        args: &[],
        at: Some("\"payed\""),
        says: "did you mean `paid`?",
    },
    Case {
        name: "a dedup window of zero",
        edits: &[(
            "service_time: Exp(mean: \"50ms\")",
            "steps: [Effect(name: \"charge\", once_per: Key, dedup: \"0s\")]",
        )],
        args: &[],
        at: Some("\"0s\""),
        says: "give the window an idempotency key is kept for",
    },
    Case {
        name: "unknown register mode",
        edits: &[(
            "service_time: Exp(mean: \"50ms\")",
            "steps: [Register(mode: Raft(heartbeat: \"50ms\", timeout: \"1s\"), reads: \"50%\", apply: Const(\"1ms\"))]",
        )],
        args: &[],
        at: Some("Raft"),
        says: "Failover",
    },
    Case {
        name: "register lease outlasting the followers' wait",
        edits: &[(
            "service_time: Exp(mean: \"50ms\")",
            "steps: [Register(mode: Lease(heartbeat: \"50ms\", lease: \"2s\", timeout: \"1s\"), reads: \"50%\", apply: Const(\"1ms\"))]",
        )],
        args: &[],
        at: Some("\"2s\""),
        says: "ends before followers give up",
    },
    Case {
        name: "read strategy on a database with no replicas",
        edits: &[(
            "service_time: Exp(mean: \"50ms\")",
            "steps: [Database(apply: Const(\"1ms\"), reads: \"50%\", read: Sticky)]",
        )],
        args: &[],
        at: Some("Sticky"),
        says: "set `instances: 2` or more on `api`",
    },
    Case {
        name: "database session naming a field no request carries",
        edits: &[
            (
                "\"web\": (target: \"api\", rate: \"10/s\")",
                "\"web\": (target: \"api\", rate: \"10/s\", fields: {\"user\": Uniform(9)})",
            ),
            (
                "service_time: Exp(mean: \"50ms\")",
                "instances: 2, steps: [Database(apply: Const(\"1ms\"), session: \"usr\")]",
            ),
        ],
        args: &[],
        at: Some("\"usr\""),
        says: "did you mean `user`?",
    },
    Case {
        name: "misspelt field",
        edits: &[("workers: 2", "wrokers: 2")],
        args: &[],
        at: Some("wrokers"),
        says: "did you mean `workers`?",
    },
    Case {
        name: "misspelt top-level field",
        edits: &[("duration:", "durration:")],
        args: &[],
        at: Some("durration"),
        says: "did you mean `duration`?",
    },
    Case {
        name: "zero workers",
        edits: &[("workers: 2", "workers: 0")],
        args: &[],
        at: Some("0, service_time"),
        says: "services.api.workers",
    },
    Case {
        name: "negative workers",
        edits: &[("workers: 2", "workers: -3")],
        args: &[],
        at: Some("-3"),
        says: "must be between 1",
    },
    Case {
        name: "wrong type for workers",
        edits: &[("workers: 2", "workers: \"two\"")],
        args: &[],
        at: Some("\"two\""),
        says: "integer",
    },
    Case {
        name: "negative rate",
        edits: &[("\"10/s\"", "\"-10/s\"")],
        args: &[],
        at: Some("\"-10/s\""),
        says: "negative",
    },
    Case {
        name: "zero rate",
        edits: &[("\"10/s\"", "\"0/s\"")],
        args: &[],
        at: Some("\"0/s\""),
        says: "above zero",
    },
    Case {
        name: "rate without unit",
        edits: &[("\"10/s\"", "\"10\"")],
        args: &[],
        at: Some("\"10\""),
        says: "200/s",
    },
    Case {
        name: "unknown service referenced",
        edits: &[("target: \"api\"", "target: \"apj\"")],
        args: &[],
        at: Some("\"apj\""),
        says: "did you mean `api`?",
    },
    Case {
        name: "unknown service inside a fan-out",
        edits: &[(
            "service_time: Exp(mean: \"50ms\")",
            "steps: [Fanout(count: 2, steps: [Work(time: Exp(mean: \"1ms\")), Call(to: \"dbb\")])]",
        )],
        args: &[],
        at: Some("\"dbb\""),
        says: "unknown service `dbb`",
    },
    Case {
        name: "warm-up not before the end",
        edits: &[("duration: \"60s\",", "duration: \"60s\",\n    warmup: \"90s\",")],
        args: &[],
        at: Some("\"90s\""),
        says: "shorter than the duration",
    },
    Case {
        name: "unreadable duration",
        edits: &[("\"60s\"", "\"60 seconds\"")],
        args: &[],
        at: Some("\"60 seconds\""),
        says: "not a duration",
    },
    Case {
        name: "zero duration",
        edits: &[("\"60s\"", "\"0s\"")],
        args: &[],
        at: Some("\"0s\""),
        says: "longer than zero",
    },
    Case {
        name: "misspelt distribution",
        edits: &[("Exp(mean", "Expo(mean")],
        args: &[],
        at: Some("Expo"),
        says: "did you mean `Exp`?",
    },
    Case {
        name: "missing service time",
        edits: &[(", service_time: Exp(mean: \"50ms\")", "")],
        args: &[],
        at: Some("(workers"),
        says: "service_time",
    },
    Case {
        name: "unclosed string",
        edits: &[("name: \"t\",", "name: \"t,")],
        args: &[],
        at: None,
        says: "",
    },
    Case {
        name: "missing bracket",
        edits: &[("    },\n    services", "    services")],
        args: &[],
        at: Some("services"),
        says: "",
    },
    Case {
        name: "load above the event limit",
        edits: &[("\"10/s\"", "\"1000000/s\""), ("\"60s\"", "\"1000h\"")],
        args: &[],
        at: Some("\"1000h\""),
        says: "max_events",
    },
    Case {
        name: "uniform min above max",
        edits: &[("Exp(mean: \"50ms\")", "Uniform(min: \"2s\", max: \"1s\")")],
        args: &[],
        at: Some("\"1s\""),
        says: "below min",
    },
    Case {
        name: "log-normal p99 below median",
        edits: &[("Exp(mean: \"50ms\")", "LogNormal(median: \"5ms\", p99: \"1ms\")")],
        args: &[],
        at: Some("\"1ms\""),
        says: "above the median",
    },
    Case {
        name: "pareto shape zero",
        edits: &[("Exp(mean: \"50ms\")", "Pareto(scale: \"1ms\", shape: 0.0)")],
        args: &[],
        at: Some("0.0"),
        says: "shape",
    },
    Case {
        name: "queue bound on unknown service",
        edits: &[("[NoLostRequests]", "[QueueBounded(service: \"apii\", max: 5)]")],
        args: &[],
        at: Some("\"apii\""),
        says: "did you mean `api`?",
    },
    Case {
        name: "percentile out of range",
        edits: &[("[NoLostRequests]", "[LatencySlo(percentile: 120.0, bound: \"1s\")]")],
        args: &[],
        at: Some("120.0"),
        says: "below 100",
    },
    Case {
        name: "window too fine",
        edits: &[("duration: \"60s\",", "duration: \"60s\",\n    metrics: (window: \"1ms\"),")],
        args: &[],
        at: Some("\"1ms\""),
        says: "windows",
    },
    Case {
        name: "duplicate service",
        edits: &[(
            "    },\n    invariants",
            "        \"api\": (workers: 1, service_time: Const(\"1ms\")),\n    },\n    invariants",
        )],
        args: &[],
        at: Some("\"api\": (workers: 1"),
        says: "twice",
    },
    Case {
        name: "no clients",
        edits: &[("\"web\": (target: \"api\", rate: \"10/s\"),", "")],
        args: &[],
        at: Some("{\n        \n"),
        says: "no clients",
    },
    Case {
        name: "zero event limit",
        edits: &[("duration: \"60s\",", "duration: \"60s\",\n    limits: (max_events: 0),")],
        args: &[],
        at: Some("0)"),
        says: "max_events",
    },
    Case {
        name: "zero work per instant",
        edits: &[(
            "duration: \"60s\",",
            "duration: \"60s\",\n    limits: (max_work_per_instant: 0),",
        )],
        args: &[],
        at: Some("0)"),
        says: "max_work_per_instant",
    },
    Case {
        name: "priority order leaving out a class",
        edits: &[TWO_CLASSES, ("workers: 2,", "workers: 2, queue: Priority(order: [\"high\"]),")],
        args: &[],
        at: Some("[\"high\"]"),
        says: "leaves out `low`",
    },
    Case {
        name: "priority order naming a class twice",
        edits: &[
            TWO_CLASSES,
            ("workers: 2,", "workers: 2, queue: Priority(order: [\"high\", \"low\", \"high\"]),"),
        ],
        args: &[],
        at: Some("\"high\"]"),
        says: "named twice",
    },
    Case {
        name: "fan-out count beyond its bound",
        edits: &[(
            "service_time: Exp(mean: \"50ms\")",
            "steps: [Fanout(count: 70000, steps: [Work(time: Const(\"1ms\"))])]",
        )],
        args: &[],
        at: Some("70000"),
        says: "between 1 and 1000",
    },
    Case {
        name: "batch max beyond its bound",
        edits: &[(
            "service_time: Exp(mean: \"50ms\")",
            "steps: [Batch(to: \"api\", max: 65536, wait: \"1ms\")]",
        )],
        args: &[],
        at: Some("65536"),
        says: "between 1 and 10000",
    },
    Case {
        name: "call cycle",
        edits: &[(
            "service_time: Exp(mean: \"50ms\")),",
            "steps: [Call(to: \"db\")]),\n        \"db\": (workers: 1, steps: [Call(to: \"api\")]),",
        )],
        args: &[],
        at: Some("[Call(to: \"db\")]"),
        says: "`api` → `db` → `api`",
    },
    Case {
        name: "nested fan-outs past the work a request may set off",
        edits: &[(
            "service_time: Exp(mean: \"50ms\")),",
            "steps: [Fanout(count: 1000, steps: [Fanout(count: 1000, steps: [Call(to: \"db\")])])]),\n        \"db\": (workers: 1, service_time: Const(\"1ms\")),",
        )],
        args: &[],
        at: Some("[Fanout(count: 1000"),
        says: "sets off 2001000 calls and sub-tasks",
    },
    Case { name: "empty file", edits: &[(BASE, "")], args: &[], at: None, says: "" },
    Case {
        name: "unknown variant",
        edits: &[],
        args: &["--variant", "fixd"],
        at: None,
        says: "no variant named `fixd`",
    },
    Case {
        name: "--set unknown component",
        edits: &[],
        args: &["--set", "services.apj.workers=3"],
        at: None,
        says: "did you mean `api`?",
    },
    Case {
        name: "--set misspelt field",
        edits: &[],
        args: &["--set", "services.api.wrokers=3"],
        at: None,
        says: "did you mean `workers`?",
    },
    Case {
        name: "--set invalid value",
        edits: &[],
        args: &["--set", "services.api.workers=0"],
        at: None,
        says: "--set services.api.workers=0",
    },
    Case {
        name: "--set without =",
        edits: &[],
        args: &["--set", "duration"],
        at: None,
        says: "PATH=VALUE",
    },
    Case {
        name: "unknown node in a partition",
        edits: &[(
            INVARIANTS,
            "faults: [Partition(groups: [[\"api\"], [\"dbb\"]], at: \"1s\", length: \"1s\")],\n    invariants:",
        )],
        args: &[],
        at: Some("\"dbb\""),
        says: "unknown node `dbb`",
    },
    Case {
        name: "node named twice in one partition group",
        edits: &[(
            INVARIANTS,
            "faults: [Partition(groups: [[\"api\", \"api\"], [\"web\"]], at: \"1s\", length: \"1s\")],\n    invariants:",
        )],
        args: &[],
        at: Some("\"api\"], [\"web"),
        says: "named twice",
    },
    Case {
        name: "overlapping partition groups",
        edits: &[(
            INVARIANTS,
            "faults: [Partition(groups: [[\"api\"], [\"web\", \"api\"]], at: \"1s\", length: \"1s\")],\n    invariants:",
        )],
        args: &[],
        at: Some("[\"web\", \"api\"]"),
        says: "groups overlap: `api` is in two groups",
    },
    Case {
        name: "loss probability above one",
        edits: &[(INVARIANTS, "network: (default: (loss: 1.5)),\n    invariants:")],
        args: &[],
        at: Some("1.5"),
        says: "between 0.0 and 1.0",
    },
    Case {
        name: "negative duplication on a link",
        edits: &[(
            INVARIANTS,
            "network: (links: [(from: [\"web\"], to: [\"api\"], duplicate: -0.1)]),\n    invariants:",
        )],
        args: &[],
        at: Some("-0.1"),
        says: "`duplicate` is -0.1",
    },
    Case {
        name: "isolating an unknown node",
        edits: &[(
            INVARIANTS,
            "faults: [Isolate(node: \"apii\", at: \"1s\", length: \"1s\")],\n    invariants:",
        )],
        args: &[],
        at: Some("\"apii\""),
        says: "did you mean `api`?",
    },
    Case {
        name: "zero instances",
        edits: &[("workers: 2", "instances: 0, workers: 2")],
        args: &[],
        at: Some("0, workers"),
        says: "must be between 1 and 1000",
    },
    Case {
        name: "unknown instance in a partition",
        edits: &[
            ("workers: 2", "instances: 2, workers: 2"),
            (
                INVARIANTS,
                "faults: [Partition(groups: [[\"api/2\"], [\"web\"]], at: \"1s\", length: \"1s\")],\n    invariants:",
            ),
        ],
        args: &[],
        at: Some("\"api/2\""),
        says: "unknown node `api/2`",
    },
    Case {
        name: "crashing a client",
        edits: &[(
            INVARIANTS,
            "faults: [Crash(node: \"web\", at: \"1s\", restart_after: \"1s\")],\n    invariants:",
        )],
        args: &[],
        at: Some("\"web\", at"),
        says: "`web` is a client; only services crash or pause",
    },
    Case {
        name: "a pause of no length",
        edits: &[(
            INVARIANTS,
            "faults: [Pause(node: \"api\", at: \"1s\", length: \"0s\")],\n    invariants:",
        )],
        args: &[],
        at: Some("\"0s\""),
        says: "faults.0.length",
    },
    Case {
        name: "clock of an unknown node",
        edits: &[(INVARIANTS, "clocks: { \"wbe\": (offset: \"+2s\") },\n    invariants:")],
        args: &[],
        at: Some("(offset: \"+2s\")"),
        says: "unknown node `wbe`",
    },
    Case {
        name: "clock drifting beyond a million ppm",
        edits: &[(INVARIANTS, "clocks: { \"api\": (drift_ppm: -1500000.0) },\n    invariants:")],
        args: &[],
        at: Some("-1500000.0"),
        says: "-1,000,000 to +1,000,000 ppm",
    },
    Case {
        name: "clock synced every zero seconds",
        edits: &[(
            INVARIANTS,
            "clocks: { \"api\": (sync: (every: \"0s\", within: \"10ms\")) },\n    invariants:",
        )],
        args: &[],
        at: Some("\"0s\""),
        says: "must be longer than zero",
    },
    Case {
        name: "schedule in an unknown time zone",
        edits: &[("rate: \"10/s\"", "schedule: (cron: \"0 9 * * *\", zone: \"America/New_Yrok\")")],
        args: &[],
        at: Some("\"America/New_Yrok\""),
        says: "did you mean `America/New_York`?",
    },
    Case {
        name: "schedule of four cron fields",
        edits: &[("rate: \"10/s\"", "schedule: (cron: \"0 9 * *\", zone: \"UTC\")")],
        args: &[],
        at: Some("\"0 9 * *\""),
        says: "4 fields; a schedule has 5",
    },
    Case {
        name: "client with both a rate and a schedule",
        edits: &[(
            "rate: \"10/s\"",
            "rate: \"10/s\", schedule: (cron: \"0 9 * * *\", zone: \"UTC\")",
        )],
        args: &[],
        at: Some("(cron:"),
        says: "both a `rate` and a `schedule`",
    },
    Case {
        name: "customer in an unknown time zone",
        edits: &[(
            INVARIANTS,
            "customers: { \"tokyo\": (zone: \"Asia/Tokio\") },\n    invariants:",
        )],
        args: &[],
        at: Some("\"Asia/Tokio\""),
        says: "did you mean `Asia/Tokyo`?",
    },
    Case {
        name: "client node in an unknown time zone",
        edits: &[("rate: \"10/s\"", "rate: \"10/s\", zone: \"Europe/Londn\"")],
        args: &[],
        at: Some("\"Europe/Londn\""),
        says: "did you mean `Europe/London`?",
    },
    Case {
        name: "schedule in each customer's zone, not for each customer",
        edits: &[
            ("rate: \"10/s\"", "schedule: (cron: \"0 9 * * *\", zone: Customer)"),
            (INVARIANTS, "customers: { \"tokyo\": (zone: \"Asia/Tokyo\") },\n    invariants:"),
        ],
        args: &[],
        at: Some("Customer)"),
        says: "add `for_each: Customers`",
    },
    Case {
        name: "scheduled once per local day for a client that does not send for each customer",
        edits: &[(
            "invariants: [NoLostRequests]",
            "invariants: [ScheduledOncePerLocalDay(client: \"web\", at: \"09:00\")]",
        )],
        args: &[],
        at: Some("\"web\", at"),
        says: "for_each: Customers",
    },
    Case {
        name: "scheduled once per local day at a time that is not one",
        edits: &[
            ("rate: \"10/s\"", "schedule: (cron: \"0 9 * * *\", for_each: Customers)"),
            (INVARIANTS, "customers: { \"tokyo\": (zone: \"Asia/Tokyo\") },\n    invariants:"),
            (
                "invariants: [NoLostRequests]",
                "invariants: [ScheduledOncePerLocalDay(client: \"web\", at: \"9am\")]",
            ),
        ],
        args: &[],
        at: Some("\"9am\""),
        says: "like \"09:00\"",
    },
    Case {
        name: "start that is not an instant",
        edits: &[("duration: \"60s\",", "duration: \"60s\",\n    start: \"7 March 2026\",")],
        args: &[],
        at: Some("\"7 March 2026\""),
        says: "not a UTC instant",
    },
    Case {
        name: "token issued by a node that does not exist",
        edits: &[("rate: \"10/s\"", "rate: \"10/s\", token: (issuer: \"ap\", lifetime: \"1m\")")],
        args: &[],
        at: Some("\"ap\""),
        says: "unknown node `ap`",
    },
    Case {
        name: "token check with a leeway that is no duration",
        edits: &[
            ("rate: \"10/s\"", "rate: \"10/s\", token: (issuer: \"web\", lifetime: \"1m\")"),
            ("service_time: Exp(mean: \"50ms\")", "steps: [CheckToken(leeway: \"a bit\")]"),
        ],
        args: &[],
        at: Some("\"a bit\""),
        says: "\"a bit\"",
    },
    Case {
        name: "client without a token reaching a token check",
        edits: &[("service_time: Exp(mean: \"50ms\")", "steps: [CheckToken(leeway: \"1s\")]")],
        args: &[],
        at: Some("(target:"),
        says: "sends no token",
    },
];

fn write_case(index: usize, text: &str) -> PathBuf {
    let path = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(format!("bad-input-{index}.ron"));
    std::fs::write(&path, text).expect("can write into the target tmp dir");
    path
}

fn apply(edits: &[(&str, &str)]) -> String {
    edits.iter().fold(BASE.to_string(), |text, (from, to)| {
        assert!(text.contains(from), "edit `{from}` does not apply");
        text.replacen(from, to, 1)
    })
}

/// 1-based line and column (in characters) of the first occurrence of `needle`.
fn line_col(text: &str, needle: &str) -> (usize, usize) {
    let offset = text.find(needle).unwrap_or_else(|| panic!("`{needle}` not in the case text"));
    let before = &text[..offset];
    let line = before.matches('\n').count() + 1;
    let col = before.rsplit('\n').next().unwrap_or("").chars().count() + 1;
    (line, col)
}

#[test]
fn every_bad_scenario_gets_exit_2_and_a_located_message() {
    assert!(CASES.len() >= 20);
    let mut failures = Vec::new();
    for (index, case) in CASES.iter().enumerate() {
        let text = apply(case.edits);
        let path = write_case(index, &text);
        let file = path.display().to_string();
        let mut argv: Vec<String> =
            vec!["faultline".into(), "run".into(), file.clone(), "--no-report".into()];
        argv.extend(case.args.iter().map(|a| a.to_string()));
        let (mut out, mut err) = (Vec::new(), Vec::new());
        let code = faultline_cli::main_with(argv.iter().map(Into::into), &mut out, &mut err);
        let message = String::from_utf8_lossy(&err).to_string();
        let mut problems = Vec::new();
        if code != 2 {
            problems.push(format!("exit code {code}"));
        }
        if let Some(needle) = case.at {
            let (line, col) = line_col(&text, needle);
            let want = format!("{file}:{line}:{col}:");
            if !message.contains(&want) {
                problems.push(format!("no `{want}`"));
            }
        } else if (!case.args.is_empty() || case.says.is_empty())
            && !message.contains(&file)
            && !message.contains("--")
        {
            problems.push("names neither the file nor the argument".into());
        }
        if !message.contains(case.says) {
            problems.push(format!("does not say `{}`", case.says));
        }
        if !problems.is_empty() {
            failures.push(format!(
                "{}: {}\n  message: {}",
                case.name,
                problems.join("; "),
                message.trim()
            ));
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} cases failed:\n{}",
        failures.len(),
        CASES.len(),
        failures.join("\n")
    );
}

#[test]
fn validation_reports_every_problem_not_just_the_first() {
    let text = apply(&[
        ("workers: 2", "workers: 0"),
        ("\"10/s\"", "\"-1/s\""),
        ("target: \"api\"", "target: \"nope\""),
    ]);
    let path = write_case(1000, &text);
    let argv = ["faultline", "check", path.to_str().unwrap()];
    let (mut out, mut err) = (Vec::new(), Vec::new());
    let code = faultline_cli::main_with(argv.iter().map(Into::into), &mut out, &mut err);
    let message = String::from_utf8_lossy(&err);
    assert_eq!(code, 2);
    for needle in ["0, service_time", "\"-1/s\"", "\"nope\""] {
        let (line, col) = line_col(&text, needle);
        assert!(
            message.contains(&format!(":{line}:{col}:")),
            "missing {line}:{col} in:\n{message}"
        );
    }
}

/// This file used to hang `faultline run`: the priority order leaves out `low`, so once the
/// breaker lets work through again, idle workers face a queue they cannot take from. (With
/// validation bypassed, the model stops with `LimitExceeded::Stuck`; see `World`'s tests.)
const HUNG: &str = r#"Scenario(name: "x", duration: "60s",
  clients: {"a": (target: "api", rate: "1/s", class: "high"), "b": (target: "api", rate: "50/s", class: "low")},
  services: {
    "api": (workers: 4, queue: Priority(order: ["high"]), hold_while_open: true,
            steps: [Call(to: "db", breaker: (window: Count(10), failure_rate: 0.5, minimum_calls: 2, open_duration: "2s"))]),
    "db": (workers: 4, service_time: Exp(mean: "1ms")),
  },
  faults: [Fail(service: "db", share: 1.0, at: "5s", length: "5s")],
  invariants: [NoLostRequests])
"#;

#[test]
fn a_priority_order_that_would_hang_the_run_is_refused_at_validation() {
    let path = write_case(1001, HUNG);
    let argv = ["faultline", "run", path.to_str().unwrap(), "--no-report"];
    let (mut out, mut err) = (Vec::new(), Vec::new());
    let code = faultline_cli::main_with(argv.iter().map(Into::into), &mut out, &mut err);
    let message = String::from_utf8_lossy(&err);
    assert_eq!(code, 2, "{message}");
    let (line, col) = line_col(HUNG, "[\"high\"]");
    assert!(message.contains(&format!(":{line}:{col}: ")), "{message}");
    assert!(message.contains("leaves out `low`") && message.contains("client `b`"), "{message}");
}

/// Runs `faultline check` on `text`; it must exit with 2 and say `says` at `needle`'s place.
fn assert_refused_at(index: usize, text: &str, needle: &str, says: &str) {
    let path = write_case(index, text);
    let argv = ["faultline", "check", path.to_str().unwrap()];
    let (mut out, mut err) = (Vec::new(), Vec::new());
    let code = faultline_cli::main_with(argv.iter().map(Into::into), &mut out, &mut err);
    let message = String::from_utf8_lossy(&err);
    assert_eq!(code, 2, "{message}");
    let (line, col) = line_col(text, needle);
    assert!(message.contains(&format!(":{line}:{col}: ")), "not at {line}:{col}: {message}");
    assert!(message.contains(says), "does not say `{says}`: {message}");
}

/// Counts the model keeps in small integers are bounded at validation, never truncated.
#[test]
fn counts_beyond_the_models_integers_are_refused_where_they_are_written() {
    let clients: String = (0..257)
        .map(|i| {
            format!("        \"c{i:03}\": (target: \"api\", rate: \"1/s\", class: \"k{i:03}\"),\n")
        })
        .collect();
    let text = apply(&[("        \"web\": (target: \"api\", rate: \"10/s\"),\n", &clients)]);
    assert_refused_at(1002, &text, "\"k256\"", "at most 256");

    let calls = vec!["(to: \"api\")"; 1001].join(", ");
    let parallel = format!("steps: [Parallel([{calls}])]");
    let text = apply(&[("service_time: Exp(mean: \"50ms\")", &parallel)]);
    assert_refused_at(1003, &text, "Parallel", "1 to 1000");

    let works = vec!["Work(time: Const(\"1ms\"))"; 1001].join(", ");
    let steps = format!("steps: [{works}]");
    let text = apply(&[("service_time: Exp(mean: \"50ms\")", &steps)]);
    assert_refused_at(1004, &text, "[Work", "a handler has 1 to 1000");
}

/// Thousands of garbled versions of the bundled scenarios: every one must load or fail with a
/// located error, never panic.
#[test]
fn garbled_scenarios_never_panic() {
    let mut state: u64 = 0x2545_f491_4f6c_dd1d;
    let mut next = move |bound: usize| {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        (state % bound as u64) as usize
    };
    const PIECES: &[&str] =
        &["(", ")", "[", "]", "{", "}", ",", ":", "\"", "-", "0", "Some(", "é", "//", "/*", "r#\""];
    for (name, variant) in [("mm1", None), ("queue-growth", Some("fixed"))] {
        let original = std::fs::read_to_string(faultline_tests::scenario_path(name)).unwrap();
        for _ in 0..1_500 {
            let mut text = original.clone();
            for _ in 0..1 + next(3) {
                let mut at = next(text.len());
                while !text.is_char_boundary(at) {
                    at -= 1;
                }
                if next(2) == 0 {
                    text.insert_str(at, PIECES[next(PIECES.len())]);
                } else {
                    let mut end = (at + 1 + next(4)).min(text.len());
                    while !text.is_char_boundary(end) {
                        end += 1;
                    }
                    text.replace_range(at..end, "");
                }
            }
            let overrides = faultline_scenario::Overrides {
                variant: variant.map(str::to_string),
                sets: vec!["duration=10s".into()],
            };
            if let Err(e) = faultline_scenario::load("garbled.ron", &text, &overrides) {
                assert!(!e.problems.is_empty());
            }
        }
    }
}

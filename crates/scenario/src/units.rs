//! Human-written quantities: durations like `"250ms"` or `"1h30m"`, rates like `"200/s"`.

use faultline_engine::SimDuration;

const UNITS: &[(&str, u64)] = &[
    ("ns", 1),
    ("us", 1_000),
    ("µs", 1_000),
    ("ms", 1_000_000),
    ("s", 1_000_000_000),
    ("min", 60_000_000_000),
    ("m", 60_000_000_000),
    ("h", 3_600_000_000_000),
    ("d", 86_400_000_000_000),
];

const DURATION_HELP: &str = "write a duration like \"250ms\", \"2s\", \"1.5s\" or \"1h30m\" (units: ns, us, ms, s, m, h, d)";
const SIGNED_HELP: &str =
    "write a signed duration like \"+2s\", \"-5min\" or \"-250ms\" (units: ns, us, ms, s, m, h, d)";
const RATE_HELP: &str =
    "write a rate like \"200/s\", \"0.9/s\" or \"1200/min\" (per ms, s, min or h)";

/// Parses one or more `<number><unit>` parts, e.g. `"1h30m"`, `"2.5s"`, `"0s"`.
pub fn parse_duration(text: &str) -> Result<SimDuration, String> {
    let trimmed = text.trim();
    if trimmed.is_empty() {
        return Err(format!("empty duration; {DURATION_HELP}"));
    }
    if trimmed.starts_with('-') {
        return Err(format!("duration \"{text}\" is negative; {DURATION_HELP}"));
    }
    let mut rest = trimmed;
    let mut total: f64 = 0.0;
    while !rest.is_empty() {
        let (value, after_number) = split_number(rest).ok_or_else(|| bad_duration(text))?;
        let (unit, after_unit) = split_unit(after_number).ok_or_else(|| bad_duration(text))?;
        total += value * unit as f64;
        rest = after_unit.trim_start();
    }
    if total >= u64::MAX as f64 {
        return Err(format!("duration \"{text}\" is too long (at most about 584 years)"));
    }
    Ok(SimDuration::from_nanos(total.round() as u64))
}

/// Parses a duration with an optional sign, `"+2s"`, `"-5min"`, `"-250ms"` or `"2s"`, into
/// nanoseconds.
pub fn parse_signed_duration(text: &str) -> Result<i64, String> {
    let trimmed = text.trim();
    let (negative, rest) = match trimmed.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, trimmed.strip_prefix('+').unwrap_or(trimmed)),
    };
    let bad = || format!("\"{text}\" is not a signed duration; {SIGNED_HELP}");
    if rest.is_empty() || rest.starts_with(['+', '-']) || rest.starts_with(char::is_whitespace) {
        return Err(bad());
    }
    let magnitude = parse_duration(rest).map_err(|_| bad())?;
    match i64::try_from(magnitude.as_nanos()) {
        Ok(nanos) if negative => Ok(-nanos),
        Ok(nanos) => Ok(nanos),
        Err(_) => Err(format!("\"{text}\" is too long (at most about 292 years either way)")),
    }
}

fn bad_duration(text: &str) -> String {
    format!("\"{text}\" is not a duration; {DURATION_HELP}")
}

/// A leading non-negative decimal number and the text after it.
fn split_number(text: &str) -> Option<(f64, &str)> {
    let end = text.find(|c: char| !(c.is_ascii_digit() || c == '.')).unwrap_or(text.len());
    let value: f64 = text[..end].parse().ok()?;
    value.is_finite().then_some((value, &text[end..]))
}

/// A leading unit, longest match first so that `ms` is not read as `m` + `s`.
fn split_unit(text: &str) -> Option<(u64, &str)> {
    let mut best: Option<(&str, u64)> = None;
    for &(name, nanos) in UNITS {
        if text.starts_with(name) && best.is_none_or(|(b, _)| name.len() > b.len()) {
            best = Some((name, nanos));
        }
    }
    let (name, nanos) = best?;
    let rest = &text[name.len()..];
    // A unit must not run on into letters ("5sec" is not "5s" + "ec").
    if rest.starts_with(|c: char| c.is_alphabetic()) {
        return None;
    }
    Some((nanos, rest))
}

/// A duration written so that [`parse_duration`] reads back exactly the same nanoseconds, in
/// the largest unit that keeps it short: `"90s"`, `"62.5s"`, `"250ms"`, `"1500us"`, `"7ns"`.
pub fn write_duration(duration: SimDuration) -> String {
    let ns = duration.as_nanos();
    match ns {
        _ if ns.is_multiple_of(1_000_000_000) => format!("{}s", ns / 1_000_000_000),
        // Whole milliseconds of a second or more: seconds with up to three decimals.
        _ if ns >= 1_000_000_000 && ns.is_multiple_of(1_000_000) => {
            let millis = format!("{:03}", (ns / 1_000_000) % 1000);
            format!("{}.{}s", ns / 1_000_000_000, millis.trim_end_matches('0'))
        }
        _ if ns.is_multiple_of(1_000_000) => format!("{}ms", ns / 1_000_000),
        _ if ns.is_multiple_of(1_000) => format!("{}us", ns / 1_000),
        _ => format!("{ns}ns"),
    }
}

/// Parses `<number>/<unit>` into events per second. Zero is allowed here; callers decide.
pub fn parse_rate(text: &str) -> Result<f64, String> {
    let trimmed = text.trim();
    let Some((count, per)) = trimmed.split_once('/') else {
        return Err(format!("\"{text}\" is not a rate; {RATE_HELP}"));
    };
    let count = count.trim();
    if count.starts_with('-') {
        return Err(format!("rate \"{text}\" is negative; {RATE_HELP}"));
    }
    let value: f64 = count.parse().map_err(|_| format!("\"{text}\" is not a rate; {RATE_HELP}"))?;
    let seconds = match per.trim() {
        "ms" => 1e-3,
        "s" | "sec" => 1.0,
        "m" | "min" => 60.0,
        "h" => 3600.0,
        other => return Err(format!("unknown rate unit \"/{other}\"; {RATE_HELP}")),
    };
    if !value.is_finite() {
        return Err(format!("\"{text}\" is not a finite rate; {RATE_HELP}"));
    }
    Ok(value / seconds)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ns(text: &str) -> u64 {
        parse_duration(text).unwrap().as_nanos()
    }

    #[test]
    fn durations_in_every_unit_and_combination() {
        assert_eq!(ns("250ms"), 250_000_000);
        assert_eq!(ns("2s"), 2_000_000_000);
        assert_eq!(ns("1h30m"), 5_400_000_000_000);
        assert_eq!(ns("1.5s"), 1_500_000_000);
        assert_eq!(ns("10us"), 10_000);
        assert_eq!(ns("10µs"), 10_000);
        assert_eq!(ns("3ns"), 3);
        assert_eq!(ns("2min"), 120_000_000_000);
        assert_eq!(ns("1d"), 86_400_000_000_000);
        assert_eq!(ns("0s"), 0);
    }

    #[test]
    fn bad_durations_say_how_to_write_one() {
        for bad in ["", "5", "fast", "-2s", "5sec", "1.2.3s", "s", "1e999s", "99999999999d"] {
            let err = parse_duration(bad).unwrap_err();
            assert!(err.contains("duration"), "{bad}: {err}");
        }
    }

    #[test]
    fn signed_durations_take_either_sign_or_none() {
        assert_eq!(parse_signed_duration("+2s"), Ok(2_000_000_000));
        assert_eq!(parse_signed_duration("2s"), Ok(2_000_000_000));
        assert_eq!(parse_signed_duration("-5min"), Ok(-300_000_000_000));
        assert_eq!(parse_signed_duration(" -250ms "), Ok(-250_000_000));
        assert_eq!(parse_signed_duration("-1h30m"), Ok(-5_400_000_000_000));
        assert_eq!(parse_signed_duration("-0s"), Ok(0));
        for bad in ["", "+", "-", "--2s", "+-2s", "- 2s", "2", "-fast", "-300y"] {
            let err = parse_signed_duration(bad).unwrap_err();
            assert!(err.contains("signed duration"), "{bad}: {err}");
        }
        let err = parse_signed_duration("-200000d").unwrap_err();
        assert!(err.contains("too long"), "{err}");
    }

    #[test]
    fn written_durations_read_back_exactly() {
        let cases = [
            (90_000_000_000, "90s"),
            (62_500_000_000, "62.5s"),
            (1_250_000_000, "1.25s"),
            (1_001_000_000, "1.001s"),
            (250_000_000, "250ms"),
            (1_500_000, "1500us"),
            (7, "7ns"),
            (0, "0s"),
        ];
        for (nanos, text) in cases {
            assert_eq!(write_duration(SimDuration::from_nanos(nanos)), text);
            assert_eq!(ns(text), nanos, "{text}");
        }
    }

    #[test]
    fn rates_convert_to_per_second() {
        assert_eq!(parse_rate("200/s").unwrap(), 200.0);
        assert_eq!(parse_rate("0.9/s").unwrap(), 0.9);
        assert_eq!(parse_rate("1200/min").unwrap(), 20.0);
        assert_eq!(parse_rate("2/ms").unwrap(), 2000.0);
        for bad in ["200", "-1/s", "x/s", "5/day"] {
            assert!(parse_rate(bad).is_err(), "{bad}");
        }
    }
}

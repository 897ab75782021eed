//! Five-field cron expressions (`minute hour day-of-month month day-of-week`), each field `*`,
//! a number, a range `a-b`, a list `a,b`, or a step `*/n` / `a-b/n`; day of week 0–7 with both
//! 0 and 7 Sunday. As in cron, when both day fields are restricted a day matches either.
//! Never accepts a value out of range or an empty step.

use std::fmt;

/// A parsed cron expression: the set of values each field allows, as bit sets.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Cron {
    minutes: u64,
    hours: u32,
    days: u32,
    months: u16,
    weekdays: u8,
    /// Whether each day field was restricted (not `*`): cron's OR rule for days.
    days_restricted: bool,
    weekdays_restricted: bool,
}

/// What is wrong with a cron expression, and in which field.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CronError {
    /// 0-based field index (minute = 0), or `None` for the expression as a whole.
    pub field: Option<usize>,
    pub message: String,
}

impl fmt::Display for CronError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.field {
            Some(i) => write!(f, "{} field: {}", FIELDS[i].0, self.message),
            None => f.write_str(&self.message),
        }
    }
}

impl std::error::Error for CronError {}

/// Each field's name and range.
const FIELDS: [(&str, u32, u32); 5] = [
    ("minute", 0, 59),
    ("hour", 0, 23),
    ("day-of-month", 1, 31),
    ("month", 1, 12),
    ("day-of-week", 0, 7),
];

impl Cron {
    pub fn parse(text: &str) -> Result<Cron, CronError> {
        let fields: Vec<&str> = text.split_whitespace().collect();
        if fields.len() != 5 {
            return Err(CronError {
                field: None,
                message: format!(
                    "{} fields; a schedule has 5: minute hour day-of-month month day-of-week \
                     (e.g. \"0 9 * * *\")",
                    fields.len()
                ),
            });
        }
        let mut sets = [0u64; 5];
        for (i, field) in fields.iter().enumerate() {
            sets[i] = parse_field(field, FIELDS[i].1, FIELDS[i].2)
                .map_err(|message| CronError { field: Some(i), message })?;
        }
        // Sunday is both 0 and 7.
        let weekdays = (sets[4] | (sets[4] >> 7)) & 0x7f;
        Ok(Cron {
            minutes: sets[0],
            hours: sets[1] as u32,
            days: sets[2] as u32,
            months: sets[3] as u16,
            weekdays: weekdays as u8,
            days_restricted: fields[2] != "*",
            weekdays_restricted: fields[4] != "*",
        })
    }

    /// Whether the schedule runs on this day (`weekday` 0 = Sunday).
    pub fn runs_on(&self, month: u32, day: u32, weekday: u32) -> bool {
        if self.months & (1 << month) == 0 {
            return false;
        }
        let by_day = self.days & (1 << day) != 0;
        let by_weekday = self.weekdays & (1 << weekday) != 0;
        match (self.days_restricted, self.weekdays_restricted) {
            (true, true) => by_day || by_weekday,
            _ => by_day && by_weekday,
        }
    }

    /// The times of day it runs at, in order, as (hour, minute).
    pub fn times(&self) -> impl Iterator<Item = (u32, u32)> + '_ {
        (0..24u32).filter(|h| self.hours & (1 << h) != 0).flat_map(move |h| {
            (0..60u32).filter(|m| self.minutes & (1 << m) != 0).map(move |m| (h, m))
        })
    }
}

/// The values one field allows, as a bit set.
fn parse_field(field: &str, min: u32, max: u32) -> Result<u64, String> {
    let mut set = 0u64;
    for part in field.split(',') {
        let (range, step) = match part.split_once('/') {
            Some((range, step)) => {
                let step: u32 =
                    step.parse().map_err(|_| format!("step `{step}` is not a number"))?;
                if step == 0 {
                    return Err("a step of 0 never advances".into());
                }
                (range, step)
            }
            None => (part, 1),
        };
        let (low, high) = match range {
            "*" => (min, max),
            _ => match range.split_once('-') {
                Some((a, b)) => (number(a, min, max)?, number(b, min, max)?),
                None if step > 1 => (number(range, min, max)?, max),
                None => {
                    let n = number(range, min, max)?;
                    (n, n)
                }
            },
        };
        if low > high {
            return Err(format!("range {low}-{high} is empty"));
        }
        set |= (low..=high).step_by(step as usize).fold(0, |s, v| s | (1u64 << v));
    }
    Ok(set)
}

fn number(text: &str, min: u32, max: u32) -> Result<u32, String> {
    let n: u32 = text.parse().map_err(|_| format!("`{text}` is not a number"))?;
    if !(min..=max).contains(&n) {
        return Err(format!("{n} is outside {min}-{max}"));
    }
    Ok(n)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fields_lists_ranges_and_steps() {
        let c = Cron::parse("*/15 9-17 * * 1-5").expect("valid");
        let times: Vec<(u32, u32)> = c.times().take(5).collect();
        assert_eq!(times, [(9, 0), (9, 15), (9, 30), (9, 45), (10, 0)]);
        assert_eq!(c.times().count(), 9 * 4);
        // 2026-03-02 is a Monday; 2026-03-01 a Sunday.
        assert!(c.runs_on(3, 2, 1) && !c.runs_on(3, 1, 0));
        let sundays = Cron::parse("0 0 * * 7").expect("7 is Sunday");
        assert!(sundays.runs_on(3, 1, 0));
    }

    /// With both day fields restricted, cron runs on either (the 1st, or any Monday).
    #[test]
    fn restricted_day_fields_combine_with_or() {
        let c = Cron::parse("0 0 1 * 1").expect("valid");
        assert!(c.runs_on(3, 1, 0) && c.runs_on(3, 2, 1) && !c.runs_on(3, 3, 2));
    }

    #[test]
    fn bad_expressions_name_their_field() {
        let err = |text| Cron::parse(text).expect_err("invalid").to_string();
        assert!(err("0 9 * *").starts_with("4 fields; a schedule has 5"));
        assert_eq!(err("60 9 * * *"), "minute field: 60 is outside 0-59");
        assert_eq!(err("0 9 * 13 *"), "month field: 13 is outside 1-12");
        assert_eq!(err("*/0 * * * *"), "minute field: a step of 0 never advances");
        assert_eq!(err("0 5-3 * * *"), "hour field: range 5-3 is empty");
        assert_eq!(err("0 x * * *"), "hour field: `x` is not a number");
    }
}

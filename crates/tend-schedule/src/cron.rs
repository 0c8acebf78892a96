//! Cron expressions: the five fields of crontab(5), month and day names, the `@daily` family and
//! the nth-weekday form `SUN#1`.
//!
//! Written on jiff rather than taken from a cron crate because the maintained ones (`croner`,
//! `cron`, `saffron`) compute in chrono and chrono-tz; the workspace's time crate is jiff, whose
//! bundled tzdb we need anyway, and the matcher is small. The parser keeps each field's items
//! (not only the set of values they expand to) so that an export can write the field back with
//! the same meaning: whether a field starts with `*` changes how the two day fields combine.
//!
//! **The two day fields.** As in Vixie cron (and so in every crontab an export writes), when both
//! day-of-month and day-of-week are restricted (neither starts with `*`), a day matches when
//! *either* does: `0 3 1 * MON` runs on the 1st and on every Monday. When one of them starts
//! with `*`, both must match. "First Sunday" is therefore written `0 3 * * SUN#1`, not
//! `0 3 1-7 * SUN` (which runs on the 1st to the 7th *and* every Sunday).

use std::fmt;
use std::ops::Range;
use std::str::FromStr;

use jiff::civil::Date;

/// One of the five fields of a cron expression.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum CronField {
    Minute,
    Hour,
    DayOfMonth,
    Month,
    DayOfWeek,
}

impl CronField {
    const ALL: [CronField; 5] = [
        CronField::Minute,
        CronField::Hour,
        CronField::DayOfMonth,
        CronField::Month,
        CronField::DayOfWeek,
    ];

    /// The values the field accepts (day-of-week 7 is Sunday, like 0).
    fn bounds(self) -> (u8, u8) {
        match self {
            CronField::Minute => (0, 59),
            CronField::Hour => (0, 23),
            CronField::DayOfMonth => (1, 31),
            CronField::Month => (1, 12),
            CronField::DayOfWeek => (0, 7),
        }
    }

    fn names(self) -> &'static [&'static str] {
        match self {
            CronField::Month => &[
                "JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC",
            ],
            CronField::DayOfWeek => &["SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"],
            _ => &[],
        }
    }

    /// The value a name stands for (`JAN` is 1, `SUN` is 0).
    fn name_value(self, name: &str) -> Option<u8> {
        let offset = u8::from(self == CronField::Month);
        self.names()
            .iter()
            .position(|candidate| candidate.eq_ignore_ascii_case(name))
            .and_then(|index| u8::try_from(index).ok())
            .map(|index| index + offset)
    }

    fn expected_value(self) -> String {
        let (min, max) = self.bounds();
        match self {
            CronField::Month => format!("a month {min}-{max} or JAN-DEC"),
            CronField::DayOfWeek => {
                format!("a weekday {min}-{max} (0 and 7 are Sunday) or SUN-SAT")
            }
            _ => format!("a number {min}-{max}"),
        }
    }
}

impl fmt::Display for CronField {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            CronField::Minute => "minute",
            CronField::Hour => "hour",
            CronField::DayOfMonth => "day-of-month",
            CronField::Month => "month",
            CronField::DayOfWeek => "day-of-week",
        })
    }
}

/// A cron expression that could not be read. The caller adds the file and line; `span` is the
/// byte range of the offending text within the expression, for a marker under it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{}", self.describe())]
pub struct CronError {
    /// The field the problem is in; `None` for the expression as a whole.
    pub field: Option<CronField>,
    pub span: Range<usize>,
    /// What was expected there, in words.
    pub expected: String,
    /// What was found (empty when nothing was).
    pub found: String,
}

impl CronError {
    fn describe(&self) -> String {
        let found = if self.found.is_empty() {
            "nothing".to_owned()
        } else {
            format!("`{}`", self.found)
        };
        match self.field {
            Some(field) => format!(
                "in the {field} field, expected {}, found {found}",
                self.expected
            ),
            None => format!("expected {}, found {found}", self.expected),
        }
    }
}

/// One comma-separated item of a field, as written (names turned into numbers).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Item {
    /// `*` or `*/step`.
    Every { step: u8 },
    /// `n`, `a-b`, `a-b/step`, or `a/step` (from `a` to the field's maximum).
    Range { start: u8, end: u8, step: u8 },
    /// `DAY#n` (day-of-week only): the nth such weekday of the month.
    Nth { weekday: u8, occurrence: u8 },
}

/// One parsed field: its items and the set of values they cover.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Field {
    items: Vec<Item>,
    /// Bit `v` set when value `v` matches (day-of-week: 0..=6, Sunday 0; `#` items excluded).
    bits: u64,
    /// The field starts with `*` (Vixie's `DOM_STAR`/`DOW_STAR`): it does not restrict.
    star: bool,
}

impl Field {
    fn contains(&self, value: u8) -> bool {
        self.bits & (1 << value) != 0
    }

    fn values(&self) -> impl Iterator<Item = u8> + '_ {
        (0u8..64).filter(|value| self.contains(*value))
    }
}

/// A parsed cron expression. Compare and display it as written; match it with
/// [`Cron::matches_date`] and the functions of the `occurrence` module.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cron {
    text: String,
    minute: Field,
    hour: Field,
    day_of_month: Field,
    month: Field,
    day_of_week: Field,
}

const MACROS: &[(&str, &str)] = &[
    ("@yearly", "0 0 1 1 *"),
    ("@annually", "0 0 1 1 *"),
    ("@monthly", "0 0 1 * *"),
    ("@weekly", "0 0 * * 0"),
    ("@daily", "0 0 * * *"),
    ("@midnight", "0 0 * * *"),
    ("@hourly", "0 * * * *"),
];

impl Cron {
    /// Reads a five-field expression or one of `@yearly`, `@annually`, `@monthly`, `@weekly`,
    /// `@daily`, `@midnight`, `@hourly`.
    pub fn parse(text: &str) -> Result<Cron, CronError> {
        let trimmed = text.trim();
        let lead = text.len() - text.trim_start().len();
        if trimmed.starts_with('@') {
            let Some((_, expansion)) = MACROS
                .iter()
                .find(|(name, _)| name.eq_ignore_ascii_case(trimmed))
            else {
                return Err(CronError {
                    field: None,
                    span: lead..lead + trimmed.len(),
                    expected: "one of @hourly, @daily, @midnight, @weekly, @monthly, @yearly, \
                               @annually"
                        .to_owned(),
                    found: trimmed.to_owned(),
                });
            };
            let mut cron = Cron::parse_fields(expansion, 0).map_err(|error| CronError {
                span: lead..lead + trimmed.len(),
                ..error
            })?;
            trimmed.clone_into(&mut cron.text);
            return Ok(cron);
        }
        Cron::parse_fields(text, 0)
    }

    fn parse_fields(text: &str, base: usize) -> Result<Cron, CronError> {
        let words: Vec<(usize, &str)> = split_words(text);
        if words.len() != 5 {
            let end = text.trim_end().len();
            let start = text.len() - text.trim_start().len();
            return Err(CronError {
                field: None,
                span: base + start..base + end.max(start),
                expected: "5 fields (minute hour day-of-month month day-of-week) or a macro \
                           such as @daily"
                    .to_owned(),
                found: text.trim().to_owned(),
            });
        }
        let mut fields = Vec::with_capacity(5);
        for ((offset, word), field) in words.iter().zip(CronField::ALL) {
            fields.push(parse_field(word, field, base + offset)?);
        }
        let [minute, hour, day_of_month, month, day_of_week]: [Field; 5] =
            fields.try_into().map_err(|_| unreachable_error())?;
        let cron = Cron {
            text: text.trim().to_owned(),
            minute,
            hour,
            day_of_month,
            month,
            day_of_week,
        };
        cron.check_day_exists(&words)?;
        Ok(cron)
    }

    /// An expression whose days can never occur (`0 0 30 2 *`, `0 0 */19 * SUN#4`) is an
    /// error, not a schedule that silently never runs.
    fn check_day_exists(&self, words: &[(usize, &str)]) -> Result<(), CronError> {
        // Days in each month of a leap year: the most any year has.
        const LONGEST: [u8; 13] = [0, 31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
        let days_only = !self.day_of_month.star && self.day_of_week.star;
        if days_only {
            let possible = self.month.values().any(|month| {
                self.day_of_month
                    .values()
                    .any(|day| day <= LONGEST[usize::from(month)])
            });
            if possible {
                return Ok(());
            }
            let (offset, word) = words[2];
            return Err(CronError {
                field: Some(CronField::DayOfMonth),
                span: offset..offset + word.len(),
                expected: "a day that occurs in one of the months of the month field".to_owned(),
                found: word.to_owned(),
            });
        }
        // Weekdays and days of the month repeat every 28 years (2000 to 2027 holds every
        // combination, 2000 being a leap year): some day in them must match.
        let mut date = jiff::civil::date(2000, 1, 1);
        for _ in 0..366 * 28 {
            if self.matches_date(date) {
                return Ok(());
            }
            let Ok(next) = date.tomorrow() else {
                break;
            };
            date = next;
        }
        let (start, _) = words[2];
        let (end, last) = words[4];
        Err(CronError {
            field: None,
            span: start..end + last.len(),
            expected: "days that occur (these day-of-month, month and day-of-week fields never \
                       meet)"
                .to_owned(),
            found: words[2..]
                .iter()
                .map(|(_, word)| *word)
                .collect::<Vec<_>>()
                .join(" "),
        })
    }

    /// The expression as written (trimmed), `@daily` included.
    pub fn as_str(&self) -> &str {
        &self.text
    }

    /// Whether the schedule runs on this date (the time fields aside).
    pub fn matches_date(&self, date: Date) -> bool {
        let Ok(month) = u8::try_from(date.month()) else {
            return false;
        };
        self.month.contains(month) && self.matches_day(date)
    }

    pub(crate) fn matches_month(&self, month: i8) -> bool {
        u8::try_from(month).is_ok_and(|month| self.month.contains(month))
    }

    /// The Vixie rule: both day fields restricted means either may match.
    pub(crate) fn matches_day(&self, date: Date) -> bool {
        let day_of_month =
            u8::try_from(date.day()).is_ok_and(|day| self.day_of_month.contains(day));
        let day_of_week = self.matches_weekday(date);
        if self.day_of_month.star || self.day_of_week.star {
            day_of_month && day_of_week
        } else {
            day_of_month || day_of_week
        }
    }

    fn matches_weekday(&self, date: Date) -> bool {
        let Ok(weekday) = u8::try_from(date.weekday().to_sunday_zero_offset()) else {
            return false;
        };
        if self.day_of_week.contains(weekday) {
            return true;
        }
        let occurrence = u8::try_from((date.day() - 1) / 7 + 1).unwrap_or(0);
        self.nth_weekdays()
            .any(|(nth_weekday, nth)| nth_weekday == weekday && nth == occurrence)
    }

    pub(crate) fn hours(&self) -> impl Iterator<Item = u8> + '_ {
        self.hour.values()
    }

    pub(crate) fn minutes(&self) -> impl Iterator<Item = u8> + '_ {
        self.minute.values()
    }

    /// The hour field starts with `*`: the schedule runs through the day by the clock, so in an
    /// hour repeated by a DST change it runs in both passes (Vixie's "wildcard jobs").
    pub(crate) fn hour_is_wildcard(&self) -> bool {
        self.hour.star
    }

    /// The `DAY#n` items of the day-of-week field as (weekday with Sunday 0, n).
    pub(crate) fn nth_weekdays(&self) -> impl Iterator<Item = (u8, u8)> + '_ {
        self.day_of_week
            .items
            .iter()
            .filter_map(|item| match *item {
                Item::Nth {
                    weekday,
                    occurrence,
                } => Some((weekday, occurrence)),
                _ => None,
            })
    }

    /// The parts an exporter needs, in numbers.
    pub(crate) fn parts(&self) -> CronParts<'_> {
        CronParts { cron: self }
    }
}

impl FromStr for Cron {
    type Err = CronError;

    fn from_str(text: &str) -> Result<Cron, CronError> {
        Cron::parse(text)
    }
}

impl fmt::Display for Cron {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

/// What the exporters read of a cron expression: the value sets and each field written back
/// in numbers, with the `*` that decides how the day fields combine kept.
pub(crate) struct CronParts<'a> {
    cron: &'a Cron,
}

/// The days a schedule runs on are the union of simple rules; within one rule the weekdays and
/// the days of the month must both match (`None`: any). One rule is one systemd `OnCalendar=`
/// line, or one crontab line (with a weekday test in the command when it restricts both).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct DayRule {
    /// Weekdays, Sunday 0.
    pub(crate) weekdays: Option<Vec<u8>>,
    /// Days of the month, 1..=31.
    pub(crate) days: Option<Vec<u8>>,
}

impl DayRule {
    const EVERY: DayRule = DayRule {
        weekdays: None,
        days: None,
    };
}

impl CronParts<'_> {
    pub(crate) fn minutes(&self) -> Vec<u8> {
        self.cron.minute.values().collect()
    }

    pub(crate) fn hours(&self) -> Vec<u8> {
        self.cron.hour.values().collect()
    }

    pub(crate) fn months(&self) -> Vec<u8> {
        self.cron.month.values().collect()
    }

    pub(crate) fn all_months(&self) -> bool {
        self.cron.month.bits == full_bits(CronField::Month)
    }

    pub(crate) fn minute_star(&self) -> bool {
        self.cron.minute.star && self.cron.minute.bits == full_bits(CronField::Minute)
    }

    pub(crate) fn hour_star(&self) -> bool {
        self.cron.hour.star && self.cron.hour.bits == full_bits(CronField::Hour)
    }

    /// Written back in numbers, as crontab(5) reads it.
    pub(crate) fn field_text(&self, field: CronField) -> String {
        let parsed = match field {
            CronField::Minute => &self.cron.minute,
            CronField::Hour => &self.cron.hour,
            CronField::DayOfMonth => &self.cron.day_of_month,
            CronField::Month => &self.cron.month,
            CronField::DayOfWeek => &self.cron.day_of_week,
        };
        // A weekday range reaching 7 (Sunday) is written with 0: GitHub Actions and other
        // crons read only 0-6.
        let reaches_seven = field == CronField::DayOfWeek
            && parsed
                .items
                .iter()
                .any(|item| matches!(item, Item::Range { end: 7, .. }));
        if reaches_seven && !parsed.star {
            let values: Vec<u8> = parsed.values().collect();
            let nth: Vec<Item> = parsed
                .items
                .iter()
                .copied()
                .filter(|item| matches!(item, Item::Nth { .. }))
                .collect();
            let mut text = render_values(&values);
            if !nth.is_empty() {
                if !text.is_empty() {
                    text.push(',');
                }
                text.push_str(&render_items(&nth));
            }
            return text;
        }
        render_items(&parsed.items)
    }

    pub(crate) fn has_nth(&self) -> bool {
        self.cron.nth_weekdays().next().is_some()
    }

    /// Every day of every month matches (the day fields do not restrict at all).
    pub(crate) fn every_day(&self) -> bool {
        self.rules() == [DayRule::EVERY]
    }

    /// The day fields as a union of simple rules, following the Vixie rule for the two fields.
    pub(crate) fn rules(&self) -> Vec<DayRule> {
        let cron = self.cron;
        let all_days = cron.day_of_month.bits == full_bits(CronField::DayOfMonth);
        let days: Option<Vec<u8>> = (!all_days).then(|| cron.day_of_month.values().collect());
        let weekdays: Vec<u8> = cron.day_of_week.values().collect();
        let all_weekdays = weekdays.len() == 7;
        // `DAY#n` is that weekday on the days 7n-6 ..= 7n (as far as the month goes).
        let nth_rules = |within: Option<&Vec<u8>>| {
            cron.nth_weekdays()
                .filter(|(weekday, _)| !weekdays.contains(weekday))
                .filter_map(|(weekday, occurrence)| {
                    let week: Vec<u8> = (occurrence * 7 - 6..=(occurrence * 7).min(31))
                        .filter(|day| within.is_none_or(|days| days.contains(day)))
                        .collect();
                    (!week.is_empty()).then(|| DayRule {
                        weekdays: Some(vec![weekday]),
                        days: Some(week),
                    })
                })
                .collect::<Vec<_>>()
        };
        if cron.day_of_month.star || cron.day_of_week.star {
            // Both fields must match; the one starting with `*` restricts only by its step.
            if all_weekdays {
                return vec![DayRule {
                    weekdays: None,
                    days,
                }];
            }
            let mut rules = Vec::new();
            if !weekdays.is_empty() {
                rules.push(DayRule {
                    weekdays: Some(weekdays.clone()),
                    days: days.clone(),
                });
            }
            rules.extend(nth_rules(days.as_ref()));
            rules
        } else {
            // Either field may match.
            if all_days || all_weekdays {
                return vec![DayRule::EVERY];
            }
            let mut rules = vec![DayRule {
                weekdays: None,
                days,
            }];
            if !weekdays.is_empty() {
                rules.push(DayRule {
                    weekdays: Some(weekdays.clone()),
                    days: None,
                });
            }
            rules.extend(nth_rules(None));
            rules
        }
    }
}

fn full_bits(field: CronField) -> u64 {
    let (min, max) = field.bounds();
    let max = if field == CronField::DayOfWeek {
        6
    } else {
        max
    };
    (min..=max).fold(0, |bits, value| bits | (1 << value))
}

/// Values as a list with runs of three or more as ranges (`1-5,0`).
fn render_values(values: &[u8]) -> String {
    let mut parts = Vec::new();
    let mut index = 0;
    while index < values.len() {
        let mut end = index;
        while end + 1 < values.len() && values[end + 1] == values[end] + 1 {
            end += 1;
        }
        if end - index >= 2 {
            parts.push(format!("{}-{}", values[index], values[end]));
            index = end + 1;
        } else {
            parts.push(values[index].to_string());
            index += 1;
        }
    }
    parts.join(",")
}

fn render_items(items: &[Item]) -> String {
    items
        .iter()
        .map(|item| match *item {
            Item::Every { step: 1 } => "*".to_owned(),
            Item::Every { step } => format!("*/{step}"),
            Item::Range { start, end, .. } if start == end => start.to_string(),
            Item::Range {
                start,
                end,
                step: 1,
            } => format!("{start}-{end}"),
            Item::Range { start, end, step } => format!("{start}-{end}/{step}"),
            Item::Nth {
                weekday,
                occurrence,
            } => format!("{weekday}#{occurrence}"),
        })
        .collect::<Vec<_>>()
        .join(",")
}

fn unreachable_error() -> CronError {
    CronError {
        field: None,
        span: 0..0,
        expected: "5 fields".to_owned(),
        found: String::new(),
    }
}

/// Whitespace-separated words with their byte offsets.
fn split_words(text: &str) -> Vec<(usize, &str)> {
    let mut words = Vec::new();
    let mut start = None;
    for (index, ch) in text.char_indices() {
        match (ch.is_whitespace(), start) {
            (true, Some(begin)) => {
                words.push((begin, &text[begin..index]));
                start = None;
            }
            (false, None) => start = Some(index),
            _ => {}
        }
    }
    if let Some(begin) = start {
        words.push((begin, &text[begin..]));
    }
    words
}

fn parse_field(word: &str, field: CronField, offset: usize) -> Result<Field, CronError> {
    let mut items = Vec::new();
    let mut bits = 0u64;
    let mut position = 0;
    for part in word.split(',') {
        let span = offset + position..offset + position + part.len();
        position += part.len() + 1;
        let item = parse_item(part, field, span.clone())?;
        bits |= item_bits(item, field);
        items.push(item);
    }
    Ok(Field {
        items,
        bits,
        star: word.starts_with('*'),
    })
}

fn item_bits(item: Item, field: CronField) -> u64 {
    let (min, max) = field.bounds();
    let (start, end, step) = match item {
        Item::Every { step } => (min, max, step),
        Item::Range { start, end, step } => (start, end, step),
        Item::Nth { .. } => return 0,
    };
    let mut bits = 0u64;
    let mut value = start;
    while value <= end {
        // Day-of-week 7 is Sunday.
        let bit = if field == CronField::DayOfWeek && value == 7 {
            0
        } else {
            value
        };
        bits |= 1 << bit;
        match value.checked_add(step) {
            Some(next) => value = next,
            None => break,
        }
    }
    bits
}

fn parse_item(part: &str, field: CronField, span: Range<usize>) -> Result<Item, CronError> {
    let error = |expected: String, found: &str, span: Range<usize>| CronError {
        field: Some(field),
        span,
        expected,
        found: found.to_owned(),
    };
    if part.is_empty() {
        return Err(error(field.expected_value(), "", span));
    }
    let (range_text, step) = match part.split_once('/') {
        Some((range_text, step_text)) => {
            let step_start = span.start + range_text.len() + 1;
            let step_span = step_start..span.end;
            let step = step_text
                .parse::<u8>()
                .ok()
                .filter(|step| *step >= 1)
                .ok_or_else(|| {
                    error(
                        "a step of 1 or more after `/`".to_owned(),
                        step_text,
                        step_span,
                    )
                })?;
            (range_text, Some(step))
        }
        None => (part, None),
    };
    let range_span = span.start..span.start + range_text.len();
    if range_text == "*" {
        return Ok(Item::Every {
            step: step.unwrap_or(1),
        });
    }
    if let Some((day_text, occurrence_text)) = range_text.split_once('#') {
        if field != CronField::DayOfWeek {
            return Err(error(field.expected_value(), part, span));
        }
        if step.is_some() {
            return Err(error("no step after a `DAY#n` item".to_owned(), part, span));
        }
        let weekday = parse_value(day_text, field)
            .ok_or_else(|| error(field.expected_value(), day_text, range_span.clone()))?;
        let occurrence_span = range_span.start + day_text.len() + 1..range_span.end;
        let occurrence = occurrence_text
            .parse::<u8>()
            .ok()
            .filter(|n| (1..=5).contains(n))
            .ok_or_else(|| {
                error(
                    "an occurrence 1-5 after `#` (SUN#1 is the first Sunday of the month)"
                        .to_owned(),
                    occurrence_text,
                    occurrence_span,
                )
            })?;
        return Ok(Item::Nth {
            weekday: weekday % 7,
            occurrence,
        });
    }
    // `a/step` (no end) runs from `a` to the field's end, as cronie and most crons read it.
    let Some((start_text, end_text)) = range_text.split_once('-') else {
        let value = parse_value(range_text, field)
            .ok_or_else(|| error(field.expected_value(), range_text, range_span))?;
        let end = if step.is_some() {
            field.bounds().1
        } else {
            value
        };
        return Ok(Item::Range {
            start: value,
            end,
            step: step.unwrap_or(1),
        });
    };
    let start = parse_value(start_text, field).ok_or_else(|| {
        error(
            field.expected_value(),
            start_text,
            range_span.start..range_span.start + start_text.len(),
        )
    })?;
    let end_span = range_span.start + start_text.len() + 1..range_span.end;
    let end = parse_value(end_text, field)
        .ok_or_else(|| error(field.expected_value(), end_text, end_span.clone()))?;
    if end < start {
        return Err(error(
            "a range whose end is at least its start".to_owned(),
            range_text,
            range_span,
        ));
    }
    Ok(Item::Range {
        start,
        end,
        step: step.unwrap_or(1),
    })
}

fn parse_value(text: &str, field: CronField) -> Option<u8> {
    let (min, max) = field.bounds();
    let value = if text.bytes().all(|byte| byte.is_ascii_digit()) && !text.is_empty() {
        text.parse::<u8>().ok()?
    } else {
        field.name_value(text)?
    };
    (min..=max).contains(&value).then_some(value)
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::civil::date;

    fn parse(text: &str) -> Cron {
        Cron::parse(text).unwrap()
    }

    fn error(text: &str) -> String {
        Cron::parse(text).unwrap_err().to_string()
    }

    #[test]
    fn fields_lists_ranges_steps_and_names() {
        let cron = parse("*/15 9-17 1,15 JAN-mar mon-FRI");
        assert_eq!(cron.parts().minutes(), [0, 15, 30, 45]);
        assert_eq!(cron.parts().hours(), (9..=17).collect::<Vec<_>>());
        assert_eq!(cron.parts().months(), [1, 2, 3]);
        assert_eq!(
            cron.day_of_week.values().collect::<Vec<_>>(),
            [1, 2, 3, 4, 5]
        );
        assert_eq!(
            parse("10/20 0 * * *").parts().minutes(),
            [10, 30, 50],
            "`a/step` runs to the end of the field"
        );
        assert_eq!(
            parse("0 0 * * 5-7")
                .day_of_week
                .values()
                .collect::<Vec<_>>(),
            [0, 5, 6]
        );
    }

    #[test]
    fn macros_expand_and_keep_their_name() {
        let cron = parse("@daily");
        assert_eq!(cron.as_str(), "@daily");
        assert_eq!(cron.parts().minutes(), [0]);
        assert_eq!(cron.parts().hours(), [0]);
        assert!(cron.parts().every_day());
        assert_eq!(
            parse("@weekly").parts().rules(),
            [DayRule {
                weekdays: Some(vec![0]),
                days: None
            }]
        );
        assert_eq!(
            parse("@monthly").parts().rules(),
            [DayRule {
                weekdays: None,
                days: Some(vec![1])
            }]
        );
        assert_eq!(parse("@hourly").parts().hours().len(), 24);
    }

    #[test]
    fn first_sunday_matches_only_the_first_sunday() {
        let cron = parse("0 3 * * SUN#1");
        // December 2026: Sundays are the 6th, 13th, 20th, 27th.
        assert!(cron.matches_date(date(2026, 12, 6)));
        assert!(!cron.matches_date(date(2026, 12, 13)));
        assert!(!cron.matches_date(date(2026, 12, 1)));
        // November 2026 starts on a Sunday.
        assert!(cron.matches_date(date(2026, 11, 1)));
        assert!(!cron.matches_date(date(2026, 11, 8)));
    }

    #[test]
    fn restricted_day_fields_combine_with_or_like_vixie_cron() {
        // The classic trap: not "a Sunday among the 1st-7th" but "the 1st-7th, and Sundays".
        let cron = parse("0 3 1-7 * SUN");
        assert!(cron.matches_date(date(2026, 12, 2)), "a Wednesday in 1-7");
        assert!(
            cron.matches_date(date(2026, 12, 20)),
            "a Sunday after the 7th"
        );
        assert!(!cron.matches_date(date(2026, 12, 21)));
        // A field starting with `*` does not restrict: both must match.
        let cron = parse("0 3 */2 * SUN");
        assert!(cron.matches_date(date(2026, 12, 13)), "odd day and Sunday");
        assert!(
            !cron.matches_date(date(2026, 12, 6)),
            "Sunday on an even day"
        );
        assert!(!cron.matches_date(date(2026, 12, 3)), "odd day, a Thursday");
    }

    #[test]
    fn errors_name_the_field_and_what_was_expected() {
        insta::assert_snapshot!(error("0 3 * *"), @"expected 5 fields (minute hour day-of-month month day-of-week) or a macro such as @daily, found `0 3 * *`");
        insta::assert_snapshot!(error("60 3 * * *"), @"in the minute field, expected a number 0-59, found `60`");
        insta::assert_snapshot!(error("0 3 * * SUN#9"), @"in the day-of-week field, expected an occurrence 1-5 after `#` (SUN#1 is the first Sunday of the month), found `9`");
        insta::assert_snapshot!(error("0 3 * FOO *"), @"in the month field, expected a month 1-12 or JAN-DEC, found `FOO`");
        insta::assert_snapshot!(error("0 17-9 * * *"), @"in the hour field, expected a range whose end is at least its start, found `17-9`");
        insta::assert_snapshot!(error("*/0 * * * *"), @"in the minute field, expected a step of 1 or more after `/`, found `0`");
        insta::assert_snapshot!(error("0 0 1#1 * *"), @"in the day-of-month field, expected a number 1-31, found `1#1`");
        insta::assert_snapshot!(error("0 0 1,,2 * *"), @"in the day-of-month field, expected a number 1-31, found nothing");
        insta::assert_snapshot!(error("@reboot"), @"expected one of @hourly, @daily, @midnight, @weekly, @monthly, @yearly, @annually, found `@reboot`");
        insta::assert_snapshot!(error("0 0 30 2 *"), @"in the day-of-month field, expected a day that occurs in one of the months of the month field, found `30`");
        insta::assert_snapshot!(error("0 0 */19 * SUN#4"), @"expected days that occur (these day-of-month, month and day-of-week fields never meet), found `*/19 * SUN#4`");
    }

    #[test]
    fn error_spans_point_at_the_offending_text() {
        let text = "0 3 * * SUN#9";
        let span = Cron::parse(text).unwrap_err().span;
        assert_eq!(&text[span], "9");
        let text = "  0 17-9 * * *";
        let span = Cron::parse(text).unwrap_err().span;
        assert_eq!(&text[span], "17-9");
        let text = "0 0 1,,2 * *";
        let span = Cron::parse(text).unwrap_err().span;
        assert_eq!(span, 6..6);
    }

    #[test]
    fn fields_are_written_back_in_numbers() {
        let cron = parse("*/15 9-17 1,15 jan-MAR MON-FRI,SUN#1");
        let parts = cron.parts();
        assert_eq!(parts.field_text(CronField::Minute), "*/15");
        assert_eq!(parts.field_text(CronField::Month), "1-3");
        assert_eq!(parts.field_text(CronField::DayOfWeek), "1-5,0#1");
        assert_eq!(
            parse("0 0 * * 5-7")
                .parts()
                .field_text(CronField::DayOfWeek),
            "0,5,6"
        );
    }
}

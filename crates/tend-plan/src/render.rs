//! The plan as a terminal table and as versioned JSON (`kind = "plan"`, documented in
//! docs/json-schema.md).

use std::fmt::Write as _;

use jiff::{SignedDuration, Timestamp};
use serde::Serialize;

use crate::{ClockStart, CooldownRule, DeferReason, Item, Matched, Plan, Preflight, Reason};

/// The JSON document's schema version; bumped on any incompatible change.
pub const SCHEMA_VERSION: u32 = 1;

#[derive(Serialize)]
struct Document<'a> {
    kind: &'static str,
    schema_version: u32,
    #[serde(flatten)]
    plan: &'a Plan,
}

/// The plan as pretty JSON, ending in a newline.
pub fn json_text(plan: &Plan) -> String {
    let document = Document {
        kind: "plan",
        schema_version: SCHEMA_VERSION,
        plan,
    };
    // Serialising plain data with string keys cannot fail.
    let mut text = serde_json::to_string_pretty(&document).unwrap_or_default();
    text.push('\n');
    text
}

/// `3d 4h`, `2h 30m`, `45m`: the two largest units, for a reader.
pub fn duration(value: SignedDuration) -> String {
    let total = value.as_secs().unsigned_abs() / 60;
    let (days, hours, minutes) = (total / 1440, total / 60 % 24, total % 60);
    let text = if days > 0 && hours > 0 {
        format!("{days}d {hours}h")
    } else if days > 0 {
        format!("{days}d")
    } else if hours > 0 && minutes > 0 {
        format!("{hours}h {minutes}m")
    } else if hours > 0 {
        format!("{hours}h")
    } else {
        format!("{minutes}m")
    };
    if value.is_negative() {
        format!("-{text}")
    } else {
        text
    }
}

pub(crate) fn items(count: usize) -> String {
    if count == 1 {
        "1 item".to_string()
    } else {
        format!("{count} items")
    }
}

pub(crate) fn time(value: Timestamp) -> String {
    value.strftime("%Y-%m-%d %H:%M UTC").to_string()
}

pub(crate) fn matched(item: &Item) -> String {
    match &item.matched {
        Matched::Exact => "named".to_string(),
        Matched::Glob { glob } => format!("glob {glob}"),
        Matched::Vulnerable { marked: true } => {
            "open advisory; the vulnerable category".to_string()
        }
        Matched::Vulnerable { marked: false } => {
            "open advisory; the most urgent category".to_string()
        }
        Matched::Fallback => "no category names it".to_string(),
    }
}

/// `min-age 14d: held until 2026-12-04 00:00 UTC`: which minimum age applied and its outcome.
pub(crate) fn cooldown(item: &Item) -> String {
    let rule = match item.cooldown.rule {
        CooldownRule::Ordinary => "min-age",
        CooldownRule::Security => "security-min-age",
    };
    match (item.cooldown.min_age, item.cooldown.passed) {
        (None, _) => format!("{rule}: none set"),
        (Some(age), true) => format!("{rule} {}: passed", duration(age)),
        (Some(age), false) => match item.cooldown.eligible {
            Some(at) => format!("{rule} {}: held until {}", duration(age), time(at)),
            None => format!("{rule} {}: held, upload time unknown", duration(age)),
        },
    }
}

/// Why an update is deferred, one phrase (a conflict's text is shown apart).
pub(crate) fn defer_reason(reason: &DeferReason) -> String {
    match reason {
        DeferReason::PinMajor => "pin-major holds back a major upgrade".to_string(),
        DeferReason::FixBeyondStrategy { strategy } => {
            format!("the fix is beyond strategy {strategy}")
        }
        DeferReason::FixNotOnIndex => "no release with the fix on the index".to_string(),
        DeferReason::NotCompared => {
            "not compared with an index; the advisory names the fix".to_string()
        }
        DeferReason::Conflict { .. } => "does not resolve with the rest of the plan".to_string(),
    }
}

/// The pre-flight outcome, one phrase.
pub(crate) fn preflight(preflight: &Preflight) -> String {
    match preflight {
        Preflight::NotRun { reason } => format!("not run ({reason})"),
        Preflight::Passed { resolver, items } => {
            format!("{} resolve together ({resolver})", self::items(*items))
        }
        Preflight::HeldBack {
            resolver,
            items,
            held_back,
        } => format!(
            "{} resolve together, {} held back ({resolver})",
            self::items(*items),
            held_back.len()
        ),
    }
}

fn write_item(out: &mut String, item: &Item) {
    let state = if item.is_held() { "  [held]" } else { "" };
    let _ = writeln!(
        out,
        "  {} {} -> {} ({}, risk {}){state}",
        item.name,
        item.from,
        item.to,
        item.change.as_str(),
        item.risk.as_str()
    );
    let _ = writeln!(out, "      category: {} ({})", item.category, matched(item));
    if item.target == tend_policy::Target::MinimalFix.as_str() {
        let _ = writeln!(
            out,
            "      target: minimal-fix (smallest release fixing every advisory)"
        );
    }
    for reason in &item.reasons {
        match reason {
            Reason::Fixes { advisory } => {
                let _ = writeln!(
                    out,
                    "      fixes: {} ({}, fixed in {})",
                    advisory.id.as_str(),
                    advisory.severity,
                    advisory.fixed_in
                );
            }
            Reason::UpdateAvailable { latest } => {
                let _ = writeln!(out, "      update available: newest {latest}");
            }
        }
    }
    let start = match (&item.clock.start, item.clock.started) {
        (ClockStart::AdvisoryPublished { id }, Some(at)) => {
            format!("{} published {}", id.as_str(), time(at))
        }
        (ClockStart::FirstNewerRelease { version }, Some(at)) => {
            format!("{version} uploaded {}", time(at))
        }
        _ => "unknown start".to_string(),
    };
    let sla = item.clock.sla.map_or_else(
        || "no SLA".to_string(),
        |sla| format!("SLA {}", duration(sla)),
    );
    let due = match (item.due, item.overdue_by) {
        (Some(due), Some(late)) => format!("due {} (overdue by {})", time(due), duration(late)),
        (Some(due), None) => format!("due {}", time(due)),
        (None, _) => "no due date".to_string(),
    };
    let _ = writeln!(out, "      clock: {start}; {sla}; {due}");
    let _ = writeln!(out, "      cooldown: {}", cooldown(item));
    let _ = writeln!(out, "      run: {}", item.command);
}

/// The plan for a terminal: phases and their items, deferred updates, then the summary.
pub fn table(plan: &Plan) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "Update plan at {}", time(plan.generated));
    if plan.phases.is_empty() && plan.deferred.is_empty() {
        let _ = writeln!(out, "\nNothing to update.");
    }
    for (number, phase) in plan.phases.iter().enumerate() {
        let sla = phase.sla.map_or_else(
            || "no SLA".to_string(),
            |sla| format!("SLA {}", duration(sla)),
        );
        let _ = writeln!(
            out,
            "\nPhase {}: {} ({sla}, strategy {})",
            number + 1,
            phase.category,
            phase.strategy
        );
        for item in &phase.items {
            write_item(&mut out, item);
        }
    }
    if !plan.deferred.is_empty() {
        let _ = writeln!(out, "\nDeferred");
        for deferred in &plan.deferred {
            let reason = defer_reason(&deferred.reason);
            let _ = writeln!(
                out,
                "  {} {} -> {} ({}, {}): {reason}",
                deferred.name,
                deferred.from,
                deferred.to,
                deferred.change.as_str(),
                deferred.category
            );
            if !deferred.would_fix.is_empty() {
                let ids: Vec<String> = deferred
                    .would_fix
                    .iter()
                    .map(|a| format!("{} ({})", a.id.as_str(), a.severity))
                    .collect();
                let _ = writeln!(out, "      would fix: {}", ids.join(", "));
            }
            if let DeferReason::Conflict { conflict } = &deferred.reason {
                for line in conflict.lines() {
                    let _ = writeln!(out, "      | {line}");
                }
            }
        }
    }
    let summary = &plan.summary;
    let _ = writeln!(out, "\nSummary");
    let _ = writeln!(out, "  pre-flight: {}", preflight(&plan.preflight));
    let _ = writeln!(
        out,
        "  {} ({} security, {} held, {} overdue), {} deferred; overall risk {}",
        items(summary.items),
        summary.security,
        summary.held,
        summary.overdue,
        summary.deferred,
        summary.overall_risk.map_or("none", crate::Risk::as_str)
    );
    for count in &summary.by_category {
        let _ = writeln!(
            out,
            "  {}: {}, {} held, {} overdue, {} deferred",
            count.category,
            items(count.items),
            count.held,
            count.overdue,
            count.deferred
        );
    }
    let risks: Vec<String> = summary
        .by_risk
        .iter()
        .map(|(risk, count)| format!("{} {count}", risk.as_str()))
        .collect();
    let _ = writeln!(out, "  by risk: {}", risks.join(", "));
    out
}

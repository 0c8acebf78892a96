//! The plan as Markdown, for a ticket, a pull request or an update log: what will be updated
//! phase by phase, the security fixes, what the cooldown holds and what is deferred (with the
//! resolver's conflict verbatim), the pre-flight outcome, a summary and the commands to apply
//! it. Every piece of text from outside (category names, the project path, a conflict) is
//! escaped or fenced, so a plan cannot break the page it is pasted into.

use std::fmt::Write as _;

use tend_model::{markdown_cell as cell, markdown_fence, markdown_row as row, markdown_rule};

use crate::render::{cooldown, defer_reason, duration, preflight, time};
use crate::{AdvisoryRef, DeferReason, Item, Phase, Plan, Reason, Risk};

/// How many overdue items the summary names, most overdue first.
const OVERDUE_LISTED: usize = 10;

/// The plan as a Markdown document titled with `project` (as the user named it).
pub fn markdown(plan: &Plan, project: &str) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "# Update plan: {}\n", cell(project));
    let _ = writeln!(out, "**Date:** {}  ", time(plan.generated));
    let _ = writeln!(out, "**Status:** {}\n", status(plan));

    write_phases(&mut out, plan);
    write_security(&mut out, plan);
    write_held(&mut out, plan);
    write_deferred(&mut out, plan);
    let _ = writeln!(out, "## Pre-flight\n");
    let _ = writeln!(
        out,
        "Resolution check: {}.\n",
        cell(&preflight(&plan.preflight))
    );
    write_summary(&mut out, plan);
    write_apply(&mut out, plan);
    // One trailing newline, as the other renderers end.
    while out.ends_with("\n\n") {
        out.pop();
    }
    out
}

fn status(plan: &Plan) -> String {
    let summary = &plan.summary;
    let risk = summary
        .overall_risk
        .map(|risk| format!("; overall risk {}", risk.as_str()))
        .unwrap_or_default();
    let deferred = match summary.deferred {
        0 => String::new(),
        count => format!(", {count} deferred"),
    };
    if summary.overdue > 0 {
        format!(
            "{} of {} past the due date{deferred}{risk}",
            summary.overdue,
            updates(summary.items)
        )
    } else if summary.items > 0 {
        format!(
            "{} planned, none overdue{deferred}{risk}",
            updates(summary.items)
        )
    } else if summary.deferred > 0 {
        format!("nothing to apply; {} deferred", summary.deferred)
    } else {
        "up to date: nothing to update".to_string()
    }
}

fn updates(count: usize) -> String {
    if count == 1 {
        "1 update".to_string()
    } else {
        format!("{count} updates")
    }
}

fn advisory(advisory: &AdvisoryRef) -> String {
    format!("{} ({})", advisory.id.as_str(), advisory.severity)
}

fn fixes(item: &Item) -> Vec<String> {
    item.reasons
        .iter()
        .filter_map(|reason| match reason {
            Reason::Fixes { advisory: fixed } => Some(advisory(fixed)),
            Reason::UpdateAvailable { .. } => None,
        })
        .collect()
}

fn phase_title(number: usize, phase: &Phase) -> String {
    let sla = phase.sla.map_or_else(
        || "no SLA".to_string(),
        |sla| format!("SLA {}", duration(sla)),
    );
    format!(
        "Phase {number}: {} ({sla}, strategy {})",
        cell(&phase.category),
        phase.strategy
    )
}

fn due(item: &Item) -> String {
    match (item.due, item.overdue_by) {
        (Some(due), Some(late)) => format!("{} (overdue by {})", time(due), duration(late)),
        (Some(due), None) => time(due),
        (None, _) => "no due date".to_string(),
    }
}

/// One table per phase of the items to apply now; held items are counted under it and listed
/// in their own section.
fn write_phases(out: &mut String, plan: &Plan) {
    let _ = writeln!(out, "## What will be updated\n");
    if plan.phases.is_empty() {
        let _ = writeln!(out, "Nothing to update.\n");
        return;
    }
    for (index, phase) in plan.phases.iter().enumerate() {
        let _ = writeln!(out, "### {}\n", phase_title(index + 1, phase));
        let ready: Vec<&Item> = phase.items.iter().filter(|item| !item.is_held()).collect();
        let held = phase.items.len() - ready.len();
        if !ready.is_empty() {
            row(
                out,
                &[
                    "Package", "Current", "Target", "Change", "Risk", "Due", "Fixes",
                ],
            );
            markdown_rule(out, 7);
            for item in &ready {
                let fixes = fixes(item).join(", ");
                row(
                    out,
                    &[
                        &cell(item.name.as_ref()),
                        &cell(&item.from.to_string()),
                        &cell(&item.to.to_string()),
                        item.change.as_str(),
                        item.risk.as_str(),
                        &due(item),
                        &cell(&fixes),
                    ],
                );
            }
            out.push('\n');
        }
        match (ready.is_empty(), held) {
            (_, 0) => {}
            (true, _) => {
                let _ = writeln!(
                    out,
                    "Nothing to apply yet: {} held by the cooldown (see below).\n",
                    updates(held)
                );
            }
            (false, _) => {
                let _ = writeln!(
                    out,
                    "And {} held by the cooldown (see below).\n",
                    updates(held)
                );
            }
        }
    }
}

fn all_items(plan: &Plan) -> impl Iterator<Item = &Item> {
    plan.phases.iter().flat_map(|phase| &phase.items)
}

fn write_security(out: &mut String, plan: &Plan) {
    let _ = writeln!(out, "## Security fixes\n");
    let mut any = false;
    for item in all_items(plan) {
        let fixes = fixes(item);
        if fixes.is_empty() {
            continue;
        }
        any = true;
        let held = if item.is_held() { " (held)" } else { "" };
        let _ = writeln!(
            out,
            "- {}: {} → {}, fixes {}{held}",
            cell(item.name.as_ref()),
            item.from,
            item.to,
            fixes.join(", ")
        );
    }
    if !any {
        let _ = writeln!(out, "No planned update fixes an open advisory.");
    }
    out.push('\n');
}

fn write_held(out: &mut String, plan: &Plan) {
    let held: Vec<&Item> = all_items(plan).filter(|item| item.is_held()).collect();
    if held.is_empty() {
        return;
    }
    let _ = writeln!(out, "## Held (cooldown)\n");
    for item in held {
        let _ = writeln!(
            out,
            "- {}: {} → {} ({}), {}",
            cell(item.name.as_ref()),
            item.from,
            item.to,
            cell(&item.category),
            cooldown(item)
        );
    }
    out.push('\n');
}

fn write_deferred(out: &mut String, plan: &Plan) {
    if plan.deferred.is_empty() {
        return;
    }
    let _ = writeln!(out, "## Deferred\n");
    for deferred in &plan.deferred {
        let would_fix = if deferred.would_fix.is_empty() {
            String::new()
        } else {
            let ids: Vec<String> = deferred.would_fix.iter().map(advisory).collect();
            format!("; would fix {}", ids.join(", "))
        };
        let _ = writeln!(
            out,
            "- {}: {} → {} ({}, {}): {}{would_fix}",
            cell(deferred.name.as_ref()),
            deferred.from,
            deferred.to,
            deferred.change.as_str(),
            cell(&deferred.category),
            defer_reason(&deferred.reason)
        );
        if let DeferReason::Conflict { conflict } = &deferred.reason {
            // The resolver's words verbatim, inside the list item (indented by its marker).
            let mut block = String::new();
            markdown_fence(&mut block, "text", conflict);
            out.push('\n');
            for line in block.lines() {
                let _ = writeln!(out, "  {line}");
            }
        }
    }
    out.push('\n');
}

fn write_summary(out: &mut String, plan: &Plan) {
    let summary = &plan.summary;
    let _ = writeln!(out, "## Summary\n");
    let _ = writeln!(
        out,
        "- {} ({} security, {} held, {} overdue), {} deferred",
        updates(summary.items),
        summary.security,
        summary.held,
        summary.overdue,
        summary.deferred
    );
    let _ = writeln!(
        out,
        "- Overall risk: {}",
        summary.overall_risk.map_or("none", Risk::as_str)
    );
    let risks: Vec<String> = summary
        .by_risk
        .iter()
        .map(|(risk, count)| format!("{} {count}", risk.as_str()))
        .collect();
    let _ = writeln!(out, "- By risk: {}\n", risks.join(", "));
    if !summary.by_category.is_empty() {
        row(out, &["Category", "Updates", "Held", "Overdue", "Deferred"]);
        markdown_rule(out, 5);
        for count in &summary.by_category {
            row(
                out,
                &[
                    &cell(&count.category),
                    &count.items.to_string(),
                    &count.held.to_string(),
                    &count.overdue.to_string(),
                    &count.deferred.to_string(),
                ],
            );
        }
        out.push('\n');
    }
    let mut overdue: Vec<&Item> = all_items(plan)
        .filter(|item| item.overdue_by.is_some())
        .collect();
    if overdue.is_empty() {
        return;
    }
    overdue.sort_by(|a, b| b.overdue_by.cmp(&a.overdue_by).then(a.name.cmp(&b.name)));
    let _ = writeln!(out, "Overdue, most overdue first:\n");
    for item in overdue.iter().take(OVERDUE_LISTED) {
        let _ = writeln!(
            out,
            "- {} {} → {} ({}): {}",
            cell(item.name.as_ref()),
            item.from,
            item.to,
            cell(&item.category),
            due(item)
        );
    }
    if overdue.len() > OVERDUE_LISTED {
        let _ = writeln!(out, "- … and {} more", overdue.len() - OVERDUE_LISTED);
    }
    out.push('\n');
}

fn write_apply(out: &mut String, plan: &Plan) {
    let _ = writeln!(out, "## How to apply\n");
    let mut any = false;
    for (index, phase) in plan.phases.iter().enumerate() {
        let commands: Vec<&str> = phase
            .items
            .iter()
            .filter(|item| !item.is_held())
            .map(|item| item.command.as_str())
            .collect();
        if commands.is_empty() {
            continue;
        }
        if !any {
            let _ = writeln!(
                out,
                "In the project's environment, phase by phase (held and deferred updates are \
                 left out):\n"
            );
        }
        any = true;
        let _ = writeln!(out, "{}:\n", phase_title(index + 1, phase));
        let mut text = String::new();
        for command in commands {
            let _ = writeln!(text, "$ {command}");
        }
        markdown_fence(out, "console", &text);
        out.push('\n');
    }
    if !any {
        let _ = writeln!(out, "Nothing to apply now.\n");
    }
}

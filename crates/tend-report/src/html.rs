//! The scan as one self-contained HTML page: the summary first, then every vulnerability,
//! health finding, outdated package and package that could not be covered.
//!
//! The page carries its own stylesheet and no script; nothing is loaded from elsewhere, so it
//! can be mailed, archived or opened offline. The only outside addresses are the advisories'
//! own links, as plain `<a href>`s. Every piece of text is escaped on the way in: advisory
//! summaries, yank reasons and index messages come from third parties.

use std::fmt::Write as _;

use tend_model::jiff::Timestamp;
use tend_model::{
    AuditReport, ChangeKind, Diagnostic, Fix, Inventory, OutdatedPackage, OutdatedReport,
    SeverityRating,
};

use crate::scan::{AuditStage, OutdatedStage, PlanOverview, PlanStage, ScanSummary};
use crate::text::{counted, describe_environment};
use crate::words::{minute, one_line, place};
use crate::{AuditSummary, DisplayOptions, OutdatedSummary};

/// Narrow screens get one column and tables that scroll sideways inside their own box; wide
/// screens get the summary cards side by side. Colours keep a contrast readable in print.
const STYLE: &str = "\
*{box-sizing:border-box}
body{margin:0;font:15px/1.5 system-ui,-apple-system,'Segoe UI',Roboto,sans-serif;color:#1d2330;background:#f5f6f8}
main{max-width:1200px;margin:0 auto;padding:16px}
h1{font-size:1.5em;margin:.2em 0}
h2{font-size:1.2em;margin:1.6em 0 .5em;padding-bottom:.2em;border-bottom:2px solid #d7dbe2}
p{margin:.4em 0}
code{font:0.92em ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;background:#e9ecf1;padding:0 .25em;border-radius:3px;overflow-wrap:anywhere}
a{color:#1f5fbf}
.meta{color:#4a5263;overflow-wrap:anywhere}
.cards{display:grid;grid-template-columns:repeat(auto-fit,minmax(230px,1fr));gap:12px}
.card{background:#fff;border:1px solid #d7dbe2;border-radius:8px;padding:12px 14px}
.card h3{margin:0 0 .3em;font-size:1em}
.card .big{font-size:1.6em;font-weight:600}
.next{background:#fff8e1;border:1px solid #f0d98a;border-radius:8px;padding:10px 14px;margin-top:12px}
.scroll{overflow-x:auto;background:#fff;border:1px solid #d7dbe2;border-radius:8px}
table{border-collapse:collapse;width:100%;min-width:560px}
th,td{text-align:left;vertical-align:top;padding:6px 10px;border-bottom:1px solid #e6e9ee}
th{background:#eef1f5;font-weight:600;white-space:nowrap}
tr:last-child td{border-bottom:0}
td.nowrap,span.nowrap{white-space:nowrap}
td.path{overflow-wrap:anywhere;min-width:10em}
.badge{display:inline-block;padding:0 .45em;border-radius:4px;font-size:.85em;font-weight:600;color:#fff;background:#6b7280;white-space:nowrap}
.critical{background:#8b1a1a}.high{background:#c2410c}.medium{background:#a16207}.low{background:#2f6f3e}.unknown{background:#6b7280}
.error{background:#b91c1c}.warning{background:#a16207}.note{background:#1f5fbf}
.major{background:#b91c1c}.minor{background:#a16207}.patch{background:#2f6f3e}.other{background:#6b7280}
.muted{color:#5b6475}
footer{margin:2em 0 1em;color:#5b6475;font-size:.9em}
@media (max-width:600px){main{padding:10px}body{font-size:14px}h1{font-size:1.3em}}
";

/// The scan as an HTML document, from the same data as [`crate::scan_text`].
#[allow(clippy::too_many_arguments)]
pub fn scan_html(
    inventory: &Inventory,
    findings: &[Diagnostic],
    summary: &ScanSummary,
    audit: AuditStage<'_>,
    outdated: OutdatedStage<'_>,
    plan: PlanStage<'_>,
    next: &str,
    options: &DisplayOptions,
) -> String {
    let mut page = Page::default();
    let project = options.project.as_ref().map_or_else(
        || "the project".to_string(),
        |path| path.display().to_string(),
    );
    page.raw("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n");
    page.raw("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n");
    page.raw("<title>tend scan: ");
    page.text(&project);
    page.raw("</title>\n<style>\n");
    page.raw(STYLE);
    page.raw("</style>\n</head>\n<body>\n<main>\n");

    header(
        &mut page, inventory, summary, &project, audit, outdated, options,
    );
    summary_section(&mut page, findings, summary, audit, outdated, plan, next);
    vulnerabilities(&mut page, audit);
    health(&mut page, findings, options);
    outdated_section(&mut page, outdated);
    plan_section(&mut page, plan);
    not_covered(&mut page, audit, outdated, options);
    footer(&mut page, audit, outdated);

    page.raw("</main>\n</body>\n</html>\n");
    page.out
}

/// The page being written: markup goes in as is, text only through [`Page::text`].
#[derive(Default)]
struct Page {
    out: String,
}

impl Page {
    fn raw(&mut self, markup: &str) {
        self.out.push_str(markup);
    }

    fn text(&mut self, text: &str) {
        escape_into(&mut self.out, text);
    }

    /// `<tag class="…">text</tag>`.
    fn element(&mut self, tag: &str, class: Option<&str>, text: &str) {
        let _ = write!(self.out, "<{tag}");
        if let Some(class) = class {
            let _ = write!(self.out, " class=\"{class}\"");
        }
        self.out.push('>');
        self.text(text);
        let _ = write!(self.out, "</{tag}>");
    }

    fn badge(&mut self, class: &str, text: &str) {
        let _ = write!(self.out, "<span class=\"badge {class}\">");
        self.text(text);
        self.out.push_str("</span>");
    }

    /// A paragraph of badges, `(class, count, text)`, leaving out those with nothing to count.
    fn badge_row<'t>(&mut self, badges: impl IntoIterator<Item = (&'t str, usize, String)>) {
        self.raw("<p>");
        let mut first = true;
        for (class, count, text) in badges {
            if count == 0 {
                continue;
            }
            if !first {
                self.raw(" ");
            }
            first = false;
            self.badge(class, &text);
        }
        self.raw("</p>");
    }

    /// Text whose `` `…` `` spans are commands, shown as code.
    fn text_with_code(&mut self, text: &str) {
        for (index, part) in text.split('`').enumerate() {
            if index % 2 == 1 {
                self.element("code", None, part);
            } else {
                self.text(part);
            }
        }
    }

    fn cell(&mut self, text: &str) {
        self.element("td", None, text);
    }

    fn cell_nowrap(&mut self, text: &str) {
        self.element("td", Some("nowrap"), text);
    }

    fn table_start(&mut self, headings: &[&str]) {
        self.raw("<div class=\"scroll\"><table>\n<thead><tr>");
        for heading in headings {
            self.element("th", None, heading);
        }
        self.raw("</tr></thead>\n<tbody>\n");
    }

    fn table_end(&mut self) {
        self.raw("</tbody>\n</table></div>\n");
    }

    fn section_start(&mut self, id: &str, title: &str) {
        let _ = writeln!(self.out, "<section id=\"{id}\">");
        self.element("h2", None, title);
        self.out.push('\n');
    }

    fn paragraph(&mut self, class: Option<&str>, text: &str) {
        self.element("p", class, text);
        self.out.push('\n');
    }
}

/// Text made safe for element content and double-quoted attribute values.
pub(crate) fn escape_into(out: &mut String, text: &str) {
    for character in text.chars() {
        match character {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            other => out.push(other),
        }
    }
}

/// An advisory link is kept only when it is a web address: anything else (`javascript:`, a
/// relative path) would not take a reader to the advisory.
fn web_link(url: &str) -> Option<&str> {
    let lower = url.trim().to_ascii_lowercase();
    (lower.starts_with("https://") || lower.starts_with("http://")).then_some(url.trim())
}

/// When the data was looked at: the audit's clock, else the outdated report's.
fn generated(audit: AuditStage<'_>, outdated: OutdatedStage<'_>) -> Option<Timestamp> {
    match (audit, outdated) {
        (AuditStage::Ran { now, .. }, _) => Some(now),
        (_, OutdatedStage::Ran { report }) => Some(report.generated),
        _ => None,
    }
}

fn header(
    page: &mut Page,
    inventory: &Inventory,
    summary: &ScanSummary,
    project: &str,
    audit: AuditStage<'_>,
    outdated: OutdatedStage<'_>,
    options: &DisplayOptions,
) {
    page.raw("<header>\n");
    page.element("h1", None, &format!("Scan of {project}"));
    page.raw("\n");
    let environment = match &inventory.environment {
        Some(environment) => {
            format!(
                "Environment: {}",
                describe_environment(environment, options)
            )
        }
        None => "Environment: none found (declarations only)".to_string(),
    };
    page.paragraph(Some("meta"), &environment);
    page.paragraph(
        Some("meta"),
        &format!(
            "Declared: {} in {}",
            counted(summary.declarations, "declaration"),
            counted(summary.sources, "source")
        ),
    );
    if let Some(time) = generated(audit, outdated) {
        page.paragraph(Some("meta"), &format!("Generated {}", minute(time)));
    }
    page.raw("</header>\n");
}

fn summary_section(
    page: &mut Page,
    findings: &[Diagnostic],
    summary: &ScanSummary,
    audit: AuditStage<'_>,
    outdated: OutdatedStage<'_>,
    plan: PlanStage<'_>,
    next: &str,
) {
    page.section_start("summary", "Summary");
    page.raw("<div class=\"cards\">\n");

    page.raw("<div class=\"card\" id=\"summary-vulnerabilities\">");
    page.element("h3", None, "Vulnerabilities");
    match audit {
        AuditStage::Ran { report, now } => {
            let audit_summary = AuditSummary::new(report, now);
            page.element("div", Some("big"), &audit_summary.findings.to_string());
            let counts = &audit_summary.by_rating;
            page.badge_row(
                [
                    (SeverityRating::Critical, counts.critical),
                    (SeverityRating::High, counts.high),
                    (SeverityRating::Medium, counts.medium),
                    (SeverityRating::Low, counts.low),
                    (SeverityRating::Unknown, counts.unknown),
                ]
                .map(|(rating, count)| (rating.as_str(), count, format!("{count} {rating}"))),
            );
            page.paragraph(None, &audit_summary.message);
        }
        AuditStage::NotRun { reason } => {
            page.element("div", Some("big"), "?");
            page.raw("<p>");
            page.text("Not checked: ");
            page.text_with_code(reason);
            page.raw("</p>");
        }
    }
    page.raw("</div>\n");

    page.raw("<div class=\"card\" id=\"summary-health\">");
    page.element("h3", None, "Health findings");
    page.element("div", Some("big"), &findings.len().to_string());
    if findings.is_empty() {
        page.paragraph(None, "No problems found.");
    } else {
        page.badge_row(
            [
                ("error", summary.errors, "error"),
                ("warning", summary.warnings, "warning"),
                ("note", summary.notes, "note"),
            ]
            .map(|(class, count, noun)| (class, count, counted(count, noun))),
        );
        let codes: Vec<String> = summary
            .by_code
            .iter()
            .map(|(code, count)| format!("{code} {count}"))
            .collect();
        page.paragraph(Some("muted"), &codes.join(", "));
    }
    page.raw("</div>\n");

    page.raw("<div class=\"card\" id=\"summary-outdated\">");
    page.element("h3", None, "Outdated packages");
    match outdated {
        OutdatedStage::Ran { report } => {
            let outdated_summary = OutdatedSummary::new(report);
            page.element("div", Some("big"), &outdated_summary.outdated.to_string());
            let counts = &outdated_summary.by_change;
            page.badge_row(
                [
                    (ChangeKind::Major, counts.major),
                    (ChangeKind::Minor, counts.minor),
                    (ChangeKind::Patch, counts.patch),
                    (ChangeKind::Other, counts.other),
                ]
                .map(|(kind, count)| (kind.as_str(), count, format!("{count} {}", kind.as_str()))),
            );
            page.paragraph(None, &outdated_summary.message);
        }
        OutdatedStage::NotRun { reason } => {
            page.element("div", Some("big"), "?");
            page.raw("<p>");
            page.text("Not run: ");
            page.text_with_code(reason);
            page.raw("</p>");
        }
    }
    page.raw("</div>\n");

    page.raw("<div class=\"card\" id=\"summary-plan\">");
    page.element("h3", None, "Updates planned");
    match plan {
        PlanStage::Ran { plan } => {
            let overview = PlanOverview::new(plan);
            page.element("div", Some("big"), &overview.items.to_string());
            page.badge_row(
                [
                    ("error", overview.overdue, "overdue"),
                    ("high", overview.security, "security"),
                    ("other", overview.held, "held"),
                    ("other", overview.deferred, "deferred"),
                ]
                .map(|(class, count, label)| (class, count, format!("{count} {label}"))),
            );
            page.paragraph(None, &overview.message());
            if let Some(item) = &overview.next_due {
                page.paragraph(
                    Some("muted"),
                    &format!("Next due: {}, {}", item.describe(), minute(item.due)),
                );
            }
        }
        PlanStage::NotRun { reason } => {
            page.element("div", Some("big"), "?");
            page.raw("<p>");
            page.text("Not made: ");
            page.text_with_code(reason);
            page.raw("</p>");
        }
    }
    page.raw("</div>\n</div>\n");

    page.raw("<p class=\"next\" id=\"next\"><strong>Next:</strong> ");
    page.text_with_code(next);
    page.raw("</p>\n</section>\n");
}

fn vulnerabilities(page: &mut Page, audit: AuditStage<'_>) {
    page.section_start("vulnerabilities", "Vulnerabilities");
    match audit {
        AuditStage::NotRun { reason } => {
            page.raw("<p>Advisories were not checked: ");
            page.text_with_code(reason);
            page.raw(".</p>\n");
        }
        AuditStage::Ran { report, .. } if report.vulnerable.is_empty() => {
            page.paragraph(
                None,
                &format!(
                    "No known vulnerabilities in {}.",
                    counted(report.audited, "audited package")
                ),
            );
        }
        AuditStage::Ran { report, .. } => vulnerability_table(page, report),
    }
    page.raw("</section>\n");
}

fn vulnerability_table(page: &mut Page, report: &AuditReport) {
    let mut rows: Vec<(&tend_model::PackageFindings, &tend_model::Finding)> = report
        .vulnerable
        .iter()
        .flat_map(|package| {
            package
                .findings
                .iter()
                .map(move |finding| (package, finding))
        })
        .collect();
    // Most severe first, then by package and id, whatever order the audit produced.
    rows.sort_by(|a, b| {
        b.1.severity
            .rating
            .cmp(&a.1.severity.rating)
            .then_with(|| a.0.target.name.cmp(&b.0.target.name))
            .then_with(|| a.1.id.cmp(&b.1.id))
    });
    page.table_start(&[
        "Package", "Version", "Advisory", "Severity", "Fix", "Summary",
    ]);
    for (package, finding) in rows {
        page.raw("<tr>");
        page.cell_nowrap(package.target.name.as_ref());
        page.cell_nowrap(&package.target.version.to_string());
        page.raw("<td>");
        match finding.url.as_deref().and_then(web_link) {
            Some(url) => {
                page.raw("<a href=\"");
                page.text(url);
                page.raw("\">");
                page.element("span", Some("nowrap"), finding.id.as_str());
                page.raw("</a>");
            }
            None => page.element("span", Some("nowrap"), finding.id.as_str()),
        }
        // Each id kept whole; a narrow column breaks between them, never inside one.
        if !finding.aliases.is_empty() {
            page.raw("<br><span class=\"muted\">");
            for (index, alias) in finding.aliases.iter().enumerate() {
                if index > 0 {
                    page.raw(", ");
                }
                page.element("span", Some("nowrap"), alias.as_str());
            }
            page.raw("</span>");
        }
        page.raw("</td><td class=\"nowrap\">");
        let rating = finding.severity.rating;
        let severity = match finding.severity.score {
            Some(score) => format!("{rating} {score:.1}"),
            None => rating.to_string(),
        };
        page.badge(rating.as_str(), &severity);
        page.raw("</td>");
        match &finding.fix {
            Fix::Version { version } => page.cell_nowrap(&version.to_string()),
            Fix::None => page.cell_nowrap("no fix"),
        }
        page.cell(&finding.summary.as_deref().map(one_line).unwrap_or_default());
        page.raw("</tr>\n");
    }
    page.table_end();
    if !report.ignored.is_empty() {
        page.raw("<p class=\"muted\">");
        page.text_with_code(&format!(
            "{} hidden by ignore rules; `tend audit` lists them.",
            counted(report.ignored.len(), "finding")
        ));
        page.raw("</p>\n");
    }
}

fn health(page: &mut Page, findings: &[Diagnostic], options: &DisplayOptions) {
    page.section_start("health", "Health findings");
    if findings.is_empty() {
        page.paragraph(None, "No problems found.");
        page.raw("</section>\n");
        return;
    }
    let mut sorted: Vec<&Diagnostic> = findings.iter().collect();
    sorted.sort_by(|a, b| {
        b.severity
            .cmp(&a.severity)
            .then_with(|| a.location.cmp(&b.location))
            .then_with(|| a.package.cmp(&b.package))
    });
    page.table_start(&["Severity", "Code", "Package", "Message", "Where"]);
    for finding in sorted {
        let severity = finding.severity.to_string();
        page.raw("<tr><td>");
        page.badge(&severity, &severity);
        page.raw("</td>");
        page.cell_nowrap(&finding.code.to_string());
        page.cell_nowrap(finding.package.as_ref().map_or("", AsRef::as_ref));
        page.raw("<td>");
        page.text(&finding.message);
        for note in &finding.notes {
            page.raw("<br><span class=\"muted\">");
            page.text(note);
            page.raw("</span>");
        }
        page.raw("</td>");
        // Paths into a venv are long: they wrap anywhere rather than push the message away.
        page.element(
            "td",
            Some("path"),
            &finding
                .location
                .as_ref()
                .map(|location| place(location, options))
                .unwrap_or_default(),
        );
        page.raw("</tr>\n");
    }
    page.table_end();
    page.raw("</section>\n");
}

fn outdated_section(page: &mut Page, outdated: OutdatedStage<'_>) {
    page.section_start("outdated", "Outdated packages");
    let report = match outdated {
        OutdatedStage::NotRun { reason } => {
            page.raw("<p>The index was not asked: ");
            page.text_with_code(reason);
            page.raw(".</p>\n</section>\n");
            return;
        }
        OutdatedStage::Ran { report } => report,
    };
    let mut packages: Vec<&OutdatedPackage> = report
        .packages
        .iter()
        .filter(|package| package.is_outdated() || crate::outdated::is_yanked(package))
        .collect();
    packages.sort_by(|a, b| {
        b.change
            .cmp(&a.change)
            .then_with(|| b.behind.cmp(&a.behind))
            .then_with(|| a.name.cmp(&b.name))
    });
    if packages.is_empty() {
        page.paragraph(None, &OutdatedSummary::new(report).message);
    } else {
        outdated_table(page, report, &packages);
    }
    let mut unknown: Vec<&tend_model::UnknownPackage> = report.unknown.iter().collect();
    unknown.sort_by(|a, b| a.name.cmp(&b.name));
    if !unknown.is_empty() {
        page.element("h3", None, "Unknown to every index asked");
        page.raw("\n");
        page.paragraph(
            Some("muted"),
            "A typo, a private package looked up on a public index, or a name someone else could register.",
        );
        page.table_start(&["Package", "Current", "Indexes asked"]);
        for package in unknown {
            page.raw("<tr>");
            page.cell_nowrap(package.name.as_ref());
            page.cell_nowrap(
                &package
                    .current
                    .as_ref()
                    .map_or_else(|| "-".to_string(), ToString::to_string),
            );
            page.cell(&package.indexes.join(", "));
            page.raw("</tr>\n");
        }
        page.table_end();
    }
    page.raw("</section>\n");
}

/// Every planned update in phase order with its deadline and risk; the reasons, the clock's
/// inputs and the commands are `tend plan`'s.
fn plan_section(page: &mut Page, plan: PlanStage<'_>) {
    page.section_start("plan", "Update plan");
    let plan = match plan {
        PlanStage::NotRun { reason } => {
            page.raw("<p>The plan was not made: ");
            page.text_with_code(reason);
            page.raw(".</p>\n</section>\n");
            return;
        }
        PlanStage::Ran { plan } => plan,
    };
    let overview = PlanOverview::new(plan);
    page.paragraph(None, &format!("{}.", overview.message()));
    let items: Vec<&tend_plan::Item> = plan.phases.iter().flat_map(|phase| &phase.items).collect();
    if !items.is_empty() {
        page.table_start(&[
            "Package",
            "Current → Target",
            "Change",
            "Risk",
            "Category",
            "Due",
        ]);
        for item in items {
            page.raw("<tr>");
            page.cell_nowrap(item.name.as_ref());
            page.cell_nowrap(&format!("{} → {}", item.from, item.to));
            page.raw("<td>");
            page.badge(item.change.as_str(), item.change.as_str());
            page.raw("</td><td>");
            page.badge(item.risk.as_str(), item.risk.as_str());
            page.raw("</td>");
            page.cell_nowrap(&item.category);
            let mut due = match item.due {
                Some(due) => minute(due),
                None => "no due date".to_string(),
            };
            if let Some(late) = item.overdue_by {
                let _ = write!(due, ", overdue by {}", tend_plan::format_duration(late));
            }
            if item.is_held() {
                due.push_str("; held by the cooldown");
            }
            if item.overdue_by.is_some() {
                page.raw("<td class=\"nowrap\"><strong>");
                page.text(&due);
                page.raw("</strong></td>");
            } else {
                page.cell_nowrap(&due);
            }
            page.raw("</tr>\n");
        }
        page.table_end();
    }
    page.raw("<p class=\"muted\">");
    let deferred = match overview.deferred {
        1 => "1 update is deferred".to_string(),
        count => format!("{count} updates are deferred"),
    };
    page.text_with_code(&format!(
        "{deferred}; `tend plan` gives each update's reasons, its clock and the command to \
         apply it."
    ));
    page.raw("</p>\n</section>\n");
}

fn outdated_table(page: &mut Page, report: &OutdatedReport, packages: &[&OutdatedPackage]) {
    let notes: Vec<String> = packages
        .iter()
        .map(|package| outdated_notes(package))
        .collect();
    // A column of empty cells is noise on a phone; it appears when some package has a note.
    let with_notes = notes.iter().any(|note| !note.is_empty());
    let mut headings = vec![
        "Package",
        "Current → Latest",
        "Change",
        "Behind",
        "Latest released",
    ];
    if with_notes {
        headings.push("Notes");
    }
    page.table_start(&headings);
    for (package, note) in packages.iter().zip(&notes) {
        page.raw("<tr>");
        page.cell_nowrap(package.name.as_ref());
        let current = package
            .current
            .as_ref()
            .map_or_else(|| "-".to_string(), ToString::to_string);
        let latest = package
            .latest
            .as_ref()
            .map_or_else(|| "-".to_string(), |release| release.version.to_string());
        page.cell_nowrap(&format!("{current} → {latest}"));
        page.raw("<td>");
        if let Some(change) = package.change {
            page.badge(change.as_str(), change.as_str());
        }
        page.raw("</td>");
        page.cell_nowrap(&package.behind.to_string());
        page.cell_nowrap(&crate::outdated::release_age(
            package.latest.as_ref(),
            report.generated,
        ));
        if with_notes {
            page.cell(note);
        }
        page.raw("</tr>\n");
    }
    page.table_end();
}

/// A yanked current release (with the index's reason) and a strategy that stops short of the
/// latest release.
fn outdated_notes(package: &OutdatedPackage) -> String {
    let mut notes = Vec::new();
    if let Some(release) = package.current_release.as_ref().filter(|r| r.yanked) {
        notes.push(match &release.yank_reason {
            Some(reason) => format!("current release yanked: {}", one_line(reason)),
            None => "current release yanked".to_string(),
        });
    }
    if let (Some(allowed), Some(latest)) = (&package.allowed, &package.latest) {
        if allowed.version != latest.version {
            notes.push(format!("the strategy allows up to {}", allowed.version));
        }
    }
    notes.join("; ")
}

fn not_covered(
    page: &mut Page,
    audit: AuditStage<'_>,
    outdated: OutdatedStage<'_>,
    options: &DisplayOptions,
) {
    page.section_start("not-covered", "Not audited / not checked");
    let mut rows: Vec<(&str, String, String, String)> = Vec::new();
    if let AuditStage::Ran { report, .. } = audit {
        for package in &report.not_audited {
            rows.push((
                "not audited",
                package.name.to_string(),
                crate::audit::reason_text(&package.reason, None),
                package
                    .location
                    .as_ref()
                    .map(|location| place(location, options))
                    .unwrap_or_default(),
            ));
        }
    }
    if let OutdatedStage::Ran { report } = outdated {
        for package in &report.not_checked {
            rows.push((
                "not checked",
                package.name.to_string(),
                crate::outdated::reason_text(&package.reason, None),
                String::new(),
            ));
        }
    }
    if rows.is_empty() {
        page.paragraph(
            None,
            "Every package the stages that ran looked at was covered.",
        );
    } else {
        rows.sort_by(|a, b| a.1.cmp(&b.1).then_with(|| a.0.cmp(b.0)));
        page.table_start(&["Package", "Stage", "Why", "Where"]);
        for (stage, name, why, place) in &rows {
            page.raw("<tr>");
            page.cell_nowrap(name);
            page.cell_nowrap(stage);
            page.cell(why);
            page.cell_nowrap(place);
            page.raw("</tr>\n");
        }
        page.table_end();
    }
    page.raw("</section>\n");
}

fn footer(page: &mut Page, audit: AuditStage<'_>, outdated: OutdatedStage<'_>) {
    page.raw("<footer>\n");
    if let AuditStage::Ran { report, now } = audit {
        let records: usize = report.sources.iter().map(|source| source.records).sum();
        let age = AuditSummary::new(report, now)
            .database_age_days
            .map(|days| {
                format!(
                    ", the newest record {} old",
                    counted(usize::try_from(days).unwrap_or(0), "day")
                )
            })
            .unwrap_or_default();
        page.paragraph(
            None,
            &format!(
                "Advisories: {} from {}{age}.",
                counted(records, "record"),
                counted(report.sources.len(), "source")
            ),
        );
    }
    if let OutdatedStage::Ran { report } = outdated {
        let data = &report.data;
        let mode = if report.settings.offline {
            " (offline)"
        } else {
            ""
        };
        page.paragraph(
            None,
            &format!(
                "Index data{mode}: {} requested, {} from the cache.",
                counted(data.requests, "page"),
                data.from_cache
            ),
        );
    }
    page.paragraph(
        None,
        "Made by tend scan; this page loads nothing from elsewhere.",
    );
    page.raw("</footer>\n");
}

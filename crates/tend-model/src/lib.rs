//! The shared vocabulary of tend: every stage speaks in these types.
//!
//! Names, versions, specifiers and markers come from the community crates for PEP 503, 440 and
//! 508 (`pep508_rs`, `pep440_rs`) and are re-exported here so that every crate agrees on one
//! definition. The rest is plain data: where a declaration came from ([`Location`]), what a
//! source declares ([`Declaration`]), what an environment has installed ([`Distribution`]), and
//! the problems found along the way ([`Diagnostic`]). Nothing here performs I/O.
//!
//! One piece of text handling lives here too, because every Markdown renderer (tend-report's
//! and tend-plan's) needs it and neither sees the other: [`markdown_cell`] and its companions.

mod advisory;
mod audit;
mod declaration;
mod diagnostic;
mod distribution;
mod hash;
mod inventory;
mod location;
mod markdown;
mod marker;
mod outdated;
mod requirement;

pub use advisory::{
    AdvisoryId, AdvisoryIdError, AdvisoryIdKind, AdvisorySeverity, SeverityRating, SeveritySource,
};
pub use audit::{
    AdvisorySourceInfo, AdvisorySourceKind, AuditReport, AuditTarget, Finding, Fix, IgnoreRuleRef,
    IgnoredFinding, MatchKind, NotAudited, NotAuditedReason, PackageFindings, TargetOrigin,
};
pub use declaration::redact_url;
pub use declaration::{Declaration, DeclarationKind, Group, SourceKind, SpecifierKind};
pub use diagnostic::{Code, Diagnostic, Severity};
pub use distribution::{DirectUrl, DistFormat, DistVersion, Distribution, VcsKind};
pub use hash::{Hash, HashAlgorithm, HashParseError};
pub use inventory::{Environment, Inventory, Package, SourceFile, SourceOptions};
pub use location::Location;
pub use markdown::{markdown_cell, markdown_fence, markdown_row, markdown_rule};
pub use marker::{marker_to_string, serialize_marker};
pub use outdated::{
    ChangeKind, CurrentOrigin, IndexDataInfo, NotChecked, NotCheckedReason, OutdatedPackage,
    OutdatedReport, OutdatedSettings, ReleaseInfo, Skipped, Strategy, UnknownPackage,
};
pub use requirement::{check_requirement_names, parse_requirement, RequirementParseError};

pub use jiff;
pub use pep440_rs::{Operator, Version, VersionSpecifier, VersionSpecifiers};
pub use pep508_rs::{
    ExtraName, MarkerEnvironment, MarkerEnvironmentBuilder, MarkerTree, PackageName, Requirement,
    VerbatimUrl, VersionOrUrl,
};

//! Poetry's version constraint syntax translated to PEP 440 specifiers.
//!
//! Poetry ("Dependency specification" in its docs) accepts caret (`^1.2.3`), tilde (`~1.2`),
//! wildcards (`1.2.*`, `*`), bare versions (meaning `==`), inequalities joined by commas or
//! spaces, and unions with `||`. Everything but a union has an exact PEP 440 form; a union is
//! returned as its branches so the caller decides what to do with it.

use std::str::FromStr;

use tend_model::{Version, VersionSpecifiers};

/// Translates a Poetry constraint into PEP 440: one entry per `||` branch.
pub(crate) fn translate(constraint: &str) -> Result<Vec<VersionSpecifiers>, String> {
    if constraint.trim().is_empty() {
        return Err("empty constraint".to_string());
    }
    // Poetry splits unions on `||` and on a single `|`.
    constraint
        .split('|')
        .filter(|branch| !branch.trim().is_empty())
        .map(translate_intersection)
        .collect()
}

/// One branch of a union: constraints that all must hold, separated by commas or spaces.
fn translate_intersection(branch: &str) -> Result<VersionSpecifiers, String> {
    let mut pieces = Vec::new();
    let mut pending_operator = String::new();
    for token in branch.split(|c: char| c == ',' || c.is_whitespace()) {
        if token.is_empty() {
            continue;
        }
        // `>= 1.2` is written with a space after the operator.
        if token.chars().all(|c| "<>=!~^".contains(c)) {
            pending_operator.push_str(token);
            continue;
        }
        let token = format!("{}{token}", std::mem::take(&mut pending_operator));
        pieces.extend(translate_single(&token)?);
    }
    if !pending_operator.is_empty() {
        return Err(format!("operator `{pending_operator}` has no version"));
    }
    let joined = pieces.join(",");
    VersionSpecifiers::from_str(&joined).map_err(|error| error.to_string())
}

fn translate_single(token: &str) -> Result<Vec<String>, String> {
    if token == "*" {
        return Ok(Vec::new());
    }
    if let Some(version) = token.strip_prefix('^') {
        return caret(version.trim());
    }
    if let Some(version) = token.strip_prefix("~=") {
        return Ok(vec![format!("~={version}")]);
    }
    if let Some(version) = token.strip_prefix('~') {
        return tilde(version.trim());
    }
    for operator in [">=", "<=", "!=", "==", ">", "<"] {
        if let Some(version) = token.strip_prefix(operator) {
            return Ok(vec![format!("{operator}{version}")]);
        }
    }
    let version = token.strip_prefix('=').unwrap_or(token);
    Ok(vec![format!("=={version}")])
}

fn release(version: &str) -> Result<(Version, Vec<u64>), String> {
    let parsed = Version::from_str(version).map_err(|error| error.to_string())?;
    let release = parsed.release().to_vec();
    Ok((parsed, release))
}

/// `^1.2.3` -> `>=1.2.3,<2.0.0`: the leftmost non-zero component may not change.
fn caret(version: &str) -> Result<Vec<String>, String> {
    let (parsed, release) = release(version)?;
    let bump = release
        .iter()
        .position(|&part| part != 0)
        .unwrap_or(release.len().saturating_sub(1));
    Ok(vec![
        format!(">={version}"),
        format!("<{}", upper(&parsed, &release, bump)),
    ])
}

/// `~1.2.3` -> `>=1.2.3,<1.3.0`; `~1` -> `>=1,<2`: the minor may not change when given.
fn tilde(version: &str) -> Result<Vec<String>, String> {
    let (parsed, release) = release(version)?;
    let bump = usize::from(release.len() > 1);
    Ok(vec![
        format!(">={version}"),
        format!("<{}", upper(&parsed, &release, bump)),
    ])
}

/// The release with component `bump` incremented, later ones zeroed, as many components as
/// were written.
fn upper(version: &Version, release: &[u64], bump: usize) -> String {
    let parts: Vec<String> = release
        .iter()
        .enumerate()
        .map(|(index, &part)| match index.cmp(&bump) {
            std::cmp::Ordering::Less => part.to_string(),
            std::cmp::Ordering::Equal => (part + 1).to_string(),
            std::cmp::Ordering::Greater => "0".to_string(),
        })
        .collect();
    let epoch = match version.epoch() {
        0 => String::new(),
        epoch => format!("{epoch}!"),
    };
    format!("{epoch}{}", parts.join("."))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn one(constraint: &str) -> String {
        let branches = translate(constraint).unwrap();
        assert_eq!(branches.len(), 1, "{constraint}");
        branches[0].to_string()
    }

    #[test]
    fn caret() {
        assert_eq!(one("^1.2.3"), ">=1.2.3, <2.0.0");
        assert_eq!(one("^1.2"), ">=1.2, <2.0");
        assert_eq!(one("^1"), ">=1, <2");
        assert_eq!(one("^0.2.3"), ">=0.2.3, <0.3.0");
        assert_eq!(one("^0.0.3"), ">=0.0.3, <0.0.4");
        assert_eq!(one("^0.0"), ">=0.0, <0.1");
        assert_eq!(one("^0"), ">=0, <1");
        assert_eq!(one("^ 2.1"), ">=2.1, <3.0");
    }

    #[test]
    fn tilde() {
        assert_eq!(one("~1.2.3"), ">=1.2.3, <1.3.0");
        assert_eq!(one("~1.2"), ">=1.2, <1.3");
        assert_eq!(one("~1"), ">=1, <2");
        assert_eq!(one("~=1.2"), "~=1.2");
    }

    #[test]
    fn wildcards_bare_versions_and_inequalities() {
        assert_eq!(one("*"), "");
        assert_eq!(one("1.2.*"), "==1.2.*");
        assert_eq!(one("1.2.3"), "==1.2.3");
        assert_eq!(one("=1.2.3"), "==1.2.3");
        assert_eq!(one("==1.2.3"), "==1.2.3");
        assert_eq!(one(">= 1.2, < 1.5"), ">=1.2, <1.5");
        assert_eq!(one(">=1.2 <1.5 !=1.3"), ">=1.2, !=1.3, <1.5");
    }

    #[test]
    fn unions_keep_their_branches() {
        let branches = translate("^1.2 || ^2.0").unwrap();
        let branches: Vec<String> = branches.iter().map(ToString::to_string).collect();
        assert_eq!(branches, [">=1.2, <2.0", ">=2.0, <3.0"]);
        assert_eq!(translate("~2.7 | ^3.4").unwrap().len(), 2);
    }

    #[test]
    fn rejects_nonsense() {
        assert!(translate("").is_err());
        assert!(translate("^banana").is_err());
        assert!(translate(">=").is_err());
        assert!(translate("1.2 || ").is_ok());
    }
}

//! The time zone a schedule's times are read in.
//!
//! Three kinds, because the exports treat them differently: the machine's local zone (what cron
//! and systemd use when nothing is said), UTC, and a named IANA zone. The library reads no
//! environment: the caller resolves the machine's zone (`TimeZone::system()`) and hands it in.

use std::fmt;

use jiff::tz::{TimeZone, TimeZoneDatabase};

static UTC: TimeZone = TimeZone::UTC;

/// A time zone name that is not in the time zone database.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown time zone `{name}`: expected an IANA name such as `Europe/Zurich`, `America/New_York` or `UTC`, or `local`")]
pub struct ZoneError {
    pub name: String,
}

/// The zone a schedule's cron expression is read in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Zone {
    /// The machine's zone, as the caller found it.
    Local(TimeZone),
    Utc,
    /// An IANA zone; `name` as the database spells it.
    Named {
        name: String,
        time_zone: TimeZone,
    },
}

impl Zone {
    /// The zone a policy names: `local`, `UTC` (or `Etc/UTC`), or an IANA name. `local` becomes
    /// the `system` zone the caller passes.
    pub fn parse(name: &str, system: &TimeZone) -> Result<Zone, ZoneError> {
        if name.eq_ignore_ascii_case("local") {
            return Ok(Zone::Local(system.clone()));
        }
        Zone::named(name)
    }

    /// An IANA zone by name. The system's tzdb is asked first and the copy bundled into tend
    /// second, so a zone works in a container without /usr/share/zoneinfo.
    pub fn named(name: &str) -> Result<Zone, ZoneError> {
        let error = || ZoneError {
            name: name.to_owned(),
        };
        if ["UTC", "Etc/UTC", "Etc/UCT", "UCT", "Etc/Zulu", "Zulu"]
            .iter()
            .any(|utc| utc.eq_ignore_ascii_case(name))
        {
            return Ok(Zone::Utc);
        }
        // A path or an empty name is never a zone; the database would reject most, but say so
        // before asking it.
        if name.is_empty() || name.starts_with('/') || name.contains("..") {
            return Err(error());
        }
        let time_zone = jiff::tz::db()
            .get(name)
            .or_else(|_| TimeZoneDatabase::bundled().get(name))
            .map_err(|_| error())?;
        let name = time_zone.iana_name().unwrap_or(name).to_owned();
        Ok(Zone::Named { name, time_zone })
    }

    pub fn local(system: TimeZone) -> Zone {
        Zone::Local(system)
    }

    /// The zone to compute in.
    pub fn time_zone(&self) -> &TimeZone {
        match self {
            Zone::Local(time_zone) | Zone::Named { time_zone, .. } => time_zone,
            Zone::Utc => &UTC,
        }
    }

    /// The IANA name when there is one (the local zone's too, when the system says it).
    pub fn iana_name(&self) -> Option<&str> {
        match self {
            Zone::Local(time_zone) => time_zone.iana_name(),
            Zone::Utc => Some("UTC"),
            Zone::Named { name, .. } => Some(name),
        }
    }
}

impl fmt::Display for Zone {
    /// `local`, `UTC` or the IANA name: what a policy file would say.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Zone::Local(_) => f.write_str("local"),
            Zone::Utc => f.write_str("UTC"),
            Zone::Named { name, .. } => f.write_str(name),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_resolve_and_utc_is_its_own_kind() {
        assert_eq!(Zone::named("utc").unwrap(), Zone::Utc);
        assert_eq!(Zone::named("Etc/UTC").unwrap(), Zone::Utc);
        let zurich = Zone::named("Europe/Zurich").unwrap();
        assert_eq!(zurich.iana_name(), Some("Europe/Zurich"));
        assert_eq!(zurich.to_string(), "Europe/Zurich");
        let local = Zone::parse("local", &TimeZone::fixed(jiff::tz::offset(3))).unwrap();
        assert_eq!(local.to_string(), "local");
    }

    #[test]
    fn unknown_zone_says_what_was_expected() {
        let error = Zone::named("Europe/Atlantis").unwrap_err();
        insta::assert_snapshot!(error, @"unknown time zone `Europe/Atlantis`: expected an IANA name such as `Europe/Zurich`, `America/New_York` or `UTC`, or `local`");
        assert!(Zone::named("/etc/passwd").is_err());
        assert!(Zone::named("").is_err());
    }

    /// tend must read named zones on a machine without /usr/share/zoneinfo: the bundled copy
    /// alone answers for the zones the tests use.
    #[test]
    fn bundled_tzdb_has_the_zones_without_the_system_copy() {
        let bundled = TimeZoneDatabase::bundled();
        for name in ["Europe/Zurich", "America/New_York", "Australia/Sydney"] {
            let time_zone = bundled.get(name).unwrap();
            assert_eq!(time_zone.iana_name(), Some(name));
        }
        let summer: jiff::Timestamp = "2026-07-01T12:00:00Z".parse().unwrap();
        let zurich = bundled.get("Europe/Zurich").unwrap();
        assert_eq!(zurich.to_offset(summer), jiff::tz::offset(2));
    }
}

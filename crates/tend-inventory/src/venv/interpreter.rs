//! Asking an interpreter about itself, for the layouts that cannot be read from disk: a plain
//! interpreter (`--python /usr/bin/python3`) or a base interpreter with a distribution-specific
//! layout (Debian's `dist-packages`). One start answers everything: prefix, version, the
//! site-packages directories in `sys.path` order, and the PEP 508 marker values.

use std::path::{Path, PathBuf};
use std::process::Command;

use serde::Deserialize;
use tend_model::{MarkerEnvironment, MarkerEnvironmentBuilder, Version};

use super::EnvironmentError;

/// Runs on any Python 3; prints one JSON object. Marker values are computed as
/// `packaging.markers.default_environment()` does.
const SCRIPT: &str = r#"
import json, os, platform, site, sys
def full(info):
    version = "{0.major}.{0.minor}.{0.micro}".format(info)
    if info.releaselevel != "final":
        version += info.releaselevel[0] + str(info.serial)
    return version
sites = list(site.getsitepackages()) if hasattr(site, "getsitepackages") else []
user = site.getusersitepackages() if site.ENABLE_USER_SITE else None
known = {os.path.normcase(os.path.abspath(p)): p for p in sites + ([user] if user else [])}
ordered = []
for entry in sys.path:
    key = os.path.normcase(os.path.abspath(entry or "."))
    if key in known and known[key] not in ordered:
        ordered.append(known[key])
print(json.dumps({
    "prefix": sys.prefix,
    "base_prefix": getattr(sys, "base_prefix", sys.prefix),
    "site_packages": ordered,
    "user_site": user,
    "markers": {
        "implementation_name": sys.implementation.name,
        "implementation_version": full(sys.implementation.version),
        "os_name": os.name,
        "platform_machine": platform.machine(),
        "platform_python_implementation": platform.python_implementation(),
        "platform_release": platform.release(),
        "platform_system": platform.system(),
        "platform_version": platform.version(),
        "python_full_version": platform.python_version(),
        "python_version": ".".join(platform.python_version_tuple()[:2]),
        "sys_platform": sys.platform,
    },
}))
"#;

#[derive(Deserialize)]
struct RawInfo {
    prefix: PathBuf,
    base_prefix: PathBuf,
    site_packages: Vec<PathBuf>,
    user_site: Option<PathBuf>,
    markers: RawMarkers,
}

#[derive(Deserialize)]
struct RawMarkers {
    implementation_name: String,
    implementation_version: String,
    os_name: String,
    platform_machine: String,
    platform_python_implementation: String,
    platform_release: String,
    platform_system: String,
    platform_version: String,
    python_full_version: String,
    python_version: String,
    sys_platform: String,
}

/// What one interpreter start reports.
#[derive(Debug, Clone)]
pub struct InterpreterInfo {
    pub prefix: PathBuf,
    pub base_prefix: PathBuf,
    /// Site-packages directories on `sys.path`, in its order (the user site included when
    /// enabled).
    pub site_packages: Vec<PathBuf>,
    pub user_site: Option<PathBuf>,
    pub python_version: Option<Version>,
    pub markers: MarkerEnvironment,
}

/// Starts `python` once and reads its answer.
pub fn query(python: &Path) -> Result<InterpreterInfo, EnvironmentError> {
    let output = Command::new(python)
        .arg("-c")
        .arg(SCRIPT)
        // Run where no `site.py` or package of the project can shadow the stdlib's.
        .current_dir(std::env::temp_dir())
        .output()
        .map_err(|source| EnvironmentError::InterpreterStart {
            python: python.to_path_buf(),
            source,
        })?;
    if !output.status.success() {
        return Err(EnvironmentError::InterpreterFailed {
            python: python.to_path_buf(),
            status: output.status.to_string(),
            stderr: String::from_utf8_lossy(&output.stderr).trim().to_string(),
        });
    }
    parse_answer(&output.stdout).map_err(|message| EnvironmentError::InterpreterOutput {
        python: python.to_path_buf(),
        message,
    })
}

fn parse_answer(stdout: &[u8]) -> Result<InterpreterInfo, String> {
    // Only the last line: a `sitecustomize` may print before the script runs.
    let text = String::from_utf8_lossy(stdout);
    let line = text
        .lines()
        .rev()
        .find(|line| !line.trim().is_empty())
        .unwrap_or_default();
    let raw: RawInfo = serde_json::from_str(line).map_err(|error| error.to_string())?;
    let markers = raw.markers;
    let python_version = super::pyvenv_cfg::python_version(&markers.python_full_version);
    let marker_environment = MarkerEnvironment::try_from(MarkerEnvironmentBuilder {
        implementation_name: &markers.implementation_name,
        implementation_version: &markers.implementation_version,
        os_name: &markers.os_name,
        platform_machine: &markers.platform_machine,
        platform_python_implementation: &markers.platform_python_implementation,
        platform_release: &markers.platform_release,
        platform_system: &markers.platform_system,
        platform_version: &markers.platform_version,
        python_full_version: &markers.python_full_version,
        python_version: &markers.python_version,
        sys_platform: &markers.sys_platform,
    })
    .map_err(|error| format!("invalid marker values: {error}"))?;
    Ok(InterpreterInfo {
        prefix: raw.prefix,
        base_prefix: raw.base_prefix,
        site_packages: raw.site_packages,
        user_site: raw.user_site,
        python_version,
        markers: marker_environment,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_last_line_as_the_answer() {
        let stdout = br##"noise from sitecustomize
{"prefix": "/usr", "base_prefix": "/usr", "site_packages": ["/usr/lib/python3/dist-packages"], "user_site": null, "markers": {"implementation_name": "cpython", "implementation_version": "3.11.2", "os_name": "posix", "platform_machine": "x86_64", "platform_python_implementation": "CPython", "platform_release": "6.1.0", "platform_system": "Linux", "platform_version": "#1 SMP", "python_full_version": "3.11.2", "python_version": "3.11", "sys_platform": "linux"}}
"##;
        let info = parse_answer(stdout).unwrap();
        assert_eq!(
            info.site_packages,
            [PathBuf::from("/usr/lib/python3/dist-packages")]
        );
        assert_eq!(info.python_version.unwrap().to_string(), "3.11.2");
        assert_eq!(info.markers.python_version().string, "3.11");
        assert!(parse_answer(b"Traceback...").is_err());
    }
}

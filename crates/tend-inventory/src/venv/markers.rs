//! The PEP 508 marker values of an environment read from disk.
//!
//! A venv on disk is assumed to run on this host: its platform values (`sys_platform`,
//! `platform_machine`, `platform_release`, …) come from the host tend runs on, and only the
//! Python version and implementation come from the venv. This is wrong for a venv mounted from
//! another machine; `--python` (which starts the interpreter) gives exact values there.

use tend_model::{MarkerEnvironment, MarkerEnvironmentBuilder, Version};

/// Which interpreter family a venv was made by.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Implementation {
    CPython,
    PyPy,
}

/// Marker values for a venv of `python_version` on this host. `None` when the version cannot
/// be a Python version (the builder rejects it).
pub fn host_markers(
    python_version: &Version,
    implementation: Implementation,
) -> Option<MarkerEnvironment> {
    let full = python_version.to_string();
    let release = python_version.release();
    let short = format!("{}.{}", release.first()?, release.get(1)?);
    let (implementation_name, platform_python_implementation) = match implementation {
        Implementation::CPython => ("cpython", "CPython"),
        Implementation::PyPy => ("pypy", "PyPy"),
    };
    let (os_name, sys_platform, platform_system) = match std::env::consts::OS {
        "windows" => ("nt", "win32", "Windows"),
        "macos" => ("posix", "darwin", "Darwin"),
        "linux" => ("posix", "linux", "Linux"),
        "freebsd" => ("posix", "freebsd", "FreeBSD"),
        other => ("posix", other, other),
    };
    let platform_machine = match (std::env::consts::OS, std::env::consts::ARCH) {
        ("macos", "aarch64") => "arm64",
        ("windows", "x86_64") => "AMD64",
        ("windows", "aarch64") => "ARM64",
        (_, arch) => arch,
    };
    let platform_release = read_kernel_value("osrelease");
    let platform_version = read_kernel_value("version");
    MarkerEnvironment::try_from(MarkerEnvironmentBuilder {
        implementation_name,
        // PyPy's own version is not on disk; the Python version stands in for it.
        implementation_version: &full,
        os_name,
        platform_machine,
        platform_python_implementation,
        platform_release: &platform_release,
        platform_system,
        platform_version: &platform_version,
        python_full_version: &full,
        python_version: &short,
        sys_platform,
    })
    .ok()
}

/// `platform.release()` / `platform.version()` on Linux are `uname` fields, which the kernel
/// also shows under /proc; elsewhere they stay empty.
fn read_kernel_value(name: &str) -> String {
    if cfg!(target_os = "linux") {
        fs_err::read_to_string(format!("/proc/sys/kernel/{name}"))
            .map(|text| text.trim().to_string())
            .unwrap_or_default()
    } else {
        String::new()
    }
}

#[cfg(test)]
mod tests {
    use std::str::FromStr;

    use super::*;

    #[test]
    fn python_values_come_from_the_venv() {
        let markers =
            host_markers(&Version::from_str("3.11.7").unwrap(), Implementation::PyPy).unwrap();
        assert_eq!(markers.python_version().string, "3.11");
        assert_eq!(markers.python_full_version().string, "3.11.7");
        assert_eq!(markers.implementation_name(), "pypy");
        assert_eq!(markers.platform_python_implementation(), "PyPy");
        if cfg!(target_os = "linux") {
            assert_eq!(markers.sys_platform(), "linux");
            assert!(!markers.platform_release().is_empty());
        }
    }
}

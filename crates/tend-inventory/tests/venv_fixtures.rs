//! The environment reader on fixture venvs under `test-data/venv/`, and on venvs built in a
//! temporary directory to exercise discovery, system site-packages and the interpreter query.

#![allow(clippy::unwrap_used)]

use std::path::{Path, PathBuf};
use std::str::FromStr;

use tend_inventory::{read_environment, EnvironmentError, EnvironmentRead, EnvironmentRequest};
use tend_model::{Code, DirectUrl, DistFormat, DistVersion, PackageName, Severity, VcsKind};

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("test-data/venv")
        .join(name)
}

fn read(request: &EnvironmentRequest) -> EnvironmentRead {
    read_environment(request).unwrap().expect("an environment")
}

fn name(text: &str) -> PackageName {
    PackageName::from_str(text).unwrap()
}

#[test]
fn basic_venv_reads_every_format() {
    let read = read(&EnvironmentRequest::Venv(fixture("basic")));
    let environment = &read.environment;
    let names: Vec<String> = environment
        .distributions
        .iter()
        .map(|distribution| format!("{}=={}", distribution.name, distribution.version))
        .collect();
    assert_eq!(
        names,
        [
            "badreq==1.0",
            "badurl==1.0",
            "devpkg==0.3.dev0",
            "dupe==1.0",
            "editable-pkg==1.0",
            "flask-login==0.6.3",
            "latin1==1.0",
            "legacy-pkg==1.0",
            "legacyver==1.0-custom_build",
            "localdir==0.1",
            "single-file==2.1",
            "vcs-pkg==2.0",
        ]
    );
    assert_eq!(
        environment.python_version.as_ref().unwrap().to_string(),
        "3.11.4"
    );
    assert_eq!(
        environment.site_packages,
        [fixture("basic").join("lib/python3.11/site-packages")]
    );

    let flask_login = environment.distribution(&name("flask_login")).unwrap();
    assert_eq!(flask_login.display_name, "Flask-Login");
    assert_eq!(flask_login.format, DistFormat::DistInfo);
    assert_eq!(flask_login.installer.as_deref(), Some("pip"));
    let requirements: Vec<String> = flask_login
        .requires_dist
        .iter()
        .map(ToString::to_string)
        .collect();
    assert_eq!(
        requirements,
        [
            "flask>=1.0.4",
            "werkzeug>=1.0.1",
            "pytest ; extra == 'test'"
        ]
    );
    assert_eq!(
        flask_login.requires_python.as_ref().unwrap().to_string(),
        ">=3.7"
    );
    assert_eq!(flask_login.provides_extra.len(), 1);
    assert_eq!(
        flask_login.direct_url,
        Some(DirectUrl::Archive {
            url: "https://files.example/Flask_Login-0.6.3-py3-none-any.whl".to_string(),
            hash: Some("sha256:0123".to_string()),
        })
    );
    assert!(!flask_login.is_editable());

    let editable = environment.distribution(&name("editable-pkg")).unwrap();
    assert!(editable.is_editable());
    assert_eq!(editable.installer.as_deref(), Some("uv"));
    assert_eq!(
        editable.editable_location,
        Some(PathBuf::from("/src/editable pkg"))
    );

    let vcs = environment.distribution(&name("vcs-pkg")).unwrap();
    assert!(matches!(
        &vcs.direct_url,
        Some(DirectUrl::Vcs { vcs: VcsKind::Git, commit_id, requested_revision: Some(revision), .. })
            if commit_id == "4f5e6d" && revision == "v2.0"
    ));
    let local = environment.distribution(&name("localdir")).unwrap();
    assert!(matches!(
        local.direct_url,
        Some(DirectUrl::Directory { .. })
    ));
    assert_eq!(local.editable_location, None);

    let legacy = environment.distribution(&name("legacy-pkg")).unwrap();
    assert_eq!(legacy.format, DistFormat::EggInfo);
    let requirements: Vec<String> = legacy
        .requires_dist
        .iter()
        .map(ToString::to_string)
        .collect();
    assert_eq!(
        requirements,
        [
            "six>=1.0",
            "pyopenssl ; extra == 'security'",
            "importlib-metadata ; python_full_version < '3.8'",
            "win-inet-pton ; sys_platform == 'win32' and extra == 'socks'",
        ]
    );
    let single = environment.distribution(&name("single-file")).unwrap();
    assert_eq!(single.format, DistFormat::EggInfo);
    assert!(single.path.is_file());

    let devpkg = environment.distribution(&name("devpkg")).unwrap();
    assert_eq!(devpkg.format, DistFormat::EggLink);
    assert!(devpkg.is_editable());
    assert!(devpkg.path.ends_with("devpkg.egg-link"));
    let location = devpkg.editable_location.as_ref().unwrap();
    assert!(
        location.join("devpkg.egg-info/PKG-INFO").is_file(),
        "{}",
        location.display()
    );
    assert_eq!(devpkg.requires_dist[0].to_string(), "requests");

    let legacy_version = environment.distribution(&name("legacyver")).unwrap();
    assert_eq!(
        legacy_version.version,
        DistVersion::Legacy("1.0-custom_build".to_string())
    );

    let dupe = environment.distribution(&name("dupe")).unwrap();
    assert_eq!(dupe.version.to_string(), "1.0");

    let markers = environment.markers.as_ref().unwrap();
    assert_eq!(markers.python_full_version().string, "3.11.4");
    assert_eq!(markers.implementation_name(), "cpython");
}

#[test]
fn basic_venv_reports_each_problem_once() {
    let read = read(&EnvironmentRequest::Venv(fixture("basic")));
    let mut problems: Vec<(Code, Option<String>, String)> = read
        .diagnostics
        .iter()
        .map(|diagnostic| {
            assert_eq!(diagnostic.severity, Severity::Warning);
            let file = diagnostic.location.as_ref().map(|location| {
                let path = location.path.strip_prefix(fixture("basic")).unwrap();
                format!("{}:{}", path.display(), location.line)
            });
            (
                diagnostic.code,
                diagnostic.package.as_ref().map(ToString::to_string),
                file.unwrap(),
            )
        })
        .collect();
    problems.sort();
    let site = "lib/python3.11/site-packages";
    let expected = [
        (
            Code::BrokenDistribution,
            "garbled",
            format!("{site}/garbled-1.0.dist-info:0"),
        ),
        (
            Code::BrokenDistribution,
            "no-metadata",
            format!("{site}/no_metadata-1.0.dist-info:0"),
        ),
        (
            Code::BrokenDistribution,
            "noversion",
            format!("{site}/noversion-1.0.dist-info:0"),
        ),
        (
            Code::SourceWarning,
            "badreq",
            format!("{site}/badreq-1.0.dist-info/METADATA:5"),
        ),
        (
            Code::SourceWarning,
            "badurl",
            format!("{site}/badurl-1.0.dist-info/direct_url.json:0"),
        ),
        (
            Code::SourceWarning,
            "dupe",
            format!("{site}/dupe-2.0.dist-info:0"),
        ),
        (
            Code::SourceWarning,
            "latin1",
            format!("{site}/latin1-1.0.dist-info/METADATA:4"),
        ),
    ];
    let expected: Vec<(Code, Option<String>, String)> = expected
        .into_iter()
        .map(|(code, package, file)| (code, Some(package.to_string()), file))
        .collect();
    assert_eq!(problems, expected);
    let badreq = environment_distribution(&read, "badreq");
    let requirements: Vec<String> = badreq
        .requires_dist
        .iter()
        .map(ToString::to_string)
        .collect();
    assert_eq!(
        requirements,
        ["good>=1", "also-good ; python_full_version >= '3'"]
    );
}

fn environment_distribution<'a>(
    read: &'a EnvironmentRead,
    text: &str,
) -> &'a tend_model::Distribution {
    read.environment.distribution(&name(text)).unwrap()
}

#[test]
fn basic_venv_snapshot() {
    let read = read(&EnvironmentRequest::Venv(fixture("basic")));
    let root = fixture("basic").display().to_string();
    insta::with_settings!({ filters => vec![(root.as_str(), "[VENV]")] }, {
        insta::assert_json_snapshot!("basic_environment", read.environment);
        insta::assert_json_snapshot!("basic_diagnostics", read.diagnostics);
    });
}

/// The interpreter named by `home` does not exist: reading must not need it.
#[test]
fn plain_venv_starts_no_interpreter() {
    let cfg = fs_err::read_to_string(fixture("basic").join("pyvenv.cfg")).unwrap();
    assert!(cfg.contains("home = /nonexistent/python/bin"));
    let read = read(&EnvironmentRequest::Venv(fixture("basic")));
    assert!(read.environment.python.is_none());
    assert!(!read.environment.include_system_site_packages);
}

#[test]
fn a_directory_without_pyvenv_cfg_is_not_a_venv() {
    let error = read_environment(&EnvironmentRequest::Venv(fixture("."))).unwrap_err();
    assert!(
        matches!(error, EnvironmentError::NotAVenv { .. }),
        "{error}"
    );
    assert!(error.to_string().contains("pyvenv.cfg"));
}

fn write(path: &Path, text: &str) {
    fs_err::create_dir_all(path.parent().unwrap()).unwrap();
    fs_err::write(path, text).unwrap();
}

fn dist_info(site_packages: &Path, name: &str, version: &str) {
    write(
        &site_packages.join(format!("{name}-{version}.dist-info/METADATA")),
        &format!("Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n"),
    );
}

#[test]
fn discovery_prefers_virtual_env_then_dot_venv_then_venv() {
    let project = tempfile::tempdir().unwrap();
    let discover = |virtual_env: Option<PathBuf>| {
        read_environment(&EnvironmentRequest::Discover {
            project: project.path().to_path_buf(),
            virtual_env,
        })
    };
    assert!(discover(None).unwrap().is_none());

    for (directory, package) in [
        ("venv", "in-venv"),
        (".venv", "in-dot-venv"),
        ("other", "in-other"),
    ] {
        let prefix = project.path().join(directory);
        write(
            &prefix.join("pyvenv.cfg"),
            "home = /nowhere/bin\nversion = 3.12.1\n",
        );
        dist_info(&prefix.join("lib/python3.12/site-packages"), package, "1.0");
    }
    // A `.venv` that is not a venv is passed over.
    let only_names = |read: Option<EnvironmentRead>| -> Vec<String> {
        read.unwrap()
            .environment
            .distributions
            .iter()
            .map(|d| d.name.to_string())
            .collect()
    };
    assert_eq!(only_names(discover(None).unwrap()), ["in-dot-venv"]);
    assert_eq!(
        only_names(discover(Some(project.path().join("other"))).unwrap()),
        ["in-other"]
    );
    fs_err::remove_file(project.path().join(".venv/pyvenv.cfg")).unwrap();
    assert_eq!(only_names(discover(None).unwrap()), ["in-venv"]);
    // VIRTUAL_ENV is what the user activated: not being a venv is an error, not a fallback.
    let error = discover(Some(project.path().join(".venv"))).unwrap_err();
    assert!(matches!(error, EnvironmentError::NotAVenv { .. }));
}

#[test]
fn system_site_packages_are_read_from_disk_and_shadowed_by_the_venv() {
    let root = tempfile::tempdir().unwrap();
    let base = root.path().join("base");
    // A base interpreter's prefix with no interpreter in it: it must not be started.
    let base_site = base.join("lib/python3.11/site-packages");
    dist_info(&base_site, "shared", "1.0");
    dist_info(&base_site, "only_system", "3.0");
    fs_err::create_dir_all(base.join("bin")).unwrap();
    let venv = root.path().join("venv");
    write(
        &venv.join("pyvenv.cfg"),
        &format!(
            "home = {}\ninclude-system-site-packages = true\nversion = 3.11.9\n",
            base.join("bin").display()
        ),
    );
    let venv_site = venv.join("lib/python3.11/site-packages");
    dist_info(&venv_site, "shared", "2.0");
    // `lib64` as a symlink to `lib`, as venv makes it on Linux: read once.
    #[cfg(unix)]
    std::os::unix::fs::symlink("lib", venv.join("lib64")).unwrap();

    let read = read(&EnvironmentRequest::Venv(venv.clone()));
    let environment = &read.environment;
    assert!(read.diagnostics.is_empty(), "{:?}", read.diagnostics);
    assert!(environment.include_system_site_packages);
    assert_eq!(
        environment.site_packages,
        [venv_site.clone(), base_site.clone()]
    );
    let shared = environment.distribution(&name("shared")).unwrap();
    assert_eq!(shared.version.to_string(), "2.0");
    assert!(!shared.system);
    let system = environment.distribution(&name("only-system")).unwrap();
    assert!(system.system);
    assert_eq!(system.site_packages, base_site);
}

/// A Debian-style base (`dist-packages`) cannot be read from disk for sure: the base
/// interpreter is asked, once. The "interpreter" here is a script that logs each start.
#[cfg(unix)]
#[test]
fn debian_base_is_asked_once() {
    use std::os::unix::fs::PermissionsExt;

    let root = tempfile::tempdir().unwrap();
    let base = root.path().join("usr");
    let dist_packages = base.join("lib/python3/dist-packages");
    dist_info(&dist_packages, "debian_pkg", "1.2");
    let log = root.path().join("starts.log");
    let answer = serde_json::json!({
        "prefix": base,
        "base_prefix": base,
        "site_packages": [base.join("local/lib/python3.11/dist-packages"), dist_packages],
        "user_site": null,
        "markers": {
            "implementation_name": "cpython", "implementation_version": "3.11.2",
            "os_name": "posix", "platform_machine": "x86_64",
            "platform_python_implementation": "CPython", "platform_release": "6.1.0-debian",
            "platform_system": "Linux", "platform_version": "#1 SMP Debian",
            "python_full_version": "3.11.2", "python_version": "3.11", "sys_platform": "linux"
        }
    });
    let python = base.join("bin/python3.11");
    write(
        &python,
        &format!(
            "#!/bin/sh\necho start >> '{}'\ncat <<'JSON'\n{answer}\nJSON\n",
            log.display()
        ),
    );
    fs_err::set_permissions(&python, std::fs::Permissions::from_mode(0o755)).unwrap();
    let venv = root.path().join("venv");
    write(
        &venv.join("pyvenv.cfg"),
        &format!(
            "home = {}\ninclude-system-site-packages = true\nversion = 3.11.2\n",
            base.join("bin").display()
        ),
    );
    dist_info(&venv.join("lib/python3.11/site-packages"), "in_venv", "0.1");

    let read = read(&EnvironmentRequest::Venv(venv));
    assert_eq!(fs_err::read_to_string(&log).unwrap(), "start\n");
    let names: Vec<String> = read
        .environment
        .distributions
        .iter()
        .map(|d| d.name.to_string())
        .collect();
    assert_eq!(names, ["debian-pkg", "in-venv"]);
    assert!(
        read.environment
            .distribution(&name("debian-pkg"))
            .unwrap()
            .system
    );
    // The asked interpreter's marker values are used, not the host's.
    let markers = read.environment.markers.as_ref().unwrap();
    assert_eq!(markers.platform_release(), "6.1.0-debian");
    // The missing `local/...` directory from sys.path is reported, the rest still read.
    assert_eq!(read.diagnostics.len(), 1, "{:?}", read.diagnostics);
}

#[cfg(unix)]
#[test]
fn a_failing_interpreter_is_an_error_with_its_stderr() {
    use std::os::unix::fs::PermissionsExt;

    let root = tempfile::tempdir().unwrap();
    let python = root.path().join("python3");
    write(
        &python,
        "#!/bin/sh\necho 'ModuleNotFoundError: no site' >&2\nexit 3\n",
    );
    fs_err::set_permissions(&python, std::fs::Permissions::from_mode(0o755)).unwrap();
    let error = read_environment(&EnvironmentRequest::Python(python)).unwrap_err();
    assert!(
        matches!(error, EnvironmentError::InterpreterFailed { .. }),
        "{error}"
    );
    assert!(
        error.to_string().contains("ModuleNotFoundError: no site"),
        "{error}"
    );
}

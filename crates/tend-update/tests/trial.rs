//! Trial environments made for real: a venv from the test interpreter, packages installed by
//! pip (and by uv when `TEND_TEST_UV` names one) from the shared wheelhouse, gates that pass,
//! fail and time out, and a deprecation warning placed on the package that raised it.

#![allow(clippy::unwrap_used)]

use std::path::{Path, PathBuf};
use std::time::Duration;

use tend_test::http::{Resource, Routes, TestServer};
use tend_test::{shared_wheelhouse, WheelSpec};
use tend_update::deprecations;
use tend_update::trial::install_from_cache;
use tend_update::{create_venv, install, run_in, Installer, TrialEnv};

const MINUTE: Duration = Duration::from_secs(60);

fn base_python() -> PathBuf {
    PathBuf::from(std::env::var("TEND_TEST_PYTHON").unwrap_or_else(|_| "python3".to_string()))
}

fn index_args(find_links: &Path) -> Vec<String> {
    vec![
        "--no-index".to_string(),
        "--find-links".to_string(),
        find_links.display().to_string(),
    ]
}

fn trial_with(installer: &Installer, directory: &Path, requirements: &str) -> TrialEnv {
    let (env, created) =
        create_venv(&base_python(), &directory.join("trial"), installer, MINUTE).unwrap();
    assert!(created.passed());
    let file = directory.join("requirements.txt");
    fs_err::write(&file, requirements).unwrap();
    let installed = install(
        &env,
        &file,
        &index_args(shared_wheelhouse()),
        installer,
        MINUTE,
    )
    .unwrap();
    assert!(
        installed.passed(),
        "{}\n{}",
        installed.command,
        installed.output()
    );
    env
}

fn words(text: &[&str]) -> Vec<String> {
    text.iter().map(ToString::to_string).collect()
}

#[test]
fn pip_trial_installs_the_set_and_runs_gates_inside_it() {
    let directory = tempfile::tempdir().unwrap();
    let env = trial_with(&Installer::Pip, directory.path(), "beta==1.1.0\n");
    // beta 1.1.0 pulled alpha in; `python` on the gate's PATH is the trial's.
    let passing = run_in(
        &env,
        &words(&[
            "python",
            "-c",
            "import alpha, beta, sys; print(beta.__version__, alpha.__version__, sys.prefix)",
        ]),
        directory.path(),
        &[],
        MINUTE,
    )
    .unwrap();
    assert!(passing.passed(), "{}", passing.output());
    let printed = passing.finished.stdout.text();
    assert!(printed.starts_with("1.1.0 2.0.0 "), "{printed}");
    assert!(printed.trim_end().ends_with("trial"), "{printed}");

    let failing = run_in(
        &env,
        &words(&[
            "python",
            "-c",
            "import beta; assert beta.__version__ == '1.0.0', 'too new'",
        ]),
        directory.path(),
        &[],
        MINUTE,
    )
    .unwrap();
    assert!(!failing.passed());
    assert!(
        failing.output().contains("AssertionError: too new"),
        "{}",
        failing.output()
    );

    let slow = run_in(
        &env,
        &words(&["python", "-c", "import time; time.sleep(60)"]),
        directory.path(),
        &[],
        Duration::from_millis(500),
    )
    .unwrap();
    assert!(slow.finished.timed_out());
}

#[test]
fn an_install_that_cannot_resolve_fails_as_a_step_not_an_error() {
    let directory = tempfile::tempdir().unwrap();
    let (env, _) = create_venv(
        &base_python(),
        &directory.path().join("trial"),
        &Installer::Pip,
        MINUTE,
    )
    .unwrap();
    let file = directory.path().join("requirements.txt");
    // beta 1.0.0 needs alpha<2.
    fs_err::write(&file, "beta==1.0.0\nalpha==2.0.0\n").unwrap();
    let step = install(
        &env,
        &file,
        &index_args(shared_wheelhouse()),
        &Installer::Pip,
        MINUTE,
    )
    .unwrap();
    assert!(!step.passed());
    assert!(step.output().contains("alpha"), "{}", step.output());
    assert!(step.command.contains("--no-index --find-links"));
}

#[test]
fn uv_trial_installs_the_same_set() {
    let Some(uv) = std::env::var_os("TEND_TEST_UV") else {
        // scripts/test always sets it; a bare `cargo test` cannot run this one.
        assert!(
            std::env::var_os("CI").is_none(),
            "TEND_TEST_UV must be set in CI (scripts/test installs uv)"
        );
        return;
    };
    let installer = Installer::detect(Path::new(&uv));
    assert!(matches!(installer, Installer::Uv { .. }));
    let directory = tempfile::tempdir().unwrap();
    let env = trial_with(&installer, directory.path(), "gamma==0.5.0\n");
    let check = run_in(
        &env,
        &words(&[
            "python",
            "-c",
            "import gamma, beta; print(beta.__version__)",
        ]),
        directory.path(),
        &[],
        MINUTE,
    )
    .unwrap();
    assert_eq!(check.finished.stdout.text(), "1.1.0\n");
}

#[test]
fn a_deprecation_warning_is_placed_on_its_package() {
    let directory = tempfile::tempdir().unwrap();
    let wheels = directory.path().join("wheels");
    fs_err::create_dir_all(&wheels).unwrap();
    WheelSpec::new("old-api", "2.0.0")
        .module(
            "old_api/__init__.py",
            "import warnings\n\ndef call():\n    warnings.warn('call() is deprecated', DeprecationWarning, stacklevel=1)\n",
        )
        .build(&wheels);
    let (env, _) = create_venv(
        &base_python(),
        &directory.path().join("trial"),
        &Installer::Pip,
        MINUTE,
    )
    .unwrap();
    let file = directory.path().join("requirements.txt");
    fs_err::write(&file, "old-api==2.0.0\n").unwrap();
    let installed = install(&env, &file, &index_args(&wheels), &Installer::Pip, MINUTE).unwrap();
    assert!(installed.passed(), "{}", installed.output());
    let run = run_in(
        &env,
        &words(&[
            "python",
            "-W",
            "default::DeprecationWarning",
            "-c",
            "import old_api; old_api.call()",
        ]),
        directory.path(),
        &[],
        MINUTE,
    )
    .unwrap();
    assert!(run.passed(), "{}", run.output());
    let site_packages = env.site_packages().unwrap();
    let owners = deprecations::owners(&site_packages);
    let warnings = deprecations::parse(&run.output(), &site_packages, &owners);
    assert_eq!(warnings.len(), 1, "{}", run.output());
    assert_eq!(warnings[0].package.as_ref().unwrap().as_ref(), "old-api");
    assert_eq!(warnings[0].message, "call() is deprecated");
    let new = deprecations::introduced(&[], &warnings);
    assert_eq!(new.len(), 1);
}

#[test]
fn index_urls_go_into_the_requirements_file_not_the_command_line() {
    let args = words(&[
        "--index-url",
        "https://user:secret@mirror.example/simple/",
        "--cache-dir",
        "/tmp/cache",
        "--no-index",
        "--extra-index-url",
        "https://extra.example/simple/",
        "--find-links",
        "/wheels",
    ]);
    let (lines, rest) = tend_update::trial::split_index_args(&args);
    assert_eq!(
        lines,
        "--index-url https://user:secret@mirror.example/simple/\n--no-index\n\
         --extra-index-url https://extra.example/simple/\n--find-links /wheels\n"
    );
    assert_eq!(rest, ["--cache-dir", "/tmp/cache"]);
}

#[test]
fn a_trial_installs_from_uvs_cache_when_it_has_everything() {
    let Some(uv) = std::env::var_os("TEND_TEST_UV") else {
        assert!(
            std::env::var_os("CI").is_none(),
            "TEND_TEST_UV must be set in CI (scripts/test installs uv)"
        );
        return;
    };
    let installer = Installer::detect(Path::new(&uv));
    let directory = tempfile::tempdir().unwrap();
    let wheels = directory.path().join("wheels");
    fs_err::create_dir_all(&wheels).unwrap();
    let spec = WheelSpec::new("cached-pkg", "1.0.0");
    let wheel = spec.build(&wheels);
    let file_name = spec.wheel_file_name();
    // A plain index without caching headers: every online install asks it again.
    let server = TestServer::start(
        Routes::new()
            .route(
                "/simple/cached-pkg/",
                Resource::new(format!(
                    "<html><body><a href=\"../../files/{file_name}\">{file_name}</a></body></html>"
                ))
                .content_type("text/html"),
            )
            .route(
                &format!("/files/{file_name}"),
                Resource::new(fs_err::read(&wheel).unwrap()),
            ),
    );
    let cache = directory.path().join("uv-cache");
    let args = vec![
        "--index-url".to_string(),
        server.url_for("/simple/"),
        "--cache-dir".to_string(),
        cache.display().to_string(),
    ];
    let file = directory.path().join("requirements.txt");
    fs_err::write(&file, "cached-pkg==1.0.0\n").unwrap();
    let venv = |name: &str| {
        create_venv(
            &base_python(),
            &directory.path().join(name),
            &installer,
            MINUTE,
        )
        .unwrap()
        .0
    };
    let installed_version = |env: &TrialEnv| {
        let check = run_in(
            env,
            &words(&[
                "python",
                "-c",
                "import importlib.metadata as m; print(m.version('cached-pkg'))",
            ]),
            directory.path(),
            &[],
            MINUTE,
        )
        .unwrap();
        check.finished.stdout.text()
    };

    // An empty cache: the offline try fails, and the index is asked.
    let first = venv("first");
    let step = install_from_cache(&first, &file, &args, &installer, MINUTE).unwrap();
    assert!(step.passed(), "{}", step.output());
    assert!(!step.command.contains("--offline"), "{}", step.command);
    assert_eq!(installed_version(&first), "1.0.0\n");
    let asked = server.requests().len();
    assert!(asked > 0);

    // Everything cached: installed without a request.
    let second = venv("second");
    let step = install_from_cache(&second, &file, &args, &installer, MINUTE).unwrap();
    assert!(step.passed(), "{}", step.output());
    assert!(step.command.contains("--offline"), "{}", step.command);
    assert_eq!(installed_version(&second), "1.0.0\n");
    assert_eq!(server.requests().len(), asked);

    // A plain install asks again, which is what the cache spares.
    let third = venv("third");
    let step = install(&third, &file, &args, &installer, MINUTE).unwrap();
    assert!(step.passed(), "{}", step.output());
    assert!(server.requests().len() > asked);
}

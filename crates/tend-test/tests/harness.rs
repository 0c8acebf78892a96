//! The harness against the real tools: pip must install our wheels, see our legacy
//! distributions, and do editable installs; damage must be invisible to pip but visible
//! against RECORD.

use std::collections::BTreeMap;
use std::io::Read;
use std::path::Path;

use tend_test::{
    record_hash, shared_wheel_specs, shared_wheelhouse, TestContext, Venv, VenvOptions, WheelSpec,
};

/// RECORD rows as path -> (hash, size).
fn record_rows(dist_info: &Path) -> BTreeMap<String, (String, String)> {
    let text = fs_err::read_to_string(dist_info.join("RECORD")).expect("RECORD is readable");
    text.lines()
        .map(|line| {
            let mut fields = line.rsplitn(3, ',');
            let mut field = || {
                fields
                    .next()
                    .expect("RECORD rows have 3 fields")
                    .to_string()
            };
            let (size, hash, path) = (field(), field(), field());
            (path, (hash, size))
        })
        .collect()
}

/// Paths (relative to site-packages) whose bytes differ from their RECORD row, over every
/// `.dist-info` in the venv.
fn files_differing_from_record(venv: &Venv) -> Vec<String> {
    let mut differing = Vec::new();
    for entry in fs_err::read_dir(&venv.site_packages).expect("site-packages is readable") {
        let dist_info = entry.expect("directory entry").path();
        if dist_info
            .extension()
            .is_none_or(|extension| extension != "dist-info")
        {
            continue;
        }
        for (path, (hash, size)) in record_rows(&dist_info) {
            if hash.is_empty() {
                continue;
            }
            match fs_err::read(venv.site_packages.join(&path)) {
                Ok(contents)
                    if record_hash(&contents) == hash && contents.len().to_string() == size => {}
                _ => differing.push(path),
            }
        }
    }
    differing.sort();
    differing
}

#[test]
fn wheel_layout_and_record_are_true() {
    let directory = tempfile::tempdir().unwrap();
    let spec = WheelSpec::new("Demo.Package", "1.2.0")
        .summary("A demo")
        .requires_python(">=3.8")
        .requires_dist("alpha>=1")
        .requires_dist("beta; extra == \"fast\"")
        .provides_extra("fast")
        .header("License", "MIT")
        .module("demo_package/__init__.py", "X = 1\n")
        .module("demo_helper.py", "")
        .console_script("demo", "demo_package:main")
        .data_file("data", "share/demo/readme.txt", "hello\n");
    let wheel = spec.build(directory.path());
    assert_eq!(
        wheel.file_name().unwrap(),
        "demo_package-1.2.0-py3-none-any.whl"
    );

    let mut archive = zip::ZipArchive::new(fs_err::File::open(&wheel).unwrap()).unwrap();
    let mut files = BTreeMap::new();
    for index in 0..archive.len() {
        let mut entry = archive.by_index(index).unwrap();
        let mut contents = Vec::new();
        entry.read_to_end(&mut contents).unwrap();
        files.insert(entry.name().to_string(), contents);
    }
    let names: Vec<&str> = files.keys().map(String::as_str).collect();
    assert_eq!(
        names,
        [
            "demo_helper.py",
            "demo_package-1.2.0.data/data/share/demo/readme.txt",
            "demo_package-1.2.0.dist-info/METADATA",
            "demo_package-1.2.0.dist-info/RECORD",
            "demo_package-1.2.0.dist-info/WHEEL",
            "demo_package-1.2.0.dist-info/entry_points.txt",
            "demo_package-1.2.0.dist-info/top_level.txt",
            "demo_package/__init__.py",
        ]
    );
    let text = |name: &str| String::from_utf8(files[name].clone()).unwrap();
    assert_eq!(
        text("demo_package-1.2.0.dist-info/METADATA"),
        "Metadata-Version: 2.1\nName: Demo.Package\nVersion: 1.2.0\nSummary: A demo\n\
         Requires-Python: >=3.8\nLicense: MIT\nProvides-Extra: fast\n\
         Requires-Dist: alpha>=1\nRequires-Dist: beta; extra == \"fast\"\n\n"
    );
    assert_eq!(
        text("demo_package-1.2.0.dist-info/entry_points.txt"),
        "[console_scripts]\ndemo = demo_package:main\n\n"
    );
    assert_eq!(
        text("demo_package-1.2.0.dist-info/top_level.txt"),
        "demo_helper\ndemo_package\n"
    );
    assert!(text("demo_package-1.2.0.dist-info/WHEEL").contains("Tag: py3-none-any\n"));

    let record = text("demo_package-1.2.0.dist-info/RECORD");
    let mut rows = 0;
    for line in record.lines() {
        let (path, rest) = line.split_once(',').unwrap();
        if path == "demo_package-1.2.0.dist-info/RECORD" {
            assert_eq!(rest, ",");
        } else {
            let contents = &files[path];
            assert_eq!(
                rest,
                format!("{},{}", record_hash(contents), contents.len())
            );
        }
        rows += 1;
    }
    assert_eq!(rows, files.len());

    // Deterministic: a rebuild gives the same bytes.
    let first = fs_err::read(&wheel).unwrap();
    spec.build(directory.path());
    assert_eq!(first, fs_err::read(&wheel).unwrap());
}

#[test]
fn pip_installs_wheels_and_sees_legacy_distributions() {
    let directory = tempfile::tempdir().unwrap();
    let venv = Venv::create(&directory.path().join("venv"));
    assert!(venv
        .site_packages
        .ends_with(format!("python{}/site-packages", venv.python_version)));

    venv.pip_install(shared_wheelhouse(), ["gamma==0.5.0"]);
    let freeze = venv.pip_freeze();
    // gamma -> beta>=1.0 picks beta 1.1.0 -> alpha>=1.1,<3 picks alpha 2.0.0.
    assert_eq!(freeze, "alpha==2.0.0\nbeta==1.1.0\ngamma==0.5.0\n");
    assert!(venv.bin.join("gamma").is_file());
    let output = venv.python(["-c", "import gamma.cli; gamma.cli.main()"]);
    assert_eq!(String::from_utf8_lossy(&output.stdout), "gamma\n");
    assert_eq!(
        venv.pip_check(),
        (0, "No broken requirements found.\n".to_string())
    );

    // Fresh installs (pip's own, the venv's pip and setuptools) match their RECORDs.
    assert_eq!(files_differing_from_record(&venv), Vec::<String>::new());

    // Damage: pip does not notice, RECORD does.
    let edited = venv.edit_installed_file("alpha/__init__.py");
    let removed = venv.remove_installed_file("beta/__init__.py");
    assert!(!removed.exists());
    assert_eq!(venv.pip_freeze(), freeze);
    assert_eq!(venv.pip_check().0, 0);
    let rows = record_rows(&venv.dist_info("alpha"));
    let (recorded_hash, recorded_size) = &rows["alpha/__init__.py"];
    let now = fs_err::read(&edited).unwrap();
    assert_ne!(&record_hash(&now), recorded_hash);
    assert_ne!(&now.len().to_string(), recorded_size);
    assert_eq!(
        files_differing_from_record(&venv),
        ["alpha/__init__.py", "beta/__init__.py"]
    );

    // A `setup.py install` leftover with a missing requirement.
    let egg_info = venv.install_egg_info(
        "Legacy-Dist",
        "0.9",
        &["missing-dependency>=1", "alpha>=1", "", "[fast]", "beta>=9"],
    );
    assert_eq!(
        egg_info.file_name().unwrap().to_string_lossy(),
        format!("Legacy_Dist-0.9-py{}.egg-info", venv.python_version)
    );
    let (code, report) = venv.pip_check();
    assert_eq!(code, 1);
    assert_eq!(
        report,
        "legacy-dist 0.9 requires missing-dependency, which is not installed.\n"
    );

    // A `setup.py develop` project.
    let project = directory.path().join("linked");
    let link = venv.install_egg_link("linked-project", "2.0", &project);
    assert_eq!(link.file_name().unwrap(), "linked-project.egg-link");
    let freeze = venv.pip_freeze();
    assert!(freeze.contains("Legacy-Dist==0.9\n"), "{freeze}");
    assert!(
        freeze.contains(&format!("-e {}\n", project.display())),
        "{freeze}"
    );
    let output = venv.python([
        "-c",
        "import linked_project; print(linked_project.__version__)",
    ]);
    assert_eq!(String::from_utf8_lossy(&output.stdout), "2.0\n");
}

#[test]
fn pip_does_editable_installs_with_direct_url() {
    let mut context = TestContext::new();
    let venv = context.create_venv();
    venv.pip_install(shared_wheelhouse(), ["alpha==1.0.0"]);
    let spec = WheelSpec::new("Local.Tool", "0.3.0")
        .requires_dist("alpha>=1")
        .module("local_tool/__init__.py", "VALUE = 'from source'\n")
        .console_script("local-tool", "local_tool:main");
    let project = venv.install_editable(&spec, &context.root().join("local-tool"));

    let freeze = venv.pip_freeze();
    assert!(
        freeze.contains(&format!("-e {}\n", project.display())),
        "{freeze}"
    );
    let direct_url = venv.dist_info("local-tool").join("direct_url.json");
    let direct_url: serde_json::Value =
        serde_json::from_str(&fs_err::read_to_string(direct_url).unwrap()).unwrap();
    assert_eq!(direct_url["dir_info"]["editable"], true);
    assert_eq!(direct_url["url"], format!("file://{}", project.display()));
    assert!(venv.bin.join("local-tool").is_file());

    // Imports come from the project: editing the source changes what Python sees.
    fs_err::write(
        project.join("src/local_tool/__init__.py"),
        "VALUE = 'edited'\n",
    )
    .unwrap();
    let value = venv.python_code("import local_tool; print(local_tool.VALUE)");
    assert_eq!(value, "edited\n");
    assert_eq!(
        venv.pip_check(),
        (0, "No broken requirements found.\n".to_string())
    );

    let filtered = context.filter(&format!(
        "{} {} {} Python 3.11.7 python3.12 alpha 3.11",
        venv.site_packages.display(),
        project.display(),
        context.home().join(".cache").display(),
    ));
    assert_eq!(
        filtered,
        "[VENV]/lib/python[PYTHON]/site-packages [TEMP]/local-tool [HOME]/.cache \
         Python [PYTHON] python[PYTHON] alpha 3.11"
    );
}

#[test]
fn context_commands_are_isolated() {
    let context = TestContext::new();
    let command = context.command("tend");
    let environment: BTreeMap<String, Option<String>> = command
        .get_envs()
        .map(|(name, value)| {
            (
                name.to_string_lossy().into_owned(),
                value.map(|value| value.to_string_lossy().into_owned()),
            )
        })
        .collect();
    assert_eq!(environment["NO_COLOR"].as_deref(), Some("1"));
    assert_eq!(
        environment["HOME"].as_deref(),
        Some(&*context.home().to_string_lossy())
    );
    assert_eq!(
        environment["XDG_CACHE_HOME"].as_deref(),
        Some(&*context.home().join(".cache").to_string_lossy())
    );
    assert_eq!(command.get_current_dir(), Some(context.project()));
    // Whatever PIP_*/PYTHON* variables this process has are removed, not passed on.
    for (name, _) in std::env::vars() {
        if name.starts_with("PIP_") || name.starts_with("PYTHON") || name == "VIRTUAL_ENV" {
            assert_eq!(environment.get(&name), Some(&None), "{name} leaks");
        }
    }

    // A real run through the formatter, with the project path filtered.
    let mut command = context.command("sh");
    command.args(["-c", "pwd; echo oops >&2; exit 3"]);
    assert_eq!(
        context.run(&mut command),
        "success: false\nexit_code: 3\n----- stdout -----\n[PROJECT]\n\n----- stderr -----\noops\n"
    );
}

#[test]
fn shared_wheelhouse_holds_every_spec() {
    let wheelhouse = shared_wheelhouse();
    for spec in shared_wheel_specs() {
        assert!(
            wheelhouse.join(spec.wheel_file_name()).is_file(),
            "{}",
            spec.wheel_file_name()
        );
    }
}

#[test]
fn stock_ensurepip_venv_with_system_site_packages() {
    let directory = tempfile::tempdir().unwrap();
    let options = VenvOptions {
        system_site_packages: true,
        ensurepip: true,
    };
    let venv = Venv::create_with(&directory.path().join("venv"), &options);
    let configuration = fs_err::read_to_string(venv.root.join("pyvenv.cfg")).unwrap();
    assert!(
        configuration.contains("include-system-site-packages = true"),
        "{configuration}"
    );
    // pip and setuptools live in the venv itself, as with the default path.
    venv.dist_info("pip");
    venv.dist_info("setuptools");
    assert!(venv.bin.join("pip").is_file());
    assert_eq!(files_differing_from_record(&venv), Vec::<String>::new());
}

#[test]
#[should_panic(expected = "is not a virtual environment")]
fn opening_a_plain_directory_panics() {
    let directory = tempfile::tempdir().unwrap();
    Venv::open(directory.path());
}

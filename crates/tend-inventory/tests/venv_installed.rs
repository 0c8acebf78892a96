//! The environment reader on a venv that pip itself filled from local wheels (tend-test's
//! wheelhouse): regular wheels with dependencies and extras, a PEP 660 editable install, and
//! the legacy `setup.py install` / `setup.py develop` leftovers, compared with `pip freeze`.

#![allow(clippy::unwrap_used)]

use std::collections::BTreeMap;
use std::str::FromStr;

use tend_inventory::{read_environment, EnvironmentRequest};
use tend_model::{DirectUrl, DistFormat, PackageName};
use tend_test::{shared_wheelhouse, TestContext, WheelSpec};

fn name(text: &str) -> PackageName {
    PackageName::from_str(text).unwrap()
}

#[test]
fn pip_installed_venv_with_editable_and_legacy_installs() {
    let mut context = TestContext::new();
    let venv = context.create_venv();
    venv.pip_install(shared_wheelhouse(), ["gamma==0.5.0"]);
    let local = WheelSpec::new("local-tool", "0.1.0").module("local_tool.py", "");
    let local_project = venv.install_editable(&local, &context.root().join("local-tool"));
    venv.install_egg_info("Old_Style", "1.2", &["alpha>=1", "", "[fast]", "beta"]);
    let develop = context.root().join("develop-checkout");
    venv.install_egg_link("dev-thing", "0.9", &develop);

    let read = read_environment(&EnvironmentRequest::Venv(venv.root.clone()))
        .unwrap()
        .unwrap();
    assert!(read.diagnostics.is_empty(), "{:?}", read.diagnostics);
    let environment = &read.environment;

    // Every `name==version` pip prints, we read the same.
    let freeze = venv.pip_freeze();
    let expected: BTreeMap<PackageName, String> = freeze
        .lines()
        .filter(|line| !line.starts_with(['#', '-']))
        .filter_map(|line| line.split_once("=="))
        .map(|(package, version)| (name(package), version.trim().to_string()))
        .collect();
    assert!(expected.contains_key(&name("old-style")), "{freeze}");
    for (package, version) in &expected {
        let distribution = environment
            .distribution(package)
            .unwrap_or_else(|| panic!("{package} missing"));
        assert_eq!(&distribution.version.to_string(), version, "{package}");
    }

    let gamma = environment.distribution(&name("gamma")).unwrap();
    let requirements: Vec<String> = gamma
        .requires_dist
        .iter()
        .map(ToString::to_string)
        .collect();
    assert_eq!(requirements, ["beta>=1.0", "alpha>=2 ; extra == 'fast'"]);
    assert_eq!(gamma.provides_extra.len(), 1);
    assert_eq!(gamma.installer.as_deref(), Some("pip"));

    let editable = environment.distribution(&name("local-tool")).unwrap();
    assert!(matches!(
        editable.direct_url,
        Some(DirectUrl::Editable { .. })
    ));
    assert_eq!(
        editable.editable_location.as_deref(),
        Some(local_project.as_path())
    );

    let old = environment.distribution(&name("old-style")).unwrap();
    assert_eq!(old.format, DistFormat::EggInfo);
    let requirements: Vec<String> = old.requires_dist.iter().map(ToString::to_string).collect();
    assert_eq!(requirements, ["alpha>=1", "beta ; extra == 'fast'"]);

    let dev = environment.distribution(&name("dev-thing")).unwrap();
    assert_eq!(dev.format, DistFormat::EggLink);
    assert_eq!(dev.version.to_string(), "0.9");
    assert_eq!(
        dev.editable_location.as_deref(),
        Some(std::path::absolute(&develop).unwrap().as_path())
    );
}

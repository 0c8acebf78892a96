//! `tend inventory` against a real venv filled by pip: what it reports installed must be what
//! `pip freeze --all` reports, and every declaration of the project's requirements file must
//! come through with its file, line, specifier, hashes and markers.

#![allow(clippy::unwrap_used)]

mod common;

use std::collections::BTreeSet;

use common::{normalize, parse_freeze, run_json, tend};
use serde_json::Value;
use tend_test::{shared_wheelhouse, TestContext, WheelSpec};

const HASH: &str = "sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

#[test]
fn inventory_matches_pip_freeze_and_carries_declarations() {
    let mut context = TestContext::new();
    let venv = context.create_venv();
    venv.pip_install(shared_wheelhouse(), ["gamma==0.5.0", "beta==1.1.0"]);
    venv.install_egg_info("Legacy.Proj", "1.4", &["alpha>=1"]);
    let local = WheelSpec::new("Local_Tool", "0.1.0").module("local_tool.py", "");
    venv.install_editable(&local, &context.root().join("local-tool"));
    fs_err::write(
        context.project().join("requirements.txt"),
        format!(
            "# production\nbeta==1.1.0 \\\n    --hash={HASH}\n\
             alpha>=1.1,<3 ; python_version >= \"3.8\"\ngamma[fast]~=0.5\n"
        ),
    )
    .unwrap();

    let venv_argument = venv.root.to_string_lossy().into_owned();
    let json = run_json(
        &mut tend(
            &context,
            &["inventory", "--venv", &venv_argument, "--format", "json"],
        ),
        0,
    );
    assert_eq!(json["kind"], "inventory");
    let packages = json["packages"].as_array().unwrap();

    // Installed: the same (name, version) set as pip's own view.
    let installed: BTreeSet<(String, String)> = packages
        .iter()
        .filter(|package| !package["installed"].is_null())
        .map(|package| {
            (
                normalize(package["name"].as_str().unwrap()),
                package["installed"]["version"]
                    .as_str()
                    .unwrap()
                    .to_string(),
            )
        })
        .collect();
    let freeze = venv.pip(["freeze", "--all"]);
    assert!(freeze.status.success());
    let freeze = String::from_utf8(freeze.stdout).unwrap();
    let expected = parse_freeze(&freeze);
    assert_eq!(installed, expected, "pip freeze --all said:\n{freeze}");
    // The three install kinds really are in the comparison, not just pip and setuptools.
    for name in [
        "alpha",
        "beta",
        "gamma",
        "legacy-proj",
        "local-tool",
        "pip",
        "setuptools",
    ] {
        assert!(
            installed
                .iter()
                .any(|(installed_name, _)| installed_name == name),
            "{name} missing from {installed:?}"
        );
    }

    let package = |name: &str| -> &Value {
        packages
            .iter()
            .find(|package| package["name"] == name)
            .unwrap_or_else(|| panic!("no package {name} in {packages:?}"))
    };
    assert_eq!(package("legacy-proj")["installed"]["format"], "egg-info");
    assert_eq!(package("local-tool")["installed"]["editable"], true);
    assert_eq!(package("alpha")["installed"]["version"], "2.0.0");

    // Declarations: file, line, specifier, hashes, markers.
    let declaration = |name: &str| -> &Value {
        let declarations = package(name)["declarations"].as_array().unwrap();
        assert_eq!(declarations.len(), 1, "{name}: {declarations:?}");
        &declarations[0]
    };
    let beta = declaration("beta");
    assert_eq!(beta["specifier"], "==1.1.0");
    assert_eq!(beta["hashes"], serde_json::json!([HASH]));
    assert_eq!(beta["kind"], "requirement");
    assert_eq!(beta["location"]["line"], 2);
    assert!(beta["location"]["path"]
        .as_str()
        .unwrap()
        .ends_with("requirements.txt"));
    assert_eq!(package("beta")["pinned"], true);

    let alpha = declaration("alpha");
    assert_eq!(alpha["specifier"], ">=1.1,<3");
    assert_eq!(alpha["location"]["line"], 4);
    let markers = alpha["markers"].as_str().unwrap();
    assert!(markers.contains(">= '3.8'"), "{markers}");
    assert_eq!(package("alpha")["pinned"], false);

    let gamma = declaration("gamma");
    assert_eq!(gamma["specifier"], "~=0.5");
    assert_eq!(gamma["location"]["line"], 5);
    assert_eq!(gamma["extras"], serde_json::json!(["fast"]));

    // Installed but not declared: no declarations.
    assert_eq!(package("pip")["declarations"], serde_json::json!([]));

    // The table, with the venv and requirements file discovered in the project.
    insta::assert_snapshot!(context.run(&mut tend(&context, &["inventory"])));
}

#[test]
fn freeze_lines_parse_as_pip_prints_them() {
    let freeze = "Alpha_Pkg==1.0\n# Editable install with no version control (Local.Tool==0.1.0)\n\
                  -e /tmp/local-tool\nzope.interface==5.4.0\n";
    let pairs: Vec<(String, String)> = parse_freeze(freeze).into_iter().collect();
    assert_eq!(
        pairs,
        [
            ("alpha-pkg".to_string(), "1.0".to_string()),
            ("local-tool".to_string(), "0.1.0".to_string()),
            ("zope-interface".to_string(), "5.4.0".to_string()),
        ]
    );
}

//! Snapshots of real environments: what is captured (versions, origins, hashes from the
//! requirement files, file copies), the restore requirements pip installs to undo an update,
//! and the comparison that proves the restore exact.

#![allow(clippy::unwrap_used)]

use std::path::Path;

use tend_inventory::{EnvironmentRequest, InventoryRequest};
use tend_test::{shared_wheelhouse, TestContext, Venv, WheelSpec};
use tend_update::{compare, Difference, FileCopy, Origin, Snapshot};

fn inventory(project: &Path, venv: &Venv) -> tend_model::Inventory {
    tend_inventory::load(&InventoryRequest {
        project: project.to_path_buf(),
        environment: Some(EnvironmentRequest::Venv(venv.root.clone())),
        ..InventoryRequest::default()
    })
    .unwrap()
}

fn capture(project: &Path, venv: &Venv) -> Snapshot {
    let path = project.join("requirements.txt");
    let text = fs_err::read_to_string(&path).unwrap();
    Snapshot::capture(
        &inventory(project, venv),
        vec![FileCopy::new(path, text)],
        "2026-11-23T12:00:00Z".parse().unwrap(),
    )
}

fn wheel_hash(name: &str) -> String {
    let bytes = fs_err::read(shared_wheelhouse().join(name)).unwrap();
    format!("sha256:{}", sha256_hex(&bytes))
}

fn sha256_hex(bytes: &[u8]) -> String {
    use sha2::Digest as _;
    use std::fmt::Write as _;
    sha2::Sha256::digest(bytes)
        .iter()
        .fold(String::new(), |mut hex, byte| {
            let _ = write!(hex, "{byte:02x}");
            hex
        })
}

#[test]
fn an_update_is_undone_exactly_from_the_snapshot() {
    let mut context = TestContext::new();
    let venv = context.create_venv();
    venv.pip_install(shared_wheelhouse(), ["beta==1.0.0", "alpha==1.0.0"]);
    let local = WheelSpec::new("local-tool", "0.1.0").module("local_tool.py", "");
    venv.install_editable(&local, &context.root().join("local-tool"));
    let beta_hash = wheel_hash("beta-1.0.0-py3-none-any.whl");
    let project = context.project().to_path_buf();
    fs_err::write(
        project.join("requirements.txt"),
        format!("beta==1.0.0 --hash={beta_hash}\nalpha>=1.0\n"),
    )
    .unwrap();

    let before = capture(&project, &venv);
    let beta = before
        .distributions
        .iter()
        .find(|installed| installed.name.as_ref() == "beta")
        .unwrap();
    assert_eq!(beta.version, "1.0.0");
    assert_eq!(beta.source, Origin::Index);
    assert_eq!(beta.hashes, std::slice::from_ref(&beta_hash));
    let tool = before
        .distributions
        .iter()
        .find(|installed| installed.name.as_ref() == "local-tool")
        .unwrap();
    assert!(matches!(tool.source, Origin::Editable { .. }), "{tool:?}");
    assert_eq!(before.files.len(), 1);
    assert!(before.files[0].text.starts_with("beta==1.0.0 --hash="));
    let restore = before.restore_requirements();
    assert!(restore.contains("alpha==1.0.0\n"), "{restore}");
    assert!(restore.contains("beta==1.0.0\n"), "{restore}");
    assert!(restore.contains("-e file://"), "{restore}");
    // The document survives the store.
    assert_eq!(Snapshot::from_json(&before.to_json()).unwrap(), before);

    // The update: beta and alpha move, and a new distribution arrives.
    venv.pip_install(
        shared_wheelhouse(),
        ["beta==1.1.0", "alpha==1.1.0", "gamma==0.5.0"],
    );
    let after = capture(&project, &venv);
    let mut differences: Vec<String> = compare(&before, &after)
        .iter()
        .map(ToString::to_string)
        .collect();
    differences.sort();
    assert_eq!(
        differences,
        [
            "alpha is 1.1.0, was 1.0.0",
            "beta is 1.1.0, was 1.0.0",
            "gamma 0.5.0 is installed but was not before",
        ]
    );

    // The rollback: remove what is new, install the snapshot's exact set.
    for difference in compare(&before, &after) {
        if let Difference::Extra { name, .. } = difference {
            venv.pip(["uninstall", "--yes", name.as_ref()]);
        }
    }
    let file = context.root().join("restore.txt");
    fs_err::write(&file, &restore).unwrap();
    venv.pip_install(
        shared_wheelhouse(),
        ["--no-deps", "-r", file.to_str().unwrap()],
    );
    let restored = capture(&project, &venv);
    assert_eq!(compare(&before, &restored), []);
}

#[test]
fn restore_requirements_use_hashes_only_when_every_line_has_them() {
    let text = r#"{
      "schema_version": 1, "taken": "2026-11-23T12:00:00Z", "prefix": "/srv/venv",
      "distributions": [
        {"name": "alpha", "version": "1.0.0", "source": {"kind": "index"}, "hashes": ["sha256:aa"]},
        {"name": "beta", "version": "1.0.0", "source": {"kind": "archive", "url": "https://files.example.invalid/beta-1.0.0-py3-none-any.whl", "hash": "sha256=bb"}},
        {"name": "legacy", "version": "1.0-custom_build", "source": {"kind": "index"}, "hashes": ["sha256:cc"]},
        {"name": "six", "version": "1.16.0", "source": {"kind": "index"}, "hashes": ["sha256:dd"], "system": true}
      ],
      "files": []
    }"#;
    let snapshot = Snapshot::from_json(text).unwrap();
    assert_eq!(
        snapshot.restore_requirements(),
        "alpha==1.0.0 --hash=sha256:aa\n\
         beta @ https://files.example.invalid/beta-1.0.0-py3-none-any.whl#sha256=bb\n\
         legacy===1.0-custom_build --hash=sha256:cc\n"
    );
    // One line that cannot be hashed (a VCS checkout) turns hashes off for all.
    let with_vcs = text.replace(
        r#"{"name": "six""#,
        r#"{"name": "tool", "version": "0.1", "source": {"kind": "vcs", "url": "git+https://example.invalid/tool.git", "vcs": "git", "commit": "abc123"}},
        {"name": "six""#,
    );
    let snapshot = Snapshot::from_json(&with_vcs).unwrap();
    assert_eq!(
        snapshot.restore_requirements(),
        "alpha==1.0.0\n\
         beta @ https://files.example.invalid/beta-1.0.0-py3-none-any.whl#sha256=bb\n\
         legacy===1.0-custom_build\n\
         tool @ git+https://example.invalid/tool.git@abc123\n"
    );
}

//! `IndexSettings::resolve` on real files in a temporary directory: which index wins, how extra
//! indexes add up, `no-index`, `pip.conf` layering, `.netrc`, and that no credential is shown.

#![allow(clippy::unwrap_used)]

use std::path::{Path, PathBuf};

use tend_index::{IndexOrigin, IndexSettings, SettingsError, SettingsInputs};
use tend_model::SourceOptions;

/// A project directory with room for a policy, requirements files, pip.conf files and .netrc.
struct Setup {
    dir: tempfile::TempDir,
}

impl Setup {
    fn new() -> Self {
        Self {
            dir: tempfile::tempdir().unwrap(),
        }
    }

    fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    fn write(&self, name: &str, text: impl AsRef<[u8]>) -> PathBuf {
        let path = self.path(name);
        fs_err::create_dir_all(path.parent().unwrap()).unwrap();
        fs_err::write(&path, text).unwrap();
        path
    }

    fn inputs(&self) -> SettingsInputs<'_> {
        SettingsInputs {
            current_dir: Some(self.dir.path()),
            ..SettingsInputs::default()
        }
    }
}

fn urls(settings: &IndexSettings) -> Vec<String> {
    settings
        .indexes
        .iter()
        .map(|index| index.url.to_string())
        .collect()
}

fn resolve(inputs: &SettingsInputs<'_>) -> Vec<String> {
    urls(&IndexSettings::resolve(inputs).unwrap())
}

fn error(inputs: &SettingsInputs<'_>) -> String {
    IndexSettings::resolve(inputs).unwrap_err().to_string()
}

fn requirements(index_url: Option<&str>, extras: &[&str], no_index: bool) -> SourceOptions {
    SourceOptions {
        index_url: index_url.map(str::to_string),
        extra_index_urls: extras.iter().map(|url| (*url).to_string()).collect(),
        no_index,
        ..SourceOptions::default()
    }
}

#[test]
fn nothing_configured_asks_the_public_index() {
    let setup = Setup::new();
    let settings = IndexSettings::resolve(&setup.inputs()).unwrap();
    assert_eq!(urls(&settings), [tend_index::settings::DEFAULT_INDEX]);
    assert_eq!(settings.indexes[0].origin, IndexOrigin::Default);
}

#[test]
fn the_primary_index_comes_from_the_highest_place_that_names_one() {
    let setup = Setup::new();
    let policy = setup.write("tend.toml", "");
    let conf = setup.write(
        "pip.conf",
        "[global]\nindex-url = https://pip-conf/simple\n",
    );
    let options = requirements(Some("https://requirements/simple"), &[], false);
    let requirements_file = setup.path("requirements.txt");
    let flag_extras: Vec<String> = Vec::new();

    let full = SettingsInputs {
        flag_index_url: Some("https://flag/simple"),
        flag_extra_index_urls: &flag_extras,
        policy_index_url: Some(("https://policy/simple", &policy)),
        environment: vec![
            ("UV_DEFAULT_INDEX", "https://uv-default/simple".to_string()),
            ("UV_INDEX_URL", "https://uv-index-url/simple".to_string()),
            ("PIP_INDEX_URL", "https://pip-env/simple".to_string()),
        ],
        requirements: vec![(&requirements_file, &options)],
        pip_conf_files: vec![conf.clone()],
        ..setup.inputs()
    };
    let mut inputs = full.clone();
    let mut winners = Vec::new();
    loop {
        let settings = IndexSettings::resolve(&inputs).unwrap();
        assert_eq!(settings.indexes.len(), 1, "{settings:?}");
        winners.push(settings.indexes[0].url.host_str().unwrap().to_string());
        // Take away the winner and see who is next.
        let took = inputs.flag_index_url.take().is_some()
            || inputs.policy_index_url.take().is_some()
            || (!inputs.environment.is_empty() && {
                inputs.environment.remove(0);
                true
            })
            || !std::mem::take(&mut inputs.requirements).is_empty()
            || !std::mem::take(&mut inputs.pip_conf_files).is_empty();
        if !took {
            break;
        }
    }
    assert_eq!(
        winners,
        [
            "flag",
            "policy",
            "uv-default",
            "uv-index-url",
            "pip-env",
            "requirements",
            "pip-conf",
            "pypi.org"
        ]
    );

    let settings = IndexSettings::resolve(&full).unwrap();
    assert_eq!(settings.indexes[0].origin, IndexOrigin::Flag);
}

#[test]
fn extra_indexes_add_up_in_precedence_order_and_duplicates_are_asked_once() {
    let setup = Setup::new();
    let policy = setup.write("tend.toml", "");
    let conf = setup.write(
        "pip.conf",
        "[global]\nextra-index-url =\n    https://conf-a/simple\n    https://flag-extra/simple/\n",
    );
    let options = requirements(None, &["https://req-extra/simple"], false);
    let requirements_file = setup.path("requirements.txt");
    let flag_extras = vec!["https://flag-extra/simple".to_string()];
    let inputs = SettingsInputs {
        flag_index_url: Some("https://primary/simple"),
        flag_extra_index_urls: &flag_extras,
        policy_extra_index_urls: vec![
            ("https://policy-extra/simple", &policy),
            // The primary again, under another spelling: asked once.
            ("HTTPS://PRIMARY:443/simple/", &policy),
        ],
        environment: vec![
            (
                "UV_INDEX",
                "internal=https://uv-index/simple  https://uv-index-2/simple?a=b".to_string(),
            ),
            ("UV_EXTRA_INDEX_URL", "https://uv-extra/simple".to_string()),
            (
                "PIP_EXTRA_INDEX_URL",
                " https://pip-extra-1/simple\thttps://pip-extra-2/simple ".to_string(),
            ),
        ],
        requirements: vec![(&requirements_file, &options)],
        pip_conf_files: vec![conf.clone()],
        ..setup.inputs()
    };
    let settings = IndexSettings::resolve(&inputs).unwrap();
    assert_eq!(
        urls(&settings),
        [
            "https://primary/simple/",
            "https://flag-extra/simple/",
            "https://policy-extra/simple/",
            "https://uv-index/simple/",
            "https://uv-index-2/simple/?a=b",
            "https://uv-extra/simple/",
            "https://pip-extra-1/simple/",
            "https://pip-extra-2/simple/",
            "https://req-extra/simple/",
            "https://conf-a/simple/",
        ]
    );
    let origins: Vec<String> = settings
        .indexes
        .iter()
        .map(|index| index.origin.to_string())
        .collect();
    assert_eq!(origins[1], "the command line");
    assert_eq!(origins[2], format!("[index] in {}", policy.display()));
    assert_eq!(origins[3], "UV_INDEX");
    assert_eq!(origins[8], requirements_file.display().to_string());
    assert_eq!(origins[9], conf.display().to_string());
}

#[test]
fn a_second_requirements_file_with_another_index_adds_it_as_an_extra() {
    let setup = Setup::new();
    let first = requirements(Some("https://first/simple"), &[], false);
    let second = requirements(Some("https://second/simple"), &[], false);
    let third = requirements(Some("https://first/simple/"), &[], false);
    let (a, b, c) = (
        setup.path("a.txt"),
        setup.path("b.txt"),
        setup.path("c.txt"),
    );
    let inputs = SettingsInputs {
        requirements: vec![(&a, &first), (&b, &second), (&c, &third)],
        ..setup.inputs()
    };
    assert_eq!(
        resolve(&inputs),
        ["https://first/simple/", "https://second/simple/"]
    );
}

#[test]
fn relative_directories_resolve_against_the_file_that_names_them() {
    let setup = Setup::new();
    for dir in [
        "project/policy-index",
        "project/requirements/req-index",
        "cwd-index",
    ] {
        fs_err::create_dir_all(setup.path(dir)).unwrap();
    }
    let policy = setup.path("project/tend.toml");
    let requirements_file = setup.path("project/requirements/prod.txt");
    let options = requirements(None, &["./req-index"], false);
    let flag_extras = vec!["cwd-index".to_string()];
    let inputs = SettingsInputs {
        flag_extra_index_urls: &flag_extras,
        policy_index_url: Some(("policy-index", &policy)),
        requirements: vec![(&requirements_file, &options)],
        ..setup.inputs()
    };
    let file_url = |dir: &str| {
        url::Url::from_directory_path(setup.path(dir))
            .unwrap()
            .to_string()
    };
    assert_eq!(
        resolve(&inputs),
        [
            file_url("project/policy-index"),
            file_url("cwd-index"),
            file_url("project/requirements/req-index"),
        ]
    );
}

#[test]
fn no_index_on_the_command_line_keeps_only_the_command_line() {
    let setup = Setup::new();
    let flag_extras = vec!["https://flag-extra/simple".to_string()];
    let policy = setup.path("tend.toml");
    let inputs = SettingsInputs {
        flag_no_index: true,
        flag_extra_index_urls: &flag_extras,
        policy_index_url: Some(("https://policy/simple", &policy)),
        environment: vec![("PIP_EXTRA_INDEX_URL", "https://env/simple".to_string())],
        ..setup.inputs()
    };
    assert_eq!(resolve(&inputs), ["https://flag-extra/simple/"]);

    let alone = SettingsInputs {
        flag_no_index: true,
        ..setup.inputs()
    };
    assert!(matches!(
        IndexSettings::resolve(&alone),
        Err(SettingsError::NoIndex { .. })
    ));
    assert_eq!(
        error(&alone),
        "no index to ask: `no-index` is set by --no-index; give `--index-url` or `--extra-index-url` on the command line"
    );
}

#[test]
fn no_index_elsewhere_turns_off_its_place_and_those_below() {
    let setup = Setup::new();
    let policy = setup.path("tend.toml");
    let conf = setup.write(
        "pip.conf",
        "[global]\nextra-index-url = https://conf/simple\n",
    );
    let base = SettingsInputs {
        policy_extra_index_urls: vec![("https://policy/simple", &policy)],
        environment: vec![
            ("UV_EXTRA_INDEX_URL", "https://uv/simple".to_string()),
            ("PIP_INDEX_URL", "https://pip/simple".to_string()),
            ("PIP_NO_INDEX", "yes".to_string()),
        ],
        pip_conf_files: vec![conf.clone()],
        ..setup.inputs()
    };
    // PIP_NO_INDEX drops pip's own index, pip.conf and the public index; uv's and the
    // policy's stay.
    assert_eq!(
        resolve(&base),
        ["https://policy/simple/", "https://uv/simple/"]
    );

    let mut uv_off = base.clone();
    uv_off.environment.push(("UV_NO_INDEX", "1".to_string()));
    assert_eq!(resolve(&uv_off), ["https://policy/simple/"]);

    let mut nothing_left = uv_off.clone();
    nothing_left.policy_extra_index_urls.clear();
    assert_eq!(
        error(&nothing_left),
        "no index to ask: `no-index` is set by UV_NO_INDEX; give `--index-url` or `--extra-index-url` on the command line"
    );

    let mut pip_off_is_false = base.clone();
    pip_off_is_false.environment[2].1 = "off".to_string();
    assert_eq!(
        resolve(&pip_off_is_false),
        [
            "https://pip/simple/",
            "https://policy/simple/",
            "https://uv/simple/",
            "https://conf/simple/"
        ]
    );

    let mut bad = base.clone();
    bad.environment[2].1 = "sometimes".to_string();
    assert_eq!(
        error(&bad),
        "PIP_NO_INDEX: `sometimes` is not a boolean; expected true/false, yes/no, on/off, 1/0, y/n or t/f"
    );
}

#[test]
fn no_index_in_a_requirements_file_or_pip_conf() {
    let setup = Setup::new();
    let options = requirements(Some("https://req/simple"), &[], true);
    let requirements_file = setup.path("requirements.txt");
    let conf = setup.write("pip.conf", "[install]\nno-index = true\n");
    let inputs = SettingsInputs {
        requirements: vec![(&requirements_file, &options)],
        environment: vec![("PIP_EXTRA_INDEX_URL", "https://env/simple".to_string())],
        ..setup.inputs()
    };
    assert_eq!(resolve(&inputs), ["https://env/simple/"]);
    let message = error(&SettingsInputs {
        requirements: vec![(&requirements_file, &options)],
        ..setup.inputs()
    });
    assert!(
        message.contains(&format!(
            "`no-index` is set by {} (--no-index)",
            requirements_file.display()
        )),
        "{message}"
    );

    let message = error(&SettingsInputs {
        pip_conf_files: vec![conf.clone()],
        ..setup.inputs()
    });
    assert!(
        message.contains(&format!(
            "`no-index` is set by {}:2 (no-index)",
            conf.display()
        )),
        "{message}"
    );
}

#[test]
fn pip_conf_files_layer_as_pip_layers_them() {
    let setup = Setup::new();
    let global = setup.write(
        "etc/pip.conf",
        "[install]\nindex-url = https://global-install/simple\n",
    );
    let user = setup.write(
        "home/.config/pip/pip.conf",
        "\u{feff}[global]\r\nindex-url = https://user-global/simple\r\nextra-index-url =\r\n    https://user-extra-1/\r\n    https://user-extra-2/\r\n",
    );
    let site = setup.write(
        "venv/pip.conf",
        "# the venv's own\n[global]\nextra_index_url: https://site-extra/\n",
    );
    let inputs = SettingsInputs {
        pip_conf_files: vec![
            global.clone(),
            setup.path("missing/pip.conf"),
            user.clone(),
            site.clone(),
        ],
        ..setup.inputs()
    };
    let settings = IndexSettings::resolve(&inputs).unwrap();
    // `[install]` beats `[global]` even from a lower file; a later file's key replaces an
    // earlier file's in the same section.
    assert_eq!(
        urls(&settings),
        ["https://global-install/simple/", "https://site-extra/"]
    );
    assert_eq!(
        settings.indexes[0].origin,
        IndexOrigin::PipConf { path: global }
    );
    assert_eq!(
        settings.indexes[1].origin,
        IndexOrigin::PipConf { path: site }
    );
}

#[test]
fn bad_values_name_where_they_were_written() {
    let setup = Setup::new();
    let policy = setup.path("tend.toml");
    let conf = setup.write(
        "pip.conf",
        "[global]\ntimeout = 5\nextra-index-url =\n    https://ok/\n    nonsense\n",
    );
    let requirements_file = setup.path("requirements.txt");
    let options = requirements(Some("htp:/typo"), &[], false);
    let flag_extras = vec!["https://exa mple/".to_string()];

    let message = error(&SettingsInputs {
        flag_extra_index_urls: &flag_extras,
        ..setup.inputs()
    });
    assert!(
        message.starts_with("--extra-index-url: `https://exa mple/` is not an index URL ("),
        "{message}"
    );

    let message = error(&SettingsInputs {
        policy_index_url: Some(("pypi.org/simple", &policy)),
        ..setup.inputs()
    });
    assert!(
        message.starts_with(&format!(
            "{} ([index] url): `pypi.org/simple` is not an index URL (no scheme such as `https://`, and not an existing directory)",
            policy.display()
        )),
        "{message}"
    );

    let message = error(&SettingsInputs {
        environment: vec![("UV_INDEX", "https://ok/ name=ftp://x/".to_string())],
        ..setup.inputs()
    });
    assert!(
        message.starts_with(
            "UV_INDEX: `ftp://x/` is not an index URL (the scheme `ftp` is not supported)"
        ),
        "{message}"
    );

    let message = error(&SettingsInputs {
        requirements: vec![(&requirements_file, &options)],
        ..setup.inputs()
    });
    assert!(
        message.starts_with(&format!(
            "{} (--index-url): `htp:/typo` is not an index URL (the scheme `htp` is not supported)",
            requirements_file.display()
        )),
        "{message}"
    );

    let message = error(&SettingsInputs {
        pip_conf_files: vec![conf.clone()],
        ..setup.inputs()
    });
    assert!(
        message.starts_with(&format!(
            "{}:3 (extra-index-url): `nonsense` is not an index URL",
            conf.display()
        )),
        "{message}"
    );
}

#[test]
fn an_overridden_bad_value_is_not_an_error() {
    let setup = Setup::new();
    let inputs = SettingsInputs {
        flag_index_url: Some("https://flag/simple"),
        environment: vec![("PIP_INDEX_URL", "not a url".to_string())],
        ..setup.inputs()
    };
    assert_eq!(resolve(&inputs), ["https://flag/simple/"]);
}

#[test]
fn unreadable_pip_conf_is_an_error_naming_file_and_line() {
    let setup = Setup::new();
    let conf = setup.write(
        "pip.conf",
        b"[global]\nindex-url = https://a/\xff\n".as_slice(),
    );
    let message = error(&SettingsInputs {
        pip_conf_files: vec![conf.clone()],
        ..setup.inputs()
    });
    assert_eq!(message, format!("{}:2: is not UTF-8 text", conf.display()));

    let directory = setup.path("a-directory");
    fs_err::create_dir_all(&directory).unwrap();
    let message = error(&SettingsInputs {
        pip_conf_files: vec![directory.clone()],
        ..setup.inputs()
    });
    assert!(
        message.starts_with(&format!("could not read {}: ", directory.display())),
        "{message}"
    );

    let broken = setup.write("broken.conf", "index-url = https://a/\n");
    let message = error(&SettingsInputs {
        pip_conf_files: vec![broken.clone()],
        ..setup.inputs()
    });
    assert!(
        message.starts_with(&format!(
            "{}:1: expected a section header",
            broken.display()
        )),
        "{message}"
    );
}

#[test]
fn netrc_credentials_are_added_to_http_indexes_without_their_own() {
    let setup = Setup::new();
    let netrc = setup.write(
        ".netrc",
        "machine private.example login alice password \"s3cret pass%\"\n\
         machine own.example login nobody password never\n\
         default login anyone password anypass\n",
    );
    let dir_index = setup.path("local");
    fs_err::create_dir_all(&dir_index).unwrap();
    let flag_extras = vec![
        "https://own.example/simple".replace("https://", "https://bob:mine@"),
        "http://other.example/simple".to_string(),
        dir_index.display().to_string(),
    ];
    let inputs = SettingsInputs {
        flag_index_url: Some("https://private.example/simple"),
        flag_extra_index_urls: &flag_extras,
        netrc_file: Some(netrc),
        ..setup.inputs()
    };
    let settings = IndexSettings::resolve(&inputs).unwrap();
    let private = &settings.indexes[0].url;
    assert_eq!(private.username(), "alice");
    assert_eq!(private.password(), Some("s3cret%20pass%25"));
    assert_eq!(
        settings.indexes[0].redacted(),
        "https://alice:****@private.example/simple/"
    );
    let own = &settings.indexes[1].url;
    assert_eq!((own.username(), own.password()), ("bob", Some("mine")));
    let other = &settings.indexes[2].url;
    assert_eq!(
        (other.username(), other.password()),
        ("anyone", Some("anypass"))
    );
    let local = &settings.indexes[3].url;
    assert_eq!((local.scheme(), local.username()), ("file", ""));

    // What tend-http sends: the decoded password.
    let decoded = percent_decode(private.password().unwrap());
    assert_eq!(decoded, "s3cret pass%");
}

fn percent_decode(text: &str) -> String {
    let mut bytes = Vec::new();
    let mut rest = text.as_bytes();
    while let Some((&first, tail)) = rest.split_first() {
        if first == b'%' && tail.len() >= 2 {
            let hex = std::str::from_utf8(&tail[..2]).unwrap();
            bytes.push(u8::from_str_radix(hex, 16).unwrap());
            rest = &tail[2..];
        } else {
            bytes.push(first);
            rest = tail;
        }
    }
    String::from_utf8(bytes).unwrap()
}

#[test]
fn a_user_name_without_password_is_completed_when_names_match() {
    let setup = Setup::new();
    let netrc = setup.write(
        ".netrc",
        "machine a.example login alice password pa\nmachine b.example login carol password pb\n",
    );
    let flag_extras = vec!["https://alice@b.example/simple".to_string()];
    let inputs = SettingsInputs {
        flag_index_url: Some("https://alice@a.example/simple"),
        flag_extra_index_urls: &flag_extras,
        netrc_file: Some(netrc),
        ..setup.inputs()
    };
    let settings = IndexSettings::resolve(&inputs).unwrap();
    assert_eq!(settings.indexes[0].url.password(), Some("pa"));
    // carol's password is not alice's.
    assert_eq!(settings.indexes[1].url.username(), "alice");
    assert_eq!(settings.indexes[1].url.password(), None);
}

#[test]
fn credentials_written_for_the_same_host_elsewhere_are_shared() {
    let setup = Setup::new();
    let policy = setup.path("tend.toml");
    // CI: the policy names the index, the variable carries the token.
    let inputs = SettingsInputs {
        policy_index_url: Some(("https://private.example/simple", &policy)),
        policy_extra_index_urls: vec![("https://private.example:8443/other", &policy)],
        environment: vec![(
            "PIP_INDEX_URL",
            "https://ci:t0ken@private.example/simple/".to_string(),
        )],
        ..setup.inputs()
    };
    let settings = IndexSettings::resolve(&inputs).unwrap();
    assert_eq!(
        urls(&settings),
        [
            "https://ci:t0ken@private.example/simple/",
            // Another port is another server: no credentials.
            "https://private.example:8443/other/"
        ]
    );
    assert_eq!(
        settings.indexes[0].origin,
        IndexOrigin::Policy {
            path: policy.clone()
        }
    );
}

#[test]
fn netrc_is_read_only_when_an_index_needs_it() {
    let setup = Setup::new();
    let broken = setup.write(".netrc", "machine a login alice password one two\n");
    let with_credentials = SettingsInputs {
        flag_index_url: Some("https://u:p@a/simple"),
        netrc_file: Some(broken.clone()),
        ..setup.inputs()
    };
    assert_eq!(resolve(&with_credentials), ["https://u:p@a/simple/"]);

    let needing = SettingsInputs {
        flag_index_url: Some("https://a/simple"),
        netrc_file: Some(broken.clone()),
        ..setup.inputs()
    };
    let message = error(&needing);
    assert!(
        message.starts_with(&format!("{}:1: unexpected word", broken.display())),
        "{message}"
    );
    assert!(
        !message.contains("one") && !message.contains("two"),
        "{message}"
    );
    let debug = format!("{:?}", IndexSettings::resolve(&needing).unwrap_err());
    assert!(!debug.contains("one") && !debug.contains("two"), "{debug}");

    let missing = SettingsInputs {
        flag_index_url: Some("https://a/simple"),
        netrc_file: Some(setup.path("no-such-netrc")),
        ..setup.inputs()
    };
    assert_eq!(resolve(&missing), ["https://a/simple/"]);
}

#[test]
fn credentials_never_appear_in_debug_output_or_errors() {
    let setup = Setup::new();
    let netrc = setup.write(
        ".netrc",
        "machine n.example login nina password netrc-secret\n",
    );
    let flag_extras = vec!["https://bob:flag-secret@b.example/".to_string()];
    let policy = setup.path("tend.toml");
    let options = requirements(Some("https://req:req-secret@r.example/"), &[], false);
    let requirements_file = setup.path("requirements.txt");
    let inputs = SettingsInputs {
        flag_index_url: Some("https://n.example/simple"),
        flag_extra_index_urls: &flag_extras,
        policy_extra_index_urls: vec![("https://pol:policy-secret@p.example/", &policy)],
        environment: vec![(
            "PIP_EXTRA_INDEX_URL",
            "https://env:env-secret@e.example/".to_string(),
        )],
        requirements: vec![(&requirements_file, &options)],
        netrc_file: Some(netrc),
        ..setup.inputs()
    };
    let settings = IndexSettings::resolve(&inputs).unwrap();
    // The requirements file's index is overridden by the flag, but still in the inputs.
    assert_eq!(settings.indexes.len(), 4);
    assert_eq!(settings.indexes[0].url.password(), Some("netrc-secret"));
    let shown = format!(
        "{settings:?} {settings:#?} {inputs:?} {:?}",
        settings
            .indexes
            .iter()
            .map(tend_index::IndexUrl::redacted)
            .collect::<Vec<_>>()
    );
    for secret in [
        "netrc-secret",
        "flag-secret",
        "policy-secret",
        "env-secret",
        "req-secret",
    ] {
        assert!(!shown.contains(secret), "{secret} in {shown}");
    }
    assert!(shown.contains("****"), "{shown}");

    let bad_extras = vec!["https://bob:flag-secret@b.example:99999/".to_string()];
    let bad = SettingsInputs {
        flag_extra_index_urls: &bad_extras,
        ..setup.inputs()
    };
    let failure = IndexSettings::resolve(&bad).unwrap_err();
    for shown in [failure.to_string(), format!("{failure:?}")] {
        assert!(!shown.contains("flag-secret"), "{shown}");
    }

    let conf = tend_index::PipConf::parse(
        "[global]\nindex-url = https://c:conf-secret@c.example/\n",
        Path::new("pip.conf"),
    )
    .unwrap();
    assert!(!format!("{conf:?}").contains("conf-secret"));
}

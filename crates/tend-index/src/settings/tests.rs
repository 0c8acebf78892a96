use std::collections::HashMap;

use super::*;

fn given_in(value: &str, base: Option<&Path>) -> Given {
    given(value, IndexOrigin::Flag, "--index-url".to_string(), base)
}

fn url(value: &str, base: Option<&Path>) -> Result<String, String> {
    index_url(&given_in(value, base))
        .map(|url| url.to_string())
        .map_err(|error| error.to_string())
}

#[test]
fn urls_get_a_trailing_slash_and_keep_credentials() {
    assert_eq!(
        url("https://host/simple", None).unwrap(),
        "https://host/simple/"
    );
    assert_eq!(
        url("  HTTP://Host:8080/simple/  ", None).unwrap(),
        "http://host:8080/simple/"
    );
    assert_eq!(url("https://host", None).unwrap(), "https://host/");
    assert_eq!(
        url("https://u:p%40ss@host/simple", None).unwrap(),
        "https://u:p%40ss@host/simple/"
    );
    assert_eq!(
        url("file:///srv/index", None).unwrap(),
        "file:///srv/index/"
    );
}

#[test]
fn directories_become_file_urls() {
    let dir = tempfile::tempdir().unwrap();
    let base = dir.path();
    fs_err::create_dir_all(base.join("mirror")).unwrap();
    let expected = |path: &Path| Url::from_directory_path(path).unwrap().to_string();
    assert_eq!(url(base.to_str().unwrap(), None).unwrap(), expected(base));
    assert_eq!(
        url("./mirror", Some(base)).unwrap(),
        expected(&base.join("mirror"))
    );
    // An existing directory needs no `./`; one that does not exist yet does.
    assert_eq!(
        url("mirror", Some(base)).unwrap(),
        expected(&base.join("mirror"))
    );
    assert_eq!(
        url("../elsewhere/./index", Some(&base.join("mirror"))).unwrap(),
        expected(&base.join("elsewhere/index"))
    );
}

#[test]
fn values_that_are_neither_url_nor_directory_are_errors_naming_the_place() {
    let dir = tempfile::tempdir().unwrap();
    let cases = [
        (
            "pypi.org/simple",
            "no scheme such as `https://`, and not an existing directory",
        ),
        ("ftp://host/simple", "the scheme `ftp` is not supported"),
        ("https://", "empty host"),
        ("~/index", "`~` is not expanded"),
        ("", "it is empty"),
    ];
    for (value, reason) in cases {
        let message = url(value, Some(dir.path())).unwrap_err();
        assert!(message.starts_with("--index-url: `"), "{message}");
        assert!(message.contains(reason), "{value}: {message}");
        assert!(
            message.contains("expected `https://host/simple/`"),
            "{message}"
        );
    }
    let message = url("./relative", None).unwrap_err();
    assert!(
        message.contains("no directory to resolve it against"),
        "{message}"
    );
}

#[test]
fn bad_url_errors_hide_credentials() {
    for value in [
        "https://alice:s3cret@host:99999/simple",
        "ftp://alice:s3cret@host/simple",
        "https://alice:s3cret@/simple",
    ] {
        let message = url(value, None).unwrap_err();
        assert!(!message.contains("s3cret"), "{message}");
        assert!(message.contains("****"), "{message}");
    }
}

#[test]
fn redact_text_handles_unparseable_urls_and_plain_text() {
    assert_eq!(redact_text("https://a:b@host/x"), "https://a:****@host/x");
    assert_eq!(redact_text("https://tok@host/x"), "https://****@host/x");
    assert_eq!(
        redact_text("https://a:b@host:99999/x@y"),
        "https://****@host:99999/x@y"
    );
    assert_eq!(redact_text("./dir@home"), "./dir@home");
    assert_eq!(redact_text("no url"), "no url");
}

#[test]
fn booleans_as_pip_and_uv_read_them() {
    for text in ["1", "true", "YES", "on", "y", "t", " True "] {
        assert_eq!(parse_bool(text), Some(true), "{text}");
    }
    for text in ["0", "false", "No", "off", "n", "f"] {
        assert_eq!(parse_bool(text), Some(false), "{text}");
    }
    assert_eq!(parse_bool("maybe"), None);
}

fn lookup(pairs: &[(&str, &str)]) -> impl Fn(&str) -> Option<OsString> {
    let map: HashMap<String, OsString> = pairs
        .iter()
        .map(|(name, value)| ((*name).to_string(), OsString::from(value)))
        .collect();
    move |name| map.get(name).cloned()
}

fn strings(paths: &[PathBuf]) -> Vec<String> {
    paths
        .iter()
        .map(|path| path.to_string_lossy().into_owned())
        .collect()
}

#[test]
fn pip_conf_paths_on_unix_in_pips_order() {
    let home = Path::new("/home/u");
    let venv = Path::new("/work/.venv");
    assert_eq!(
        strings(&pip_conf_paths_on(
            Platform::Unix,
            &lookup(&[]),
            Some(home),
            Some(venv)
        )),
        [
            "/etc/xdg/pip/pip.conf",
            "/etc/pip.conf",
            "/home/u/.pip/pip.conf",
            "/home/u/.config/pip/pip.conf",
            "/work/.venv/pip.conf",
        ]
    );
    assert_eq!(
        strings(&pip_conf_paths_on(
            Platform::Unix,
            &lookup(&[
                ("XDG_CONFIG_DIRS", "/a:relative:/b"),
                ("XDG_CONFIG_HOME", "/xdg"),
                ("PIP_CONFIG_FILE", "/does/not/exist.conf"),
            ]),
            Some(home),
            None
        )),
        [
            "/a/pip/pip.conf",
            "/b/pip/pip.conf",
            "/etc/pip.conf",
            "/home/u/.pip/pip.conf",
            "/xdg/pip/pip.conf",
            "/does/not/exist.conf",
        ]
    );
}

#[test]
fn an_existing_pip_config_file_replaces_the_user_files_and_dev_null_turns_all_off() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("ci.conf");
    fs_err::write(&config, "[global]\n").unwrap();
    let config_text = config.to_str().unwrap();
    let paths = pip_conf_paths_on(
        Platform::Unix,
        &lookup(&[("PIP_CONFIG_FILE", config_text)]),
        Some(Path::new("/home/u")),
        Some(Path::new("/venv")),
    );
    assert_eq!(
        strings(&paths),
        [
            "/etc/xdg/pip/pip.conf",
            "/etc/pip.conf",
            "/venv/pip.conf",
            config_text
        ]
    );
    assert!(pip_conf_paths_on(
        Platform::Unix,
        &lookup(&[("PIP_CONFIG_FILE", "/dev/null")]),
        Some(Path::new("/home/u")),
        None
    )
    .is_empty());
    assert!(pip_conf_paths_on(
        Platform::Windows,
        &lookup(&[("PIP_CONFIG_FILE", "nul")]),
        None,
        None
    )
    .is_empty());
}

#[test]
fn pip_conf_paths_on_macos_and_windows() {
    let home = tempfile::tempdir().unwrap();
    let home_text = home.path().to_str().unwrap();
    let mac = |home: &Path| {
        strings(&pip_conf_paths_on(
            Platform::MacOs,
            &lookup(&[("XDG_CONFIG_HOME", "/ignored")]),
            Some(home),
            None,
        ))
    };
    assert_eq!(
        mac(home.path()),
        [
            "/Library/Application Support/pip/pip.conf".to_string(),
            format!("{home_text}/.pip/pip.conf"),
            format!("{home_text}/.config/pip/pip.conf"),
        ]
    );
    fs_err::create_dir_all(home.path().join("Library/Application Support/pip")).unwrap();
    assert_eq!(
        mac(home.path())[2],
        format!("{home_text}/Library/Application Support/pip/pip.conf")
    );

    let windows = pip_conf_paths_on(
        Platform::Windows,
        &lookup(&[("APPDATA", "/appdata"), ("PROGRAMDATA", "/programdata")]),
        Some(Path::new("/users/u")),
        Some(Path::new("/venv")),
    );
    assert_eq!(
        windows,
        [
            Path::new("/programdata").join("pip").join("pip.ini"),
            Path::new("/users/u").join("pip").join("pip.ini"),
            Path::new("/appdata").join("pip").join("pip.ini"),
            Path::new("/venv").join("pip.ini"),
        ]
    );
}

#[test]
fn netrc_path_prefers_netrc_variable_then_dot_netrc_then_underscore() {
    let home = tempfile::tempdir().unwrap();
    assert_eq!(
        netrc_path(&lookup(&[("NETRC", "/custom")]), Some(home.path())),
        Some(PathBuf::from("/custom"))
    );
    assert_eq!(
        netrc_path(&lookup(&[]), Some(home.path())),
        Some(home.path().join(".netrc"))
    );
    fs_err::write(home.path().join("_netrc"), "").unwrap();
    assert_eq!(
        netrc_path(&lookup(&[]), Some(home.path())),
        Some(home.path().join("_netrc"))
    );
    fs_err::write(home.path().join(".netrc"), "").unwrap();
    assert_eq!(
        netrc_path(&lookup(&[]), Some(home.path())),
        Some(home.path().join(".netrc"))
    );
    assert_eq!(netrc_path(&lookup(&[]), None), None);
}

#[test]
fn realms_compare_scheme_host_and_effective_port() {
    let parse = |text: &str| Url::parse(text).unwrap();
    assert!(same_realm(
        &parse("https://Host/a/"),
        &parse("https://host:443/b/")
    ));
    assert!(!same_realm(
        &parse("https://host/a/"),
        &parse("http://host/a/")
    ));
    assert!(!same_realm(
        &parse("https://host/a/"),
        &parse("https://host:8443/a/")
    ));
}

/// A cheap stand-in for a fuzz run: the hand-written readers return a value or an error for any
/// text, never panic (slicing is where they could).
#[test]
fn readers_never_panic_on_arbitrary_text() {
    const PIECES: &[&str] = &[
        "[",
        "]",
        "=",
        ":",
        "#",
        ";",
        " ",
        "\t",
        "\n",
        "\r\n",
        "\"",
        "\\",
        "a",
        "é",
        "\u{feff}",
        "://",
        "@",
        "/",
        "global",
        "install",
        "DEFAULT",
        "index-url",
        "extra_index_url",
        "no-index",
        "machine",
        "default",
        "macdef",
        "login",
        "password",
        "account",
        "https",
    ];
    let mut state: u64 = 0x9e37_79b9_7f4a_7c15;
    let mut next = || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    for _ in 0..5_000 {
        let length = next() % 40;
        let text: String = (0..length)
            .map(|_| PIECES[usize::try_from(next() % PIECES.len() as u64).unwrap()])
            .collect();
        let _ = PipConf::parse(&text, Path::new("pip.conf"));
        let _ = Netrc::parse(&text, Path::new(".netrc"));
        let _ = redact_text(&text);
        let _ = index_url(&given_in(&text, Some(Path::new("/nonexistent-base"))));
    }
}

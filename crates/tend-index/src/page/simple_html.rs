//! PEP 503 HTML project pages: every `<a href>` is a file, with PEP 592 `data-yanked`,
//! `data-requires-python`, the PEP 629 `pypi:repository-version` meta tag and `<base href>`;
//! a link's URL fragment (`#sha256=…`) gives the file's hashes (see [`super`]).
//!
//! A hand-written tag scanner rather than an HTML crate. A project page is a flat list of links
//! plus at most one `<base>` and one `<meta>` that matter; what has to be right are the
//! tokenizer's rules (quoted and unquoted attributes, comments, raw-text elements such as
//! `<script>`, character references), not a tree. Scanning itself keeps the byte offset of
//! everything, so an error names its line and column, and it tells a page cut short (ending
//! inside a tag, a comment or an open `<a>`) from a complete one, which lenient parsers such as
//! `tl` accept without a word. It does one pass, allocates only for the links it keeps, never
//! recurses, and is fuzzed (`fuzz/fuzz_targets/simple_page.rs`).

use std::borrow::Cow;

use percent_encoding::percent_decode_str;
use url::Url;

use super::{check_api_version, file_hashes, IndexFile, Located, ProjectPage};

/// One attribute of a tag, as written (character references not yet decoded).
#[derive(Debug, Clone, Copy)]
struct Attribute<'a> {
    name: &'a str,
    value: &'a str,
    /// Byte offset of the value (of the name when there is no value).
    offset: usize,
}

/// An `<a>` element being read or read.
#[derive(Debug)]
struct Anchor<'a> {
    /// Byte offset of its `<`.
    start: usize,
    href: Option<Attribute<'a>>,
    requires_python: Option<&'a str>,
    yanked: Option<&'a str>,
    /// The text inside, references decoded.
    text: String,
}

/// The attributes of `<a>`, `<base>` and `<meta>` the reader uses.
const WANTED: &[&str] = &[
    "href",
    "data-requires-python",
    "data-yanked",
    "name",
    "content",
];

/// Elements whose content is text up to their end tag, never markup.
const RAW_TEXT: &[&str] = &[
    "script", "style", "title", "textarea", "xmp", "iframe", "noembed", "noframes",
];

pub(super) fn parse(text: &str, page_url: &Url) -> Result<ProjectPage, Located> {
    let bytes = text.as_bytes();
    let mut anchors: Vec<Anchor<'_>> = Vec::new();
    let mut open: Option<Anchor<'_>> = None;
    let mut base: Option<Attribute<'_>> = None;
    let mut repository_version: Option<Attribute<'_>> = None;
    let mut attributes: Vec<Attribute<'_>> = Vec::new();
    let mut pos = 0;

    while pos < bytes.len() {
        let Some(lt) = find_byte(bytes, pos, b'<') else {
            if let Some(anchor) = open.as_mut() {
                anchor.text.push_str(&decode(slice(text, pos, bytes.len())));
            }
            break;
        };
        if let Some(anchor) = open.as_mut() {
            anchor.text.push_str(&decode(slice(text, pos, lt)));
        }
        match bytes.get(lt + 1) {
            Some(b'!') if slice(text, lt, bytes.len()).starts_with("<!--") => {
                pos = comment_end(text, lt)?;
            }
            Some(b'!' | b'?') => {
                // A doctype or a bogus comment: both end at the first `>`.
                pos = find_byte(bytes, lt + 2, b'>')
                    .map(|gt| gt + 1)
                    .ok_or_else(|| cut_short(lt, "the `<!` declaration", "`>`"))?;
            }
            Some(b'/') => match bytes.get(lt + 2) {
                Some(byte) if byte.is_ascii_alphabetic() => {
                    let name_end = tag_name_end(bytes, lt + 2);
                    let name = slice(text, lt + 2, name_end);
                    attributes.clear();
                    pos = read_attributes(text, name_end, lt, name, &mut attributes)?;
                    let closes_anchor = ["a", "body", "html"]
                        .iter()
                        .any(|closing| name.eq_ignore_ascii_case(closing));
                    if closes_anchor {
                        anchors.extend(open.take());
                    }
                }
                Some(b'>') => pos = lt + 3,
                Some(_) => {
                    pos = find_byte(bytes, lt + 2, b'>')
                        .map(|gt| gt + 1)
                        .ok_or_else(|| cut_short(lt, "the `</` tag", "`>`"))?;
                }
                None => return Err(cut_short(lt, "the `</` tag", "a tag name and `>`")),
            },
            Some(byte) if byte.is_ascii_alphabetic() => {
                let name_end = tag_name_end(bytes, lt + 1);
                let name = slice(text, lt + 1, name_end);
                attributes.clear();
                pos = read_attributes(text, name_end, lt, name, &mut attributes)?;
                if name.eq_ignore_ascii_case("a") {
                    // An `<a>` inside an `<a>` ends the first, as browsers read it.
                    anchors.extend(open.take());
                    open = Some(Anchor {
                        start: lt,
                        href: attribute(&attributes, "href"),
                        requires_python: attribute(&attributes, "data-requires-python")
                            .map(|attribute| attribute.value),
                        yanked: attribute(&attributes, "data-yanked")
                            .map(|attribute| attribute.value),
                        text: String::new(),
                    });
                } else if name.eq_ignore_ascii_case("base") {
                    // Only the first `<base href>` counts, wherever it stands.
                    if base.is_none() {
                        base = attribute(&attributes, "href");
                    }
                } else if name.eq_ignore_ascii_case("meta") {
                    let is_version = attribute(&attributes, "name").is_some_and(|name| {
                        name.value.eq_ignore_ascii_case("pypi:repository-version")
                    });
                    if is_version && repository_version.is_none() {
                        repository_version = attribute(&attributes, "content");
                    }
                } else if let Some(raw) = RAW_TEXT.iter().find(|raw| name.eq_ignore_ascii_case(raw))
                {
                    pos = raw_text_end(text, pos, raw).ok_or_else(|| {
                        cut_short(
                            lt,
                            &format!("the `<{raw}>` element"),
                            &format!("`</{raw}>`"),
                        )
                    })?;
                }
            }
            Some(_) => {
                // A `<` that starts no tag is text, as in `a < b`.
                if let Some(anchor) = open.as_mut() {
                    anchor.text.push('<');
                }
                pos = lt + 1;
            }
            None => {
                return Err(Located::at(
                    lt,
                    "the page ends with `<`: expected a tag (is the page cut short?)",
                ))
            }
        }
    }
    if let Some(anchor) = open {
        return Err(cut_short(
            anchor.start,
            "the `<a>` element opened here",
            "`</a>`",
        ));
    }

    let api_version = match repository_version {
        Some(attribute) => {
            let version = decode(attribute.value).trim().to_owned();
            check_api_version(&version)
                .map_err(|message| Located::at(attribute.offset, message))?;
            Some(version)
        }
        None => None,
    };
    let base_url = match base {
        Some(attribute) => {
            let href = decode(attribute.value);
            let href = href.trim();
            page_url.join(href).map_err(|error| {
                Located::at(
                    attribute.offset,
                    format!("`<base href=\"{href}\">` is not a URL ({error}); expected the URL links are relative to"),
                )
            })?
        }
        None => page_url.clone(),
    };
    let mut files = Vec::with_capacity(anchors.len());
    for anchor in anchors {
        // An anchor without a link (`<a name=…>`) names no file.
        let Some(href) = anchor.href else { continue };
        let link = decode(href.value);
        let link = link.trim();
        let url = base_url.join(link).map_err(|error| {
            Located::at(
                href.offset,
                format!("link `{link}` is not a URL ({error}); expected the file's absolute or relative URL"),
            )
        })?;
        let text = anchor.text.trim();
        let filename = if text.is_empty() {
            last_segment(&url)
        } else {
            text.to_owned()
        };
        let hashes = file_hashes([], &url);
        files.push(IndexFile {
            filename,
            url,
            requires_python: anchor
                .requires_python
                .map(|limit| decode(limit).trim().to_owned())
                .filter(|limit| !limit.is_empty()),
            yanked: anchor.yanked.is_some(),
            yank_reason: anchor
                .yanked
                .map(|reason| decode(reason).trim().to_owned())
                .filter(|reason| !reason.is_empty()),
            upload_time: None,
            hashes,
        });
    }
    Ok(ProjectPage {
        files,
        versions: Vec::new(),
        api_version,
    })
}

/// The error for markup the page ends inside: a page cut short in transfer, or not HTML.
fn cut_short(start: usize, what: &str, expected: &str) -> Located {
    Located::at(
        start,
        format!("{what} is not closed before the page ends: expected {expected} (is the page cut short?)"),
    )
}

fn attribute<'a>(attributes: &[Attribute<'a>], name: &str) -> Option<Attribute<'a>> {
    attributes
        .iter()
        .find(|attribute| attribute.name.eq_ignore_ascii_case(name))
        .copied()
}

/// Where the comment starting at `lt` (`<!--`) ends.
fn comment_end(text: &str, lt: usize) -> Result<usize, Located> {
    let body = lt + 4;
    let rest = slice(text, body, text.len());
    // `<!-->` and `<!--->` are complete (empty) comments.
    if rest.starts_with('>') {
        return Ok(body + 1);
    }
    if rest.starts_with("->") {
        return Ok(body + 2);
    }
    rest.find("-->")
        .map(|end| body + end + 3)
        .ok_or_else(|| cut_short(lt, "the comment `<!--`", "`-->`"))
}

/// Reads the attributes of a tag from `pos` (just after its name) to its `>`, keeping the
/// [`WANTED`] ones in `out` (the first of a repeated name wins, as in browsers). Returns the
/// offset after `>`.
fn read_attributes<'a>(
    text: &'a str,
    mut pos: usize,
    tag_start: usize,
    tag_name: &str,
    out: &mut Vec<Attribute<'a>>,
) -> Result<usize, Located> {
    let bytes = text.as_bytes();
    let unclosed = || cut_short(tag_start, &format!("the `<{tag_name}` tag"), "`>`");
    loop {
        while bytes
            .get(pos)
            .is_some_and(|&byte| is_space(byte) || byte == b'/')
        {
            pos += 1;
        }
        match bytes.get(pos) {
            None => return Err(unclosed()),
            Some(b'>') => return Ok(pos + 1),
            Some(_) => {}
        }
        let name_start = pos;
        // The first character of a name may be `=`; any later `=` starts the value.
        pos += 1;
        while bytes
            .get(pos)
            .is_some_and(|&byte| !is_space(byte) && !matches!(byte, b'/' | b'>' | b'='))
        {
            pos += 1;
        }
        let name = slice(text, name_start, pos);
        pos = skip_spaces(bytes, pos);
        let (value, offset) = if bytes.get(pos) == Some(&b'=') {
            pos = skip_spaces(bytes, pos + 1);
            match bytes.get(pos) {
                None => return Err(unclosed()),
                Some(&quote @ (b'"' | b'\'')) => {
                    let end = find_byte(bytes, pos + 1, quote).ok_or_else(|| {
                        cut_short(
                            pos,
                            &format!("the value of `{name}`"),
                            &format!("a closing `{}`", char::from(quote)),
                        )
                    })?;
                    let value = slice(text, pos + 1, end);
                    let offset = pos + 1;
                    pos = end + 1;
                    (value, offset)
                }
                // `name=>` has an empty value and ends the tag.
                Some(b'>') => ("", pos),
                Some(_) => {
                    let start = pos;
                    while bytes
                        .get(pos)
                        .is_some_and(|&byte| !is_space(byte) && byte != b'>')
                    {
                        pos += 1;
                    }
                    (slice(text, start, pos), start)
                }
            }
        } else {
            ("", name_start)
        };
        // Only the attributes read later are kept, so a tag with a million attributes costs a
        // scan, not a million lookups.
        let wanted = WANTED
            .iter()
            .any(|wanted| name.eq_ignore_ascii_case(wanted));
        if wanted && attribute(out, name).is_none() {
            out.push(Attribute {
                name,
                value,
                offset,
            });
        }
    }
}

/// Where the raw-text element `name` whose content starts at `pos` ends (after its end tag).
fn raw_text_end(text: &str, mut pos: usize, name: &str) -> Option<usize> {
    let bytes = text.as_bytes();
    loop {
        let lt = pos + slice(text, pos, text.len()).find("</")?;
        let name_start = lt + 2;
        let name_end = name_start + name.len();
        let matches = bytes
            .get(name_start..name_end)
            .is_some_and(|candidate| candidate.eq_ignore_ascii_case(name.as_bytes()));
        let ends = matches!(bytes.get(name_end), Some(&byte) if is_space(byte) || byte == b'/' || byte == b'>');
        if matches && ends {
            return find_byte(bytes, name_end, b'>').map(|gt| gt + 1);
        }
        pos = name_start;
    }
}

fn tag_name_end(bytes: &[u8], mut pos: usize) -> usize {
    while bytes
        .get(pos)
        .is_some_and(|&byte| !is_space(byte) && byte != b'/' && byte != b'>')
    {
        pos += 1;
    }
    pos
}

fn skip_spaces(bytes: &[u8], mut pos: usize) -> usize {
    while bytes.get(pos).is_some_and(|&byte| is_space(byte)) {
        pos += 1;
    }
    pos
}

/// HTML's whitespace.
fn is_space(byte: u8) -> bool {
    matches!(byte, b' ' | b'\t' | b'\n' | b'\r' | b'\x0c')
}

fn find_byte(bytes: &[u8], from: usize, byte: u8) -> Option<usize> {
    bytes
        .get(from..)?
        .iter()
        .position(|&candidate| candidate == byte)
        .map(|index| from + index)
}

/// `text[start..end]`, or empty when that is not a slice of it. The scanner cuts only at ASCII
/// bytes, which are always character boundaries; this keeps a mistake from becoming a panic.
fn slice(text: &str, start: usize, end: usize) -> &str {
    text.get(start..end).unwrap_or_default()
}

/// The file name a link points at, for anchors without text.
fn last_segment(url: &Url) -> String {
    let segment = url
        .path_segments()
        .and_then(|mut segments| segments.next_back())
        .unwrap_or_default();
    percent_decode_str(segment)
        .decode_utf8_lossy()
        .trim()
        .to_owned()
}

/// Decodes character references: numeric ones, the named ones for ASCII punctuation, and `&amp`,
/// `&lt`, `&gt`, `&quot` without `;` (as pip's `html.unescape` does). Other named references
/// (letters such as `&eacute;`) never occur in file names, versions or URLs and are kept as
/// written.
fn decode(text: &str) -> Cow<'_, str> {
    if !text.contains('&') {
        return Cow::Borrowed(text);
    }
    let mut decoded = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(amp) = rest.find('&') {
        decoded.push_str(slice(rest, 0, amp));
        let after = slice(rest, amp + 1, rest.len());
        if let Some((character, used)) = reference(after) {
            decoded.push(character);
            rest = slice(after, used, after.len());
        } else {
            decoded.push('&');
            rest = after;
        }
    }
    decoded.push_str(rest);
    Cow::Owned(decoded)
}

/// The character a reference (the text after `&`) stands for, and how many bytes it took.
fn reference(after: &str) -> Option<(char, usize)> {
    let bytes = after.as_bytes();
    if bytes.first() == Some(&b'#') {
        let (radix, digits_start) = match bytes.get(1) {
            Some(b'x' | b'X') => (16, 2),
            _ => (10, 1),
        };
        let digits = slice(after, digits_start, after.len());
        let length = digits
            .bytes()
            .take_while(|&byte| char::from(byte).is_digit(radix))
            .count();
        if length == 0 {
            return None;
        }
        let value = slice(digits, 0, length).chars().fold(0u32, |value, digit| {
            value
                .saturating_mul(radix)
                .saturating_add(digit.to_digit(radix).unwrap_or_default())
        });
        let mut used = digits_start + length;
        if bytes.get(used) == Some(&b';') {
            used += 1;
        }
        // NUL, surrogates and numbers past Unicode read as the replacement character.
        let character = char::from_u32(value)
            .filter(|&character| character != '\0')
            .unwrap_or(char::REPLACEMENT_CHARACTER);
        return Some((character, used));
    }
    let length = bytes
        .iter()
        .take_while(|byte| byte.is_ascii_alphanumeric())
        .count();
    let name = slice(after, 0, length);
    if bytes.get(length) == Some(&b';') {
        return named(name).map(|character| (character, length + 1));
    }
    let character = match name {
        "amp" | "AMP" => '&',
        "lt" | "LT" => '<',
        "gt" | "GT" => '>',
        "quot" | "QUOT" => '"',
        _ => return None,
    };
    Some((character, length))
}

/// HTML's named references for ASCII characters.
fn named(name: &str) -> Option<char> {
    Some(match name {
        "amp" | "AMP" => '&',
        "lt" | "LT" => '<',
        "gt" | "GT" => '>',
        "quot" | "QUOT" => '"',
        "apos" => '\'',
        "nbsp" => '\u{a0}',
        "Tab" => '\t',
        "NewLine" => '\n',
        "excl" => '!',
        "num" => '#',
        "dollar" => '$',
        "percnt" => '%',
        "lpar" => '(',
        "rpar" => ')',
        "ast" | "midast" => '*',
        "plus" => '+',
        "comma" => ',',
        "period" => '.',
        "sol" => '/',
        "colon" => ':',
        "semi" => ';',
        "equals" => '=',
        "quest" => '?',
        "commat" => '@',
        "lsqb" | "lbrack" => '[',
        "bsol" => '\\',
        "rsqb" | "rbrack" => ']',
        "Hat" => '^',
        "lowbar" | "UnderBar" => '_',
        "grave" | "DiacriticalGrave" => '`',
        "lcub" | "lbrace" => '{',
        "verbar" | "vert" | "VerticalLine" => '|',
        "rcub" | "rbrace" => '}',
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn url() -> Url {
        Url::parse("https://index.example/simple/foo/").unwrap()
    }

    fn files(text: &str) -> Vec<IndexFile> {
        parse(text, &url()).unwrap().files
    }

    #[test]
    fn links_with_their_attributes() {
        let files = files(concat!(
            "<!DOCTYPE html>\n<html><body>\n",
            "<a href=\"https://files.example/foo-1.0.tar.gz#sha256=ab\" ",
            "data-requires-python=\"&gt;=3.8\">foo-1.0.tar.gz</a><br/>\n",
            "<a href='../../files/foo-1.1.tar.gz' data-yanked>foo-1.1.tar.gz</a>\n",
            "<a href=foo-1.2.tar.gz data-yanked=\"bad &amp; broken\">\n  foo-1.2.tar.gz\n</a>\n",
            "</body></html>\n",
        ));
        assert_eq!(files.len(), 3);
        assert_eq!(
            files[0].url.as_str(),
            "https://files.example/foo-1.0.tar.gz#sha256=ab"
        );
        assert_eq!(files[0].requires_python.as_deref(), Some(">=3.8"));
        assert!(!files[0].yanked);
        assert_eq!(
            files[1].url.as_str(),
            "https://index.example/files/foo-1.1.tar.gz"
        );
        assert!(files[1].yanked);
        assert_eq!(files[1].yank_reason, None);
        assert_eq!(files[2].filename, "foo-1.2.tar.gz");
        assert_eq!(
            files[2].url.as_str(),
            "https://index.example/simple/foo/foo-1.2.tar.gz"
        );
        assert_eq!(files[2].yank_reason.as_deref(), Some("bad & broken"));
        // `ab` is too short for a sha256 digest: skipped, as is a link without a fragment.
        assert!(files.iter().all(|file| file.hashes.is_empty()));
    }

    #[test]
    fn hashes_come_from_the_link_fragment() {
        let sha256 = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08";
        let sha1 = "a94a8fe5ccb19ba61c4c0873d391e987982fbbd3";
        let files = files(&format!(
            "<a href=\"foo-1.0.tar.gz#sha256={}\">foo-1.0.tar.gz</a>\
             <a href=\"foo-1.1.tar.gz#sha1={sha1}&amp;egg=foo\">foo-1.1.tar.gz</a>\
             <a href=\"foo-1.2.tar.gz#egg=foo\">foo-1.2.tar.gz</a>\
             <a href=\"foo-1.3.tar.gz#sha256=xyz\">foo-1.3.tar.gz</a>",
            sha256.to_ascii_uppercase()
        ));
        let hashes: Vec<Vec<String>> = files
            .iter()
            .map(|file| file.hashes.iter().map(ToString::to_string).collect())
            .collect();
        assert_eq!(
            hashes,
            [
                vec![format!("sha256:{sha256}")],
                vec![format!("sha1:{sha1}")],
                vec![],
                vec![],
            ]
        );
    }

    #[test]
    fn an_empty_link_text_falls_back_to_the_url() {
        let encoded = files("<a href=\"/f/foo-1.0%2Bcpu.tar.gz#sha256=00\"></a>");
        assert_eq!(encoded[0].filename, "foo-1.0+cpu.tar.gz");
        // Trimmed like link text, so a page written back from what was read reads the same.
        let spaced = files("<a href=\"/f/%20foo-1.0.tar.gz\"></a>");
        assert_eq!(spaced[0].filename, "foo-1.0.tar.gz");
    }

    #[test]
    fn base_href_is_honoured_wherever_it_stands() {
        let files = files(concat!(
            "<a href=\"foo-1.0.tar.gz\">foo-1.0.tar.gz</a>",
            "<base href=\"/mirror/foo/\"><base href=\"/ignored/\">",
        ));
        assert_eq!(
            files[0].url.as_str(),
            "https://index.example/mirror/foo/foo-1.0.tar.gz"
        );
    }

    #[test]
    fn markup_that_is_not_a_link_is_skipped() {
        let files = files(concat!(
            "<!-- <a href=\"commented-1.0.tar.gz\">x</a> -->",
            "<!--><!--->",
            "<script>var a = \"<a href='script-1.0.tar.gz'>\";</script >",
            "<STYLE>a </style><title>Links for <foo></title>",
            "<a name=\"top\">top</a>",
            "<p>1 < 2 &bogus; &#x3C;</p>",
            "<A HREF=\"foo-1.0.tar.gz\" Data-Yanked=\"\">foo-1.0<b>.tar.gz</b></A>",
        ));
        assert_eq!(files.len(), 1);
        assert_eq!(files[0].filename, "foo-1.0.tar.gz");
        assert!(files[0].yanked);
    }

    #[test]
    fn a_nested_anchor_ends_the_first() {
        let files = files("<a href=a>foo-1.0.tar.gz<a href=b>foo-1.1.tar.gz</a>");
        assert_eq!(files.len(), 2);
        assert_eq!(files[0].filename, "foo-1.0.tar.gz");
        assert_eq!(files[1].filename, "foo-1.1.tar.gz");
    }

    #[test]
    fn the_end_of_the_body_closes_an_anchor() {
        let files = files("<body><a href=a>foo-1.0.tar.gz</body>");
        assert_eq!(files[0].filename, "foo-1.0.tar.gz");
    }

    #[test]
    fn repository_version() {
        let page = parse(
            "<head><meta name=\"pypi:repository-version\" content=\"1.1\"></head>",
            &url(),
        )
        .unwrap();
        assert_eq!(page.api_version.as_deref(), Some("1.1"));
        let error = parse(
            "<head>\n<meta name=\"pypi:repository-version\" content=\"2.0\">",
            &url(),
        )
        .unwrap_err();
        assert_eq!(error.offset, Some(53));
        assert_eq!(
            error.message,
            "API version 2.0 is not supported; expected a 1.x page (PEP 629)"
        );
    }

    #[test]
    fn pages_cut_short_are_errors() {
        for (text, offset, message) in [
            (
                "<a href=\"foo-1.0.tar.gz\">foo-1.0",
                0,
                "the `<a>` element opened here is not closed before the page ends: expected `</a>`",
            ),
            (
                "<a href=\"foo-1.0.tar.gz\">foo-1.0.tar.gz</a>\n<a href=\"foo",
                52,
                "the value of `href` is not closed before the page ends: expected a closing `\"`",
            ),
            (
                "<a href=foo-1.0.tar.gz",
                0,
                "the `<a` tag is not closed before the page ends: expected `>`",
            ),
            (
                "<p>text<!-- a comment",
                7,
                "the comment `<!--` is not closed before the page ends: expected `-->`",
            ),
            (
                "<script>x",
                0,
                "the `<script>` element is not closed before the page ends: expected `</script>`",
            ),
            (
                "<a href=x>y</a><",
                15,
                "the page ends with `<`: expected a tag",
            ),
            ("</", 0, "the `</` tag is not closed"),
            ("<!DOCTYPE html", 0, "the `<!` declaration is not closed"),
        ] {
            let error = parse(text, &url()).unwrap_err();
            assert_eq!(error.offset, Some(offset), "{text}");
            assert!(
                error.message.starts_with(message),
                "{text}: {}",
                error.message
            );
        }
    }

    #[test]
    fn bad_links_are_errors_at_the_link() {
        let error = parse("<p>\n<a href=\"https://[::1/x\">x</a>", &url()).unwrap_err();
        assert_eq!(error.offset, Some(13));
        assert!(error
            .message
            .starts_with("link `https://[::1/x` is not a URL"));
        let error = parse("<base href=\"http://[\"><a href=x>x</a>", &url()).unwrap_err();
        assert_eq!(error.offset, Some(12));
    }

    #[test]
    fn a_tag_with_very_many_attributes_is_read_in_one_pass() {
        use std::fmt::Write as _;
        let mut text = String::from("<a ");
        for index in 0..200_000 {
            write!(text, "data-x{index}=1 ").unwrap();
        }
        text.push_str("href=foo-1.0.tar.gz>foo-1.0.tar.gz</a>");
        assert_eq!(files(&text)[0].filename, "foo-1.0.tar.gz");
    }

    #[test]
    fn character_references() {
        assert_eq!(decode("&gt;=3.8"), ">=3.8");
        assert_eq!(decode("&gt=3.8"), ">=3.8");
        assert_eq!(decode("&lt;4,&#62;=3&#x2e;8"), "<4,>=3.8");
        assert_eq!(decode("&excl;=3.9&comma;&GT;3"), "!=3.9,>3");
        assert_eq!(decode("a&b;c&#;d&eacute;&"), "a&b;c&#;d&eacute;&");
        assert_eq!(
            decode("&#0;&#xD800;&#99999999999;"),
            "\u{fffd}\u{fffd}\u{fffd}"
        );
        assert_eq!(decode("plain"), "plain");
        assert!(matches!(decode("plain"), Cow::Borrowed(_)));
    }

    #[test]
    fn odd_attributes() {
        let first = files("<a href = 'x.tar.gz' href=y =z data-yanked=>x</a>");
        assert_eq!(
            first[0].url.as_str(),
            "https://index.example/simple/foo/x.tar.gz"
        );
        assert!(first[0].yanked);
        let second = files("<a/href=z.tar.gz/>é</a>");
        assert_eq!(
            second[0].url.as_str(),
            "https://index.example/simple/foo/z.tar.gz/"
        );
        assert_eq!(second[0].filename, "é");
    }
}

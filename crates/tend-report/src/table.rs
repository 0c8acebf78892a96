//! A plain-text table with aligned columns, readable without colour.

/// Rows of cells under a header; every column as wide as its widest cell.
#[derive(Debug, Clone, Default)]
pub struct Table {
    header: Vec<String>,
    rows: Vec<Vec<String>>,
}

impl Table {
    pub fn new<I, S>(header: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        Self {
            header: header.into_iter().map(Into::into).collect(),
            rows: Vec::new(),
        }
    }

    pub fn push<I, S>(&mut self, row: I)
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.rows.push(row.into_iter().map(Into::into).collect());
    }

    pub fn is_empty(&self) -> bool {
        self.rows.is_empty()
    }

    /// The table as lines, trailing spaces trimmed; a cell with newlines continues below.
    pub fn render(&self) -> String {
        let mut out = String::new();
        self.render_into(&mut out);
        out
    }

    /// [`Table::render`], appended to `out`.
    pub fn render_into(&self, out: &mut String) {
        let columns = self.header.len();
        let mut widths: Vec<usize> = self.header.iter().map(|cell| text_width(cell)).collect();
        let mut lines = 2;
        // Most rows are one line: they are written without splitting their cells into lines.
        let mut one_line = Vec::with_capacity(self.rows.len());
        for row in &self.rows {
            let mut height = 1;
            for (index, cell) in row.iter().enumerate().take(columns) {
                if is_one_line(cell) {
                    widths[index] = widths[index].max(text_width(cell));
                    continue;
                }
                let mut count = 0;
                for line in cell.lines() {
                    widths[index] = widths[index].max(text_width(line));
                    count += 1;
                }
                height = height.max(count);
            }
            lines += height;
            one_line.push(row.iter().all(|cell| is_one_line(cell)));
        }
        // Every line is at most as long as the widest row, in bytes for ASCII text: one
        // allocation for the whole table in the usual case.
        let line_len: usize = widths.iter().map(|width| width + 2).sum();
        out.reserve(lines * (line_len + 1));
        write_row(out, self.header.iter().map(String::as_str), &widths);
        let mut rule = String::with_capacity(line_len);
        for (index, width) in widths.iter().enumerate() {
            if index > 0 {
                rule.push_str("  ");
            }
            push_run(&mut rule, DASHES, *width);
        }
        out.push_str(rule.trim_end());
        out.push('\n');
        let mut cells: Vec<std::str::Lines<'_>> = Vec::with_capacity(columns);
        for (row, one_line) in self.rows.iter().zip(one_line) {
            if one_line {
                write_row(
                    out,
                    (0..columns).map(|column| row.get(column).map_or("", String::as_str)),
                    &widths,
                );
                continue;
            }
            cells.clear();
            cells.extend(
                (0..columns).map(|column| row.get(column).map_or("", String::as_str).lines()),
            );
            let height = row
                .iter()
                .map(|cell| cell.lines().count().max(1))
                .max()
                .unwrap_or(1);
            for _ in 0..height {
                write_row(
                    out,
                    cells.iter_mut().map(|lines| lines.next().unwrap_or("")),
                    &widths,
                );
            }
        }
    }
}

/// The width of a cell line in characters, as the columns are aligned by.
fn text_width(text: &str) -> usize {
    if text.is_ascii() {
        text.len()
    } else {
        text.chars().count()
    }
}

/// Whether `cell` is shown on one line: `str::lines` gives it back whole (or nothing when empty).
fn is_one_line(cell: &str) -> bool {
    !cell.bytes().any(|byte| byte == b'\n' || byte == b'\r')
}

const SPACES: &str = "                                                                ";
const DASHES: &str = "----------------------------------------------------------------";

/// `count` characters of `run` (one ASCII character repeated), pushed a slice at a time.
fn push_run(out: &mut String, run: &str, mut count: usize) {
    while count > 0 {
        let step = count.min(run.len());
        out.push_str(&run[..step]);
        count -= step;
    }
}

/// One line: each cell left-aligned in its column, two spaces between columns, the last cell
/// as it is, trailing whitespace trimmed.
fn write_row<'a>(out: &mut String, cells: impl Iterator<Item = &'a str>, widths: &[usize]) {
    let start = out.len();
    for ((index, width), cell) in widths.iter().enumerate().zip(cells) {
        out.push_str(cell);
        if index + 1 < widths.len() {
            push_run(out, SPACES, width.saturating_sub(text_width(cell)) + 2);
        }
    }
    let kept = out[start..].trim_end().len();
    out.truncate(start + kept);
    out.push('\n');
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn aligns_columns_and_wraps_multiline_cells() {
        let mut table = Table::new(["Package", "Installed", "Declared"]);
        table.push([
            "flask",
            "2.2.3",
            "==2.2.3 requirements.txt:1\n>=2 pyproject.toml:7",
        ]);
        table.push(["sqlalchemy", "", "==1.4.25 requirements.txt:2"]);
        insta::assert_snapshot!(table.render(), @r"
        Package     Installed  Declared
        ----------  ---------  ---------------------------
        flask       2.2.3      ==2.2.3 requirements.txt:1
                               >=2 pyproject.toml:7
        sqlalchemy             ==1.4.25 requirements.txt:2
        ");
    }

    #[test]
    fn counts_characters_not_bytes_and_keeps_extra_lines() {
        let mut table = Table::new(["Name", "Note"]);
        table.push(["é", "x "]);
        table.push(["Ünïcödé", "y"]);
        // A cell beyond the header is not shown, but its lines still give the row its height.
        table.push(["ab", "", "hidden\nhidden"]);
        table.push(["crlf", "a\r\nb"]);
        assert_eq!(
            table.render(),
            "Name     Note\n-------  ----\né        x\nÜnïcödé  y\nab\n\ncrlf     a\n         b\n"
        );
    }
}

//! A plain-text table with aligned columns, readable without colour.

use std::fmt::Write as _;

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
        let columns = self.header.len();
        let mut widths: Vec<usize> = self
            .header
            .iter()
            .map(|cell| cell.chars().count())
            .collect();
        for row in &self.rows {
            for (index, cell) in row.iter().enumerate().take(columns) {
                for line in cell.lines() {
                    widths[index] = widths[index].max(line.chars().count());
                }
            }
        }
        let mut out = String::new();
        write_row(&mut out, &self.header, &widths);
        let rule: Vec<String> = widths.iter().map(|width| "-".repeat(*width)).collect();
        write_row(&mut out, &rule, &widths);
        for row in &self.rows {
            let height = row
                .iter()
                .map(|cell| cell.lines().count().max(1))
                .max()
                .unwrap_or(1);
            for line_index in 0..height {
                let cells: Vec<String> = (0..columns)
                    .map(|column| {
                        row.get(column)
                            .and_then(|cell| cell.lines().nth(line_index))
                            .unwrap_or("")
                            .to_string()
                    })
                    .collect();
                write_row(&mut out, &cells, &widths);
            }
        }
        out
    }
}

fn write_row(out: &mut String, cells: &[String], widths: &[usize]) {
    let mut line = String::new();
    for (index, width) in widths.iter().enumerate() {
        let cell = cells.get(index).map_or("", String::as_str);
        if index + 1 == widths.len() {
            line.push_str(cell);
        } else {
            let _ = write!(line, "{cell:<width$}  ");
        }
    }
    out.push_str(line.trim_end());
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
}

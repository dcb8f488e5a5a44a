//! How results are printed: a table on a terminal, JSON when piped, or the `--format` asked
//! for (table, json, yaml, csv).

use std::io::{IsTerminal as _, Write};

use clap::ValueEnum;
use comfy_table::{ContentArrangement, Table, presets};
use serde_json::{Map, Value};

use crate::error::CliError;

/// An output format.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub(crate) enum Format {
    /// A table for people (the default on a terminal).
    Table,
    /// Pretty JSON (the default when stdout is not a terminal).
    Json,
    /// YAML.
    Yaml,
    /// CSV: one row per item, nested values as JSON.
    Csv,
}

impl Format {
    /// The format asked for, else table on a terminal and JSON otherwise.
    pub(crate) fn resolve(asked: Option<Format>) -> Format {
        asked.unwrap_or_else(|| {
            if std::io::stdout().is_terminal() {
                Format::Table
            } else {
                Format::Json
            }
        })
    }
}

/// Longest cell a table shows before cutting it with `…`.
const CELL_CHARS: usize = 60;
/// Most columns a list table shows (the other fields are in `--format json`).
const TABLE_COLUMNS: usize = 8;

/// Prints `value` to stdout in `format`.
pub(crate) fn print(value: &Value, format: Format) -> Result<(), CliError> {
    let text = render(value, format)?;
    let mut stdout = std::io::stdout().lock();
    stdout
        .write_all(text.as_bytes())
        .and_then(|()| stdout.flush())
        .map_err(|error| CliError::general(format!("cannot write the output: {error}")))
}

/// `value` as text in `format`, ending with a newline.
pub(crate) fn render(value: &Value, format: Format) -> Result<String, CliError> {
    let mut text = match format {
        Format::Json => serde_json::to_string_pretty(value).expect("a JSON value serializes"),
        Format::Yaml => serde_norway::to_string(value)
            .map_err(|error| CliError::general(format!("cannot write YAML: {error}")))?,
        Format::Csv => csv_text(value)?,
        Format::Table => table_text(value),
    };
    if !text.ends_with('\n') {
        text.push('\n');
    }
    Ok(text)
}

/// What a table or CSV shows: a list of items, or one object.
enum Shape<'a> {
    Rows(&'a [Value]),
    Single(&'a Map<String, Value>),
    Scalar(&'a Value),
}

/// Finds the items of a response: an array itself, the `data` of a Conversation AI answer, or
/// the one list field of a page (`agents`, `callLogs`, `voices`…).
fn shape(value: &Value) -> Shape<'_> {
    match value {
        Value::Array(items) => Shape::Rows(items),
        Value::Object(object) => {
            if let Some(data) = object.get("data")
                && object.keys().all(|key| key == "data" || key == "success")
            {
                return shape(data);
            }
            let lists: Vec<&Vec<Value>> = object
                .values()
                .filter_map(Value::as_array)
                .filter(|items| items.iter().all(Value::is_object))
                .collect();
            let rest_scalar = object
                .values()
                .filter(|value| !value.is_array())
                .all(|value| !value.is_object());
            match lists.as_slice() {
                [items] if rest_scalar => Shape::Rows(items),
                _ => Shape::Single(object),
            }
        }
        other => Shape::Scalar(other),
    }
}

fn scalar_text(value: &Value) -> String {
    match value {
        Value::Null => String::new(),
        Value::String(text) => text.clone(),
        other => serde_json::to_string(other).expect("a JSON value serializes"),
    }
}

fn cut(text: String) -> String {
    let single_line = text.replace(['\n', '\r'], " ");
    if single_line.chars().count() <= CELL_CHARS {
        return single_line;
    }
    let mut short: String = single_line.chars().take(CELL_CHARS - 1).collect();
    short.push('…');
    short
}

/// The columns of a list: the scalar fields, `id` and names first, in first-seen order.
fn columns(rows: &[Value], limit: usize) -> Vec<String> {
    let mut seen: Vec<String> = Vec::new();
    for row in rows {
        if let Some(object) = row.as_object() {
            for (key, value) in object {
                if !value.is_object() && !value.is_array() && !seen.contains(key) {
                    seen.push(key.clone());
                }
            }
        }
    }
    seen.sort_by_key(|key| rank(key));
    seen.truncate(limit);
    seen
}

/// Where a column goes: `id` first, then names, then the rest in their order.
fn rank(key: &str) -> u8 {
    match key {
        "id" => 0,
        key if key.to_ascii_lowercase().ends_with("name") => 1,
        _ => 2,
    }
}

fn table_text(value: &Value) -> String {
    let mut table = Table::new();
    table
        .load_style(presets::UTF8_FULL_CONDENSED)
        .set_content_arrangement(ContentArrangement::Disabled);
    match shape(value) {
        Shape::Rows(rows) => {
            if rows.is_empty() {
                return "(none)\n".to_owned();
            }
            let columns = columns(rows, TABLE_COLUMNS);
            table.set_header(columns.clone());
            for row in rows {
                table.add_row(
                    columns
                        .iter()
                        .map(|column| cut(row.get(column).map(scalar_text).unwrap_or_default())),
                );
            }
        }
        Shape::Single(object) => {
            table.set_header(["field", "value"]);
            for (key, value) in object {
                table.add_row([key.clone(), cut(scalar_text(value))]);
            }
        }
        Shape::Scalar(value) => return scalar_text(value),
    }
    table.to_string()
}

fn csv_text(value: &Value) -> Result<String, CliError> {
    let one;
    let rows: &[Value] = match shape(value) {
        Shape::Rows(rows) => rows,
        Shape::Single(_) => {
            one = [value.clone()];
            &one
        }
        Shape::Scalar(value) => return Ok(scalar_text(value)),
    };
    let mut header: Vec<String> = Vec::new();
    for row in rows {
        if let Some(object) = row.as_object() {
            for key in object.keys() {
                if !header.contains(key) {
                    header.push(key.clone());
                }
            }
        }
    }
    header.sort_by_key(|key| rank(key));
    let mut writer = csv::Writer::from_writer(Vec::new());
    let failed = |error: csv::Error| CliError::general(format!("cannot write CSV: {error}"));
    writer.write_record(&header).map_err(failed)?;
    for row in rows {
        writer
            .write_record(
                header
                    .iter()
                    .map(|column| row.get(column).map(scalar_text).unwrap_or_default()),
            )
            .map_err(failed)?;
    }
    let bytes = writer
        .into_inner()
        .map_err(|error| CliError::general(format!("cannot write CSV: {error}")))?;
    Ok(String::from_utf8(bytes).expect("CSV of UTF-8 strings is UTF-8"))
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn a_page_renders_its_list_as_rows_with_the_id_first() {
        let page = json!({"total": 2, "page": 1, "agents": [
            {"agentName": "Front Desk", "id": "a1", "actions": []},
            {"agentName": "Nights", "id": "a2", "actions": []}
        ]});
        let table = render(&page, Format::Table).expect("renders");
        let header = table.lines().nth(1).expect("a header line");
        assert!(header.find("id") < header.find("agentName"), "{table}");
        assert!(
            table.contains("Nights") && !table.contains("total"),
            "{table}"
        );
    }

    #[test]
    fn csv_has_one_row_per_item_and_nested_values_as_json() {
        let page = json!({"success": true, "data": [
            {"id": "x", "details": {"a": 1}},
            {"id": "y,z"}
        ]});
        let text = render(&page, Format::Csv).expect("renders");
        assert_eq!(text, "id,details\nx,\"{\"\"a\"\":1}\"\n\"y,z\",\n");
    }

    #[test]
    fn long_cells_are_cut_and_stay_on_one_line() {
        let text = cut("line one\n".repeat(20));
        assert_eq!(text.chars().count(), CELL_CHARS);
        assert!(text.ends_with('…') && !text.contains('\n'));
    }
}

//! `docs/language.md`'s settings tables against the one settings table
//! (`mirage::settings::SETTINGS`): every setting documented under its name,
//! with its example, its values and the same Railway keys; nothing
//! documented that the table lacks.

use std::collections::BTreeMap;

use mirage::settings::SETTINGS;

struct Row {
    form: String,
    value: String,
    railway: String,
}

/// The rows of every `| setting | form | value | Railway key |` table (the
/// name quoted in the service settings' table, bare in the layers' one,
/// which editors' tests would otherwise read as top-level nodes).
fn documented() -> BTreeMap<String, Row> {
    let text = std::fs::read_to_string("docs/language.md").expect("docs/language.md");
    let mut rows = BTreeMap::new();
    let mut in_table = false;
    for line in text.lines() {
        if line.starts_with("| setting | form | value | Railway key |") {
            in_table = true;
            continue;
        }
        if !line.starts_with('|') {
            in_table = false;
            continue;
        }
        if !in_table || line.starts_with("| ---") {
            continue;
        }
        let cells: Vec<&str> = line.trim_matches('|').split(" | ").map(str::trim).collect();
        assert_eq!(cells.len(), 4, "a settings row has four cells: {line}");
        let name = cells[0].trim_matches('`').to_owned();
        let row = Row {
            form: cells[1].to_owned(),
            value: cells[2].to_owned(),
            railway: cells[3].to_owned(),
        };
        assert!(
            rows.insert(name.clone(), row).is_none(),
            "`{name}` documented twice"
        );
    }
    rows
}

/// The code spans of a cell (`` `a` or `b` `` → `a`, `b`).
fn code_spans(cell: &str) -> Vec<&str> {
    cell.split('`').skip(1).step_by(2).collect()
}

#[test]
fn every_setting_is_documented_as_the_table_says() {
    let docs = documented();
    let mut problems = Vec::new();
    for s in SETTINGS {
        let Some(row) = docs.get(s.name) else {
            problems.push(format!("`{}` is not documented", s.name));
            continue;
        };
        if !code_spans(&row.form).contains(&s.example) {
            problems.push(format!(
                "`{}`: the docs' form {} does not show `{}`",
                s.name, row.form, s.example
            ));
        }
        if row.value != s.value {
            problems.push(format!(
                "`{}`: value {:?} in the docs, {:?} in the table",
                s.name, row.value, s.value
            ));
        }
        if row.railway != s.railway {
            problems.push(format!(
                "`{}`: Railway key {:?} in the docs, {:?} in the table",
                s.name, row.railway, s.railway
            ));
        }
    }
    for name in docs.keys() {
        if !SETTINGS.iter().any(|s| s.name == name) {
            problems.push(format!("`{name}` is documented but not in the table"));
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

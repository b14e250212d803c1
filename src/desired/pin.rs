//! Desired state, written back: `matoform pin` puts the Matomo id of a site bound by
//! its first URL (or just created) into the site's YAML entry, as `id: N`, so later
//! changes of its URLs keep it bound. Every other byte of the file is kept.

use std::collections::BTreeMap;
use std::path::PathBuf;

use super::yaml::escape;
use super::{Loaded, Location};

/// One id to write: the site's entry and where it is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pin {
    /// Site key.
    pub key: String,
    /// The live site's id.
    pub id: u64,
    /// The site's key in the file.
    pub at: Location,
    /// The entry's first field (its indentation is the one `id:` takes).
    pub first_field: Location,
}

impl Pin {
    /// The pin of site `key` bound to `id`, from the locations of a loaded configuration;
    /// `None` when the entry has no located field (it cannot be edited in place).
    pub fn locate(loaded: &Loaded, key: &str, id: u64) -> Option<Pin> {
        let base = format!("/sites/{}", escape(key));
        let at = loaded.locations.get(&base)?.clone();
        let children = format!("{base}/");
        let first_field = loaded
            .locations
            .range(children.clone()..format!("{base}0"))
            .filter(|(pointer, _)| !pointer[children.len()..].contains('/'))
            .map(|(_, location)| location)
            .filter(|location| location.file == at.file)
            .min_by_key(|location| (location.line, location.col))?
            .clone();
        Some(Pin {
            key: key.to_string(),
            id,
            at,
            first_field,
        })
    }
}

/// The pins grouped by file.
pub fn by_file(pins: &[Pin]) -> BTreeMap<PathBuf, Vec<Pin>> {
    let mut out: BTreeMap<PathBuf, Vec<Pin>> = BTreeMap::new();
    for pin in pins {
        out.entry(pin.at.file.clone())
            .or_default()
            .push(pin.clone());
    }
    out
}

/// The text of one file with `id: N` inserted for each pin: in a block mapping, a line
/// `id: N` right after the site's key line, indented as the entry's first field; in a
/// flow mapping (`key: { name: …, … }`), `id: N, ` before the first field. Line endings
/// follow the file's. Errors name the site whose place cannot be found.
pub fn insert_ids(text: &str, pins: &[Pin]) -> Result<String, String> {
    let mut lines: Vec<String> = text.split_inclusive('\n').map(str::to_string).collect();
    let mut ordered: Vec<&Pin> = pins.iter().collect();
    // Bottom-up, so that earlier insertions do not move later places.
    ordered.sort_by_key(|pin| {
        std::cmp::Reverse((pin.first_field.line, pin.first_field.col, pin.at.line))
    });
    for pin in ordered {
        let missing = || format!("site `{}`: its entry was not found in the file", pin.key);
        let key_line = lines.get(pin.at.line.wrapping_sub(1)).ok_or_else(missing)?;
        if is_flow_entry(key_line, pin.at.col) || pin.first_field.line == pin.at.line {
            let line = lines
                .get_mut(pin.first_field.line.wrapping_sub(1))
                .ok_or_else(missing)?;
            let offset = byte_offset(line, pin.first_field.col).ok_or_else(missing)?;
            line.insert_str(offset, &format!("id: {}, ", pin.id));
        } else {
            let ending = if key_line.ends_with("\r\n") {
                "\r\n"
            } else {
                "\n"
            };
            if !key_line.ends_with('\n') {
                // The key is on the file's last line: its fields cannot follow it.
                return Err(missing());
            }
            let indent = " ".repeat(pin.first_field.col.saturating_sub(1));
            lines.insert(pin.at.line, format!("{indent}id: {}{ending}", pin.id));
        }
    }
    Ok(lines.concat())
}

/// Whether the site key at `col` (1-based, in characters) is followed by a flow
/// mapping (`key: {`).
fn is_flow_entry(line: &str, col: usize) -> bool {
    let Some(start) = byte_offset(line, col) else {
        return false;
    };
    line[start..]
        .split_once(':')
        .is_some_and(|(_, rest)| rest.trim_start().starts_with('{'))
}

/// The byte offset of a 1-based character column in `line`.
fn byte_offset(line: &str, col: usize) -> Option<usize> {
    if col == 0 {
        return None;
    }
    line.char_indices()
        .map(|(i, _)| i)
        .chain(std::iter::once(line.len()))
        .nth(col - 1)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::Path;

    fn pins_of(text: &str, ids: &[(&str, u64)]) -> Vec<Pin> {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("m.yaml");
        std::fs::write(&path, text).expect("write");
        let loaded = crate::desired::load(&path).expect("valid");
        ids.iter()
            .map(|(key, id)| {
                let mut pin = Pin::locate(&loaded, key, *id).expect("located");
                pin.at.file = Path::new("m.yaml").into();
                pin.first_field.file = Path::new("m.yaml").into();
                pin
            })
            .collect()
    }

    #[test]
    fn block_entries_get_a_line_after_their_key_with_the_first_field_indentation() {
        let text = "# Sites of the team\npolicy: { profile: none }\nsites:\n  blog: # the blog\n      # its name\n      name: Blog\n      urls: [https://blog.example.org]\n  shop:\n    name: Shop\n    urls:\n      - https://shop.example.org\n";
        let pins = pins_of(text, &[("blog", 42), ("shop", 7)]);
        assert_eq!(
            insert_ids(text, &pins),
            Ok("# Sites of the team\npolicy: { profile: none }\nsites:\n  blog: # the blog\n      id: 42\n      # its name\n      name: Blog\n      urls: [https://blog.example.org]\n  shop:\n    id: 7\n    name: Shop\n    urls:\n      - https://shop.example.org\n".to_string())
        );
    }

    #[test]
    fn flow_entries_get_the_id_before_their_first_field() {
        let text = "sites:\n  a: { name: \"Été\", urls: [https://a.org] }\n  b: {\n    name: B, urls: [https://b.org] }\n";
        let pins = pins_of(text, &[("a", 1), ("b", 2)]);
        assert_eq!(
            insert_ids(text, &pins),
            Ok("sites:\n  a: { id: 1, name: \"Été\", urls: [https://a.org] }\n  b: {\n    id: 2, name: B, urls: [https://b.org] }\n".to_string())
        );
    }

    #[test]
    fn crlf_files_keep_crlf_and_a_missing_final_newline_is_handled() {
        let text = "sites:\r\n  a:\r\n    name: A\r\n    urls: [https://a.org]";
        let pins = pins_of(text, &[("a", 3)]);
        assert_eq!(
            insert_ids(text, &pins),
            Ok(
                "sites:\r\n  a:\r\n    id: 3\r\n    name: A\r\n    urls: [https://a.org]"
                    .to_string()
            )
        );
    }
}

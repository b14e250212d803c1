//! Desired state, first step: YAML text → JSON value, remembering where every node
//! and mapping key is, and reporting syntax errors and duplicate keys.
//!
//! Scalars are resolved with the YAML 1.2 core schema (as `serde_yaml` does):
//! `yes`/`no` stay strings, `2027-06-30` stays a string.

use std::collections::BTreeMap;
use std::path::Path;

use serde_json::{Map, Number, Value};
use yaml_rust2::parser::{Event, MarkedEventReceiver, Parser, Tag};
use yaml_rust2::scanner::{Marker, TScalarStyle};

use super::{Diagnostic, Location};

/// One parsed file: its value and the location of each node.
#[derive(Debug, Clone, Default)]
pub struct Parsed {
    /// The document as JSON (`null` for an empty file).
    pub value: Value,
    /// Location of each mapping key, by JSON pointer of its value.
    pub keys: BTreeMap<String, Location>,
    /// Location of each value, by JSON pointer.
    pub values: BTreeMap<String, Location>,
}

impl Parsed {
    /// Best location for a pointer: its key, else its value, else the nearest ancestor.
    pub fn locate(&self, pointer: &str) -> Option<&Location> {
        locate_in(&self.keys, &self.values, pointer)
    }
}

/// Best location for `pointer` in a pair of key/value location maps: the key, else the
/// value, else the nearest ancestor's.
pub fn locate_in<'a>(
    keys: &'a BTreeMap<String, Location>,
    values: &'a BTreeMap<String, Location>,
    pointer: &str,
) -> Option<&'a Location> {
    let mut probe = pointer;
    loop {
        if let Some(location) = keys.get(probe).or_else(|| values.get(probe)) {
            return Some(location);
        }
        match probe.rfind('/') {
            Some(i) => probe = &probe[..i],
            None => return values.get(""),
        }
    }
}

/// Escapes one JSON pointer segment (`~` → `~0`, `/` → `~1`).
pub fn escape(segment: &str) -> String {
    segment.replace('~', "~0").replace('/', "~1")
}

#[derive(Default)]
struct Events(Vec<(Event, Marker)>);

impl MarkedEventReceiver for Events {
    fn on_event(&mut self, event: Event, mark: Marker) {
        self.0.push((event, mark));
    }
}

/// Parses one YAML file. Syntax errors make the value unusable (`None`); duplicate
/// keys are reported and the first occurrence is kept.
pub fn parse(file: &Path, text: &str) -> (Option<Parsed>, Vec<Diagnostic>) {
    let at = |mark: &Marker| Location {
        file: file.to_path_buf(),
        line: mark.line(),
        col: mark.col() + 1,
    };
    let mut events = Events::default();
    let mut parser = Parser::new_from_str(text);
    if let Err(err) = parser.load(&mut events, true) {
        let diagnostic = Diagnostic {
            location: at(err.marker()),
            message: format!("YAML syntax error: {}", err.info()),
            fix: Some("fix the indentation or quoting at this place; quote values that contain `: ` or start with `*`, `&`, `!`, `%`, `@` or a backquote".into()),
        };
        return (None, vec![diagnostic]);
    }
    let mut builder = Builder {
        file,
        events: events.0,
        pos: 0,
        anchors: BTreeMap::new(),
        parsed: Parsed::default(),
        diagnostics: Vec::new(),
    };
    let mut documents = 0;
    let mut value = Value::Null;
    while builder.pos < builder.events.len() {
        let (event, mark) = builder.events[builder.pos].clone();
        match event {
            Event::DocumentStart => {
                builder.pos += 1;
                documents += 1;
                if documents == 1 {
                    value = builder.node("");
                } else {
                    builder.diagnostics.push(Diagnostic {
                        location: at(&mark),
                        message: "a second YAML document (after `---`) in one file".into(),
                        fix: Some(
                            "put each part in its own file, or merge them into one document".into(),
                        ),
                    });
                    let _ = builder.node("/__ignored");
                }
            }
            _ => builder.pos += 1,
        }
    }
    builder.parsed.value = value;
    builder
        .parsed
        .values
        .retain(|pointer, _| !pointer.starts_with("/__ignored"));
    builder
        .parsed
        .keys
        .retain(|pointer, _| !pointer.starts_with("/__ignored"));
    builder
        .parsed
        .values
        .entry(String::new())
        .or_insert(Location {
            file: file.to_path_buf(),
            line: 1,
            col: 1,
        });
    (Some(builder.parsed), builder.diagnostics)
}

struct Builder<'a> {
    file: &'a Path,
    events: Vec<(Event, Marker)>,
    pos: usize,
    anchors: BTreeMap<usize, Value>,
    parsed: Parsed,
    diagnostics: Vec<Diagnostic>,
}

impl Builder<'_> {
    fn at(&self, mark: &Marker) -> Location {
        Location {
            file: self.file.to_path_buf(),
            line: mark.line(),
            col: mark.col() + 1,
        }
    }

    fn next(&mut self) -> Option<(Event, Marker)> {
        let item = self.events.get(self.pos).cloned();
        self.pos += 1;
        item
    }

    /// Builds the node starting at the current event, recorded at `pointer`.
    fn node(&mut self, pointer: &str) -> Value {
        let Some((event, mark)) = self.next() else {
            return Value::Null;
        };
        let location = self.at(&mark);
        self.parsed
            .values
            .entry(pointer.to_string())
            .or_insert(location);
        match event {
            Event::Scalar(text, style, anchor, tag) => {
                let value = resolve_scalar(&text, style, tag.as_ref());
                if anchor > 0 {
                    self.anchors.insert(anchor, value.clone());
                }
                value
            }
            Event::Alias(anchor) => self.anchors.get(&anchor).cloned().unwrap_or(Value::Null),
            Event::SequenceStart(anchor, _) => {
                let mut items = Vec::new();
                loop {
                    match self.events.get(self.pos) {
                        Some((Event::SequenceEnd, _)) | None => {
                            self.pos += 1;
                            break;
                        }
                        Some(_) => {
                            let child = format!("{pointer}/{}", items.len());
                            items.push(self.node(&child));
                        }
                    }
                }
                let value = Value::Array(items);
                if anchor > 0 {
                    self.anchors.insert(anchor, value.clone());
                }
                value
            }
            Event::MappingStart(anchor, _) => {
                let mut map = Map::new();
                let mut seen: BTreeMap<String, Location> = BTreeMap::new();
                loop {
                    let (key_event, key_mark) = match self.events.get(self.pos) {
                        Some((Event::MappingEnd, _)) | None => {
                            self.pos += 1;
                            break;
                        }
                        Some(item) => item.clone(),
                    };
                    let key_location = self.at(&key_mark);
                    let key = match key_event {
                        Event::Scalar(text, ..) => {
                            self.pos += 1;
                            Some(text)
                        }
                        _ => {
                            // A complex key: skip it, report it.
                            let _ = self.node("/__ignored");
                            self.diagnostics.push(Diagnostic {
                                location: key_location.clone(),
                                message: "a mapping key must be a plain string".into(),
                                fix: None,
                            });
                            None
                        }
                    };
                    match key {
                        Some(key) => {
                            let child = format!("{pointer}/{}", escape(&key));
                            if let Some(first) = seen.get(&key) {
                                self.diagnostics.push(Diagnostic {
                                    location: key_location,
                                    message: format!("duplicate key `{key}` in this mapping (first defined at {first})"),
                                    fix: Some(format!("remove one of the two `{key}` entries, or merge them")),
                                });
                                let _ = self.node("/__ignored");
                            } else {
                                seen.insert(key.clone(), key_location.clone());
                                self.parsed.keys.insert(child.clone(), key_location);
                                let value = self.node(&child);
                                map.insert(key, value);
                            }
                        }
                        None => {
                            let _ = self.node("/__ignored");
                        }
                    }
                }
                let value = Value::Object(map);
                if anchor > 0 {
                    self.anchors.insert(anchor, value.clone());
                }
                value
            }
            _ => Value::Null,
        }
    }
}

/// True for 32 hexadecimal characters: the shape of a Matomo API token.
pub fn looks_like_token(text: &str) -> bool {
    text.len() == 32 && text.bytes().all(|b| b.is_ascii_hexdigit())
}

/// Resolves a scalar with the YAML 1.2 core schema.
fn resolve_scalar(text: &str, style: TScalarStyle, tag: Option<&Tag>) -> Value {
    if let Some(tag) = tag {
        if tag.suffix == "str" {
            return Value::String(text.to_string());
        }
    }
    if style != TScalarStyle::Plain || looks_like_token(text) {
        return Value::String(text.to_string());
    }
    match text {
        "" | "~" | "null" | "Null" | "NULL" => return Value::Null,
        "true" | "True" | "TRUE" => return Value::Bool(true),
        "false" | "False" | "FALSE" => return Value::Bool(false),
        _ => {}
    }
    let digits = text.strip_prefix(['-', '+']).unwrap_or(text);
    if !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit()) {
        if let Ok(n) = text.trim_start_matches('+').parse::<i64>() {
            return Value::Number(n.into());
        }
        if let Ok(n) = text.trim_start_matches('+').parse::<u64>() {
            return Value::Number(n.into());
        }
    }
    if let Some(hex) = text.strip_prefix("0x") {
        if let Ok(n) = i64::from_str_radix(hex, 16) {
            return Value::Number(n.into());
        }
    }
    if let Some(oct) = text.strip_prefix("0o") {
        if let Ok(n) = i64::from_str_radix(oct, 8) {
            return Value::Number(n.into());
        }
    }
    if is_float(digits) {
        if let Some(n) = text
            .trim_start_matches('+')
            .parse::<f64>()
            .ok()
            .and_then(Number::from_f64)
        {
            return Value::Number(n);
        }
    }
    Value::String(text.to_string())
}

/// `[0-9]*(\.[0-9]*)?([eE][-+]?[0-9]+)?` with at least one digit in the mantissa.
fn is_float(text: &str) -> bool {
    let (mantissa, exponent) = match text.find(['e', 'E']) {
        Some(i) => (&text[..i], Some(&text[i + 1..])),
        None => (text, None),
    };
    let (int, frac) = mantissa.split_once('.').unwrap_or((mantissa, ""));
    let digits_ok = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
    let mantissa_ok = digits_ok(int) && digits_ok(frac) && !(int.is_empty() && frac.is_empty());
    let exponent_ok = exponent.is_none_or(|e| {
        let e = e.strip_prefix(['-', '+']).unwrap_or(e);
        !e.is_empty() && digits_ok(e)
    });
    mantissa_ok && exponent_ok
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn parse_ok(text: &str) -> Parsed {
        let (parsed, diagnostics) = parse(Path::new("f.yaml"), text);
        assert!(diagnostics.is_empty(), "{diagnostics:?}");
        parsed.expect("parsed")
    }

    #[test]
    fn scalars_follow_yaml_1_2_core() {
        let parsed = parse_ok(
            "a: yes\nb: true\nc: 12\nd: 1.5\ne: 2027-06-30\nf: ~\ng: '12'\nh: 0123456789abcdef0123456789abcdef\n",
        );
        assert_eq!(
            parsed.value,
            json!({"a": "yes", "b": true, "c": 12, "d": 1.5, "e": "2027-06-30", "f": null, "g": "12", "h": "0123456789abcdef0123456789abcdef"})
        );
    }

    #[test]
    fn locations_are_one_based() {
        let parsed = parse_ok("sites:\n  mon-service:\n    name: X\n");
        let key = &parsed.keys["/sites/mon-service"];
        assert_eq!((key.line, key.col), (2, 3));
        let value = &parsed.values["/sites/mon-service/name"];
        assert_eq!((value.line, value.col), (3, 11));
    }

    #[test]
    fn duplicate_keys_are_reported_and_first_kept() {
        let (parsed, diagnostics) = parse(Path::new("f.yaml"), "a: 1\nb: 2\na: 3\n");
        assert_eq!(parsed.expect("parsed").value, json!({"a": 1, "b": 2}));
        assert_eq!(diagnostics.len(), 1);
        assert_eq!(
            diagnostics[0].to_string().lines().next(),
            Some("f.yaml:3:1: duplicate key `a` in this mapping (first defined at f.yaml:1:1)")
        );
    }

    #[test]
    fn syntax_errors_are_located() {
        let (parsed, diagnostics) = parse(Path::new("f.yaml"), "a: [1, 2\nb: 3\n");
        assert!(parsed.is_none());
        assert_eq!(diagnostics.len(), 1);
        assert!(diagnostics[0].message.starts_with("YAML syntax error"));
    }

    #[test]
    fn empty_file_is_null() {
        assert_eq!(parse_ok("# nothing\n").value, Value::Null);
    }
}

//! PHP's request parsing: bracket arrays (`a[]`, `a[0][name]`), last key wins, and the
//! `max_input_vars` cut.

use std::collections::BTreeMap;

/// A PHP request value: a string or an (ordered) array.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    /// A scalar string.
    Str(String),
    /// An array: keys in insertion order.
    Arr(Vec<(String, Value)>),
}

impl Value {
    /// The string, if a scalar.
    pub fn as_str(&self) -> Option<&str> {
        match self {
            Value::Str(s) => Some(s),
            Value::Arr(_) => None,
        }
    }

    /// The element under `key`, if an array.
    pub fn get(&self, key: &str) -> Option<&Value> {
        match self {
            Value::Arr(items) => items.iter().find(|(k, _)| k == key).map(|(_, v)| v),
            Value::Str(_) => None,
        }
    }

    /// The values of an array in order (a scalar gives itself).
    pub fn items(&self) -> Vec<&Value> {
        match self {
            Value::Arr(items) => items.iter().map(|(_, v)| v).collect(),
            Value::Str(_) => vec![self],
        }
    }
}

/// Parsed request parameters (`$_REQUEST`), top-level keys in order.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Params {
    /// Top-level entries.
    pub entries: Vec<(String, Value)>,
}

impl Params {
    /// The value of a top-level key.
    pub fn get(&self, key: &str) -> Option<&Value> {
        self.entries.iter().find(|(k, _)| k == key).map(|(_, v)| v)
    }

    /// The string value of a top-level key, if a scalar.
    pub fn str(&self, key: &str) -> Option<&str> {
        self.get(key).and_then(Value::as_str)
    }

    /// Remove a key.
    pub fn remove(&mut self, key: &str) {
        self.entries.retain(|(k, _)| k != key);
    }

    /// Set a scalar (replacing any previous value, keeping its position).
    pub fn set(&mut self, key: &str, value: Value) {
        if let Some(slot) = self.entries.iter_mut().find(|(k, _)| k == key) {
            slot.1 = value;
        } else {
            self.entries.push((key.to_string(), value));
        }
    }

    /// Merge `other` over `self` (other's keys win), as `$_REQUEST` does with GET then POST.
    pub fn merge(&mut self, other: Params) {
        for (k, v) in other.entries {
            self.set(&k, v);
        }
    }

    /// Trim every top-level scalar with PHP's `trim()`, as Matomo's API request does
    /// (`Request::getRequestArrayFromString`); array elements (`urls[]`, `settingValues`) keep
    /// their blanks.
    pub fn trim_scalars(&mut self) {
        for (_, v) in &mut self.entries {
            if let Value::Str(s) = v {
                let t = php_trim(s);
                if t.len() != s.len() {
                    *s = t.to_string();
                }
            }
        }
    }

    /// A flat view for logs: `key` or `key[a][b]` → value.
    pub fn flatten(&self) -> BTreeMap<String, String> {
        let mut out = BTreeMap::new();
        for (k, v) in &self.entries {
            flatten_into(k.clone(), v, &mut out);
        }
        out
    }
}

fn flatten_into(prefix: String, v: &Value, out: &mut BTreeMap<String, String>) {
    match v {
        Value::Str(s) => {
            out.insert(prefix, s.clone());
        }
        Value::Arr(items) => {
            for (k, v) in items {
                flatten_into(format!("{prefix}[{k}]"), v, out);
            }
        }
    }
}

/// PHP `urldecode()`.
pub fn urldecode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'+' => out.push(b' '),
            b'%' if i + 2 < bytes.len() => {
                let hex = std::str::from_utf8(&bytes[i + 1..i + 3]).ok();
                match hex.and_then(|h| u8::from_str_radix(h, 16).ok()) {
                    Some(b) => {
                        out.push(b);
                        i += 2;
                    }
                    None => out.push(b'%'),
                }
            }
            b => out.push(b),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// PHP `urlencode()`: letters, digits and `-_.` stay, a space becomes `+`, every other byte
/// `%XX` (upper case).
pub fn urlencode(s: &str) -> String {
    let mut out = String::with_capacity(s.len() * 3);
    for b in s.bytes() {
        match b {
            b'a'..=b'z' | b'A'..=b'Z' | b'0'..=b'9' | b'-' | b'_' | b'.' => out.push(char::from(b)),
            b' ' => out.push('+'),
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

/// PHP `htmlspecialchars()` with `ENT_QUOTES` (Matomo's `Common::sanitizeInputValue`).
pub fn htmlspecialchars(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#039;"),
            c => out.push(c),
        }
    }
    out
}

/// PHP's `trim()`: strips space, `\t`, `\n`, `\r`, `\0` and `\x0B` at both ends (a no-break
/// space stays).
pub fn php_trim(s: &str) -> &str {
    s.trim_matches([' ', '\t', '\n', '\r', '\0', '\x0B'])
}

/// Split `name[a][b]` into `name` and `["a", "b"]` (PHP's rules, simplified: a key without a
/// closing bracket is taken literally).
fn split_key(raw: &str) -> (String, Vec<String>) {
    let Some(open) = raw.find('[') else {
        return (raw.to_string(), Vec::new());
    };
    if open == 0 {
        return (raw.to_string(), Vec::new());
    }
    let base = raw[..open].to_string();
    let mut rest = &raw[open..];
    let mut parts = Vec::new();
    while let Some(stripped) = rest.strip_prefix('[') {
        let Some(close) = stripped.find(']') else {
            break;
        };
        parts.push(stripped[..close].to_string());
        rest = &stripped[close + 1..];
    }
    (base, parts)
}

fn insert_path(items: &mut Vec<(String, Value)>, path: &[String], value: String) {
    let Some((first, rest)) = path.split_first() else {
        return;
    };
    let key = if first.is_empty() {
        let next = items
            .iter()
            .filter_map(|(k, _)| k.parse::<i64>().ok())
            .max()
            .map_or(0, |m| m + 1);
        next.to_string()
    } else {
        first.clone()
    };
    if rest.is_empty() {
        if let Some(slot) = items.iter_mut().find(|(k, _)| *k == key) {
            slot.1 = Value::Str(value);
        } else {
            items.push((key, Value::Str(value)));
        }
        return;
    }
    let pos = match items.iter().position(|(k, _)| *k == key) {
        Some(p) => {
            if !matches!(items[p].1, Value::Arr(_)) {
                items[p].1 = Value::Arr(Vec::new());
            }
            p
        }
        None => {
            items.push((key, Value::Arr(Vec::new())));
            items.len() - 1
        }
    };
    if let Value::Arr(inner) = &mut items[pos].1 {
        insert_path(inner, rest, value);
    }
}

/// Parse an `application/x-www-form-urlencoded` string the way PHP does, keeping at most
/// `max_vars` fields (`None`: no limit). Returns the params and the number of fields dropped.
///
/// Assumption from the recordings: with `max_input_vars = 1000`, a body of 5 fixed fields and
/// 1,200 `urls[]` answered 996 results, so 1,001 fields were kept (PHP checks the count
/// before incrementing it).
pub fn parse(input: &str, max_vars: Option<usize>) -> (Params, usize) {
    let mut params = Params::default();
    let mut kept = 0usize;
    let mut dropped = 0usize;
    for (k, v) in form_urlencoded::parse(input.as_bytes()) {
        if let Some(max) = max_vars
            && kept > max
        {
            dropped += 1;
            continue;
        }
        kept += 1;
        let (base, path) = split_key(&k);
        if path.is_empty() {
            params.set(&base, Value::Str(v.into_owned()));
        } else {
            let mut root = match params.get(&base) {
                Some(Value::Arr(items)) => items.clone(),
                _ => Vec::new(),
            };
            insert_path(&mut root, &path, v.into_owned());
            params.set(&base, Value::Arr(root));
        }
    }
    (params, dropped)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn brackets_and_last_key_wins() {
        let (p, _) = parse(
            "format=json&urls[]=a&urls[]=b&format=xml&s[Live][0][name]=x&s[Live][0][value]=1",
            None,
        );
        assert_eq!(p.str("format"), Some("xml"));
        let urls: Vec<_> = p.get("urls").map(|v| v.items()).unwrap_or_default();
        assert_eq!(urls.len(), 2);
        let live = p
            .get("s")
            .and_then(|s| s.get("Live"))
            .and_then(|l| l.get("0"));
        assert_eq!(
            live.and_then(|x| x.get("name")).and_then(Value::as_str),
            Some("x")
        );
    }

    #[test]
    fn top_level_scalars_are_trimmed_like_php() {
        let (mut p, _) = parse(
            "siteName=%20%09a%C2%A0%0B%0A&urls[]=%20u%20&n=%00x%0D",
            None,
        );
        p.trim_scalars();
        assert_eq!(p.str("siteName"), Some("a\u{a0}"));
        assert_eq!(p.str("n"), Some("x"));
        let urls: Vec<_> = p.get("urls").map(|v| v.items()).unwrap_or_default();
        assert_eq!(urls[0].as_str(), Some(" u "));
    }

    #[test]
    fn max_vars_cut() {
        let body: Vec<String> = (0..10).map(|i| format!("a{i}=1")).collect();
        let (p, dropped) = parse(&body.join("&"), Some(5));
        assert_eq!(p.entries.len(), 6);
        assert_eq!(dropped, 4);
    }
}

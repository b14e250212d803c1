//! Form encoding of API calls, with PHP's rules.

/// Parameters of one call, in order. Keys are never repeated (PHP keeps the last).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Params(pub Vec<(String, String)>);

/// One API call: `Module.action` plus its parameters, and the site it concerns
/// (for error messages).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Call {
    /// `Module.action`.
    pub method: String,
    /// Parameters (without module, format, token or filter_limit).
    pub params: Params,
    /// Site the call concerns, if any.
    pub site: Option<u64>,
}

impl Call {
    /// A call without parameters.
    pub fn new(method: impl Into<String>) -> Self {
        Self {
            method: method.into(),
            params: Params::default(),
            site: None,
        }
    }

    /// A call about one site: sets `idSite` and remembers the site for errors.
    pub fn for_site(method: impl Into<String>, id_site: u64) -> Self {
        let mut call = Self::new(method);
        call.params.push("idSite", id_site);
        call.site = Some(id_site);
        call
    }

    /// Adds a parameter (builder style).
    pub fn with(mut self, key: &str, value: impl ToString) -> Self {
        self.params.push(key, value);
        self
    }
}

impl Params {
    /// Appends `key=value`, replacing an earlier value of the same key.
    pub fn push(&mut self, key: &str, value: impl ToString) {
        let value = value.to_string();
        if let Some(slot) = self.0.iter_mut().find(|(k, _)| k == key) {
            slot.1 = value;
        } else {
            self.0.push((key.to_string(), value));
        }
    }

    /// A boolean as `1` / `0`.
    pub fn bool(&mut self, key: &str, value: bool) {
        self.push(key, if value { "1" } else { "0" });
    }

    /// One of the six site list fields: a comma-separated string.
    pub fn comma_list(&mut self, key: &str, values: &[String]) {
        self.push(key, values.join(","));
    }

    /// A global list setter argument: comma string, or a lone `,` to clear.
    pub fn global_list(&mut self, key: &str, values: &[String]) {
        if values.is_empty() {
            self.push(key, ",");
        } else {
            self.push(key, values.join(","));
        }
    }

    /// A PHP array: `key[0]=a&key[1]=b`.
    pub fn array(&mut self, key: &str, values: &[String]) {
        self.0.retain(|(k, _)| !k.starts_with(&format!("{key}[")));
        for (i, value) in values.iter().enumerate() {
            self.0.push((format!("{key}[{i}]"), value.clone()));
        }
    }

    /// A goal text (name, pattern, description): Matomo url-decodes these a second
    /// time, so `%` is sent as `%25`.
    pub fn goal_text(&mut self, key: &str, value: &str) {
        self.push(key, value.replace('%', "%25"));
    }

    /// Form-encodes the parameters (`application/x-www-form-urlencoded`).
    pub fn encode(&self) -> String {
        let mut serializer = form_urlencoded::Serializer::new(String::new());
        for (k, v) in &self.0 {
            serializer.append_pair(k, v);
        }
        serializer.finish()
    }
}

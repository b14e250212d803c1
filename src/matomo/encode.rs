//! Form encoding of API calls, with PHP's rules.

use super::Secret;

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
    /// Secret parameters (`passwordConfirmation`), sent after `params`; printed as
    /// `(redacted)` by `Debug`, never logged.
    pub secrets: Vec<(String, Secret)>,
}

impl Call {
    /// A call without parameters.
    pub fn new(method: impl Into<String>) -> Self {
        Self {
            method: method.into(),
            params: Params::default(),
            site: None,
            secrets: Vec::new(),
        }
    }

    /// A call about one site: sets `idSite` and remembers the site for errors.
    pub fn for_site(method: impl Into<String>, id_site: u64) -> Self {
        let mut call = Self::new(method);
        call.params.push("idSite", id_site);
        call.site = Some(id_site);
        call
    }

    /// Adds a secret parameter (builder style), e.g. `passwordConfirmation`.
    pub fn with_secret(mut self, key: &str, value: &Secret) -> Self {
        self.secrets.retain(|(k, _)| k != key);
        self.secrets.push((key.to_string(), value.clone()));
        self
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
    /// time (PHP `urldecode`, which also turns `+` into a space), so `%` is sent as
    /// `%25` and `+` as `%2B`.
    pub fn goal_text(&mut self, key: &str, value: &str) {
        self.push(key, value.replace('%', "%25").replace('+', "%2B"));
    }

    /// The value of a parameter, if set.
    pub fn get(&self, key: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }

    /// A nested PHP array of records: `key[i][field]=value` for each record, in order
    /// (`extractions[0][dimension]=url&extractions[0][pattern]=…`).
    pub fn records(&mut self, key: &str, records: &[Vec<(&str, String)>]) {
        let prefix = format!("{key}[");
        self.0.retain(|(k, _)| !k.starts_with(&prefix));
        for (i, record) in records.iter().enumerate() {
            for (field, value) in record {
                self.0.push((format!("{key}[{i}][{field}]"), value.clone()));
            }
        }
    }

    /// Plugin setting values: `settingValues[Plugin][i][name]=…&settingValues[Plugin][i][value]=…`,
    /// booleans as 0/1.
    pub fn plugin_settings(&mut self, plugin: &str, settings: &[(&str, bool)]) {
        let records: Vec<Vec<(&str, String)>> = settings
            .iter()
            .map(|(name, value)| {
                vec![
                    ("name", (*name).to_string()),
                    ("value", if *value { "1" } else { "0" }.to_string()),
                ]
            })
            .collect();
        self.records(&format!("settingValues[{plugin}]"), &records);
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

/// The form body of one request: `module=API`, `method`, `format=json`, `token_auth` (when
/// given) and `filter_limit=-1` first (PHP's `max_input_vars` drops the fields at the end),
/// then the call's parameters, then its secret parameters. A call parameter with the name of a fixed one replaces its
/// value in place: no key is ever repeated.
pub fn request_body(call: &Call, token: Option<&Secret>) -> String {
    let mut body = Params::default();
    body.push("module", "API");
    body.push("method", &call.method);
    body.push("format", "json");
    if let Some(token) = token {
        body.push("token_auth", token.expose());
    }
    body.push("filter_limit", "-1");
    for (key, value) in &call.params.0 {
        body.push(key, value);
    }
    for (key, value) in &call.secrets {
        body.push(key, value.expose());
    }
    body.encode()
}

/// The query string of one `API.getBulkRequest` sub-request: `method=…` and the call's
/// parameters, without module, format or token (inherited from the outer request).
pub fn bulk_sub_request(call: &Call) -> String {
    let mut query = Params::default();
    query.push("method", &call.method);
    for (key, value) in &call.params.0 {
        query.push(key, value);
    }
    query.encode()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn request_body_puts_fixed_fields_and_token_first_and_never_repeats_a_key() {
        let call = Call::for_site("SitesManager.getSiteFromId", 1)
            .with("format", "xml")
            .with("filter_limit", "5");
        let body = request_body(&call, Some(&Secret::new("abc123")));
        assert_eq!(
            body,
            "module=API&method=SitesManager.getSiteFromId&format=xml&token_auth=abc123&filter_limit=5&idSite=1"
        );
        let body = request_body(&Call::new("API.getMatomoVersion"), None);
        assert_eq!(
            body,
            "module=API&method=API.getMatomoVersion&format=json&filter_limit=-1"
        );
    }
}

//! Desired state, third step: semantic checks of the merged configuration, the ones a
//! JSON Schema cannot express (timezones, currencies, URLs, IPs, regexes, uniqueness,
//! waivers, secrets). They read the merged JSON value, so they run even when another
//! part of the configuration has schema errors, and every problem is reported.

use std::collections::{BTreeMap, BTreeSet};
use std::net::{Ipv4Addr, Ipv6Addr};
use std::sync::OnceLock;

use serde_json::Value;

use super::schema_check::{SECRET_KEYS, did_you_mean, display_path};
use super::yaml::{Parsed, escape, looks_like_token};
use super::{Diagnostic, Location};

const TIMEZONES: &str = include_str!("timezones.txt");
const CURRENCIES: &str = include_str!("currencies.txt");

fn list(data: &'static str) -> impl Iterator<Item = &'static str> {
    data.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
}

/// Timezones Matomo accepts (its own list, `UTC` and `UTC±N` offsets included).
pub fn timezones() -> &'static BTreeSet<&'static str> {
    static SET: OnceLock<BTreeSet<&'static str>> = OnceLock::new();
    SET.get_or_init(|| list(TIMEZONES).collect())
}

/// Currency codes Matomo accepts.
pub fn currencies() -> &'static BTreeSet<&'static str> {
    static SET: OnceLock<BTreeSet<&'static str>> = OnceLock::new();
    SET.get_or_init(|| list(CURRENCIES).collect())
}

/// The form under which two site URLs are the same: scheme and host lower-cased,
/// default port (80 for http, 443 for https) and trailing slashes dropped. Anything
/// that does not parse as a URL is only trimmed and lower-cased.
pub fn normalize_url(url: &str) -> String {
    let trimmed = url.trim();
    match url::Url::parse(trimmed) {
        Ok(parsed) if parsed.has_host() => {
            // `url` already lower-cases scheme and host and drops default ports.
            let mut out = format!(
                "{}://{}",
                parsed.scheme(),
                parsed.host_str().unwrap_or_default()
            );
            if let Some(port) = parsed.port() {
                out.push_str(&format!(":{port}"));
            }
            out.push_str(parsed.path().trim_end_matches('/'));
            if let Some(query) = parsed.query() {
                out.push('?');
                out.push_str(query);
            }
            out
        }
        _ => trimmed.trim_end_matches('/').to_lowercase(),
    }
}

/// Whether an exclusion entry is an IP form Matomo accepts: `1.2.3.4`, `1.2.3.*`,
/// `1.2.3.4/24`, an IPv6 address, or an IPv6 CIDR range.
pub fn is_valid_ip_pattern(text: &str) -> bool {
    let text = text.trim();
    if let Some((address, bits)) = text.split_once('/') {
        let Ok(bits) = bits.parse::<u8>() else {
            return false;
        };
        if bits.to_string() != text.split_once('/').map(|(_, b)| b).unwrap_or_default() {
            return false;
        }
        return (address.parse::<Ipv4Addr>().is_ok() && bits <= 32)
            || (address.parse::<Ipv6Addr>().is_ok() && bits <= 128);
    }
    if text.contains('*') {
        let parts: Vec<&str> = text.split('.').collect();
        if parts.len() != 4 {
            return false;
        }
        // Wildcards only at the end: 1.2.3.*, 1.2.*.*.
        let first_star = parts.iter().position(|p| *p == "*").unwrap_or(4);
        return first_star > 0
            && parts[first_star..].iter().all(|p| *p == "*")
            && parts[..first_star]
                .iter()
                .all(|p| p.parse::<u8>().is_ok_and(|n| n.to_string() == *p));
    }
    text.parse::<Ipv4Addr>().is_ok() || text.parse::<Ipv6Addr>().is_ok()
}

/// Whether a site key is lower-case letters, digits and dashes.
fn is_valid_site_key(key: &str) -> bool {
    !key.is_empty()
        && !key.starts_with('-')
        && key
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
}

fn suggest_site_key(key: &str) -> String {
    let mut out = String::new();
    for c in key.trim().to_lowercase().chars() {
        let c = match c {
            'à' | 'â' | 'ä' => 'a',
            'é' | 'è' | 'ê' | 'ë' => 'e',
            'î' | 'ï' => 'i',
            'ô' | 'ö' => 'o',
            'ù' | 'û' | 'ü' => 'u',
            'ç' => 'c',
            c if c.is_ascii_alphanumeric() => c,
            _ => '-',
        };
        if !(c == '-' && (out.is_empty() || out.ends_with('-'))) {
            out.push(c);
        }
    }
    out.trim_end_matches('-').to_string()
}

struct Checker<'a> {
    doc: &'a Parsed,
    out: Vec<Diagnostic>,
}

impl Checker<'_> {
    fn at(&self, pointer: &str) -> Location {
        self.doc
            .values
            .get(pointer)
            .or_else(|| self.doc.locate(pointer))
            .cloned()
            .unwrap_or_default_location()
    }

    fn key_at(&self, pointer: &str) -> Location {
        self.doc
            .locate(pointer)
            .cloned()
            .unwrap_or_default_location()
    }

    fn push(&mut self, location: Location, message: String, fix: Option<String>) {
        self.out.push(Diagnostic {
            location,
            message,
            fix,
        });
    }
}

trait OrDefaultLocation {
    fn unwrap_or_default_location(self) -> Location;
}

impl OrDefaultLocation for Option<Location> {
    fn unwrap_or_default_location(self) -> Location {
        self.unwrap_or(Location {
            file: Default::default(),
            line: 1,
            col: 1,
        })
    }
}

/// Runs every semantic check on the merged configuration.
pub fn check(doc: &Parsed) -> Vec<Diagnostic> {
    let mut checker = Checker {
        doc,
        out: Vec::new(),
    };
    secrets(&mut checker, &doc.value, "");
    let root = &doc.value;
    let empty = serde_json::Map::new();
    let sites = root
        .get("sites")
        .and_then(Value::as_object)
        .unwrap_or(&empty);

    if let Some(instance) = root.get("instance").and_then(Value::as_object) {
        if let Some(ips) = instance.get("exclusions").and_then(|e| e.get("ips")) {
            check_ips(&mut checker, ips, "/instance/exclusions/ips");
        }
        check_compliance_conflicts(&mut checker, instance);
        if instance.get("compliance_mode").and_then(Value::as_str) == Some("cnil_v1") {
            // Matomo enforces the instance's mode on every site, and switching a site
            // off clears the instance's too (CompliancePolicy::setActiveStatus).
            for (key, site) in sites {
                if site.get("compliance_mode").and_then(Value::as_str) == Some("off") {
                    let pointer = format!("/sites/{key}/compliance_mode");
                    checker.push(
                        checker.at(&pointer),
                        format!("sites.{key}.compliance_mode is off while instance.compliance_mode is cnil_v1: Matomo enforces the instance's mode on every site, and switching one site off would switch the whole instance off"),
                        Some("remove compliance_mode from the site, or set instance.compliance_mode: off".to_string()),
                    );
                }
            }
        }
        if let Some(defaults) = instance.get("defaults") {
            check_timezone(
                &mut checker,
                defaults.get("timezone"),
                "/instance/defaults/timezone",
            );
            check_currency(
                &mut checker,
                defaults.get("currency"),
                "/instance/defaults/currency",
            );
        }
    }
    if let Some(url) = root
        .get("matomo")
        .and_then(|m| m.get("url"))
        .and_then(Value::as_str)
    {
        check_url(&mut checker, url, "/matomo/url");
    }

    let mut ids: BTreeMap<u64, String> = BTreeMap::new();
    // URL → (site key, pointer, that site's `id`).
    let mut claimed: BTreeMap<String, (String, String, Option<u64>)> = BTreeMap::new();
    for (key, site) in sites {
        let base = format!("/sites/{}", escape(key));
        if !is_valid_site_key(key) {
            let suggestion = suggest_site_key(key);
            checker.push(
                checker.key_at(&base),
                format!("site key `{key}` must be lower-case letters, digits and dashes"),
                Some(if suggestion.is_empty() {
                    "rename it, e.g. `mon-service`".into()
                } else {
                    format!("rename it to `{suggestion}`")
                }),
            );
        }
        if let Some(id) = site.get("id").and_then(Value::as_u64) {
            if let Some(first) = ids.get(&id) {
                let first_at = checker.at(&format!("/sites/{}/id", escape(first)));
                checker.push(
                    checker.at(&format!("{base}/id")),
                    format!("site id {id} is given to both `{first}` ({first_at}) and `{key}`"),
                    Some("each Matomo site can be bound by one entry only: remove or correct one of the ids".into()),
                );
            } else {
                ids.insert(id, key.clone());
            }
        }
        let site_id = site.get("id").and_then(Value::as_u64);
        let absent = site.get("absent").and_then(Value::as_bool) == Some(true);
        if absent {
            check_absent(&mut checker, site, &base, root.get("owner"));
        }
        if site.get("owner").is_some() && root.get("owner").is_none() {
            checker.push(
                checker.key_at(&format!("{base}/owner")),
                format!("site `{key}` names an owner, but this configuration has no `owner:` label of its own, so it cannot tell its own sites from the others'"),
                Some("add `owner: <this repository's label>` at the top level (e.g. `owner: central`)".into()),
            );
        }
        if let Some(urls) = site.get("urls").and_then(Value::as_array) {
            check_url_collation(&mut checker, key, urls, &base);
        }
        // An absent entry's URLs bind nothing (it is bound by id): they claim no URL.
        if let Some(urls) = site
            .get("urls")
            .and_then(Value::as_array)
            .filter(|_| !absent)
        {
            for (i, url) in urls.iter().enumerate() {
                let Some(url) = url.as_str() else { continue };
                let pointer = format!("{base}/urls/{i}");
                if !check_url(&mut checker, url, &pointer) {
                    continue;
                }
                let normal = normalize_url(url);
                match claimed.get(&normal) {
                    // Sites bound by different ids may share a URL, as Matomo allows
                    // (an import of such an instance stays valid); a site without an
                    // id is bound by its first URL, which must then be unambiguous.
                    Some((other, _, Some(other_id)))
                        if other != key && site_id.is_some_and(|id| id != *other_id) => {}
                    Some((other, other_pointer, _)) => {
                        let first_at = checker.at(other_pointer);
                        let message = if other == key {
                            format!(
                                "URL {url} is listed twice for site `{key}` (also at {first_at})"
                            )
                        } else {
                            format!(
                                "URL {url} is claimed by sites `{other}` ({first_at}) and `{key}`"
                            )
                        };
                        checker.push(
                            checker.at(&pointer),
                            message,
                            Some("a URL belongs to one site: remove it from one of them".into()),
                        );
                    }
                    None => {
                        claimed.insert(normal, (key.clone(), pointer, site_id));
                    }
                }
            }
        }
        check_timezone(
            &mut checker,
            site.get("timezone"),
            &format!("{base}/timezone"),
        );
        check_currency(
            &mut checker,
            site.get("currency"),
            &format!("{base}/currency"),
        );
        if let Some(ips) = site.get("exclusions").and_then(|e| e.get("ips")) {
            check_ips(&mut checker, ips, &format!("{base}/exclusions/ips"));
        }
        if let Some(goals) = site.get("goals").and_then(Value::as_object) {
            check_goals(&mut checker, goals, &base);
        }
        if let Some(dimensions) = site.get("custom_dimensions").and_then(Value::as_object) {
            check_dimensions(&mut checker, dimensions, &base);
        }
    }

    if let Some(selection) = root.get("prune").filter(|p| p.is_object()) {
        check_prune_selection(&mut checker, selection);
    }

    if let Some(waivers) = root.get("waivers").and_then(Value::as_array) {
        for (i, waiver) in waivers.iter().enumerate() {
            let base = format!("/waivers/{i}");
            if let Some(reason) = waiver.get("reason").and_then(Value::as_str) {
                if reason.trim().is_empty() {
                    checker.push(
                        checker.at(&format!("{base}/reason")),
                        "waiver reason is empty".into(),
                        Some(
                            "write why the exception is acceptable; it is shown in every output"
                                .into(),
                        ),
                    );
                }
            }
            let listed = waiver.get("sites").and_then(Value::as_array);
            let all = waiver.get("sites").and_then(Value::as_str) == Some("all");
            for (j, site) in listed.into_iter().flatten().enumerate() {
                let Some(site) = site.as_str() else { continue };
                // A pattern that matches no site is a policy warning, not an error.
                if !super::model::is_pattern(site) && !sites.contains_key(site) {
                    let fix = match did_you_mean(site, sites.keys().map(String::as_str)) {
                        Some(candidate) => format!("did you mean `{candidate}`?"),
                        None => "name a site key defined under `sites:`".into(),
                    };
                    checker.push(
                        checker.at(&format!("{base}/sites/{j}")),
                        format!("waiver names unknown site `{site}`"),
                        Some(fix),
                    );
                }
            }
            let instance = waiver
                .get("instance")
                .and_then(Value::as_bool)
                .unwrap_or(false);
            if listed.is_none_or(|l| l.is_empty()) && !all && !instance && waiver.is_object() {
                checker.push(
                    checker.key_at(&base),
                    "waiver covers nothing".into(),
                    Some(
                        "list the sites it covers (`sites: [key, \"pattern-*\"]` or `sites: all`) or set `instance: true`".into(),
                    ),
                );
            }
        }
    }
    checker.out
}

/// The keys an entry with `absent: true` may have: the others would not be used.
const ABSENT_KEYS: [&str; 5] = ["id", "name", "urls", "absent", "owner"];

/// An entry with `absent: true`: bound by its id (the schema requires it), with no
/// settings (they would not be used), and owned by this configuration.
fn check_absent(checker: &mut Checker, site: &Value, base: &str, repository: Option<&Value>) {
    let Some(entry) = site.as_object() else {
        return;
    };
    let unused: Vec<&str> = entry
        .keys()
        .map(String::as_str)
        .filter(|k| !ABSENT_KEYS.contains(k))
        .collect();
    if !unused.is_empty() {
        checker.push(
            checker.key_at(&format!("{base}/{}", escape(unused[0]))),
            format!(
                "{} has `absent: true`, so its settings are not used: {}",
                display_path(base),
                unused.join(", ")
            ),
            Some("remove them: an absent entry needs only `id` (and may keep `name` and `urls` as a reminder)".into()),
        );
    }
    if let Some(owner) = entry.get("owner").and_then(Value::as_str) {
        if repository.and_then(Value::as_str) != Some(owner) {
            checker.push(
                checker.at(&format!("{base}/owner")),
                format!(
                    "{} has `absent: true` but is owned by `{owner}`: a configuration never deletes a site another repository owns",
                    display_path(base)
                ),
                Some(format!("delete it from `{owner}`'s configuration, or remove `owner` if this configuration owns the site")),
            );
        }
    }
}

/// A `prune` selection: at least one criterion, and `ids` made of ids and ranges.
fn check_prune_selection(checker: &mut Checker, selection: &Value) {
    let given = ["groups", "ids", "names"].iter().any(|k| {
        selection
            .get(*k)
            .is_some_and(|v| v.as_array().is_none_or(|a| !a.is_empty()))
    });
    if !given {
        checker.push(
            checker.key_at("/prune"),
            "`prune` selects no site: give `groups`, `ids` or `names`".into(),
            Some("e.g. `prune: { groups: [team-culture] }`, `prune: { ids: \"100-200\" }`, or `prune: true` to delete every live site the configuration does not mention".into()),
        );
    }
    if let Some(ids) = selection.get("ids").and_then(Value::as_str) {
        if let Err(part) = super::model::parse_id_ranges(ids) {
            checker.push(
                checker.at("/prune/ids"),
                format!("`prune.ids` has `{part}`, which is neither a site id nor a range of ids"),
                Some("write ids and inclusive ranges separated by commas, e.g. `100-200, 305` (ids start at 1, a range goes upwards)".into()),
            );
        }
    }
}

/// Settings that contradict `instance.compliance_mode: cnil_v1`. While Matomo's own
/// mode is enforced it stores weaker writes but answers its required values (the
/// exclusion type `matomo_recommended_pii`, IP anonymisation on with 2 bytes or more,
/// order ids anonymised, referrer at least `exclude_path`): such a configuration would
/// be written on every apply and shown as a change on every plan.
fn check_compliance_conflicts(checker: &mut Checker, instance: &serde_json::Map<String, Value>) {
    if instance.get("compliance_mode").and_then(Value::as_str) != Some("cnil_v1") {
        return;
    }
    const WHY: &str = "while instance.compliance_mode is cnil_v1, Matomo answers its own required value instead, so every plan would show this change again";
    let fix_mode = "or set instance.compliance_mode: off";
    if let Some(list) = instance
        .get("exclusions")
        .and_then(|e| e.get("query_parameters"))
        .and_then(Value::as_array)
    {
        let given: BTreeSet<&str> = list
            .iter()
            .filter_map(Value::as_str)
            .map(str::trim)
            .collect();
        let recommended = crate::personal_data::matomo_recommended();
        let recommended: BTreeSet<&str> = recommended.iter().map(String::as_str).collect();
        if given != recommended {
            checker.push(
                checker.key_at("/instance/exclusions/query_parameters"),
                format!("instance.exclusions.query_parameters is a custom list: Matomo's cnil_v1 mode enforces its recommended personal-data list; {WHY}"),
                Some(format!("leave instance.exclusions.query_parameters out (the policy default is that list) and put extra names in the sites' exclusions.query_parameters, {fix_mode}")),
            );
        }
    }
    let privacy = instance.get("privacy");
    let ip = privacy.and_then(|p| p.get("anonymize_ip"));
    let mut weaker: Vec<(&str, &str)> = Vec::new();
    if ip.and_then(|i| i.get("enabled")).and_then(Value::as_bool) == Some(false) {
        weaker.push((
            "/instance/privacy/anonymize_ip/enabled",
            "instance.privacy.anonymize_ip.enabled is false (cnil_v1 requires true)",
        ));
    }
    if ip
        .and_then(|i| i.get("mask_bytes"))
        .and_then(Value::as_u64)
        .is_some_and(|m| m < 2)
    {
        weaker.push((
            "/instance/privacy/anonymize_ip/mask_bytes",
            "instance.privacy.anonymize_ip.mask_bytes is below 2 (cnil_v1 requires at least 2)",
        ));
    }
    if privacy
        .and_then(|p| p.get("anonymize_order_id"))
        .and_then(Value::as_bool)
        == Some(false)
    {
        weaker.push((
            "/instance/privacy/anonymize_order_id",
            "instance.privacy.anonymize_order_id is false (cnil_v1 requires true)",
        ));
    }
    if matches!(
        privacy
            .and_then(|p| p.get("anonymize_referrer"))
            .and_then(Value::as_str),
        Some("none" | "exclude_query")
    ) {
        weaker.push(("/instance/privacy/anonymize_referrer", "instance.privacy.anonymize_referrer is weaker than exclude_path (cnil_v1 requires exclude_path or exclude_all)"));
    }
    // Matomo's ReportRetention and VisitorLogDisabled settings under cnil_v1.
    let raw = instance.get("retention").and_then(|r| r.get("raw_data"));
    if raw
        .and_then(|r| r.get("older_than_days"))
        .and_then(Value::as_u64)
        .is_some_and(|days| days > 180)
    {
        weaker.push((
            "/instance/retention/raw_data/older_than_days",
            "instance.retention.raw_data.older_than_days is above 180 (cnil_v1 keeps raw data 180 days at most)",
        ));
    }
    if raw.and_then(|r| r.get("delete")).and_then(Value::as_bool) == Some(false) {
        weaker.push((
            "/instance/retention/raw_data/delete",
            "instance.retention.raw_data.delete is false (cnil_v1 deletes raw data after 180 days)",
        ));
    }
    if instance
        .get("visitor_log")
        .and_then(|l| l.get("disabled"))
        .and_then(Value::as_bool)
        == Some(false)
    {
        weaker.push((
            "/instance/visitor_log/disabled",
            "instance.visitor_log.disabled is false (cnil_v1 turns the visits log off)",
        ));
    }
    for (pointer, what) in weaker {
        checker.push(
            checker.at(pointer),
            format!("{what}; {WHY}"),
            Some(format!("use the value cnil_v1 requires, {fix_mode}")),
        );
    }
}

/// Refuses secrets: keys named like a token or password, and 32-hex-character values.
fn secrets(checker: &mut Checker, value: &Value, pointer: &str) {
    const FIX: &str = "remove it: secrets come from MATOMO_TOKEN / --token-file";
    match value {
        Value::Object(map) => {
            for (key, child) in map {
                let child_pointer = format!("{pointer}/{}", escape(key));
                if SECRET_KEYS.contains(&key.to_lowercase().as_str()) {
                    checker.push(
                        checker.key_at(&child_pointer),
                        format!("`{key}` looks like a secret; matoform refuses secrets in configuration files"),
                        Some(FIX.into()),
                    );
                } else {
                    secrets(checker, child, &child_pointer);
                }
            }
        }
        Value::Array(items) => {
            for (i, child) in items.iter().enumerate() {
                secrets(checker, child, &format!("{pointer}/{i}"));
            }
        }
        Value::String(text) => {
            let in_url = text.contains("token_auth=");
            if looks_like_token(text.trim()) || in_url {
                checker.push(
                    checker.at(pointer),
                    format!("{} looks like a Matomo API token; matoform refuses secrets in configuration files", display_path(pointer)),
                    Some(FIX.into()),
                );
            }
        }
        _ => {}
    }
}

/// Checks one URL (http/https with a host); returns whether it is valid.
fn check_url(checker: &mut Checker, url: &str, pointer: &str) -> bool {
    let problem = match url::Url::parse(url.trim()) {
        Ok(parsed) if !matches!(parsed.scheme(), "http" | "https") => {
            Some(format!("scheme `{}` is not http or https", parsed.scheme()))
        }
        Ok(parsed) if parsed.host_str().is_none_or(str::is_empty) => {
            Some("it has no host".to_string())
        }
        Ok(_) if url.trim() != url || url.contains(' ') => Some("it contains spaces".to_string()),
        Ok(_) => None,
        Err(url::ParseError::RelativeUrlWithoutBase) => Some("it has no scheme".to_string()),
        Err(err) => Some(err.to_string()),
    };
    match problem {
        None => true,
        Some(problem) => {
            let fix = if !url.contains("://") {
                format!(
                    "write the full URL, e.g. `https://{}`",
                    url.trim().trim_start_matches('/')
                )
            } else {
                "write a URL such as `https://www.example.org`".into()
            };
            checker.push(
                checker.at(pointer),
                format!(
                    "malformed URL `{url}` in {}: {problem}",
                    display_path(pointer)
                ),
                Some(fix),
            );
            false
        }
    }
}

fn check_timezone(checker: &mut Checker, value: Option<&Value>, pointer: &str) {
    let Some(tz) = value.and_then(Value::as_str) else {
        return;
    };
    if timezones().contains(tz) {
        return;
    }
    let fix = match suggest_timezone(tz) {
        Ok(candidate) => format!("did you mean `{candidate}`?"),
        Err(Some(fix)) => fix,
        Err(None) => "use an IANA name Matomo knows (`Europe/Paris`), `UTC`, or an offset such as `UTC+2` or `UTC+5.5`".into(),
    };
    checker.push(
        checker.at(pointer),
        format!("unknown timezone `{tz}` in {}", display_path(pointer)),
        Some(fix),
    );
}

/// Legacy IANA names (and common abbreviations) → the name Matomo lists. Only pairs
/// whose target is in Matomo's list and whose source is not (a unit test checks).
const TIMEZONE_ALIASES: &[(&str, &str)] = &[
    ("America/Buenos_Aires", "America/Argentina/Buenos_Aires"),
    ("America/Godthab", "America/Nuuk"),
    ("America/Indianapolis", "America/Indiana/Indianapolis"),
    ("America/Louisville", "America/Kentucky/Louisville"),
    ("America/Montreal", "America/Toronto"),
    ("Asia/Calcutta", "Asia/Kolkata"),
    ("Asia/Dacca", "Asia/Dhaka"),
    ("Asia/Istanbul", "Europe/Istanbul"),
    ("Asia/Katmandu", "Asia/Kathmandu"),
    ("Asia/Macao", "Asia/Macau"),
    ("Asia/Rangoon", "Asia/Yangon"),
    ("Asia/Saigon", "Asia/Ho_Chi_Minh"),
    ("Asia/Tel_Aviv", "Asia/Jerusalem"),
    ("Asia/Thimbu", "Asia/Thimphu"),
    ("Asia/Ujung_Pandang", "Asia/Makassar"),
    ("Asia/Ulan_Bator", "Asia/Ulaanbaatar"),
    ("Atlantic/Faeroe", "Atlantic/Faroe"),
    ("Etc/GMT", "UTC"),
    ("Etc/UTC", "UTC"),
    ("Europe/Belfast", "Europe/London"),
    ("Europe/Kiev", "Europe/Kyiv"),
    ("GMT", "UTC"),
    ("Pacific/Ponape", "Pacific/Pohnpei"),
    ("Pacific/Truk", "Pacific/Chuuk"),
    ("US/Central", "America/Chicago"),
    ("US/Eastern", "America/New_York"),
    ("US/Mountain", "America/Denver"),
    ("US/Pacific", "America/Los_Angeles"),
    ("Zulu", "UTC"),
];

/// A name Matomo knows for an unknown time zone: the same name in another case, the
/// current name of a legacy one (`Asia/Calcutta` → `Asia/Kolkata`), Matomo's form of an
/// offset (`UTC+5:30`, `GMT+05:30`, `+0530` → `UTC+5.5`), else the closest spelling.
/// `Err` carries a fix when the offset is one Matomo does not have.
fn suggest_timezone(tz: &str) -> Result<&'static str, Option<String>> {
    let known = timezones();
    if let Some(exact) = known.iter().find(|t| t.eq_ignore_ascii_case(tz)) {
        return Ok(exact);
    }
    if let Some((_, target)) = TIMEZONE_ALIASES
        .iter()
        .find(|(alias, _)| alias.eq_ignore_ascii_case(tz.trim()))
    {
        if let Some(target) = known.get(target) {
            return Ok(target);
        }
    }
    if let Some(name) = offset_name(tz) {
        return match known.get(name.as_str()) {
            Some(found) => Ok(found),
            None => Err(Some(format!(
                "Matomo has no offset `{name}`: use the IANA name of the place, e.g. `Europe/Paris`"
            ))),
        };
    }
    did_you_mean(tz, known.iter().copied()).ok_or(None)
}

/// Matomo's name of a UTC offset written as `UTC+5:30`, `UTC+05:30`, `GMT-3`,
/// `+0530`, `UTC+5h30`…: `UTC+5.5` (decimal hours), `UTC` for zero. `None` when `tz`
/// is not an offset.
fn offset_name(tz: &str) -> Option<String> {
    let text = tz.trim();
    let upper = text.to_ascii_uppercase();
    let rest = ["UTC", "GMT", "UT"]
        .iter()
        .find_map(|prefix| upper.strip_prefix(prefix))
        .unwrap_or(&upper)
        .trim();
    let (sign, rest) = match rest.chars().next()? {
        '+' => ('+', &rest[1..]),
        '-' => ('-', &rest[1..]),
        _ => return None,
    };
    let rest = rest.trim();
    let (hours, minutes) = match rest.split_once([':', 'H', '.']) {
        Some((h, m)) if rest.contains('.') => {
            // Already decimal hours (`UTC+05.5`).
            let value: f64 = format!("{h}.{m}").parse().ok()?;
            return offset_from_minutes(sign, (value * 60.0).round() as u32);
        }
        Some((h, m)) => (h, if m.is_empty() { "0" } else { m }),
        None if rest.len() == 4 => rest.split_at(2),
        None => (rest, "0"),
    };
    if hours.is_empty()
        || hours.len() > 2
        || minutes.len() > 2
        || !hours
            .chars()
            .chain(minutes.chars())
            .all(|c| c.is_ascii_digit())
    {
        return None;
    }
    let hours: u32 = hours.parse().ok()?;
    let minutes: u32 = minutes.parse().ok()?;
    if minutes >= 60 {
        return None;
    }
    offset_from_minutes(sign, hours * 60 + minutes)
}

fn offset_from_minutes(sign: char, total: u32) -> Option<String> {
    if total > 14 * 60 {
        return None;
    }
    if total == 0 {
        return Some("UTC".into());
    }
    let hours = f64::from(total) / 60.0;
    // Decimal hours as Matomo writes them: `5`, `5.5`, `5.75`.
    let number = format!("{hours:.2}");
    let number = number.trim_end_matches('0').trim_end_matches('.');
    Some(format!("UTC{sign}{number}"))
}

fn check_currency(checker: &mut Checker, value: Option<&Value>, pointer: &str) {
    let Some(code) = value.and_then(Value::as_str) else {
        return;
    };
    if currencies().contains(code) {
        return;
    }
    let upper = code.to_uppercase();
    let fix = if currencies().contains(upper.as_str()) {
        format!("write it in upper case: `{upper}`")
    } else {
        "use an ISO 4217 code Matomo knows, e.g. `EUR`".into()
    };
    checker.push(
        checker.at(pointer),
        format!("unknown currency `{code}` in {}", display_path(pointer)),
        Some(fix),
    );
}

fn check_ips(checker: &mut Checker, ips: &Value, pointer: &str) {
    for (i, ip) in ips.as_array().into_iter().flatten().enumerate() {
        let Some(text) = ip.as_str() else { continue };
        if !is_valid_ip_pattern(text) {
            checker.push(
                checker.at(&format!("{pointer}/{i}")),
                format!("`{text}` is not an IP address, CIDR range or wildcard pattern"),
                Some("use one of Matomo's forms: 1.2.3.4, 1.2.3.*, 1.2.3.0/24, 2001:db8::1, 2001:db8::/32".into()),
            );
        }
    }
}

fn check_goals(checker: &mut Checker, goals: &serde_json::Map<String, Value>, site_pointer: &str) {
    let mut names: BTreeMap<String, String> = BTreeMap::new();
    for (key, goal) in goals {
        let base = format!("{site_pointer}/goals/{}", escape(key));
        // Goals with an `id` are bound by it; only the others are bound by name.
        let by_name = goal.get("id").is_none_or(Value::is_null);
        if let Some(name) = goal.get("name").and_then(Value::as_str).filter(|_| by_name) {
            let normal = name.trim().to_lowercase();
            if let Some(first) = names.get(&normal) {
                let first_at = checker.at(first);
                checker.push(
                    checker.at(&format!("{base}/name")),
                    format!("goal name `{name}` is used twice in this site (also at {first_at})"),
                    Some("goals without an `id` are bound by name: give each goal of a site its own name, or its `id`".into()),
                );
            } else {
                names.insert(normal, format!("{base}/name"));
            }
        }
        let attribute = goal
            .get("match_attribute")
            .and_then(Value::as_str)
            .unwrap_or("url");
        let pattern_type = goal
            .get("pattern_type")
            .and_then(Value::as_str)
            .unwrap_or("contains");
        let pattern = goal.get("pattern").and_then(Value::as_str);
        if attribute == "manually" {
            continue;
        }
        if attribute == "visit_nb_pageviews" {
            checker.push(
                checker.at(&format!("{base}/match_attribute")),
                format!(
                    "goal `{key}`: `visit_nb_pageviews` is not a Matomo match attribute (Matomo stores it, then matches every URL containing the pattern)"
                ),
                Some("Matomo has no page-view-count goal: use `visit_duration` (minutes, `pattern_type: greater_than`), or match a URL".into()),
            );
            continue;
        }
        // Matomo (5.0.2 and 5.7, Goals API `checkPatternType`): `visit_duration` is the
        // only numeric attribute and takes only `greater_than`; the others never take it.
        let numeric = attribute == "visit_duration";
        let type_at = if goal.get("pattern_type").is_some() {
            checker.at(&format!("{base}/pattern_type"))
        } else {
            checker.key_at(&base)
        };
        if numeric && pattern_type != "greater_than" {
            checker.push(
                type_at,
                format!(
                    "goal `{key}` matches on `visit_duration`, which Matomo compares only with `greater_than` (it refuses `{pattern_type}`)"
                ),
                Some("add `pattern_type: greater_than`".into()),
            );
        } else if !numeric && pattern_type == "greater_than" {
            checker.push(
                type_at,
                format!(
                    "goal `{key}`: `greater_than` works only with `match_attribute: visit_duration` (Matomo refuses it for `{attribute}`)"
                ),
                Some("use `pattern_type: contains`, `exact` or `regex`".into()),
            );
            continue;
        }
        let Some(pattern) = pattern.filter(|p| !p.is_empty()) else {
            checker.push(
                checker.key_at(&base),
                format!("goal `{key}` matches on `{attribute}` but has no `pattern`"),
                Some("add `pattern:` (what to match), or use `match_attribute: manually`".into()),
            );
            continue;
        };
        let at = checker.at(&format!("{base}/pattern"));
        if numeric {
            if !pattern
                .trim()
                .parse::<f64>()
                .is_ok_and(|m| m.is_finite() && m >= 0.0)
            {
                checker.push(
                    at,
                    format!(
                        "goal `{key}`: a `visit_duration` pattern is a number of minutes (Matomo refuses `{pattern}`)"
                    ),
                    Some("write the minutes as a quoted number, e.g. `pattern: \"5\"`".into()),
                );
            }
            continue;
        }
        match pattern_type {
            "regex" => {
                if let Err(err) = fancy_regex::Regex::new(pattern) {
                    checker.push(
                        at,
                        format!("invalid regular expression in goal `{key}`: {err}"),
                        Some("fix the regex, or use `pattern_type: contains`".into()),
                    );
                }
            }
            "exact"
                if matches!(attribute, "url" | "file" | "external_website")
                    && !(pattern.starts_with("http://") || pattern.starts_with("https://")) =>
            {
                checker.push(
                    at,
                    format!(
                        "goal `{key}`: an `exact` pattern must be a full URL starting with http:// or https:// (Matomo refuses `{pattern}`)"
                    ),
                    Some("write the full URL, or use `pattern_type: contains`".into()),
                );
            }
            _ => {}
        }
    }
}

/// The characters Matomo refuses in a custom dimension name (`Dimension/Name.php`,
/// `getBlockedCharacters`, the same in 5.0.2 and 5.7), and the quotes: the API
/// HTML-escapes its input first (`'` becomes `&#039;`, `"` `&quot;`), and the `&` of the
/// escape is refused in turn.
const DIMENSION_NAME_REFUSED: [char; 8] = ['/', '\\', '&', '.', '<', '>', '\'', '"'];

/// Why Matomo refuses a custom dimension name, and the fix, or `None`: empty (PHP's
/// `empty()`: `""`, `"0"`), over 255 bytes, or with one of [`DIMENSION_NAME_REFUSED`].
/// Matomo checks the name on every write of a dimension, an update of another field
/// included.
pub fn dimension_name_problem(name: &str) -> Option<(String, String)> {
    if name.is_empty() || name == "0" {
        return Some((
            format!("Matomo requires a name (`{name}` is empty to it)"),
            "give the dimension a name".into(),
        ));
    }
    let refused: Vec<String> = DIMENSION_NAME_REFUSED
        .iter()
        .filter(|c| name.contains(**c))
        .map(|c| format!("`{c}`"))
        .collect();
    if !refused.is_empty() {
        let apostrophe = if name.contains('\'') {
            " (for an apostrophe, the typographic `’` is accepted)"
        } else {
            ""
        };
        return Some((
            format!(
                "Matomo refuses the name `{name}`, which contains {}",
                refused.join(", ")
            ),
            format!(
                "remove {} from the name: Matomo refuses / \\ & . < > and quotes in dimension names{apostrophe}",
                refused.join(", ")
            ),
        ));
    }
    if name.len() > 255 {
        return Some((
            format!("the name is {} bytes long, Matomo allows 255", name.len()),
            "shorten the name".into(),
        ));
    }
    None
}

/// Refuses a name Matomo refuses, for a dimension without an `id` (to be created, or
/// bound by name). A dimension bound by `id` may carry a name Matomo accepted before it
/// refused these characters: `plan` refuses it only when a change would send it.
fn check_dimension_name(checker: &mut Checker, key: &str, name: &str, pointer: &str) {
    if let Some((reason, fix)) = dimension_name_problem(name) {
        let at = checker.at(pointer);
        checker.push(at, format!("custom dimension `{key}`: {reason}"), Some(fix));
    }
}

fn check_dimensions(
    checker: &mut Checker,
    dimensions: &serde_json::Map<String, Value>,
    site_pointer: &str,
) {
    for (key, dimension) in dimensions {
        let base = format!("{site_pointer}/custom_dimensions/{}", escape(key));
        let by_name = dimension.get("id").is_none_or(Value::is_null);
        if let Some(name) = dimension
            .get("name")
            .and_then(Value::as_str)
            .filter(|_| by_name)
        {
            check_dimension_name(checker, key, name, &format!("{base}/name"));
        }
        let scope = dimension.get("scope").and_then(Value::as_str).unwrap_or("");
        let Some(extractions) = dimension.get("extractions").and_then(Value::as_array) else {
            continue;
        };
        if scope == "visit" && !extractions.is_empty() {
            checker.push(
                checker.key_at(&format!("{base}/extractions")),
                format!("custom dimension `{key}` has extractions, but extractions work only in `action` scope"),
                Some("remove `extractions`, or use `scope: action`".into()),
            );
        }
        for (i, extraction) in extractions.iter().enumerate() {
            let pointer = format!("{base}/extractions/{i}");
            let kind = extraction.get("dimension").and_then(Value::as_str);
            if let Some(kind) = kind {
                if !matches!(kind, "url" | "urlparam" | "action_name") {
                    checker.push(
                        checker.at(&format!("{pointer}/dimension")),
                        format!("extraction dimension `{kind}` is not one of: url, urlparam, action_name"),
                        None,
                    );
                    continue;
                }
            }
            let Some(pattern) = extraction.get("pattern").and_then(Value::as_str) else {
                continue;
            };
            if kind == Some("urlparam") {
                continue;
            }
            let at = checker.at(&format!("{pointer}/pattern"));
            match fancy_regex::Regex::new(pattern) {
                Err(err) => checker.push(
                    at,
                    format!("invalid regular expression in extraction: {err}"),
                    None,
                ),
                Ok(regex) if regex.captures_len() != 2 => checker.push(
                    at,
                    "an extraction pattern needs exactly one group in round brackets".into(),
                    Some("e.g. `^/blog/(.+)$`".into()),
                ),
                Ok(_) => {}
            }
        }
    }
}

/// Two alias URLs of a site that differ only by case or accents (once Matomo drops a trailing
/// `/`): Matomo keeps a site's URLs in a table whose collation (utf8mb4_general_ci)
/// compares them equal, and answers a database error after writing the site half-way.
fn check_url_collation(checker: &mut Checker, key: &str, urls: &[Value], base: &str) {
    fn fold(url: &str) -> String {
        crate::diff::stored::url(url)
            .chars()
            .flat_map(char::to_lowercase)
            .map(|c| match c {
                'à' | 'á' | 'â' | 'ã' | 'ä' | 'å' => 'a',
                'ç' => 'c',
                'è' | 'é' | 'ê' | 'ë' => 'e',
                'ì' | 'í' | 'î' | 'ï' => 'i',
                'ñ' => 'n',
                'ò' | 'ó' | 'ô' | 'õ' | 'ö' => 'o',
                'ù' | 'ú' | 'û' | 'ü' => 'u',
                'ý' | 'ÿ' => 'y',
                other => other,
            })
            .collect()
    }
    // The aliases only: the main URL is stored in the site's own row.
    let mut seen: Vec<(String, String)> = Vec::new();
    for (i, url) in urls.iter().enumerate().skip(1) {
        let Some(url) = url.as_str() else { continue };
        let stored = crate::diff::stored::url(url);
        let folded = fold(url);
        if let Some((first, _)) = seen.iter().find(|(s, f)| *f == folded && *s != stored) {
            checker.push(
                checker.at(&format!("{base}/urls/{i}")),
                format!("site `{key}`: URLs {first} and {stored} differ only by case or accents, which Matomo's URL table does not tell apart (it answers a database error after writing the site half-way)"),
                Some("keep one of them".into()),
            );
        } else {
            seen.push((stored, folded));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timezone_suggestions_prefer_aliases_and_offsets() {
        let cases = [
            ("UTC+5:30", "UTC+5.5"),
            ("UTC+05:30", "UTC+5.5"),
            ("GMT+5:30", "UTC+5.5"),
            ("+05:30", "UTC+5.5"),
            ("+0530", "UTC+5.5"),
            ("utc+5.5", "UTC+5.5"),
            ("UTC+5:45", "UTC+5.75"),
            ("UTC-03:00", "UTC-3"),
            ("GMT+1", "UTC+1"),
            ("UTC+00:00", "UTC"),
            ("UTC+12:45", "UTC+12.75"),
            ("Asia/Calcutta", "Asia/Kolkata"),
            ("asia/saigon", "Asia/Ho_Chi_Minh"),
            ("Europe/Kiev", "Europe/Kyiv"),
            ("America/Buenos_Aires", "America/Argentina/Buenos_Aires"),
            ("europe/paris", "Europe/Paris"),
            ("Europe/Pariss", "Europe/Paris"),
        ];
        for (written, expected) in cases {
            assert_eq!(suggest_timezone(written), Ok(expected), "{written}");
        }
        // An offset Matomo does not have is said so, not matched to a neighbour.
        let Err(Some(fix)) = suggest_timezone("UTC+3:45") else {
            panic!("UTC+3:45 has no suggestion");
        };
        assert!(fix.starts_with("Matomo has no offset `UTC+3.75`"), "{fix}");
        assert_eq!(offset_name("Paris"), None);
        assert_eq!(offset_name("UTC+5:99"), None);
    }

    #[test]
    fn timezone_aliases_point_from_unknown_names_to_known_ones() {
        for (alias, target) in TIMEZONE_ALIASES {
            assert!(!timezones().contains(alias), "{alias} is in Matomo's list");
            assert!(
                timezones().contains(target),
                "{target} is not in Matomo's list"
            );
        }
    }

    #[test]
    fn urls_normalise() {
        assert_eq!(
            normalize_url("HTTPS://WWW.Example.org:443/"),
            "https://www.example.org"
        );
        assert_eq!(normalize_url("http://example.org:80"), "http://example.org");
        assert_eq!(
            normalize_url("http://example.org:8080/app/"),
            "http://example.org:8080/app"
        );
        assert_ne!(
            normalize_url("http://example.org"),
            normalize_url("https://example.org")
        );
    }

    #[test]
    fn ip_forms_matomo_accepts() {
        for ok in [
            "1.2.3.4",
            "1.2.3.*",
            "1.2.*.*",
            "10.0.0.0/8",
            "1.2.3.4/32",
            "::1",
            "2001:db8::/32",
            "2001:db8::1",
        ] {
            assert!(is_valid_ip_pattern(ok), "{ok}");
        }
        for bad in [
            "999.1.1.1",
            "not-an-ip",
            "1.2.3",
            "1.2.*.4",
            "10.0.0.0/33",
            "1.2.3.4/",
            "*.*.*.*",
            "2001:db8::/129",
            "",
        ] {
            assert!(!is_valid_ip_pattern(bad), "{bad}");
        }
    }

    #[test]
    fn matomo_lists_are_embedded() {
        assert!(timezones().contains("Europe/Paris"));
        assert!(timezones().contains("UTC"));
        assert!(timezones().contains("UTC+5.5"));
        assert!(!timezones().contains("Mars/Olympus"));
        assert!(currencies().contains("EUR"));
        assert!(!currencies().contains("XXX"));
    }

    #[test]
    fn lists_match_the_recordings() {
        let tz: Value = serde_json::from_str(include_str!(
            "../../tests/fixtures/matomo-5.0.2/SitesManager.getTimezonesList__superuser.json"
        ))
        .expect("json");
        let mut recorded = BTreeSet::new();
        for group in tz["response"]["body"].as_object().expect("groups").values() {
            recorded.extend(group.as_object().expect("zones").keys().cloned());
        }
        let embedded: BTreeSet<String> = timezones().iter().map(|s| s.to_string()).collect();
        assert_eq!(embedded, recorded);
        let cur: Value = serde_json::from_str(include_str!(
            "../../tests/fixtures/matomo-5.0.2/SitesManager.getCurrencyList__superuser.json"
        ))
        .expect("json");
        let recorded: BTreeSet<String> = cur["response"]["body"]
            .as_object()
            .expect("codes")
            .keys()
            .cloned()
            .collect();
        let embedded: BTreeSet<String> = currencies().iter().map(|s| s.to_string()).collect();
        assert_eq!(embedded, recorded);
    }

    #[test]
    fn site_keys() {
        assert!(is_valid_site_key("mon-service-2"));
        assert!(!is_valid_site_key("Mon_Service"));
        assert_eq!(suggest_site_key("Mon Service Été"), "mon-service-ete");
    }
}

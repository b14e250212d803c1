//! The generated convergence test: from a seed, random valid configurations (sites with
//! every field, goals, custom dimensions, exclusions, and now and then the instance's
//! privacy and global exclusions; many small ones, a few large) are applied to the real
//! Matomo, and the plan afterwards must be empty and the read-back equal. On failure it
//! prints the seed and the smallest failing configuration it can shrink to.
//!
//! CI runs [`CI_CONFIGS`] configurations from [`CI_SEED`] (configuration `i` uses seed
//! `CI_SEED + i`). Explore with other seeds:
//! `MATOFORM_SEED=7 MATOFORM_CONFIGS=300 MATOMO_REAL_ENV=… cargo test --test real convergence`.

use fastrand::Rng;
use serde_yaml::{Mapping, Value};

use crate::harness::*;
use crate::readback::assert_matches;

/// The first seed CI runs.
pub const CI_SEED: u64 = 20_261_130;
/// How many configurations CI runs per Matomo version.
pub const CI_CONFIGS: usize = 100;

const TIMEZONES: &[&str] = &[
    "Europe/Paris",
    "UTC",
    "UTC+5.5",
    "UTC-9.5",
    "UTC+14",
    "Pacific/Tahiti",
    "America/Cayenne",
    "Indian/Reunion",
    "Pacific/Noumea",
    "Europe/Berlin",
    "America/Guadeloupe",
];
const CURRENCIES: &[&str] = &["EUR", "XPF", "USD", "GBP", "CHF", "CAD"];
const NAMES: &[&str] = &[
    "Démarches simplifiées",
    "L’école « numérique »",
    "Aides & logement",
    "  Padded name ",
    "Météo\u{a0}Polynésie",
    "Service <b>public</b>",
    "Qualité de l'air",
    "CAPITALES",
    "100 % en ligne",
];
const PARAMS: &[&str] = &[
    "email",
    "nom",
    "prenom",
    "token",
    "sessionid",
    "q",
    "query",
    "cat",
    "utm_id",
    "tel",
];
const AGENTS: &[&str] = &[
    "UptimeRobot",
    "StatusCake",
    "bot",
    "crawler",
    "Pingdom.com_bot",
];
const IPS: &[&str] = &[
    "10.0.0.1",
    "192.168.0.0/16",
    "172.16.*.*",
    "2001:db8::/32",
    "203.0.113.7",
    "10.1.*.*",
];
const REFERRERS: &[&str] = &[
    "partner.example.net",
    ".cdn.example.com",
    "spam.example.org",
];

fn pick<'a>(rng: &mut Rng, items: &[&'a str]) -> &'a str {
    items[rng.usize(..items.len())]
}

fn some(rng: &mut Rng, items: &[&str], max: usize) -> Vec<Value> {
    let n = rng.usize(..=max.min(items.len()));
    let mut chosen: Vec<&str> = Vec::new();
    while chosen.len() < n {
        let item = pick(rng, items);
        if !chosen.contains(&item) {
            chosen.push(item);
        }
    }
    // Now and then two entries in one, or padded: Matomo splits and trims them.
    let mut out: Vec<Value> = chosen.iter().map(|s| Value::from(*s)).collect();
    if out.len() >= 2 && rng.u8(..4) == 0 && !items.contains(&"10.0.0.1") {
        let joined = format!("{},{}", chosen[0], chosen[1]);
        out.drain(..2);
        out.push(Value::from(joined));
    } else if let Some(first) = chosen.first().filter(|_| rng.u8(..4) == 0) {
        out[0] = Value::from(format!(" {first} "));
    }
    out
}

fn map(pairs: Vec<(&str, Value)>) -> Value {
    let mut m = Mapping::new();
    for (k, v) in pairs {
        m.insert(Value::from(k), v);
    }
    Value::Mapping(m)
}

fn goal(rng: &mut Rng, n: usize) -> Value {
    let name = Value::from(format!(
        "{} {n}",
        pick(
            rng,
            &[
                "Merci",
                "Téléchargement",
                "50 % + x",
                "<b>Clic</b>",
                "Contact & RDV"
            ]
        )
    ));
    let attribute = pick(
        rng,
        &[
            "url",
            "title",
            "file",
            "external_website",
            "manually",
            "event_category",
            "event_action",
            "event_name",
            "visit_duration",
        ],
    );
    let mut pairs = vec![("name", name), ("match_attribute", Value::from(attribute))];
    if attribute == "visit_duration" {
        pairs.push(("pattern", Value::from(format!("{}", rng.u8(1..60)))));
        pairs.push(("pattern_type", Value::from("greater_than")));
    } else if attribute != "manually" {
        let (pattern, kind) = match rng.u8(..3) {
            0 => ("/merci?a=1&b=%2F", "contains"),
            1 => ("^Merci.*", "regex"),
            _ if attribute == "url" || attribute == "file" || attribute == "external_website" => {
                ("https://www.example.org/x", "exact")
            }
            _ => ("contact", "exact"),
        };
        pairs.push(("pattern", Value::from(pattern)));
        pairs.push(("pattern_type", Value::from(kind)));
        if rng.bool() {
            pairs.push(("case_sensitive", Value::from(true)));
        }
    }
    if rng.bool() {
        pairs.push(("allow_multiple_conversions", Value::from(true)));
    }
    if rng.u8(..3) == 0 {
        pairs.push(("revenue", Value::from(rng.u8(1..100) as f64 / 4.0)));
    }
    if attribute.starts_with("event") && rng.bool() {
        pairs.push(("use_event_value_as_revenue", Value::from(true)));
    }
    if rng.u8(..3) == 0 {
        pairs.push(("description", Value::from("à 100 % + <i>note</i>")));
    }
    map(pairs)
}

fn dimension(rng: &mut Rng, n: usize) -> Value {
    let action = rng.bool();
    let mut pairs = vec![
        (
            "name",
            Value::from(format!(
                "{} {n}",
                pick(rng, &["Type de page", "Profil", "Catégorie", "Langue"])
            )),
        ),
        (
            "scope",
            Value::from(if action { "action" } else { "visit" }),
        ),
        ("active", Value::from(rng.u8(..4) != 0)),
    ];
    if action && rng.bool() {
        pairs.push(("case_sensitive", Value::from(rng.bool())));
        pairs.push((
            "extractions",
            Value::Sequence(vec![
                map(vec![
                    ("dimension", "url".into()),
                    ("pattern", "/categorie/(.+)/".into()),
                ]),
                map(vec![
                    ("dimension", "urlparam".into()),
                    ("pattern", "cat".into()),
                ]),
            ]),
        ));
    }
    map(pairs)
}

fn site(rng: &mut Rng, host: &str) -> Value {
    let mut urls = vec![Value::from(format!(
        "https://{host}{}",
        if rng.bool() { "/" } else { "" }
    ))];
    for alias in ["www", "m", "old", "beta"].iter().take(rng.usize(..4)) {
        let scheme = if rng.u8(..4) == 0 { "http" } else { "https" };
        let slash = if rng.bool() { "/" } else { "" };
        urls.push(Value::from(format!("{scheme}://{alias}.{host}{slash}")));
    }
    let head = urls.remove(0);
    rng.shuffle(&mut urls);
    urls.insert(0, head);
    let mut pairs = vec![
        ("name", Value::from(pick(rng, NAMES))),
        ("urls", Value::Sequence(urls)),
    ];
    let optional: Vec<(&str, Value)> = vec![
        ("timezone", Value::from(pick(rng, TIMEZONES))),
        ("currency", Value::from(pick(rng, CURRENCIES))),
        ("type", Value::from(pick(rng, &["website", "intranet"]))),
        (
            "group",
            Value::from(pick(
                rng,
                &["", "Éducation & jeunesse", " Outre-mer ", "shops"],
            )),
        ),
        ("ecommerce", Value::from(rng.u8(..5) == 0)),
        ("exclude_unknown_urls", Value::from(rng.u8(..5) == 0)),
        (
            "keep_url_fragments",
            Value::from(pick(rng, &["default", "keep", "remove"])),
        ),
        (
            "site_search",
            if rng.bool() {
                map(vec![
                    ("enabled", true.into()),
                    ("keyword_parameters", Value::Sequence(some(rng, PARAMS, 3))),
                    ("category_parameters", Value::Sequence(some(rng, PARAMS, 2))),
                ])
            } else {
                map(vec![("enabled", false.into())])
            },
        ),
        (
            "exclusions",
            map(vec![
                ("ips", Value::Sequence(some(rng, IPS, 3))),
                ("query_parameters", Value::Sequence(some(rng, PARAMS, 4))),
                ("user_agents", Value::Sequence(some(rng, AGENTS, 2))),
                ("referrers", Value::Sequence(some(rng, REFERRERS, 2))),
            ]),
        ),
        (
            "visitor_log",
            map(vec![
                ("disabled", Value::from(rng.bool())),
                ("profile_disabled", Value::from(rng.bool())),
            ]),
        ),
    ];
    for (key, value) in optional {
        if rng.u8(..3) != 0 {
            pairs.push((key, value));
        }
    }
    if rng.bool() {
        let goals: Vec<(String, Value)> = (0..rng.usize(..4))
            .map(|n| (format!("g{n}"), goal(rng, n)))
            .collect();
        let mut m = Mapping::new();
        for (k, v) in goals {
            m.insert(Value::from(k), v);
        }
        pairs.push(("goals", Value::Mapping(m)));
    }
    if rng.u8(..3) == 0 {
        let mut m = Mapping::new();
        for n in 0..rng.usize(1..3) {
            m.insert(Value::from(format!("d{n}")), dimension(rng, n));
        }
        pairs.push(("custom_dimensions", Value::Mapping(m)));
    }
    map(pairs)
}

fn privacy(rng: &mut Rng) -> Value {
    map(vec![
        (
            "anonymize_ip",
            map(vec![
                ("enabled", true.into()),
                ("mask_bytes", Value::from(rng.u8(1..5))),
                ("use_for_enrichment", Value::from(rng.bool())),
            ]),
        ),
        ("anonymize_user_id", Value::from(rng.bool())),
        ("anonymize_order_id", Value::from(rng.bool())),
        (
            "anonymize_referrer",
            Value::from(pick(
                rng,
                &["none", "exclude_query", "exclude_path", "exclude_all"],
            )),
        ),
        ("force_cookieless", Value::from(rng.bool())),
        ("do_not_track", Value::from(rng.bool())),
    ])
}

/// One random configuration for `seed`, its sites under `tag`.
pub fn generate(seed: u64, tag: &str) -> Value {
    let mut rng = Rng::with_seed(seed);
    let count = if rng.u8(..20) == 0 {
        rng.usize(5..9)
    } else {
        rng.usize(1..3)
    };
    let mut sites = Mapping::new();
    for n in 0..count {
        sites.insert(
            Value::from(format!("{tag}-{n}")),
            site(&mut rng, &format!("s{n}.{tag}.conv.example")),
        );
    }
    let mut pairs = vec![("policy", map(vec![("profile", "none".into())]))];
    if rng.u8(..5) == 0 {
        let mut instance = vec![("privacy", privacy(&mut rng))];
        if rng.bool() {
            instance.push((
                "exclusions",
                map(vec![
                    (
                        "query_parameters",
                        Value::Sequence(some(&mut rng, PARAMS, 4)),
                    ),
                    ("user_agents", Value::Sequence(some(&mut rng, AGENTS, 2))),
                ]),
            ));
        }
        pairs.push(("instance", map(instance)));
    }
    pairs.push(("sites", Value::Mapping(sites)));
    map(pairs)
}

/// Applies `config`; `Err` with the plan that was not empty, or the read-back mismatch.
fn converges(kit: &Kit, config: &Value) -> Result<(), String> {
    let yaml = serde_yaml::to_string(config).map_err(|e| e.to_string())?;
    let work = Workdir::new();
    work.set_config(&yaml);
    let apply = kit.run(&work, &[], &["apply", "--auto-approve"]);
    let result = if apply.code != 0 {
        Err(format!(
            "apply exited {}:\n{}\n{}",
            apply.code, apply.stdout, apply.stderr
        ))
    } else {
        let plan = kit.plan(&work, &[]);
        if plan.code != 0 || plan.last_line() != NO_CHANGES {
            Err(format!(
                "After applying, the plan was not empty:\n{}\n{}",
                plan.stdout, plan.stderr
            ))
        } else {
            let parsed = crate::readback::parse(&yaml);
            std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                assert_matches(kit, &parsed)
            }))
            .map_err(|e| {
                e.downcast_ref::<String>()
                    .cloned()
                    .unwrap_or_else(|| "read-back failed".into())
            })
        }
    };
    cleanup(kit, config);
    result
}

fn cleanup(kit: &Kit, config: &Value) {
    let urls: Vec<String> = config["sites"]
        .as_mapping()
        .map(|m| {
            m.values()
                .filter_map(|s| s["urls"][0].as_str())
                .map(|u| u.trim_end_matches('/').to_string())
                .collect()
        })
        .unwrap_or_default();
    kit.delete_sites_by_url(&urls);
}

/// Smaller variants of a configuration: one site, goal, dimension or optional key less.
fn shrinks(config: &Value) -> Vec<Value> {
    let mut out = Vec::new();
    if config.get("instance").is_some() {
        let mut c = config.clone();
        c.as_mapping_mut().map(|m| m.remove("instance"));
        out.push(c);
    }
    let Some(sites) = config["sites"].as_mapping() else {
        return out;
    };
    for key in sites.keys() {
        if sites.len() > 1 {
            let mut c = config.clone();
            c["sites"].as_mapping_mut().map(|m| m.remove(key));
            out.push(c);
        }
        let site = &sites[key];
        for field in site
            .as_mapping()
            .map(|m| m.keys().cloned().collect::<Vec<_>>())
            .unwrap_or_default()
        {
            let name = field.as_str().unwrap_or_default();
            if name == "name" || name == "urls" {
                continue;
            }
            if let Some(children) = site[name]
                .as_mapping()
                .filter(|_| name == "goals" || name == "custom_dimensions")
            {
                for child in children.keys() {
                    let mut c = config.clone();
                    c["sites"][key][name]
                        .as_mapping_mut()
                        .map(|m| m.remove(child));
                    out.push(c);
                }
            }
            let mut c = config.clone();
            c["sites"][key].as_mapping_mut().map(|m| m.remove(&field));
            out.push(c);
        }
    }
    out
}

/// The same configuration under a fresh tag (new URLs, so nothing is left from a try).
fn retag(config: &Value, from: &str, to: &str) -> Value {
    let yaml = serde_yaml::to_string(config)
        .unwrap_or_default()
        .replace(from, to);
    serde_yaml::from_str(&yaml).unwrap_or(Value::Null)
}

/// Greedy shrinking: keeps any smaller variant that still fails (at most 80 tries).
fn shrink(kit: &Kit, mut config: Value, mut tag: String) -> (Value, String) {
    let mut tries = 0;
    'outer: while tries < 80 {
        for candidate in shrinks(&config) {
            tries += 1;
            let fresh = unique("shrink");
            let candidate = retag(&candidate, &tag, &fresh);
            if let Err(error) = converges(kit, &candidate) {
                config = candidate;
                tag = fresh;
                let _ = error;
                continue 'outer;
            }
            if tries >= 80 {
                break 'outer;
            }
        }
        break;
    }
    let error = converges(kit, &config).err().unwrap_or_default();
    (config, error)
}

#[test]
fn generated_configurations_converge() {
    let Some(kit) = Kit::get() else { return };
    let _instance = kit.instance_lock();
    let seed = std::env::var("MATOFORM_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(CI_SEED);
    let count = std::env::var("MATOFORM_CONFIGS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(CI_CONFIGS);
    let mut sites = 0;
    for i in 0..count {
        let config_seed = seed + i as u64;
        let tag = format!("c{config_seed}-{:04x}", fastrand::u16(..));
        let config = generate(config_seed, &tag);
        sites += config["sites"].as_mapping().map_or(0, |m| m.len());
        if let Err(error) = converges(&kit, &config) {
            let (minimal, minimal_error) = shrink(&kit, config, tag);
            panic!(
                "configuration seed {config_seed} (run: MATOFORM_SEED={config_seed} MATOFORM_CONFIGS=1) does not converge on Matomo {}:\n{error}\n--- smallest failing configuration found:\n{}\n--- its failure:\n{}",
                kit.version,
                serde_yaml::to_string(&minimal).unwrap_or_default(),
                minimal_error
            );
        }
    }
    eprintln!(
        "convergence: {count} configurations ({sites} sites) from seed {seed} converged on Matomo {}",
        kit.version
    );
}

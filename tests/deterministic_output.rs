//! The same configuration gives the same bytes, whatever the order it is written in and
//! whatever the process: sites, goals, dimensions and waivers in another order, split
//! across files of a directory, planned by separate processes (each with its own
//! `HashMap` seeds). Text, JSON and Markdown are compared byte for byte.

mod common;

use common::*;

const SITES: [&str; 3] = [
    "  blog:\n    id: 3\n    name: Blog (renamed)\n    urls: [https://blog.example.com]\n    ecommerce: true\n    goals:\n      signup: { name: Signup, match_attribute: url, pattern: /signup }\n      contact: { name: Contact, match_attribute: url, pattern: /contact }\n      newsletter: { name: Newsletter, match_attribute: url, pattern: /news }\n    custom_dimensions:\n      author: { name: Author, scope: action }\n      section: { name: Section, scope: action }\n",
    "  shop:\n    id: 2\n    name: Shop DE (renamed)\n    urls: [https://shop.example.de, https://www.shop.example.de]\n    visitor_log: { disabled: false }\n    goals:\n      cart: { name: Cart, match_attribute: url, pattern: /cart }\n      order: { name: Order, match_attribute: url, pattern: /order }\n",
    "  fresh:\n    name: Fresh\n    urls: [https://fresh.example.org]\n    exclusions: { query_parameters: [sid, email] }\n",
];

const WAIVERS: [&str; 2] = [
    "  - rule: cnil.ecommerce\n    sites: [blog]\n    reason: Consent is collected before any ecommerce tracking.\n",
    "  - rule: cnil.visitor-log\n    sites: [shop]\n    reason: Support needs the visits log during the migration.\n    expires: 2026-12-31\n",
];

/// Reverses the entries of each `goals:` and `custom_dimensions:` block of a site.
fn reversed_children(site: &str) -> String {
    let mut out = Vec::new();
    let mut block: Vec<&str> = Vec::new();
    for line in site.lines() {
        if line.starts_with("      ") {
            block.push(line);
            continue;
        }
        out.extend(block.drain(..).rev());
        out.push(line);
    }
    out.extend(block.drain(..).rev());
    out.join("\n") + "\n"
}

/// The three outputs of `plan` for the configuration at `config` (relative to the
/// working directory), each from its own process.
fn outputs(work: &Workdir, fake: &FakeMatomo, config: &str) -> Vec<(String, String)> {
    ["text", "json", "markdown"]
        .iter()
        .map(|format| {
            let planned = run_su(work, fake, &["plan", "-c", config, "--format", format]);
            expect_code(&planned, 0);
            (format.to_string(), planned.stdout)
        })
        .collect()
}

#[test]
fn the_plan_does_not_depend_on_the_order_of_the_configuration() {
    let fake = FakeMatomo::start(Seed::recorded());
    let work = Workdir::new();
    // In order, in one file.
    let in_order = format!("sites:\n{}waivers:\n{}", SITES.concat(), WAIVERS.concat());
    work.write("ordered.yaml", &in_order);
    // Reversed, split: the waivers first in a file of their own, the sites in reverse
    // order over two files, their goals and dimensions reversed too. (The waivers are a
    // list: their order is part of the configuration and of its digest, so it is kept.)
    let reversed: Vec<String> = SITES.iter().rev().map(|s| reversed_children(s)).collect();
    work.write(
        "split/0-waivers.yaml",
        &format!("waivers:\n{}", WAIVERS.concat()),
    );
    work.write("split/1-sites.yaml", &format!("sites:\n{}", reversed[0]));
    work.write(
        "split/2-sites.yaml",
        &format!("sites:\n{}{}", reversed[1], reversed[2]),
    );
    assert_ne!(
        reversed.concat(),
        SITES.concat(),
        "the orders must differ for the test to mean anything"
    );

    let first = outputs(&work, &fake, "ordered.yaml");
    // The plan is not trivial: creates, updates, goals, dimensions, waived findings.
    let text = &first[0].1;
    for expected in [
        "+ site[fresh]",
        "~ site[blog]",
        "+ site[blog].goal[newsletter]",
        "+ site[blog].custom_dimension[section]",
        "waived",
    ] {
        assert!(text.contains(expected), "missing {expected:?} in\n{text}");
    }
    let again = outputs(&work, &fake, "ordered.yaml");
    for ((format, one), (_, two)) in first.iter().zip(again.iter()) {
        assert_eq!(
            first_difference(one, two),
            None,
            "{format}: two processes differ"
        );
    }
    let split = outputs(&work, &fake, "split");
    for ((format, ordered), (_, split)) in first.iter().zip(split.iter()) {
        assert_eq!(
            first_difference(ordered, split),
            None,
            "{format}: the configuration in another order gives other bytes"
        );
    }
}

/// The first line that differs (number, left, right), or `None` when equal.
fn first_difference(left: &str, right: &str) -> Option<(usize, String, String)> {
    if left == right {
        return None;
    }
    let mut l = left.lines();
    let mut r = right.lines();
    for n in 1.. {
        match (l.next(), r.next()) {
            (None, None) => break,
            (a, b) if a != b => {
                return Some((
                    n,
                    a.unwrap_or("(end)").to_string(),
                    b.unwrap_or("(end)").to_string(),
                ));
            }
            _ => {}
        }
    }
    Some((0, "(line ends)".into(), String::new()))
}

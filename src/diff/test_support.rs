//! Builders shared by the diff's unit tests.

use std::collections::BTreeMap;

use super::{Diff, DiffOptions, bind, diff};
use crate::desired::model::{Config, Site};
use crate::live::{LiveState, SiteState};

pub(in crate::diff) fn live_site(id: u64, url: &str) -> SiteState {
    SiteState {
        id,
        name: format!("Site {id}"),
        urls: vec![url.to_string()],
        timezone: "Europe/Paris".into(),
        currency: "EUR".into(),
        site_type: "website".into(),
        goals: Some(BTreeMap::new()),
        custom_dimensions: Some(BTreeMap::new()),
        ..SiteState::default()
    }
}

pub(in crate::diff) fn site(name: &str, url: &str) -> Site {
    Site {
        name: name.into(),
        urls: vec![url.into()],
        ..Site::default()
    }
}

pub(in crate::diff) fn live_of(sites: Vec<SiteState>) -> LiveState {
    LiveState {
        format_version: 1,
        sites: sites.into_iter().map(|s| (s.id, s)).collect(),
        ..LiveState::default()
    }
}

pub(in crate::diff) fn plan(config: &Config, live: &LiveState) -> Diff {
    let listed: Vec<SiteState> = live.sites.values().cloned().collect();
    let bindings = bind(config, &listed).expect("binds");
    diff(config, live, &bindings, &DiffOptions::default()).expect("diffs")
}

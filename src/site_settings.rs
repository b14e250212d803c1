//! The simple scalar site settings (timezone, currency, type, group, ecommerce,
//! exclude_unknown_urls, keep_url_fragments), one table for every stage: the live
//! reads' translation from the wire ([`crate::live::translate`]) and back, the diff
//! (desired over live, as Matomo stores it), import (live → configuration) and the
//! CNIL defaults ([`crate::policy::defaults`]). Each setting keeps its typed field in the
//! desired model and in [`SiteState`]; the table holds the accessors between them, and
//! [`wire::SITE_FIELDS`] how Matomo names and encodes it.
//!
//! # Adding a site setting
//!
//! A simple setting (a boolean, a text or a Matomo number code, one `getSiteFromId`
//! field and one `addSite`/`updateSite` parameter) needs:
//! 1. `src/desired/model/site.rs`: an `Option<T>` field with its doc comment (the
//!    configuration schema; regenerate `schema/` as the staleness test says);
//! 2. `src/live/mod.rs`: a `T` field in [`SiteState`];
//! 3. `src/matomo/wire/sites.rs`: one [`wire::SITE_FIELDS`] entry (read field, write
//!    parameter, kind);
//! 4. here: one line in `site_settings!` below (`, cnil value` when the policy has a
//!    compliant default). A new `T` implements [`Scalar`] once.
//!
//! Then, only if they apply: a rule in `src/policy/rules/` (and its catalogue entry)
//! when the policy judges the setting; the fake Matomo (`tests/fake-matomo`: `state.rs`
//! and `api/sites_manager.rs`) so it stores and answers the field; `docs/configuration.md`.
//! The generated outputs the tests compare then show the new field: regenerate the
//! schemas (`schema/`), the render goldens (`tests/golden/`, whose `SiteState`
//! literals in `tests/render_golden.rs` name every field), the example snapshot and the
//! expected plan of `tests/policy_cli.rs`.

use crate::desired::model::{KeepUrlFragments, Site};
use crate::live::SiteState;
use crate::matomo::codes::MatomoNumber;
use crate::matomo::wire::{self, FieldValue};

/// A typed value of a simple setting: how it travels and how Matomo stores it.
pub trait Scalar: Clone {
    /// The value on the wire.
    fn to_wire(&self) -> FieldValue;
    /// From the wire (`None` for a value of another kind).
    fn from_wire(value: &FieldValue) -> Option<Self>;
    /// As Matomo stores it (text trimmed, see [`crate::matomo::stored`]).
    fn stored(&self) -> Self {
        self.clone()
    }
}

impl Scalar for bool {
    fn to_wire(&self) -> FieldValue {
        FieldValue::Bool(*self)
    }
    fn from_wire(value: &FieldValue) -> Option<Self> {
        match value {
            FieldValue::Bool(flag) => Some(*flag),
            _ => None,
        }
    }
}

impl Scalar for String {
    fn to_wire(&self) -> FieldValue {
        FieldValue::Text(self.clone())
    }
    fn from_wire(value: &FieldValue) -> Option<Self> {
        match value {
            FieldValue::Text(text) => Some(text.clone()),
            _ => None,
        }
    }
    fn stored(&self) -> Self {
        crate::matomo::stored::text(self)
    }
}

impl Scalar for KeepUrlFragments {
    fn to_wire(&self) -> FieldValue {
        FieldValue::Code(self.to_matomo().into())
    }
    fn from_wire(value: &FieldValue) -> Option<Self> {
        match value {
            FieldValue::Code(code) => Some(Self::from_matomo(*code)),
            _ => None,
        }
    }
}

/// One simple site setting: its field in the desired model and in [`SiteState`] (same
/// name), its wire field, and the accessors every stage uses.
#[derive(Debug, Clone, Copy)]
pub struct SiteSetting {
    /// The field's name in the desired model and in [`SiteState`].
    pub name: &'static str,
    /// Its [`wire::SiteField::read`] name.
    pub wire: &'static str,
    /// Wire → live: sets the live field from the answer (left as is when absent).
    pub read: fn(&wire::Site, &mut SiteState),
    /// Live → wire: puts the live field into a write.
    pub write: fn(&SiteState, &mut wire::Site),
    /// Desired over live: the configured value, as Matomo stores it (the live value
    /// stays where the configuration is silent).
    pub desire: fn(&Site, &mut SiteState),
    /// Live → configuration (import sets every setting).
    pub import: fn(&SiteState, &mut Site),
    /// Fills the CNIL-compliant value where the configuration is silent (nothing for a
    /// setting the policy has no default for).
    pub cnil_default: fn(&mut Site),
}

/// Builds [`SITE_SETTINGS`]: `field: "wire read name"`, then `, cnil value` for a
/// setting with a compliant default. Each accessor is a non-capturing closure over the
/// typed field, so the compiler checks every entry against both models.
macro_rules! site_settings {
    ($($field:ident: $wire:literal $(, cnil $default:expr)?;)*) => {
        /// Every simple site setting, in the desired model's order.
        pub const SITE_SETTINGS: &[SiteSetting] = &[$(SiteSetting {
            name: stringify!($field),
            wire: $wire,
            read: |wire, live| {
                if let Some(value) = wire.settings.get($wire).and_then(Scalar::from_wire) {
                    live.$field = value;
                }
            },
            write: |live, wire| {
                wire.settings.insert($wire, live.$field.to_wire());
            },
            desire: |site, after| {
                if let Some(value) = &site.$field {
                    after.$field = value.stored();
                }
            },
            import: |live, site| site.$field = Some(live.$field.clone()),
            cnil_default: |_site| {
                $(_site.$field.get_or_insert($default);)?
            },
        }),*];
    };
}

site_settings! {
    timezone: "timezone";
    currency: "currency";
    site_type: "type";
    group: "group";
    ecommerce: "ecommerce", cnil false;
    exclude_unknown_urls: "exclude_unknown_urls", cnil true;
    keep_url_fragments: "keep_url_fragment";
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use super::*;
    use crate::matomo::wire::{FieldKind, SITE_FIELDS};

    fn every_setting_set() -> SiteState {
        SiteState {
            timezone: "Europe/Paris".into(),
            currency: "EUR".into(),
            site_type: "intranet".into(),
            group: "shops".into(),
            ecommerce: true,
            exclude_unknown_urls: true,
            keep_url_fragments: KeepUrlFragments::Remove,
            ..SiteState::default()
        }
    }

    #[test]
    fn the_table_and_the_wire_fields_name_the_same_settings_once() {
        let table: Vec<&str> = SITE_SETTINGS.iter().map(|s| s.wire).collect();
        let wire: Vec<&str> = SITE_FIELDS.iter().map(|f| f.read).collect();
        assert_eq!(
            table.iter().collect::<BTreeSet<_>>(),
            wire.iter().collect::<BTreeSet<_>>()
        );
        assert_eq!(table.len(), wire.len(), "a setting is listed twice");
        let names: BTreeSet<&str> = SITE_SETTINGS.iter().map(|s| s.name).collect();
        assert_eq!(names.len(), SITE_SETTINGS.len());
    }

    #[test]
    fn each_setting_has_the_kind_its_wire_field_says() {
        let mut out = wire::Site::default();
        for setting in SITE_SETTINGS {
            (setting.write)(&SiteState::default(), &mut out);
        }
        for field in SITE_FIELDS {
            let kind = match out.settings.get(field.read) {
                Some(FieldValue::Bool(_)) => "bool",
                Some(FieldValue::Text(_)) => "text",
                Some(FieldValue::Code(_)) => "code",
                None => "missing",
            };
            let expected = match field.kind {
                FieldKind::Bool => "bool",
                FieldKind::Text | FieldKind::TextIfSet => "text",
                FieldKind::Code => "code",
            };
            assert_eq!(kind, expected, "{}", field.read);
        }
    }

    #[test]
    fn a_live_site_survives_the_wire_and_import_then_desire_restores_it() {
        let live = every_setting_set();
        let mut out = wire::Site::default();
        let mut back = SiteState::default();
        let mut config = Site::default();
        let mut desired = SiteState::default();
        for setting in SITE_SETTINGS {
            (setting.write)(&live, &mut out);
            (setting.read)(&out, &mut back);
            (setting.import)(&live, &mut config);
            (setting.desire)(&config, &mut desired);
        }
        assert_eq!(back, live);
        assert_eq!(desired, live);
        assert_eq!(config.exclude_unknown_urls, Some(true));
        assert_eq!(config.site_type.as_deref(), Some("intranet"));
    }

    #[test]
    fn desire_keeps_the_live_value_where_the_configuration_is_silent_and_trims_text() {
        let mut after = every_setting_set();
        let site = Site {
            group: Some("  teamA ".into()),
            ecommerce: Some(false),
            ..Site::default()
        };
        for setting in SITE_SETTINGS {
            (setting.desire)(&site, &mut after);
        }
        assert_eq!(after.group, "teamA");
        assert!(!after.ecommerce);
        assert_eq!(after.timezone, "Europe/Paris");
        assert_eq!(after.keep_url_fragments, KeepUrlFragments::Remove);
    }

    #[test]
    fn cnil_defaults_fill_only_silent_settings_the_policy_has_a_value_for() {
        let mut site = Site {
            ecommerce: Some(true),
            ..Site::default()
        };
        for setting in SITE_SETTINGS {
            (setting.cnil_default)(&mut site);
        }
        assert_eq!(site.ecommerce, Some(true));
        assert_eq!(site.exclude_unknown_urls, Some(true));
        assert_eq!(site.timezone, None);
        assert_eq!(site.keep_url_fragments, None);
    }
}

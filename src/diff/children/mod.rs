//! Diff stage: the objects a site holds (goals, custom dimensions…), through one
//! mechanism. Each kind is configured as a map by key and read as a map by Matomo id;
//! a configured child binds to a live one by its explicit `id`, else by identity (a
//! goal's name; a dimension's name and scope). Bound children are updated, unbound
//! ones created, unlisted live ones deleted (or whatever the kind does instead).
//!
//! A new kind of child is one implementation of [`Child`] and one call in
//! `site::diff_site`; its changes, fingerprints, warnings and addresses follow.

mod dimension;
mod goal;

pub(super) use dimension::Dimensions;
pub(super) use goal::Goals;

use std::collections::{BTreeMap, BTreeSet};

use serde::Serialize;

use crate::live::SiteState;
use crate::plan::{Action, Address, Change, FieldChange, Ref, Resource};

use super::{ABSENT, Diff, changed_fields, created_fields, fields_of, fingerprint};

/// A kind of object a site holds, diffed by identity.
pub(super) trait Child {
    /// The child as configured.
    type Desired;
    /// The child as Matomo stores it (read, and written by apply).
    type Live: Clone + Serialize;

    /// What it is called in messages: "goal id 3 does not exist…".
    const NOUN: &'static str;
    /// Why a site's children could not be read: "goals are configured but could not be
    /// read (…)".
    const UNREADABLE: &'static str;

    /// The address of a child of the site `site`.
    fn address(site: &str, child: Ref) -> Address;
    /// The site's live children, as read (`None`: they could not be read).
    fn read(site: &SiteState) -> &Option<BTreeMap<u64, Self::Live>>;
    /// The child's explicit Matomo id, if configured.
    fn id(desired: &Self::Desired) -> Option<u64>;
    /// Whether a live child without an explicit id is this configured child.
    fn is(desired: &Self::Desired, live: &Self::Live) -> bool;
    /// The object a change carries.
    fn resource(state: Self::Live) -> Resource;
    /// The child to create, as Matomo would store it (id 0).
    fn created(desired: &Self::Desired) -> Self::Live;
    /// A bound child compared with its live child.
    fn updated(
        address: &Address,
        desired: &Self::Desired,
        live: &Self::Live,
    ) -> Updated<Self::Live>;
    /// What becomes of a live child the configuration does not list.
    fn unlisted(address: &Address, id: u64, live: &Self::Live) -> Unlisted<Self::Live>;

    /// Checks over all of a site's children once bound (e.g. free slots); errors are
    /// pushed. Nothing to check by default.
    fn check_bound(
        _site: &Address,
        _bound: &[Bound<'_, Self>],
        _live: &BTreeMap<u64, Self::Live>,
        _used: &BTreeSet<u64>,
        _live_site: Option<&SiteState>,
        _errors: &mut Vec<String>,
    ) {
    }
}

/// A bound child compared with its live child.
pub(super) enum Updated<L> {
    /// It matches: nothing to do.
    Same,
    /// It differs: the live child as compared, and the child to write.
    Changed {
        /// The live child, as compared.
        before: L,
        /// The child to write.
        after: L,
    },
    /// It differs but cannot be changed: this error.
    Refused(String),
}

/// What becomes of a live child the configuration does not list.
pub(super) enum Unlisted<L> {
    /// Left as it is, nothing said.
    Kept,
    /// Left as it is (not managed), with this warning.
    Warned(String),
    /// It should go but cannot: this error.
    Refused(String),
    /// Deleted.
    Deleted,
    /// Kept but switched off (Matomo cannot delete it): this is the child to write.
    Deactivated(L),
}

/// A configured child and the live child it binds to, if any.
pub(super) struct Bound<'a, C: Child + ?Sized> {
    /// Key in the configuration.
    pub key: &'a str,
    /// The configured child.
    pub desired: &'a C::Desired,
    /// The live child it binds to (`None`: to be created).
    pub live: Option<&'a C::Live>,
}

/// Diffs one kind of child of one site: `configured` against the live site's children
/// (a site to be created has none).
pub(super) fn diff_children<C: Child>(
    changes: &SiteChanges<'_>,
    configured: &BTreeMap<String, C::Desired>,
    live_site: Option<&SiteState>,
    out: &mut Diff,
    errors: &mut Vec<String>,
) {
    let site_address = Address::site(changes.key);
    let empty = BTreeMap::new();
    let Some(live) = live_children(live_site.map(C::read), &empty) else {
        errors.push(format!("{site_address}: {}", C::UNREADABLE));
        return;
    };
    let (bound, used) = bind_children::<C>(configured, live);
    for child in bound.iter().filter(|b| b.live.is_none()) {
        if let (Some(id), Some(_)) = (C::id(child.desired), live_site) {
            out.warnings.push(format!(
                "{}: {} id {id} does not exist on the site; it will be created with a new id (update or remove `id`)",
                C::address(changes.key, Ref::Key(child.key.to_string())),
                C::NOUN,
            ));
        }
    }
    C::check_bound(&site_address, &bound, live, &used, live_site, errors);
    for child in bound {
        let address = C::address(changes.key, Ref::Key(child.key.to_string()));
        let Some(live_child) = child.live else {
            out.fingerprints.insert(address.clone(), ABSENT.into());
            let after = C::resource(C::created(child.desired));
            out.changes.push(changes.create(address, after));
            continue;
        };
        out.fingerprints
            .insert(address.clone(), fingerprint(live_child));
        match C::updated(&address, child.desired, live_child) {
            Updated::Same => {}
            Updated::Changed { before, after } => out.changes.push(changes.update(
                address,
                Action::Update,
                C::resource(before),
                C::resource(after),
            )),
            Updated::Refused(error) => errors.push(error),
        }
    }
    for (id, live_child) in live.iter().filter(|(id, _)| !used.contains(*id)) {
        let address = C::address(changes.key, Ref::Id(*id));
        match C::unlisted(&address, *id, live_child) {
            Unlisted::Kept => {}
            Unlisted::Warned(warning) => out.warnings.push(warning),
            Unlisted::Refused(error) => errors.push(error),
            Unlisted::Deleted => {
                out.fingerprints
                    .insert(address.clone(), fingerprint(live_child));
                let before = C::resource(live_child.clone());
                out.changes.push(changes.delete(address, before));
            }
            Unlisted::Deactivated(after) => {
                out.fingerprints
                    .insert(address.clone(), fingerprint(live_child));
                out.changes.push(changes.update(
                    address,
                    Action::Delete,
                    C::resource(live_child.clone()),
                    C::resource(after),
                ));
            }
        }
    }
}

/// Builds the changes of one site's objects (the site's key and id filled in).
pub(super) struct SiteChanges<'a> {
    /// Key of the configured site.
    pub key: &'a str,
    /// Its Matomo id, when it exists already.
    pub site_id: Option<u64>,
}

impl SiteChanges<'_> {
    fn change(
        &self,
        address: Address,
        action: Action,
        fields: Vec<FieldChange>,
        before: Option<Resource>,
        after: Option<Resource>,
    ) -> Change {
        Change {
            address,
            action,
            site: Some(self.key.to_string()),
            site_id: self.site_id,
            fields,
            before,
            after,
        }
    }

    /// A created object.
    fn create(&self, address: Address, after: Resource) -> Change {
        let fields = created_fields(&after);
        self.change(address, Action::Create, fields, None, Some(after))
    }

    /// An object updated in place (also a dimension deactivated: `action` says which).
    fn update(
        &self,
        address: Address,
        action: Action,
        before: Resource,
        after: Resource,
    ) -> Change {
        let fields = changed_fields(&before, &after);
        self.change(address, action, fields, Some(before), Some(after))
    }

    /// A deleted object.
    fn delete(&self, address: Address, before: Resource) -> Change {
        let fields = fields_of(&before);
        self.change(address, Action::Delete, fields, Some(before), None)
    }
}

/// The live children of a site: none for a site to be created, `None` when the site
/// exists but they could not be read.
fn live_children<'a, T>(
    read: Option<&'a Option<BTreeMap<u64, T>>>,
    empty: &'a BTreeMap<u64, T>,
) -> Option<&'a BTreeMap<u64, T>> {
    match read {
        None => Some(empty),
        Some(children) => children.as_ref(),
    }
}

/// Binds configured children of a site to live ones: an explicit id first (a missing
/// id binds to nothing: the child is created), then the first unused live child that
/// [`Child::is`] this one. Returns the bindings in configuration order (explicit ids
/// first) and the live ids used.
fn bind_children<'a, C: Child>(
    configured: &'a BTreeMap<String, C::Desired>,
    live: &'a BTreeMap<u64, C::Live>,
) -> (Vec<Bound<'a, C>>, BTreeSet<u64>) {
    let mut used = BTreeSet::new();
    let mut bound = Vec::new();
    for (key, desired) in configured {
        if let Some(id) = C::id(desired) {
            let found = live.get(&id);
            if found.is_some() {
                used.insert(id);
            }
            bound.push(Bound {
                key,
                desired,
                live: found,
            });
        }
    }
    for (key, desired) in configured.iter().filter(|(_, c)| C::id(c).is_none()) {
        let found = live
            .iter()
            .find(|(id, l)| !used.contains(*id) && C::is(desired, l));
        if let Some((id, _)) = found {
            used.insert(*id);
        }
        bound.push(Bound {
            key,
            desired,
            live: found.map(|(_, l)| l),
        });
    }
    (bound, used)
}

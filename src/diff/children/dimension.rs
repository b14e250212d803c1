//! Diff stage: custom dimensions, one kind of [`Child`]: bound by `id`, else by name
//! and scope. Matomo cannot delete a dimension: an unlisted active one is deactivated;
//! a scope never changes; a site has a fixed number of slots per scope.

use std::collections::{BTreeMap, BTreeSet};

use crate::desired::checks::dimension_name_problem;
use crate::desired::model::{CustomDimension, DimensionScope};
use crate::live::{DimensionSlots, DimensionState, SiteState};
use crate::plan::{Address, Ref, Resource};

use super::{Bound, Child, Unlisted, Updated};

/// A site's custom dimensions.
pub(in crate::diff) struct Dimensions;

impl Child for Dimensions {
    type Desired = CustomDimension;
    type Live = DimensionState;

    const NOUN: &'static str = "dimension";
    const UNREADABLE: &'static str = "custom dimensions are configured but could not be read (is the CustomDimensions plugin active?)";

    fn address(site: &str, dimension: Ref) -> Address {
        Address::CustomDimension {
            site: site.to_string(),
            dimension,
        }
    }

    fn read(site: &SiteState) -> &Option<BTreeMap<u64, DimensionState>> {
        &site.custom_dimensions
    }

    fn id(dimension: &CustomDimension) -> Option<u64> {
        dimension.id
    }

    fn is(dimension: &CustomDimension, live: &DimensionState) -> bool {
        live.name == dimension.name && live.scope == dimension.scope
    }

    fn resource(dimension: DimensionState) -> Resource {
        Resource::CustomDimension(dimension)
    }

    fn created(dimension: &CustomDimension) -> DimensionState {
        dimension_state(dimension, 0)
    }

    fn updated(
        address: &Address,
        dimension: &CustomDimension,
        live: &DimensionState,
    ) -> Updated<DimensionState> {
        if live.scope != dimension.scope {
            return Updated::Refused(format!(
                "{address}: the scope of a custom dimension cannot change ({:?} live, {:?} configured); give the new dimension another key and set `active: false` on the old one",
                live.scope, dimension.scope
            ));
        }
        let after = dimension_state(dimension, live.id);
        if *live == after {
            return Updated::Same;
        }
        // Matomo checks the name on every write: a legacy name fails it.
        if let Some((reason, fix)) = dimension_name_problem(&after.name) {
            return Updated::Refused(format!(
                "{address}: this change cannot be applied, Matomo checks the name with every change: {reason}; {fix}"
            ));
        }
        Updated::Changed {
            before: live.clone(),
            after,
        }
    }

    fn unlisted(address: &Address, id: u64, live: &DimensionState) -> Unlisted<DimensionState> {
        // Matomo cannot delete a custom dimension: an unlisted active one is deactivated.
        if !live.active {
            return Unlisted::Kept;
        }
        if let Some((reason, _)) = dimension_name_problem(&live.name) {
            return Unlisted::Refused(format!(
                "{address}: this unlisted dimension cannot be deactivated, Matomo checks the name with every change: {reason}; list it with `id: {id}`, a name Matomo accepts and `active: false`"
            ));
        }
        Unlisted::Deactivated(DimensionState {
            active: false,
            ..live.clone()
        })
    }

    fn check_bound(
        site: &Address,
        bound: &[Bound<'_, Self>],
        live: &BTreeMap<u64, DimensionState>,
        used: &BTreeSet<u64>,
        live_site: Option<&SiteState>,
        errors: &mut Vec<String>,
    ) {
        if let Some(slots) = live_site.and_then(|s| s.dimension_slots.as_ref()) {
            check_slots(site, bound, live, used, slots, errors);
        }
    }
}

/// The dimension as Matomo would store it.
fn dimension_state(dimension: &CustomDimension, id: u64) -> DimensionState {
    DimensionState {
        id,
        name: dimension.name.clone(),
        scope: dimension.scope,
        active: dimension.active,
        case_sensitive: dimension.case_sensitive,
        extractions: dimension.extractions.clone(),
    }
}

/// Refuses creating more dimensions in a scope than the site has free slots (Matomo
/// would fail in the middle of the apply: "All Custom Dimensions for website N in scope
/// 'visit' are already used."). The fix names the deactivated dimensions to reuse.
fn check_slots(
    site_address: &Address,
    bound: &[Bound<'_, Dimensions>],
    live_dims: &BTreeMap<u64, DimensionState>,
    used: &BTreeSet<u64>,
    slots: &BTreeMap<DimensionScope, DimensionSlots>,
    errors: &mut Vec<String>,
) {
    let mut creates: BTreeMap<DimensionScope, Vec<&str>> = BTreeMap::new();
    for dim in bound.iter().filter(|b| b.live.is_none()) {
        creates.entry(dim.desired.scope).or_default().push(dim.key);
    }
    for (scope, keys) in creates {
        let Some(slot) = slots.get(&scope) else {
            continue;
        };
        if keys.len() as u64 <= slot.left {
            continue;
        }
        let scope_name = match scope {
            DimensionScope::Visit => "visit",
            DimensionScope::Action => "action",
        };
        let reusable: Vec<String> = live_dims
            .iter()
            .filter(|(id, d)| d.scope == scope && !d.active && !used.contains(*id))
            .map(|(id, d)| format!("id: {id} ({})", d.name))
            .collect();
        let reuse = if reusable.is_empty() {
            String::new()
        } else {
            format!(" (deactivated here: {})", reusable.join(", "))
        };
        errors.push(format!(
            "{site_address}: the configuration creates {} custom dimension(s) in scope {scope_name} ({}) but the site has {} free slot(s) of {} in that scope; deactivated dimensions keep their slot: reuse one by binding it with id:{reuse}, or create fewer",
            keys.len(),
            keys.join(", "),
            slot.left,
            slot.available,
        ));
    }
}

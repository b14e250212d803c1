//! Apply: execute a plan's changes through the client, in order, reporting each.
//!
//! Instance settings first, one at a time; then sites, each site's changes in plan
//! order (creates before what depends on them), different sites concurrently up to
//! `parallelism`. Writes are never retried. On the first failure no new change
//! starts; changes in flight finish; the report says what was applied, what failed
//! (with Matomo's message) and what was not attempted.

use std::collections::BTreeMap;
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, Ordering};

use futures::StreamExt;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::desired::model::ComplianceMode;
use crate::live::{MatomoInfo, SitePrivacyState};
use crate::matomo::{Client, MatomoError, wire};
use crate::plan::{Action, Address, Change, Plan, Resource};

/// What happened to one change.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(tag = "status", content = "message", rename_all = "snake_case")]
pub enum Status {
    /// Written.
    Applied,
    /// Matomo refused or the call failed (message).
    Failed(String),
    /// Not started because an earlier change failed.
    NotAttempted,
}

/// The outcome of an apply, by address (sorted).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct Report {
    /// One entry per change (asserted settings included), by the change's address.
    pub entries: BTreeMap<Address, Status>,
    /// Ids of the sites created, by site key.
    pub created_sites: BTreeMap<String, u64>,
}

impl Report {
    /// Count of entries with a given status kind.
    pub fn count(&self, pred: impl Fn(&Status) -> bool) -> usize {
        self.entries.values().filter(|s| pred(s)).count()
    }

    /// True when every change was applied.
    pub fn succeeded(&self) -> bool {
        self.entries.values().all(|s| *s == Status::Applied)
    }

    /// The report as text: one line per change (a created site with its new id:
    /// `  created        site[key] (id 42)`), then a summary line.
    pub fn render(&self) -> String {
        let created: BTreeMap<Address, u64> = self
            .created_sites
            .iter()
            .map(|(key, id)| (Address::site(key), *id))
            .collect();
        let mut out = String::new();
        for (address, status) in &self.entries {
            match status {
                Status::Applied => match created.get(address) {
                    Some(id) => out.push_str(&format!("  created        {address} (id {id})\n")),
                    None => out.push_str(&format!("  applied        {address}\n")),
                },
                Status::Failed(message) => {
                    out.push_str(&format!("  failed         {address}: {message}\n"))
                }
                Status::NotAttempted => out.push_str(&format!("  not attempted  {address}\n")),
            }
        }
        let applied = self.count(|s| *s == Status::Applied);
        let failed = self.count(|s| matches!(s, Status::Failed(_)));
        let skipped = self.count(|s| *s == Status::NotAttempted);
        if failed == 0 && skipped == 0 {
            out.push_str(&format!("Apply complete: {applied} applied.\n"));
        } else {
            out.push_str(&format!(
                "Apply failed: {applied} applied, {failed} failed, {skipped} not attempted. Run plan again to see what remains.\n"
            ));
        }
        out
    }
}

/// A callback told of each change's outcome (address, status).
pub type Progress = Box<dyn Fn(&str, &Status) + Send + Sync>;

/// Options of an apply.
pub struct ApplyOptions {
    /// Sites changed at once.
    pub parallelism: usize,
    /// Called after each change (address, status), e.g. to draw progress.
    pub progress: Progress,
}

/// Executes the plan's changes and asserted settings.
pub async fn apply(
    client: &Client,
    info: &MatomoInfo,
    plan: &Plan,
    options: &ApplyOptions,
) -> Report {
    let stop = AtomicBool::new(false);
    let report = Mutex::new(Report::default());

    // Instance-level changes first, sequentially.
    let instance: Vec<&Change> = plan
        .changes
        .iter()
        .chain(plan.asserted.iter())
        .filter(|c| c.site.is_none() && c.site_id.is_none())
        .collect();
    run_group(client, info, &instance, &stop, &report, options).await;

    // Then sites, grouped, concurrently.
    let mut groups: BTreeMap<String, Vec<&Change>> = BTreeMap::new();
    for change in plan.changes.iter().chain(plan.asserted.iter()) {
        let key = match (&change.site, change.site_id) {
            (Some(key), _) => key.clone(),
            (None, Some(id)) => format!("#{id}"),
            (None, None) => continue,
        };
        groups.entry(key).or_default().push(change);
    }
    let parallelism = options.parallelism.max(1);
    futures::stream::iter(groups.values())
        .map(|group| run_group(client, info, group, &stop, &report, options))
        .buffer_unordered(parallelism)
        .collect::<Vec<()>>()
        .await;

    report
        .into_inner()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

async fn run_group(
    client: &Client,
    info: &MatomoInfo,
    changes: &[&Change],
    stop: &AtomicBool,
    report: &Mutex<Report>,
    options: &ApplyOptions,
) {
    let mut site_id: Option<u64> = changes.iter().find_map(|c| c.site_id);
    for change in changes {
        let status = if stop.load(Ordering::SeqCst) {
            Status::NotAttempted
        } else {
            match execute(client, info, change, &mut site_id).await {
                Ok(()) => Status::Applied,
                Err(err) => {
                    stop.store(true, Ordering::SeqCst);
                    Status::Failed(err.to_string())
                }
            }
        };
        (options.progress)(&change.address.to_string(), &status);
        if let Ok(mut report) = report.lock() {
            if change.action == Action::Create {
                if let (Some(Resource::Site(_)), Some(key), Some(id)) =
                    (&change.after, &change.site, site_id)
                {
                    if status == Status::Applied {
                        report.created_sites.insert(key.clone(), id);
                    }
                }
            }
            report.entries.insert(change.address.clone(), status);
        }
    }
}

/// Writes a site's own privacy settings, the mask under this Matomo's parameter name.
async fn set_site_privacy(
    client: &Client,
    info: &MatomoInfo,
    id: u64,
    privacy: &SitePrivacyState,
) -> Result<(), MatomoError> {
    let privacy = wire::SiteAnonymisation::from(privacy);
    client
        .set_site_privacy(&info.mask_parameter, id, &privacy)
        .await
}

fn missing_site(change: &Change) -> MatomoError {
    MatomoError::Config(format!(
        "{}: the site does not exist yet (its creation failed or was not attempted)",
        change.address
    ))
}

async fn execute(
    client: &Client,
    info: &MatomoInfo,
    change: &Change,
    site_id: &mut Option<u64>,
) -> Result<(), MatomoError> {
    match (
        &change.action,
        change.after.as_ref(),
        change.before.as_ref(),
    ) {
        (Action::Create, Some(Resource::Site(site)), _) => {
            let id = client.add_site(&wire::Site::from(&**site)).await?;
            *site_id = Some(id);
            if site.public_stats == Some(true) {
                client.set_public_stats(id, true).await?;
            }
            if let Some(mode) = site.compliance_mode {
                client
                    .set_compliance(Some(id), mode == ComplianceMode::CnilV1)
                    .await?;
            }
            if let Some(privacy) = site.privacy.as_ref().filter(|p| p.own) {
                set_site_privacy(client, info, id, privacy).await?;
            }
            Ok(())
        }
        (Action::Update, Some(Resource::Site(after)), Some(Resource::Site(before))) => {
            let id = site_id.ok_or_else(|| missing_site(change))?;
            let mut after = after.clone();
            after.id = id;
            let core_changed = change.fields.iter().any(|f| {
                f.name != "public_stats"
                    && f.name != "compliance_mode"
                    && !f.name.starts_with("privacy")
            });
            if core_changed {
                client.update_site(&wire::Site::from(&*after)).await?;
            }
            if after.public_stats != before.public_stats {
                if let Some(public) = after.public_stats {
                    client.set_public_stats(id, public).await?;
                }
            }
            if after.compliance_mode != before.compliance_mode {
                if let Some(mode) = after.compliance_mode {
                    client
                        .set_compliance(Some(id), mode == ComplianceMode::CnilV1)
                        .await?;
                }
            }
            if after.privacy != before.privacy {
                if let Some(privacy) = &after.privacy {
                    set_site_privacy(client, info, id, privacy).await?;
                }
            }
            Ok(())
        }
        (Action::Delete, _, Some(Resource::Site(site))) => client.delete_site(site.id).await,
        (Action::Create, Some(Resource::Goal(goal)), _) => {
            let id = site_id.ok_or_else(|| missing_site(change))?;
            client
                .add_goal(id, &wire::Goal::from(goal))
                .await
                .map(|_| ())
        }
        (Action::Update, Some(Resource::Goal(goal)), _) => {
            let id = site_id.ok_or_else(|| missing_site(change))?;
            client.update_goal(id, &wire::Goal::from(goal)).await
        }
        (Action::Delete, None, Some(Resource::Goal(goal))) => {
            let id = site_id.ok_or_else(|| missing_site(change))?;
            client.delete_goal(id, goal.id).await
        }
        (Action::Create, Some(Resource::CustomDimension(dim)), _) => {
            let id = site_id.ok_or_else(|| missing_site(change))?;
            client
                .add_dimension(id, &wire::Dimension::from(dim))
                .await
                .map(|_| ())
        }
        (Action::Update | Action::Delete, Some(Resource::CustomDimension(dim)), _) => {
            let id = site_id.ok_or_else(|| missing_site(change))?;
            client
                .update_dimension(id, &wire::Dimension::from(dim))
                .await
        }
        (_, Some(Resource::Privacy(privacy)), _) => {
            client
                .set_privacy(
                    &info.mask_parameter,
                    &wire::AnonymisationSettings::from(privacy),
                )
                .await
        }
        (_, Some(Resource::Retention(retention)), before) => {
            // Only the parts that change: a part read from the admin pages but not
            // managed is kept as read, not written back.
            let mut retention = retention.clone();
            if let Some(Resource::Retention(read)) = before {
                if retention.raw_data == read.raw_data {
                    retention.raw_data = None;
                }
                if retention.reports == read.reports {
                    retention.reports = None;
                }
            }
            let logs = retention.raw_data.as_ref().map(wire::DeleteLogs::from);
            let reports = retention.reports.as_ref().map(wire::DeleteReports::from);
            client.set_retention(logs.as_ref(), reports.as_ref()).await
        }
        (_, Some(Resource::GlobalExclusions(exclusions)), _) => {
            // The setter follows the version detected for this run (5.2+).
            client
                .set_global_exclusions(Some(&info.version), &wire::ExclusionLists::from(exclusions))
                .await
        }
        (_, Some(Resource::VisitorLog(log)), _) => {
            client
                .set_instance_visitor_log(log.disabled, log.profile_disabled)
                .await
        }
        (_, Some(Resource::Defaults(defaults)), _) => {
            client
                .set_defaults(&defaults.timezone, &defaults.currency)
                .await
        }
        (_, Some(Resource::ComplianceMode(mode)), _) => {
            client
                .set_compliance(None, *mode == ComplianceMode::CnilV1)
                .await
        }
        // Shapes diff never makes (a damaged or hand-edited plan file). Every kind is
        // named: a new kind does not compile until someone decides how it is applied.
        (Action::Update | Action::Delete, Some(Resource::Site(_)), _)
        | (Action::Delete, Some(Resource::Goal(_)), _)
        | (Action::Create | Action::Update, None, _)
        | (
            Action::Delete,
            None,
            None
            | Some(
                Resource::CustomDimension(_)
                | Resource::Privacy(_)
                | Resource::Retention(_)
                | Resource::GlobalExclusions(_)
                | Resource::VisitorLog(_)
                | Resource::Defaults(_)
                | Resource::ComplianceMode(_),
            ),
        ) => Err(MatomoError::Config(format!(
            "{}: this change cannot be applied (inconsistent plan); run plan again",
            change.address
        ))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::live::GoalState;
    use crate::matomo::test_support::{Reply, config, serve};

    fn goal_change(address: &str, action: Action, before: bool, after: bool) -> Change {
        let goal = || Some(Resource::Goal(GoalState::default()));
        Change {
            address: address.parse().expect("address"),
            action,
            site: Some("a".into()),
            site_id: Some(3),
            before: if before { goal() } else { None },
            after: if after { goal() } else { None },
            fields: Vec::new(),
        }
    }

    /// A change diff never makes (a goal deleted with an object after it) fails without
    /// a call, and what follows it on the site is not attempted; the report is keyed by
    /// the changes' addresses.
    #[tokio::test]
    async fn an_inconsistent_change_fails_without_a_call() {
        let (url, log) = serve(|_, _| Reply::json(200, r#"{"value": 1}"#)).await;
        let client = Client::new(config(&url)).expect("client");
        let plan = Plan {
            changes: vec![
                goal_change("site[a].goal[x]", Action::Delete, true, true),
                goal_change("site[a].goal[y]", Action::Create, false, true),
            ],
            ..Plan::default()
        };
        let options = ApplyOptions {
            parallelism: 1,
            progress: Box::new(|_, _| {}),
        };
        let report = apply(&client, &MatomoInfo::default(), &plan, &options).await;
        let x: Address = "site[a].goal[x]".parse().expect("address");
        let y: Address = "site[a].goal[y]".parse().expect("address");
        assert!(
            matches!(&report.entries[&x], Status::Failed(m) if m.contains("inconsistent plan")),
            "{report:?}"
        );
        assert_eq!(report.entries[&y], Status::NotAttempted);
        assert!(log.lock().expect("log").is_empty(), "no call is made");
    }
}

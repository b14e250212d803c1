//! The setters: one method per write matoform makes, each sending the calls of
//! [`super::calls`] built from Matomo's wire shapes. Everything a call depends on is
//! an argument (the mask parameter's name, the version for the query-parameter
//! exclusion setter); the password comes from the configuration.

use super::wire::{
    self, AnonymisationSettings, DeleteLogs, DeleteReports, Dimension, ExclusionLists, Goal, Site,
    SiteAnonymisation,
};
use super::{Call, Client, MatomoError, calls, undecodable};

impl Client {
    /// The instance's own JavaScript tracking code for site `id`
    /// (`SitesManager.getJavascriptTag`, see [`calls::javascript_tag`]), as Matomo
    /// renders it. Needs view access to the site.
    pub async fn javascript_tag(
        &self,
        id: u64,
        disable_cookies: bool,
    ) -> Result<String, MatomoError> {
        let call = calls::javascript_tag(id, disable_cookies);
        let answer = self.read(&call).await?;
        wire::global_string(&answer).map_err(|e| undecodable(&call, &e))
    }

    /// Creates a site; returns its id.
    pub async fn add_site(&self, site: &Site) -> Result<u64, MatomoError> {
        let call = calls::add_site(site);
        let answer = self.write(&call).await?;
        wire::new_id(&answer).map_err(|e| undecodable(&call, &e))
    }

    /// Updates a site, always sending every list field (omitted ones are erased by Matomo).
    pub async fn update_site(&self, site: &Site) -> Result<(), MatomoError> {
        self.write(&calls::update_site(site)).await.map(drop)
    }

    /// Deletes a site.
    pub async fn delete_site(&self, id: u64) -> Result<(), MatomoError> {
        self.write(&calls::delete_site(id)).await.map(drop)
    }

    /// Gives (`true`) or removes anonymous view access.
    pub async fn set_public_stats(&self, id: u64, public: bool) -> Result<(), MatomoError> {
        self.write(&calls::set_public_stats(id, public))
            .await
            .map(drop)
    }

    /// Creates a goal; returns its id.
    pub async fn add_goal(&self, site: u64, goal: &Goal) -> Result<u64, MatomoError> {
        let call = calls::add_goal(site, goal);
        let answer = self.write(&call).await?;
        wire::new_id(&answer).map_err(|e| undecodable(&call, &e))
    }

    /// Replaces a goal (every field sent).
    pub async fn update_goal(&self, site: u64, goal: &Goal) -> Result<(), MatomoError> {
        self.write(&calls::update_goal(site, goal)).await.map(drop)
    }

    /// Deletes a goal.
    pub async fn delete_goal(&self, site: u64, goal: u64) -> Result<(), MatomoError> {
        self.write(&calls::delete_goal(site, goal)).await.map(drop)
    }

    /// Creates a custom dimension; returns its id.
    pub async fn add_dimension(&self, site: u64, dim: &Dimension) -> Result<u64, MatomoError> {
        let call = calls::add_dimension(site, dim);
        let answer = self.write(&call).await?;
        wire::new_id(&answer).map_err(|e| undecodable(&call, &e))
    }

    /// Updates a custom dimension (name, active, extractions, case sensitivity).
    pub async fn update_dimension(&self, site: u64, dim: &Dimension) -> Result<(), MatomoError> {
        self.write(&calls::update_dimension(site, dim))
            .await
            .map(drop)
    }

    /// Writes the instance privacy settings: `setAnonymizeIpSettings` with every argument,
    /// the mask under `mask_parameter` (`maskLength` before 5.6, `ipAddressMaskLength`
    /// from 5.6; see [`calls::set_anonymize_ip`]), then Do Not Track.
    pub async fn set_privacy(
        &self,
        mask_parameter: &str,
        privacy: &AnonymisationSettings,
    ) -> Result<(), MatomoError> {
        let call = self.confirm_if_randomizing(calls::set_anonymize_ip(mask_parameter, privacy))?;
        self.write(&call).await?;
        self.write(&calls::set_do_not_track(privacy.do_not_track))
            .await
            .map(drop)
    }

    /// Writes a site's own privacy settings, or removes them (5.7); `mask_parameter` as
    /// for [`Client::set_privacy`].
    pub async fn set_site_privacy(
        &self,
        mask_parameter: &str,
        site: u64,
        privacy: &SiteAnonymisation,
    ) -> Result<(), MatomoError> {
        let call =
            self.confirm_if_randomizing(calls::set_site_privacy(mask_parameter, site, privacy))?;
        self.write(&call).await.map(drop)
    }

    /// Adds the password to a `setAnonymizeIpSettings` call that sends
    /// `randomizeConfigId=1`: Matomo 5.7 asks for it every time, even when already on.
    fn confirm_if_randomizing(&self, call: Call) -> Result<Call, MatomoError> {
        let randomizing = call
            .params
            .0
            .iter()
            .any(|(key, value)| key == "randomizeConfigId" && value == "1");
        if !randomizing {
            return Ok(call);
        }
        let password = calls::require_password(
            self.config().password.as_ref(),
            "PrivacyManager.setAnonymizeIpSettings with randomize_config_id on",
        )?;
        Ok(call.with_secret("passwordConfirmation", password))
    }

    /// Writes the data deletion settings given (raw data, reports); needs the password,
    /// asked for before any request.
    pub async fn set_retention(
        &self,
        logs: Option<&DeleteLogs>,
        reports: Option<&DeleteReports>,
    ) -> Result<(), MatomoError> {
        let password = calls::require_password(
            self.config().password.as_ref(),
            "PrivacyManager.setDeleteLogsSettings",
        )?;
        for call in calls::set_retention(logs, reports, password) {
            self.write(&call).await?;
        }
        Ok(())
    }

    /// Writes the four global exclusion lists (a lone `,` clears one). The query
    /// parameters go through the setter of Matomo `version` (see
    /// [`calls::set_global_exclusions`]; `None`, not known: the setter every version has).
    pub async fn set_global_exclusions(
        &self,
        version: Option<&str>,
        exclusions: &ExclusionLists,
    ) -> Result<(), MatomoError> {
        for call in calls::set_global_exclusions(version, exclusions) {
            self.write(&call).await?;
        }
        Ok(())
    }

    /// Writes the instance-wide visitor log switches (needs the password).
    pub async fn set_instance_visitor_log(
        &self,
        disable_visitor_log: bool,
        disable_visitor_profile: bool,
    ) -> Result<(), MatomoError> {
        let password = calls::require_password(
            self.config().password.as_ref(),
            "CorePluginsAdmin.setSystemSettings",
        )?;
        self.write(&calls::set_instance_visitor_log(
            disable_visitor_log,
            disable_visitor_profile,
            password,
        ))
        .await
        .map(drop)
    }

    /// Writes the defaults for new sites (an empty value is left as it is).
    pub async fn set_defaults(&self, timezone: &str, currency: &str) -> Result<(), MatomoError> {
        for call in calls::set_defaults(timezone, currency) {
            self.write(&call).await?;
        }
        Ok(())
    }

    /// Turns Matomo's `cnil_v1` compliance mode on or off for a site or (`None`) the instance.
    pub async fn set_compliance(
        &self,
        site: Option<u64>,
        enforce: bool,
    ) -> Result<(), MatomoError> {
        self.write(&calls::set_compliance(site, enforce))
            .await
            .map(drop)
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;
    use std::sync::atomic::{AtomicUsize, Ordering};

    use super::*;
    use crate::matomo::test_support::{Reply, config, serve};

    #[tokio::test]
    async fn writes_need_the_password_before_any_request() {
        let hits = Arc::new(AtomicUsize::new(0));
        let counter = hits.clone();
        let (url, _) = serve(move |_, _| {
            counter.fetch_add(1, Ordering::SeqCst);
            Reply::json(200, r#"{"value":true}"#)
        })
        .await;
        let client = Client::new(config(&url)).unwrap();
        let err = client.set_retention(None, None).await.unwrap_err();
        assert!(err.to_string().contains("MATOMO_PASSWORD"));
        let err = client
            .set_instance_visitor_log(false, false)
            .await
            .unwrap_err();
        assert!(err.to_string().contains("MATOMO_PASSWORD"));
        assert_eq!(hits.load(Ordering::SeqCst), 0);
        let err = client
            .add_site(&Site {
                name: "x".into(),
                ..Site::default()
            })
            .await
            .unwrap_err();
        assert!(matches!(err, MatomoError::Unexpected { .. }), "{err:?}");
    }
}

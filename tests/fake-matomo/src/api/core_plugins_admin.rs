//! `CorePluginsAdmin`: the instance's system settings (the Live plugin's switches).

use super::values::php_bool;
use super::{Call, R, no_method, ok};
use crate::php::Value as PV;
use serde_json::Value as J;
use serde_json::json;

fn live_values(live: &PV) -> (Option<bool>, Option<bool>) {
    let mut log = None;
    let mut profile = None;
    for item in live.items() {
        let name = item.get("name").and_then(PV::as_str);
        let value = item.get("value").and_then(PV::as_str).map(php_bool);
        match name {
            Some("disable_visitor_log") => log = value,
            Some("disable_visitor_profile") => profile = value,
            _ => {}
        }
    }
    (log, profile)
}

impl Call<'_> {
    /// The `CorePluginsAdmin` methods.
    pub(super) fn core_plugins_admin(&mut self, action: &str) -> R {
        let v57 = self.is57();
        match action {
            "getSystemSettings" => {
                self.check_super()?;
                Ok(json!([self.live_settings_json(
                    self.st.options.live_disable_visitor_log,
                    self.st.options.live_disable_visitor_profile
                )]))
            }
            "setSystemSettings" => {
                self.check_super()?;
                self.confirm_password(if v57 {
                    "Please re-authenticate to confirm this change."
                } else {
                    "Please enter your password to confirm this change."
                })?;
                if let Some(live) = self.opt("settingValues").and_then(|v| v.get("Live")) {
                    let (log, profile) = live_values(live);
                    if let Some(b) = log {
                        self.st.options.live_disable_visitor_log = b;
                    }
                    if let Some(b) = profile {
                        self.st.options.live_disable_visitor_profile = b;
                    }
                }
                ok()
            }
            _ => Err(no_method("CorePluginsAdmin", action)),
        }
    }

    pub(super) fn live_settings_json(&self, log: bool, profile: bool) -> J {
        let template: J =
            serde_json::from_str(include_str!("../assets/site_settings.json")).unwrap_or(J::Null);
        let mut live = template.get(1).cloned().unwrap_or(J::Null);
        if let Some(settings) = live.get_mut("settings").and_then(J::as_array_mut) {
            for s in settings.iter_mut() {
                let v = match s.get("name").and_then(J::as_str) {
                    Some("disable_visitor_log") => {
                        s["title"] = json!(self.live_log_title());
                        log
                    }
                    _ => profile,
                };
                s["value"] = json!(v);
            }
        }
        live
    }

    /// The title of the Live `disable_visitor_log` setting (its capitals changed in 5.7).
    pub(super) fn live_log_title(&self) -> &'static str {
        if self.is57() {
            "Turn off Visits log and Visitor profiles"
        } else {
            "Turn off visits log and visitor profiles"
        }
    }
}

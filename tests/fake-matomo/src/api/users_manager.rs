//! `UsersManager`: superuser check and per-site access.

use super::values::esc;
use super::{Call, Fail, R, missing, no_method, ok, val};
use crate::php::Value as PV;
use crate::state::Access;
use serde_json::Map;
use serde_json::Value as J;
use serde_json::json;

impl Call<'_> {
    /// The `UsersManager` methods.
    pub(super) fn users_manager(&mut self, action: &str) -> R {
        match action {
            "hasSuperUserAccess" => val(self.is_super()),
            "getUsersAccessFromSite" => self.users_access_from_site(),
            "getSitesAccessFromUser" => self.sites_access_from_user(),
            "setUserAccess" => self.set_user_access(),
            _ => Err(no_method("UsersManager", action)),
        }
    }

    fn users_access_from_site(&self) -> R {
        let id = self.site("idSite", Access::Admin)?;
        let mut m = Map::new();
        for (login, u) in &self.st.users {
            if let Some(a) = u.access.get(&id)
                && !u.superuser
            {
                m.insert(login.clone(), json!(a.as_str()));
            }
        }
        if self.st.anonymous_view.contains(&id) {
            m.insert("anonymous".into(), json!("view"));
        }
        Ok(J::Object(m))
    }

    /// `getSitesAccessFromUser(userLogin)`: superuser only, then the user must exist
    /// (`anonymous` does); `[{"site": id, "access": role}]` by site id.
    fn sites_access_from_user(&self) -> R {
        self.check_super()?;
        let login = self.req("userLogin")?;
        let rows: Vec<J> = if login == "anonymous" {
            self.st
                .anonymous_view
                .iter()
                .map(|id| json!({"site": id, "access": "view"}))
                .collect()
        } else {
            match self.st.users.get(&login) {
                None => {
                    return Err(Fail::Error(format!(
                        "User '{}' doesn't exist.",
                        esc(&login)
                    )));
                }
                Some(u) => u
                    .access
                    .iter()
                    .map(|(id, a)| json!({"site": id, "access": a.as_str()}))
                    .collect(),
            }
        };
        Ok(J::Array(rows))
    }

    fn set_user_access(&mut self) -> R {
        let login = self.req("userLogin")?;
        let access: Vec<String> = match self.opt("access") {
            Some(v) => v
                .items()
                .into_iter()
                .filter_map(PV::as_str)
                .map(String::from)
                .collect(),
            None => return Err(missing("access")),
        };
        let roles = ["view", "write", "admin", "noaccess"];
        let role = access.iter().find(|a| roles.contains(&a.as_str())).cloned();
        if let Some(bad) = access.iter().find(|a| !roles.contains(&a.as_str())) {
            return Err(Fail::Error(format!(
                "The parameter access must have one of the following values: [ view, write, admin ], '{}' given.",
                esc(bad)
            )));
        }
        let Some(role) = role else {
            return Err(missing("access"));
        };
        let ids: Vec<u32> = match self.opt("idSites") {
            Some(PV::Str(s)) if s == "all" => self
                .st
                .sites
                .keys()
                .copied()
                .filter(|id| self.access(*id) == Some(Access::Admin))
                .collect(),
            Some(v) => v
                .items()
                .into_iter()
                .filter_map(PV::as_str)
                .flat_map(|s| s.split(','))
                .filter_map(|s| s.trim().parse::<u32>().ok())
                .collect(),
            None => return Err(missing("idSites")),
        };
        if login == "anonymous" && !(role == "view" || role == "noaccess") {
            return Err(Fail::Error(
                "You can only set access noaccess or view access to the 'anonymous' user.".into(),
            ));
        }
        for id in &ids {
            if !self.is_super() {
                self.check_site(Access::Admin, *id)?;
            }
        }
        if login != "anonymous" {
            match self.st.users.get(&login) {
                None => {
                    return Err(Fail::Error(format!(
                        "User '{}' doesn't exist.",
                        esc(&login)
                    )));
                }
                Some(u) if u.superuser => {
                    return Err(Fail::Error(format!(
                        "The user '{}' has Super User access and has already permission to access and modify all websites in Matomo. You may remove the Super User access from this user and try again.",
                        esc(&login)
                    )));
                }
                Some(_) => {}
            }
        }
        let level = match role.as_str() {
            "view" => Some(Access::View),
            "write" => Some(Access::Write),
            "admin" => Some(Access::Admin),
            _ => None,
        };
        for id in ids.into_iter().filter(|id| self.st.sites.contains_key(id)) {
            if login == "anonymous" {
                if level.is_some() {
                    self.st.anonymous_view.insert(id);
                } else {
                    self.st.anonymous_view.remove(&id);
                }
            } else if let Some(u) = self.st.users.get_mut(&login) {
                match level {
                    Some(l) => {
                        u.access.insert(id, l);
                    }
                    None => {
                        u.access.remove(&id);
                    }
                }
            }
        }
        ok()
    }
}

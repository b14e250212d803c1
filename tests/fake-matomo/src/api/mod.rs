//! The API methods, with Matomo's behaviour as recorded (5.0.2, and 5.7 where the version
//! switch says so). Pure over [`State`]: one call in, one JSON answer (or failure) out.
//!
//! [`Call::dispatch`] routes a method to its Matomo module, one file per module; `values`
//! holds the value rules (lists, URLs, timezones, currencies) several modules share.

mod actions;
mod bulk;
mod core_admin_home;
mod core_plugins_admin;
mod custom_dimensions;
mod events;
mod goals;
mod live;
mod privacy_manager;
mod report;
mod sites_manager;
mod user_id;
mod users_manager;
mod values;

pub use bulk::{apply_limit, keyed_field};
pub use values::general_ci_key;

use crate::php::{Params, Value as PV};
use crate::state::{Access, State};
use serde_json::{Value as J, json};

/// How a call failed; each maps to an HTTP status and the JSON error envelope.
#[derive(Debug, Clone, PartialEq)]
pub enum Fail {
    /// Access too low (401, JSON).
    Access(String),
    /// Business error (200, JSON envelope).
    Error(String),
    /// Missing or unconvertible parameter, unknown method (200 on 5.0.2, 400 on 5.7).
    Param(String),
    /// PHP type error (500).
    Type(String),
    /// Unknown module on 5.7 (404).
    NotFound(String),
}

impl Fail {
    /// The message.
    pub fn message(&self) -> &str {
        match self {
            Fail::Access(m)
            | Fail::Error(m)
            | Fail::Param(m)
            | Fail::Type(m)
            | Fail::NotFound(m) => m,
        }
    }

    /// The HTTP status in the given version.
    pub fn status(&self, is_57: bool) -> u16 {
        match self {
            Fail::Access(_) => 401,
            Fail::Error(_) => 200,
            Fail::Param(_) => {
                if is_57 {
                    400
                } else {
                    200
                }
            }
            Fail::Type(_) => 500,
            Fail::NotFound(_) => 404,
        }
    }

    /// The JSON error envelope.
    pub fn body(&self) -> J {
        json!({"result": "error", "message": self.message()})
    }
}

type R = Result<J, Fail>;

fn ok() -> R {
    Ok(json!({"result": "success", "message": "ok"}))
}

fn val(v: impl Into<J>) -> R {
    Ok(json!({"value": v.into()}))
}

const SUPER: &str = "You can't access this resource as it requires a 'superuser' access.";
fn need_site(level: &str, id: impl std::fmt::Display) -> Fail {
    Fail::Access(format!(
        "You can't access this resource as it requires '{level}' access for the website id = {id}."
    ))
}

fn missing(name: &str) -> Fail {
    Fail::Param(format!("Please specify a value for '{name}'."))
}

fn unexpected_site(raw: &str) -> Fail {
    Fail::Error(format!(
        "An unexpected website was found in the request: website id was set to '{raw}' ."
    ))
}

/// One API call: the state, the caller, the parameters.
pub struct Call<'a> {
    /// The state.
    pub st: &'a mut State,
    /// Caller login; `None` = anonymous.
    pub login: Option<String>,
    /// The parameters (`$_REQUEST`).
    pub p: &'a Params,
    /// Base URL of the fake (for the tracking code and error pages).
    pub base: &'a str,
    /// Current time `YYYY-MM-DD HH:MM:SS` (for `ts_created`).
    pub now: &'a str,
}

impl Call<'_> {
    /// Dispatch one method (no bulk limit handling here).
    pub fn dispatch(&mut self, method: &str) -> R {
        let Some((module, action)) = method.split_once('.') else {
            return Err(self.unknown_module(method));
        };
        if !self.st.plugins.contains(module) {
            return Err(self.unknown_module(module));
        }
        match (module, action) {
            ("API", "getMatomoVersion") => {
                self.check_some(Access::View)?;
                val(self.st.version.version_string())
            }
            ("API", "isPluginActivated") => {
                let name = self.req("pluginName")?;
                self.check_some(Access::View)?;
                val(self.st.plugins.contains(&name))
            }
            ("API", "getBulkRequest") => self.bulk(),
            ("SitesManager", _) => self.sites_manager(action),
            ("UsersManager", _) => self.users_manager(action),
            ("Goals", _) => self.goals(action),
            ("CustomDimensions", _) => self.custom_dimensions(action),
            ("PrivacyManager", _) => self.privacy_manager(action),
            ("CorePluginsAdmin", _) => self.core_plugins_admin(action),
            ("Live", _) => self.live(action),
            ("CoreAdminHome", _) => self.core_admin_home(action),
            ("Actions", _) => self.actions(action),
            ("Events", _) => self.events(action),
            ("UserId", _) => self.user_id(action),
            _ => Err(no_method(module, action)),
        }
    }

    fn is57(&self) -> bool {
        self.st.version.is_57()
    }

    fn is_super(&self) -> bool {
        self.login
            .as_ref()
            .and_then(|l| self.st.users.get(l))
            .is_some_and(|u| u.superuser)
    }

    fn access(&self, site: u32) -> Option<Access> {
        if self.is_super() {
            return Some(Access::Admin);
        }
        match &self.login {
            Some(l) => self
                .st
                .users
                .get(l)
                .and_then(|u| u.access.get(&site).copied()),
            None => self
                .st
                .anonymous_view
                .contains(&site)
                .then_some(Access::View),
        }
    }

    fn check_super(&self) -> Result<(), Fail> {
        if self.is_super() {
            Ok(())
        } else {
            Err(Fail::Access(SUPER.into()))
        }
    }

    fn check_site(&self, level: Access, site: u32) -> Result<(), Fail> {
        match self.access(site) {
            Some(a) if a >= level => Ok(()),
            _ => Err(need_site(level.as_str(), site)),
        }
    }

    fn has_some(&self, level: Access) -> bool {
        if self.is_super() {
            return true;
        }
        match &self.login {
            Some(l) => self
                .st
                .users
                .get(l)
                .is_some_and(|u| u.access.values().any(|a| *a >= level)),
            None => level == Access::View && !self.st.anonymous_view.is_empty(),
        }
    }

    fn check_some(&self, level: Access) -> Result<(), Fail> {
        if self.has_some(level) {
            Ok(())
        } else {
            Err(Fail::Access(format!(
                "You can't access this resource as it requires {} access for at least one website.",
                level.as_str()
            )))
        }
    }

    fn opt(&self, k: &str) -> Option<&PV> {
        self.p.get(k)
    }

    /// A scalar parameter, `None` if absent (an array counts as absent).
    fn s(&self, k: &str) -> Option<&str> {
        self.p.str(k)
    }

    /// A required scalar: absent or empty → "Please specify a value".
    fn req(&self, k: &str) -> Result<String, Fail> {
        match self.opt(k) {
            Some(PV::Str(s)) if !s.is_empty() => Ok(s.clone()),
            Some(PV::Arr(items)) if !items.is_empty() => Ok(String::new()),
            _ => Err(missing(k)),
        }
    }

    /// The site id from `k`, with access `level` checked (superusers get the existence check).
    fn site(&self, k: &str, level: Access) -> Result<u32, Fail> {
        let raw = self.req(k)?;
        let id = raw.trim().parse::<u32>().ok();
        if self.is_super() {
            match id {
                Some(id) if self.st.sites.contains_key(&id) => Ok(id),
                _ => Err(unexpected_site(&raw)),
            }
        } else {
            match id {
                Some(id) => {
                    self.check_site(level, id)?;
                    if self.st.sites.contains_key(&id) {
                        Ok(id)
                    } else {
                        Err(unexpected_site(&raw))
                    }
                }
                None => Err(unexpected_site(&raw)),
            }
        }
    }

    fn password_ok(&self, pw: &str) -> bool {
        self.login
            .as_ref()
            .and_then(|l| self.st.users.get(l))
            .is_some_and(|u| u.password == pw)
    }

    fn confirm_password(&self, msg_missing: &str) -> Result<(), Fail> {
        match self.s("passwordConfirmation") {
            None | Some("") => Err(Fail::Error(msg_missing.into())),
            Some(pw) if self.password_ok(pw) => Ok(()),
            Some(_) => Err(Fail::Error(
                "The current password you entered is not correct.".into(),
            )),
        }
    }

    fn unknown_module(&self, module: &str) -> Fail {
        if self.is57() {
            Fail::NotFound(format!("The plugin {module} was not found."))
        } else {
            Fail::Error(format!(
                "The plugin {module} is not enabled. You can activate the plugin on Settings &gt; Plugins page in Matomo."
            ))
        }
    }
}

fn opt_json(v: &Option<String>) -> J {
    match v {
        Some(s) => json!({"value": s}),
        None => json!({"value": false}),
    }
}

fn number(f: f64) -> J {
    if f.fract() == 0.0 && f.abs() < 1e15 {
        json!(f as i64)
    } else {
        json!(f)
    }
}

/// Matomo's answer to a method its module does not have.
fn no_method(module: &str, action: &str) -> Fail {
    Fail::Param(format!(
        "The method '{action}' does not exist or is not available in the module '\\Piwik\\Plugins\\{module}\\API'."
    ))
}

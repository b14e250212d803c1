//! `CoreAdminHome`: the opt-out embed code.

use super::values::php_bool;
use super::{Call, R, missing, no_method, val};
use std::collections::BTreeMap;

impl Call<'_> {
    /// The `CoreAdminHome` methods.
    pub(super) fn core_admin_home(&mut self, action: &str) -> R {
        match action {
            "getOptOutJSEmbedCode" => self.opt_out_code(),
            _ => Err(no_method("CoreAdminHome", action)),
        }
    }

    fn opt_out_code(&self) -> R {
        let mut v = BTreeMap::new();
        for k in [
            "backgroundColor",
            "fontColor",
            "fontSize",
            "fontFamily",
            "applyStyling",
            "showIntro",
            "matomoUrl",
            "language",
        ] {
            match self.s(k) {
                Some(s) if !s.is_empty() => {
                    v.insert(k, s.to_string());
                }
                _ => return Err(missing(k)),
            }
        }
        let styling = if php_bool(&v["applyStyling"]) {
            format!(
                "&backgroundColor={}&fontColor={}&fontSize={}&fontFamily={}",
                v["backgroundColor"], v["fontColor"], v["fontSize"], v["fontFamily"]
            )
        } else {
            String::new()
        };
        val(format!(
            "<div id=\"matomo-opt-out\"></div>\n<script src=\"{}index.php?module=CoreAdminHome&action=optOutJS&divId=matomo-opt-out&language={}{}&showIntro={}\"></script>",
            v["matomoUrl"],
            v["language"],
            styling,
            i32::from(php_bool(&v["showIntro"]))
        ))
    }
}

//! `matoform snippet`: print the tracking and opt-out code that keeps a site compliant.

use anyhow::{Context as _, bail};

use super::context;
use crate::cli::SnippetArgs;
use crate::exit::Outcome;
use crate::snippet::{Flavour, SnippetInput, html_from_instance, snippet};

/// Runs `snippet`. The site id comes from the configuration (`id`), else from the live
/// instance (binding by URL) unless `--offline`. For `--for html` without `--offline`,
/// the tracking code is Matomo's own (`SitesManager.getJavascriptTag`), kept compliant;
/// when it cannot be had, the code built locally is printed, with a note on stderr.
pub fn run(args: &SnippetArgs) -> anyhow::Result<Outcome> {
    let loaded = context::load_config(&args.config)?;
    let desired = crate::policy::effective(&loaded.config);
    let Some(site) = desired.sites.get(&args.site) else {
        bail!(
            "no site `{}` in the configuration; the keys are: {}",
            args.site,
            desired.sites.keys().cloned().collect::<Vec<_>>().join(", ")
        );
    };
    let mut online = None;
    let url = args
        .connection
        .url
        .clone()
        .or_else(|| std::env::var("MATOMO_URL").ok().filter(|s| !s.is_empty()))
        .or_else(|| desired.matomo.as_ref().and_then(|m| m.url.clone()))
        .context(
            "no Matomo URL: set MATOMO_URL, pass --url, or set matomo.url in the configuration",
        )?;
    let id = match site.id {
        Some(id) => id,
        None if args.offline => bail!(
            "site[{}] has no id in the configuration; run without --offline to find it on the instance, or add `id:`",
            args.site
        ),
        None => {
            let client = context::client(&args.connection, Some(&loaded))?;
            let runtime = context::runtime()?;
            let (_, listed) = runtime.block_on(crate::live::read::read_sites(&client))?;
            online = Some((client, runtime));
            let bindings = context::bind(&desired, &listed)?;
            match bindings.sites.get(&args.site).copied().flatten() {
                Some(id) => id,
                None => bail!(
                    "site[{}] does not exist on the instance yet: apply first",
                    args.site
                ),
            }
        }
    };
    let privacy = desired.instance.as_ref().and_then(|i| i.privacy.as_ref());
    let input = SnippetInput {
        matomo_url: url,
        site_id: id,
        site_urls: site.urls.clone(),
        force_cookieless: privacy.and_then(|p| p.force_cookieless),
        do_not_track: true,
    };
    let instance_code = if args.flavour == Flavour::Html && !args.offline {
        match instance_html(args, &loaded, online, &input) {
            Ok(code) => Some(code),
            Err(error) => {
                eprintln!(
                    "Note: Matomo's own tracking code could not be used ({error:#}); printing the code matoform builds (pass --offline to skip the instance)."
                );
                None
            }
        }
    } else {
        None
    };
    let code = instance_code.unwrap_or_else(|| snippet(args.flavour, &input));
    super::emit(&code);
    Ok(Outcome::Success)
}

/// Matomo's own tracking code for the site, kept compliant
/// ([`crate::snippet::html_from_instance`]), then the opt-out code.
fn instance_html(
    args: &SnippetArgs,
    loaded: &crate::desired::Loaded,
    online: Option<(crate::matomo::Client, tokio::runtime::Runtime)>,
    input: &SnippetInput,
) -> anyhow::Result<String> {
    let (client, runtime) = match online {
        Some(pair) => pair,
        None => (
            context::client(&args.connection, Some(loaded))?,
            context::runtime()?,
        ),
    };
    let disable_cookies = input.force_cookieless != Some(true);
    let tag = runtime.block_on(client.javascript_tag(input.site_id, disable_cookies))?;
    html_from_instance(&tag, input).context(
        "SitesManager.getJavascriptTag answered code of an unexpected shape (or with cross-domain linking or a User-ID)",
    )
}

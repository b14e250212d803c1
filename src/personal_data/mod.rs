//! Personal-data vocabulary: the one home of the names and words that say "this carries
//! personal data". The policy (`cnil.url-pii`, `cnil.custom-dimension-pii`, compliant
//! defaults), `validate`, the wire encoder (Matomo's recommended exclusion type), the
//! tracking snippets and the report scan all read it from here.

use std::collections::{BTreeSet, HashSet};
use std::sync::LazyLock;

/// Matomo's recommended personal-data query parameters, one a line (`#` starts a comment).
const MATOMO_RECOMMENDED: &str = include_str!("matomo_recommended.txt");

/// Matomo's recommended personal-data query parameters (`[SitesManager] CommonPIIParams`,
/// as Matomo 5.7 lists them), in Matomo's order, without empty names.
pub fn matomo_recommended() -> Vec<String> {
    recommended_lines().map(str::to_owned).collect()
}

/// True when a list is exactly Matomo's recommended personal-data list (as a set,
/// entries trimmed).
pub fn is_matomo_recommended(list: &[String]) -> bool {
    let given: BTreeSet<&str> = list.iter().map(|s| s.trim()).collect();
    given == recommended_lines().collect()
}

/// True when `name` (case-insensitive) is on Matomo's recommended personal-data list.
pub fn is_on_matomo_list(name: &str) -> bool {
    static LIST: LazyLock<HashSet<String>> =
        LazyLock::new(|| recommended_lines().map(str::to_lowercase).collect());
    LIST.contains(&name.trim().to_lowercase())
}

/// Names on Matomo's recommended list that say nothing personal by themselves: a value
/// there is an ordinary identifier of a page or a campaign (`/article?id=42`,
/// `?via=newsletter`, `?domain=service-public.fr`), so the scan does not report it
/// (excluding the list still drops them, as Matomo's compliance mode asks).
const NOT_PERSONAL_BY_THEMSELVES: &[&str] = &["id", "domain", "via", "website", "company", "exp"];

/// True when `name` is on Matomo's recommended personal-data list and names personal
/// data by itself (see `NOT_PERSONAL_BY_THEMSELVES`).
pub fn is_personal_parameter(name: &str) -> bool {
    let lower = name.trim().to_lowercase();
    is_on_matomo_list(&lower) && !NOT_PERSONAL_BY_THEMSELVES.contains(&lower.as_str())
}

fn recommended_lines() -> impl Iterator<Item = &'static str> {
    MATOMO_RECOMMENDED
        .lines()
        .map(str::trim)
        .filter(|line| !line.is_empty() && !line.starts_with('#'))
}

/// Query parameters that commonly carry personal data; a site whose exclusions miss
/// any of them gets a `cnil.url-pii` warning. All are in Matomo's recommended list.
pub const COMMON_URL_PARAMETERS: &[&str] = &[
    "address",
    "adresse",
    "dob",
    "email",
    "firstname",
    "iban",
    "lastname",
    "login",
    "mail",
    "mobile",
    "name",
    "pass",
    "password",
    "phone",
    "ssn",
    "surname",
    "tel",
    "telephone",
    "token",
    "token_auth",
    "user",
    "username",
];

/// Query parameters whose presence in a page URL keeps a JavaScript tracker from
/// tracking the page (`excludeUrlsPatterns` of `@socialgouv/matomo-next`): the
/// identifying subset of [`COMMON_URL_PARAMETERS`].
pub const TRACKER_EXCLUDED_URL_PARAMETERS: &[&str] = &[
    "email",
    "mail",
    "name",
    "firstname",
    "lastname",
    "phone",
    "tel",
    "token",
    "password",
    "user",
    "username",
    "login",
];

/// Query parameters that name a person (a value there is a name, not an identifier).
pub const NAME_PARAMETERS: &[&str] = &[
    "name",
    "nom",
    "prenom",
    "prénom",
    "firstname",
    "first_name",
    "lastname",
    "last_name",
    "surname",
    "fullname",
    "full_name",
    "nom_naissance",
    "nom_usage",
];

/// True when a query parameter's name says it carries a person's name.
pub fn is_name_parameter(name: &str) -> bool {
    let lower = name.trim().to_lowercase();
    NAME_PARAMETERS.contains(&lower.as_str())
}

/// Fragments that make a query parameter's name a secret (a token, key or password).
const SECRET_NAME_PARTS: &[&str] = &[
    "token",
    "password",
    "passwd",
    "secret",
    "apikey",
    "api_key",
    "access_key",
    "auth",
    "session",
    "sessid",
    "jwt",
];

/// True when a query parameter's name looks like a token, key or password
/// (`token`, `token_auth`, `access_token`, `api_key`, `password`, `sessionid`…).
/// `author` (a blog's author filter) contains `auth` but names no secret; `authorization`
/// does.
pub fn is_secret_parameter(name: &str) -> bool {
    let lower = name.trim().to_lowercase();
    let lower = match lower.strip_prefix("author") {
        Some(rest) if !rest.starts_with("iz") && !rest.starts_with("is") => rest.to_owned(),
        _ => lower,
    };
    lower == "key"
        || lower == "pass"
        || lower == "pwd"
        || lower == "sid"
        || SECRET_NAME_PARTS.iter().any(|part| lower.contains(part))
}

/// Words that, in a custom dimension's name, suggest personal data.
const DIMENSION_WORDS: &[&str] = &[
    "address",
    "adresse",
    "birthday",
    "birthdate",
    "courriel",
    "email",
    "firstname",
    "ip",
    "lastname",
    "login",
    "mail",
    "name",
    "naissance",
    "nom",
    "phone",
    "prenom",
    "prénom",
    "surname",
    "tel",
    "telephone",
    "téléphone",
    "user",
    "userid",
    "username",
    "utilisateur",
];

/// Words of [`DIMENSION_WORDS`] that also name things other than people ("Nom de la
/// démarche", "Page name", "Type d'utilisateur"): they count only when the name has
/// none of the [`OBJECT_WORDS`].
const AMBIGUOUS_WORDS: &[&str] = &["name", "nom", "user", "utilisateur"];

/// Words that make a dimension name about a thing, not a person.
const OBJECT_WORDS: &[&str] = &[
    "article",
    "campagne",
    "campaign",
    "categorie",
    "catégorie",
    "category",
    "contenu",
    "content",
    "demarche",
    "démarche",
    "event",
    "evenement",
    "événement",
    "form",
    "formulaire",
    "page",
    "product",
    "produit",
    "profil",
    "profile",
    "rubrique",
    "section",
    "service",
    "site",
    "template",
    "theme",
    "thème",
    "type",
];

/// The words of a custom dimension's `name` that suggest personal data (lower case,
/// split on non-alphanumerics).
pub fn dimension_words(name: &str) -> BTreeSet<&'static str> {
    let lower = name.to_lowercase();
    let words: Vec<&str> = lower.split(|c: char| !c.is_alphanumeric()).collect();
    let about_a_thing = words.iter().any(|w| OBJECT_WORDS.contains(w));
    words
        .iter()
        .filter_map(|word| DIMENSION_WORDS.iter().copied().find(|w| w == word))
        .filter(|w| !(about_a_thing && AMBIGUOUS_WORDS.contains(w)))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn common_parameters_are_on_matomo_list() {
        for name in COMMON_URL_PARAMETERS
            .iter()
            .chain(TRACKER_EXCLUDED_URL_PARAMETERS)
        {
            assert!(is_on_matomo_list(name), "{name}");
        }
    }

    #[test]
    fn secret_and_name_parameters() {
        for name in [
            "token",
            "access_token",
            "api_key",
            "password",
            "sessionid",
            "key",
            "authorization",
            "author_token",
        ] {
            assert!(is_secret_parameter(name), "{name}");
        }
        for name in [
            "page",
            "q",
            "category",
            "utm_source",
            "id",
            "author",
            "authors",
        ] {
            assert!(!is_secret_parameter(name), "{name}");
        }
        assert!(is_name_parameter("Prenom"));
        assert!(!is_name_parameter("page"));
    }

    #[test]
    fn dimension_words_skip_things() {
        assert_eq!(
            dimension_words("Email utilisateur")
                .into_iter()
                .collect::<Vec<_>>(),
            vec!["email", "utilisateur"]
        );
        assert!(dimension_words("Nom de la démarche").is_empty());
    }
}

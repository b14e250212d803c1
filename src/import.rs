//! Import: live state → configuration YAML.

//! HTTP: health, metrics and the admin API.

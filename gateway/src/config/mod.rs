//! Configuration (filled in by the config module work).

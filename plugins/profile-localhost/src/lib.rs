//! The `Localhost` profile.

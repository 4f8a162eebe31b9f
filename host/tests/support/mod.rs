//! Shared helpers of the machine integration tests.
#![allow(dead_code)]

pub mod sshd;

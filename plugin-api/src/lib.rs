//! Stable-ABI interface between the runperf host and its plugins.

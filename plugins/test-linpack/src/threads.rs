//! linpack's default `threads`: a sweep up to twice the host's CPUs, so
//! that the scheduler is stressed too.

use runperf_plugin_sdk::{PluginError, PluginResult};

/// The thread counts tried for `cpus` CPUs: steps of a quarter of them
/// (at least 1) up to `cpus`, which always ends the list; `1` first when
/// the step is larger.
pub fn sweep(cpus: u64) -> PluginResult<String> {
    if cpus == 0 {
        return Err(PluginError::new(
            "linpack cannot compute its default threads for 0 CPUs; \
             give the threads param or a positive guest_cpus",
        ));
    }
    let step = (cpus / 4).max(1);
    let mut counts = Vec::new();
    if step > 1 {
        counts.push(1);
    }
    counts.extend((1..=cpus / step).map(|i| i * step));
    if !cpus.is_multiple_of(step) {
        counts.push(cpus);
    }
    Ok(counts
        .iter()
        .map(u64::to_string)
        .collect::<Vec<_>>()
        .join(","))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quarters_of_the_cpus_with_one_first_and_the_total_last() {
        assert_eq!(sweep(1).unwrap(), "1");
        assert_eq!(sweep(4).unwrap(), "1,2,3,4");
        assert_eq!(sweep(7).unwrap(), "1,2,3,4,5,6,7");
        assert_eq!(sweep(8).unwrap(), "1,2,4,6,8");
        assert_eq!(sweep(10).unwrap(), "1,2,4,6,8,10");
        assert_eq!(sweep(16).unwrap(), "1,4,8,12,16");
        assert_eq!(sweep(18).unwrap(), "1,4,8,12,16,18");
        assert!(sweep(0).unwrap_err().to_string().contains("threads"));
    }
}

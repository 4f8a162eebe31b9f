//! Fixture: a valid shared library that is not a runperf plugin.

/// Some C function.
#[unsafe(no_mangle)]
pub extern "C" fn answer() -> i32 {
    42
}

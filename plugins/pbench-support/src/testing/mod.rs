//! What the real-benchmark tests of the plugins built on this crate
//! share (feature `testing`): a host that runs everything on this machine,
//! and the check of a written result.json.

pub mod schema;

use runperf_plugin_sdk::serde_json::json;
use runperf_plugin_sdk::testing::ScriptedHost;

/// A host running everything here, with a small machine's params for
/// `localhost`.
pub fn local_host() -> ScriptedHost {
    let host = ScriptedHost::local();
    host.set_params("localhost", json!({"guest_cpus": 2}));
    host
}

//! Fixture: a plugin built against a different layout of the same version of
//! runperf-plugin-api (0.1.0): its root module has other fields.

use abi_stable::{
    StableAbi, declare_root_module_statics, export_root_module, library::RootModule,
    prefix_type::PrefixTypeTrait, sabi_types::VersionStrings, std_types::RString,
};

#[repr(C)]
#[derive(StableAbi)]
#[sabi(kind(Prefix(prefix_ref = PluginModRef)))]
pub struct PluginMod {
    pub library_name: extern "C" fn() -> RString,
    #[sabi(last_prefix_field)]
    pub flags: u64,
}

impl RootModule for PluginModRef {
    declare_root_module_statics! {PluginModRef}
    const BASE_NAME: &'static str = "runperf_plugin";
    const NAME: &'static str = "runperf plugin";
    const VERSION_STRINGS: VersionStrings = VersionStrings::new("0.1.0");
}

extern "C" fn library_name() -> RString {
    "different layout".into()
}

#[export_root_module]
pub fn root() -> PluginModRef {
    PluginMod {
        library_name,
        flags: 0,
    }
    .leak_into_prefix()
}

//! Fixture: a plugin built against a future major version of
//! runperf-plugin-api (9.0.0), whose root module the host must refuse.

use abi_stable::{
    StableAbi, declare_root_module_statics, export_root_module, library::RootModule,
    prefix_type::PrefixTypeTrait, sabi_types::VersionStrings, std_types::RString,
};

#[repr(C)]
#[derive(StableAbi)]
#[sabi(kind(Prefix(prefix_ref = PluginModRef)))]
pub struct PluginMod {
    #[sabi(last_prefix_field)]
    pub library_name: extern "C" fn() -> RString,
}

impl RootModule for PluginModRef {
    declare_root_module_statics! {PluginModRef}
    const BASE_NAME: &'static str = "runperf_plugin";
    const NAME: &'static str = "runperf plugin";
    const VERSION_STRINGS: VersionStrings = VersionStrings::new("9.0.0");
}

extern "C" fn library_name() -> RString {
    "from the future".into()
}

#[export_root_module]
pub fn root() -> PluginModRef {
    PluginMod { library_name }.leak_into_prefix()
}

//! Write runperf plugins.
//!
//! A plugin library is a `cdylib` that depends on this crate only. It
//! implements one or more of the component traits ([`Profile`], [`Test`],
//! [`ImageProvider`], [`Provisioner`], [`ResultParser`], [`PbenchInstaller`]),
//! lists them in a
//! [`Registry`] and exports it with [`export_plugin!`]:
//!
//! ```no_run
//! use runperf_plugin_sdk::{Applied, Host, PluginResult, Profile, ProfileContext, Registry};
//!
//! struct Bare {
//!     host: String,
//! }
//!
//! impl Profile for Bare {
//!     fn apply(&mut self, _host: &Host<'_>, _script: Option<&str>) -> PluginResult<Applied> {
//!         Ok(Applied::workers(vec![self.host.clone()]))
//!     }
//!     fn revert(&mut self, _host: &Host<'_>) -> PluginResult<bool> {
//!         Ok(false)
//!     }
//! }
//!
//! fn registry() -> Registry {
//!     Registry::new("my-plugins").profile("Bare", "50Bare", "the host as it is", |ctx: ProfileContext| {
//!         Ok(Box::new(Bare { host: ctx.host }))
//!     })
//! }
//!
//! runperf_plugin_sdk::export_plugin!(registry);
//! ```
//!
//! runperf names each component in the run (`ProfileContext::name`,
//! `TestContext::name`) and keeps the crash markers around every profile
//! (see [`markers`]), so a component is only its own logic.
//!
//! The SDK may grow in any release: what a loaded library and the host
//! must agree on lives in the separate `runperf-plugin-api` crate (the ABI),
//! which changes rarely; see docs/plugins.md ("Versioning").

pub mod address;
mod components;
mod host;
pub mod markers;
mod names;
pub mod packages;
mod registry;
pub mod settle;
#[cfg(feature = "testing")]
pub mod testing;

pub use components::{
    ImageProvider, ImageProviderFactory, PbenchInstaller, PbenchInstallerFactory, Profile,
    ProfileFactory, Provisioner, ProvisionerFactory, ResultParser, ResultParserFactory, Test,
    TestFactory,
};
pub use host::Host;
pub use names::safe_name;
pub use registry::Registry;
pub use runperf_plugin_api::{
    Applied, CONTROLLER, Command, CommandLine, CommandOutput, ComponentInfo, ComponentKind,
    HostServices, ImageRequest, LogLevel, ParsedCheck, PbenchInstall, PbenchRequest, PluginError,
    PluginResult, ProfileContext, ProvisionRequest, TestContext, TestRun, WorkerSpec, serde_json,
};

/// Items the [`export_plugin!`] expansion refers to; not part of the API.
#[doc(hidden)]
pub mod __private {
    pub use crate::registry::glue;
    pub use runperf_plugin_api::abi_stable::library::{
        __call_root_module_loader, CheckTypeLayout, LibHeader, RootModuleResult,
    };
    pub use runperf_plugin_api::abi_stable::prefix_type::PrefixTypeTrait;
    pub use runperf_plugin_api::abi_stable::std_types::{RStr, RString, RVec};
    pub use runperf_plugin_api::ffi::{
        ComponentDecl, FfiResult, ImageProviderBox, PROTOCOL, PbenchInstallerBox, PluginMod,
        PluginModRef, ProfileBox, ProvisionerBox, ResultParserBox, Test2Box, TestBox,
    };
}

/// Exports the plugin library's root module.
///
/// `$registry` is a function `fn() -> Registry`; it is called once, the
/// first time the host asks the library for anything. Every call into the
/// library is guarded: a panic becomes a [`PluginError`] naming the call.
#[macro_export]
macro_rules! export_plugin {
    ($registry:path) => {
        const _: () = {
            use $crate::__private as p;

            static REGISTRY: ::std::sync::OnceLock<$crate::Registry> = ::std::sync::OnceLock::new();

            fn __registry() -> &'static $crate::Registry {
                REGISTRY.get_or_init($registry)
            }
            extern "C" fn library_name() -> p::RString {
                p::glue::library_name(__registry)
            }
            extern "C" fn components() -> p::FfiResult<p::RVec<p::ComponentDecl>> {
                p::glue::components(__registry)
            }
            extern "C" fn new_profile(
                n: p::RStr<'_>,
                c: p::RStr<'_>,
            ) -> p::FfiResult<p::ProfileBox> {
                p::glue::new_profile(__registry(), n, c)
            }
            extern "C" fn new_test(n: p::RStr<'_>, c: p::RStr<'_>) -> p::FfiResult<p::TestBox> {
                p::glue::new_test(__registry(), n, c)
            }
            extern "C" fn new_image_provider(n: p::RStr<'_>) -> p::FfiResult<p::ImageProviderBox> {
                p::glue::new_image_provider(__registry(), n)
            }
            extern "C" fn new_provisioner(
                n: p::RStr<'_>,
                c: p::RStr<'_>,
            ) -> p::FfiResult<p::ProvisionerBox> {
                p::glue::new_provisioner(__registry(), n, c)
            }
            extern "C" fn new_result_parser(n: p::RStr<'_>) -> p::FfiResult<p::ResultParserBox> {
                p::glue::new_result_parser(__registry(), n)
            }
            extern "C" fn extra_components() -> p::FfiResult<p::RString> {
                p::glue::extra_components(__registry)
            }
            extern "C" fn new_test_2(n: p::RStr<'_>, c: p::RStr<'_>) -> p::FfiResult<p::Test2Box> {
                p::glue::new_test_2(__registry(), n, c)
            }
            extern "C" fn new_pbench_installer(
                n: p::RStr<'_>,
            ) -> p::FfiResult<p::PbenchInstallerBox> {
                p::glue::new_pbench_installer(__registry(), n)
            }
            fn root_module() -> p::PluginModRef {
                use p::PrefixTypeTrait;
                p::PluginMod {
                    library_name,
                    components,
                    new_profile,
                    new_test,
                    new_image_provider,
                    new_provisioner,
                    new_result_parser,
                    protocol: p::PROTOCOL,
                    extra_components,
                    new_test_2,
                    new_pbench_installer,
                }
                .leak_into_prefix()
            }
            extern "C" fn erased_root_module() -> p::RootModuleResult {
                p::__call_root_module_loader(root_module)
            }

            // What `#[abi_stable::export_root_module]` generates, written out
            // so that plugins need no direct dependency on abi_stable; the
            // symbol name is checked against abi_stable's in runperf-plugin-api's tests.
            #[unsafe(no_mangle)]
            pub static _1as_0lib_1header_0root_bmodule_bloader: p::LibHeader = unsafe {
                p::LibHeader::from_constructor::<p::PluginModRef>(
                    erased_root_module,
                    p::CheckTypeLayout::Yes,
                )
            };
        };
    };
}

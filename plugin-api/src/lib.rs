//! Stable-ABI interface between the runperf host and its plugins.
//!
//! A plugin library is a `cdylib` that depends on this crate only. It
//! implements one or more of the component traits ([`Profile`], [`Test`],
//! [`ImageProvider`], [`Provisioner`], [`ResultParser`]), lists them in a
//! [`Registry`] and exports it with [`export_plugin!`]:
//!
//! ```no_run
//! use runperf_plugin_api::{Applied, Host, PluginResult, Profile, ProfileContext, Registry};
//!
//! struct Bare {
//!     host: String,
//! }
//!
//! impl Profile for Bare {
//!     fn name(&self) -> String {
//!         "Bare".into()
//!     }
//!     fn apply(&mut self, _host: &Host<'_>, _script: Option<&str>) -> PluginResult<Applied> {
//!         Ok(Applied { reboot_required: false, workers: vec![self.host.clone()] })
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
//! runperf_plugin_api::export_plugin!(registry);
//! ```
//!
//! The host loads libraries with [`loader::load`]. abi_stable checks on
//! load that the library was built against a compatible version of this
//! crate (same major version, or same minor version while 0.x) and that
//! every type crossing the boundary has the same layout.
//!
//! Versioning contract: the crate's semver is the ABI version. Fields may be
//! appended to the root module ([`ffi::PluginMod`]) and the trait objects in
//! a minor version; anything else is a major version.

pub mod address;
mod components;
mod error;
pub mod ffi;
mod host;
pub mod loader;
pub mod markers;
mod names;
pub mod packages;
mod registry;
#[cfg(feature = "testing")]
pub mod testing;
mod types;

pub use components::{
    ImageProvider, ImageProviderFactory, Profile, ProfileFactory, Provisioner, ProvisionerFactory,
    ResultParser, ResultParserFactory, Test, TestFactory,
};
pub use error::{PluginError, PluginResult, guard};
pub use host::{Host, HostServices, lend};
pub use names::safe_name;
pub use registry::Registry;
pub use serde_json;
pub use types::{
    Applied, CONTROLLER, Command, CommandLine, CommandOutput, ComponentInfo, ComponentKind,
    ImageRequest, LogLevel, ParsedCheck, ProfileContext, ProvisionRequest, TestContext, TestRun,
    WorkerSpec,
};

/// Items the [`export_plugin!`] expansion refers to; not part of the API.
#[doc(hidden)]
pub mod __private {
    pub use crate::ffi::{PluginMod, PluginModRef};
    pub use crate::registry::glue;
    pub use abi_stable::library::{
        __call_root_module_loader, CheckTypeLayout, LibHeader, RootModuleResult,
    };
    pub use abi_stable::prefix_type::PrefixTypeTrait;
    pub use abi_stable::std_types::{RStr, RString, RVec};
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
            use $crate::ffi::FfiResult;

            static REGISTRY: ::std::sync::OnceLock<$crate::Registry> = ::std::sync::OnceLock::new();

            fn __registry() -> &'static $crate::Registry {
                REGISTRY.get_or_init($registry)
            }
            extern "C" fn library_name() -> p::RString {
                p::glue::library_name(__registry)
            }
            extern "C" fn components() -> FfiResult<p::RVec<$crate::ffi::ComponentDecl>> {
                p::glue::components(__registry)
            }
            extern "C" fn new_profile(
                n: p::RStr<'_>,
                c: p::RStr<'_>,
            ) -> FfiResult<$crate::ffi::ProfileBox> {
                p::glue::new_profile(__registry(), n, c)
            }
            extern "C" fn new_test(
                n: p::RStr<'_>,
                c: p::RStr<'_>,
            ) -> FfiResult<$crate::ffi::TestBox> {
                p::glue::new_test(__registry(), n, c)
            }
            extern "C" fn new_image_provider(
                n: p::RStr<'_>,
            ) -> FfiResult<$crate::ffi::ImageProviderBox> {
                p::glue::new_image_provider(__registry(), n)
            }
            extern "C" fn new_provisioner(
                n: p::RStr<'_>,
                c: p::RStr<'_>,
            ) -> FfiResult<$crate::ffi::ProvisionerBox> {
                p::glue::new_provisioner(__registry(), n, c)
            }
            extern "C" fn new_result_parser(
                n: p::RStr<'_>,
            ) -> FfiResult<$crate::ffi::ResultParserBox> {
                p::glue::new_result_parser(__registry(), n)
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
                }
                .leak_into_prefix()
            }
            extern "C" fn erased_root_module() -> p::RootModuleResult {
                p::__call_root_module_loader(root_module)
            }

            // What `#[abi_stable::export_root_module]` generates, written out
            // so that plugins need no direct dependency on abi_stable; the
            // symbol name is checked against abi_stable's in this crate's tests.
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

#[cfg(test)]
mod tests {
    #[test]
    fn exported_symbol_is_the_one_abi_stable_looks_up() {
        assert_eq!(
            abi_stable::library::ROOT_MODULE_LOADER_NAME,
            "_1as_0lib_1header_0root_bmodule_bloader"
        );
    }
}

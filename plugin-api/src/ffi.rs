//! The binary contract: the root module every plugin library exports and
//! the trait objects that cross the boundary.
//!
//! Plugin authors never use this module directly (the SDK's `export_plugin!`
//! writes the root module); the host uses it only through [`crate::loader`].
//! Structured values cross as JSON text so that adding a field is not a
//! layout change.
#![allow(non_local_definitions)]

use abi_stable::{
    StableAbi, declare_root_module_statics,
    library::RootModule,
    package_version_strings, sabi_trait,
    sabi_types::VersionStrings,
    std_types::{RBox, ROption, RResult, RSlice, RStr, RString, RVec},
};

use crate::{LogLevel, PluginError};

/// The kinds of component 0.1.0 knew, as [`ComponentDecl`] carries them.
///
/// Frozen: abi_stable refuses an exhaustive enum whose variant count
/// differs, and this one is part of 0.1.0's root module. Kinds added since
/// are declared through the root module's `extra_components` as JSON
/// [`crate::ComponentInfo`] instead.
#[repr(u8)]
#[derive(StableAbi, Debug, Clone, Copy, PartialEq, Eq)]
pub enum ComponentKind {
    /// A profile.
    Profile,
    /// A test.
    Test,
    /// An image provider.
    ImageProvider,
    /// A provisioner.
    Provisioner,
    /// A result parser.
    ResultParser,
}

impl From<ComponentKind> for crate::ComponentKind {
    fn from(kind: ComponentKind) -> Self {
        match kind {
            ComponentKind::Profile => Self::Profile,
            ComponentKind::Test => Self::Test,
            ComponentKind::ImageProvider => Self::ImageProvider,
            ComponentKind::Provisioner => Self::Provisioner,
            ComponentKind::ResultParser => Self::ResultParser,
        }
    }
}

impl ComponentKind {
    /// The 0.1.0 kind of `kind`; `None` for kinds added since, which go
    /// to `extra_components`.
    pub fn of(kind: crate::ComponentKind) -> Option<Self> {
        match kind {
            crate::ComponentKind::Profile => Some(Self::Profile),
            crate::ComponentKind::Test => Some(Self::Test),
            crate::ComponentKind::ImageProvider => Some(Self::ImageProvider),
            crate::ComponentKind::Provisioner => Some(Self::Provisioner),
            crate::ComponentKind::ResultParser => Some(Self::ResultParser),
            crate::ComponentKind::PbenchInstaller => None,
        }
    }
}

/// One component as declared by a library.
#[repr(C)]
#[derive(StableAbi, Debug, Clone)]
pub struct ComponentDecl {
    /// Kind of the component.
    pub kind: ComponentKind,
    /// User-facing name.
    pub name: RString,
    /// Order key (`50Localhost`).
    pub order_key: RString,
    /// One line describing it.
    pub summary: RString,
}

/// Result of every call across the boundary.
pub type FfiResult<T> = RResult<T, PluginError>;

/// Host services, implemented by the host, borrowed by a plugin for the
/// duration of one call.
#[sabi_trait]
pub trait FfiHost {
    /// Runs a command (JSON [`crate::Command`]) on `machine`; JSON [`crate::CommandOutput`].
    fn run(&self, machine: RStr<'_>, command: RStr<'_>) -> FfiResult<RString>;
    /// Writes (or appends to) a file on `machine`.
    fn write_file(
        &self,
        machine: RStr<'_>,
        path: RStr<'_>,
        content: RSlice<'_, u8>,
        append: bool,
    ) -> FfiResult<()>;
    /// Reads a file on `machine`.
    fn read_file(&self, machine: RStr<'_>, path: RStr<'_>) -> FfiResult<RVec<u8>>;
    /// Copies a local file or dir to `machine`.
    fn copy_to(&self, machine: RStr<'_>, local: RStr<'_>, remote: RStr<'_>) -> FfiResult<()>;
    /// Copies a file or dir from `machine` to a local path.
    fn copy_from(&self, machine: RStr<'_>, remote: RStr<'_>, local: RStr<'_>) -> FfiResult<()>;
    /// Reads a persistent key stored on `machine`.
    fn persistent_get(&self, machine: RStr<'_>, key: RStr<'_>) -> FfiResult<ROption<RString>>;
    /// Sets (`RSome`) or removes (`RNone`) a persistent key on `machine`.
    fn persistent_set(
        &self,
        machine: RStr<'_>,
        key: RStr<'_>,
        value: ROption<RStr<'_>>,
    ) -> FfiResult<()>;
    /// Logs a message on behalf of the plugin.
    fn log(&self, level: LogLevel, message: RStr<'_>);
    /// The run's metadata as a JSON object.
    fn metadata(&self) -> RString;
    /// The params of `machine` as a JSON object.
    fn machine_params(&self, machine: RStr<'_>) -> FfiResult<RString>;
    /// Registers a worker (JSON [`crate::WorkerSpec`]) so commands can reach it.
    fn add_worker(&self, spec: RStr<'_>) -> FfiResult<()>;
    /// Forgets a worker registered with `add_worker`.
    fn remove_worker(&self, name: RStr<'_>) -> FfiResult<()>;
    /// Reboots `machine` and waits until it answers again.
    fn reboot(&self, machine: RStr<'_>) -> FfiResult<()>;
    /// Gets a guest image (JSON [`crate::ImageRequest`]) from the first
    /// image provider that serves its distro and arch, preparing it unless
    /// it is up to date; returns its path on the request's host.
    #[sabi(last_prefix_field)]
    fn guest_image(&self, request: RStr<'_>) -> FfiResult<RString>;
}

/// Borrowed host services for one call.
pub type HostRef<'a> = FfiHost_TO<'a, abi_stable::sabi_types::RRef<'a, ()>>;

/// Since 0.1.2: host services added after 0.1.0, lent next to
/// [`HostRef`] to the calls of components created through root-module
/// functions of 0.1.2 or later ([`FfiTest2`]).
#[sabi_trait]
pub trait FfiHostExtras {
    /// Makes pbench available (JSON [`crate::PbenchRequest`]) with the
    /// first pbench installer, in order-key order, that applies.
    #[sabi(last_prefix_field)]
    fn install_pbench(&self, request: RStr<'_>) -> FfiResult<()>;
}

/// Borrowed extra host services for one call.
pub type HostExtrasRef<'a> = FfiHostExtras_TO<'a, abi_stable::sabi_types::RRef<'a, ()>>;

/// A profile instance.
#[sabi_trait]
pub trait FfiProfile: Send {
    /// The profile's name after `__NAME__` was applied.
    fn name(&self) -> RString;
    /// Applies the profile; JSON [`crate::Applied`].
    fn apply(&mut self, host: HostRef<'_>, setup_script: ROption<RStr<'_>>) -> FfiResult<RString>;
    /// Reverts it; `true` when the host must be rebooted to finish.
    fn revert(&mut self, host: HostRef<'_>) -> FfiResult<bool>;
    /// Describes how the profile affected the machines (JSON object).
    #[sabi(last_prefix_field)]
    fn info(&mut self, host: HostRef<'_>) -> FfiResult<RString>;
}

/// A test instance.
#[sabi_trait]
pub trait FfiTest: Send {
    /// The test's name after `__NAME__` was applied.
    fn name(&self) -> RString;
    /// Prepares machines (JSON [`crate::TestRun`]).
    fn setup(&mut self, host: HostRef<'_>, run: RStr<'_>) -> FfiResult<()>;
    /// Runs the benchmark and writes results into the run's output dir.
    fn run(&mut self, host: HostRef<'_>, run: RStr<'_>) -> FfiResult<()>;
    /// Cleans up, always called, even after a failure.
    #[sabi(last_prefix_field)]
    fn cleanup(&mut self, host: HostRef<'_>, run: RStr<'_>) -> FfiResult<()>;
}

/// Since 0.1.2: a test instance whose calls also get the
/// [`FfiHostExtras`]; created by the root module's `new_test_2`.
#[sabi_trait]
pub trait FfiTest2: Send {
    /// Prepares machines (JSON [`crate::TestRun`]).
    fn setup<'h>(
        &mut self,
        host: HostRef<'h>,
        extras: HostExtrasRef<'h>,
        run: RStr<'_>,
    ) -> FfiResult<()>;
    /// Runs the benchmark and writes results into the run's output dir.
    fn run<'h>(
        &mut self,
        host: HostRef<'h>,
        extras: HostExtrasRef<'h>,
        run: RStr<'_>,
    ) -> FfiResult<()>;
    /// Cleans up, always called, even after a failure.
    #[sabi(last_prefix_field)]
    fn cleanup<'h>(
        &mut self,
        host: HostRef<'h>,
        extras: HostExtrasRef<'h>,
        run: RStr<'_>,
    ) -> FfiResult<()>;
}

/// Since 0.1.2: a pbench installer instance.
#[sabi_trait]
pub trait FfiPbenchInstaller: Send {
    /// Installs what JSON [`crate::PbenchRequest`] asks for; JSON
    /// [`crate::PbenchInstall`].
    #[sabi(last_prefix_field)]
    fn install(&mut self, host: HostRef<'_>, request: RStr<'_>) -> FfiResult<RString>;
}

/// An image provider instance.
#[sabi_trait]
pub trait FfiImageProvider: Send {
    /// Whether it can provide `distro` for `arch`.
    fn is_for(&self, distro: RStr<'_>, arch: RStr<'_>) -> bool;
    /// Whether the image described by JSON [`crate::ImageRequest`] is current.
    fn is_up_to_date(&mut self, host: HostRef<'_>, request: RStr<'_>) -> FfiResult<bool>;
    /// Prepares the image; returns its path on the host.
    #[sabi(last_prefix_field)]
    fn prepare(&mut self, host: HostRef<'_>, request: RStr<'_>) -> FfiResult<RString>;
}

/// A provisioner instance.
#[sabi_trait]
pub trait FfiProvisioner: Send {
    /// Installs the distribution (JSON [`crate::ProvisionRequest`]).
    #[sabi(last_prefix_field)]
    fn provision(&mut self, host: HostRef<'_>, request: RStr<'_>) -> FfiResult<()>;
}

/// A result parser instance.
#[sabi_trait]
pub trait FfiResultParser: Send + Sync {
    /// Whether it reads files named `file_name`.
    fn handles(&self, file_name: RStr<'_>) -> bool;
    /// Reads one file; JSON list of [`crate::ParsedCheck`].
    #[sabi(last_prefix_field)]
    fn parse(&self, path: RStr<'_>) -> FfiResult<RString>;
}

/// Owned profile trait object.
pub type ProfileBox = FfiProfile_TO<'static, RBox<()>>;
/// Owned test trait object.
pub type TestBox = FfiTest_TO<'static, RBox<()>>;
/// Owned image provider trait object.
pub type ImageProviderBox = FfiImageProvider_TO<'static, RBox<()>>;
/// Owned provisioner trait object.
pub type ProvisionerBox = FfiProvisioner_TO<'static, RBox<()>>;
/// Owned result parser trait object.
pub type ResultParserBox = FfiResultParser_TO<'static, RBox<()>>;
/// Owned 0.1.2 test trait object.
pub type Test2Box = FfiTest2_TO<'static, RBox<()>>;
/// Owned pbench installer trait object.
pub type PbenchInstallerBox = FfiPbenchInstaller_TO<'static, RBox<()>>;

/// What the host does around the calls of a library built against this
/// version of the contract (the root module's `protocol`):
///
/// - it resolves a component's name (`__NAME__` of its params, else its
///   component name) and passes it as `name` in [`crate::ProfileContext`]
///   and [`crate::TestContext`]; that name, made safe, names the result
///   dirs;
/// - it keeps the crash markers around `Profile::apply` and
///   `Profile::revert` ([`crate::markers`]).
///
/// A library built against 0.1.0 has no `protocol`: it reads `__NAME__`
/// and keeps the markers itself, and the host leaves both to it.
pub const PROTOCOL: u32 = 1;

/// Declares the root module `PluginMod` (and `PluginModRef`) with the
/// fields of 0.1.0 followed by `$appended`, so that the current root module
/// and the frozen one of 0.1.0 ([`released_0_1_0`]) cannot drift apart.
macro_rules! root_module {
    ($($appended:tt)*) => {
        /// The root module of a plugin library.
        ///
        /// This is a prefix type: the fields up to `new_result_parser` are
        /// those of 0.1.0 and exist in every library. Fields appended later
        /// are read through accessors returning `Option`
        /// (`missing_field(option)`): `None` in a library built against an
        /// older version, which the host then serves as that version expects.
        #[repr(C)]
        #[derive(StableAbi)]
        #[sabi(kind(Prefix(prefix_ref = PluginModRef)))]
        #[sabi(missing_field(option))]
        pub struct PluginMod {
            /// Name of the library (its crate name), for messages and listings.
            pub library_name: extern "C" fn() -> RString,
            /// Every component the library provides.
            pub components: extern "C" fn() -> FfiResult<RVec<ComponentDecl>>,
            /// Creates the profile named `name` from a JSON [`crate::ProfileContext`].
            pub new_profile:
                extern "C" fn(name: RStr<'_>, context: RStr<'_>) -> FfiResult<ProfileBox>,
            /// Creates the test named `name` from a JSON [`crate::TestContext`].
            pub new_test: extern "C" fn(name: RStr<'_>, context: RStr<'_>) -> FfiResult<TestBox>,
            /// Creates the image provider named `name`.
            pub new_image_provider: extern "C" fn(name: RStr<'_>) -> FfiResult<ImageProviderBox>,
            /// Creates the provisioner named `name` (JSON params object).
            pub new_provisioner:
                extern "C" fn(name: RStr<'_>, params: RStr<'_>) -> FfiResult<ProvisionerBox>,
            /// Creates the result parser named `name`.
            #[sabi(last_prefix_field)]
            pub new_result_parser: extern "C" fn(name: RStr<'_>) -> FfiResult<ResultParserBox>,
            $($appended)*
        }

        impl RootModule for PluginModRef {
            declare_root_module_statics! {PluginModRef}
            const BASE_NAME: &'static str = "runperf_plugin";
            const NAME: &'static str = "runperf plugin";
            const VERSION_STRINGS: VersionStrings = package_version_strings!();
        }
    };
}

root_module! {
    /// Since 0.1.1: the [`PROTOCOL`] the library was built for.
    pub protocol: u32,
    /// Since 0.1.2: the components of kinds added after 0.1.0 (pbench
    /// installers), as a JSON list of [`crate::ComponentInfo`]; the host
    /// skips kinds it does not know.
    pub extra_components: extern "C" fn() -> FfiResult<RString>,
    /// Since 0.1.2: creates the test named `name` from a JSON
    /// [`crate::TestContext`] as [`FfiTest2`], whose calls get the
    /// [`FfiHostExtras`]; the host prefers it to `new_test`.
    pub new_test_2: extern "C" fn(name: RStr<'_>, context: RStr<'_>) -> FfiResult<Test2Box>,
    /// Since 0.1.2: creates the pbench installer named `name`.
    pub new_pbench_installer: extern "C" fn(name: RStr<'_>) -> FfiResult<PbenchInstallerBox>,
}

/// The root module as released in 0.1.1 (0.1.0's and `protocol`), frozen;
/// see [`released_0_1_0`].
pub mod released_0_1_1 {
    use super::*;

    root_module! {
        /// Since 0.1.1: the [`PROTOCOL`] the library was built for.
        pub protocol: u32,
    }
}

/// The root module as released in 0.1.0, frozen.
///
/// abi_stable refuses a library whose root module has fewer fields than
/// the one the host checks it against, even though the fields appended
/// since are read as `Option`. The loader therefore checks a library
/// against the current [`PluginMod`] and, when that fails, against the
/// frozen older ones, newest first (this one last): a library that passes
/// one was built against that older 0.1.x, and its
/// appended fields read as `None` (they are looked up in the library's own
/// field list at run time).
pub mod released_0_1_0 {
    use super::*;

    root_module! {}
}

#[cfg(test)]
mod tests {
    use abi_stable::{StableAbi, abi_stability::abi_checking::check_layout_compatibility};

    use super::{PluginModRef, released_0_1_0, released_0_1_1};

    #[test]
    fn abi_stable_alone_refuses_an_older_root_module_so_the_loader_checks_the_frozen_one() {
        let current = <PluginModRef as StableAbi>::LAYOUT;
        for old in [
            <released_0_1_0::PluginModRef as StableAbi>::LAYOUT,
            <released_0_1_1::PluginModRef as StableAbi>::LAYOUT,
        ] {
            // A newer library in an older host: accepted by abi_stable itself.
            assert!(check_layout_compatibility(old, current).is_ok());
            // An older library in a newer host: refused ("too many fields")...
            let err = check_layout_compatibility(current, old).unwrap_err();
            assert!(format!("{err}").contains("too many fields"), "{err}");
            // ...while its frozen layout is the same type to abi_stable.
            assert!(check_layout_compatibility(old, old).is_ok());
        }
        // 0.1.1 extends 0.1.0.
        let (v0, v1) = (
            <released_0_1_0::PluginModRef as StableAbi>::LAYOUT,
            <released_0_1_1::PluginModRef as StableAbi>::LAYOUT,
        );
        assert!(check_layout_compatibility(v0, v1).is_ok());
    }
}

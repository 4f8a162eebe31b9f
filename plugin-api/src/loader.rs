//! Host side: opening a plugin library, checking it is compatible, and
//! calling its components through plain-Rust handles.

use std::path::{Path, PathBuf};

use abi_stable::library::{LibraryError, RootModuleError, lib_header_from_path};

use crate::{
    Applied, ComponentInfo, HostServices, ImageRequest, ParsedCheck, PbenchInstall, PbenchRequest,
    PluginError, PluginResult, ProfileContext, ProvisionRequest, TestContext, TestRun,
    ffi::{
        ImageProviderBox, PbenchInstallerBox, PluginModRef, ProfileBox, ProvisionerBox,
        ResultParserBox, Test2Box, TestBox, released_0_1_0, released_0_1_1,
    },
    markers,
    services::{lend, lend_with_extras},
};

/// Why a file could not be used as a plugin library.
#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    /// dlopen failed: not a shared library, truncated, wrong architecture...
    #[error("cannot be opened as a shared library ({0})")]
    Open(String),
    /// A shared library without the abi_stable root module symbol.
    #[error("not a runperf plugin (it exports no plugin root module)")]
    NotAPlugin,
    /// Built against an incompatible version of this crate.
    #[error(
        "built against runperf-plugin-api {found}, but this runperf uses {expected}: rebuild the plugin with this runperf's runperf-plugin-sdk"
    )]
    Version {
        /// Version this host was built with.
        expected: String,
        /// Version the library was built with.
        found: String,
    },
    /// Same version, different type layout (abi_stable's report).
    #[error(
        "built against an incompatible runperf-plugin-api layout ({summary}): rebuild the plugin with this runperf's runperf-plugin-sdk"
    )]
    Layout {
        /// The gist of abi_stable's report.
        summary: String,
        /// abi_stable's whole report, folded into one line.
        full: String,
    },
    /// The library panicked or failed while initialising.
    #[error("failed to initialise: {0}")]
    Init(String),
}

impl LoadError {
    fn from_library(err: LibraryError) -> Self {
        match err {
            LibraryError::OpenError { err, .. } => Self::Open(err.to_string()),
            LibraryError::GetSymbolError { .. } => Self::NotAPlugin,
            LibraryError::IncompatibleVersionNumber {
                expected_version,
                actual_version,
                ..
            } => Self::Version {
                expected: expected_version.to_string(),
                found: actual_version.to_string(),
            },
            LibraryError::ParseVersionError(e) => Self::Init(format!("unreadable version: {e}")),
            LibraryError::AbiInstability(e) => Self::layout(one_line(&e.to_string())),
            LibraryError::InvalidAbiHeader(h) => {
                Self::layout(format!("abi_stable header {h:?} is not the host's"))
            }
            LibraryError::InvalidCAbi { expected, found } => {
                Self::layout(format!("C ABI {found} differs from the host's {expected}"))
            }
            LibraryError::RootModule { err, .. } => Self::Init(match err {
                RootModuleError::Unwound => "panicked in its root module".to_owned(),
                other => other.to_string(),
            }),
            LibraryError::Many(errs) => Self::layout(
                errs.into_iter()
                    .map(|e| Self::from_library(e).to_string())
                    .collect::<Vec<_>>()
                    .join("; "),
            ),
        }
    }
}

impl LoadError {
    /// A layout error whose summary is the last `Error:` part of `full`
    /// (abi_stable puts the actual mismatch there, after both layouts).
    fn layout(full: String) -> Self {
        let gist = full
            .rsplit_once("Error:")
            .map_or(full.as_str(), |(_, tail)| tail)
            .trim();
        let summary: String = gist.chars().take(300).collect();
        Self::Layout { summary, full }
    }

    /// Everything known about the error, for debug logs.
    pub fn details(&self) -> String {
        match self {
            Self::Layout { full, .. } => full.clone(),
            other => other.to_string(),
        }
    }
}

/// Folds abi_stable's multi-line layout report into one line.
fn one_line(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// A loaded plugin library.
pub struct Library {
    path: PathBuf,
    name: String,
    module: PluginModRef,
    protocol: Option<u32>,
    components: Vec<ComponentInfo>,
}

impl std::fmt::Debug for Library {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Library")
            .field("path", &self.path)
            .field("name", &self.name)
            .field("protocol", &self.protocol)
            .field("components", &self.components)
            .finish()
    }
}

/// Opens `path`, checks compatibility and reads its component list.
///
/// The library stays loaded for the life of the process (abi_stable never
/// unloads libraries).
pub fn load(path: &Path) -> Result<Library, LoadError> {
    let header = lib_header_from_path(path).map_err(LoadError::from_library)?;
    let module = match header.init_root_module::<PluginModRef>() {
        Ok(module) => module,
        Err(LibraryError::AbiInstability(current)) => {
            // Built against an older 0.1.x? Its root module is a prefix of
            // today's; see `ffi::released_0_1_0`.
            header
                .ensure_layout::<released_0_1_1::PluginModRef>()
                .or_else(|_| header.ensure_layout::<released_0_1_0::PluginModRef>())
                .map_err(|_| LoadError::from_library(LibraryError::AbiInstability(current)))?;
            // SAFETY: the layout of every field the library has was checked
            // just above; the fields appended since are read only through
            // accessors that consult the library's own field list.
            unsafe { header.init_root_module_with_unchecked_layout::<PluginModRef>() }
                .map_err(LoadError::from_library)?
        }
        Err(other) => return Err(LoadError::from_library(other)),
    };
    let name = (module.library_name())().into_string();
    let mut components: Vec<ComponentInfo> = (module.components())()
        .into_result()
        .map_err(|e| LoadError::Init(format!("{e:#}")))?
        .into_iter()
        .map(|decl| ComponentInfo {
            kind: decl.kind.into(),
            name: decl.name.into_string(),
            order_key: decl.order_key.into_string(),
            summary: decl.summary.into_string(),
        })
        .collect();
    if let Some(extra) = module.extra_components() {
        components.extend(extra_components(
            &extra()
                .into_result()
                .map_err(|e| LoadError::Init(format!("{e:#}")))?,
        )?);
    }
    Ok(Library {
        path: path.to_owned(),
        name,
        protocol: module.protocol(),
        module,
        components,
    })
}

/// The components of the root module's `extra_components` (JSON list of
/// [`ComponentInfo`]); entries of kinds this host does not know (from a
/// newer library) are skipped.
fn extra_components(text: &str) -> Result<Vec<ComponentInfo>, LoadError> {
    let unreadable = |e: serde_json::Error| {
        LoadError::Init(format!("its extra component list is unreadable: {e}"))
    };
    let entries: Vec<serde_json::Value> = serde_json::from_str(text).map_err(unreadable)?;
    let mut out = Vec::new();
    for entry in entries {
        let known = entry
            .get("kind")
            .and_then(|k| k.as_str())
            .is_some_and(|k| crate::ComponentKind::from_label(k).is_some());
        if known {
            out.push(serde_json::from_value(entry).map_err(unreadable)?);
        }
    }
    Ok(out)
}

fn json<T: serde::Serialize>(value: &T) -> PluginResult<String> {
    Ok(serde_json::to_string(value)?)
}

impl Library {
    /// Where the library was loaded from.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The library's own name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The [`crate::ffi::PROTOCOL`] the library was built for; `None` for a
    /// library built against 0.1.0, which predates the field.
    pub fn protocol(&self) -> Option<u32> {
        self.protocol
    }

    /// The components it provides.
    pub fn components(&self) -> &[ComponentInfo] {
        &self.components
    }

    /// Whether the host keeps the crash markers and resolves names for
    /// this library (see [`crate::ffi::PROTOCOL`]); 0.1.0 libraries do both
    /// themselves.
    fn host_owns_protocol(&self) -> bool {
        self.protocol.is_some_and(|p| p >= 1)
    }

    /// Creates the profile `name` (component name) for `context.host`;
    /// `context.name` is its name in the run (the component name when
    /// empty).
    pub fn new_profile(&self, name: &str, context: &ProfileContext) -> PluginResult<ProfileHandle> {
        let mut context = context.clone();
        if context.name.is_empty() {
            context.name = name.to_owned();
        }
        let text = json(&context)?;
        let inner = (self.module.new_profile())(name.into(), text.as_str().into()).into_result()?;
        Ok(ProfileHandle {
            inner,
            name: context.name,
            machine: context.host,
            markers: self.host_owns_protocol(),
        })
    }

    /// Creates the test `name` (component name); `context.name` is its
    /// name in the run (the component name when empty).
    pub fn new_test(&self, name: &str, context: &TestContext) -> PluginResult<TestHandle> {
        let mut context = context.clone();
        if context.name.is_empty() {
            context.name = name.to_owned();
        }
        let text = json(&context)?;
        let args = (name.into(), text.as_str().into());
        let inner = match self.module.new_test_2() {
            Some(new_test_2) => TestInner::V2(new_test_2(args.0, args.1).into_result()?),
            None => TestInner::V1((self.module.new_test())(args.0, args.1).into_result()?),
        };
        Ok(TestHandle { inner })
    }

    /// Creates the pbench installer `name`.
    pub fn new_pbench_installer(&self, name: &str) -> PluginResult<PbenchInstallerHandle> {
        let new = self.module.new_pbench_installer().ok_or_else(|| {
            PluginError::new(format!(
                "library {} predates pbench installers (runperf-plugin-api 0.1.2)",
                self.name
            ))
        })?;
        let inner = new(name.into()).into_result()?;
        Ok(PbenchInstallerHandle {
            inner,
            name: name.to_owned(),
        })
    }

    /// Creates the image provider `name`.
    pub fn new_image_provider(&self, name: &str) -> PluginResult<ImageProviderHandle> {
        let inner = (self.module.new_image_provider())(name.into()).into_result()?;
        Ok(ImageProviderHandle { inner })
    }

    /// Creates the provisioner `name` with its JSON params.
    pub fn new_provisioner(
        &self,
        name: &str,
        params: &serde_json::Map<String, serde_json::Value>,
    ) -> PluginResult<ProvisionerHandle> {
        let params = json(params)?;
        let inner =
            (self.module.new_provisioner())(name.into(), params.as_str().into()).into_result()?;
        Ok(ProvisionerHandle { inner })
    }

    /// Creates the result parser `name`.
    pub fn new_result_parser(&self, name: &str) -> PluginResult<ResultParserHandle> {
        let inner = (self.module.new_result_parser())(name.into()).into_result()?;
        Ok(ResultParserHandle { inner })
    }
}

/// A profile created by a plugin for one host machine.
pub struct ProfileHandle {
    inner: ProfileBox,
    name: String,
    machine: String,
    /// Whether the host keeps the crash markers around apply and revert.
    markers: bool,
}

impl ProfileHandle {
    /// The profile's name in the run (its context's `name`).
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Applies the profile, between the crash markers.
    pub fn apply(
        &mut self,
        host: &dyn HostServices,
        setup_script: Option<&str>,
    ) -> PluginResult<Applied> {
        let mut call = || -> PluginResult<Applied> {
            let text = lend(host, |h| {
                self.inner.apply(h, setup_script.map(Into::into).into())
            })
            .into_result()?;
            Ok(serde_json::from_str(&text)?)
        };
        if self.markers {
            markers::around_apply(host, &self.machine, &self.name, call)
        } else {
            call()
        }
    }

    /// Reverts the profile, then clears the crash markers; `true` when a
    /// reboot is needed to finish.
    pub fn revert(&mut self, host: &dyn HostServices) -> PluginResult<bool> {
        let mut call = || lend(host, |h| self.inner.revert(h)).into_result();
        if self.markers {
            markers::around_revert(host, &self.machine, &self.name, call)
        } else {
            call()
        }
    }

    /// How the profile affected the machines.
    pub fn info(
        &mut self,
        host: &dyn HostServices,
    ) -> PluginResult<serde_json::Map<String, serde_json::Value>> {
        let text = lend(host, |h| self.inner.info(h)).into_result()?;
        Ok(serde_json::from_str(&text)?)
    }
}

/// A test created by a plugin.
pub struct TestHandle {
    inner: TestInner,
}

/// A test of a library built before 0.1.2, or since (its calls also get
/// the extra host services).
enum TestInner {
    V1(TestBox),
    V2(Test2Box),
}

/// One of a test's three calls.
#[derive(Clone, Copy)]
enum Step {
    Setup,
    Run,
    Cleanup,
}

impl TestHandle {
    fn call(&mut self, step: Step, host: &dyn HostServices, run: &TestRun) -> PluginResult<()> {
        let run = json(run)?;
        let run = run.as_str();
        match &mut self.inner {
            TestInner::V1(test) => lend(host, |h| match step {
                Step::Setup => test.setup(h, run.into()),
                Step::Run => test.run(h, run.into()),
                Step::Cleanup => test.cleanup(h, run.into()),
            }),
            TestInner::V2(test) => lend_with_extras(host, |h, x| match step {
                Step::Setup => test.setup(h, x, run.into()),
                Step::Run => test.run(h, x, run.into()),
                Step::Cleanup => test.cleanup(h, x, run.into()),
            }),
        }
        .into_result()
    }

    /// Prepares the machines.
    pub fn setup(&mut self, host: &dyn HostServices, run: &TestRun) -> PluginResult<()> {
        self.call(Step::Setup, host, run)
    }

    /// Runs the benchmark.
    pub fn run(&mut self, host: &dyn HostServices, run: &TestRun) -> PluginResult<()> {
        self.call(Step::Run, host, run)
    }

    /// Cleans up.
    pub fn cleanup(&mut self, host: &dyn HostServices, run: &TestRun) -> PluginResult<()> {
        self.call(Step::Cleanup, host, run)
    }
}

/// A pbench installer created by a plugin.
pub struct PbenchInstallerHandle {
    inner: PbenchInstallerBox,
    name: String,
}

impl PbenchInstallerHandle {
    /// The installer's component name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Installs what `request` asks for, or says why it does not apply.
    pub fn install(
        &mut self,
        host: &dyn HostServices,
        request: &PbenchRequest,
    ) -> PluginResult<PbenchInstall> {
        let request = json(request)?;
        let text = lend(host, |h| self.inner.install(h, request.as_str().into())).into_result()?;
        Ok(serde_json::from_str(&text)?)
    }
}

/// An image provider created by a plugin.
pub struct ImageProviderHandle {
    inner: ImageProviderBox,
}

impl ImageProviderHandle {
    /// Whether it provides `distro` for `arch`.
    pub fn is_for(&self, distro: &str, arch: &str) -> bool {
        self.inner.is_for(distro.into(), arch.into())
    }

    /// Whether the image is current.
    pub fn is_up_to_date(
        &mut self,
        host: &dyn HostServices,
        request: &ImageRequest,
    ) -> PluginResult<bool> {
        let request = json(request)?;
        lend(host, |h| {
            self.inner.is_up_to_date(h, request.as_str().into())
        })
        .into_result()
    }

    /// Prepares the image and returns its path.
    pub fn prepare(
        &mut self,
        host: &dyn HostServices,
        request: &ImageRequest,
    ) -> PluginResult<String> {
        let request = json(request)?;
        Ok(
            lend(host, |h| self.inner.prepare(h, request.as_str().into()))
                .into_result()?
                .into_string(),
        )
    }
}

/// A provisioner created by a plugin.
pub struct ProvisionerHandle {
    inner: ProvisionerBox,
}

impl ProvisionerHandle {
    /// Provisions the machine.
    pub fn provision(
        &mut self,
        host: &dyn HostServices,
        request: &ProvisionRequest,
    ) -> PluginResult<()> {
        let request = json(request)?;
        lend(host, |h| self.inner.provision(h, request.as_str().into())).into_result()
    }
}

/// A result parser created by a plugin.
pub struct ResultParserHandle {
    inner: ResultParserBox,
}

impl ResultParserHandle {
    /// Whether it reads files named `file_name`.
    pub fn handles(&self, file_name: &str) -> bool {
        self.inner.handles(file_name.into())
    }

    /// Reads one file into checks.
    pub fn parse(&self, path: &Path) -> PluginResult<Vec<ParsedCheck>> {
        let path = path
            .to_str()
            .ok_or_else(|| PluginError::new(format!("path {} is not UTF-8", path.display())))?;
        let text = self.inner.parse(path.into()).into_result()?;
        Ok(serde_json::from_str(&text)?)
    }
}

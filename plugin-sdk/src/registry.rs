//! Plugin side: the list of components a library provides, and the
//! adapters that expose plain-Rust components as FFI objects with every
//! call guarded against panics.

use runperf_plugin_api::{
    abi_stable::{
        sabi_trait::TD_Opaque,
        std_types::{ROption, RStr, RString, RVec},
    },
    ffi::{
        self, ComponentDecl, FfiImageProvider, FfiImageProvider_TO, FfiPbenchInstaller,
        FfiPbenchInstaller_TO, FfiProfile, FfiProfile_TO, FfiProvisioner, FfiProvisioner_TO,
        FfiResult, FfiResultParser, FfiResultParser_TO, FfiTest, FfiTest_TO, FfiTest2, FfiTest2_TO,
        HostExtrasRef, HostRef, ImageProviderBox, PbenchInstallerBox, ProfileBox, ProvisionerBox,
        ResultParserBox, Test2Box, TestBox,
    },
    guard,
};
use serde_json::{Map, Value};

use crate::{
    ComponentInfo, ComponentKind, Host, ImageProvider, ImageRequest, PbenchInstaller,
    PbenchRequest, PluginError, PluginResult, Profile, ProfileContext, ProvisionRequest,
    Provisioner, ResultParser, Test, TestContext, TestRun,
    components::{
        ImageProviderFactory, PbenchInstallerFactory, ProfileFactory, ProvisionerFactory,
        ResultParserFactory, TestFactory,
    },
};

enum Factory {
    Profile(ProfileFactory),
    Test(TestFactory),
    ImageProvider(ImageProviderFactory),
    Provisioner(ProvisionerFactory),
    ResultParser(ResultParserFactory),
    PbenchInstaller(PbenchInstallerFactory),
}

/// The components of one plugin library, built once by the function
/// given to [`crate::export_plugin`].
pub struct Registry {
    library: String,
    entries: Vec<(ComponentInfo, Factory)>,
}

impl Registry {
    /// An empty registry for the library `library` (use the crate name).
    pub fn new(library: impl Into<String>) -> Self {
        Self {
            library: library.into(),
            entries: Vec::new(),
        }
    }

    fn push(
        mut self,
        kind: ComponentKind,
        name: &str,
        order_key: &str,
        summary: &str,
        factory: Factory,
    ) -> Self {
        let info = ComponentInfo::new(kind, name, order_key, summary);
        self.entries.push((info, factory));
        self
    }

    /// Adds a profile named `name` with order key `order_key` (`50Localhost`).
    #[must_use]
    pub fn profile(
        self,
        name: &str,
        order_key: &str,
        summary: &str,
        factory: ProfileFactory,
    ) -> Self {
        self.push(
            ComponentKind::Profile,
            name,
            order_key,
            summary,
            Factory::Profile(factory),
        )
    }

    /// Adds a test.
    #[must_use]
    pub fn test(self, name: &str, order_key: &str, summary: &str, factory: TestFactory) -> Self {
        self.push(
            ComponentKind::Test,
            name,
            order_key,
            summary,
            Factory::Test(factory),
        )
    }

    /// Adds an image provider.
    #[must_use]
    pub fn image_provider(
        self,
        name: &str,
        order_key: &str,
        summary: &str,
        factory: ImageProviderFactory,
    ) -> Self {
        self.push(
            ComponentKind::ImageProvider,
            name,
            order_key,
            summary,
            Factory::ImageProvider(factory),
        )
    }

    /// Adds a provisioner.
    #[must_use]
    pub fn provisioner(
        self,
        name: &str,
        order_key: &str,
        summary: &str,
        factory: ProvisionerFactory,
    ) -> Self {
        self.push(
            ComponentKind::Provisioner,
            name,
            order_key,
            summary,
            Factory::Provisioner(factory),
        )
    }

    /// Adds a result parser.
    #[must_use]
    pub fn result_parser(
        self,
        name: &str,
        order_key: &str,
        summary: &str,
        factory: ResultParserFactory,
    ) -> Self {
        self.push(
            ComponentKind::ResultParser,
            name,
            order_key,
            summary,
            Factory::ResultParser(factory),
        )
    }

    /// Adds a pbench installer (`Dnf` is `50Dnf`; a lower order key is
    /// tried first).
    #[must_use]
    pub fn pbench_installer(
        self,
        name: &str,
        order_key: &str,
        summary: &str,
        factory: PbenchInstallerFactory,
    ) -> Self {
        self.push(
            ComponentKind::PbenchInstaller,
            name,
            order_key,
            summary,
            Factory::PbenchInstaller(factory),
        )
    }

    /// The library's name.
    pub fn library(&self) -> &str {
        &self.library
    }

    /// Every component declared so far.
    pub fn components(&self) -> impl Iterator<Item = &ComponentInfo> {
        self.entries.iter().map(|(info, _)| info)
    }

    fn find(&self, kind: ComponentKind, name: &str) -> PluginResult<&Factory> {
        self.entries
            .iter()
            .find(|(info, _)| info.kind == kind && info.name == name)
            .map(|(_, factory)| factory)
            .ok_or_else(|| {
                PluginError::new(format!(
                    "library {} has no {kind} named {name:?}",
                    self.library
                ))
            })
    }
}

/// Glue called by the functions [`crate::export_plugin`] generates.
#[doc(hidden)]
pub mod glue {
    use super::*;

    pub fn library_name(registry: fn() -> &'static Registry) -> RString {
        guard("library name", || {
            Ok(RString::from(registry().library.as_str()))
        })
        .unwrap_or_else(|err| RString::from(format!("<{err:#}>")))
    }

    /// The components of the kinds 0.1.0 knew.
    pub fn components(registry: fn() -> &'static Registry) -> FfiResult<RVec<ComponentDecl>> {
        guard("listing components", || {
            Ok(registry()
                .components()
                .filter_map(|info| {
                    Some(ComponentDecl {
                        kind: ffi::ComponentKind::of(info.kind)?,
                        name: info.name.as_str().into(),
                        order_key: info.order_key.as_str().into(),
                        summary: info.summary.as_str().into(),
                    })
                })
                .collect())
        })
        .into()
    }

    /// The components of kinds added since 0.1.0, as JSON.
    pub fn extra_components(registry: fn() -> &'static Registry) -> FfiResult<RString> {
        guard("listing extra components", || {
            let extra: Vec<&ComponentInfo> = registry()
                .components()
                .filter(|info| ffi::ComponentKind::of(info.kind).is_none())
                .collect();
            to_json(&extra)
        })
        .into()
    }

    pub fn new_test_2(
        registry: &Registry,
        name: RStr<'_>,
        context: RStr<'_>,
    ) -> FfiResult<Test2Box> {
        guard(&format!("creating test {name}"), || {
            let (test, name) = make_test(registry, name, context)?;
            Ok(FfiTest2_TO::from_value(TestAdapter(test, name), TD_Opaque))
        })
        .into()
    }

    pub fn new_pbench_installer(
        registry: &Registry,
        name: RStr<'_>,
    ) -> FfiResult<PbenchInstallerBox> {
        guard(
            &format!("creating pbench installer {name}"),
            || match registry.find(ComponentKind::PbenchInstaller, name.as_str())? {
                Factory::PbenchInstaller(make) => Ok(FfiPbenchInstaller_TO::from_value(
                    InstallerAdapter(make()?),
                    TD_Opaque,
                )),
                _ => unreachable!("find filters by kind"),
            },
        )
        .into()
    }

    pub fn new_profile(
        registry: &Registry,
        name: RStr<'_>,
        context: RStr<'_>,
    ) -> FfiResult<ProfileBox> {
        guard(&format!("creating profile {name}"), || {
            match registry.find(ComponentKind::Profile, name.as_str())? {
                Factory::Profile(make) => {
                    let context: ProfileContext = serde_json::from_str(context.as_str())?;
                    let name = instance_name(&context.name, name);
                    Ok(FfiProfile_TO::from_value(
                        ProfileAdapter(make(context)?, name),
                        TD_Opaque,
                    ))
                }
                _ => unreachable!("find filters by kind"),
            }
        })
        .into()
    }

    pub fn new_test(registry: &Registry, name: RStr<'_>, context: RStr<'_>) -> FfiResult<TestBox> {
        guard(&format!("creating test {name}"), || {
            let (test, name) = make_test(registry, name, context)?;
            Ok(FfiTest_TO::from_value(TestAdapter(test, name), TD_Opaque))
        })
        .into()
    }

    pub fn new_image_provider(registry: &Registry, name: RStr<'_>) -> FfiResult<ImageProviderBox> {
        guard(
            &format!("creating image provider {name}"),
            || match registry.find(ComponentKind::ImageProvider, name.as_str())? {
                Factory::ImageProvider(make) => Ok(FfiImageProvider_TO::from_value(
                    ImageAdapter(make()?),
                    TD_Opaque,
                )),
                _ => unreachable!("find filters by kind"),
            },
        )
        .into()
    }

    pub fn new_provisioner(
        registry: &Registry,
        name: RStr<'_>,
        params: RStr<'_>,
    ) -> FfiResult<ProvisionerBox> {
        guard(&format!("creating provisioner {name}"), || {
            match registry.find(ComponentKind::Provisioner, name.as_str())? {
                Factory::Provisioner(make) => {
                    let params: Map<String, Value> = serde_json::from_str(params.as_str())?;
                    Ok(FfiProvisioner_TO::from_value(
                        ProvisionerAdapter(make(params)?),
                        TD_Opaque,
                    ))
                }
                _ => unreachable!("find filters by kind"),
            }
        })
        .into()
    }

    pub fn new_result_parser(registry: &Registry, name: RStr<'_>) -> FfiResult<ResultParserBox> {
        guard(&format!("creating result parser {name}"), || match registry
            .find(ComponentKind::ResultParser, name.as_str())?
        {
            Factory::ResultParser(make) => Ok(FfiResultParser_TO::from_value(
                ParserAdapter(make()?),
                TD_Opaque,
            )),
            _ => unreachable!("find filters by kind"),
        })
        .into()
    }
}

/// Creates the test `name` from its JSON context, with its instance name.
fn make_test(
    registry: &Registry,
    name: RStr<'_>,
    context: RStr<'_>,
) -> PluginResult<(Box<dyn Test>, RString)> {
    match registry.find(ComponentKind::Test, name.as_str())? {
        Factory::Test(make) => {
            let context: TestContext = serde_json::from_str(context.as_str())?;
            let name = instance_name(&context.name, name);
            Ok((make(context)?, name))
        }
        _ => unreachable!("find filters by kind"),
    }
}

/// The name the FFI `name()` of a component answers: the host reads it
/// only from 0.1.0 libraries, which set it themselves; kept so that a
/// 0.1.0 host still gets a name.
fn instance_name(given: &str, component: RStr<'_>) -> RString {
    RString::from(if given.is_empty() {
        component.as_str()
    } else {
        given
    })
}

fn to_json<T: serde::Serialize>(value: &T) -> PluginResult<RString> {
    Ok(RString::from(serde_json::to_string(value)?))
}

fn from_json<T: serde::de::DeserializeOwned>(text: RStr<'_>) -> PluginResult<T> {
    Ok(serde_json::from_str(text.as_str())?)
}

struct ProfileAdapter(Box<dyn Profile>, RString);

impl FfiProfile for ProfileAdapter {
    fn name(&self) -> RString {
        self.1.clone()
    }

    fn apply(&mut self, host: HostRef<'_>, setup_script: ROption<RStr<'_>>) -> FfiResult<RString> {
        let host = Host::from_ffi(host);
        let script = setup_script.into_option().map(|s| s.as_str());
        guard("Profile::apply", || to_json(&self.0.apply(&host, script)?)).into()
    }

    fn revert(&mut self, host: HostRef<'_>) -> FfiResult<bool> {
        let host = Host::from_ffi(host);
        guard("Profile::revert", || self.0.revert(&host)).into()
    }

    fn info(&mut self, host: HostRef<'_>) -> FfiResult<RString> {
        let host = Host::from_ffi(host);
        guard("Profile::info", || to_json(&self.0.info(&host)?)).into()
    }
}

struct TestAdapter(Box<dyn Test>, RString);

impl TestAdapter {
    fn call(
        &mut self,
        what: &str,
        host: Host<'_>,
        run: RStr<'_>,
        step: impl FnOnce(&mut dyn Test, &Host<'_>, &TestRun) -> PluginResult<()>,
    ) -> FfiResult<()> {
        guard(what, || {
            let run: TestRun = from_json(run)?;
            step(self.0.as_mut(), &host, &run)
        })
        .into()
    }
}

impl FfiTest for TestAdapter {
    fn name(&self) -> RString {
        self.1.clone()
    }

    fn setup(&mut self, host: HostRef<'_>, run: RStr<'_>) -> FfiResult<()> {
        let host = Host::from_ffi(host);
        self.call("Test::setup", host, run, |t, h, r| t.setup(h, r))
    }

    fn run(&mut self, host: HostRef<'_>, run: RStr<'_>) -> FfiResult<()> {
        let host = Host::from_ffi(host);
        self.call("Test::run", host, run, |t, h, r| t.run(h, r))
    }

    fn cleanup(&mut self, host: HostRef<'_>, run: RStr<'_>) -> FfiResult<()> {
        let host = Host::from_ffi(host);
        self.call("Test::cleanup", host, run, |t, h, r| t.cleanup(h, r))
    }
}

impl FfiTest2 for TestAdapter {
    fn setup<'h>(
        &mut self,
        host: HostRef<'h>,
        extras: HostExtrasRef<'h>,
        run: RStr<'_>,
    ) -> FfiResult<()> {
        let host = Host::from_ffi_with_extras(host, extras);
        self.call("Test::setup", host, run, |t, h, r| t.setup(h, r))
    }

    fn run<'h>(
        &mut self,
        host: HostRef<'h>,
        extras: HostExtrasRef<'h>,
        run: RStr<'_>,
    ) -> FfiResult<()> {
        let host = Host::from_ffi_with_extras(host, extras);
        self.call("Test::run", host, run, |t, h, r| t.run(h, r))
    }

    fn cleanup<'h>(
        &mut self,
        host: HostRef<'h>,
        extras: HostExtrasRef<'h>,
        run: RStr<'_>,
    ) -> FfiResult<()> {
        let host = Host::from_ffi_with_extras(host, extras);
        self.call("Test::cleanup", host, run, |t, h, r| t.cleanup(h, r))
    }
}

struct InstallerAdapter(Box<dyn PbenchInstaller>);

impl FfiPbenchInstaller for InstallerAdapter {
    fn install(&mut self, host: HostRef<'_>, request: RStr<'_>) -> FfiResult<RString> {
        let host = Host::from_ffi(host);
        guard("PbenchInstaller::install", || {
            let request: PbenchRequest = from_json(request)?;
            to_json(&self.0.install(&host, &request)?)
        })
        .into()
    }
}

struct ImageAdapter(Box<dyn ImageProvider>);

impl FfiImageProvider for ImageAdapter {
    fn is_for(&self, distro: RStr<'_>, arch: RStr<'_>) -> bool {
        guard("ImageProvider::is_for", || {
            Ok(self.0.is_for(distro.as_str(), arch.as_str()))
        })
        .unwrap_or(false)
    }

    fn is_up_to_date(&mut self, host: HostRef<'_>, request: RStr<'_>) -> FfiResult<bool> {
        let host = Host::from_ffi(host);
        guard("ImageProvider::is_up_to_date", || {
            let request: ImageRequest = from_json(request)?;
            self.0.is_up_to_date(&host, &request)
        })
        .into()
    }

    fn prepare(&mut self, host: HostRef<'_>, request: RStr<'_>) -> FfiResult<RString> {
        let host = Host::from_ffi(host);
        guard("ImageProvider::prepare", || {
            let request: ImageRequest = from_json(request)?;
            Ok(RString::from(self.0.prepare(&host, &request)?))
        })
        .into()
    }
}

struct ProvisionerAdapter(Box<dyn Provisioner>);

impl FfiProvisioner for ProvisionerAdapter {
    fn provision(&mut self, host: HostRef<'_>, request: RStr<'_>) -> FfiResult<()> {
        let host = Host::from_ffi(host);
        guard("Provisioner::provision", || {
            let request: ProvisionRequest = from_json(request)?;
            self.0.provision(&host, &request)
        })
        .into()
    }
}

struct ParserAdapter(Box<dyn ResultParser>);

impl FfiResultParser for ParserAdapter {
    fn handles(&self, file_name: RStr<'_>) -> bool {
        guard("ResultParser::handles", || {
            Ok(self.0.handles(file_name.as_str()))
        })
        .unwrap_or(false)
    }

    fn parse(&self, path: RStr<'_>) -> FfiResult<RString> {
        guard("ResultParser::parse", || {
            to_json(&self.0.parse(path.as_str())?)
        })
        .into()
    }
}

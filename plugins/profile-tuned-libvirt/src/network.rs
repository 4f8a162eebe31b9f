//! How the VMs are networked (extra `network`), and the domain XML edit
//! for user-mode networking.
//!
//! * `default`: libvirt's network (`default`, NAT), the VM's address read
//!   with `virsh domifaddr`; what labs use.
//! * `user`: qemu's user-mode network (slirp), `restrict=on` so the guest
//!   reaches nothing outside itself, with the guest's SSH forwarded to
//!   `127.0.0.1:PORT` on its host; the worker is `127.0.0.1:PORT`. No
//!   traffic of the VM leaves the host's loopback. Debian 12's libvirt 9.0
//!   is built without passt, so libvirt's `<portForward>` is unavailable:
//!   the netdev is given on qemu's command line (`<qemu:commandline>`) and
//!   the VM's `<interface type='user'>` is pointed at it
//!   (`<qemu:override>`), which keeps libvirt's PCI addressing.

use runperf_plugin_sdk::{PluginError, PluginResult};

use crate::domain_xml::{edit_root, find_start_tag, set_attr};

/// The VMs' network (extra `network`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Network {
    /// libvirt's `default` network; address from `virsh domifaddr`.
    #[default]
    Default,
    /// qemu user-mode networking, SSH forwarded to a loopback port.
    User,
}

/// The netdev id (and, with `ua-`, the interface alias) of user mode.
const NETDEV: &str = "runperf-net";
const QEMU_NS: &str = "http://libvirt.org/schemas/domain/qemu/1.0";

impl Network {
    /// Parses the extra's value (`""` is `default`).
    pub fn parse(text: &str) -> PluginResult<Self> {
        match text.trim() {
            "" | "default" => Ok(Self::Default),
            "user" => Ok(Self::User),
            other => Err(PluginError::new(format!(
                "profile extra network is {other:?}; expected default (libvirt's network) or user \
                 (user-mode networking, SSH forwarded to a 127.0.0.1 port)"
            ))),
        }
    }

    /// The name, as written in the extra.
    pub fn name(self) -> &'static str {
        match self {
            Self::Default => "default",
            Self::User => "user",
        }
    }
}

/// The address a worker behind the forwarded `port` is registered with.
pub fn forwarded_address(port: u16) -> String {
    format!("127.0.0.1:{port}")
}

/// `xml` with its network interfaces replaced by one user-mode interface
/// whose guest port 22 is forwarded to `127.0.0.1:port` on the host.
pub fn use_user_mode(xml: &str, port: u16) -> PluginResult<String> {
    let xml = without_interfaces(xml)?;
    let interface = format!(
        "  <interface type='user'>\n      <model type='virtio'/>\n      \
         <alias name='ua-{NETDEV}'/>\n    </interface>\n  "
    );
    let xml = insert_before_last(&xml, "</devices>", &interface)?;
    let xml = with_qemu_namespace(&xml)?;
    let args = format!(
        "\n    <qemu:arg value='-netdev'/>\n    <qemu:arg value='user,id={NETDEV},restrict=on,\
         hostfwd=tcp:127.0.0.1:{port}-:22'/>"
    );
    let xml = insert_into(&xml, "qemu:commandline", &args)?;
    let device = format!(
        "\n    <qemu:device alias='ua-{NETDEV}'>\n      <qemu:frontend>\n        \
         <qemu:property name='netdev' type='string' value='{NETDEV}'/>\n      \
         </qemu:frontend>\n    </qemu:device>"
    );
    insert_into(&xml, "qemu:override", &device)
}

/// `xml` without any `<interface>` element.
fn without_interfaces(xml: &str) -> PluginResult<String> {
    let mut out = String::with_capacity(xml.len());
    let mut rest = xml;
    while let Some(at) = find_start_tag(rest, "<interface") {
        out.push_str(rest[..at].trim_end_matches([' ', '\t']));
        let tag_end = at
            + rest[at..]
                .find('>')
                .ok_or_else(|| PluginError::new("domain XML: unterminated <interface> tag"))?
            + 1;
        let end = if rest[..tag_end].ends_with("/>") {
            tag_end
        } else {
            tag_end
                + rest[tag_end..]
                    .find("</interface>")
                    .ok_or_else(|| PluginError::new("domain XML: <interface> is never closed"))?
                + "</interface>".len()
        };
        rest = rest[end..].strip_prefix('\n').unwrap_or(&rest[end..]);
    }
    out.push_str(rest);
    Ok(out)
}

fn insert_before_last(xml: &str, close: &str, text: &str) -> PluginResult<String> {
    let at = xml
        .rfind(close)
        .ok_or_else(|| PluginError::new(format!("domain XML has no {close}")))?;
    Ok(format!("{}{text}{}", &xml[..at], &xml[at..]))
}

/// Declares the qemu namespace on `<domain>` (its elements use `qemu:`).
fn with_qemu_namespace(xml: &str) -> PluginResult<String> {
    edit_root(xml, |tag| {
        if tag.contains("xmlns:qemu=") && !tag.contains(QEMU_NS) {
            return Err(PluginError::new(
                "domain XML binds the prefix qemu to another namespace than libvirt's qemu one; \
                 network user needs it for its <qemu:commandline>",
            ));
        }
        Ok(set_attr(tag, "xmlns:qemu", QEMU_NS))
    })
}

/// Appends `children` inside the element `name` of the root, creating it
/// before `</domain>` when there is none.
fn insert_into(xml: &str, name: &str, children: &str) -> PluginResult<String> {
    let close = format!("</{name}>");
    if find_start_tag(xml, &format!("<{name}")).is_some() {
        if let Some(at) = xml.find(&close) {
            return Ok(format!("{}{children}\n  {}", &xml[..at], &xml[at..]));
        }
        return Err(PluginError::new(format!(
            "domain XML: <{name}> is empty or never closed; network user adds to it"
        )));
    }
    insert_before_last(
        xml,
        "</domain>",
        &format!("  <{name}>{children}\n  {close}\n"),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    const VIRT_INSTALL: &str = "<domain type=\"qemu\">\n  <name>vm</name>\n  <devices>\n    \
        <disk type=\"file\" device=\"disk\"/>\n    <interface type=\"network\">\n      \
        <source network=\"default\"/>\n      <model type=\"virtio\"/>\n    </interface>\n    \
        <interface type='bridge'/>\n    <console type=\"pty\"/>\n  </devices>\n</domain>\n";

    #[test]
    fn parses_the_two_modes_and_names_the_choices_otherwise() {
        assert_eq!(Network::parse("").unwrap(), Network::Default);
        assert_eq!(Network::parse("default").unwrap(), Network::Default);
        assert_eq!(Network::parse("user").unwrap(), Network::User);
        let err = Network::parse("bridge").unwrap_err().to_string();
        assert!(err.contains("\"bridge\"") && err.contains("user"), "{err}");
    }

    #[test]
    fn user_mode_replaces_every_interface_and_forwards_ssh_to_loopback() {
        let xml = use_user_mode(VIRT_INSTALL, 10022).unwrap();
        assert!(
            !xml.contains("type=\"network\"") && !xml.contains("bridge"),
            "{xml}"
        );
        assert_eq!(xml.matches("<interface").count(), 1, "{xml}");
        assert!(xml.contains("<interface type='user'>"), "{xml}");
        assert!(xml.contains(&format!("xmlns:qemu='{QEMU_NS}'")), "{xml}");
        assert!(
            xml.contains("user,id=runperf-net,restrict=on,hostfwd=tcp:127.0.0.1:10022-:22"),
            "{xml}"
        );
        assert!(
            xml.contains("<qemu:device alias='ua-runperf-net'>"),
            "{xml}"
        );
        assert!(
            xml.contains("<disk type=\"file\"") && xml.contains("<console"),
            "{xml}"
        );
        // The qemu elements close inside <domain>, after <devices>.
        let devices = xml.find("</devices>").unwrap();
        let commandline = xml.find("<qemu:commandline>").unwrap();
        let end = xml.find("</domain>").unwrap();
        assert!(devices < commandline && xml.find("</qemu:override>").unwrap() < end);
    }

    #[test]
    fn user_mode_adds_to_a_template_s_own_qemu_elements() {
        let template = format!(
            "<domain type='kvm' xmlns:qemu='{QEMU_NS}'>\n  <devices>\n  </devices>\n  \
             <qemu:commandline>\n    <qemu:arg value='-S'/>\n  </qemu:commandline>\n</domain>\n"
        );
        let xml = use_user_mode(&template, 2222).unwrap();
        assert_eq!(xml.matches("<qemu:commandline>").count(), 1, "{xml}");
        assert_eq!(xml.matches("xmlns:qemu=").count(), 1, "{xml}");
        assert!(xml.contains("<qemu:arg value='-S'/>"), "{xml}");
        assert!(xml.contains("hostfwd=tcp:127.0.0.1:2222-:22"), "{xml}");
        let other = "<domain xmlns:qemu='urn:other'><devices></devices></domain>";
        assert!(use_user_mode(other, 1).is_err());
        assert!(use_user_mode("<domain><devices>", 1).is_err());
    }

    #[test]
    fn the_worker_address_is_the_loopback_port() {
        assert_eq!(forwarded_address(10022), "127.0.0.1:10022");
    }
}

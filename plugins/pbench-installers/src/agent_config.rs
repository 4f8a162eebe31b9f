//! pbench-agent's configuration as the installers leave it: the agent
//! config naming the run's pbench server, and ssh and scp options that
//! never stop at a host-key prompt (pbench-agent copies between the
//! machines of a run, which it has never seen before).

/// Where pbench-agent reads its configuration.
pub const CONFIG_DIR: &str = "/opt/pbench-agent/config";
/// The agent config written by the installer.
pub const AGENT_CONFIG: &str = "/opt/pbench-agent/config/pbench-agent.cfg";
/// The defaults shipped with pbench-agent, whose ssh and scp options are
/// adjusted.
pub const DEFAULT_CONFIG: &str = "/opt/pbench-agent/config/pbench-agent-default.cfg";

/// Options for ssh and scp that skip host-key checks and records.
pub const NO_HOST_KEY_PROMPTS: &str = "-o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null";

/// The agent config for results going to `server` (empty: none).
pub fn agent_config(server: &str) -> String {
    format!(
        "[DEFAULT]\n\
         pbench_install_dir = /opt/pbench-agent\n\
         pbench_results_redirector = {server}\n\
         pbench_web_server = {server}\n\
         \n\
         [config]\n\
         path = %(pbench_install_dir)s/config\n\
         files = pbench-agent-default.cfg\n"
    )
}

/// Whether `line` sets the ini key `key`.
fn sets(line: &str, key: &str) -> bool {
    line.trim_start()
        .strip_prefix(key)
        .is_some_and(|rest| rest.trim_start().starts_with('='))
}

/// `text` (pbench-agent-default.cfg) with `ssh_opts` and `scp_opts` set
/// to [`NO_HOST_KEY_PROMPTS`]: existing lines are replaced, a missing
/// `scp_opts` goes right after `ssh_opts`, and without either a
/// `[results]` section with both is appended.
pub fn without_host_key_prompts(text: &str) -> String {
    let ssh = format!("ssh_opts = {NO_HOST_KEY_PROMPTS}");
    let scp = format!("scp_opts = {NO_HOST_KEY_PROMPTS}");
    let has_scp = text.lines().any(|l| sets(l, "scp_opts"));
    let mut has_ssh = false;
    let mut out = String::new();
    for line in text.lines() {
        if sets(line, "ssh_opts") {
            has_ssh = true;
            out.push_str(&ssh);
            out.push('\n');
            if !has_scp {
                out.push_str(&scp);
                out.push('\n');
            }
        } else if sets(line, "scp_opts") {
            out.push_str(&scp);
            out.push('\n');
        } else {
            out.push_str(line);
            out.push('\n');
        }
    }
    if !has_ssh && !has_scp {
        out.push_str(&format!("\n[results]\n{ssh}\n{scp}\n"));
    } else if !has_ssh {
        out.push_str(&format!("{ssh}\n"));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn existing_options_are_replaced_in_place() {
        let text = "[results]\nuser = pbench\nssh_opts = -o BatchMode=yes\nscp_opts=-q\nx = 1\n";
        assert_eq!(
            without_host_key_prompts(text),
            format!(
                "[results]\nuser = pbench\nssh_opts = {NO_HOST_KEY_PROMPTS}\n\
                 scp_opts = {NO_HOST_KEY_PROMPTS}\nx = 1\n"
            )
        );
    }

    #[test]
    fn a_missing_scp_opts_follows_ssh_opts() {
        let text = "[results]\nssh_opts = -q\nhost = h\n";
        assert_eq!(
            without_host_key_prompts(text),
            format!(
                "[results]\nssh_opts = {NO_HOST_KEY_PROMPTS}\n\
                 scp_opts = {NO_HOST_KEY_PROMPTS}\nhost = h\n"
            )
        );
    }

    #[test]
    fn without_either_a_results_section_is_appended() {
        let out = without_host_key_prompts("[pbench-agent]\ninstall-dir = /opt/pbench-agent\n");
        assert!(out.ends_with(&format!(
            "\n[results]\nssh_opts = {NO_HOST_KEY_PROMPTS}\nscp_opts = {NO_HOST_KEY_PROMPTS}\n"
        )));
        assert!(out.starts_with("[pbench-agent]\ninstall-dir = /opt/pbench-agent\n"));
    }

    #[test]
    fn keys_that_merely_start_alike_are_kept() {
        let text = "ssh_opts_extra = 1\nssh_opts = -q\n";
        let out = without_host_key_prompts(text);
        assert!(out.starts_with("ssh_opts_extra = 1\n"), "{out}");
    }

    #[test]
    fn the_agent_config_names_the_server_twice() {
        let text = agent_config("pbench.example.com");
        assert!(text.contains("pbench_results_redirector = pbench.example.com\n"));
        assert!(text.contains("pbench_web_server = pbench.example.com\n"));
        assert!(text.contains("files = pbench-agent-default.cfg\n"));
    }
}

//! `runperf-contrib-path`: prints the dir of the helper scripts shipped
//! with runperf (`$(runperf-contrib-path)/bisect.sh good ...`).

use std::process::ExitCode;

fn main() -> ExitCode {
    let exe = std::env::current_exe().ok();
    match runperf::contrib::find(exe.as_deref()) {
        Ok(dir) => {
            println!("{}", dir.display());
            ExitCode::SUCCESS
        }
        Err(message) => {
            eprintln!("runperf-contrib-path: {message}");
            ExitCode::FAILURE
        }
    }
}

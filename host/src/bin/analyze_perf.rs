fn main() -> std::process::ExitCode {
    runperf::cli::analyze::main()
}

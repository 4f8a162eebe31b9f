fn main() -> std::process::ExitCode {
    runperf::cli::diff::main()
}

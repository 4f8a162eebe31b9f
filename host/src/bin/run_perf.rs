fn main() -> std::process::ExitCode {
    runperf::cli::run::main()
}

fn main() -> std::process::ExitCode {
    runperf::cli::compare::main()
}

fn main() -> std::process::ExitCode {
    runperf::cli::strip::main()
}

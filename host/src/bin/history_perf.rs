fn main() -> std::process::ExitCode {
    runperf::cli::history::main()
}

fn main() -> std::process::ExitCode {
    mirage::cli::main()
}

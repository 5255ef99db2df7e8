//! The `lsm` binary. Everything, flags and exit codes included, lives in the
//! library: [`lsm::cli::main`].

fn main() -> std::process::ExitCode {
    lsm::cli::main()
}

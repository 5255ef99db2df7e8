//! Compiles lsm's subset of lnd's protos with protox (pure Rust, no system
//! protoc), generating both client stubs (lsm) and server stubs (the lnd
//! double used by the tests).

fn main() -> Result<(), Box<dyn std::error::Error>> {
    // compile_fds does not emit rerun lines of its own.
    println!("cargo:rerun-if-changed=proto");
    let fds = protox::compile(
        [
            "lightning.proto",
            "walletunlocker.proto",
            "stateservice.proto",
            "walletrpc/walletkit.proto",
            "signrpc/signer.proto",
        ],
        ["proto"],
    )?;
    tonic_prost_build::configure()
        .build_client(true)
        .build_server(true)
        .compile_fds(fds)?;
    Ok(())
}

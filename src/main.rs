fn main() {
    println!("lsm {}", env!("CARGO_PKG_VERSION"));
}

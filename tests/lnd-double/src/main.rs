fn main() {
    let _ = lsm::lnd::proto::lnrpc::GetStateRequest {};
}

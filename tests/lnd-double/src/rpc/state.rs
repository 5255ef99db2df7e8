//! lnrpc.State: reachable in every state, no macaroon.

use crate::node::Node;
use lsm_lnd::proto::lnrpc::{self, state_server::State};
use std::pin::Pin;
use std::sync::Arc;
use tokio_stream::Stream;

pub struct StateService(pub Arc<Node>);

type StateStream =
    Pin<Box<dyn Stream<Item = Result<lnrpc::SubscribeStateResponse, tonic::Status>> + Send>>;

#[tonic::async_trait]
impl State for StateService {
    type SubscribeStateStream = StateStream;

    async fn subscribe_state(
        &self,
        _req: tonic::Request<lnrpc::SubscribeStateRequest>,
    ) -> Result<tonic::Response<Self::SubscribeStateStream>, tonic::Status> {
        use tokio_stream::StreamExt;
        let updates =
            subscribe(&self.0).map(|r| r.map(|state| lnrpc::SubscribeStateResponse { state }));
        Ok(tonic::Response::new(Box::pin(updates)))
    }

    async fn get_state(
        &self,
        _req: tonic::Request<lnrpc::GetStateRequest>,
    ) -> Result<tonic::Response<lnrpc::GetStateResponse>, tonic::Status> {
        Ok(tonic::Response::new(lnrpc::GetStateResponse {
            state: self.0.state.get() as i32,
        }))
    }
}

/// The current state, then every transition, as i32 enum values. Shared
/// with the REST gateway's /v1/state/subscribe.
pub fn subscribe(node: &Node) -> StateUpdates {
    let (current, rx) = node.state.subscribe();
    StateUpdates {
        first: Some(current as i32),
        rx: tokio_stream::wrappers::BroadcastStream::new(rx),
    }
}

/// Stream of state values for SubscribeState.
pub struct StateUpdates {
    first: Option<i32>,
    rx: tokio_stream::wrappers::BroadcastStream<lnrpc::WalletState>,
}

impl Stream for StateUpdates {
    type Item = Result<i32, tonic::Status>;

    fn poll_next(
        mut self: Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Option<Self::Item>> {
        if let Some(first) = self.first.take() {
            return std::task::Poll::Ready(Some(Ok(first)));
        }
        match Pin::new(&mut self.rx).poll_next(cx) {
            std::task::Poll::Ready(Some(Ok(s))) => std::task::Poll::Ready(Some(Ok(s as i32))),
            std::task::Poll::Ready(Some(Err(_lagged))) => std::task::Poll::Ready(Some(Err(
                tonic::Status::unknown("state subscriber fell behind"),
            ))),
            std::task::Poll::Ready(None) => std::task::Poll::Ready(None),
            std::task::Poll::Pending => std::task::Poll::Pending,
        }
    }
}

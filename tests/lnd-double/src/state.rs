//! lnd's RPC state machine (rpcperms.InterceptorChain): WAITING_TO_START →
//! NON_EXISTING or LOCKED → UNLOCKED → RPC_ACTIVE → SERVER_ACTIVE. GetState
//! reads it; SubscribeState gets the current state and then every
//! transition, none coalesced.

use crate::logging;
use lsm_lnd::proto::lnrpc::WalletState;
use std::sync::Mutex;
use tokio::sync::broadcast;

pub struct StateMachine {
    current: Mutex<WalletState>,
    changes: broadcast::Sender<WalletState>,
}

impl StateMachine {
    pub fn new() -> StateMachine {
        let (changes, _) = broadcast::channel(64);
        StateMachine {
            current: Mutex::new(WalletState::WaitingToStart),
            changes,
        }
    }

    pub fn get(&self) -> WalletState {
        *self.current.lock().unwrap_or_else(|p| p.into_inner())
    }

    pub fn set(&self, state: WalletState) {
        let mut cur = self.current.lock().unwrap_or_else(|p| p.into_inner());
        if *cur == state {
            return;
        }
        *cur = state;
        logging::debug(
            "RPCP",
            format!("Setting RPC state to {}", state.as_str_name()),
        );
        // No receivers is fine: nobody is subscribed.
        let _ = self.changes.send(state);
    }

    /// The current state and every later transition, without a gap.
    pub fn subscribe(&self) -> (WalletState, broadcast::Receiver<WalletState>) {
        let cur = self.current.lock().unwrap_or_else(|p| p.into_inner());
        (*cur, self.changes.subscribe())
    }
}

impl Default for StateMachine {
    fn default() -> Self {
        Self::new()
    }
}

//go:build tools

// Package realnode pins the lnd, lncli, btcd and btcctl commands that lsm's
// tests run against. It holds no code of its own: the commands arrive through
// the Go module proxy at build time (scripts/build-real-lnd.sh).
package realnode

import (
	_ "github.com/btcsuite/btcd"
	_ "github.com/btcsuite/btcd/cmd/btcctl"
	_ "github.com/lightningnetwork/lnd/cmd/lncli"
	_ "github.com/lightningnetwork/lnd/cmd/lnd"
)

//! The Docker runtime's throwaway lnd for a restore rehearsal: a container
//! of the signer's own image (the same tag, and digest when pinned), named
//! `<signer>-rehearsal` and labelled `io.lsm.rehearsal=<signer>`, with lnd's
//! data directory (`/root/.lnd/data`: the wallet and macaroon databases) on
//! a tmpfs, no published port and no restart policy. lsm dials it at its
//! address on the engine's default network, so the engine must run on this
//! host. Its tls.cert and logs live in the anonymous volume the image
//! declares, which goes with the container.

use super::Error;
use super::target::{DockerTarget, LND_DIR};
use crate::docker::{DockerReader, DockerWriter, Transport};
use crate::runtime::{Throwaway, throwaway_lnd_flags};
use crate::signer::SignerAccess;
use lsm_lnd::backoff::Backoff;
use std::collections::BTreeMap;
use std::time::Duration;
use tokio::time::Instant;

/// The label that marks a throwaway container, with the signer's name.
pub(crate) const REHEARSAL_LABEL: &str = "io.lsm.rehearsal";
/// The gRPC port inside the throwaway container.
const PORT: u16 = 10009;
/// How long its lnd may take to write tls.cert.
const START_DEADLINE: Duration = Duration::from_secs(120);

/// The throwaway container's name for `signer`.
pub(crate) fn container_name(signer: &str) -> String {
    format!("{signer}-rehearsal")
}

/// Starts the throwaway lnd (see the module doc); a leftover of an earlier
/// rehearsal that died is removed first.
pub(crate) async fn start(
    writer: &DockerWriter,
    endpoint: &Transport,
    t: &DockerTarget,
) -> Result<Throwaway<String>, crate::runtime::Error> {
    if !matches!(endpoint, Transport::Unix { .. }) {
        return Err(Error::RehearsalNeedsLocalEngine.into());
    }
    let name = container_name(&t.signer);
    let reader = writer.reader();
    if let Some(old) = reader.inspect_container(&name).await.map_err(Error::from)? {
        if old.labels.get(REHEARSAL_LABEL) != Some(&t.signer) {
            return Err(Error::RehearsalNameTaken {
                name,
                signer: t.signer.clone(),
            }
            .into());
        }
        writer.remove_throwaway(&name).await.map_err(Error::from)?;
    }
    // From here on a Ctrl-C removes the container (with the wallet it may
    // hold by then) before lsm exits.
    let on_interrupt = {
        let (writer, name) = (writer.clone(), name.clone());
        crate::interrupt::on_interrupt(
            format!("the restore rehearsal's container {name}"),
            move || async move { remove_for_good(&writer, &name).await },
        )
    };
    let mut args = vec![format!("--lnddir={LND_DIR}")];
    args.extend(throwaway_lnd_flags(t.network, &format!("0.0.0.0:{PORT}")));
    let labels = BTreeMap::from([(REHEARSAL_LABEL.to_string(), t.signer.clone())]);
    writer
        .create_throwaway(
            &name,
            &t.reference,
            &args,
            &labels,
            &format!("{LND_DIR}/data"),
        )
        .await
        .map_err(Error::from)?;
    let started = async {
        writer.start(&name).await?;
        wait_ready(reader, &name).await
    };
    match started.await {
        Ok((addr, cert)) => Ok(Throwaway {
            access: SignerAccess {
                addr,
                tls_cert_pem: cert,
                admin_macaroon: None,
            },
            what: format!(
                "container {name} from {} (data on a tmpfs, no published port)",
                t.reference
            ),
            handle: name,
            on_interrupt,
        }),
        Err(e) => {
            let logs = reader.logs_tail(&name, 15).await.unwrap_or_default();
            let _ = writer.remove_throwaway(&name).await;
            Err(crate::runtime::Error::with_logs(e, logs))
        }
    }
}

/// Its address and tls.cert, once lnd wrote the certificate.
async fn wait_ready(reader: &DockerReader, name: &str) -> Result<(String, Vec<u8>), Error> {
    let deadline = Instant::now() + START_DEADLINE;
    let mut backoff = Backoff::new(Duration::from_millis(50), Duration::from_millis(500));
    loop {
        let c = reader
            .inspect_container(name)
            .await?
            .ok_or_else(|| Error::RehearsalVanished { name: name.into() })?;
        if let Some(why) = c.down_since(None) {
            return Err(Error::RehearsalStopped { why });
        }
        if c.is_running() {
            let cert = reader
                .download_file(name, &format!("{LND_DIR}/tls.cert"))
                .await?;
            let ip = reader.container_addresses(name).await?.into_iter().next();
            if let (Some(cert), Some(ip)) = (cert, ip) {
                return Ok((
                    crate::runtime::host_port(&ip.to_string(), PORT),
                    cert.to_vec(),
                ));
            }
        }
        if Instant::now() >= deadline {
            return Err(Error::RehearsalNoCert {
                name: name.into(),
                secs: START_DEADLINE.as_secs(),
            });
        }
        tokio::time::sleep(backoff.next_delay()).await;
    }
}

/// Removes the container after an interruption, when requests of the
/// abandoned rehearsal (a create, a start) may still be under way at the
/// engine: removes it until it stays gone.
async fn remove_for_good(writer: &DockerWriter, name: &str) {
    let deadline = Instant::now() + Duration::from_secs(20);
    let mut gone_in_a_row = 0;
    while gone_in_a_row < 3 && Instant::now() < deadline {
        let _ = writer.remove_throwaway(name).await;
        tokio::time::sleep(Duration::from_millis(200)).await;
        match writer.reader().inspect_container(name).await {
            Ok(None) => gone_in_a_row += 1,
            _ => gone_in_a_row = 0,
        }
    }
}

/// Removes the container, its anonymous volume and its tmpfs.
pub(crate) async fn remove(writer: &DockerWriter, container: &str) -> Result<(), Error> {
    Ok(writer.remove_throwaway(container).await?)
}

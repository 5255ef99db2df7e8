//! The Docker runtime: lnd in a container with a named volume.
//!
//! [`DockerObserver`] holds only a [`DockerReader`]; [`DockerRuntime`] holds
//! a [`DockerWriter`]. `plan` gets the former and so cannot mutate anything.

pub(crate) mod diff;
mod error;
pub(crate) mod observation;
mod served_cert;
pub(crate) mod target;
pub(crate) mod throwaway;

use crate::docker::{
    DockerReader, DockerWriter, Observed, RunMark, UploadDir, UploadFile, VolumeFile,
};
use crate::plan::PlanPart;
use crate::plan::Subject;
use crate::plan::op::DockerOp;
use crate::runtime::{Observer, Runtime, WalletFacts};
pub(crate) use error::Error;
use error::Owner;
use observation::{DockerObservation, dial_address};
use std::time::Duration;
use target::{
    CONF_PATH, DockerTarget, LSM_DIR, LSM_DIR_MODE, LSM_FILE_MODE, PASSWORD_PATH,
    RESTART_RECORD_PATH, TLS_CERT_PATH,
};

/// How long lsm gives lnd to stop before the engine kills it.
const STOP_TIMEOUT: Duration = Duration::from_secs(30);
/// How long a started container may take to report `running`.
const RUNNING_DEADLINE: Duration = Duration::from_secs(60);

/// Read-only view of the signer's Docker objects.
pub(crate) struct DockerObserver {
    reader: DockerReader,
    target: DockerTarget,
    manifest_name: String,
    network: String,
    /// The tls.cert this observer last saw (apply observes many times in one
    /// run): the first candidate lnd is asked to prove it serves.
    known_cert: std::sync::Mutex<Option<Vec<u8>>>,
    /// Where the container's run stood when lsm started it in this run, or
    /// else when this observer first saw it: exits after it mean lnd does
    /// not stay up (see [`RunMark`]).
    mark: std::sync::Mutex<Option<RunMark>>,
}

impl DockerObserver {
    /// Connects read-only to the engine named by the manifest or DOCKER_HOST.
    pub(crate) async fn connect(
        target: DockerTarget,
        manifest_name: &str,
        network: &str,
    ) -> Result<DockerObserver, Error> {
        let reader = DockerReader::connect(target.host.as_deref()).await?;
        Ok(DockerObserver::with_reader(
            reader,
            target,
            manifest_name,
            network,
        ))
    }

    fn with_reader(
        reader: DockerReader,
        target: DockerTarget,
        manifest_name: &str,
        network: &str,
    ) -> DockerObserver {
        DockerObserver {
            reader,
            target,
            manifest_name: manifest_name.to_string(),
            network: network.to_string(),
            known_cert: std::sync::Mutex::new(None),
            mark: std::sync::Mutex::new(None),
        }
    }
}

impl DockerObserver {
    /// A copy of lnd's tls.cert lsm already holds: the one this observer saw
    /// last, else the bundle's (see served_cert.rs).
    fn cert_candidate(&self) -> Option<(Vec<u8>, &'static str)> {
        let known = self
            .known_cert
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone();
        match known {
            Some(c) => Some((c, "the tls.cert observed before")),
            None => self
                .target
                .bundle_tls_cert
                .as_deref()
                .and_then(served_cert::bundle_copy)
                .map(|c| (c, "the bundle's tls.cert")),
        }
    }

    /// The run mark for `c`: the one recorded for it, else `c` as seen now.
    fn mark_for(&self, c: &crate::docker::ObservedContainer) -> RunMark {
        let mut mark = self.mark.lock().unwrap_or_else(|e| e.into_inner());
        match &*mark {
            Some(m) if m.id == c.id => m.clone(),
            _ => mark.insert(RunMark::of(c)).clone(),
        }
    }

    /// Records that lsm (re)started the container and found it as `c`.
    fn started(&self, c: &crate::docker::ObservedContainer) {
        *self.mark.lock().unwrap_or_else(|e| e.into_inner()) = Some(RunMark::of(c));
    }

    /// Remembers a tls.cert in lnd's exact form for the next observation.
    fn remember_cert(&self, cert: &VolumeFile) {
        if let VolumeFile::Present(bytes) = cert
            && crate::lnd::tls::is_canonical_cert_pem(bytes)
        {
            *self.known_cert.lock().unwrap_or_else(|e| e.into_inner()) = Some(bytes.to_vec());
        }
    }

    /// lnd's tls.cert: `candidate` when lnd proves it serves it, else read
    /// from the volume (one more archive request).
    async fn tls_cert(
        &self,
        observed: &Observed,
        dial: &str,
        (candidate, what): (Vec<u8>, &'static str),
    ) -> Result<VolumeFile, Error> {
        let Some(c) = &observed.container else {
            return Ok(VolumeFile::Unknown);
        };
        if c.is_running() && served_cert::lnd_serves(dial, &candidate).await {
            tracing::debug!("lnd serves {what}; tls.cert not read from the volume");
            return Ok(VolumeFile::Present(candidate.into()));
        }
        let read = self
            .reader
            .download_file(&self.target.signer, TLS_CERT_PATH)
            .await?;
        Ok(read.map_or(VolumeFile::Absent, VolumeFile::Present))
    }
}

impl Observer for DockerObserver {
    type Observation = DockerObservation;

    fn admin_macaroon_location(&self) -> String {
        format!(
            "{} in volume {}",
            self.target.admin_macaroon_path(),
            self.target.volume
        )
    }

    fn restart_hint(&self) -> String {
        format!("`docker restart {}`", self.target.signer)
    }

    fn lnd_artifact(&self) -> &'static str {
        "image"
    }

    fn subject(&self) -> Subject {
        Subject {
            kind: self.target.kind,
            signer: self.target.signer.clone(),
            runtime: "docker".into(),
            network: self.network.clone(),
            target: self.target.reference.clone(),
            manifest_name: self.manifest_name.clone(),
        }
    }

    async fn observe(&self) -> Result<DockerObservation, crate::runtime::Error> {
        let t = &self.target;
        let mac = t.admin_macaroon_path();
        // With a usable copy at hand, tls.cert is read from the volume only
        // if lnd does not prove it serves that copy (served_cert.rs).
        let candidate = self.cert_candidate();
        let mut files = vec![CONF_PATH, RESTART_RECORD_PATH, mac.as_str()];
        if candidate.is_none() {
            files.push(TLS_CERT_PATH);
        }
        // In lsm's directory, so in the same archive read.
        files.push(PASSWORD_PATH);
        files.extend(t.signer_files.iter().map(|f| f.path));
        // Unreadable (a FIFO, no permission) counts as absent here: the
        // wallet's own diff turns that into a blocker that says why.
        let host_password = async {
            crate::secrets::read(&t.password_host_path).unwrap_or_else(|f| {
                tracing::debug!("{}", crate::error::chain(&f));
                None
            })
        };
        let (observed, host_password) = tokio::join!(
            self.reader
                .observe_all(&t.signer, &t.volume, &t.reference, &files, &[LSM_DIR]),
            host_password
        );
        let mut observed = observed.map_err(Error::from)?;
        if let Some(c) = &observed.container
            && (!c.managed || c.signer.as_deref() != Some(t.signer.as_str()))
        {
            let owner = match (&c.managed, &c.signer) {
                (true, Some(other)) => Owner::Signer(other.clone()),
                _ => Owner::Foreign,
            };
            return Err(Error::ContainerNotOurs {
                name: t.signer.clone(),
                owner,
            }
            .into());
        }
        if let Some(v) = &observed.volume
            && let Some(owner) = v.lsm_signer()
            && owner != t.signer
        {
            return Err(Error::VolumeNotOurs {
                volume: t.volume.clone(),
                owner: owner.to_string(),
                signer: t.signer.clone(),
            }
            .into());
        }
        let mark = observed.container.as_ref().map(|c| self.mark_for(c));
        // Dial what the container publishes now, not what the manifest asks.
        let bind = observed
            .container
            .as_ref()
            .and_then(|c| {
                c.ports
                    .iter()
                    .find(|p| p.container_port == target::RPC_PORT)
            })
            .map(|p| std::net::SocketAddr::new(p.host_ip, p.host_port))
            .unwrap_or(t.rpc_bind);
        let dial = dial_address(bind, self.reader.endpoint());
        if let Some(candidate) = candidate {
            let state = self.tls_cert(&observed, &dial, candidate).await?;
            observed.files.push((TLS_CERT_PATH.to_string(), state));
        }
        let observation = DockerObservation::from_observed(
            dial,
            t,
            observed,
            host_password.as_deref().map(|p| p.as_slice()),
            mark.as_ref(),
        );
        self.remember_cert(&observation.tls_cert);
        Ok(observation)
    }

    fn diff(&self, observed: &DockerObservation, wallet: WalletFacts) -> PlanPart {
        diff::diff(&self.target, observed, wallet)
    }

    fn destroy_diff(&self, observed: &DockerObservation, purge: bool) -> PlanPart {
        diff::destroy_diff(&self.target, observed, purge)
    }

    fn restart(
        &self,
        observed: &DockerObservation,
        code: crate::plan::ReasonCode,
        reason: String,
    ) -> Option<crate::plan::Action> {
        diff::restart(observed, code, reason)
    }
}

/// The Docker runtime that can change things; only apply and destroy make one.
pub(crate) struct DockerRuntime {
    writer: DockerWriter,
    observer: DockerObserver,
}

impl DockerRuntime {
    pub(crate) async fn connect(
        target: DockerTarget,
        manifest_name: &str,
        network: &str,
    ) -> Result<DockerRuntime, Error> {
        let writer = DockerWriter::connect(target.host.as_deref()).await?;
        let observer =
            DockerObserver::with_reader(writer.reader().clone(), target, manifest_name, network);
        Ok(DockerRuntime { writer, observer })
    }

    fn target(&self) -> &DockerTarget {
        &self.observer.target
    }

    /// Writes lsm's files into the volume, with lsm's directory at 0700.
    async fn upload(&self, files: &[UploadFile<'_>]) -> Result<(), Error> {
        let dir = UploadDir {
            path: LSM_DIR,
            mode: LSM_DIR_MODE,
        };
        Ok(self
            .writer
            .upload(&self.target().signer, &[dir], files)
            .await?)
    }

    /// Sets the restart policy in place, then records it in the volume for
    /// this container (the label keeps the policy it was created with).
    async fn update_restart_policy(&self) -> Result<(), Error> {
        let t = self.target();
        let policy = t.spec.restart;
        self.writer.update_restart_policy(&t.signer, policy).await?;
        let c = self
            .writer
            .reader()
            .inspect_container(&t.signer)
            .await?
            .ok_or_else(|| Error::ContainerVanished {
                name: t.signer.clone(),
            })?;
        let record = format!("{} {policy}\n", c.id);
        self.upload(&[UploadFile {
            path: RESTART_RECORD_PATH,
            content: record.as_bytes(),
            mode: LSM_FILE_MODE,
        }])
        .await
    }

    /// Waits until the container lsm just (re)started runs, and marks the run.
    /// The wallet password copy in the volume, read now (the plan may be
    /// old). An empty copy is one lsm blanked, so it counts as none.
    async fn password_copy(&self) -> Result<Option<crate::secrets::SecretBytes>, Error> {
        let copy = self
            .writer
            .reader()
            .download_file(&self.target().signer, PASSWORD_PATH)
            .await?;
        Ok(copy.filter(|c| !c.is_empty()).map(Into::into))
    }

    async fn wait_running(&self) -> Result<(), crate::runtime::Error> {
        match self
            .writer
            .wait_until_running(&self.target().signer, RUNNING_DEADLINE)
            .await
        {
            Ok(c) => {
                self.observer.started(&c);
                Ok(())
            }
            Err(e) => {
                let logs = self.recent_logs(20).await;
                Err(crate::runtime::Error::with_logs(Error::from(e), logs))
            }
        }
    }

    /// Pulls the image, with a spinner on a terminal (hidden otherwise);
    /// the log keeps every progress line.
    async fn pull_image(&self) -> Result<(), Error> {
        let t = self.target();
        let image = t.reference.clone();
        let bar = indicatif::ProgressBar::new_spinner();
        bar.enable_steady_tick(Duration::from_millis(120));
        let pulled = self
            .writer
            .pull_image(&image, t.digest.as_deref(), |p| {
                let sizes = match (p.current, p.total) {
                    (Some(c), Some(t)) if t > 0 => {
                        format!(" {:.1}/{:.1} MB", c as f64 / 1e6, t as f64 / 1e6)
                    }
                    _ => String::new(),
                };
                let layer = p.layer.as_deref().unwrap_or("");
                let line = format!("pulling {image}: {layer} {}{sizes}", p.status);
                tracing::info!("{line}");
                bar.set_message(line);
            })
            .await;
        bar.finish_and_clear();
        pulled?;
        Ok(())
    }

    /// Stops and removes the signer's container (the volume stays).
    async fn remove_signer(&self) -> Result<(), Error> {
        let signer = &self.target().signer;
        self.writer.stop(signer, STOP_TIMEOUT).await?;
        self.writer.remove_container(signer, true).await?;
        Ok(())
    }

    /// Copies the host's password into the volume. A first copy
    /// (`replace` false) looks again before writing: the plan may be
    /// minutes old, or could not see into the volume (no container then),
    /// and a differing copy may be the only one that opens the wallet.
    async fn copy_password(&self, replace: bool) -> Result<(), Error> {
        let t = self.target();
        let password =
            crate::secrets::read(&t.password_host_path)?.ok_or_else(|| Error::PasswordMissing {
                path: t.password_host_path.clone(),
            })?;
        if !replace {
            let copy = self.password_copy().await?;
            if copy.is_some_and(|c| c.as_slice() != password.as_slice()) {
                return Err(Error::PasswordCopyDiffers {
                    volume: t.volume.clone(),
                    host: t.password_host_path.clone(),
                });
            }
        }
        self.upload(&[UploadFile {
            path: PASSWORD_PATH,
            content: &password,
            mode: LSM_FILE_MODE,
        }])
        .await
    }

    /// Empties the password copy in the volume. Only a copy of the host's
    /// password is emptied: the host file still holds it. Anything else
    /// might be the only copy.
    async fn blank_password(&self) -> Result<(), Error> {
        let t = self.target();
        let host = crate::secrets::read(&t.password_host_path)?;
        match (self.password_copy().await?, host) {
            (None, _) => Ok(()),
            (Some(c), Some(h)) if c.as_slice() == h.as_slice() => {
                self.upload(&[UploadFile {
                    path: PASSWORD_PATH,
                    content: b"",
                    mode: LSM_FILE_MODE,
                }])
                .await
            }
            _ => Err(Error::PasswordCopyChanged {
                volume: t.volume.clone(),
                host: t.password_host_path.clone(),
            }),
        }
    }

    /// Starts the signer and waits until it runs. A paused container is
    /// resumed; the engine refuses to start one.
    async fn start_signer(&self) -> Result<(), crate::runtime::Error> {
        let w = &self.writer;
        let signer = &self.target().signer;
        let paused = w
            .reader()
            .inspect_container(signer)
            .await?
            .is_some_and(|c| c.state.status == crate::docker::ContainerStatus::Paused);
        if paused {
            w.unpause(signer).await?;
        } else {
            w.start(signer).await?;
        }
        self.wait_running().await
    }
}

impl Runtime for DockerRuntime {
    type Observer = DockerObserver;
    type Op = DockerOp;
    /// The throwaway container's name.
    type ThrowawayHandle = String;

    fn observer(&self) -> &DockerObserver {
        &self.observer
    }

    async fn execute(&self, op: &DockerOp) -> Result<(), crate::runtime::Error> {
        let t = self.target();
        let w = &self.writer;
        match op {
            DockerOp::PullImage => self.pull_image().await?,
            DockerOp::CreateVolume => {
                w.ensure_volume(&t.volume, &t.volume_labels).await?;
            }
            DockerOp::CreateContainer => {
                w.create_container(&t.spec).await?;
            }
            DockerOp::ReplaceContainer => {
                self.remove_signer().await?;
                w.create_container(&t.spec).await?;
            }
            DockerOp::CopyConfig => {
                self.upload(&[UploadFile {
                    path: CONF_PATH,
                    content: t.conf.as_bytes(),
                    mode: LSM_FILE_MODE,
                }])
                .await?;
            }
            DockerOp::CopySignerCredentials => {
                let files: Vec<UploadFile<'_>> = t
                    .signer_files
                    .iter()
                    .map(|f| UploadFile {
                        path: f.path,
                        content: &f.content,
                        mode: LSM_FILE_MODE,
                    })
                    .collect();
                self.upload(&files).await?;
            }
            DockerOp::CopyPassword => self.copy_password(false).await?,
            DockerOp::ReplacePasswordCopy => self.copy_password(true).await?,
            DockerOp::BlankPasswordCopy => self.blank_password().await?,
            DockerOp::UpdateRestartPolicy => self.update_restart_policy().await?,
            DockerOp::StartContainer => self.start_signer().await?,
            DockerOp::RestartContainer => {
                w.restart(&t.signer, STOP_TIMEOUT).await?;
                self.wait_running().await?;
            }
            DockerOp::RemoveContainer => self.remove_signer().await?,
            DockerOp::RemoveVolume => {
                w.remove_volume(&t.volume).await?;
            }
        }
        Ok(())
    }

    async fn recent_logs(&self, lines: usize) -> Vec<String> {
        self.writer
            .reader()
            .logs_tail(&self.target().signer, lines)
            .await
            .unwrap_or_default()
    }

    async fn start_throwaway(
        &self,
    ) -> Result<crate::runtime::Throwaway<String>, crate::runtime::Error> {
        throwaway::start(
            &self.writer,
            &self.writer.reader().endpoint().transport,
            self.target(),
        )
        .await
    }

    async fn remove_throwaway(
        &self,
        t: crate::runtime::Throwaway<String>,
    ) -> Result<(), crate::runtime::Error> {
        let removed = throwaway::remove(&self.writer, &t.handle).await;
        // Removed (or said why not): nothing is left for a Ctrl-C to clean.
        drop(t.on_interrupt);
        Ok(removed?)
    }
}

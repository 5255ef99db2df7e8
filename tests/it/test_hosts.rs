//! Remote Docker engines on fake hosts, for the fleet and partition tests.
//!
//! There is one engine (the suite's, in the root network namespace). What
//! makes a host "remote" is where lsm runs: in a namespace of its own, the
//! *controller*, whose only way out is one veth pair per host. Each pair's
//! root-side address is one host of the engine's machine, reached over:
//!
//! - `ssh://root@IP:2222`: a Debian `sshd` bound to that address, with a
//!   host key and an authorised client key made for this test. lsm's `ssh`
//!   gets them through a wrapper first on PATH (`ssh -F <config>`); the
//!   config pins the host key (`StrictHostKeyChecking yes`).
//! - `https://IP:2376`: `engine_tls_proxy.py` (Python's ssl), a
//!   TLS-terminating proxy that requires a client certificate from the
//!   test's CA, in front of the engine's socket; lsm finds `ca.pem`,
//!   `cert.pem` and `key.pem` through `DOCKER_CERT_PATH`.
//!
//! A signer on a host publishes lnd's gRPC on `0.0.0.0`, so lsm dials the
//! host's address for lnd too: cutting a host's link cuts both the engine
//! and lnd, as on a real network. [`Host::cut`] takes the link down (new
//! connections fail at once); [`Host::black_hole`] points the host's address
//! at a MAC nobody has, so packets vanish and only timeouts end a call.
//!
//! Everything is removed on drop: the namespace (with its veth ends), sshd
//! and the proxies. Needs root, iproute2 and openssh (scripts/test-hosts.sh).

use crate::signer_kit::Run;
use std::net::Ipv4Addr;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, Instant};

static SEQ: AtomicU32 = AtomicU32::new(0);

/// The controller namespace and the hosts it reaches.
pub struct TestHosts {
    ns: String,
    tag: String,
    dir: tempfile::TempDir,
    next_host: u8,
    subnet: (u8, u8),
    /// The file that reserves `subnet` (removed on drop).
    reservation: PathBuf,
    servers: Vec<Child>,
}

/// One host: an address of the engine's machine behind its own link.
pub struct Host {
    ns: String,
    ctl_if: String,
    /// The host's address (root side of the link).
    pub ip: Ipv4Addr,
    /// The engine endpoint lsm uses for this host.
    pub url: String,
}

impl TestHosts {
    /// A new controller namespace with no host yet. Fails (panics) when
    /// namespaces cannot be made: these tests never skip.
    pub fn new() -> TestHosts {
        for tool in ["ip", "ssh", "ssh-keygen", "python3"] {
            assert!(
                Command::new("sh")
                    .args(["-c", &format!("command -v {tool}")])
                    .stdout(Stdio::null())
                    .status()
                    .is_ok_and(|s| s.success()),
                "{tool} is missing: run scripts/test-hosts.sh (it installs what the remote-host \
                 tests need)"
            );
        }
        assert!(
            Path::new("/usr/sbin/sshd").exists(),
            "sshd is missing: run scripts/test-hosts.sh"
        );
        sweep_leftovers();
        let n = SEQ.fetch_add(1, Ordering::SeqCst);
        let pid = std::process::id();
        let ns = format!("lsmh-{pid:x}-{n:x}");
        // A /24 of its own, reserved machine-wide (parallel test processes
        // too); the interface names come from it, so they are unique too.
        let (subnet, reservation) = reserve_subnet();
        let tag = format!("{:02x}{:02x}", subnet.0, subnet.1);
        // A namespace of this name can only be a leftover of a process
        // that had this pid before.
        let _ = Command::new("ip")
            .args(["netns", "del", &ns])
            .stderr(Stdio::null())
            .status();
        ip(&["netns", "add", &ns]);
        ip(&["-n", &ns, "link", "set", "lo", "up"]);
        TestHosts {
            ns,
            tag,
            dir: tempfile::tempdir().expect("temp dir"),
            next_host: 0,
            subnet,
            reservation,
            servers: Vec::new(),
        }
    }

    /// The controller's network namespace (`ip netns exec` it).
    pub fn namespace(&self) -> &str {
        &self.ns
    }

    /// The ssh client config that trusts the ssh hosts' keys and uses the
    /// authorised key (for tools other than lsm, e.g. Ansible's `-F`).
    pub fn ssh_config(&self) -> PathBuf {
        self.path("ssh/ssh_config")
    }

    /// The sshd log of an ssh host.
    pub fn sshd_log(&self, host: &Host) -> PathBuf {
        self.path(&format!("ssh/sshd_{}.log", host.ip))
    }

    /// A directory of this controller (ssh keys, TLS files, lsm's state).
    pub fn path(&self, rel: &str) -> PathBuf {
        self.dir.path().join(rel)
    }

    /// A new link: returns the host's (root side) address and the
    /// controller's interface name.
    fn link(&mut self) -> (Ipv4Addr, String) {
        let k = self.next_host;
        self.next_host += 1;
        let root_if = format!("lh{}r{k}", self.tag);
        let ctl_if = format!("lh{}c{k}", self.tag);
        let (a, b) = self.subnet;
        // Each link a /30 inside the /24: .4k+1 the host, .4k+2 the controller.
        let host = Ipv4Addr::new(10, a, b, 4 * k + 1);
        let ctl = Ipv4Addr::new(10, a, b, 4 * k + 2);
        ip(&[
            "link", "add", &root_if, "type", "veth", "peer", "name", &ctl_if,
        ]);
        ip(&["link", "set", &ctl_if, "netns", &self.ns]);
        ip(&["addr", "add", &format!("{host}/30"), "dev", &root_if]);
        ip(&["link", "set", &root_if, "up"]);
        ip(&[
            "-n",
            &self.ns,
            "addr",
            "add",
            &format!("{ctl}/30"),
            "dev",
            &ctl_if,
        ]);
        ip(&["-n", &self.ns, "link", "set", &ctl_if, "up"]);
        (host, ctl_if)
    }

    /// A host whose engine lsm reaches over `ssh://root@IP:2222`.
    pub fn ssh_host(&mut self) -> Host {
        let (host, ctl_if) = self.link();
        let dir = self.path("ssh");
        std::fs::create_dir_all(&dir).expect("ssh dir");
        // (No dots in the name: ssh-keygen's .pub is an extension.)
        let host_key = dir.join(format!("host_key_{}", host.octets()[3]));
        let user_key = dir.join("user_key");
        keygen(&host_key);
        if !user_key.exists() {
            keygen(&user_key);
        }
        let authorized = dir.join("authorized_keys");
        std::fs::copy(user_key.with_extension("pub"), &authorized).expect("authorized_keys");
        std::fs::create_dir_all("/run/sshd").expect("/run/sshd (sshd's privilege separation)");
        let config = dir.join(format!("sshd_config_{host}"));
        std::fs::write(
            &config,
            format!(
                "ListenAddress {host}:2222\nHostKey {hk}\nAuthorizedKeysFile {ak}\n\
                 PermitRootLogin prohibit-password\nPasswordAuthentication no\n\
                 KbdInteractiveAuthentication no\nUsePAM no\nStrictModes no\n\
                 PidFile none\nLogLevel VERBOSE\n\
                 ClientAliveInterval 3\nClientAliveCountMax 2\n",
                hk = host_key.display(),
                ak = authorized.display()
            ),
        )
        .expect("sshd_config");
        let log = std::fs::File::create(dir.join(format!("sshd_{host}.log"))).expect("sshd log");
        // Its own process group, so that drop ends it and its pre-auth
        // children; sessions (setsid) end by ClientAliveInterval once their
        // client is gone.
        use std::os::unix::process::CommandExt;
        let mut sshd = Command::new("/usr/sbin/sshd");
        sshd.args(["-D", "-e", "-f"])
            .arg(&config)
            .process_group(0)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(log);
        die_with_parent(&mut sshd);
        let sshd = sshd.spawn().expect("start sshd");
        self.servers.push(sshd);
        let host_pub = std::fs::read_to_string(host_key.with_extension("pub")).expect("host key");
        let host_pub: Vec<&str> = host_pub.split_whitespace().take(2).collect();
        let known = dir.join("known_hosts");
        let mut lines = std::fs::read_to_string(&known).unwrap_or_default();
        lines.push_str(&format!("[{host}]:2222 {}\n", host_pub.join(" ")));
        std::fs::write(&known, lines).expect("known_hosts");
        let client_config = dir.join("ssh_config");
        std::fs::write(
            &client_config,
            format!(
                "Host *\n  IdentityFile {uk}\n  IdentitiesOnly yes\n  UserKnownHostsFile {kh}\n  \
                 GlobalKnownHostsFile /dev/null\n  StrictHostKeyChecking yes\n",
                uk = user_key.display(),
                kh = known.display()
            ),
        )
        .expect("ssh_config");
        let bin = self.path("bin");
        std::fs::create_dir_all(&bin).expect("bin dir");
        let wrapper = bin.join("ssh");
        std::fs::write(
            &wrapper,
            format!(
                "#!/bin/sh\nexec /usr/bin/ssh -F '{}' \"$@\"\n",
                client_config.display()
            ),
        )
        .expect("ssh wrapper");
        chmod_x(&wrapper);
        let h = Host {
            ns: self.ns.clone(),
            ctl_if,
            ip: host,
            url: format!("ssh://root@{host}:2222"),
        };
        self.wait_listening(host, 2222);
        h
    }

    /// A host whose engine lsm reaches over `https://IP:2376` with a client
    /// certificate (the TLS proxy in front of the engine's socket).
    pub fn tls_host(&mut self) -> Host {
        let (host, ctl_if) = self.link();
        let dir = self.path("docker-tls");
        std::fs::create_dir_all(&dir).expect("tls dir");
        let (server_cert, server_key) = tls_files(&dir, host);
        use std::os::unix::process::CommandExt;
        let mut proxy = Command::new("python3");
        proxy
            .process_group(0)
            .arg(crate::support::workspace_root().join("tests/it/support/engine_tls_proxy.py"))
            .arg(host.to_string())
            .arg("2376")
            .arg(&server_cert)
            .arg(&server_key)
            .arg(dir.join("ca.pem"))
            .arg(engine_socket())
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit());
        die_with_parent(&mut proxy);
        let mut proxy = proxy.spawn().expect("start the TLS proxy");
        let mut first = String::new();
        use std::io::BufRead;
        std::io::BufReader::new(proxy.stdout.take().expect("proxy stdout"))
            .read_line(&mut first)
            .expect("read the proxy's first line");
        assert_eq!(first.trim(), "ready", "the TLS proxy did not start");
        self.servers.push(proxy);
        Host {
            ns: self.ns.clone(),
            ctl_if,
            ip: host,
            url: format!("https://{host}:2376"),
        }
    }

    /// Waits (bounded) until something accepts on `ip:port` in the root
    /// namespace (sshd has no "ready" line).
    fn wait_listening(&self, ip: Ipv4Addr, port: u16) {
        let until = Instant::now() + Duration::from_secs(20);
        while std::net::TcpStream::connect_timeout(
            &std::net::SocketAddr::from((ip, port)),
            Duration::from_millis(200),
        )
        .is_err()
        {
            assert!(Instant::now() < until, "sshd never listened on {ip}:{port}");
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// `lsm <args>` run inside the controller namespace, with the ssh
    /// wrapper first on PATH, the client certificate in DOCKER_CERT_PATH,
    /// this controller's LSM_STATE_DIR, no DOCKER_HOST and an empty stdin.
    pub fn lsm_command(&self, args: &[&str]) -> Command {
        let mut cmd = Command::new("ip");
        cmd.args(["netns", "exec", &self.ns])
            .arg(assert_cmd::cargo::cargo_bin("lsm"))
            .args(args)
            .env(
                "PATH",
                format!(
                    "{}:{}",
                    self.path("bin").display(),
                    std::env::var("PATH").unwrap_or_default()
                ),
            )
            .env("DOCKER_CERT_PATH", self.path("docker-tls"))
            .env("LSM_STATE_DIR", self.path("state"))
            .env("NO_COLOR", "1")
            .env_remove("DOCKER_HOST")
            .env_remove("DOCKER_TLS_VERIFY")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        cmd
    }

    /// Runs [`TestHosts::lsm_command`] to the end.
    pub fn lsm(&self, args: &[&str]) -> Run {
        Run::from(self.lsm_command(args).output().expect("run lsm"))
    }
}

impl Host {
    /// Takes the host's link down on the controller's side: new
    /// connections fail at once, open ones stall.
    pub fn cut(&self) {
        ip(&["-n", &self.ns, "link", "set", &self.ctl_if, "down"]);
    }

    /// Brings the link back (and forgets a black hole).
    pub fn restore(&self) {
        let _ = Command::new("ip")
            .args([
                "-n",
                &self.ns,
                "neigh",
                "del",
                &self.ip.to_string(),
                "dev",
                &self.ctl_if,
            ])
            .stderr(Stdio::null())
            .status();
        ip(&["-n", &self.ns, "link", "set", &self.ctl_if, "up"]);
    }

    /// Every packet to the host vanishes (its address resolves to a MAC
    /// nobody has): connections neither succeed nor fail until a timeout.
    pub fn black_hole(&self) {
        ip(&[
            "-n",
            &self.ns,
            "neigh",
            "replace",
            &self.ip.to_string(),
            "lladdr",
            "02:00:00:00:00:99",
            "dev",
            &self.ctl_if,
            "nud",
            "permanent",
        ]);
    }
}

impl Drop for TestHosts {
    fn drop(&mut self) {
        for child in &mut self.servers {
            // The whole group (sshd's pre-auth children too).
            let _ = Command::new("kill")
                .args(["-TERM", "--", &format!("-{}", child.id())])
                .stderr(Stdio::null())
                .status();
            let _ = child.kill();
            let _ = child.wait();
        }
        // Deleting the namespace deletes its veth ends, and with them
        // their peers in the root namespace.
        let _ = Command::new("ip")
            .args(["netns", "del", &self.ns])
            .stderr(Stdio::null())
            .status();
        let _ = std::fs::remove_file(&self.reservation);
    }
}

/// Where subnets are reserved: one file per /24, holding the owner's pid.
const RESERVATIONS: &str = "/run/lsm-test-hosts";

/// Reserves a free 10.a.b.0/24 (a in 100..200): a file created with
/// O_EXCL, so two processes never get the same one, skipping any /24 this
/// machine already has an address in. Reservations of dead processes are
/// taken over.
fn reserve_subnet() -> ((u8, u8), PathBuf) {
    std::fs::create_dir_all(RESERVATIONS).expect("the reservations directory");
    let in_use = String::from_utf8_lossy(
        &Command::new("ip")
            .args(["-4", "-o", "addr", "show"])
            .output()
            .expect("ip addr")
            .stdout,
    )
    .into_owned();
    let start = std::process::id() as usize;
    for k in 0..100 * 256 {
        let i = (start + k) % (100 * 256);
        let (a, b) = (100 + (i / 256) as u8, (i % 256) as u8);
        if in_use.contains(&format!(" 10.{a}.{b}.")) {
            continue;
        }
        let path = Path::new(RESERVATIONS).join(format!("10.{a}.{b}"));
        let taken = |p: &Path| {
            std::fs::OpenOptions::new()
                .write(true)
                .create_new(true)
                .open(p)
                .and_then(|mut f| {
                    use std::io::Write;
                    write!(f, "{}", std::process::id())
                })
        };
        match taken(&path) {
            Ok(()) => return ((a, b), path),
            Err(_) if owner_gone(&path) => {
                let _ = std::fs::remove_file(&path);
                if taken(&path).is_ok() {
                    return ((a, b), path);
                }
            }
            Err(_) => {}
        }
    }
    panic!("no free 10.100-199.x.0/24 for the test hosts");
}

/// Whether the process named in a reservation (or a namespace) is gone.
fn owner_gone(path: &Path) -> bool {
    std::fs::read_to_string(path)
        .ok()
        .and_then(|t| t.trim().parse::<u32>().ok())
        .is_none_or(|pid| !Path::new(&format!("/proc/{pid}")).exists())
}

/// Removes the namespaces of test processes that died without cleaning up
/// (a SIGKILLed run): their names carry their pid.
fn sweep_leftovers() {
    let out = Command::new("ip").args(["netns", "list"]).output();
    let Ok(out) = out else { return };
    for line in String::from_utf8_lossy(&out.stdout).lines() {
        let name = line.split_whitespace().next().unwrap_or_default();
        let Some(pid) = name
            .strip_prefix("lsmh-")
            .and_then(|r| r.split('-').next())
            .and_then(|p| u32::from_str_radix(p, 16).ok())
        else {
            continue;
        };
        if !Path::new(&format!("/proc/{pid}")).exists() {
            let _ = Command::new("ip")
                .args(["netns", "del", name])
                .stderr(Stdio::null())
                .status();
        }
    }
}

/// The servers die with the test process, even when it is SIGKILLed.
fn die_with_parent(cmd: &mut Command) {
    use std::os::unix::process::CommandExt;
    // SAFETY: prctl is async-signal-safe; nothing else runs between fork
    // and exec.
    unsafe {
        cmd.pre_exec(|| {
            if libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGTERM as libc::c_ulong) != 0 {
                return Err(std::io::Error::last_os_error());
            }
            Ok(())
        });
    }
}

/// The engine's unix socket (the suite's DOCKER_HOST when it is one).
fn engine_socket() -> String {
    match std::env::var("DOCKER_HOST") {
        Ok(h) if h.starts_with("unix://") => h.trim_start_matches("unix://").to_string(),
        _ => "/var/run/docker.sock".to_string(),
    }
}

fn ip(args: &[&str]) {
    let out = Command::new("ip").args(args).output().expect("run ip");
    assert!(
        out.status.success(),
        "ip {}: {}",
        args.join(" "),
        String::from_utf8_lossy(&out.stderr)
    );
}

fn keygen(path: &Path) {
    let status = Command::new("ssh-keygen")
        .args(["-q", "-t", "ed25519", "-N", "", "-f"])
        .arg(path)
        .stdin(Stdio::null())
        .status()
        .expect("ssh-keygen");
    assert!(status.success(), "ssh-keygen {}", path.display());
}

fn chmod_x(path: &Path) {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o755)).expect("chmod");
}

/// The test CA (`ca.pem`), lsm's client certificate (`cert.pem`,
/// `key.pem`, as DOCKER_CERT_PATH wants them), and a server certificate for
/// `host`; returns the server's cert and key paths.
fn tls_files(dir: &Path, host: Ipv4Addr) -> (PathBuf, PathBuf) {
    use rcgen::{
        BasicConstraints, CertificateParams, DistinguishedName, DnType, ExtendedKeyUsagePurpose,
        IsCa, Issuer, KeyPair, SanType,
    };
    // The same parameters every time: an issuer is its name and its key.
    // Each its own name: a certificate whose subject is its issuer's
    // looks self-signed to OpenSSL.
    let named = |cn: &str| {
        let mut params = CertificateParams::new(Vec::<String>::new()).unwrap();
        params.distinguished_name = DistinguishedName::new();
        params.distinguished_name.push(DnType::CommonName, cn);
        params
    };
    let ca_params = || {
        let mut params = named("lsm test hosts CA");
        params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        params
    };
    let ca_key_path = dir.join("ca-key.pem");
    let ca_key = match std::fs::read_to_string(&ca_key_path) {
        Ok(pem) => KeyPair::from_pem(&pem).expect("CA key"),
        Err(_) => {
            let key = KeyPair::generate().expect("CA key");
            let params = ca_params();
            let cert = params.self_signed(&key).expect("CA cert");
            std::fs::write(dir.join("ca.pem"), cert.pem()).expect("ca.pem");
            std::fs::write(&ca_key_path, key.serialize_pem()).expect("CA key");
            let client_key = KeyPair::generate().expect("client key");
            let mut client = named("lsm");
            client.extended_key_usages = vec![ExtendedKeyUsagePurpose::ClientAuth];
            let issuer = Issuer::new(params, &key);
            let cert = client.signed_by(&client_key, &issuer).expect("client cert");
            std::fs::write(dir.join("cert.pem"), cert.pem()).expect("cert.pem");
            std::fs::write(dir.join("key.pem"), client_key.serialize_pem()).expect("key.pem");
            key
        }
    };
    let issuer = Issuer::new(ca_params(), &ca_key);
    let server_key = KeyPair::generate().expect("server key");
    let mut server = named("docker engine");
    server
        .subject_alt_names
        .push(SanType::IpAddress(std::net::IpAddr::V4(host)));
    server.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
    let cert = server.signed_by(&server_key, &issuer).expect("server cert");
    let (c, k) = (
        dir.join(format!("server-{host}.pem")),
        dir.join(format!("server-{host}-key.pem")),
    );
    std::fs::write(&c, cert.pem()).expect("server cert");
    std::fs::write(&k, server_key.serialize_pem()).expect("server key");
    (c, k)
}

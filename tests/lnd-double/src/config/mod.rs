//! lnd's configuration as `lnd.LoadConfig` builds it: defaults, then
//! lnd.conf, then the command line (flags win; a repeated option given as a
//! flag replaces the file's values), then `ValidateConfig`'s checks with
//! lnd's messages. Options that change what lsm could observe and that the
//! double does not implement are refused rather than silently ignored.

pub mod address;
pub mod flags;
pub mod ini;
pub mod options;
pub mod values;

use crate::network::Network;
use std::collections::HashMap;
use std::net::SocketAddr;
use std::path::{Component, Path, PathBuf};
use std::time::Duration;

const DEFAULT_RPC_PORT: u16 = 10009;
const DEFAULT_REST_PORT: u16 = 8080;
const DEFAULT_PEER_PORT: u16 = 9735;
/// lnd's `defaultTLSCertDuration`: 14 months.
pub const DEFAULT_TLS_CERT_DURATION: Duration = Duration::from_secs(10080 * 3600);
const DEFAULT_COLOR: &str = "#3399FF";

/// The validated configuration the double runs with.
#[derive(Debug, Clone)]
pub struct Config {
    pub config_file: PathBuf,
    /// `<datadir>/chain/bitcoin/<net>`: wallet.db, macaroons.db, macaroon files.
    pub network_dir: PathBuf,
    pub log_dir: PathBuf,
    pub network: Network,
    pub tls: TlsSettings,
    pub rpc_listeners: Vec<SocketAddr>,
    /// Empty with `norest`.
    pub rest_listeners: Vec<SocketAddr>,
    pub rest_tls: bool,
    pub no_macaroons: bool,
    pub admin_macaroon_path: PathBuf,
    pub readonly_macaroon_path: PathBuf,
    pub invoice_macaroon_path: PathBuf,
    /// The sub-servers' macaroon files, written at each unlock when
    /// missing (`<sub-server>.New`, e.g. lnrpc/signrpc/signer_server.go
    /// L136–174): signer, walletkit, router, chainnotifier, invoices.
    pub sub_server_macaroon_paths: SubServerMacaroonPaths,
    pub wallet_unlock_password_file: Option<PathBuf>,
    pub wallet_unlock_allow_create: bool,
    pub alias: String,
    /// `#rrggbb`, lowercase as lnd reports it.
    pub color: String,
    pub debug_level: String,
    /// Advertised p2p addresses (GetInfo uris); empty with `nolisten`.
    pub external_ips: Vec<String>,
    /// The p2p listeners (`listen`, default `:9735`) as Go prints them and
    /// as bound; empty with `nolisten`.
    pub p2p_listeners: Vec<(String, SocketAddr)>,
    /// What lnd would log while loading (e.g. a missing default lnd.conf).
    pub warnings: Vec<String>,
}

/// Where each sub-server writes its macaroon (its `*macaroonpath` option,
/// else the network directory).
#[derive(Debug, Clone)]
pub struct SubServerMacaroonPaths {
    pub signer: PathBuf,
    pub walletkit: PathBuf,
    pub router: PathBuf,
    pub chain_notifier: PathBuf,
    /// invoicesrpc has no path option.
    pub invoices: PathBuf,
}

/// Everything the TLS manager needs.
#[derive(Debug, Clone)]
pub struct TlsSettings {
    pub cert_path: PathBuf,
    pub key_path: PathBuf,
    pub extra_ips: Vec<String>,
    pub extra_domains: Vec<String>,
    pub auto_refresh: bool,
    pub disable_autofill: bool,
    pub cert_duration: Duration,
}

/// What the command line asked for.
#[derive(Debug)]
pub enum Loaded {
    Run(Box<Config>),
    /// `debuglevel=show`: list the log subsystems and exit.
    ShowSubsystems,
    /// `--version`/`-V`.
    Version,
    /// `--help`/`-h`.
    Help,
}

/// A configuration lnd would refuse to start with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigError {
    pub message: String,
    /// go-flags prints command-line errors itself before lnd's own line.
    pub echoed_by_flags: bool,
    /// lnd prints "Use lnd -h to show usage" first for usage errors.
    pub usage: bool,
    /// Found after lnd set up its logger, so lnd also logs it as a warning
    /// ("Error validating config: ...").
    pub logged: bool,
}

impl ConfigError {
    fn validate(msg: impl Into<String>) -> Self {
        ConfigError {
            message: format!("ValidateConfig: {}", msg.into()),
            echoed_by_flags: false,
            usage: false,
            logged: false,
        }
    }

    fn plain(msg: impl Into<String>) -> Self {
        ConfigError {
            message: msg.into(),
            echoed_by_flags: false,
            usage: false,
            logged: false,
        }
    }

    /// Exactly what lnd writes to stderr before exiting 1.
    pub fn render(&self, app_name: &str) -> String {
        let mut out = String::new();
        if self.echoed_by_flags {
            out.push_str(&self.message);
            out.push('\n');
        }
        if self.usage {
            out.push_str(&format!("Use {app_name} -h to show usage\n"));
        }
        out.push_str(&format!("failed to load config: {}\n", self.message));
        out
    }
}

/// Marks an error lnd meets after its logger is set up.
fn logged(e: ConfigError) -> ConfigError {
    ConfigError { logged: true, ..e }
}

/// Option values as go-flags leaves them after a sequence of parses.
#[derive(Default)]
struct Settings {
    values: HashMap<&'static str, Vec<Option<String>>>,
}

impl Settings {
    /// One go-flags pass: scalars keep the last value; a repeated option is
    /// emptied the first time the pass sets it, then collects.
    fn apply(
        &mut self,
        pass: impl IntoIterator<Item = (&'static options::OptionSpec, Option<String>)>,
    ) {
        let mut seen: Vec<&'static str> = Vec::new();
        for (opt, value) in pass {
            let slot = self.values.entry(opt.name).or_default();
            if opt.is_multi() {
                if !seen.contains(&opt.name) {
                    slot.clear();
                    seen.push(opt.name);
                }
                if let Some(v) = value {
                    slot.push(Some(v));
                }
            } else {
                *slot = vec![value];
            }
        }
    }

    fn is_set(&self, name: &str) -> bool {
        self.values.contains_key(name)
    }

    fn string(&self, name: &str) -> Option<String> {
        self.values
            .get(name)
            .and_then(|v| v.last().cloned().flatten())
    }

    fn flag(&self, name: &str) -> bool {
        match self.values.get(name).and_then(|v| v.last()) {
            None => false,
            Some(None) => true,
            Some(Some(v)) => values::parse_bool(v).unwrap_or(false),
        }
    }

    fn list(&self, name: &str) -> Vec<String> {
        self.values
            .get(name)
            .map(|v| v.iter().flatten().cloned().collect())
            .unwrap_or_default()
    }
}

/// `lnd.LoadConfig`: `args` without the program name.
pub fn load(args: &[String]) -> Result<Loaded, ConfigError> {
    let cli = flags::parse(args).map_err(|message| ConfigError {
        message,
        echoed_by_flags: true,
        usage: false,
        logged: false,
    })?;
    let cli: Vec<_> = cli.into_iter().map(|f| (f.option, f.value)).collect();
    let mut pre = Settings::default();
    pre.apply(cli.clone());
    if pre.flag("help") {
        return Ok(Loaded::Help);
    }
    if pre.flag("version") {
        return Ok(Loaded::Version);
    }

    let default_lnd_dir = default_lnd_dir();
    let default_config_file = default_lnd_dir.join("lnd.conf");
    let lnd_dir = clean_and_expand(
        &pre.string("lnddir")
            .unwrap_or_else(|| path_str(&default_lnd_dir)),
    );
    let mut config_file = clean_and_expand(
        &pre.string("configfile")
            .unwrap_or_else(|| path_str(&default_config_file)),
    );
    if lnd_dir != default_lnd_dir && config_file == default_config_file {
        config_file = lnd_dir.join("lnd.conf");
    } else if config_file != default_config_file && !config_file.exists() {
        return Err(ConfigError::plain(format!(
            "specified config file does not exist in {}",
            config_file.display()
        )));
    }

    let mut warnings = Vec::new();
    let mut settings = Settings::default();
    match std::fs::read_to_string(&config_file) {
        Ok(text) => {
            let file_values =
                ini::parse(&path_str(&config_file), &text).map_err(ConfigError::plain)?;
            settings.apply(file_values.into_iter().map(|v| (v.option, v.value)));
        }
        Err(e) => warnings.push(format!(
            "open {}: {}",
            config_file.display(),
            go_io_error(&e)
        )),
    }
    settings.apply(cli);
    if settings.string("debuglevel").as_deref() == Some("show") {
        return Ok(Loaded::ShowSubsystems);
    }
    validate(&settings, lnd_dir, config_file, &default_lnd_dir, warnings)
        .map(|c| Loaded::Run(Box::new(c)))
}

fn validate(
    s: &Settings,
    lnd_dir: PathBuf,
    config_file: PathBuf,
    default_lnd_dir: &Path,
    warnings: Vec<String>,
) -> Result<Config, ConfigError> {
    let debug_level = s.string("debuglevel").unwrap_or_else(|| "info".into());

    // A non-default lnddir moves every directory option under it, even ones
    // given explicitly ("This option overwrites all other directory options").
    let under_lnd_dir = lnd_dir != default_lnd_dir;
    let pick = |name: &str, default: PathBuf| -> PathBuf {
        if under_lnd_dir {
            return default;
        }
        s.string(name)
            .map(|p| clean_and_expand(&p))
            .unwrap_or(default)
    };
    let data_dir = pick("datadir", lnd_dir.join("data"));
    let tls_cert_path = pick("tlscertpath", lnd_dir.join("tls.cert"));
    let tls_key_path = pick("tlskeypath", lnd_dir.join("tls.key"));
    let log_dir = pick("logdir", lnd_dir.join("logs"));
    let letsencrypt_dir = pick("letsencryptdir", lnd_dir.join("letsencrypt"));
    // The tower dir (default: the default lnddir's data/watchtower) follows
    // a non-default lnddir only while it is the default (config.go L918–925).
    let default_tower_dir = default_lnd_dir.join("data").join("watchtower");
    let tower_dir = match s
        .string("watchtower.towerdir")
        .map(|d| clean_and_expand(&d))
    {
        Some(d) if d != default_tower_dir => d,
        _ if under_lnd_dir => data_dir.join("watchtower"),
        _ => default_tower_dir,
    };

    let networks = [
        ("bitcoin.mainnet", Network::Mainnet),
        ("bitcoin.testnet", Network::Testnet),
        ("bitcoin.testnet4", Network::Testnet4),
        ("bitcoin.regtest", Network::Regtest),
        ("bitcoin.simnet", Network::Simnet),
        ("bitcoin.signet", Network::Signet),
    ];
    let chosen: Vec<Network> = networks
        .iter()
        .filter(|(name, _)| s.flag(name))
        .map(|(_, n)| *n)
        .collect();
    let network = match chosen.as_slice() {
        [n] => *n,
        [] => {
            return Err(ConfigError::validate(
                "either --bitcoin.mainnet, or --bitcoin.testnet, --bitcoin.testnet4, \
                 --bitcoin.simnet, --bitcoin.regtest or --bitcoin.signet must be specified",
            ));
        }
        _ => {
            return Err(ConfigError::validate(
                "The mainnet, testnet, testnet4, regtest, simnet and signet params can't be \
                 used together -- choose one of the five",
            ));
        }
    };

    check_chain_backend(s, network)?;

    let network_dir = data_dir
        .join("chain")
        .join("bitcoin")
        .join(network.dir_name());
    let mac_path = |name: &str, file: &str| {
        s.string(name)
            .filter(|p| !p.is_empty())
            .map(|p| clean_and_expand(&p))
            .unwrap_or_else(|| network_dir.join(file))
    };
    let admin_macaroon_path = mac_path("adminmacaroonpath", "admin.macaroon");
    let readonly_macaroon_path = mac_path("readonlymacaroonpath", "readonly.macaroon");
    let invoice_macaroon_path = mac_path("invoicemacaroonpath", "invoice.macaroon");
    let sub_server_macaroon_paths = SubServerMacaroonPaths {
        signer: mac_path("signrpc.signermacaroonpath", "signer.macaroon"),
        walletkit: mac_path("walletrpc.walletkitmacaroonpath", "walletkit.macaroon"),
        router: mac_path("routerrpc.routermacaroonpath", "router.macaroon"),
        chain_notifier: mac_path("chainrpc.notifiermacaroonpath", "chainnotifier.macaroon"),
        invoices: network_dir.join("invoices.macaroon"),
    };

    // config.go L1415–1431, in lnd's order.
    for dir in [
        lnd_dir.clone(),
        data_dir.clone(),
        network_dir.clone(),
        letsencrypt_dir,
        tower_dir.join("bitcoin").join(network.dir_name()),
        data_dir.join("graph").join(network.dir_name()),
        parent(&tls_cert_path),
        parent(&tls_key_path),
        parent(&admin_macaroon_path),
        parent(&readonly_macaroon_path),
        parent(&invoice_macaroon_path),
    ] {
        make_dir(&dir)?;
    }
    let log_dir = log_dir.join("bitcoin").join(network.dir_name());

    // From here on lnd's logger is set up (config.go SetupLoggers, L1464):
    // LoadConfig also logs these failures as warnings (L853–872).
    validate_debug_level(&debug_level).map_err(|e| ConfigError {
        message: format!("ValidateConfig: error parsing debug level: {e}"),
        echoed_by_flags: false,
        usage: true,
        logged: true,
    })?;

    let mut raw_rpc = s.list("rpclisten");
    if raw_rpc.is_empty() {
        raw_rpc.push(format!("localhost:{DEFAULT_RPC_PORT}"));
    }
    let mut raw_rest = s.list("restlisten");
    if raw_rest.is_empty() {
        raw_rest.push(format!("localhost:{DEFAULT_REST_PORT}"));
    }
    let rpc_listeners = address::normalize(&raw_rpc, DEFAULT_RPC_PORT).map_err(|e| {
        logged(ConfigError::validate(format!(
            "error normalizing RPC listen addrs: {e}"
        )))
    })?;
    let rest_listeners = address::normalize(&raw_rest, DEFAULT_REST_PORT).map_err(|e| {
        logged(ConfigError::validate(format!(
            "error normalizing REST listen addrs: {e}"
        )))
    })?;

    let password_file = s
        .string("wallet-unlock-password-file")
        .filter(|p| !p.is_empty())
        .map(|p| clean_and_expand(&p));
    let allow_create = s.flag("wallet-unlock-allow-create");
    if s.flag("noseedbackup") && password_file.is_some() {
        return Err(logged(ConfigError::validate(
            "cannot set noseedbackup and wallet-unlock-password-file at the same time",
        )));
    }
    if allow_create && password_file.is_none() {
        return Err(logged(ConfigError::validate(
            "cannot set wallet-unlock-allow-create without wallet-unlock-password-file",
        )));
    }
    if let Some(p) = &password_file
        && !p.exists()
    {
        return Err(logged(ConfigError::validate(format!(
            "wallet unlock password file {} does not exist",
            p.display()
        ))));
    }

    let no_macaroons = s.flag("no-macaroons");
    let rest_tls = !s.flag("no-rest-tls");
    enforce_safe_authentication(&rpc_listeners, !no_macaroons, true).map_err(|e| {
        logged(ConfigError::validate(format!(
            "error enforcing safe authentication on RPC ports: {e}"
        )))
    })?;
    let rest_listeners = if s.flag("norest") {
        Vec::new()
    } else {
        enforce_safe_authentication(&rest_listeners, !no_macaroons, rest_tls).map_err(|e| {
            logged(ConfigError::validate(format!(
                "error enforcing safe authentication on REST ports: {e}"
            )))
        })?;
        rest_listeners
    };

    let (external_ips, p2p_listeners) = if s.flag("nolisten") {
        (Vec::new(), Vec::new())
    } else {
        let mut listen = s.list("listen");
        if listen.is_empty() {
            listen.push(format!(":{DEFAULT_PEER_PORT}"));
        }
        let p2p = address::normalize_shown(&listen, DEFAULT_PEER_PORT).map_err(|e| {
            logged(ConfigError::validate(format!(
                "error normalizing p2p listen addrs: {e}"
            )))
        })?;
        let external = address::normalize(&s.list("externalip"), DEFAULT_PEER_PORT)
            .map_err(|e| logged(ConfigError::validate(e)))?
            .iter()
            .map(|a| a.to_string())
            .collect();
        (external, p2p)
    };

    let color = s.string("color").unwrap_or_else(|| DEFAULT_COLOR.into());
    if !(color.len() == 7
        && color.starts_with('#')
        && color[1..].bytes().all(|b| b.is_ascii_hexdigit()))
    {
        return Err(logged(ConfigError::validate(
            "unable to parse node color: color must be specified using a hexadecimal value in \
             the form #RRGGBB",
        )));
    }

    let cert_duration = match s.string("tlscertduration") {
        Some(d) => values::parse_duration(&d).map_err(ConfigError::validate)?,
        None => DEFAULT_TLS_CERT_DURATION,
    };

    refuse_unimplemented(s)?;

    Ok(Config {
        config_file,
        network_dir,
        log_dir,
        network,
        tls: TlsSettings {
            cert_path: tls_cert_path,
            key_path: tls_key_path,
            extra_ips: s.list("tlsextraip"),
            extra_domains: s.list("tlsextradomain"),
            auto_refresh: s.flag("tlsautorefresh"),
            disable_autofill: s.flag("tlsdisableautofill"),
            cert_duration,
        },
        rpc_listeners,
        rest_listeners,
        rest_tls,
        no_macaroons,
        admin_macaroon_path,
        readonly_macaroon_path,
        invoice_macaroon_path,
        sub_server_macaroon_paths,
        wallet_unlock_password_file: password_file,
        wallet_unlock_allow_create: allow_create,
        alias: s.string("alias").unwrap_or_default(),
        color: color.to_ascii_lowercase(),
        debug_level,
        external_ips,
        p2p_listeners,
        warnings,
    })
}

/// `bitcoin.node`: lnd's credential checks for btcd/bitcoind, then the
/// double's own limit: it only has the pure signing mode.
fn check_chain_backend(s: &Settings, network: Network) -> Result<(), ConfigError> {
    let node = s.string("bitcoin.node").unwrap_or_else(|| "btcd".into());
    if node == "nochainbackend" {
        return Ok(());
    }
    let daemon_creds = |prefix: &str| {
        (
            s.string(&format!("{prefix}.rpcuser")).unwrap_or_default(),
            s.string(&format!("{prefix}.rpcpass")).unwrap_or_default(),
        )
    };
    if node == "btcd" || node == "bitcoind" {
        let (user, pass) = daemon_creds(&node);
        if user.is_empty() != pass.is_empty() {
            return Err(ConfigError::validate(format!(
                "unable to load RPC credentials for {node}: please set both or neither of \
                 {node}.rpcuser, {node}.rpcpass"
            )));
        }
        if user.is_empty() && network == Network::Simnet {
            return Err(ConfigError::validate(format!(
                "unable to load RPC credentials for {node}: rpcuser and rpcpass must be set to \
                 your btcd node's RPC parameters for simnet mode"
            )));
        }
        if user.is_empty() {
            let home = default_home();
            let conf = match node.as_str() {
                "btcd" => home.join(".btcd").join("btcd.conf"),
                _ => home.join(".bitcoin").join("bitcoin.conf"),
            };
            if !conf.exists() {
                return Err(ConfigError::validate(format!(
                    "unable to load RPC credentials for {node}: unable to extract RPC \
                     credentials: open {}: no such file or directory, cannot start w/o RPC \
                     connection",
                    conf.display()
                )));
            }
        }
    }
    Err(ConfigError::plain(format!(
        "lnd-double only implements bitcoin.node=nochainbackend (pure signing mode), not \
         bitcoin.node={node}"
    )))
}

/// Options whose effect lsm could observe and the double does not
/// reproduce: refusing them keeps the double from passing for lnd where it
/// would not behave like it.
fn refuse_unimplemented(s: &Settings) -> Result<(), ConfigError> {
    const BOOLS: &[&str] = &[
        "noseedbackup",
        "tlsencryptkey",
        "remotesigner.enable",
        "remotesigner.migrate-wallet-to-watch-only",
        "rpcmiddleware.enable",
        "cluster.enable-leader-election",
    ];
    for name in BOOLS {
        if s.flag(name) {
            return Err(ConfigError::plain(format!(
                "lnd-double does not implement {name}; remove it from the configuration"
            )));
        }
    }
    for name in ["letsencryptdomain"] {
        if s.is_set(name) && s.string(name).is_some_and(|v| !v.is_empty()) {
            return Err(ConfigError::plain(format!(
                "lnd-double does not implement {name}; remove it from the configuration"
            )));
        }
    }
    Ok(())
}

/// lnd v0.20.0-beta's log subsystems (log.go), sorted as
/// `SupportedSubsystems` lists them.
pub const SUBSYSTEMS: &[&str] = &[
    "ACSM", "ARPC", "ATPL", "BLPT", "BRAR", "BTCN", "BTWL", "CHAC", "CHBU", "CHCL", "CHDB", "CHFD",
    "CHFT", "CHIO", "CHNF", "CHRE", "CLUS", "CMGR", "CNCT", "CNFG", "CRTR", "DISC", "DRPC", "FNDG",
    "GRDB", "GRPH", "HLCK", "HSWC", "INVC", "IRPC", "LCHN", "LNWL", "LTND", "MSGX", "NANN", "NRPC",
    "NTFN", "NTFR", "PEER", "PFSM", "PRNF", "PROM", "PRPC", "PYDB", "RPCC", "RPCP", "RPCS", "RPWL",
    "RRPC", "SGNR", "SPHX", "SQLB", "SQLD", "SRVR", "SWPR", "TORC", "UTXN", "VRPC", "WLKT", "WTCL",
    "WTWR",
];

/// `build.ParseAndSetDebugLevels`.
fn validate_debug_level(level: &str) -> Result<(), String> {
    const LEVELS: &[&str] = &["trace", "debug", "info", "warn", "error", "critical", "off"];
    let mut parts: Vec<&str> = level.split(',').collect();
    if let Some(first) = parts.first()
        && !first.contains('=')
    {
        if !LEVELS.contains(first) {
            return Err(format!("the specified debug level [{first}] is invalid"));
        }
        parts.remove(0);
    }
    for pair in parts {
        if !pair.contains('=') {
            return Err(format!(
                "the specified debug level contains an invalid subsystem/level pair [{pair}]"
            ));
        }
        let fields: Vec<&str> = pair.split('=').collect();
        if fields.len() != 2 {
            return Err(format!(
                "the specified debug level has an invalid format [{pair}] -- use format \
                 subsystem1=level1,subsystem2=level2"
            ));
        }
        let (subsys, lvl) = (fields[0], fields[1]);
        if !SUBSYSTEMS.contains(&subsys) {
            return Err(format!(
                "the specified subsystem [{subsys}] is invalid -- supported subsystems are [{}]",
                SUBSYSTEMS.join(" ")
            ));
        }
        if !LEVELS.contains(&lvl) {
            return Err(format!("the specified debug level [{lvl}] is invalid"));
        }
    }
    Ok(())
}

/// `lncfg.EnforceSafeAuthentication`.
fn enforce_safe_authentication(
    addrs: &[SocketAddr],
    macaroons: bool,
    tls: bool,
) -> Result<(), String> {
    for a in addrs {
        let ip = a.ip();
        let private = match ip {
            std::net::IpAddr::V4(v4) => v4.is_loopback() || v4.is_private() || v4.is_link_local(),
            std::net::IpAddr::V6(v6) => {
                v6.is_loopback()
                    || (v6.segments()[0] & 0xfe00) == 0xfc00
                    || (v6.segments()[0] & 0xffc0) == 0xfe80
            }
        };
        if private {
            continue;
        }
        if !macaroons {
            return Err(format!(
                "detected RPC server listening on publicly reachable interface {a} with \
                 authentication disabled! Refusing to start with --no-macaroons specified"
            ));
        }
        if !tls {
            return Err(format!(
                "detected RPC server listening on publicly reachable interface {a} with \
                 encryption disabled! Refusing to start with --no-rest-tls specified"
            ));
        }
    }
    Ok(())
}

fn make_dir(dir: &Path) -> Result<(), ConfigError> {
    use std::os::unix::fs::DirBuilderExt;
    std::fs::DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(dir)
        .map_err(|e| {
            ConfigError::validate(format!(
                "Failed to create lnd directory '{}': mkdir {}: {}",
                dir.display(),
                dir.display(),
                go_io_error(&e)
            ))
        })
}

fn parent(p: &Path) -> PathBuf {
    p.parent()
        .map(Path::to_path_buf)
        .unwrap_or_else(|| PathBuf::from("."))
}

fn path_str(p: &Path) -> String {
    p.to_string_lossy().into_owned()
}

fn default_home() -> PathBuf {
    std::env::var_os("HOME")
        .filter(|h| !h.is_empty())
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("/root"))
}

/// `btcutil.AppDataDir("lnd", false)` on Linux.
pub fn default_lnd_dir() -> PathBuf {
    default_home().join(".lnd")
}

/// lnd's `CleanAndExpandPath`: a leading `~` becomes $HOME, `$VAR` and
/// `${VAR}` are expanded, then the path is cleaned lexically.
pub fn clean_and_expand(path: &str) -> PathBuf {
    if path.is_empty() {
        return PathBuf::new();
    }
    let mut p = path.to_string();
    if p.starts_with('~') {
        p = p.replacen('~', &path_str(&default_home()), 1);
    }
    clean(&expand_env(&p))
}

fn expand_env(s: &str) -> String {
    let mut out = String::new();
    let mut rest = s;
    while let Some(i) = rest.find('$') {
        out.push_str(&rest[..i]);
        let after = &rest[i + 1..];
        let (name, consumed) = if let Some(b) = after.strip_prefix('{') {
            match b.find('}') {
                Some(end) => (&b[..end], end + 2),
                None => ("", 0),
            }
        } else {
            let end = after
                .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
                .unwrap_or(after.len());
            (&after[..end], end)
        };
        if consumed == 0 {
            out.push('$');
            rest = after;
            continue;
        }
        out.push_str(&std::env::var(name).unwrap_or_default());
        rest = &after[consumed..];
    }
    out.push_str(rest);
    out
}

/// Go's filepath.Clean.
fn clean(p: &str) -> PathBuf {
    let absolute = p.starts_with('/');
    let mut parts: Vec<String> = Vec::new();
    for c in Path::new(p).components() {
        match c {
            Component::Normal(x) => parts.push(x.to_string_lossy().into_owned()),
            Component::ParentDir => {
                if parts.last().is_some_and(|l| l != "..") {
                    parts.pop();
                } else if !absolute {
                    parts.push("..".into());
                }
            }
            _ => {}
        }
    }
    let joined = parts.join("/");
    match (absolute, joined.is_empty()) {
        (true, _) => PathBuf::from(format!("/{joined}")),
        (false, true) => PathBuf::from("."),
        (false, false) => PathBuf::from(joined),
    }
}

/// The text Go's os package uses for common I/O errors.
pub fn go_io_error(e: &std::io::Error) -> String {
    match e.kind() {
        std::io::ErrorKind::NotFound => "no such file or directory".into(),
        std::io::ErrorKind::PermissionDenied => "permission denied".into(),
        _ => e.to_string(),
    }
}

#[cfg(test)]
mod tests;

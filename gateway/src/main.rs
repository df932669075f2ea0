//! `diemcau --config FILE [--check]`: the daemon.

use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::{Arc, RwLock};

use diemcau_gateway::config::Config;
use diemcau_gateway::h323::ras::udp::{RasService, WithH323};
use diemcau_gateway::room_metrics::RoomCollector;
use diemcau_gateway::sip::endpoint::{Core, CoreInput};
use diemcau_gateway::sip::transport::Transports;
use diemcau_gateway::webrtc::WebrtcService;
use diemcau_gateway::{http, metrics::Metrics, systemd, GatewayError};
use tokio::sync::mpsc;

// Parsing SIP allocates many small strings; mimalloc measured ~10% more
// REGISTER/s over TCP than glibc's allocator (docs/benchmarks.md).
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

const USAGE: &str = "usage: diemcau --config FILE [--check]\n\n  --config FILE  the TOML configuration (see configs/diemcau.toml)\n  --check        validate the configuration and exit\n";

struct Args {
    config: PathBuf,
    check: bool,
}

fn parse_args() -> Result<Args, String> {
    let mut config = None;
    let mut check = false;
    let mut it = std::env::args().skip(1);
    while let Some(a) = it.next() {
        match a.as_str() {
            "--config" | "-c" => config = Some(it.next().ok_or("--config needs a file")?),
            s if s.starts_with("--config=") => config = Some(s["--config=".len()..].to_string()),
            "--check" => check = true,
            "--help" | "-h" => return Err(String::new()),
            "--version" | "-V" => {
                println!("diemcau {}", env!("CARGO_PKG_VERSION"));
                std::process::exit(0);
            }
            other => return Err(format!("unknown argument {other:?}")),
        }
    }
    Ok(Args {
        config: PathBuf::from(config.ok_or("--config FILE is required")?),
        check,
    })
}

fn main() -> ExitCode {
    let args = match parse_args() {
        Ok(a) => a,
        Err(e) => {
            if !e.is_empty() {
                eprintln!("diemcau: {e}");
            }
            eprint!("{USAGE}");
            return ExitCode::from(2);
        }
    };
    let config = match Config::load(&args.config) {
        Ok(c) => c,
        Err(e) => {
            eprintln!("diemcau: invalid configuration: {e}");
            return ExitCode::from(1);
        }
    };
    if args.check {
        println!(
            "{}: ok ({} rooms, {} terminals)",
            args.config.display(),
            config.rooms.len(),
            config.terminals.len()
        );
        return ExitCode::SUCCESS;
    }
    // DIEMCAU_LOG, else the usual RUST_LOG, else info. Colours only on a
    // terminal: journald and log files get plain text.
    let filter = tracing_subscriber::EnvFilter::try_from_env("DIEMCAU_LOG")
        .or_else(|_| tracing_subscriber::EnvFilter::try_from_default_env())
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .with_writer(std::io::stderr)
        .with_target(false)
        .init();
    let rt = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("diemcau: cannot start the runtime: {e}");
            return ExitCode::from(1);
        }
    };
    match rt.block_on(run(args.config, config)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            tracing::error!(error = %e, "diemcau stopped");
            eprintln!("diemcau: {e}");
            ExitCode::from(1)
        }
    }
}

async fn run(path: PathBuf, config: Config) -> Result<(), GatewayError> {
    // Handlers first: a SIGHUP that arrives once /healthz answers but
    // before the signal loop runs would otherwise kill the daemon (the
    // default action).
    let handlers = Signals::install()?;
    let metrics = Metrics::new()?;
    let (inbound_tx, inbound_rx) = mpsc::channel(4096);
    let transports = Transports::bind(
        &config.sip.udp,
        &config.sip.tcp,
        metrics.clone(),
        inbound_tx,
    )
    .await?;
    let http_listener = tokio::net::TcpListener::bind(config.http.listen)
        .await
        .map_err(|e| GatewayError::Bind {
            what: "HTTP",
            addr: config.http.listen.to_string(),
            source: e,
        })?;
    let admin_token = Arc::new(RwLock::new(config.http.admin_token.clone()));
    let config = Arc::new(config);
    let (core, shared) = Core::new(config.clone(), transports.clone(), metrics.clone())?;
    metrics
        .registry
        .register(Box::new(RoomCollector::new(shared.rooms.clone())?))?;
    let webrtc = if config.webrtc.enabled {
        Some(WebrtcService::start(
            shared.rooms.clone(),
            config.webrtc.clone(),
            &metrics.registry,
            metrics.calls.clone(),
        )?)
    } else {
        None
    };
    // The gatekeeper, next to the SIP transports; its registrations join
    // the SIP ones in the API.
    let ras = if config.h323.enabled {
        Some(RasService::start(&config, &metrics).await?)
    } else {
        None
    };
    let views: Arc<dyn diemcau_gateway::control::Views> = match &ras {
        Some(ras) => Arc::new(WithH323 {
            sip: shared.clone(),
            ras: ras.clone(),
        }),
        None => shared.clone(),
    };
    let (input_tx, input_rx) = mpsc::channel(256);

    // The HTTP API talks to the core through commands.
    let (cmd_tx, mut cmd_rx) = mpsc::channel(64);
    let fwd = input_tx.clone();
    tokio::spawn(async move {
        while let Some(c) = cmd_rx.recv().await {
            if fwd.send(CoreInput::Command(c)).await.is_err() {
                break;
            }
        }
    });
    let state = http::HttpState {
        admin_token: admin_token.clone(),
        metrics: metrics.clone(),
        views,
        commands: cmd_tx,
        webrtc: webrtc.clone(),
    };
    let (stop_tx, stop_rx) = tokio::sync::watch::channel(false);
    let mut http_stop = stop_rx.clone();
    let http_task = tokio::spawn(http::serve(http_listener, state, async move {
        let _ = http_stop.wait_for(|s| *s).await;
    }));
    let core_task = tokio::spawn(core.run(inbound_rx, input_rx));

    tracing::info!(
        sip_udp = ?transports.udp_local_addrs(),
        sip_tcp = ?transports.tcp_local_addrs(),
        http = %config.http.listen,
        h323_ras = ?ras.as_ref().map(|r| r.local_addrs().to_vec()),
        advertised = %config.public_address(),
        rooms = config.rooms.len(),
        terminals = config.terminals.len(),
        "diemcau ready"
    );
    if let Err(e) = systemd::ready() {
        tracing::warn!(error = %e, "sd_notify READY failed");
    }
    systemd::spawn_watchdog();

    signals(handlers, &path, input_tx, admin_token, webrtc, ras).await;
    tracing::info!("shutting down");
    let _ = systemd::stopping();
    let _ = stop_tx.send(true);
    let _ = tokio::time::timeout(std::time::Duration::from_secs(5), http_task).await;
    core_task.abort();
    Ok(())
}

/// Wait for SIGTERM/SIGINT; on SIGHUP reload rooms and terminals. A bad new
/// config is logged and the running one kept.
struct Signals {
    term: tokio::signal::unix::Signal,
    int: tokio::signal::unix::Signal,
    hup: tokio::signal::unix::Signal,
}

impl Signals {
    fn install() -> Result<Signals, GatewayError> {
        use tokio::signal::unix::{signal, SignalKind};
        Ok(Signals {
            term: signal(SignalKind::terminate())?,
            int: signal(SignalKind::interrupt())?,
            hup: signal(SignalKind::hangup())?,
        })
    }
}

async fn signals(
    handlers: Signals,
    path: &std::path::Path,
    input: mpsc::Sender<CoreInput>,
    admin_token: Arc<RwLock<String>>,
    webrtc: Option<Arc<WebrtcService>>,
    ras: Option<Arc<RasService>>,
) {
    let Signals {
        mut term,
        mut int,
        mut hup,
    } = handlers;
    loop {
        tokio::select! {
            _ = term.recv() => return,
            _ = int.recv() => return,
            _ = hup.recv() => {
                let _ = systemd::reloading();
                match Config::load(path) {
                    Ok(c) => {
                        *admin_token.write().unwrap_or_else(|p| p.into_inner()) = c.http.admin_token.clone();
                        if let Some(w) = &webrtc {
                            w.set_config(c.webrtc.clone());
                        }
                        if let Some(r) = &ras {
                            r.reconfigure(&c);
                        }
                        let _ = input.send(CoreInput::Reload(Box::new(c))).await;
                    }
                    Err(e) => tracing::error!(error = %e, "reload failed; keeping the running configuration"),
                }
                let _ = systemd::ready();
            }
        }
    }
}

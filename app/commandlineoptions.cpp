// CommandLineOptions: ackhook's flags and their --help text.
#include "commandlineoptions.h"
#include "commandline.h"
#include "config/settingschema.h"
#include "scenariorunner.h"

namespace {

// A numeric setting's flag: its name, help and value name from the schema.
QCommandLineOption numericOption(const NumericSetting &setting)
{
    return QCommandLineOption(
        QString::fromLatin1(setting.flag), QString::fromUtf8(setting.help), QString::fromLatin1(setting.valueName));
}

} // namespace

QString CommandLineOptions::description()
{
    return QStringLiteral(
        "ackhook accepts webhooks and publishes each to NATS JetStream, answering 200 only after the "
        "PubAck, 500 when the publish failed or timed out.\nWithout --nats-url it starts its own "
        "nats-server (JetStream on disk in the data directory).\nA request's idempotency key (CloudEvent "
        "source and id, Idempotency-Key, X-GitHub-Delivery, X-Request-Id, X-Event-Id, or a sender's "
        "own) is published as Nats-Msg-Id scoped to its endpoint (\"<path> <key>\"), so JetStream "
        "drops retries and one endpoint's callers never deduplicate another's events.\nA 200 survives a crash of "
        "ackhook or nats-server; a power cut of the NATS machine can lose the last 2 minutes of "
        "acknowledged events (nats-server syncs its store every 2 min) unless the stream is replicated "
        "or the server fsyncs every write. --policy spool answers 202 after a local fsync.");
}

CommandLineOptions::CommandLineOptions()
    : help({ QStringLiteral("h"), QStringLiteral("help") }, QStringLiteral("Show this help."))
    , version({ QStringLiteral("v"), QStringLiteral("version") }, QStringLiteral("Show the version."))
    , headless(QStringLiteral("headless"), QStringLiteral("Run without a window; log to stdout."))
    , listen(QStringLiteral("listen"), QStringLiteral("Webhook listener address (default 127.0.0.1:12000)."),
          QStringLiteral("HOST:PORT"))
    , tlsCertFile(QStringLiteral("tls-cert-file"),
          QStringLiteral("Serve the webhook listener over HTTPS with this certificate chain (PEM, leaf first); needs "
                         "--tls-key-file. A renewed file is used for new connections without a restart."),
          QStringLiteral("FILE"))
    , tlsKeyFile(QStringLiteral("tls-key-file"),
          QStringLiteral("Private key (PEM, unencrypted, mode 600) of --tls-cert-file."), QStringLiteral("FILE"))
    , natsUrl(QStringLiteral("nats-url"),
          QStringLiteral("NATS server URL(s), comma separated; no embedded server is started."), QStringLiteral("URL"))
    , natsCreds(QStringLiteral("nats-creds"),
          QStringLiteral("NATS credentials file (user JWT and NKey seed, as nsc writes it); or NATS_CREDS."),
          QStringLiteral("FILE"))
    , natsNkey(QStringLiteral("nats-nkey"), QStringLiteral("NATS NKey user seed file (SU...); or NATS_NKEY."),
          QStringLiteral("FILE"))
    , natsUser(QStringLiteral("nats-user"),
          QStringLiteral("NATS user; the password from --nats-password-file or NATS_PASSWORD. Or NATS_USER."),
          QStringLiteral("USER"))
    , natsPasswordFile(QStringLiteral("nats-password-file"),
          QStringLiteral("File holding the NATS password (one line)."), QStringLiteral("FILE"))
    , natsTokenFile(QStringLiteral("nats-token-file"),
          QStringLiteral("File holding the NATS token (one line); or NATS_TOKEN."), QStringLiteral("FILE"))
    , natsTls(QStringLiteral("nats-tls"),
          QStringLiteral("Require TLS to NATS (also implied by tls:// URLs and the other --nats-tls-* options)."))
    , natsTlsCa(QStringLiteral("nats-tls-ca"),
          QStringLiteral("CA certificates (PEM) that sign the NATS server's certificate; or NATS_CA."),
          QStringLiteral("FILE"))
    , natsTlsCert(QStringLiteral("nats-tls-cert"),
          QStringLiteral("Client certificate (PEM) for mutual TLS, with --nats-tls-key; or NATS_CERT."),
          QStringLiteral("FILE"))
    , natsTlsKey(QStringLiteral("nats-tls-key"), QStringLiteral("Private key (PEM) of --nats-tls-cert; or NATS_KEY."),
          QStringLiteral("FILE"))
    , natsTlsHostname(QStringLiteral("nats-tls-hostname"),
          QStringLiteral("Name the NATS server's certificate must carry (default: the host of the URLs)."),
          QStringLiteral("NAME"))
    , stream(QStringLiteral("stream"), QStringLiteral("JetStream stream, created if missing (default EVENTS)."),
          QStringLiteral("NAME"))
    , streamReplicas(numericOption(SettingSchema::StreamReplicas))
    , dataDir(QStringLiteral("data-dir"),
          QStringLiteral("Data directory (default %1).").arg(CommandLine::defaultDataDir()), QStringLiteral("DIR"))
    , ackTimeout(numericOption(SettingSchema::AckTimeout))
    , maxInflight(numericOption(SettingSchema::MaxInflight))
    , maxPayload(numericOption(SettingSchema::MaxPayload))
    , idleTimeout(numericOption(SettingSchema::IdleTimeout))
    , adminListen(QStringLiteral("admin-listen"),
          QStringLiteral("Admin API address (default 127.0.0.1:12001); a non-loopback address needs --admin-token."),
          QStringLiteral("HOST:PORT"))
    , adminToken(QStringLiteral("admin-token"),
          QStringLiteral("Require 'Authorization: Bearer TOKEN' on the admin API (visible in ps: prefer "
                         "--admin-token-file or ACKHOOK_ADMIN_TOKEN)."),
          QStringLiteral("TOKEN"))
    , adminAllowedHost(QStringLiteral("admin-allowed-host"),
          QStringLiteral("Also answer admin requests whose Host is NAME (any port) or NAME:PORT, e.g. a reverse "
                         "proxy's name; repeatable or comma separated (default: the listener's own names)."),
          QStringLiteral("NAME[:PORT]"))
    , adminTokenFile(QStringLiteral("admin-token-file"),
          QStringLiteral("Read the admin token from FILE (surrounding white space ignored)."), QStringLiteral("FILE"))
    , outage(QStringLiteral("outage"),
          QStringLiteral("Simulated outage at start: %1 (default off).")
              .arg(OutageSettings::modeNames().join(QStringLiteral(", "))),
          QStringLiteral("MODE"))
    , policy(QStringLiteral("policy"),
          QStringLiteral("Dispatch policy of endpoints that name none: %1 (default ack; fire-and-forget answers "
                         "before storing and loses events: for demonstrations only).")
              .arg(dispatchPolicyNames().join(QStringLiteral(", "))),
          QStringLiteral("NAME"))
    , scenario(QStringLiteral("scenario"),
          QStringLiteral(
              "Run a lab scenario headless (%1): traffic on /lab/ack, /lab/fire-and-forget and /lab/spool, an "
              "outage in the middle, then a summary table per policy (also <data-dir>/scenario-NAME.md).")
              .arg(ScenarioRunner::names().join(QStringLiteral(", "))),
          QStringLiteral("NAME"))
    , scenarioSeconds(QStringLiteral("scenario-seconds"),
          QStringLiteral("Length of each scenario phase: steady, outage, recovered (default 10)."), QStringLiteral("N"))
    , scenarioSeed(QStringLiteral("scenario-seed"),
          QStringLiteral("Seed of the scenario's traffic (gaps, keys, bodies), 0 to 4294967295 (default: a random one, "
                         "shown in the summary)."),
          QStringLiteral("N"))
    , scenarioChart(QStringLiteral("scenario-chart"),
          QStringLiteral("Also paint the scenario's chart (one panel per policy) into FILE.png."),
          QStringLiteral("FILE"))
    , lossDetector(QStringLiteral("loss-detector"),
          QStringLiteral("Reconcile every answer with the stream (on by itself when an endpoint's policy is not ack)."))
    , labLossyStore(QStringLiteral("lab-lossy-store"),
          QStringLiteral("Lab: keep the embedded nats-server's store on lossyfs (FUSE: /dev/fuse and fusermount3), "
                         "which drops what nats-server did not fsync when the power-cut outage is simulated. Never "
                         "for production; without FUSE a warning says why and power-cut is refused."))
    , faultProxy(QStringLiteral("fault-proxy"),
          QStringLiteral("Put the fault proxy between ackhook and NATS (simulated outages). On by default with the "
                         "embedded server and in the window; headless against an external NATS only with this flag."))
    , noFaultProxy(QStringLiteral("no-fault-proxy"),
          QStringLiteral("Connect to NATS directly, without the fault proxy (no simulated outages)."))
    , autoReplay(
          QStringLiteral("auto-replay"), QStringLiteral("Replay the pending failed events whenever NATS (re)connects."))
    , failedMaxRecords(numericOption(SettingSchema::FailedMaxRecords))
    , failedMaxBytes(numericOption(SettingSchema::FailedMaxBytes))
    , authToken(QStringLiteral("auth-token"),
          QStringLiteral("Require 'Authorization: Bearer TOKEN' on webhooks (401 otherwise); or ACKHOOK_AUTH_TOKEN."),
          QStringLiteral("TOKEN"))
    , hmacSecret(QStringLiteral("hmac-secret"),
          QStringLiteral("Require an HMAC-SHA256 signature of the body (401 otherwise); or ACKHOOK_HMAC_SECRET."),
          QStringLiteral("SECRET"))
    , signatureHeader(QStringLiteral("signature-header"),
          QStringLiteral("Header holding sha256=<hex> for --hmac-secret (default X-Hub-Signature-256)."),
          QStringLiteral("NAME"))
    , logFormat(QStringLiteral("log-format"),
          QStringLiteral("Log lines as text (key=value) or json (one object per line); default text."),
          QStringLiteral("FORMAT"))
    , configFile(QStringLiteral("config"),
          QStringLiteral("TOML configuration file ([server], [nats], [stream], [[endpoint]]; see "
                         "docs/ackhook.sample.toml); the environment and the command line win. A file ending in .json "
                         "holds flags as before."),
          QStringLiteral("FILE"))
    , checkConfig(QStringLiteral("check-config"),
          QStringLiteral("Validate a TOML configuration file and exit (0: valid, 1: not)."), QStringLiteral("FILE"))
{
}

QList<QCommandLineOption> CommandLineOptions::all() const
{
    return { help, version, headless, listen, tlsCertFile, tlsKeyFile, natsUrl, natsCreds, natsNkey, natsUser,
        natsPasswordFile, natsTokenFile, natsTls, natsTlsCa, natsTlsCert, natsTlsKey, natsTlsHostname, stream,
        streamReplicas, dataDir, ackTimeout, maxInflight, maxPayload, idleTimeout, adminListen, adminToken,
        adminAllowedHost, adminTokenFile, outage, policy, scenario, scenarioSeconds, scenarioSeed, scenarioChart,
        lossDetector, labLossyStore, faultProxy, noFaultProxy, autoReplay, failedMaxRecords, failedMaxBytes, authToken,
        hmacSecret, signatureHeader, logFormat, configFile, checkConfig };
}

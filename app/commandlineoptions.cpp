// CommandLineOptions: ackhook's flags and their --help text.
#include "commandlineoptions.h"
#include "commandline.h"
#include "config/settingschema.h"
#include "scenariorunner.h"

namespace {

// A setting's flag: its name, help and value name from the schema (no value name: a switch).
QCommandLineOption option(const Setting &setting)
{
    if (!setting.valueName)
        return QCommandLineOption(QString::fromLatin1(setting.flag), QString::fromUtf8(setting.help));
    return QCommandLineOption(
        QString::fromLatin1(setting.flag), QString::fromUtf8(setting.help), QString::fromLatin1(setting.valueName));
}

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
    , headless(option(SettingSchema::Headless))
    , listen(option(SettingSchema::Listen))
    , tlsCertFile(option(SettingSchema::TlsCertFile))
    , tlsKeyFile(option(SettingSchema::TlsKeyFile))
    , natsUrl(option(SettingSchema::NatsUrl))
    , natsCreds(option(SettingSchema::NatsCreds))
    , natsNkey(option(SettingSchema::NatsNkey))
    , natsUser(option(SettingSchema::NatsUser))
    , natsPasswordFile(option(SettingSchema::NatsPasswordFile))
    , natsTokenFile(option(SettingSchema::NatsTokenFile))
    , natsTls(option(SettingSchema::NatsTls))
    , natsTlsCa(option(SettingSchema::NatsTlsCa))
    , natsTlsCert(option(SettingSchema::NatsTlsCert))
    , natsTlsKey(option(SettingSchema::NatsTlsKey))
    , natsTlsHostname(option(SettingSchema::NatsTlsHostname))
    , stream(option(SettingSchema::StreamName))
    , streamReplicas(numericOption(SettingSchema::StreamReplicas))
    , dataDir(QStringLiteral("data-dir"),
          QStringLiteral("Data directory (default %1).").arg(CommandLine::defaultDataDir()), QStringLiteral("DIR"))
    , ackTimeout(numericOption(SettingSchema::AckTimeout))
    , maxInflight(numericOption(SettingSchema::MaxInflight))
    , maxPayload(numericOption(SettingSchema::MaxPayload))
    , idleTimeout(numericOption(SettingSchema::IdleTimeout))
    , adminListen(option(SettingSchema::AdminListen))
    , adminToken(QStringLiteral("admin-token"),
          QStringLiteral("Require 'Authorization: Bearer TOKEN' on the admin API (visible in ps: prefer "
                         "--admin-token-file or ACKHOOK_ADMIN_TOKEN)."),
          QStringLiteral("TOKEN"))
    , adminAllowedHost(option(SettingSchema::AdminAllowedHost))
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
    , faultProxy(option(SettingSchema::FaultProxy))
    , noFaultProxy(QStringLiteral("no-fault-proxy"),
          QStringLiteral("Connect to NATS directly, without the fault proxy (no simulated outages)."))
    , autoReplay(option(SettingSchema::AutoReplay))
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
    , logFormat(option(SettingSchema::LogFormat))
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

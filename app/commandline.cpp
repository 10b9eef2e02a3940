// Parsing and validation of the command line; no side effects, so it is tested as a table.
#include "commandline.h"
#include "config/configfile.h"
#include "scenariorunner.h"

#include <QCommandLineParser>
#include <QDir>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QStandardPaths>

#include <algorithm>
#include <functional>
#include <limits>

namespace {

bool parseHostPort(const QString &text, QHostAddress *address, quint16 *port)
{
    const std::optional<HostPort> parsed = HostPort::parse(text);
    if (!parsed)
        return false;
    *address = parsed->address;
    *port = parsed->port;
    return true;
}

// The file's values go into the result first; flags and the environment are applied on top.
void applyConfigFile(const ConfigFile &file, CommandLine &result)
{
    RuntimeConfig &runtime = result.runtime;
    GatewayConfig &gateway = runtime.gateway;
    const ConfigFile::Server &server = file.server;
    if (server.listen) {
        gateway.listenAddress = server.listen->address;
        gateway.listenPort = server.listen->port;
    }
    if (server.adminListen) {
        runtime.adminAddress = server.adminListen->address;
        runtime.adminPort = server.adminListen->port;
    }
    if (server.dataDir)
        runtime.dataDir = *server.dataDir;
    if (server.ackTimeout)
        gateway.ackTimeout = *server.ackTimeout;
    if (server.idleTimeout)
        gateway.idleTimeout = *server.idleTimeout;
    if (server.maxInFlight)
        gateway.maxInFlight = static_cast<int>(*server.maxInFlight);
    if (server.maxBody)
        gateway.maxPayload = *server.maxBody;
    if (server.headless)
        result.headless = *server.headless;
    if (server.autoReplay)
        runtime.autoReplay = *server.autoReplay;
    if (server.faultProxy)
        runtime.faultProxyEnabled = *server.faultProxy;
    if (server.failedMaxRecords)
        runtime.failedQueue.maxRecords = *server.failedMaxRecords;
    if (server.failedMaxBytes)
        runtime.failedQueue.maxBytes = *server.failedMaxBytes;
    if (!file.nats.urls.isEmpty())
        gateway.natsUrls = file.nats.urls;
    if (file.nats.credentialsFile)
        gateway.natsCredentialsFile = *file.nats.credentialsFile;
    if (file.stream.name)
        gateway.stream = *file.stream.name;
    gateway.streamSubjects = file.streamSubjects();
    if (!file.endpoints.isEmpty())
        gateway.endpoints = file.endpoints;
}

bool parsePositive(const QString &text, qint64 *value)
{
    bool ok = false;
    *value = text.toLongLong(&ok);
    return ok && *value > 0;
}

} // namespace

std::optional<QStringList> CommandLine::configArguments(const QByteArray &json, QString *error)
{
    QJsonParseError parseError;
    const QJsonDocument doc = QJsonDocument::fromJson(json, &parseError);
    if (!doc.isObject()) {
        *error = parseError.error == QJsonParseError::NoError
            ? QStringLiteral("expected one JSON object")
            : QStringLiteral("not JSON: %1 at offset %2").arg(parseError.errorString()).arg(parseError.offset);
        return std::nullopt;
    }
    static const QStringList forbidden { QStringLiteral("config"), QStringLiteral("help"), QStringLiteral("version"),
        QStringLiteral("h"), QStringLiteral("v") };
    QStringList arguments;
    const QJsonObject object = doc.object();
    for (auto it = object.begin(); it != object.end(); ++it) {
        const QString name = it.key();
        if (name.isEmpty() || name.startsWith(QLatin1Char('-')) || forbidden.contains(name)) {
            *error = QStringLiteral("'%1' cannot be set in a config file").arg(name);
            return std::nullopt;
        }
        const QString flag = QStringLiteral("--") + name;
        const QJsonValue value = it.value();
        if (value.isBool()) {
            if (value.toBool())
                arguments.append(flag);
        } else if (value.isString()) {
            arguments += { flag, value.toString() };
        } else if (value.isDouble() && value.toDouble() == static_cast<double>(value.toInteger())) {
            arguments += { flag, QString::number(value.toInteger()) };
        } else if (value.isArray() && name == QLatin1String("nats-url")) {
            QStringList urls;
            for (const QJsonValue &url : value.toArray()) {
                if (!url.isString()) {
                    *error = QStringLiteral("nats-url: expected a list of strings");
                    return std::nullopt;
                }
                urls.append(url.toString());
            }
            arguments += { flag, urls.join(QLatin1Char(',')) };
        } else {
            *error = QStringLiteral("'%1': expected a string, an integer, true or false").arg(name);
            return std::nullopt;
        }
    }
    return arguments;
}

QString CommandLine::defaultDataDir()
{
    return QDir(QStandardPaths::writableLocation(QStandardPaths::GenericDataLocation))
        .filePath(QStringLiteral("ackhook"));
}

CommandLine CommandLine::parse(const QStringList &arguments)
{
    CommandLine result;
    QCommandLineParser parser;
    parser.setApplicationDescription(
        QStringLiteral("ackhook accepts webhooks and publishes each to NATS JetStream, answering 200 only after the "
                       "PubAck, 500 when the publish failed or timed out.\nWithout --nats-url it starts its own "
                       "nats-server (JetStream on disk in the data directory)."));
    const QCommandLineOption help({ QStringLiteral("h"), QStringLiteral("help") }, QStringLiteral("Show this help."));
    const QCommandLineOption version(
        { QStringLiteral("v"), QStringLiteral("version") }, QStringLiteral("Show the version."));
    const QCommandLineOption headless(
        QStringLiteral("headless"), QStringLiteral("Run without a window; log to stdout."));
    const QCommandLineOption listen(QStringLiteral("listen"),
        QStringLiteral("Webhook listener address (default 127.0.0.1:12000)."), QStringLiteral("HOST:PORT"));
    const QCommandLineOption natsUrl(QStringLiteral("nats-url"),
        QStringLiteral("NATS server URL(s), comma separated; no embedded server is started."), QStringLiteral("URL"));
    const QCommandLineOption natsCreds(
        QStringLiteral("nats-creds"), QStringLiteral("NATS credentials file for --nats-url."), QStringLiteral("FILE"));
    const QCommandLineOption stream(QStringLiteral("stream"),
        QStringLiteral("JetStream stream, created if missing (default EVENTS)."), QStringLiteral("NAME"));
    const QCommandLineOption dataDir(QStringLiteral("data-dir"),
        QStringLiteral("Data directory (default %1).").arg(defaultDataDir()), QStringLiteral("DIR"));
    const QCommandLineOption ackTimeout(QStringLiteral("ack-timeout"),
        QStringLiteral("Milliseconds to wait for the PubAck before answering 500 (default 5000)."),
        QStringLiteral("MS"));
    const QCommandLineOption maxInflight(QStringLiteral("max-inflight"),
        QStringLiteral("Dispatches waiting for their PubAck before answering 429 (default 4096)."),
        QStringLiteral("N"));
    const QCommandLineOption maxPayload(QStringLiteral("max-payload"),
        QStringLiteral("Largest accepted body in bytes; larger ones get 413 (default 1048576)."),
        QStringLiteral("BYTES"));
    const QCommandLineOption idleTimeout(QStringLiteral("idle-timeout"),
        QStringLiteral("Close keep-alive connections idle this many milliseconds (default 30000)."),
        QStringLiteral("MS"));
    const QCommandLineOption adminListen(QStringLiteral("admin-listen"),
        QStringLiteral("Admin API address (default 127.0.0.1:12001); a non-loopback address needs --admin-token."),
        QStringLiteral("HOST:PORT"));
    const QCommandLineOption adminToken(QStringLiteral("admin-token"),
        QStringLiteral("Require 'Authorization: Bearer TOKEN' on the admin API."), QStringLiteral("TOKEN"));
    const QCommandLineOption outage(QStringLiteral("outage"),
        QStringLiteral("Simulated outage at start: %1 (default off).")
            .arg(OutageSettings::modeNames().join(QStringLiteral(", "))),
        QStringLiteral("MODE"));
    const QCommandLineOption policy(QStringLiteral("policy"),
        QStringLiteral("Dispatch policy of endpoints that name none: %1 (default ack; fire-and-forget answers "
                       "before storing and loses events: for demonstrations only).")
            .arg(dispatchPolicyNames().join(QStringLiteral(", "))),
        QStringLiteral("NAME"));
    const QCommandLineOption scenario(QStringLiteral("scenario"),
        QStringLiteral("Run a lab scenario headless (%1): traffic on /lab/ack, /lab/fire-and-forget and /lab/spool, an "
                       "outage in the middle, then a summary table per policy (also <data-dir>/scenario-NAME.md).")
            .arg(ScenarioRunner::names().join(QStringLiteral(", "))),
        QStringLiteral("NAME"));
    const QCommandLineOption scenarioSeconds(QStringLiteral("scenario-seconds"),
        QStringLiteral("Length of each scenario phase: steady, outage, recovered (default 10)."), QStringLiteral("N"));
    const QCommandLineOption lossDetector(QStringLiteral("loss-detector"),
        QStringLiteral("Reconcile every answer with the stream (on by itself when an endpoint's policy is not ack)."));
    const QCommandLineOption noFaultProxy(QStringLiteral("no-fault-proxy"),
        QStringLiteral("Connect to NATS directly, without the fault proxy (no simulated outages)."));
    const QCommandLineOption autoReplay(
        QStringLiteral("auto-replay"), QStringLiteral("Replay the pending failed events whenever NATS (re)connects."));
    const QCommandLineOption failedMaxRecords(QStringLiteral("failed-max-records"),
        QStringLiteral("Failed-event queue bound in records (default 100000)."), QStringLiteral("N"));
    const QCommandLineOption failedMaxBytes(QStringLiteral("failed-max-bytes"),
        QStringLiteral("Failed-event queue bound in body bytes (default 268435456)."), QStringLiteral("BYTES"));
    const QCommandLineOption authToken(QStringLiteral("auth-token"),
        QStringLiteral("Require 'Authorization: Bearer TOKEN' on webhooks (401 otherwise); or ACKHOOK_AUTH_TOKEN."),
        QStringLiteral("TOKEN"));
    const QCommandLineOption hmacSecret(QStringLiteral("hmac-secret"),
        QStringLiteral("Require an HMAC-SHA256 signature of the body (401 otherwise); or ACKHOOK_HMAC_SECRET."),
        QStringLiteral("SECRET"));
    const QCommandLineOption signatureHeader(QStringLiteral("signature-header"),
        QStringLiteral("Header holding sha256=<hex> for --hmac-secret (default X-Hub-Signature-256)."),
        QStringLiteral("NAME"));
    const QCommandLineOption configFile(QStringLiteral("config"),
        QStringLiteral("TOML configuration file ([server], [nats], [stream], [[endpoint]]; see "
                       "docs/ackhook.sample.toml); NATS_URL and the command line win. A file ending in .json "
                       "holds flags as before."),
        QStringLiteral("FILE"));
    const QCommandLineOption checkConfig(QStringLiteral("check-config"),
        QStringLiteral("Validate a TOML configuration file and exit (0: valid, 1: not)."), QStringLiteral("FILE"));
    parser.addOptions({ help, version, headless, listen, natsUrl, natsCreds, stream, dataDir, ackTimeout, maxInflight,
        maxPayload, idleTimeout, adminListen, adminToken, outage, policy, scenario, scenarioSeconds, lossDetector, noFaultProxy, autoReplay, failedMaxRecords,
        failedMaxBytes, authToken, hmacSecret, signatureHeader, configFile, checkConfig });

    auto fail = [&](const QString &message) {
        result.action = Action::Error;
        result.message = message;
        return result;
    };

    if (!parser.parse(arguments))
        return fail(parser.errorText());
    if (parser.isSet(checkConfig)) {
        QString error;
        const std::optional<ConfigFile> file = ConfigFile::load(parser.value(checkConfig), &error);
        result.action = file ? Action::CheckConfig : Action::Error;
        result.message = file ? file->describe() : error;
        return result;
    }
    std::optional<ConfigFile> tomlFile;
    if (parser.isSet(configFile) && !parser.value(configFile).endsWith(QLatin1String(".json"), Qt::CaseInsensitive)) {
        QString error;
        tomlFile = ConfigFile::load(parser.value(configFile), &error);
        if (!tomlFile)
            return fail(error);
    } else if (parser.isSet(configFile)) {
        // The file's flags go first, so that the same flag on the command line wins (last value).
        QFile file(parser.value(configFile));
        if (!file.open(QIODevice::ReadOnly))
            return fail(QStringLiteral("--config: cannot read %1: %2").arg(file.fileName(), file.errorString()));
        QString error;
        const std::optional<QStringList> fromFile = configArguments(file.read(1024 * 1024), &error);
        if (!fromFile)
            return fail(QStringLiteral("--config %1: %2").arg(file.fileName(), error));
        QStringList combined = arguments.mid(0, 1) + *fromFile + arguments.mid(1);
        if (!parser.parse(combined))
            return fail(parser.errorText());
    }
    if (parser.isSet(help)) {
        result.action = Action::Help;
        result.message = parser.helpText();
        return result;
    }
    if (parser.isSet(version)) {
        result.action = Action::Version;
        result.message = QStringLiteral("ackhook " ACKHOOK_VERSION);
        return result;
    }
    if (!parser.positionalArguments().isEmpty())
        return fail(QStringLiteral("unexpected argument: %1").arg(parser.positionalArguments().first()));

    result.runtime.dataDir = defaultDataDir();
    if (tomlFile)
        applyConfigFile(*tomlFile, result);
    if (parser.isSet(headless))
        result.headless = true;
    GatewayConfig &config = result.runtime.gateway;
    // NATS_URL (the NATS tools' variable) overrides the file; --nats-url overrides both.
    if (!parser.isSet(natsUrl) && qEnvironmentVariableIsSet("NATS_URL") && !qEnvironmentVariable("NATS_URL").isEmpty()) {
        config.natsUrls.clear();
        for (const QString &url : qEnvironmentVariable("NATS_URL").split(QLatin1Char(','), Qt::SkipEmptyParts))
            config.natsUrls.append(url.trimmed());
    }
    if (parser.isSet(listen) && !parseHostPort(parser.value(listen), &config.listenAddress, &config.listenPort))
        return fail(QStringLiteral("--listen expects HOST:PORT, got '%1'").arg(parser.value(listen)));
    if (parser.isSet(natsUrl)) {
        config.natsUrls.clear(); // the flag replaces the file's URLs
        for (const QString &url : parser.value(natsUrl).split(QLatin1Char(','), Qt::SkipEmptyParts))
            config.natsUrls.append(url.trimmed());
        if (config.natsUrls.isEmpty())
            return fail(QStringLiteral("--nats-url is empty"));
    }
    if (parser.isSet(natsCreds))
        config.natsCredentialsFile = parser.value(natsCreds);
    if (parser.isSet(stream)) {
        config.stream = parser.value(stream);
        if (config.stream.isEmpty() || config.stream.contains(QLatin1Char('.'))
            || config.stream.contains(QLatin1Char(' ')) || config.stream.contains(QLatin1Char('*'))
            || config.stream.contains(QLatin1Char('>')))
            return fail(QStringLiteral("--stream must be a name without '.', '*', '>' or spaces"));
    }
    if (parser.isSet(dataDir))
        result.runtime.dataDir = parser.value(dataDir);
    if (parser.isSet(adminListen)
        && !parseHostPort(parser.value(adminListen), &result.runtime.adminAddress, &result.runtime.adminPort))
        return fail(QStringLiteral("--admin-listen expects HOST:PORT, got '%1'").arg(parser.value(adminListen)));
    if (parser.isSet(adminToken))
        result.runtime.adminToken = parser.value(adminToken);
    if (!result.runtime.adminAddress.isLoopback() && result.runtime.adminToken.isEmpty())
        return fail(QStringLiteral("--admin-listen on a non-loopback address requires --admin-token"));
    if (parser.isSet(noFaultProxy))
        result.runtime.faultProxyEnabled = false;
    if (parser.isSet(outage)) {
        const auto mode = OutageSettings::modeFromName(parser.value(outage));
        if (!mode)
            return fail(QStringLiteral("--outage expects one of: %1")
                            .arg(OutageSettings::modeNames().join(QStringLiteral(", "))));
        result.runtime.outage.mode = *mode;
    }
    if (parser.isSet(lossDetector))
        result.runtime.lossDetector = true;
    if (parser.isSet(scenario)) {
        if (!ScenarioRunner::find(parser.value(scenario)))
            return fail(QStringLiteral("--scenario: '%1' is not a scenario (%2)")
                            .arg(parser.value(scenario), ScenarioRunner::names().join(QStringLiteral(", "))));
        result.scenario = parser.value(scenario);
        if (parser.isSet(scenarioSeconds)) {
            bool ok = false;
            result.scenarioSeconds = parser.value(scenarioSeconds).toInt(&ok);
            if (!ok || result.scenarioSeconds < 1 || result.scenarioSeconds > 3600)
                return fail(QStringLiteral("--scenario-seconds expects seconds between 1 and 3600"));
        }
        result.headless = true;
        // One endpoint per policy; fire-and-forget is named here on purpose: the scenario measures it.
        GatewayConfig &gateway = result.runtime.gateway;
        gateway.endpoints.clear();
        for (int i = 0; i < DispatchPolicyCount; ++i) {
            const auto policy = static_cast<DispatchPolicy>(i);
            const QByteArray name = dispatchPolicyName(policy).toLatin1();
            Endpoint endpoint("/lab/" + name, "ackhook.lab." + name);
            endpoint.dispatch = policy;
            gateway.endpoints.append(endpoint);
        }
        result.runtime.lossDetector = true;
        result.runtime.lossGrace = std::chrono::milliseconds(5000);
    }
    if (parser.isSet(policy)) {
        const auto named = dispatchPolicyFromName(parser.value(policy));
        if (!named)
            return fail(QStringLiteral("--policy: '%1' is not a dispatch policy (%2)")
                            .arg(parser.value(policy), dispatchPolicyNames().join(QStringLiteral(", "))));
        result.runtime.gateway.defaultPolicy = *named;
    }

    if (parser.isSet(autoReplay))
        result.runtime.autoReplay = true;

    const auto secret = [&parser](const QCommandLineOption &option, const char *variable) {
        return parser.isSet(option) ? parser.value(option).toUtf8() : qgetenv(variable);
    };
    config.auth.bearerToken = secret(authToken, "ACKHOOK_AUTH_TOKEN");
    config.auth.hmacSecret = secret(hmacSecret, "ACKHOOK_HMAC_SECRET");
    if (parser.isSet(signatureHeader)) {
        config.auth.signatureHeader = parser.value(signatureHeader).toLatin1();
        if (config.auth.signatureHeader.isEmpty() || config.auth.signatureHeader.contains(':')
            || config.auth.signatureHeader.contains(' '))
            return fail(QStringLiteral("--signature-header expects a header name"));
    }
    const bool everyEndpointAuthenticated = std::all_of(config.endpoints.cbegin(), config.endpoints.cend(),
        [](const Endpoint &endpoint) { return endpoint.auth.kind != SignatureScheme::Kind::None; });
    if (!config.listenAddress.isLoopback() && !config.auth.isEnabled() && !everyEndpointAuthenticated)
        qWarning("ackhook: the webhook listener is reachable from other machines without --auth-token or "
                 "--hmac-secret");

    // Numeric flags: each a positive integer up to a bound, with its own message.
    constexpr qint64 NoBound = std::numeric_limits<qint64>::max();
    struct Numeric {
        const QCommandLineOption &option;
        qint64 max;
        QString message;
        std::function<void(qint64)> apply;
    };
    const Numeric numerics[] = {
        { ackTimeout, 600000, QStringLiteral("--ack-timeout expects milliseconds between 1 and 600000"),
            [&](qint64 v) { config.ackTimeout = std::chrono::milliseconds(v); } },
        { maxInflight, 1000000, QStringLiteral("--max-inflight expects a count between 1 and 1000000"),
            [&](qint64 v) { config.maxInFlight = static_cast<int>(v); } },
        { maxPayload, 64 * 1024 * 1024,
            QStringLiteral(
                "--max-payload expects bytes between 1 and 67108864 (NATS' own limit is lower by default: 1 MiB)"),
            [&](qint64 v) { config.maxPayload = v; } },
        { failedMaxRecords, 100000000, QStringLiteral("--failed-max-records expects a count between 1 and 100000000"),
            [&](qint64 v) { result.runtime.failedQueue.maxRecords = v; } },
        { failedMaxBytes, NoBound, QStringLiteral("--failed-max-bytes expects a positive number of bytes"),
            [&](qint64 v) { result.runtime.failedQueue.maxBytes = v; } },
        { idleTimeout, NoBound, QStringLiteral("--idle-timeout expects milliseconds"),
            [&](qint64 v) { config.idleTimeout = std::chrono::milliseconds(v); } },
    };
    for (const Numeric &numeric : numerics) {
        if (!parser.isSet(numeric.option))
            continue;
        qint64 value = 0;
        if (!parsePositive(parser.value(numeric.option), &value) || value > numeric.max)
            return fail(numeric.message);
        numeric.apply(value);
    }
    return result;
}

// FlagGroups: the flags of CommandLine::parse, topic by topic (see the header).
#include "flaggroups.h"
#include "commandline.h"
#include "commandlineoptions.h"
#include "config/hostport.h"
#include "config/quantity.h"
#include "config/secretfile.h"
#include "config/settingschema.h"
#include "config/subjectrules.h"
#include "http/tlsidentity.h"
#include "scenariorunner.h"

#include <QCommandLineParser>

#include <algorithm>
#include <functional>

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

bool parsePositive(const QString &text, qint64 *value)
{
    bool ok = false;
    *value = text.toLongLong(&ok);
    return ok && *value > 0;
}

// A numeric flag's value, within its setting's bounds; nullopt with *error, "--FLAG expects …" and
// what Quantity found wrong, if anything.
std::optional<qint64> numericValue(const NumericSetting &setting, const QString &text, QString *error)
{
    QString problem;
    std::optional<qint64> value;
    switch (setting.unit) {
    case NumericSetting::Unit::Duration:
        if (const auto duration = Quantity::parseDuration(text, setting.max, &problem))
            value = duration->count();
        break;
    case NumericSetting::Unit::Size:
        value = Quantity::parseSize(text, setting.max, &problem);
        break;
    case NumericSetting::Unit::Count:
        if (qint64 count = 0; parsePositive(text, &count) && count <= setting.max)
            value = count;
        break;
    }
    if (value && *value < setting.min)
        value.reset();
    if (!value) {
        *error = QStringLiteral("--%1 expects %2")
                     .arg(QString::fromLatin1(setting.flag), QString::fromUtf8(setting.expects));
        if (!problem.isEmpty())
            *error += QStringLiteral(": ") + problem;
    }
    return value;
}

} // namespace

namespace FlagGroups {

// --listen and HTTPS on the webhook listener.
QString readListener(const QCommandLineParser &parser, const CommandLineOptions &flags, CommandLine &result)
{
    GatewayConfig &config = result.runtime.gateway;
    if (parser.isSet(flags.listen)
        && !parseHostPort(parser.value(flags.listen), &config.listenAddress, &config.listenPort))
        return QStringLiteral("--listen expects HOST:PORT, [IPV6]:PORT or :PORT, got '%1'")
            .arg(parser.value(flags.listen));
    // HTTPS on the webhook listener: both files or neither, checked now (a start that would fail to
    // serve is refused before anything else starts); the admin listener stays plain HTTP.
    if (parser.isSet(flags.tlsCertFile))
        config.tlsCertFile = parser.value(flags.tlsCertFile);
    if (parser.isSet(flags.tlsKeyFile))
        config.tlsKeyFile = parser.value(flags.tlsKeyFile);
    if (config.tlsCertFile.isEmpty() != config.tlsKeyFile.isEmpty())
        return config.tlsCertFile.isEmpty()
            ? QStringLiteral("--tls-key-file needs --tls-cert-file (both, or neither for plain HTTP)")
            : QStringLiteral("--tls-cert-file needs --tls-key-file (both, or neither for plain HTTP)");
    if (config.tls()) {
        if (const QString problem = TlsIdentity::check(config.tlsCertFile, config.tlsKeyFile); !problem.isEmpty())
            return QStringLiteral("--%1: %2")
                .arg(problem.contains(QLatin1String("TLS key file")) ? QStringLiteral("tls-key-file")
                                                                     : QStringLiteral("tls-cert-file"),
                    problem);
        if (const QString warning = TlsIdentity::keyPermissionWarning(config.tlsKeyFile); !warning.isEmpty())
            result.warnings.append(warning);
    }
    return {};
}

// --nats-url, NATS credentials and TLS, --stream.
QString readNats(const QCommandLineParser &parser, const CommandLineOptions &flags, CommandLine &result)
{
    GatewayConfig &config = result.runtime.gateway;
    if (parser.isSet(flags.natsUrl)) {
        config.natsUrls.clear(); // the flag replaces the file's URLs
        for (const QString &url : parser.value(flags.natsUrl).split(QLatin1Char(','), Qt::SkipEmptyParts))
            config.natsUrls.append(url.trimmed());
        if (config.natsUrls.isEmpty())
            return QStringLiteral("--nats-url is empty");
    }
    // NATS credentials and TLS: the flag, else the NATS tools' environment variable, else the file.
    // Secrets themselves come from files or the environment, never from argv (visible in ps).
    NatsAccess &access = config.natsAccess;
    const auto natsSetting = [&parser](const QCommandLineOption &option, const char *variable, QString &target) {
        if (parser.isSet(option))
            target = parser.value(option);
        else if (variable && !qEnvironmentVariable(variable).isEmpty())
            target = qEnvironmentVariable(variable);
    };
    natsSetting(flags.natsCreds, "NATS_CREDS", access.credentialsFile);
    natsSetting(flags.natsNkey, "NATS_NKEY", access.nkeySeedFile);
    natsSetting(flags.natsUser, "NATS_USER", access.user);
    natsSetting(flags.natsTlsCa, "NATS_CA", access.tlsCaFile);
    natsSetting(flags.natsTlsCert, "NATS_CERT", access.tlsCertFile);
    natsSetting(flags.natsTlsKey, "NATS_KEY", access.tlsKeyFile);
    natsSetting(flags.natsTlsHostname, nullptr, access.tlsHostname);
    if (parser.isSet(flags.natsTls))
        access.tls = true;
    const auto natsSecret = [&](const QCommandLineOption &option, const char *variable, QByteArray &target) {
        if (parser.isSet(option)) {
            const QString flag = QStringLiteral("--") + option.names().constFirst();
            const SecretFile file = SecretFile::read(parser.value(option));
            if (!file.ok())
                return QString(flag + QStringLiteral(": ") + file.error());
            if (!file.warning().isEmpty())
                result.warnings.append(flag + QStringLiteral(": ") + file.warning());
            target = file.secret();
        } else if (!qgetenv(variable).isEmpty()) {
            target = qgetenv(variable);
        }
        return QString();
    };
    if (const QString problem = natsSecret(flags.natsPasswordFile, "NATS_PASSWORD", access.password);
        !problem.isEmpty())
        return problem;
    if (const QString problem = natsSecret(flags.natsTokenFile, "NATS_TOKEN", access.token); !problem.isEmpty())
        return problem;
    if (parser.isSet(flags.stream)) {
        config.stream = parser.value(flags.stream);
        if (!SubjectRules::isStreamName(config.stream))
            return QStringLiteral("--stream must be ") + QLatin1String(SubjectRules::StreamNameRule);
    }
    return {};
}

// The admin API: --admin-listen, --admin-allowed-host and its token.
QString readAdmin(const QCommandLineParser &parser, const CommandLineOptions &flags, CommandLine &result)
{
    if (parser.isSet(flags.adminListen)
        && !parseHostPort(parser.value(flags.adminListen), &result.runtime.adminAddress, &result.runtime.adminPort))
        return QStringLiteral("--admin-listen expects HOST:PORT, [IPV6]:PORT or :PORT, got '%1'")
            .arg(parser.value(flags.adminListen));
    if (parser.isSet(flags.adminAllowedHost)) {
        result.runtime.adminAllowedHosts.clear();
        for (const QString &value : parser.values(flags.adminAllowedHost)) {
            for (const QString &name : value.split(QLatin1Char(','), Qt::SkipEmptyParts)) {
                const QString host = name.trimmed();
                if (host.isEmpty() || host.contains(QLatin1Char('/')) || host.contains(QLatin1Char(' '))
                    || host.contains(QLatin1Char('@')))
                    return QStringLiteral("--admin-allowed-host expects NAME or NAME:PORT, got '%1'").arg(name);
                result.runtime.adminAllowedHosts.append(host);
            }
        }
    }
    if (parser.isSet(flags.adminToken) && parser.isSet(flags.adminTokenFile))
        return QStringLiteral("--admin-token and --admin-token-file both give the admin token: keep one");
    if (parser.isSet(flags.adminToken)) {
        // An empty value is a mistake (an unset variable expanded), never "no authentication".
        if (parser.value(flags.adminToken).trimmed().isEmpty())
            return QStringLiteral("--admin-token is empty (an unset variable?): give a token, or leave the "
                                  "flag out for none");
        result.runtime.adminToken = parser.value(flags.adminToken);
    }
    if (parser.isSet(flags.adminTokenFile)) {
        const SecretFile file = SecretFile::read(parser.value(flags.adminTokenFile));
        if (file.problem() == SecretFile::Problem::Empty)
            return QStringLiteral("--admin-token-file: %1 holds no token").arg(file.path());
        if (!file.ok())
            return QStringLiteral("--admin-token-file: ") + file.error();
        if (!file.warning().isEmpty())
            result.warnings.append(QStringLiteral("--admin-token-file: ") + file.warning());
        result.runtime.adminToken = QString::fromUtf8(file.secret());
    }
    if (!result.runtime.adminAddress.isLoopback() && result.runtime.adminToken.isEmpty())
        return QStringLiteral("--admin-listen on a non-loopback address requires an admin token "
                              "(--admin-token-file or ACKHOOK_ADMIN_TOKEN)");
    return {};
}

// --scenario and its options: the lab's run, headless, one endpoint per policy.
QString readScenario(const QCommandLineParser &parser, const CommandLineOptions &flags, CommandLine &result)
{
    if (!parser.isSet(flags.scenario))
        return {};
    GatewayConfig &config = result.runtime.gateway;
    if (config.tls()) // its traffic is plain HTTP on a raw socket
        return QStringLiteral("--scenario sends plain HTTP to the webhook listener: leave out --tls-cert-file");
    if (!ScenarioRunner::find(parser.value(flags.scenario)))
        return QStringLiteral("--scenario: '%1' is not a scenario (%2)")
            .arg(parser.value(flags.scenario), ScenarioRunner::names().join(QStringLiteral(", ")));
    result.scenario = parser.value(flags.scenario);
    if (parser.isSet(flags.scenarioSeconds)) {
        bool ok = false;
        result.scenarioSeconds = parser.value(flags.scenarioSeconds).toInt(&ok);
        if (!ok || result.scenarioSeconds < 1 || result.scenarioSeconds > 3600)
            return QStringLiteral("--scenario-seconds expects seconds between 1 and 3600");
    }
    if (parser.isSet(flags.scenarioSeed)) {
        bool ok = false;
        const quint32 seed = parser.value(flags.scenarioSeed).toUInt(&ok);
        if (!ok)
            return QStringLiteral("--scenario-seed expects a number from 0 to 4294967295, not '%1'")
                .arg(parser.value(flags.scenarioSeed));
        result.scenarioSeed = seed;
    }
    result.scenarioChart = parser.value(flags.scenarioChart);
    result.headless = true;
    // One endpoint per policy; fire-and-forget is named here on purpose: the scenario measures it.
    config.endpoints.clear();
    for (int i = 0; i < DispatchPolicyCount; ++i) {
        const auto policy = static_cast<DispatchPolicy>(i);
        const QByteArray name = dispatchPolicyName(policy).toLatin1();
        Endpoint endpoint("/lab/" + name, "ackhook.lab." + name);
        endpoint.dispatch = policy;
        config.endpoints.append(endpoint);
    }
    result.runtime.lossDetector = true;
    result.runtime.lossGrace = std::chrono::milliseconds(5000);
    if (result.scenario == QLatin1String(Runtime::PowerCutMode))
        result.runtime.labLossyStore = true; // the scenario is the lab's: its store goes on lossyfs
    return {};
}

// --auth-token, --hmac-secret (or their variables) and --signature-header.
QString readWebhookAuth(const QCommandLineParser &parser, const CommandLineOptions &flags, CommandLine &result)
{
    GatewayConfig &config = result.runtime.gateway;
    // A secret given but empty (an unset variable expanded: --auth-token=$TOKEN) is refused: it must
    // never turn authentication off without a word.
    QString emptySecret;
    const auto secret = [&parser, &emptySecret](const QCommandLineOption &option, const char *variable) {
        // An empty environment variable counts as unset (EnvironmentHelp); an empty flag is a mistake.
        const QByteArray value = parser.isSet(option) ? parser.value(option).toUtf8() : qgetenv(variable);
        if (parser.isSet(option) && value.trimmed().isEmpty() && emptySecret.isEmpty())
            emptySecret = QStringLiteral("--") + option.names().constFirst();
        return value;
    };
    config.auth.bearerToken = secret(flags.authToken, "ACKHOOK_AUTH_TOKEN");
    config.auth.hmacSecret = secret(flags.hmacSecret, "ACKHOOK_HMAC_SECRET");
    if (!emptySecret.isEmpty())
        return QStringLiteral("%1 is empty (an unset variable?): give the secret, or leave it out for none")
            .arg(emptySecret);
    if (parser.isSet(flags.signatureHeader)) {
        config.auth.signatureHeader = parser.value(flags.signatureHeader).toLatin1();
        if (config.auth.signatureHeader.isEmpty() || config.auth.signatureHeader.contains(':')
            || config.auth.signatureHeader.contains(' '))
            return QStringLiteral("--signature-header expects a header name");
    }
    const bool everyEndpointAuthenticated = std::all_of(config.endpoints.cbegin(), config.endpoints.cend(),
        [](const Endpoint &endpoint) { return endpoint.auth.kind != SignatureScheme::Kind::None; });
    if (!config.listenAddress.isLoopback() && !config.auth.isEnabled() && !everyEndpointAuthenticated)
        result.warnings.append(QStringLiteral(
            "the webhook listener is reachable from other machines without --auth-token or --hmac-secret"));
    return {};
}

// Numeric flags: counts, durations (with a unit, or plain milliseconds) and sizes (with a unit, or
// plain bytes), each within the bounds SettingSchema gives the config file's keys too, parsed by
// the same code as the config file's.
QString readNumeric(const QCommandLineParser &parser, const CommandLineOptions &flags, CommandLine &result)
{
    GatewayConfig &config = result.runtime.gateway;
    struct Numeric {
        const QCommandLineOption &option;
        const NumericSetting &setting;
        std::function<void(qint64)> apply;
    };
    const Numeric numerics[] = {
        { flags.ackTimeout, SettingSchema::AckTimeout,
            [&](qint64 v) { config.ackTimeout = std::chrono::milliseconds(v); } },
        { flags.maxInflight, SettingSchema::MaxInflight, [&](qint64 v) { config.maxInFlight = static_cast<int>(v); } },
        { flags.maxPayload, SettingSchema::MaxPayload, [&](qint64 v) { config.maxPayload = v; } },
        { flags.failedMaxRecords, SettingSchema::FailedMaxRecords,
            [&](qint64 v) { result.runtime.failedQueue.maxRecords = v; } },
        { flags.failedMaxBytes, SettingSchema::FailedMaxBytes,
            [&](qint64 v) { result.runtime.failedQueue.maxBytes = v; } },
        { flags.streamReplicas, SettingSchema::StreamReplicas,
            [&](qint64 v) { config.streamSettings.replicas = static_cast<int>(v); } },
        { flags.idleTimeout, SettingSchema::IdleTimeout,
            [&](qint64 v) { config.idleTimeout = std::chrono::milliseconds(v); } },
    };
    for (const Numeric &numeric : numerics) {
        if (!parser.isSet(numeric.option))
            continue;
        QString problem;
        const std::optional<qint64> value = numericValue(numeric.setting, parser.value(numeric.option), &problem);
        if (!value)
            return problem;
        numeric.apply(*value);
    }
    return {};
}

} // namespace FlagGroups

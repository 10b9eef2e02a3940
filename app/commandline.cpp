// Parsing and validation of the command line; no side effects, so it is tested as a table.
#include "commandline.h"
#include "commandlineoptions.h"
#include "config/configfile.h"
#include "config/quantity.h"
#include "config/secretfile.h"
#include "config/settingschema.h"
#include "config/subjectrules.h"
#include "http/tlsidentity.h"
#include "scenariorunner.h"

#include <QCommandLineParser>
#include <QDir>
#include <QFile>
#include <QHash>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QRegularExpression>
#include <QStandardPaths>

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
    if (server.adminAllowedHosts)
        runtime.adminAllowedHosts = *server.adminAllowedHosts;
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
    if (server.logFormat)
        result.logFormat = LogSink::formatFromName(*server.logFormat).value_or(LogSink::Format::Text);
    if (server.tlsCertFile)
        gateway.tlsCertFile = *server.tlsCertFile;
    if (server.tlsKeyFile)
        gateway.tlsKeyFile = *server.tlsKeyFile;
    if (server.failedMaxRecords)
        runtime.failedQueue.maxRecords = *server.failedMaxRecords;
    if (server.failedMaxBytes)
        runtime.failedQueue.maxBytes = *server.failedMaxBytes;
    if (!file.nats.urls.isEmpty())
        gateway.natsUrls = file.nats.urls;
    const ConfigFile::Nats &nats = file.nats;
    NatsAccess &access = gateway.natsAccess;
    access.credentialsFile = nats.credentialsFile.value_or(QString());
    access.nkeySeedFile = nats.nkeyFile.value_or(QString());
    access.user = nats.user.value_or(QString());
    access.password = nats.password.value_or(QByteArray());
    access.token = nats.token.value_or(QByteArray());
    access.tls = nats.tls.value_or(false);
    access.tlsCaFile = nats.tlsCaFile.value_or(QString());
    access.tlsCertFile = nats.tlsCertFile.value_or(QString());
    access.tlsKeyFile = nats.tlsKeyFile.value_or(QString());
    access.tlsHostname = nats.tlsHostname.value_or(QString());
    if (file.stream.name)
        gateway.stream = *file.stream.name;
    gateway.streamSubjects = file.streamSubjects();
    gateway.streamSettings = file.streamSettings();
    if (file.stream.create)
        gateway.createStream = *file.stream.create;
    if (!file.endpoints.isEmpty())
        gateway.endpoints = file.endpoints;
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

// A switch given in the environment: 1/true/yes/on or 0/false/no/off.
std::optional<bool> parseSwitch(const QString &text)
{
    static const QStringList on { QStringLiteral("1"), QStringLiteral("true"), QStringLiteral("yes"),
        QStringLiteral("on") };
    static const QStringList off { QStringLiteral("0"), QStringLiteral("false"), QStringLiteral("no"),
        QStringLiteral("off") };
    if (on.contains(text.trimmed(), Qt::CaseInsensitive))
        return true;
    if (off.contains(text.trimmed(), Qt::CaseInsensitive))
        return false;
    return std::nullopt;
}

const QString EnvironmentHelp = QStringLiteral(R"(
Environment: every flag can be set as ACKHOOK_ and its name in capitals, - as _ (a switch as 1
or 0): --max-inflight as ACKHOOK_MAX_INFLIGHT, ACKHOOK_LISTEN=:8080, ACKHOOK_CONFIG=/etc/ackhook.toml,
ACKHOOK_ADMIN_TOKEN_FILE=/run/credentials/ackhook.service/admin-token; NATS_URL is read like
ACKHOOK_NATS_URL (which wins). Flags win over the environment, the environment over the --config
file. An empty variable counts as unset.
Durations take a unit: 250ms, 5s, 2m, 1h (a plain number is milliseconds). Sizes: 512KiB, 1MiB (a
plain number is bytes). Addresses: HOST:PORT, [IPv6]:PORT, [::]:PORT (IPv6), :PORT (every interface).
)");

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

QString CommandLine::environmentName(const QString &flag)
{
    return QStringLiteral("ACKHOOK_") + QString(flag).replace(QLatin1Char('-'), QLatin1Char('_')).toUpper();
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
    parser.setApplicationDescription(CommandLineOptions::description());
    const CommandLineOptions flags;
    const QList<QCommandLineOption> options = flags.all();
    parser.addOptions(options);

    // Flags set by the environment (not on the command line), and the variable of each: an error about
    // one names the variable too.
    QHash<QString, QString> environmentOf;
    const auto onCommandLine = [&arguments](const QString &flag) {
        return std::any_of(arguments.cbegin() + std::min<qsizetype>(1, arguments.size()), arguments.cend(),
            [&flag](const QString &argument) {
                return argument == flag || argument.startsWith(flag + QLatin1Char('='));
            });
    };
    auto fail = [&](QString message) {
        for (auto it = environmentOf.cbegin(); it != environmentOf.cend(); ++it) {
            const QString flag = QStringLiteral("--") + it.key();
            // The whole flag: --admin-token is not named by "--admin-token-file".
            const QRegularExpression named(QStringLiteral("(?<![\\w-])") + QRegularExpression::escape(flag)
                + QStringLiteral("(?![\\w-])"));
            if (message.contains(named) && !onCommandLine(flag))
                message += QStringLiteral(" (set by %1)").arg(it.value());
        }
        result.action = Action::Error;
        result.message = message;
        return result;
    };

    if (!parser.parse(arguments))
        return fail(parser.errorText());
    if (parser.isSet(flags.checkConfig)) {
        QString error;
        const std::optional<ConfigFile> file = ConfigFile::load(parser.value(flags.checkConfig), &error);
        result.action = file ? Action::CheckConfig : Action::Error;
        result.message = file ? file->describe() : error;
        return result;
    }
    if (parser.isSet(flags.help)) {
        result.action = Action::Help;
        // Qt names the program after argv[0], or "<executable_name>" before a QCoreApplication exists.
        QString text = parser.helpText();
        static const QRegularExpression usage(QStringLiteral("^Usage: \\S+"));
        text.replace(usage, QStringLiteral("Usage: ackhook"));
        result.message = text + EnvironmentHelp;
        return result;
    }
    if (parser.isSet(flags.version)) {
        result.action = Action::Version;
        result.message = QStringLiteral("ackhook " ACKHOOK_VERSION);
        return result;
    }

    // The environment's flags go before the command line's, so that a flag given in both places wins.
    QStringList fromEnvironment;
    for (const QCommandLineOption &option : options) {
        const QString name = option.names().constLast();
        if (name == QLatin1String("help") || name == QLatin1String("version") || name == QLatin1String("check-config"))
            continue;
        QString variable = environmentName(name);
        QString value = qEnvironmentVariable(qPrintable(variable));
        if (value.isEmpty() && name == QLatin1String("nats-url")) {
            variable = QStringLiteral("NATS_URL"); // the NATS tools' own variable
            value = qEnvironmentVariable("NATS_URL");
        }
        if (value.isEmpty())
            continue;
        environmentOf.insert(name, variable);
        if (option.valueName().isEmpty()) {
            const std::optional<bool> on = parseSwitch(value);
            if (!on)
                return fail(
                    QStringLiteral("%1 expects 1 or 0 (true/false, yes/no, on/off), got '%2'").arg(variable, value));
            if (*on)
                fromEnvironment.append(QStringLiteral("--") + name);
        } else {
            fromEnvironment += { QStringLiteral("--") + name, value };
        }
    }
    const QStringList program = arguments.mid(0, 1);
    const QStringList commandLine = arguments.mid(1);
    if (!fromEnvironment.isEmpty() && !parser.parse(program + fromEnvironment + commandLine))
        return fail(parser.errorText());

    std::optional<ConfigFile> tomlFile;
    if (parser.isSet(flags.configFile)
        && !parser.value(flags.configFile).endsWith(QLatin1String(".json"), Qt::CaseInsensitive)) {
        QString error;
        tomlFile = ConfigFile::load(parser.value(flags.configFile), &error);
        if (!tomlFile)
            return fail(error);
    } else if (parser.isSet(flags.configFile)) {
        // The file's flags go first, so that the same flag on the command line wins (last value).
        QFile file(parser.value(flags.configFile));
        if (!file.open(QIODevice::ReadOnly))
            return fail(QStringLiteral("--config: cannot read %1: %2").arg(file.fileName(), file.errorString()));
        QString error;
        const std::optional<QStringList> fromFile = configArguments(file.read(1024 * 1024), &error);
        if (!fromFile)
            return fail(QStringLiteral("--config %1: %2").arg(file.fileName(), error));
        if (!parser.parse(program + *fromFile + fromEnvironment + commandLine))
            return fail(parser.errorText());
    }
    if (!parser.positionalArguments().isEmpty())
        return fail(QStringLiteral("unexpected argument: %1").arg(parser.positionalArguments().first()));

    result.runtime.dataDir = defaultDataDir();
    if (tomlFile) {
        applyConfigFile(*tomlFile, result);
        result.warnings += tomlFile->warnings;
    }
    if (parser.isSet(flags.headless))
        result.headless = true;
    GatewayConfig &config = result.runtime.gateway;
    if (parser.isSet(flags.logFormat)) {
        const std::optional<LogSink::Format> format = LogSink::formatFromName(parser.value(flags.logFormat));
        if (!format)
            return fail(
                QStringLiteral("--log-format expects text or json, got '%1'").arg(parser.value(flags.logFormat)));
        result.logFormat = *format;
    }
    if (parser.isSet(flags.listen)
        && !parseHostPort(parser.value(flags.listen), &config.listenAddress, &config.listenPort))
        return fail(QStringLiteral("--listen expects HOST:PORT, [IPV6]:PORT or :PORT, got '%1'")
                        .arg(parser.value(flags.listen)));
    // HTTPS on the webhook listener: both files or neither, checked now (a start that would fail to
    // serve is refused before anything else starts); the admin listener stays plain HTTP.
    if (parser.isSet(flags.tlsCertFile))
        config.tlsCertFile = parser.value(flags.tlsCertFile);
    if (parser.isSet(flags.tlsKeyFile))
        config.tlsKeyFile = parser.value(flags.tlsKeyFile);
    if (config.tlsCertFile.isEmpty() != config.tlsKeyFile.isEmpty())
        return fail(config.tlsCertFile.isEmpty()
                ? QStringLiteral("--tls-key-file needs --tls-cert-file (both, or neither for plain HTTP)")
                : QStringLiteral("--tls-cert-file needs --tls-key-file (both, or neither for plain HTTP)"));
    if (config.tls()) {
        if (const QString problem = TlsIdentity::check(config.tlsCertFile, config.tlsKeyFile); !problem.isEmpty())
            return fail(QStringLiteral("--%1: %2")
                            .arg(problem.contains(QLatin1String("TLS key file")) ? QStringLiteral("tls-key-file")
                                                                                 : QStringLiteral("tls-cert-file"),
                                problem));
        if (const QString warning = TlsIdentity::keyPermissionWarning(config.tlsKeyFile); !warning.isEmpty())
            result.warnings.append(warning);
    }
    if (parser.isSet(flags.natsUrl)) {
        config.natsUrls.clear(); // the flag replaces the file's URLs
        for (const QString &url : parser.value(flags.natsUrl).split(QLatin1Char(','), Qt::SkipEmptyParts))
            config.natsUrls.append(url.trimmed());
        if (config.natsUrls.isEmpty())
            return fail(QStringLiteral("--nats-url is empty"));
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
        return fail(problem);
    if (const QString problem = natsSecret(flags.natsTokenFile, "NATS_TOKEN", access.token); !problem.isEmpty())
        return fail(problem);
    if (parser.isSet(flags.stream)) {
        config.stream = parser.value(flags.stream);
        if (!SubjectRules::isStreamName(config.stream))
            return fail(QStringLiteral("--stream must be ") + QLatin1String(SubjectRules::StreamNameRule));
    }
    if (parser.isSet(flags.dataDir))
        result.runtime.dataDir = parser.value(flags.dataDir);
    if (parser.isSet(flags.adminListen)
        && !parseHostPort(parser.value(flags.adminListen), &result.runtime.adminAddress, &result.runtime.adminPort))
        return fail(QStringLiteral("--admin-listen expects HOST:PORT, [IPV6]:PORT or :PORT, got '%1'")
                        .arg(parser.value(flags.adminListen)));
    if (parser.isSet(flags.adminAllowedHost)) {
        result.runtime.adminAllowedHosts.clear();
        for (const QString &value : parser.values(flags.adminAllowedHost)) {
            for (const QString &name : value.split(QLatin1Char(','), Qt::SkipEmptyParts)) {
                const QString host = name.trimmed();
                if (host.isEmpty() || host.contains(QLatin1Char('/')) || host.contains(QLatin1Char(' '))
                    || host.contains(QLatin1Char('@')))
                    return fail(QStringLiteral("--admin-allowed-host expects NAME or NAME:PORT, got '%1'").arg(name));
                result.runtime.adminAllowedHosts.append(host);
            }
        }
    }
    if (parser.isSet(flags.adminToken) && parser.isSet(flags.adminTokenFile))
        return fail(QStringLiteral("--admin-token and --admin-token-file both give the admin token: keep one"));
    if (parser.isSet(flags.adminToken)) {
        // An empty value is a mistake (an unset variable expanded), never "no authentication".
        if (parser.value(flags.adminToken).trimmed().isEmpty())
            return fail(QStringLiteral("--admin-token is empty (an unset variable?): give a token, or leave the "
                                       "flag out for none"));
        result.runtime.adminToken = parser.value(flags.adminToken);
    }
    if (parser.isSet(flags.adminTokenFile)) {
        const SecretFile file = SecretFile::read(parser.value(flags.adminTokenFile));
        if (file.problem() == SecretFile::Problem::Empty)
            return fail(QStringLiteral("--admin-token-file: %1 holds no token").arg(file.path()));
        if (!file.ok())
            return fail(QStringLiteral("--admin-token-file: ") + file.error());
        if (!file.warning().isEmpty())
            result.warnings.append(QStringLiteral("--admin-token-file: ") + file.warning());
        result.runtime.adminToken = QString::fromUtf8(file.secret());
    }
    if (!result.runtime.adminAddress.isLoopback() && result.runtime.adminToken.isEmpty())
        return fail(QStringLiteral("--admin-listen on a non-loopback address requires an admin token "
                                   "(--admin-token-file or ACKHOOK_ADMIN_TOKEN)"));
    if (parser.isSet(flags.faultProxy) && parser.isSet(flags.noFaultProxy))
        return fail(QStringLiteral("--fault-proxy and --no-fault-proxy contradict each other"));
    // The fault proxy is a tool for trying failures out: in the path by default with the embedded
    // server and in the window, but a headless gateway in front of a real NATS only gets it when asked.
    std::optional<bool> proxyWanted = tomlFile ? tomlFile->server.faultProxy : std::nullopt;
    if (parser.isSet(flags.faultProxy))
        proxyWanted = true;
    if (parser.isSet(flags.noFaultProxy))
        proxyWanted = false;
    if (parser.isSet(flags.outage)) {
        const auto mode = OutageSettings::modeFromName(parser.value(flags.outage));
        if (!mode)
            return fail(QStringLiteral("--outage expects one of: %1")
                            .arg(OutageSettings::modeNames().join(QStringLiteral(", "))));
        result.runtime.outage.mode = *mode;
    }
    if (parser.isSet(flags.lossDetector))
        result.runtime.lossDetector = true;
    if (parser.isSet(flags.labLossyStore))
        result.runtime.labLossyStore = true;
    if (parser.isSet(flags.scenario)) {
        if (config.tls()) // its traffic is plain HTTP on a raw socket
            return fail(
                QStringLiteral("--scenario sends plain HTTP to the webhook listener: leave out --tls-cert-file"));
        if (!ScenarioRunner::find(parser.value(flags.scenario)))
            return fail(QStringLiteral("--scenario: '%1' is not a scenario (%2)")
                            .arg(parser.value(flags.scenario), ScenarioRunner::names().join(QStringLiteral(", "))));
        result.scenario = parser.value(flags.scenario);
        if (parser.isSet(flags.scenarioSeconds)) {
            bool ok = false;
            result.scenarioSeconds = parser.value(flags.scenarioSeconds).toInt(&ok);
            if (!ok || result.scenarioSeconds < 1 || result.scenarioSeconds > 3600)
                return fail(QStringLiteral("--scenario-seconds expects seconds between 1 and 3600"));
        }
        if (parser.isSet(flags.scenarioSeed)) {
            bool ok = false;
            const quint32 seed = parser.value(flags.scenarioSeed).toUInt(&ok);
            if (!ok)
                return fail(QStringLiteral("--scenario-seed expects a number from 0 to 4294967295, not '%1'")
                                .arg(parser.value(flags.scenarioSeed)));
            result.scenarioSeed = seed;
        }
        result.scenarioChart = parser.value(flags.scenarioChart);
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
        if (result.scenario == QLatin1String(Runtime::PowerCutMode))
            result.runtime.labLossyStore = true; // the scenario is the lab's: its store goes on lossyfs
    }
    if (parser.isSet(flags.policy)) {
        const auto named = dispatchPolicyFromName(parser.value(flags.policy));
        if (!named)
            return fail(QStringLiteral("--policy: '%1' is not a dispatch policy (%2)")
                            .arg(parser.value(flags.policy), dispatchPolicyNames().join(QStringLiteral(", "))));
        result.runtime.gateway.defaultPolicy = *named;
    }
    // An outage asked for at start needs the proxy: it counts as asking for it.
    result.runtime.faultProxyEnabled = proxyWanted.value_or(
        !result.headless || config.natsUrls.isEmpty() || result.runtime.outage.mode != OutageSettings::Mode::Off);

    if (parser.isSet(flags.autoReplay))
        result.runtime.autoReplay = true;

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
        return fail(QStringLiteral("%1 is empty (an unset variable?): give the secret, or leave it out for none")
                        .arg(emptySecret));
    if (parser.isSet(flags.signatureHeader)) {
        config.auth.signatureHeader = parser.value(flags.signatureHeader).toLatin1();
        if (config.auth.signatureHeader.isEmpty() || config.auth.signatureHeader.contains(':')
            || config.auth.signatureHeader.contains(' '))
            return fail(QStringLiteral("--signature-header expects a header name"));
    }
    const bool everyEndpointAuthenticated = std::all_of(config.endpoints.cbegin(), config.endpoints.cend(),
        [](const Endpoint &endpoint) { return endpoint.auth.kind != SignatureScheme::Kind::None; });
    if (!config.listenAddress.isLoopback() && !config.auth.isEnabled() && !everyEndpointAuthenticated)
        result.warnings.append(QStringLiteral(
            "the webhook listener is reachable from other machines without --auth-token or --hmac-secret"));

    // Numeric flags: counts, durations (with a unit, or plain milliseconds) and sizes (with a unit, or
    // plain bytes), each within the bounds SettingSchema gives the config file's keys too, parsed by
    // the same code as the config file's.
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
            return fail(problem);
        numeric.apply(*value);
    }
    return result;
}

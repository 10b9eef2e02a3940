// Parsing and validation of the command line; no side effects, so it is tested as a table.
#include "commandline.h"
#include "commandlineoptions.h"
#include "flaggroups.h"
#include "config/configfile.h"

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

namespace {

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
    if (const QString problem = FlagGroups::readListener(parser, flags, result); !problem.isEmpty())
        return fail(problem);
    if (const QString problem = FlagGroups::readNats(parser, flags, result); !problem.isEmpty())
        return fail(problem);
    if (parser.isSet(flags.dataDir))
        result.runtime.dataDir = parser.value(flags.dataDir);
    if (const QString problem = FlagGroups::readAdmin(parser, flags, result); !problem.isEmpty())
        return fail(problem);
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
    if (const QString problem = FlagGroups::readScenario(parser, flags, result); !problem.isEmpty())
        return fail(problem);
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

    if (const QString problem = FlagGroups::readWebhookAuth(parser, flags, result); !problem.isEmpty())
        return fail(problem);
    if (const QString problem = FlagGroups::readNumeric(parser, flags, result); !problem.isEmpty())
        return fail(problem);
    return result;
}

// ConfigFile: TOML (toml++) → values: the file's tables read through their key tables
// (config/configkeys.h) with the reading kit (config/tomlreader.h), then checked across keys.
#include "config/configfile.h"
#include "config/configkeys.h"
#include "config/subjectrules.h"
#include "config/tomlreader.h"
#include "http/tlsidentity.h"
#include "webhook/schemedescription.h"
#include "webhook/sourcepreset.h"

#include <QFile>
#include <QFileInfo>
#include <QHash>
#include <QRegularExpression>

using namespace ConfigKeys;
using namespace Toml;

namespace {

constexpr qint64 MaxFileBytes = 1024 * 1024;

// An endpoint's secret: from secret_file or secret_env; an empty one for a source that takes none.
std::optional<QByteArray> endpointSecret(
    TomlReader &reader, const EndpointDraft &draft, const QString &prefix, bool required)
{
    if (draft.secretFile && draft.secretEnv) {
        reader.problem(draft.lines.value(QStringLiteral("secret_env")), prefix + QStringLiteral("secret_env"),
            QStringLiteral("give secret_file or secret_env, not both"));
        return std::nullopt;
    }
    if (!required) {
        if (draft.secretFile || draft.secretEnv)
            reader.problem(
                draft.lines.value(draft.secretFile ? QStringLiteral("secret_file") : QStringLiteral("secret_env")),
                prefix + (draft.secretFile ? QStringLiteral("secret_file") : QStringLiteral("secret_env")),
                QStringLiteral("source \"none\" takes no secret"));
        return QByteArray();
    }
    if (draft.secretFile || draft.secretEnv)
        return reader.secretFrom(draft.secretFile, draft.secretEnv, draft.lines, prefix, QStringLiteral("secret_file"),
            QStringLiteral("secret_env"));
    return std::nullopt; // the caller reports the missing secret with the source's line
}

// A scheme draft → a preset; each problem reported at its key's line. nullopt after a problem.
std::optional<SourcePreset> buildScheme(TomlReader &reader, const SchemeDraft &draft, const QString &prefix)
{
    SourcePreset preset = SchemeDescription::blank(draft.name.toLatin1());
    bool ok = true;
    for (const SchemeDraft::Item &item : draft.items) {
        const QString field = prefix + QString::fromLatin1(item.key);
        const QString problem
            = !item.error.isEmpty() ? item.error : SchemeDescription::apply(preset, item.key, item.value);
        if (!problem.isEmpty()) {
            reader.problem(item.line, field, problem);
            ok = false;
        }
    }
    if (!ok)
        return std::nullopt;
    if (const QString problem = SchemeDescription::finish(preset); !problem.isEmpty()) {
        reader.problem(draft.line, prefix.chopped(1), problem);
        return std::nullopt;
    }
    return preset;
}

std::optional<Endpoint> buildEndpoint(TomlReader &reader, const EndpointDraft &draft, const QString &prefix, int line,
    const QList<SourcePreset> &userSchemes)
{
    // A key that is present but was refused has its own message already.
    bool ok = true;
    if (!draft.path && !draft.lines.contains(QStringLiteral("path"))) {
        reader.problem(line, prefix + QStringLiteral("path"), QStringLiteral("missing (e.g. path = \"/github\")"));
        ok = false;
    }
    if (!draft.subject && !draft.lines.contains(QStringLiteral("subject"))) {
        reader.problem(
            line, prefix + QStringLiteral("subject"), QStringLiteral("missing (e.g. subject = \"github.{event}\")"));
        ok = false;
    }
    QString sourceName = draft.source.value_or(QStringLiteral("none"));
    std::optional<SourcePreset> preset;
    if (draft.scheme) {
        if (draft.source) {
            reader.problem(draft.lines.value(QStringLiteral("source")), prefix + QStringLiteral("source"),
                QStringLiteral("give source or an inline scheme, not both"));
            return std::nullopt;
        }
        SchemeDraft inlineScheme = *draft.scheme;
        inlineScheme.name = QStringLiteral("scheme");
        inlineScheme.line = draft.lines.value(QStringLiteral("scheme"), line);
        preset = buildScheme(reader, inlineScheme, prefix + QStringLiteral("scheme."));
        if (!preset)
            return std::nullopt;
        sourceName = QStringLiteral("scheme");
    } else {
        for (const SourcePreset &user : userSchemes) {
            if (user.name == sourceName.toLatin1())
                preset = user;
        }
        if (!preset)
            preset = SourcePreset::find(sourceName.toLatin1());
        if (!preset) {
            QStringList known = SourcePreset::names();
            for (const SourcePreset &user : userSchemes)
                known.append(QString::fromLatin1(user.name));
            reader.problem(draft.lines.value(QStringLiteral("source"), line), prefix + QStringLiteral("source"),
                QStringLiteral("unknown source '%1' (one of: %2)").arg(sourceName, known.join(QStringLiteral(", "))));
            return std::nullopt;
        }
    }
    if (!ok || !draft.path || !draft.subject)
        return std::nullopt;
    Endpoint endpoint = Endpoint::fromPreset(*preset, draft.path->toUtf8(), draft.subject->toUtf8());
    if (draft.name)
        endpoint.name = draft.name->toUtf8();
    if (draft.methods) {
        endpoint.methods.clear();
        for (const QString &method : *draft.methods)
            endpoint.methods.append(method.toLatin1());
    }
    if (draft.maxBody)
        endpoint.maxBodyBytes = *draft.maxBody;
    if (draft.publicUrl)
        endpoint.publicUrl = draft.publicUrl->toUtf8();
    if (draft.snsTopics) {
        if (!endpoint.snsSigned()) {
            reader.problem(draft.lines.value(QStringLiteral("sns_topics")), prefix + QStringLiteral("sns_topics"),
                QStringLiteral("only for source = \"aws-sns\""));
            ok = false;
        }
        for (const QString &topic : *draft.snsTopics)
            endpoint.snsTopics.append(topic.toLatin1());
    }
    if (draft.dispatch)
        endpoint.dispatch = dispatchPolicyFromName(*draft.dispatch);
    if (draft.keyHeaders)
        endpoint.keyHeaders = *draft.keyHeaders;
    if (draft.keepHeaders)
        endpoint.keptHeaders = *draft.keepHeaders;
    if (draft.eventHeader)
        endpoint.eventHeader = draft.eventHeader->toLatin1();
    // Signature details belong to the generic HMAC scheme; the presets fix theirs.
    const bool generic = sourceName == QLatin1String("hmac");
    const auto onlyGeneric = [&](bool present, const char *key) {
        if (present && !generic) {
            reader.problem(draft.lines.value(QLatin1String(key)), prefix + QLatin1String(key),
                QStringLiteral("only for source = \"hmac\" (source \"%1\" fixes its signature)").arg(sourceName));
            ok = false;
        }
    };
    onlyGeneric(draft.signatureHeader.has_value(), "signature_header");
    onlyGeneric(draft.signaturePrefix.has_value(), "signature_prefix");
    onlyGeneric(draft.signatureEncoding.has_value(), "signature_encoding");
    if (generic) {
        if (draft.signatureHeader)
            endpoint.auth.header = *draft.signatureHeader;
        if (draft.signatureEncoding == QLatin1String("base64")) {
            endpoint.auth.encoding = SignatureScheme::Encoding::Base64;
            endpoint.auth.prefix.clear();
        }
        if (draft.signaturePrefix)
            endpoint.auth.prefix = draft.signaturePrefix->toLatin1();
    }
    if (draft.tolerance) {
        if (!endpoint.auth.hasTimestamp()) {
            reader.problem(draft.lines.value(QStringLiteral("tolerance")), prefix + QStringLiteral("tolerance"),
                QStringLiteral("only for sources with a signed timestamp (slack, stripe, …)"));
            ok = false;
        } else {
            endpoint.auth.tolerance = std::chrono::duration_cast<std::chrono::seconds>(*draft.tolerance);
        }
    }
    const std::optional<QByteArray> secret = endpointSecret(reader, draft, prefix, endpoint.auth.requiresSecret());
    if (!secret) {
        if (!draft.secretFile && !draft.secretEnv)
            reader.problem(draft.lines.value(QStringLiteral("source"), line), prefix + QStringLiteral("source"),
                QStringLiteral("source \"%1\" needs secret_file or secret_env").arg(sourceName));
        return std::nullopt;
    }
    endpoint.auth.secret = *secret;
    if (const QString problem = endpoint.auth.checkSecret(); !problem.isEmpty()) {
        const QString key = draft.secretFile ? QStringLiteral("secret_file") : QStringLiteral("secret_env");
        reader.problem(draft.lines.value(key, line), prefix + key, problem);
        return std::nullopt;
    }
    if (!ok)
        return std::nullopt;
    return endpoint;
}

} // namespace

QString ConfigFile::checkSubjectTemplate(QByteArrayView subject)
{
    return SubjectRules::checkSubjectTemplate(subject);
}

bool ConfigFile::covers(QByteArrayView streamSubject, QByteArrayView subjectTemplate)
{
    return StreamSettings::covers(streamSubject, subjectTemplate);
}

QStringList ConfigFile::streamSubjects() const
{
    if (!stream.subjects.isEmpty())
        return stream.subjects;
    if (endpoints.isEmpty())
        return { QStringLiteral("ackhook.>") };
    return SubjectRules::derivedSubjects(endpoints);
}

StreamSettings ConfigFile::streamSettings() const
{
    StreamSettings settings;
    settings.name = stream.name.value_or(settings.name);
    settings.subjects = streamSubjects();
    settings.storage = stream.storage.value_or(settings.storage);
    settings.maxAge = stream.maxAge.value_or(settings.maxAge);
    settings.maxBytes = stream.maxBytes.value_or(settings.maxBytes);
    settings.maxMsgs = stream.maxMsgs.value_or(settings.maxMsgs);
    settings.duplicateWindow = stream.duplicateWindow.value_or(settings.duplicateWindow);
    settings.replicas = stream.replicas.value_or(settings.replicas);
    settings.placementCluster = stream.placementCluster.value_or(settings.placementCluster);
    settings.placementTags = stream.placementTags.value_or(settings.placementTags);
    return settings;
}

ConfigFile::Environment ConfigFile::processEnvironment()
{
    return [](const QString &name) -> std::optional<QByteArray> {
        const QByteArray variable = name.toLocal8Bit();
        if (!qEnvironmentVariableIsSet(variable.constData()))
            return std::nullopt;
        return qgetenv(variable.constData());
    };
}

std::optional<ConfigFile> ConfigFile::load(const QString &path, QString *error)
{
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly)) {
        *error = QStringLiteral("%1: cannot read: %2").arg(path, file.errorString());
        return std::nullopt;
    }
    const QByteArray text = file.read(MaxFileBytes + 1);
    if (text.size() > MaxFileBytes) {
        *error = QStringLiteral("%1: larger than %2 bytes").arg(path).arg(MaxFileBytes);
        return std::nullopt;
    }
    return parse(text, path, error);
}

std::optional<ConfigFile> ConfigFile::parse(
    QByteArrayView text, const QString &path, QString *error, const Environment &environment)
{
    toml::table root;
    try {
        root = toml::parse(std::string_view(text.data(), static_cast<size_t>(text.size())), path.toStdString());
    } catch (const toml::parse_error &failure) {
        *error = TomlReader::printable(QStringLiteral("%1:%2: not valid TOML: %3")
                                           .arg(path)
                                           .arg(failure.source().begin.line)
                                           .arg(fromStd(failure.description())));
        return std::nullopt;
    }

    ConfigFile config;
    config.path = path;
    TomlReader reader(path, QFileInfo(path).absolutePath(), environment);
    QHash<QString, int> serverLines;
    QList<QPair<EndpointDraft, int>> drafts;
    QList<SchemeDraft> schemeDrafts;
    for (auto &&[key, node] : root) {
        const QString name = fromStd(key.str());
        const toml::node &value = node; // lambdas cannot capture structured bindings before clang 16
        const auto table = [&](const char *kind) -> const toml::table * {
            if (const toml::table *t = value.as_table())
                return t;
            reader.problem(value.source(), name, expected(value, QLatin1String(kind)));
            return nullptr;
        };
        if (name == QLatin1String("server")) {
            if (const toml::table *t = table("a table ([server])"))
                reader.readSection(*t, QStringLiteral("server."), serverKeys(), config.server, &serverLines);
        } else if (name == QLatin1String("nats")) {
            if (const toml::table *t = table("a table ([nats])")) {
                QHash<QString, int> lines;
                reader.readSection(*t, QStringLiteral("nats."), natsKeys(), config.nats, &lines);
                Nats &nats = config.nats;
                const QString prefix = QStringLiteral("nats.");
                nats.password = reader.secretFrom(nats.passwordFile, nats.passwordEnv, lines, prefix,
                    QStringLiteral("password_file"), QStringLiteral("password_env"));
                nats.token = reader.secretFrom(nats.tokenFile, nats.tokenEnv, lines, prefix,
                    QStringLiteral("token_file"), QStringLiteral("token_env"));
            }
        } else if (name == QLatin1String("stream")) {
            if (const toml::table *t = table("a table ([stream])")) {
                config.stream.line = static_cast<int>(t->source().begin.line);
                reader.readSection(*t, QStringLiteral("stream."), streamKeys(), config.stream);
            }
        } else if (name == QLatin1String("endpoint")) {
            const toml::array *array = node.as_array();
            if (!array) {
                reader.problem(node.source(), name, expected(node, QStringLiteral("tables ([[endpoint]])")));
                continue;
            }
            for (const toml::node &item : *array) {
                const QString prefix = QStringLiteral("endpoint[%1].").arg(drafts.size() + 1);
                const toml::table *t = item.as_table();
                if (!t) {
                    reader.problem(item.source(), prefix.chopped(1), expected(item, QStringLiteral("a table")));
                    continue;
                }
                EndpointDraft draft;
                reader.readSection(*t, prefix, endpointKeys(), draft, &draft.lines);
                drafts.append({ draft, static_cast<int>(t->source().begin.line) });
            }
        } else if (name == QLatin1String("scheme")) {
            const toml::array *array = node.as_array();
            if (!array) {
                reader.problem(node.source(), name, expected(node, QStringLiteral("tables ([[scheme]])")));
                continue;
            }
            for (const toml::node &item : *array) {
                const QString prefix = QStringLiteral("scheme[%1].").arg(schemeDrafts.size() + 1);
                const toml::table *t = item.as_table();
                if (!t) {
                    reader.problem(item.source(), prefix.chopped(1), expected(item, QStringLiteral("a table")));
                    continue;
                }
                schemeDrafts.append(schemeDraft(*t));
            }
        } else {
            reader.problem(key.source(), name,
                QStringLiteral("unknown table or key (known: server, nats, stream, endpoint, scheme)"));
        }
    }

    QList<SourcePreset> userSchemes;
    QStringList brokenSchemes; // reported already: their endpoints are not "unknown source" too
    for (qsizetype i = 0; i < schemeDrafts.size(); ++i) {
        const SchemeDraft &draft = schemeDrafts.at(i);
        const QString prefix = QStringLiteral("scheme[%1].").arg(i + 1);
        static const QRegularExpression allowed(QStringLiteral("^[a-z0-9][a-z0-9_-]{0,63}$"));
        if (!allowed.match(draft.name).hasMatch()) {
            reader.problem(draft.line, prefix + QStringLiteral("name"),
                draft.name.isEmpty() ? QStringLiteral("missing (e.g. name = \"acme\"; endpoints use it as source)")
                                     : QStringLiteral("'%1' must be 1 to 64 of a-z 0-9 _ -").arg(draft.name));
            continue;
        }
        bool taken = SourcePreset::find(draft.name.toLatin1()).has_value();
        for (const SourcePreset &user : std::as_const(userSchemes))
            taken |= user.name == draft.name.toLatin1();
        if (taken) {
            reader.problem(draft.line, prefix + QStringLiteral("name"),
                QStringLiteral("'%1' is already a source's name").arg(draft.name));
            continue;
        }
        if (std::optional<SourcePreset> preset = buildScheme(reader, draft, prefix))
            userSchemes.append(*preset);
        else
            brokenSchemes.append(draft.name);
    }

    QHash<QByteArray, int> paths;
    QHash<QByteArray, int> names;
    for (qsizetype i = 0; i < drafts.size(); ++i) {
        const auto &[draft, line] = drafts.at(i);
        const QString prefix = QStringLiteral("endpoint[%1].").arg(i + 1);
        if (draft.source && brokenSchemes.contains(*draft.source))
            continue;
        const std::optional<Endpoint> endpoint = buildEndpoint(reader, draft, prefix, line, userSchemes);
        if (!endpoint)
            continue;
        const int pathLine = draft.lines.value(QStringLiteral("path"), line);
        if (paths.contains(endpoint->path)) {
            reader.problem(pathLine, prefix + QStringLiteral("path"),
                QStringLiteral("'%1' is already endpoint[%2]'s path")
                    .arg(QString::fromUtf8(endpoint->path))
                    .arg(paths.value(endpoint->path)));
            continue;
        }
        if (names.contains(endpoint->displayName())) {
            reader.problem(draft.lines.value(QStringLiteral("name"), pathLine), prefix + QStringLiteral("name"),
                QStringLiteral("'%1' is already endpoint[%2]'s name")
                    .arg(QString::fromUtf8(endpoint->displayName()))
                    .arg(names.value(endpoint->displayName())));
            continue;
        }
        paths.insert(endpoint->path, static_cast<int>(i + 1));
        names.insert(endpoint->displayName(), static_cast<int>(i + 1));
        config.endpoints.append(*endpoint);
    }

    // Every endpoint's subjects must land in the stream, or each publish fails with no_stream.
    if (!config.stream.subjects.isEmpty()) {
        for (qsizetype i = 0; i < config.endpoints.size(); ++i) {
            const Endpoint &endpoint = config.endpoints.at(i);
            bool covered = false;
            for (const QString &subject : std::as_const(config.stream.subjects))
                covered |= covers(subject.toUtf8(), endpoint.subject);
            if (!covered)
                reader.problem(drafts.at(i).first.lines.value(QStringLiteral("subject"), drafts.at(i).second),
                    QStringLiteral("endpoint[%1].subject").arg(i + 1),
                    QStringLiteral("'%1' is not covered by stream.subjects [%2] (an {event} part needs a '>')")
                        .arg(QString::fromUtf8(endpoint.subject), config.stream.subjects.join(QStringLiteral(", "))));
        }
    } else {
        for (qsizetype i = 0; i < config.endpoints.size(); ++i) {
            if (config.endpoints.at(i).subject.startsWith("{event}"))
                reader.problem(drafts.at(i).first.lines.value(QStringLiteral("subject"), drafts.at(i).second),
                    QStringLiteral("endpoint[%1].subject").arg(i + 1),
                    QStringLiteral("a subject starting with {event} needs explicit stream.subjects"));
        }
    }

    // JetStream refuses a duplicate window longer than the stream keeps messages: say so here.
    const StreamSettings stream = config.streamSettings();
    if (stream.maxAge.count() > 0 && stream.duplicateWindow > stream.maxAge)
        reader.problem(config.stream.line, QStringLiteral("stream.duplicate_window"),
            QStringLiteral("must not be longer than stream.max_age (JetStream refuses such a stream)"));

    for (std::optional<QString> *file : { &config.nats.credentialsFile, &config.nats.nkeyFile, &config.nats.tlsCaFile,
             &config.nats.tlsCertFile, &config.nats.tlsKeyFile }) {
        if (*file)
            *file = reader.resolvePath(**file);
    }
    if (config.server.dataDir)
        config.server.dataDir = reader.resolvePath(*config.server.dataDir);
    Server &server = config.server;
    for (std::optional<QString> *file : { &server.tlsCertFile, &server.tlsKeyFile }) {
        if (*file)
            *file = reader.resolvePath(**file);
    }
    if (server.tlsCertFile.has_value() != server.tlsKeyFile.has_value()) {
        const QString given = server.tlsCertFile ? QStringLiteral("tls_cert_file") : QStringLiteral("tls_key_file");
        reader.problem(serverLines.value(given), QStringLiteral("server.") + given,
            QStringLiteral("tls_cert_file and tls_key_file go together: give both, or neither for plain HTTP"));
    } else if (server.tlsCertFile) {
        const QString problem = TlsIdentity::check(*server.tlsCertFile, *server.tlsKeyFile);
        if (!problem.isEmpty()) {
            const QString key = problem.contains(QLatin1String("TLS key file")) ? QStringLiteral("tls_key_file")
                                                                                : QStringLiteral("tls_cert_file");
            reader.problem(serverLines.value(key), QStringLiteral("server.") + key, problem);
        }
    }

    if (!reader.ok()) {
        *error = reader.errors();
        return std::nullopt;
    }
    config.warnings = reader.warnings();
    return config;
}

QString ConfigFile::describe() const
{
    QStringList lines;
    const StreamSettings settings = streamSettings();
    lines.append(QStringLiteral("%1: OK, %2 endpoint(s), stream %3 (%4%5)")
                     .arg(path)
                     .arg(endpoints.isEmpty() ? 1 : endpoints.size())
                     .arg(settings.name, settings.describe(),
                         stream.create.value_or(true) ? QString() : QStringLiteral("; never created by ackhook")));
    for (const Endpoint &endpoint : endpoints) {
        lines.append(QStringLiteral("  %1 %2 → %3 (source %4, auth %5)")
                         .arg(QString::fromLatin1(endpoint.methods.join(',')), QString::fromUtf8(endpoint.path),
                             QString::fromUtf8(endpoint.subject), QString::fromLatin1(endpoint.source),
                             endpoint.auth.authName()));
    }
    if (endpoints.isEmpty())
        lines.append(QStringLiteral("  POST /webhook → ackhook.webhook (the default endpoint)"));
    if (server.tlsCertFile)
        lines.append(QStringLiteral("  HTTPS on the webhook listener: certificate %1, key %2")
                         .arg(*server.tlsCertFile, server.tlsKeyFile.value_or(QString())));
    for (const QString &warning : warnings)
        lines.append(QStringLiteral("  warning: ") + warning);
    return lines.join(QLatin1Char('\n'));
}

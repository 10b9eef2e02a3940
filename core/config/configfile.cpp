// ConfigFile: TOML (toml++) → values, with a key table per section and "FILE:LINE: field: problem" errors.
#include "config/configfile.h"
#include "config/quantity.h"
#include "config/secretfile.h"
#include "http/tlsidentity.h"
#include "webhook/schemedescription.h"
#include "webhook/sourcepreset.h"

#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QHash>
#include <QRegularExpression>
#include <QSet>

#include <toml++/toml.h>

#include <algorithm>
#include <limits>

namespace {

constexpr qsizetype MaxProblems = 20;
constexpr qint64 MaxFileBytes = 1024 * 1024;

template <typename T>
struct Read {
    std::optional<T> value;
    QString error;
    static Read fail(QString message) { return { std::nullopt, std::move(message) }; }
};

QString typeName(const toml::node &node)
{
    switch (node.type()) {
    case toml::node_type::string:
        return QStringLiteral("a string");
    case toml::node_type::integer:
        return QStringLiteral("an integer");
    case toml::node_type::floating_point:
        return QStringLiteral("a floating-point number");
    case toml::node_type::boolean:
        return QStringLiteral("a boolean");
    case toml::node_type::table:
        return QStringLiteral("a table");
    case toml::node_type::array:
        return QStringLiteral("an array");
    case toml::node_type::date:
    case toml::node_type::time:
    case toml::node_type::date_time:
        return QStringLiteral("a date/time");
    case toml::node_type::none:
        break;
    }
    return QStringLiteral("nothing");
}

QString expected(const toml::node &node, const QString &what)
{
    return QStringLiteral("expected %1, got %2").arg(what, typeName(node));
}

QString fromStd(std::string_view text)
{
    return QString::fromUtf8(text.data(), static_cast<qsizetype>(text.size()));
}

Read<QString> readString(const toml::node &node)
{
    if (const auto *value = node.as_string())
        return { fromStd(value->get()), {} };
    return Read<QString>::fail(expected(node, QStringLiteral("a string")));
}

Read<QString> readNonEmpty(const toml::node &node)
{
    Read<QString> text = readString(node);
    if (text.value && text.value->trimmed().isEmpty())
        return Read<QString>::fail(QStringLiteral("must not be empty"));
    return text;
}

Read<bool> readBool(const toml::node &node)
{
    if (const auto *value = node.as_boolean())
        return { value->get(), {} };
    return Read<bool>::fail(expected(node, QStringLiteral("true or false")));
}

Read<qint64> readInteger(const toml::node &node, qint64 min, qint64 max)
{
    const auto *value = node.as_integer();
    if (!value)
        return Read<qint64>::fail(expected(node, QStringLiteral("an integer")));
    const qint64 number = value->get();
    if (number < min || number > max)
        return Read<qint64>::fail(QStringLiteral("%1 is out of range (%2 to %3)").arg(number).arg(min).arg(max));
    return { number, {} };
}

// A number with a unit suffix ("500ms", "5s", "1MiB", parsed by config/quantity.h like the flags);
// an integer alone is in the base unit.
template <typename T>
Read<T> readWithUnit(const toml::node &node, const QString &what, qint64 max,
    std::optional<T> (*parse)(QStringView, qint64, QString *), T (*fromInteger)(qint64))
{
    if (node.is_integer()) {
        const Read<qint64> number = readInteger(node, 1, max);
        return number.value ? Read<T> { fromInteger(*number.value), {} } : Read<T>::fail(number.error);
    }
    if (!node.is_string())
        return Read<T>::fail(expected(node, what));
    QString error;
    std::optional<T> value = parse(fromStd(node.as_string()->get()), max, &error);
    return value ? Read<T> { std::move(value), {} } : Read<T>::fail(error);
}

Read<std::chrono::milliseconds> readDuration(const toml::node &node, qint64 maxMs)
{
    return readWithUnit<std::chrono::milliseconds>(node, QStringLiteral("a duration like \"5s\" or \"500ms\""), maxMs,
        Quantity::parseDuration, [](qint64 ms) { return std::chrono::milliseconds(ms); });
}

Read<qint64> readSize(const toml::node &node, qint64 max)
{
    return readWithUnit<qint64>(
        node, QStringLiteral("a size like \"1MiB\""), max, Quantity::parseSize, [](qint64 bytes) { return bytes; });
}

// A stream limit: -1 for unlimited (as JetStream writes it), else a size (withUnits) or a count.
Read<qint64> readLimit(const toml::node &node, bool withUnits)
{
    if (const auto *value = node.as_integer(); value && value->get() == -1)
        return { -1, {} };
    constexpr qint64 Max = std::numeric_limits<qint64>::max();
    return withUnits ? readSize(node, Max) : readInteger(node, 1, Max);
}

// An array of strings; allowSingle: a lone string counts as a list of one.
Read<QStringList> readStringList(const toml::node &node, bool allowSingle = false)
{
    if (allowSingle && node.is_string())
        return { QStringList { fromStd(node.as_string()->get()) }, {} };
    const auto *array = node.as_array();
    if (!array)
        return Read<QStringList>::fail(
            expected(node, allowSingle ? QStringLiteral("a string or an array of strings") : QStringLiteral("an array of strings")));
    QStringList list;
    for (const toml::node &item : *array) {
        if (!item.is_string())
            return Read<QStringList>::fail(QStringLiteral("item %1: %2")
                                              .arg(list.size() + 1)
                                              .arg(expected(item, QStringLiteral("a string"))));
        list.append(fromStd(item.as_string()->get()));
    }
    return { list, {} };
}

bool isHeaderName(const QString &name)
{
    static const QRegularExpression token(QStringLiteral("^[A-Za-z0-9!#$%&'*+.^_`|~-]+$"));
    return token.match(name).hasMatch();
}

Read<QList<QByteArray>> readHeaderNames(const toml::node &node)
{
    const Read<QStringList> list = readStringList(node);
    if (!list.value)
        return Read<QList<QByteArray>>::fail(list.error);
    QList<QByteArray> names;
    for (const QString &name : *list.value) {
        if (!isHeaderName(name))
            return Read<QList<QByteArray>>::fail(QStringLiteral("'%1' is not a header name").arg(name));
        names.append(name.toLatin1());
    }
    return { names, {} };
}

Read<QByteArray> readHeaderName(const toml::node &node)
{
    const Read<QString> text = readString(node);
    if (!text.value)
        return Read<QByteArray>::fail(text.error);
    if (!isHeaderName(*text.value))
        return Read<QByteArray>::fail(QStringLiteral("'%1' is not a header name").arg(*text.value));
    return { text.value->toLatin1(), {} };
}

template <typename T, typename U>
QString assign(std::optional<T> &target, Read<U> read)
{
    if (read.value)
        target = std::move(*read.value);
    return read.error;
}

template <typename T, typename U>
QString assignPlain(T &target, Read<U> read)
{
    if (read.value)
        target = std::move(*read.value);
    return read.error;
}

QString checkStreamName(const QString &name)
{
    if (name.isEmpty() || name.contains(QLatin1Char('.')) || name.contains(QLatin1Char(' '))
        || name.contains(QLatin1Char('*')) || name.contains(QLatin1Char('>')))
        return QStringLiteral("'%1' must be a name without '.', '*', '>' or spaces").arg(name);
    return {};
}

QString checkStreamSubject(const QString &subject)
{
    const QStringList tokens = subject.split(QLatin1Char('.'));
    for (qsizetype i = 0; i < tokens.size(); ++i) {
        const QString &token = tokens.at(i);
        if (token.isEmpty())
            return QStringLiteral("'%1' has an empty token").arg(subject);
        if (token.contains(QLatin1Char(' ')) || token.contains(QLatin1Char('\t')))
            return QStringLiteral("'%1' contains a space").arg(subject);
        if (token == QLatin1String(">") && i != tokens.size() - 1)
            return QStringLiteral("'%1': '>' must be the last token").arg(subject);
        if (token.size() > 1 && (token.contains(QLatin1Char('*')) || token.contains(QLatin1Char('>'))))
            return QStringLiteral("'%1': wildcards must be whole tokens").arg(subject);
    }
    return {};
}

// A scheme as written: [[scheme]] or an endpoint's inline `scheme = { … }`, each value as text with its line,
// read by SchemeDescription once every table is known.
struct SchemeDraft {
    struct Item {
        QByteArray key;
        QString value;
        int line = 0;
        QString error; // a value of the wrong TOML type
    };
    QString name;
    int line = 0;
    QList<Item> items;
};

// A TOML table → its items as text: strings as they are, integers in decimal (tolerance in
// seconds), arrays of strings comma-joined.
SchemeDraft schemeDraft(const toml::table &table)
{
    SchemeDraft draft;
    draft.line = static_cast<int>(table.source().begin.line);
    for (auto &&[key, node] : table) {
        SchemeDraft::Item item;
        item.key = QByteArray(key.str().data(), static_cast<qsizetype>(key.str().size()));
        item.line = static_cast<int>(node.source().begin.line);
        if (const auto *text = node.as_string()) {
            item.value = QString::fromUtf8(text->get().data(), static_cast<qsizetype>(text->get().size()));
        } else if (const auto *number = node.as_integer(); number && item.key == "tolerance") {
            item.value = QString::number(number->get()) + QLatin1Char('s');
        } else if (const auto *array = node.as_array()) {
            QStringList parts;
            for (const toml::node &element : *array) {
                if (const auto *text = element.as_string())
                    parts.append(QString::fromUtf8(text->get().data(), static_cast<qsizetype>(text->get().size())));
                else
                    item.error = QStringLiteral("expected an array of strings");
            }
            item.value = parts.join(QLatin1Char(','));
        } else {
            item.error = QStringLiteral("expected a string, got %1").arg(typeName(node));
        }
        if (item.key == "name")
            draft.name = item.value;
        else
            draft.items.append(item);
    }
    return draft;
}

// What a section's rows read into; Endpoint rows read into a draft first (the preset may come later).
struct EndpointDraft {
    std::optional<SchemeDraft> scheme; // inline
    std::optional<QString> publicUrl;
    QHash<QString, int> lines; // key → line, for errors about combinations
    std::optional<QString> name, path, source, secretFile, secretEnv, subject, eventHeader, signaturePrefix,
        signatureEncoding, dispatch;
    std::optional<QByteArray> signatureHeader;
    std::optional<QStringList> methods;
    std::optional<qint64> maxBody;
    std::optional<QList<QByteArray>> keyHeaders, keepHeaders;
    std::optional<std::chrono::milliseconds> tolerance;
};

template <typename Section>
struct KeyRow {
    const char *name;
    std::function<QString(const toml::node &node, Section &section)> read; // the error, empty when fine
};

const QList<KeyRow<ConfigFile::Server>> &serverKeys()
{
    using S = ConfigFile::Server;
    const auto hostPort = [](const toml::node &node) {
        const Read<QString> text = readString(node);
        if (!text.value)
            return Read<HostPort>::fail(text.error);
        const auto parsed = HostPort::parse(*text.value);
        if (!parsed)
            return Read<HostPort>::fail(QStringLiteral("expected \"HOST:PORT\", got '%1'").arg(*text.value));
        return Read<HostPort> { *parsed, {} };
    };
    static const QList<KeyRow<S>> rows {
        { "listen", [=](const toml::node &n, S &s) { return assign(s.listen, hostPort(n)); } },
        { "admin_listen", [=](const toml::node &n, S &s) { return assign(s.adminListen, hostPort(n)); } },
        { "admin_allowed_hosts",
            [](const toml::node &n, S &s) { return assign(s.adminAllowedHosts, readStringList(n, true)); } },
        { "data_dir", [](const toml::node &n, S &s) { return assign(s.dataDir, readNonEmpty(n)); } },
        { "ack_timeout", [](const toml::node &n, S &s) { return assign(s.ackTimeout, readDuration(n, 600000)); } },
        { "idle_timeout",
            [](const toml::node &n, S &s) { return assign(s.idleTimeout, readDuration(n, 24 * 3600000LL)); } },
        { "max_inflight", [](const toml::node &n, S &s) { return assign(s.maxInFlight, readInteger(n, 1, 1000000)); } },
        { "max_body", [](const toml::node &n, S &s) { return assign(s.maxBody, readSize(n, 64 * 1024 * 1024)); } },
        { "headless", [](const toml::node &n, S &s) { return assign(s.headless, readBool(n)); } },
        { "auto_replay", [](const toml::node &n, S &s) { return assign(s.autoReplay, readBool(n)); } },
        { "fault_proxy", [](const toml::node &n, S &s) { return assign(s.faultProxy, readBool(n)); } },
        { "log_format",
            [](const toml::node &n, S &s) {
                const Read<QString> format = readString(n);
                if (format.value && !ConfigFile::logFormats().contains(*format.value))
                    return QStringLiteral("'%1' is not a log format (%2)")
                        .arg(*format.value, ConfigFile::logFormats().join(QStringLiteral(" or ")));
                return assign(s.logFormat, format);
            } },
        { "tls_cert_file", [](const toml::node &n, S &s) { return assign(s.tlsCertFile, readNonEmpty(n)); } },
        { "tls_key_file", [](const toml::node &n, S &s) { return assign(s.tlsKeyFile, readNonEmpty(n)); } },
        { "failed_max_records",
            [](const toml::node &n, S &s) { return assign(s.failedMaxRecords, readInteger(n, 1, 100000000)); } },
        { "failed_max_bytes",
            [](const toml::node &n, S &s) {
                return assign(s.failedMaxBytes, readSize(n, std::numeric_limits<qint64>::max()));
            } },
    };
    return rows;
}

const QList<KeyRow<ConfigFile::Nats>> &natsKeys()
{
    using S = ConfigFile::Nats;
    static const QList<KeyRow<S>> rows {
        { "url",
            [](const toml::node &n, S &s) {
                Read<QStringList> urls = readStringList(n, true);
                if (urls.value) {
                    for (const QString &url : *urls.value) {
                        if (!url.contains(QLatin1String("://")) && !url.contains(QLatin1Char(':')))
                            return QStringLiteral("'%1' is not a NATS URL (nats://HOST:PORT)").arg(url);
                    }
                    if (urls.value->isEmpty())
                        return QStringLiteral("must name at least one URL");
                }
                return assignPlain(s.urls, std::move(urls));
            } },
        { "credentials_file", [](const toml::node &n, S &s) { return assign(s.credentialsFile, readNonEmpty(n)); } },
        { "nkey_file", [](const toml::node &n, S &s) { return assign(s.nkeyFile, readNonEmpty(n)); } },
        { "user", [](const toml::node &n, S &s) { return assign(s.user, readNonEmpty(n)); } },
        { "password_file", [](const toml::node &n, S &s) { return assign(s.passwordFile, readNonEmpty(n)); } },
        { "password_env", [](const toml::node &n, S &s) { return assign(s.passwordEnv, readNonEmpty(n)); } },
        { "token_file", [](const toml::node &n, S &s) { return assign(s.tokenFile, readNonEmpty(n)); } },
        { "token_env", [](const toml::node &n, S &s) { return assign(s.tokenEnv, readNonEmpty(n)); } },
        { "tls", [](const toml::node &n, S &s) { return assign(s.tls, readBool(n)); } },
        { "tls_ca_file", [](const toml::node &n, S &s) { return assign(s.tlsCaFile, readNonEmpty(n)); } },
        { "tls_cert_file", [](const toml::node &n, S &s) { return assign(s.tlsCertFile, readNonEmpty(n)); } },
        { "tls_key_file", [](const toml::node &n, S &s) { return assign(s.tlsKeyFile, readNonEmpty(n)); } },
        { "tls_hostname", [](const toml::node &n, S &s) { return assign(s.tlsHostname, readNonEmpty(n)); } },
    };
    return rows;
}

// A placement cluster or server tag: cnats puts it into the JSON request unescaped.
QString checkPlacementName(const QString &name)
{
    if (name.trimmed().isEmpty())
        return QStringLiteral("a placement name or tag must not be empty");
    for (const QChar c : name) {
        if (c == QLatin1Char('"') || c == QLatin1Char('\\') || c.unicode() < 0x20 || c.unicode() == 0x7f)
            return QStringLiteral("'%1' must not hold quotes, backslashes or control characters").arg(name);
    }
    return {};
}

const QList<KeyRow<ConfigFile::Stream>> &streamKeys()
{
    using S = ConfigFile::Stream;
    static const QList<KeyRow<S>> rows {
        { "name",
            [](const toml::node &n, S &s) {
                const Read<QString> name = readString(n);
                if (name.value) {
                    if (const QString problem = checkStreamName(*name.value); !problem.isEmpty())
                        return problem;
                }
                return assign(s.name, name);
            } },
        { "subjects",
            [](const toml::node &n, S &s) {
                const Read<QStringList> subjects = readStringList(n);
                if (subjects.value) {
                    if (subjects.value->isEmpty())
                        return QStringLiteral("must name at least one subject");
                    for (const QString &subject : *subjects.value) {
                        if (const QString problem = checkStreamSubject(subject); !problem.isEmpty())
                            return problem;
                    }
                }
                return assignPlain(s.subjects, subjects);
            } },
        { "storage",
            [](const toml::node &n, S &s) {
                const Read<QString> text = readString(n);
                if (!text.value)
                    return text.error;
                if (*text.value == QLatin1String("file"))
                    s.storage = StreamSettings::Storage::File;
                else if (*text.value == QLatin1String("memory"))
                    s.storage = StreamSettings::Storage::Memory;
                else
                    return QStringLiteral("'%1' is not a storage (file or memory)").arg(*text.value);
                return QString();
            } },
        { "max_age",
            [](const toml::node &n, S &s) {
                if (const auto *value = n.as_integer(); value && value->get() == 0)
                    return assignPlain(s.maxAge, Read<std::chrono::milliseconds> { std::chrono::milliseconds(0), {} });
                return assign(s.maxAge, readDuration(n, 100LL * 365 * 24 * 3600000));
            } },
        { "max_bytes", [](const toml::node &n, S &s) { return assign(s.maxBytes, readLimit(n, true)); } },
        { "max_msgs", [](const toml::node &n, S &s) { return assign(s.maxMsgs, readLimit(n, false)); } },
        { "duplicate_window",
            [](const toml::node &n, S &s) { return assign(s.duplicateWindow, readDuration(n, 7LL * 24 * 3600000)); } },
        { "replicas",
            [](const toml::node &n, S &s) {
                const Read<qint64> replicas = readInteger(n, 1, StreamSettings::MaxReplicas);
                if (replicas.value)
                    s.replicas = static_cast<int>(*replicas.value);
                return replicas.error;
            } },
        { "placement_cluster",
            [](const toml::node &n, S &s) {
                const Read<QString> cluster = readNonEmpty(n);
                if (cluster.value) {
                    if (const QString problem = checkPlacementName(*cluster.value); !problem.isEmpty())
                        return problem;
                }
                return assign(s.placementCluster, cluster);
            } },
        { "placement_tags",
            [](const toml::node &n, S &s) {
                const Read<QStringList> tags = readStringList(n);
                if (tags.value) {
                    for (const QString &tag : *tags.value) {
                        if (const QString problem = checkPlacementName(tag); !problem.isEmpty())
                            return problem;
                    }
                }
                return assign(s.placementTags, tags);
            } },
        { "create", [](const toml::node &n, S &s) { return assign(s.create, readBool(n)); } },
    };
    return rows;
}

const QList<KeyRow<EndpointDraft>> &endpointKeys()
{
    using S = EndpointDraft;
    static const QList<KeyRow<S>> rows {
        { "name",
            [](const toml::node &n, S &s) {
                const Read<QString> name = readNonEmpty(n);
                static const QRegularExpression allowed(QStringLiteral("^[A-Za-z0-9_-]{1,64}$"));
                if (name.value && !allowed.match(*name.value).hasMatch())
                    return QStringLiteral("'%1' must be 1 to 64 of A-Z a-z 0-9 _ -").arg(*name.value);
                return assign(s.name, name);
            } },
        { "path",
            [](const toml::node &n, S &s) {
                const Read<QString> path = readString(n);
                static const QRegularExpression allowed(QStringLiteral("^/[A-Za-z0-9._~!$&'()*+,;=:@%/-]*$"));
                if (path.value && !allowed.match(*path.value).hasMatch())
                    return QStringLiteral("'%1' must start with '/' and hold no query, spaces or '#'").arg(*path.value);
                if (path.value && (*path.value == QLatin1String("/health") || *path.value == QLatin1String("/ready")))
                    return QStringLiteral("'%1' is ackhook's own").arg(*path.value);
                return assign(s.path, path);
            } },
        { "methods",
            [](const toml::node &n, S &s) {
                const Read<QStringList> methods = readStringList(n);
                if (methods.value) {
                    if (methods.value->isEmpty())
                        return QStringLiteral("must name at least one method");
                    for (const QString &method : *methods.value) {
                        if (method != QLatin1String("POST") && method != QLatin1String("PUT")
                            && method != QLatin1String("PATCH"))
                            return QStringLiteral("'%1' is not one of POST, PUT, PATCH").arg(method);
                    }
                }
                return assign(s.methods, methods);
            } },
        { "source",
            [](const toml::node &n, S &s) {
                // Known sources include the file's [[scheme]] tables: checked when the endpoint is built.
                return assign(s.source, readString(n));
            } },
        { "scheme",
            [](const toml::node &n, S &s) {
                const toml::table *table = n.as_table();
                if (!table)
                    return expected(n, QStringLiteral("an inline table (scheme = { header = \"…\", … })"));
                s.scheme = schemeDraft(*table);
                return QString();
            } },
        { "public_url",
            [](const toml::node &n, S &s) {
                const Read<QString> url = readNonEmpty(n);
                if (url.value && !url.value->startsWith(QLatin1String("https://"))
                    && !url.value->startsWith(QLatin1String("http://")))
                    return QStringLiteral("'%1' must start with https:// or http://").arg(*url.value);
                return assign(s.publicUrl, url);
            } },
        { "secret_file", [](const toml::node &n, S &s) { return assign(s.secretFile, readNonEmpty(n)); } },
        { "secret_env", [](const toml::node &n, S &s) { return assign(s.secretEnv, readNonEmpty(n)); } },
        { "subject",
            [](const toml::node &n, S &s) {
                const Read<QString> subject = readString(n);
                if (subject.value) {
                    if (const QString problem = ConfigFile::checkSubjectTemplate(subject.value->toUtf8());
                        !problem.isEmpty())
                        return problem;
                }
                return assign(s.subject, subject);
            } },
        { "max_body", [](const toml::node &n, S &s) { return assign(s.maxBody, readSize(n, 64 * 1024 * 1024)); } },
        { "idempotency_headers", [](const toml::node &n, S &s) { return assign(s.keyHeaders, readHeaderNames(n)); } },
        { "keep_headers", [](const toml::node &n, S &s) { return assign(s.keepHeaders, readHeaderNames(n)); } },
        { "event_header",
            [](const toml::node &n, S &s) {
                const Read<QByteArray> name = readHeaderName(n);
                if (name.value)
                    s.eventHeader = QString::fromLatin1(*name.value);
                return name.error;
            } },
        { "signature_header",
            [](const toml::node &n, S &s) { return assign(s.signatureHeader, readHeaderName(n)); } },
        { "signature_prefix", [](const toml::node &n, S &s) { return assign(s.signaturePrefix, readString(n)); } },
        { "signature_encoding",
            [](const toml::node &n, S &s) {
                const Read<QString> encoding = readString(n);
                if (encoding.value && *encoding.value != QLatin1String("hex")
                    && *encoding.value != QLatin1String("base64"))
                    return QStringLiteral("'%1' is not hex or base64").arg(*encoding.value);
                return assign(s.signatureEncoding, encoding);
            } },
        { "tolerance", [](const toml::node &n, S &s) { return assign(s.tolerance, readDuration(n, 24 * 3600000LL)); } },
        { "dispatch",
            [](const toml::node &n, S &s) {
                const Read<QString> policy = readString(n);
                if (policy.value && !dispatchPolicyFromName(*policy.value))
                    return QStringLiteral("'%1' is not a dispatch policy (%2)")
                        .arg(*policy.value, dispatchPolicyNames().join(QStringLiteral(", ")));
                return assign(s.dispatch, policy);
            } },
    };
    return rows;
}

class Reader {
public:
    Reader(QString file, QString baseDir, const ConfigFile::Environment &environment)
        : m_file(std::move(file))
        , m_baseDir(std::move(baseDir))
        , m_environment(environment)
    {
    }

    void problem(int line, const QString &field, const QString &message)
    {
        if (m_problems.size() < MaxProblems)
            m_problems.append(
                { line, printable(QStringLiteral("%1:%2: %3: %4").arg(m_file).arg(line).arg(field, message)) });
    }
    // Messages quote values from the file: a "\n" in a TOML string must not start a new line of output.
    static QString printable(const QString &text)
    {
        QString result;
        for (const QChar c : text) {
            if (c == QLatin1Char('\n'))
                result += QStringLiteral("\\n");
            else if (c == QLatin1Char('\t'))
                result += QStringLiteral("\\t");
            else if (c.unicode() < 0x20 || c.unicode() == 0x7f)
                result += QStringLiteral("\\x%1").arg(c.unicode(), 2, 16, QLatin1Char('0'));
            else
                result += c;
        }
        return result;
    }
    void problem(const toml::source_region &where, const QString &field, const QString &message)
    {
        problem(static_cast<int>(where.begin.line), field, message);
    }
    // Not a problem, but worth a line in the log: "FILE:LINE: field: message".
    void warning(int line, const QString &field, const QString &message)
    {
        m_warnings.append(printable(QStringLiteral("%1:%2: %3: %4").arg(m_file).arg(line).arg(field, message)));
    }
    const QStringList &warnings() const { return m_warnings; }
    bool ok() const { return m_problems.isEmpty(); }
    // In file order (toml++ iterates a table's keys sorted by name).
    QString errors() const
    {
        QList<QPair<int, QString>> sorted = m_problems;
        std::stable_sort(sorted.begin(), sorted.end(), [](const auto &a, const auto &b) { return a.first < b.first; });
        QStringList lines;
        for (const auto &problem : std::as_const(sorted))
            lines.append(problem.second);
        return lines.join(QLatin1Char('\n'));
    }

    template <typename Section>
    void readSection(const toml::table &table, const QString &prefix, const QList<KeyRow<Section>> &rows,
        Section &section, QHash<QString, int> *lines = nullptr)
    {
        for (auto &&[key, node] : table) {
            const QString name = fromStd(key.str());
            const QString field = prefix + name;
            const KeyRow<Section> *row = nullptr;
            for (const KeyRow<Section> &candidate : rows) {
                if (name == QLatin1String(candidate.name))
                    row = &candidate;
            }
            if (!row) {
                QStringList known;
                for (const KeyRow<Section> &candidate : rows)
                    known.append(QLatin1String(candidate.name));
                problem(key.source(), field, QStringLiteral("unknown key (known: %1)").arg(known.join(QStringLiteral(", "))));
                continue;
            }
            if (lines)
                lines->insert(name, static_cast<int>(node.source().begin.line));
            const QString error = row->read(node, section);
            if (!error.isEmpty())
                problem(node.source(), field, error);
        }
    }

    QString resolvePath(const QString &path) const { return QDir(m_baseDir).absoluteFilePath(path); }

    // A secret from a file (SecretFile's rules) or an environment variable; *_file and *_env name
    // the keys for messages. nullopt after a problem was reported, or when neither is given.
    std::optional<QByteArray> secretFrom(const std::optional<QString> &file, const std::optional<QString> &env,
        const QHash<QString, int> &lines, const QString &prefix, const QString &fileKey, const QString &envKey)
    {
        if (file && env) {
            problem(
                lines.value(envKey), prefix + envKey, QStringLiteral("give %1 or %2, not both").arg(fileKey, envKey));
            return std::nullopt;
        }
        if (file) {
            const QString field = prefix + fileKey;
            const int line = lines.value(fileKey);
            const SecretFile input = SecretFile::read(resolvePath(*file));
            if (!input.ok()) {
                problem(line, field, input.error());
                return std::nullopt;
            }
            if (!input.warning().isEmpty())
                warning(line, field, input.warning());
            return input.secret();
        }
        if (env) {
            const std::optional<QByteArray> value = m_environment(*env);
            if (!value || value->trimmed().isEmpty()) {
                problem(lines.value(envKey), prefix + envKey,
                    QStringLiteral("environment variable %1 is not set or empty").arg(*env));
                return std::nullopt;
            }
            return value->trimmed();
        }
        return std::nullopt;
    }

    std::optional<QByteArray> secret(const EndpointDraft &draft, const QString &prefix, bool required)
    {
        if (draft.secretFile && draft.secretEnv) {
            problem(draft.lines.value(QStringLiteral("secret_env")), prefix + QStringLiteral("secret_env"),
                QStringLiteral("give secret_file or secret_env, not both"));
            return std::nullopt;
        }
        if (!required) {
            if (draft.secretFile || draft.secretEnv)
                problem(
                    draft.lines.value(draft.secretFile ? QStringLiteral("secret_file") : QStringLiteral("secret_env")),
                    prefix + (draft.secretFile ? QStringLiteral("secret_file") : QStringLiteral("secret_env")),
                    QStringLiteral("source \"none\" takes no secret"));
            return QByteArray();
        }
        if (draft.secretFile || draft.secretEnv)
            return secretFrom(draft.secretFile, draft.secretEnv, draft.lines, prefix, QStringLiteral("secret_file"),
                QStringLiteral("secret_env"));
        return std::nullopt; // the caller reports the missing secret with the source's line
    }

private:
    QString m_file;
    QString m_baseDir;
    const ConfigFile::Environment &m_environment;
    QList<QPair<int, QString>> m_problems;
    QStringList m_warnings;
};

// A scheme draft → a preset; each problem reported at its key's line. nullopt after a problem.
std::optional<SourcePreset> buildScheme(Reader &reader, const SchemeDraft &draft, const QString &prefix)
{
    SourcePreset preset = SchemeDescription::blank(draft.name.toLatin1());
    bool ok = true;
    for (const SchemeDraft::Item &item : draft.items) {
        const QString field = prefix + QString::fromLatin1(item.key);
        const QString problem = !item.error.isEmpty() ? item.error : SchemeDescription::apply(preset, item.key, item.value);
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

std::optional<Endpoint> buildEndpoint(Reader &reader, const EndpointDraft &draft, const QString &prefix, int line,
    const QList<SourcePreset> &userSchemes)
{
    // A key that is present but was refused has its own message already.
    bool ok = true;
    if (!draft.path && !draft.lines.contains(QStringLiteral("path"))) {
        reader.problem(line, prefix + QStringLiteral("path"), QStringLiteral("missing (e.g. path = \"/github\")"));
        ok = false;
    }
    if (!draft.subject && !draft.lines.contains(QStringLiteral("subject"))) {
        reader.problem(line, prefix + QStringLiteral("subject"),
            QStringLiteral("missing (e.g. subject = \"github.{event}\")"));
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
    if (draft.dispatch)
        endpoint.dispatch = dispatchPolicyFromName(*draft.dispatch);
    if (draft.keyHeaders)
        endpoint.keyHeaders = *draft.keyHeaders;
    if (draft.keepHeaders)
        endpoint.keptHeaders = *draft.keepHeaders;
    if (draft.eventHeader)
        endpoint.eventHeader = draft.eventHeader->toLatin1();
    // Signature details belong to the generic HMAC scheme; the presets fix theirs.
    const bool generic = endpoint.auth.kind == SignatureScheme::Kind::Hmac && sourceName == QLatin1String("hmac");
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
    const std::optional<QByteArray> secret = reader.secret(draft, prefix, endpoint.auth.requiresSecret());
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

QStringList derivedSubjects(const QList<Endpoint> &endpoints)
{
    QStringList subjects;
    for (const Endpoint &endpoint : endpoints) {
        const QList<QByteArray> tokens = endpoint.subject.split('.');
        QStringList kept;
        bool wildcard = false;
        for (const QByteArray &token : tokens) {
            if (token.contains("{event}")) {
                wildcard = true;
                break;
            }
            kept.append(QString::fromUtf8(token));
        }
        QString subject = kept.join(QLatin1Char('.'));
        if (wildcard)
            subject += kept.isEmpty() ? QStringLiteral(">") : QStringLiteral(".>");
        if (!subjects.contains(subject))
            subjects.append(subject);
    }
    // JetStream refuses a stream whose own subjects overlap: drop the ones another covers.
    QStringList result;
    for (const QString &subject : std::as_const(subjects)) {
        bool covered = false;
        for (const QString &other : std::as_const(subjects)) {
            if (other != subject && ConfigFile::covers(other.toUtf8(), subject.toUtf8()))
                covered = true;
        }
        if (!covered)
            result.append(subject);
    }
    return result;
}

} // namespace

QString ConfigFile::checkSubjectTemplate(QByteArrayView subject)
{
    if (subject.isEmpty())
        return QStringLiteral("must not be empty");
    if (subject.size() > 255)
        return QStringLiteral("longer than 255 bytes");
    QByteArray rest = subject.toByteArray();
    rest.replace("{event}", "x");
    if (rest.contains('{') || rest.contains('}'))
        return QStringLiteral("'%1': the only placeholder is {event}").arg(QString::fromUtf8(subject));
    for (char c : rest) {
        if (c == ' ' || c == '\t' || static_cast<unsigned char>(c) < 0x20 || c == 0x7f)
            return QStringLiteral("'%1' contains a space or control character").arg(QString::fromUtf8(subject));
        if (c == '*' || c == '>')
            return QStringLiteral("'%1' contains a wildcard (* or >): a published subject must be concrete")
                .arg(QString::fromUtf8(subject));
    }
    for (const QByteArray &token : rest.split('.')) {
        if (token.isEmpty())
            return QStringLiteral("'%1' has an empty token (leading, trailing or double '.')")
                .arg(QString::fromUtf8(subject));
    }
    return {};
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
    return derivedSubjects(endpoints);
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
        *error = Reader::printable(QStringLiteral("%1:%2: not valid TOML: %3")
                                       .arg(path)
                                       .arg(failure.source().begin.line)
                                       .arg(fromStd(failure.description())));
        return std::nullopt;
    }

    ConfigFile config;
    config.path = path;
    Reader reader(path, QFileInfo(path).absolutePath(), environment);
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
                             SignatureScheme::kindName(endpoint.auth.kind)));
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

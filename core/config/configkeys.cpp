// The config file's key tables (see the header): each key's reader and the field it fills.
#include "config/configkeys.h"
#include "config/settingschema.h"
#include "config/subjectrules.h"
#include "dispatch/dispatchpolicy.h"

#include <QRegularExpression>

using namespace SettingSchema;
using namespace Toml;

namespace ConfigKeys {

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

const QList<Toml::KeyRow<ConfigFile::Server>> &serverKeys()
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
    static const QList<Toml::KeyRow<S>> rows {
        { Listen.key, [=](const toml::node &n, S &s) { return assign(s.listen, hostPort(n)); } },
        { AdminListen.key, [=](const toml::node &n, S &s) { return assign(s.adminListen, hostPort(n)); } },
        { AdminAllowedHost.key,
            [](const toml::node &n, S &s) { return assign(s.adminAllowedHosts, readStringList(n, true)); } },
        { "data_dir", [](const toml::node &n, S &s) { return assign(s.dataDir, readNonEmpty(n)); } },
        { AckTimeout.key,
            [](const toml::node &n, S &s) { return assign(s.ackTimeout, readDuration(n, AckTimeout.max)); } },
        { IdleTimeout.key,
            [](const toml::node &n, S &s) { return assign(s.idleTimeout, readDuration(n, IdleTimeout.max)); } },
        { MaxInflight.key,
            [](const toml::node &n, S &s) {
                return assign(s.maxInFlight, readInteger(n, MaxInflight.min, MaxInflight.max));
            } },
        { MaxPayload.key, [](const toml::node &n, S &s) { return assign(s.maxBody, readSize(n, MaxPayload.max)); } },
        { Headless.key, [](const toml::node &n, S &s) { return assign(s.headless, readBool(n)); } },
        { AutoReplay.key, [](const toml::node &n, S &s) { return assign(s.autoReplay, readBool(n)); } },
        { FaultProxy.key, [](const toml::node &n, S &s) { return assign(s.faultProxy, readBool(n)); } },
        { LogFormat.key,
            [](const toml::node &n, S &s) {
                const Read<QString> format = readString(n);
                if (format.value && !ConfigFile::logFormats().contains(*format.value))
                    return QStringLiteral("'%1' is not a log format (%2)")
                        .arg(*format.value, ConfigFile::logFormats().join(QStringLiteral(" or ")));
                return assign(s.logFormat, format);
            } },
        { TlsCertFile.key, [](const toml::node &n, S &s) { return assign(s.tlsCertFile, readNonEmpty(n)); } },
        { TlsKeyFile.key, [](const toml::node &n, S &s) { return assign(s.tlsKeyFile, readNonEmpty(n)); } },
        { FailedMaxRecords.key,
            [](const toml::node &n, S &s) {
                return assign(s.failedMaxRecords, readInteger(n, FailedMaxRecords.min, FailedMaxRecords.max));
            } },
        { FailedMaxBytes.key,
            [](const toml::node &n, S &s) { return assign(s.failedMaxBytes, readSize(n, FailedMaxBytes.max)); } },
    };
    return rows;
}

const QList<Toml::KeyRow<ConfigFile::Nats>> &natsKeys()
{
    using S = ConfigFile::Nats;
    static const QList<Toml::KeyRow<S>> rows {
        { NatsUrl.key,
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
        { NatsCreds.key, [](const toml::node &n, S &s) { return assign(s.credentialsFile, readNonEmpty(n)); } },
        { NatsNkey.key, [](const toml::node &n, S &s) { return assign(s.nkeyFile, readNonEmpty(n)); } },
        { NatsUser.key, [](const toml::node &n, S &s) { return assign(s.user, readNonEmpty(n)); } },
        { NatsPasswordFile.key, [](const toml::node &n, S &s) { return assign(s.passwordFile, readNonEmpty(n)); } },
        { "password_env", [](const toml::node &n, S &s) { return assign(s.passwordEnv, readNonEmpty(n)); } },
        { NatsTokenFile.key, [](const toml::node &n, S &s) { return assign(s.tokenFile, readNonEmpty(n)); } },
        { "token_env", [](const toml::node &n, S &s) { return assign(s.tokenEnv, readNonEmpty(n)); } },
        { NatsTls.key, [](const toml::node &n, S &s) { return assign(s.tls, readBool(n)); } },
        { NatsTlsCa.key, [](const toml::node &n, S &s) { return assign(s.tlsCaFile, readNonEmpty(n)); } },
        { NatsTlsCert.key, [](const toml::node &n, S &s) { return assign(s.tlsCertFile, readNonEmpty(n)); } },
        { NatsTlsKey.key, [](const toml::node &n, S &s) { return assign(s.tlsKeyFile, readNonEmpty(n)); } },
        { NatsTlsHostname.key, [](const toml::node &n, S &s) { return assign(s.tlsHostname, readNonEmpty(n)); } },
    };
    return rows;
}

const QList<Toml::KeyRow<ConfigFile::Stream>> &streamKeys()
{
    using S = ConfigFile::Stream;
    static const QList<Toml::KeyRow<S>> rows {
        { StreamName.key,
            [](const toml::node &n, S &s) {
                const Read<QString> name = readString(n);
                if (name.value) {
                    if (const QString problem = SubjectRules::checkStreamName(*name.value); !problem.isEmpty())
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
                        if (const QString problem = SubjectRules::checkStreamSubject(subject); !problem.isEmpty())
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
        { StreamReplicas.key,
            [](const toml::node &n, S &s) {
                const Read<qint64> replicas = readInteger(n, StreamReplicas.min, StreamReplicas.max);
                if (replicas.value)
                    s.replicas = static_cast<int>(*replicas.value);
                return replicas.error;
            } },
        { "placement_cluster",
            [](const toml::node &n, S &s) {
                const Read<QString> cluster = readNonEmpty(n);
                if (cluster.value) {
                    if (const QString problem = SubjectRules::checkPlacementName(*cluster.value); !problem.isEmpty())
                        return problem;
                }
                return assign(s.placementCluster, cluster);
            } },
        { "placement_tags",
            [](const toml::node &n, S &s) {
                const Read<QStringList> tags = readStringList(n);
                if (tags.value) {
                    for (const QString &tag : *tags.value) {
                        if (const QString problem = SubjectRules::checkPlacementName(tag); !problem.isEmpty())
                            return problem;
                    }
                }
                return assign(s.placementTags, tags);
            } },
        { "create", [](const toml::node &n, S &s) { return assign(s.create, readBool(n)); } },
    };
    return rows;
}

const QList<Toml::KeyRow<EndpointDraft>> &endpointKeys()
{
    using S = EndpointDraft;
    static const QList<Toml::KeyRow<S>> rows {
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
        { "sns_topics",
            [](const toml::node &n, S &s) {
                const Read<QStringList> topics = readStringList(n);
                if (topics.value) {
                    if (topics.value->isEmpty())
                        return QStringLiteral("must name at least one topic (leave it out to accept any)");
                    static const QRegularExpression arn(QStringLiteral("^arn:aws[a-z-]*:sns:[a-z0-9-]+:[0-9]{12}:[A-Za-z0-9_.-]{1,256}$"));
                    for (const QString &topic : *topics.value) {
                        if (!arn.match(topic).hasMatch())
                            return QStringLiteral("'%1' is not an SNS topic ARN (arn:aws:sns:<region>:<account>:<topic>)").arg(topic);
                    }
                }
                return assign(s.snsTopics, topics);
            } },
        { "secret_file", [](const toml::node &n, S &s) { return assign(s.secretFile, readNonEmpty(n)); } },
        { "secret_env", [](const toml::node &n, S &s) { return assign(s.secretEnv, readNonEmpty(n)); } },
        { "subject",
            [](const toml::node &n, S &s) {
                const Read<QString> subject = readString(n);
                if (subject.value) {
                    if (const QString problem = SubjectRules::checkSubjectTemplate(subject.value->toUtf8());
                        !problem.isEmpty())
                        return problem;
                }
                return assign(s.subject, subject);
            } },
        // An endpoint's body bound is the listener's.
        { "max_body", [](const toml::node &n, S &s) { return assign(s.maxBody, readSize(n, MaxPayload.max)); } },
        { "idempotency_headers", [](const toml::node &n, S &s) { return assign(s.keyHeaders, readHeaderNames(n)); } },
        { "keep_headers", [](const toml::node &n, S &s) { return assign(s.keepHeaders, readHeaderNames(n)); } },
        { "event_header",
            [](const toml::node &n, S &s) {
                const Read<QByteArray> name = readHeaderName(n);
                if (name.value)
                    s.eventHeader = QString::fromLatin1(*name.value);
                return name.error;
            } },
        { "signature_header", [](const toml::node &n, S &s) { return assign(s.signatureHeader, readHeaderName(n)); } },
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

} // namespace ConfigKeys

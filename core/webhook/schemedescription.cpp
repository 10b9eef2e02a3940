// Reading a signature scheme from its description: names and values as a user writes them.
#include "webhook/schemedescription.h"
#include "config/quantity.h"
#include "webhook/idempotencykey.h"

#include <QRegularExpression>

namespace {

constexpr qsizetype MaxValueChars = 256;

bool isHeaderName(const QString &name)
{
    static const QRegularExpression token(QStringLiteral("^[!#$%&'*+.^_`|~0-9A-Za-z-]{1,64}$"));
    return token.match(name).hasMatch();
}

QString headerProblem(const QString &value)
{
    return isHeaderName(value) ? QString() : QStringLiteral("'%1' is not a header name").arg(value);
}

QString printableProblem(const QString &value)
{
    for (const QChar c : value) {
        if (c.unicode() < 0x20 || c.unicode() >= 0x7f)
            return QStringLiteral("must be printable ASCII");
    }
    return {};
}

QList<QByteArray> headerList(const QString &value, QString *problem)
{
    QList<QByteArray> result;
    for (const QString &item : value.split(QLatin1Char(','), Qt::SkipEmptyParts)) {
        const QString name = item.trimmed();
        if (!isHeaderName(name)) {
            *problem = QStringLiteral("'%1' is not a header name").arg(name);
            return {};
        }
        result.append(name.toLatin1());
    }
    return result;
}

} // namespace

SourcePreset SchemeDescription::blank(QByteArray name)
{
    SourcePreset preset;
    preset.name = std::move(name);
    preset.scheme.kind = SignatureScheme::Kind::Signed;
    preset.keyHeaders = IdempotencyKey::defaultHeaderNames();
    return preset;
}

QStringList SchemeDescription::keys()
{
    return { QStringLiteral("header"), QStringLiteral("prefix"), QStringLiteral("encoding"),
        QStringLiteral("algorithm"), QStringLiteral("layout"), QStringLiteral("separator"),
        QStringLiteral("signature_key"), QStringLiteral("timestamp_key"), QStringLiteral("timestamp_header"),
        QStringLiteral("timestamp_unit"), QStringLiteral("tolerance"), QStringLiteral("id_header"),
        QStringLiteral("message"), QStringLiteral("secret_form"), QStringLiteral("event_header"),
        QStringLiteral("event_json_path"), QStringLiteral("idempotency_headers"), QStringLiteral("keep_headers") };
}

QString SchemeDescription::apply(SourcePreset &preset, QByteArrayView key, const QString &value)
{
    SignatureScheme &scheme = preset.scheme;
    if (value.size() > MaxValueChars)
        return QStringLiteral("longer than %1 characters").arg(MaxValueChars);
    const auto oneOf = [&](const QStringList &names) -> qsizetype { return names.indexOf(value); };
    const auto notOneOf = [&](const QStringList &names) {
        return QStringLiteral("'%1' is not one of %2").arg(value, names.join(QStringLiteral(", ")));
    };
    if (key == "header" || key == "timestamp_header" || key == "id_header" || key == "event_header") {
        if (QString problem = headerProblem(value); !problem.isEmpty())
            return problem;
        QByteArray &target = key == "header" ? scheme.header
            : key == "timestamp_header"      ? scheme.timestampHeader
            : key == "id_header"             ? scheme.idHeader
                                             : preset.eventHeader;
        target = value.toLatin1();
        return {};
    }
    if (key == "prefix" || key == "separator" || key == "signature_key" || key == "timestamp_key") {
        if (QString problem = printableProblem(value); !problem.isEmpty())
            return problem;
        if (key == "separator" && value.size() != 1)
            return QStringLiteral("'%1' must be one character (e.g. \" \", \",\" or \";\")").arg(value);
        if ((key == "signature_key" || key == "timestamp_key") && (value.isEmpty() || value.contains(QLatin1Char('='))))
            return QStringLiteral("'%1' must be a non-empty key without '='").arg(value);
        QByteArray &target = key == "prefix" ? scheme.prefix
            : key == "separator"             ? scheme.separator
            : key == "signature_key"         ? scheme.signatureKey
                                             : scheme.timestampKey;
        target = value.toLatin1();
        return {};
    }
    if (key == "encoding") {
        const QStringList names { QStringLiteral("hex"), QStringLiteral("base64") };
        const qsizetype index = oneOf(names);
        if (index < 0)
            return notOneOf(names);
        scheme.encoding = index == 0 ? SignatureScheme::Encoding::Hex : SignatureScheme::Encoding::Base64;
        return {};
    }
    if (key == "algorithm") {
        const QStringList names { QStringLiteral("hmac-sha256"), QStringLiteral("hmac-sha1"),
            QStringLiteral("ed25519") };
        const qsizetype index = oneOf(names);
        if (index < 0)
            return notOneOf(names);
        scheme.algorithm = static_cast<SignatureScheme::Algorithm>(index);
        return {};
    }
    if (key == "layout") {
        const QStringList names { QStringLiteral("single"), QStringLiteral("list"), QStringLiteral("keyed") };
        const qsizetype index = oneOf(names);
        if (index < 0)
            return notOneOf(names);
        scheme.layout = static_cast<SignatureScheme::Layout>(index);
        return {};
    }
    if (key == "secret_form") {
        const QStringList names { QStringLiteral("raw"), QStringLiteral("whsec"), QStringLiteral("public-key") };
        const qsizetype index = oneOf(names);
        if (index < 0)
            return notOneOf(names);
        scheme.secretForm = static_cast<SignatureScheme::SecretForm>(index);
        return {};
    }
    if (key == "timestamp_unit") {
        const QStringList names { QStringLiteral("s"), QStringLiteral("ms") };
        const qsizetype index = oneOf(names);
        if (index < 0)
            return notOneOf(names);
        scheme.timestampUnit
            = index == 0 ? SignatureScheme::TimestampUnit::Seconds : SignatureScheme::TimestampUnit::Milliseconds;
        return {};
    }
    if (key == "tolerance") {
        QString problem;
        const auto duration = Quantity::parseDuration(value, 24 * 3600000LL, &problem);
        if (!duration)
            return problem;
        if (*duration < std::chrono::seconds(1))
            return QStringLiteral("must be at least 1s");
        scheme.tolerance = std::chrono::duration_cast<std::chrono::seconds>(*duration);
        return {};
    }
    if (key == "message") {
        if (QString problem = printableProblem(value); !problem.isEmpty())
            return problem; // before toLatin1(), which would make '?' of it
        QString problem;
        const auto message = SignedMessage::parse(value.toLatin1(), &problem);
        if (!message)
            return problem;
        scheme.message = *message;
        return {};
    }
    if (key == "event_json_path") {
        if (QString problem = printableProblem(value); !problem.isEmpty())
            return problem;
        preset.eventJsonPath = value.toLatin1().split('.');
        if (preset.eventJsonPath.contains(QByteArray()))
            return QStringLiteral("'%1' has an empty part (e.g. \"event.type\")").arg(value);
        return {};
    }
    if (key == "idempotency_headers" || key == "keep_headers") {
        QString problem;
        const QList<QByteArray> names = headerList(value, &problem);
        if (!problem.isEmpty())
            return problem;
        (key == "idempotency_headers" ? preset.keyHeaders : preset.keptHeaders) = names;
        return {};
    }
    return QStringLiteral("unknown key (known: %1)").arg(keys().join(QStringLiteral(", ")));
}

QString SchemeDescription::finish(const SourcePreset &preset)
{
    if (QString problem = preset.scheme.checkDescription(); !problem.isEmpty())
        return problem;
    for (const QByteArray &kept : preset.keptHeaders) {
        for (const QByteArray &credential : preset.scheme.credentialHeaders()) {
            if (kept.compare(credential, Qt::CaseInsensitive) == 0)
                return QStringLiteral("keep_headers names %1, which carries the signature")
                    .arg(QString::fromLatin1(kept));
        }
    }
    return {};
}

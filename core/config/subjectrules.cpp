// SubjectRules: the rules of stream names, subjects, subject templates and placement names.
#include "config/subjectrules.h"
#include "nats/streamsettings.h"
#include "webhook/endpoint.h"

namespace SubjectRules {

bool isStreamName(const QString &name)
{
    return !name.isEmpty() && !name.contains(QLatin1Char('.')) && !name.contains(QLatin1Char(' '))
        && !name.contains(QLatin1Char('*')) && !name.contains(QLatin1Char('>'));
}

QString checkStreamName(const QString &name)
{
    if (!isStreamName(name))
        return QStringLiteral("'%1' must be %2").arg(name, QLatin1String(StreamNameRule));
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

QString checkSubjectTemplate(QByteArrayView subject)
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
            if (other != subject && StreamSettings::covers(other.toUtf8(), subject.toUtf8()))
                covered = true;
        }
        if (!covered)
            result.append(subject);
    }
    return result;
}

} // namespace SubjectRules

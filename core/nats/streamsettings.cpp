// StreamSettings: conversions to and from cnats' jsStreamConfig and the checks of a found stream.
#include "nats/streamsettings.h"

#include <nats/nats.h>

#include <QSet>

namespace {

constexpr qint64 NsPerMs = 1000 * 1000;

// "7d", "2m", "1500ms"; "0 (unlimited)" for 0.
QString durationText(std::chrono::milliseconds duration)
{
    const qint64 ms = duration.count();
    if (ms <= 0)
        return QStringLiteral("0 (unlimited)");
    static constexpr std::pair<qint64, const char *> units[]
        = { { 24LL * 3600 * 1000, "d" }, { 3600 * 1000, "h" }, { 60 * 1000, "m" }, { 1000, "s" } };
    for (const auto &[factor, unit] : units) {
        if (ms % factor == 0)
            return QString::number(ms / factor) + QLatin1String(unit);
    }
    return QString::number(ms) + QLatin1String("ms");
}

QString limitText(qint64 value)
{
    return value < 0 ? QStringLiteral("-1 (unlimited)") : QString::number(value);
}

} // namespace

QString StreamSettings::storageName(Storage storage)
{
    return storage == Storage::Memory ? QStringLiteral("memory") : QStringLiteral("file");
}

QString StreamSettings::placementText() const
{
    QStringList parts;
    if (!placementCluster.isEmpty())
        parts.append(QStringLiteral("cluster ") + placementCluster);
    if (!placementTags.isEmpty())
        parts.append(QStringLiteral("tags [%1]").arg(placementTags.join(QStringLiteral(", "))));
    return parts.isEmpty() ? QStringLiteral("any") : parts.join(QStringLiteral(", "));
}

QString StreamSettings::describe() const
{
    QString text = QStringLiteral("subjects %1, %2 storage, max_age %3, max_bytes %4, max_msgs %5, "
                                  "duplicate_window %6, replicas %7")
                       .arg(subjects.join(QStringLiteral(", ")), storageName(storage), durationText(maxAge),
                           limitText(maxBytes), limitText(maxMsgs), durationText(duplicateWindow))
                       .arg(replicas);
    if (!placementCluster.isEmpty() || !placementTags.isEmpty())
        text += QStringLiteral(", placement ") + placementText();
    return text;
}

StreamSettings StreamSettings::fromConfig(const jsStreamConfig &config)
{
    StreamSettings found;
    found.name = QString::fromUtf8(config.Name);
    found.subjects.clear();
    for (int i = 0; i < config.SubjectsLen; ++i)
        found.subjects.append(QString::fromUtf8(config.Subjects[i]));
    found.storage = config.Storage == js_MemoryStorage ? Storage::Memory : Storage::File;
    found.maxAge = std::chrono::milliseconds(config.MaxAge / NsPerMs);
    found.maxBytes = config.MaxBytes;
    found.maxMsgs = config.MaxMsgs;
    found.duplicateWindow = std::chrono::milliseconds(config.Duplicates / NsPerMs);
    found.replicas = static_cast<int>(config.Replicas);
    if (const jsPlacement *placement = config.Placement) {
        found.placementCluster = QString::fromUtf8(placement->Cluster);
        for (int i = 0; i < placement->TagsLen; ++i)
            found.placementTags.append(QString::fromUtf8(placement->Tags[i]));
    }
    return found;
}

QStringList StreamSettings::differencesFrom(const StreamSettings &found) const
{
    QStringList differences;
    const auto differ = [&](const char *field, const QString &configured, const QString &actual) {
        if (configured != actual)
            differences.append(
                QStringLiteral("%1: configured %2, stream has %3").arg(QLatin1String(field), configured, actual));
    };
    const QSet<QString> wanted(subjects.cbegin(), subjects.cend());
    const QSet<QString> present(found.subjects.cbegin(), found.subjects.cend());
    if (wanted != present)
        differ("subjects", subjects.join(QStringLiteral(", ")), found.subjects.join(QStringLiteral(", ")));
    differ("storage", storageName(storage), storageName(found.storage));
    differ("max_age", durationText(maxAge), durationText(found.maxAge));
    differ("max_bytes", limitText(maxBytes), limitText(found.maxBytes));
    differ("max_msgs", limitText(maxMsgs), limitText(found.maxMsgs));
    differ("duplicate_window", durationText(duplicateWindow), durationText(found.duplicateWindow));
    differ("replicas", QString::number(replicas), QString::number(found.replicas));
    // Placement only when configured: without it any placement will do (JetStream chose one).
    if (!placementCluster.isEmpty() && placementCluster != found.placementCluster)
        differ("placement_cluster", placementCluster,
            found.placementCluster.isEmpty() ? QStringLiteral("none") : found.placementCluster);
    const QSet<QString> wantedTags(placementTags.cbegin(), placementTags.cend());
    const QSet<QString> presentTags(found.placementTags.cbegin(), found.placementTags.cend());
    if (!wantedTags.isEmpty() && wantedTags != presentTags)
        differ("placement_tags", QStringLiteral("[%1]").arg(placementTags.join(QStringLiteral(", "))),
            QStringLiteral("[%1]").arg(found.placementTags.join(QStringLiteral(", "))));
    return differences;
}

QList<QByteArray> StreamSettings::uncovered(const QList<QByteArray> &subjectTemplates) const
{
    QList<QByteArray> missing;
    for (const QByteArray &subject : subjectTemplates) {
        const bool covered = std::any_of(subjects.cbegin(), subjects.cend(),
            [&](const QString &streamSubject) { return covers(streamSubject.toUtf8(), subject); });
        if (!covered && !missing.contains(subject))
            missing.append(subject);
    }
    return missing;
}

bool StreamSettings::covers(QByteArrayView streamSubject, QByteArrayView subjectTemplate)
{
    const QList<QByteArray> pattern = streamSubject.toByteArray().split('.');
    const QList<QByteArray> subject = subjectTemplate.toByteArray().split('.');
    for (qsizetype i = 0; i < pattern.size(); ++i) {
        if (pattern.at(i) == ">")
            return i < subject.size();
        if (i >= subject.size())
            return false;
        // An event type may hold dots (Stripe's "payment_intent.succeeded"): only '>' covers it.
        if (subject.at(i).contains("{event}"))
            return false;
        if (pattern.at(i) != "*" && pattern.at(i) != subject.at(i))
            return false;
    }
    return pattern.size() == subject.size();
}

StreamConfigBuffer::StreamConfigBuffer(const StreamSettings &settings)
    : m_name(settings.name.toUtf8())
    , m_config(std::make_unique<jsStreamConfig>())
{
    for (const QString &subject : settings.subjects)
        m_subjectBytes.append(subject.toUtf8());
    for (const QByteArray &subject : std::as_const(m_subjectBytes))
        m_subjects.append(subject.constData());
    jsStreamConfig_Init(m_config.get());
    m_config->Name = m_name.constData();
    m_config->Subjects = m_subjects.data();
    m_config->SubjectsLen = static_cast<int>(m_subjects.size());
    m_config->Storage = settings.storage == StreamSettings::Storage::Memory ? js_MemoryStorage : js_FileStorage;
    m_config->MaxAge = settings.maxAge.count() * NsPerMs;
    m_config->MaxBytes = settings.maxBytes;
    m_config->MaxMsgs = settings.maxMsgs;
    m_config->Duplicates = settings.duplicateWindow.count() * NsPerMs;
    m_config->Replicas = settings.replicas;
    if (!settings.placementCluster.isEmpty() || !settings.placementTags.isEmpty()) {
        m_cluster = settings.placementCluster.toUtf8();
        for (const QString &tag : settings.placementTags)
            m_tagBytes.append(tag.toUtf8());
        for (const QByteArray &tag : std::as_const(m_tagBytes))
            m_tags.append(tag.constData());
        m_placement = std::make_unique<jsPlacement>();
        jsPlacement_Init(m_placement.get());
        // cnats writes the cluster (even a null one) and the tags into the request as they are:
        // "" for no cluster; the configuration refuses quotes and backslashes in them.
        m_placement->Cluster = m_cluster.constData();
        m_placement->Tags = m_tags.isEmpty() ? nullptr : m_tags.data();
        m_placement->TagsLen = static_cast<int>(m_tags.size());
        m_config->Placement = m_placement.get();
    }
}

StreamConfigBuffer::~StreamConfigBuffer() = default;

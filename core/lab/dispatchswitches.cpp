// DispatchSwitches: a small JSON file, replaced atomically (QSaveFile: write, fsync, rename).
#include "lab/dispatchswitches.h"
#include "gatewayconfig.h"

#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QSaveFile>

DispatchSwitches::DispatchSwitches(QString path)
    : m_path(std::move(path))
{
}

bool DispatchSwitches::load(GatewayConfig &gateway, QStringList *notes, QString *error)
{
    const QList<Endpoint> resolved = gateway.resolvedEndpoints();
    for (const Endpoint &endpoint : resolved)
        m_configured.insert(endpoint.path, *endpoint.dispatch);
    if (m_path.isEmpty() || !QFile::exists(m_path))
        return true;
    QFile file(m_path);
    if (!file.open(QIODevice::ReadOnly)) {
        *error = QStringLiteral("cannot read the saved dispatch policies %1: %2").arg(m_path, file.errorString());
        return false;
    }
    QJsonParseError parseError;
    const QJsonDocument document = QJsonDocument::fromJson(file.readAll(), &parseError);
    const QJsonValue list = document.object().value(QLatin1String("switches"));
    if (!document.isObject() || !list.isArray()) {
        *error = QStringLiteral("the saved dispatch policies %1 are not valid (%2): fix or delete the file")
                     .arg(m_path, parseError.error == QJsonParseError::NoError ? QStringLiteral("no \"switches\" array")
                                                                                : parseError.errorString());
        return false;
    }
    bool pruned = false;
    for (const QJsonValue &value : list.toArray()) {
        const QJsonObject object = value.toObject();
        Switch saved;
        saved.path = object.value(QLatin1String("path")).toString().toUtf8();
        const auto dispatch = dispatchPolicyFromName(object.value(QLatin1String("dispatch")).toString());
        const auto configured = dispatchPolicyFromName(object.value(QLatin1String("configured")).toString());
        saved.at = QDateTime::fromString(object.value(QLatin1String("at")).toString(), Qt::ISODateWithMs);
        if (saved.path.isEmpty() || !dispatch || !configured || *dispatch == DispatchPolicy::FireAndForget) {
            *error = QStringLiteral("the saved dispatch policies %1 hold an entry that is not valid: fix or delete the file")
                         .arg(m_path);
            return false;
        }
        saved.dispatch = *dispatch;
        saved.configured = *configured;
        const QString when = saved.at.toString(Qt::ISODate);
        qsizetype index = -1;
        for (qsizetype i = 0; i < resolved.size(); ++i) {
            if (resolved.at(i).path == saved.path)
                index = i;
        }
        if (index < 0) {
            notes->append(QStringLiteral("dispatch policy of %1 switched to %2 at %3 is dropped: the configuration has "
                                         "no such endpoint any more")
                              .arg(QString::fromUtf8(saved.path), dispatchPolicyName(saved.dispatch), when));
            pruned = true;
            continue;
        }
        const DispatchPolicy now = *resolved.at(index).dispatch;
        if (now != saved.configured) {
            notes->append(QStringLiteral("dispatch policy of %1 switched to %2 at %3 is dropped: the configuration "
                                         "changed since (%4, then %5), and the newer decision wins")
                              .arg(QString::fromUtf8(saved.path), dispatchPolicyName(saved.dispatch), when,
                                  dispatchPolicyName(saved.configured), dispatchPolicyName(now)));
            pruned = true;
            continue;
        }
        gateway.endpoints[index].dispatch = saved.dispatch;
        notes->append(QStringLiteral("dispatch policy of %1 is %2, as switched at %3 (the configuration says %4; "
                                     "DELETE /api/endpoints/…/dispatch goes back to it)")
                          .arg(QString::fromUtf8(saved.path), dispatchPolicyName(saved.dispatch), when,
                              dispatchPolicyName(now)));
        m_switches.append(saved);
    }
    if (pruned) {
        QString message;
        if (!save(&message))
            notes->append(message);
    }
    return true;
}

bool DispatchSwitches::record(const QByteArray &path, DispatchPolicy policy, QString *error)
{
    const auto configured = m_configured.constFind(path);
    if (configured == m_configured.cend())
        return true; // not an endpoint of the configuration: nothing to compare with
    const qsizetype before = m_switches.size();
    const auto existing = std::find_if(
        m_switches.begin(), m_switches.end(), [&path](const Switch &saved) { return saved.path == path; });
    const bool keep = policy != *configured && policy != DispatchPolicy::FireAndForget;
    if (existing != m_switches.end() && (!keep || existing->dispatch != policy))
        m_switches.erase(existing);
    else if (existing != m_switches.end())
        return true; // the same switch again
    if (keep)
        m_switches.append({ path, policy, *configured, QDateTime::currentDateTimeUtc() });
    if (!keep && m_switches.size() == before)
        return true; // nothing was saved for it, nothing is
    return save(error);
}

std::optional<DispatchPolicy> DispatchSwitches::configured(const QByteArray &path) const
{
    const auto it = m_configured.constFind(path);
    if (it == m_configured.cend())
        return std::nullopt;
    return *it;
}

std::optional<DispatchSwitches::Switch> DispatchSwitches::saved(const QByteArray &path) const
{
    for (const Switch &saved : m_switches) {
        if (saved.path == path)
            return saved;
    }
    return std::nullopt;
}

bool DispatchSwitches::save(QString *error) const
{
    if (m_path.isEmpty())
        return true;
    QJsonArray list;
    for (const Switch &saved : m_switches)
        list.append(QJsonObject { { QStringLiteral("path"), QString::fromUtf8(saved.path) },
            { QStringLiteral("dispatch"), dispatchPolicyName(saved.dispatch) },
            { QStringLiteral("configured"), dispatchPolicyName(saved.configured) },
            { QStringLiteral("at"), saved.at.toString(Qt::ISODateWithMs) } });
    QSaveFile file(m_path);
    const QByteArray data
        = QJsonDocument(QJsonObject { { QStringLiteral("version"), 1 }, { QStringLiteral("switches"), list } })
              .toJson(QJsonDocument::Indented);
    if (!file.open(QIODevice::WriteOnly) || file.write(data) != data.size() || !file.commit()) {
        *error = QStringLiteral("cannot save the dispatch policy switch in %1: %2 (it lasts until ackhook stops)")
                     .arg(m_path, file.errorString());
        return false;
    }
    return true;
}

// FailedEventModel: snapshot merge by id, state in text and colour.
#include "failedeventmodel.h"

#include "outcometext.h"
#include "theme.h"

#include <QBrush>
#include <QColor>
#include <QDateTime>
#include <QSet>

FailedEventModel::FailedEventModel(QObject *parent)
    : QAbstractTableModel(parent)
{
}

int FailedEventModel::rowCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : static_cast<int>(m_events.size());
}

int FailedEventModel::columnCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : COLUMN_COUNT;
}

QVariant FailedEventModel::data(const QModelIndex &index, int role) const
{
    if (!checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid))
        return {};
    const FailedEvent &e = m_events.at(index.row());
    if (role == IdRole)
        return e.id;
    if (role == StateRole)
        return FailedEvent::stateName(e.state);
    if (role == LabRole)
        return e.isLab();
    if (role == Qt::DisplayRole) {
        switch (index.column()) {
        case IdColumn:
            return e.id;
        case TimeColumn:
            return QDateTime::fromMSecsSinceEpoch(e.receivedMs).toString(QStringLiteral("HH:mm:ss.zzz"));
        case EndpointColumn: // the scenario runner's traffic is tagged: discardable apart from real senders'
            return QString((e.isLab() ? tr("[lab] ") : QString()) + QString::fromLatin1(e.method) + QLatin1Char(' ')
                + QString::fromUtf8(e.endpoint));
        case ReasonColumn:
            return e.detail.isEmpty() ? e.reason : QString(e.reason + QStringLiteral(": ") + e.detail);
        case AttemptsColumn:
            return e.attempts;
        case StateColumn:
            return OutcomeText::queueState(OutcomeText::queued(e));
        case KeyColumn:
            return e.keyGenerated ? tr("⚠ none (generated %1)").arg(QString::fromLatin1(e.key.left(8)))
                                  : QString::fromLatin1(e.key);
        case SizeColumn:
            return QStringLiteral("%1 B").arg(e.bodyBytes ? e.bodyBytes : e.body.size());
        }
        return {};
    }
    if (role == Qt::ToolTipRole) { // every cell can be read whole, however narrow its column
        if (index.column() == EndpointColumn && e.isLab())
            return tr("Lab traffic: sent by the scenario runner (idempotency key %1…). \"Discard lab events\" "
                      "discards these and leaves real senders' events pending.")
                .arg(QString::fromLatin1(FailedEvent::LabKeyPrefix));
        if (index.column() == StateColumn && OutcomeText::queued(e).storedAnyway())
            return tr("The PubAck was lost but JetStream had stored the event (stream sequence %1): the replay was "
                      "dropped as a duplicate, and so will the sender's retry be. Double-click to show the request "
                      "it came from.")
                .arg(e.replaySeq);
        if (index.column() == StateColumn && e.state == FailedEvent::State::Replayed)
            return tr("Replayed with its original idempotency key and stored as stream sequence %1%2. "
                      "Double-click to show the request it came from.")
                .arg(e.replaySeq)
                .arg(e.replayDuplicate ? tr(" (JetStream already had it: the key was a duplicate)") : QString());
        const QString text = data(index, Qt::DisplayRole).toString();
        return text.isEmpty() ? QVariant() : QVariant(text);
    }
    if ((role == Qt::BackgroundRole || role == Qt::ForegroundRole) && index.column() == StateColumn) {
        const Theme::Tone tone = e.state == FailedEvent::State::Pending ? Theme::Tone::Fail
            : e.state == FailedEvent::State::Replayed                   ? Theme::Tone::Ok
                                                                        : Theme::Tone::Neutral;
        const Theme::Colours colours = Theme::cell(tone); // text and background as a pair: both palettes
        return QBrush(role == Qt::BackgroundRole ? colours.background : colours.text);
    }
    if (role == Qt::TextAlignmentRole
        && (index.column() == IdColumn || index.column() == AttemptsColumn || index.column() == SizeColumn))
        return QVariant::fromValue(Qt::AlignRight | Qt::AlignVCenter);
    return {};
}

QVariant FailedEventModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole)
        return {};
    static const char *const titles[COLUMN_COUNT]
        = { "Id", "Received", "Endpoint", "Reason", "Attempts", "State", "Idempotency key", "Body" };
    return section >= 0 && section < COLUMN_COUNT ? tr(titles[section]) : QVariant();
}

namespace {
bool sameRow(const FailedEvent &a, const FailedEvent &b)
{
    return a.state == b.state && a.attempts == b.attempts && a.reason == b.reason && a.detail == b.detail
        && a.replaySeq == b.replaySeq && a.replayDuplicate == b.replayDuplicate;
}
} // namespace

void FailedEventModel::setEvents(const QList<FailedEvent> &events)
{
    QSet<qint64> fresh;
    fresh.reserve(events.size());
    for (const FailedEvent &e : events)
        fresh.insert(e.id);

    // 1. Removals, bottom up, one call per contiguous run.
    for (int row = static_cast<int>(m_events.size()) - 1; row >= 0;) {
        if (fresh.contains(m_events.at(row).id)) {
            --row;
            continue;
        }
        int first = row;
        while (first > 0 && !fresh.contains(m_events.at(first - 1).id))
            --first;
        beginRemoveRows({}, first, row);
        m_events.remove(first, row - first + 1);
        endRemoveRows();
        row = first - 1;
    }

    // 2. Insertions: both lists are id-descending and the old one is now a subsequence of the new.
    int row = 0;
    for (qsizetype i = 0; i < events.size();) {
        if (row < m_events.size() && m_events.at(row).id == events.at(i).id) {
            if (!sameRow(m_events.at(row), events.at(i))) {
                m_events[row] = events.at(i);
                Q_EMIT dataChanged(index(row, 0), index(row, COLUMN_COUNT - 1));
            }
            ++row;
            ++i;
            continue;
        }
        qsizetype end = i;
        while (end < events.size() && (row >= m_events.size() || events.at(end).id != m_events.at(row).id))
            ++end;
        const int count = static_cast<int>(end - i);
        beginInsertRows({}, row, row + count - 1);
        for (qsizetype k = i; k < end; ++k)
            m_events.insert(row + static_cast<int>(k - i), events.at(k));
        endInsertRows();
        row += count;
        i = end;
    }
}

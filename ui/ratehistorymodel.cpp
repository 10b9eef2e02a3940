// RateHistoryModel: per-second buckets, latency percentiles computed once a second is over.
#include "ratehistorymodel.h"

#include <QDateTime>

#include <algorithm>
#include <limits>

namespace {
// Late records (batches are flushed every 25 ms, answers can straddle a second) still find
// their bucket: its latencies are kept this many seconds before being reduced to percentiles.
constexpr qint64 FinishAfterSeconds = 3;

RateHistoryModel::Second makeSecond(qint64 second)
{
    RateHistoryModel::Second s;
    s.second = second;
    return s;
}
} // namespace

RateHistoryModel::RateHistoryModel(int seconds, QObject *parent)
    : QAbstractTableModel(parent)
    , m_maxSeconds(qMax(2, seconds))
{
}

int RateHistoryModel::rowCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : static_cast<int>(m_seconds.size());
}

int RateHistoryModel::columnCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : COLUMN_COUNT;
}

QVariant RateHistoryModel::data(const QModelIndex &index, int role) const
{
    if (!checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid)
        || role != Qt::DisplayRole)
        return {};
    const Second &s = m_seconds[static_cast<size_t>(index.row())];
    switch (index.column()) {
    case SecondColumn:
        return QDateTime::fromSecsSinceEpoch(s.second).toString(QStringLiteral("HH:mm:ss"));
    case OkColumn:
        return s.ok;
    case RejectedColumn:
        return s.rejected;
    case FailedColumn:
        return s.failed;
    case P50Column:
    case P99Column: {
        if (s.finished)
            return index.column() == P50Column ? s.p50Ms : s.p99Ms;
        Second current; // a second still collecting: percentiles of a copy of what it has
        current.latenciesUs = s.latenciesUs;
        computePercentiles(current);
        return index.column() == P50Column ? current.p50Ms : current.p99Ms;
    }
    case OutageColumn:
        return s.outage;
    }
    return {};
}

QVariant RateHistoryModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole)
        return {};
    static const char *const titles[COLUMN_COUNT]
        = { "Second", "2xx/s", "4xx/s", "5xx/s", "p50 ms", "p99 ms", "Outage" };
    return section >= 0 && section < COLUMN_COUNT ? tr(titles[section]) : QVariant();
}

void RateHistoryModel::computePercentiles(Second &second)
{
    std::vector<qint32> &v = second.latenciesUs;
    if (v.empty()) {
        second.p50Ms = second.p99Ms = -1;
        return;
    }
    const auto at = [&v](double q) {
        const size_t k = std::min(v.size() - 1, static_cast<size_t>(q * static_cast<double>(v.size())));
        std::nth_element(v.begin(), v.begin() + static_cast<std::ptrdiff_t>(k), v.end());
        return v[k] / 1000.0;
    };
    second.p50Ms = at(0.50);
    second.p99Ms = at(0.99);
}

void RateHistoryModel::finish(Second &second)
{
    computePercentiles(second);
    second.latenciesUs = {};
    second.finished = true;
}

void RateHistoryModel::advanceTo(qint64 nowSecond)
{
    if (m_seconds.empty()) {
        beginInsertRows({}, 0, 0);
        m_seconds.push_back(makeSecond(nowSecond));
        endInsertRows();
        return;
    }
    const qint64 last = m_seconds.back().second;
    if (nowSecond <= last)
        return;
    // Insert at most the window's worth of new seconds (after a long pause the old ones all go).
    const qint64 first = qMax(last + 1, nowSecond - m_maxSeconds + 1);
    const int added = static_cast<int>(nowSecond - first + 1);
    const int oldRows = static_cast<int>(m_seconds.size());
    beginInsertRows({}, oldRows, oldRows + added - 1);
    for (qint64 s = first; s <= nowSecond; ++s)
        m_seconds.push_back(makeSecond(s));
    endInsertRows();
    const int excess = static_cast<int>(m_seconds.size()) - m_maxSeconds;
    if (excess > 0) {
        beginRemoveRows({}, 0, excess - 1);
        m_seconds.erase(m_seconds.begin(), m_seconds.begin() + excess);
        endRemoveRows();
    }
    int firstChanged = -1;
    int lastChanged = -1;
    for (int row = 0; row < static_cast<int>(m_seconds.size()); ++row) {
        Second &s = m_seconds[static_cast<size_t>(row)];
        if (!s.finished && s.second <= nowSecond - FinishAfterSeconds) {
            finish(s);
            firstChanged = firstChanged < 0 ? row : firstChanged;
            lastChanged = row;
        }
    }
    if (firstChanged >= 0)
        Q_EMIT dataChanged(index(firstChanged, P50Column), index(lastChanged, P99Column));
}

void RateHistoryModel::markOutage(qint64 nowSecond)
{
    advanceTo(nowSecond);
    Second &last = m_seconds.back();
    if (last.second != nowSecond || last.outage)
        return;
    last.outage = true;
    const int row = rowCount() - 1;
    Q_EMIT dataChanged(index(row, OutageColumn), index(row, OutageColumn));
}

void RateHistoryModel::appendBatch(const RequestRecordBatch &batch)
{
    if (batch.isEmpty())
        return;
    qint64 newest = std::numeric_limits<qint64>::min();
    qint64 oldest = std::numeric_limits<qint64>::max();
    for (const RequestRecord &r : batch) {
        newest = qMax(newest, (r.receivedMs + r.latencyUs / 1000) / 1000);
        oldest = qMin(oldest, (r.receivedMs + r.latencyUs / 1000) / 1000);
    }
    if (m_seconds.empty()) // the first batch: the window starts at its oldest answer
        advanceTo(qMax(oldest, newest - m_maxSeconds + 1));
    advanceTo(newest);
    const qint64 firstSecond = m_seconds.front().second;
    int firstChanged = -1;
    int lastChanged = -1;
    for (const RequestRecord &r : batch) {
        const qint64 second = (r.receivedMs + r.latencyUs / 1000) / 1000;
        if (second < firstSecond || second > m_seconds.back().second)
            continue;
        const int row = static_cast<int>(second - firstSecond);
        Second &s = m_seconds[static_cast<size_t>(row)];
        if (r.status >= 500)
            ++s.failed;
        else if (r.status >= 400)
            ++s.rejected;
        else
            ++s.ok;
        if (!s.finished)
            s.latenciesUs.push_back(static_cast<qint32>(qMin<qint64>(r.latencyUs, std::numeric_limits<qint32>::max())));
        firstChanged = firstChanged < 0 ? row : qMin(firstChanged, row);
        lastChanged = qMax(lastChanged, row);
    }
    if (firstChanged >= 0)
        Q_EMIT dataChanged(index(firstChanged, OkColumn), index(lastChanged, P99Column));
}

int RateHistoryModel::answers(int seconds) const
{
    int total = 0;
    const int rows = rowCount();
    for (int row = qMax(0, rows - seconds); row < rows; ++row) {
        const Second &s = m_seconds[static_cast<size_t>(row)];
        total += s.ok + s.rejected + s.failed;
    }
    return total;
}

QString RateHistoryModel::describe(int row) const
{
    if (row < 0 || row >= rowCount())
        return {};
    const Second &s = m_seconds[static_cast<size_t>(row)];
    QString text = tr("%1: 2xx %2 · 4xx %3 · 5xx %4")
                       .arg(QDateTime::fromSecsSinceEpoch(s.second).toString(QStringLiteral("HH:mm:ss")))
                       .arg(s.ok)
                       .arg(s.rejected)
                       .arg(s.failed);
    const double p50 = index(row, P50Column).data().toDouble();
    const double p99 = index(row, P99Column).data().toDouble();
    const auto ms = [](double value) {
        return value >= 100 ? QString::number(value, 'f', 0) : QString::number(value, 'f', value >= 10 ? 1 : 2);
    };
    text += p50 < 0 ? tr("\nno answer, no latency") : tr("\nlatency p50 %1 ms · p99 %2 ms").arg(ms(p50), ms(p99));
    text += s.outage ? tr("\nsimulated outage: on") : tr("\nsimulated outage: off");
    return text;
}

int RateHistoryModel::visibleSeconds(int answersInWindow, int currentSeconds)
{
    if (answersInWindow < ZoomInBelow)
        return NarrowSeconds;
    if (answersInWindow >= ZoomOutFrom)
        return DefaultSeconds;
    return currentSeconds == NarrowSeconds ? NarrowSeconds : DefaultSeconds;
}

double RateHistoryModel::outlierAbove(const std::vector<double> &p99s)
{
    if (p99s.empty())
        return std::numeric_limits<double>::infinity();
    std::vector<double> sorted = p99s;
    const size_t middle = sorted.size() / 2;
    std::nth_element(sorted.begin(), sorted.begin() + static_cast<std::ptrdiff_t>(middle), sorted.end());
    double median = sorted[middle];
    if (sorted.size() % 2 == 0) // the lower middle is the largest of the lower half
        median = (median + *std::max_element(sorted.begin(), sorted.begin() + static_cast<std::ptrdiff_t>(middle))) / 2;
    return qMax(MinOutlierMs, OutlierFactor * median);
}

double RateHistoryModel::latencyTop(const std::vector<double> &latencies, double outlierAboveMs)
{
    double top = 0;
    for (const double ms : latencies) {
        if (ms <= outlierAboveMs)
            top = qMax(top, ms);
    }
    return top;
}

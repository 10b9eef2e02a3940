// RefusalLog: exact refusal counters and burst-limited logging.
#include "http/refusallog.h"

#include <QLoggingCategory>
#include <QStringList>

Q_LOGGING_CATEGORY(lcRefusal, "ackhook.http")

QString refusalName(Refusal refusal)
{
    switch (refusal) {
    case Refusal::TooManyConnections:
        return QStringLiteral("too_many_connections");
    case Refusal::PerAddressLimit:
        return QStringLiteral("per_address_limit");
    case Refusal::FileLimit:
        return QStringLiteral("file_limit");
    case Refusal::Timeout:
        return QStringLiteral("timeout");
    case Refusal::BodyTooLarge:
        return QStringLiteral("body_too_large");
    case Refusal::HeadTooLarge:
        return QStringLiteral("head_too_large");
    case Refusal::BadRequest:
        return QStringLiteral("bad_request");
    case Refusal::NotImplemented:
        return QStringLiteral("not_implemented");
    case Refusal::Unauthorized:
        return QStringLiteral("unauthorized");
    case Refusal::Forbidden:
        return QStringLiteral("cross_site");
    case Refusal::Misdirected:
        return QStringLiteral("misdirected");
    case Refusal::UnsupportedMediaType:
        return QStringLiteral("unsupported_media_type");
    }
    return QStringLiteral("unknown");
}

std::optional<Refusal> refusalForStatus(int status)
{
    switch (status) {
    case 400:
    case 417:
        return Refusal::BadRequest;
    case 401:
        return Refusal::Unauthorized;
    case 403:
        return Refusal::Forbidden;
    case 408:
        return Refusal::Timeout;
    case 413:
        return Refusal::BodyTooLarge;
    case 414:
    case 431:
        return Refusal::HeadTooLarge;
    case 415:
        return Refusal::UnsupportedMediaType;
    case 421:
        return Refusal::Misdirected;
    case 501:
    case 505:
        return Refusal::NotImplemented;
    default:
        return std::nullopt;
    }
}

quint64 RefusalCounts::total() const
{
    quint64 sum = 0;
    for (quint64 n : counts)
        sum += n;
    return sum;
}

RefusalLog::RefusalLog(QString listener, QObject *parent)
    : QObject(parent)
    , m_listener(std::move(listener))
{
    m_burstTimer.setInterval(DefaultBurstMs);
    connect(&m_burstTimer, &QTimer::timeout, this, &RefusalLog::endOfInterval);
}

void RefusalLog::note(Refusal refusal, const QHostAddress &peer, const QString &detail)
{
    const auto index = static_cast<size_t>(refusal);
    m_counts[index].fetch_add(1, std::memory_order_relaxed);
    if (m_burst) {
        ++m_inBurst[index];
        return;
    }
    m_burst = true;
    m_burstTimer.start();
    qCWarning(lcRefusal).noquote() << QStringLiteral("%1 listener refused %2%3: %4 (further refusals are summed up "
                                                     "every %5 s while they go on)")
                                          .arg(m_listener, refusalName(refusal),
                                              peer.isNull() ? QString() : QStringLiteral(" from ") + peer.toString(),
                                              detail)
                                          .arg(m_burstTimer.interval() / 1000.0);
}

void RefusalLog::endOfInterval()
{
    QStringList parts;
    quint64 sum = 0;
    for (int i = 0; i < RefusalCount; ++i) {
        if (m_inBurst[i] == 0)
            continue;
        sum += m_inBurst[i];
        parts.append(QStringLiteral("%1=%2").arg(refusalName(static_cast<Refusal>(i))).arg(m_inBurst[i]));
        m_inBurst[i] = 0;
    }
    if (sum == 0) { // a quiet interval ends the burst: the next refusal is logged on its own
        m_burst = false;
        m_burstTimer.stop();
        return;
    }
    qCWarning(lcRefusal).noquote() << QStringLiteral("%1 listener refused %2 more in the last %3 s: %4")
                                          .arg(m_listener)
                                          .arg(sum)
                                          .arg(m_burstTimer.interval() / 1000.0)
                                          .arg(parts.join(QLatin1Char(' ')));
}

RefusalCounts RefusalLog::counts() const
{
    RefusalCounts result;
    for (int i = 0; i < RefusalCount; ++i)
        result.counts[i] = m_counts[i].load(std::memory_order_relaxed);
    return result;
}

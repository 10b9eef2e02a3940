// ReplayGuard: remembers signed requests that were answered without being published (provider
// handshakes), so the same signed request replayed within its signature's validity is refused.
#pragma once

#include <QByteArray>
#include <QHash>

#include <deque>

class ReplayGuard {
public:
    static constexpr qsizetype MaxRemembered = 10000; // beyond: the oldest are forgotten first

    // True the first time this signature is seen within ttlSeconds (and from then on remembered for
    // that long); false for a replay. An empty signature is never remembered (and is true).
    bool firstTime(const QByteArray &signature, qint64 ttlSeconds);
    // The same, with the clock given (tests).
    bool firstTime(const QByteArray &signature, qint64 ttlSeconds, qint64 nowMs);

private:
    void forget(qint64 nowMs);

    QHash<QByteArray, qint64> m_expiresMs;
    std::deque<std::pair<qint64, QByteArray>> m_order; // by insertion: expiry, signature
};

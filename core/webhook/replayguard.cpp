// ReplayGuard: a bounded memory of answered handshake signatures.
#include "webhook/replayguard.h"

#include <QDateTime>

bool ReplayGuard::firstTime(const QByteArray &signature, qint64 ttlSeconds)
{
    return firstTime(signature, ttlSeconds, QDateTime::currentMSecsSinceEpoch());
}

bool ReplayGuard::firstTime(const QByteArray &signature, qint64 ttlSeconds, qint64 nowMs)
{
    if (signature.isEmpty())
        return true;
    forget(nowMs);
    const auto seen = m_expiresMs.constFind(signature);
    if (seen != m_expiresMs.cend() && *seen > nowMs)
        return false;
    const qint64 expires = nowMs + ttlSeconds * 1000;
    m_expiresMs.insert(signature, expires);
    m_order.emplace_back(expires, signature);
    while (static_cast<qsizetype>(m_order.size()) > MaxRemembered) {
        const auto &[oldExpiry, oldest] = m_order.front();
        if (m_expiresMs.value(oldest) == oldExpiry)
            m_expiresMs.remove(oldest);
        m_order.pop_front();
    }
    return true;
}

void ReplayGuard::forget(qint64 nowMs)
{
    // Every entry has the same ttl per endpoint in practice, so the front expires first.
    while (!m_order.empty() && m_order.front().first <= nowMs) {
        const auto &[expiry, signature] = m_order.front();
        if (m_expiresMs.value(signature) == expiry)
            m_expiresMs.remove(signature);
        m_order.pop_front();
    }
}

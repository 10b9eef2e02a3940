// EventLoopLagProbe: a precise timer measuring its own delay beyond the interval.
#include "eventlooplagprobe.h"

#include <algorithm>

EventLoopLagProbe::EventLoopLagProbe(QObject *parent)
    : QObject(parent)
{
    m_timer.setTimerType(Qt::PreciseTimer);
    m_timer.setInterval(IntervalMs);
    connect(&m_timer, &QTimer::timeout, this, &EventLoopLagProbe::tick);
    m_clock.start();
    m_expectedNs = qint64(IntervalMs) * 1000000;
    m_timer.start();
}

void EventLoopLagProbe::tick()
{
    const qint64 now = m_clock.nsecsElapsed();
    m_lagNs.push_back(std::max<qint64>(0, now - m_expectedNs));
    m_expectedNs = now + qint64(IntervalMs) * 1000000;
}

EventLoopLagProbe::Figures EventLoopLagProbe::takeFigures()
{
    Figures f;
    f.samples = static_cast<int>(m_lagNs.size());
    if (!m_lagNs.empty()) {
        std::sort(m_lagNs.begin(), m_lagNs.end());
        const auto at = [this](double q) {
            return m_lagNs[std::min(m_lagNs.size() - 1, static_cast<size_t>(q * double(m_lagNs.size())))] / 1e6;
        };
        f.p50Ms = at(0.50);
        f.p99Ms = at(0.99);
        f.maxMs = m_lagNs.back() / 1e6;
    }
    m_lagNs.clear();
    return f;
}

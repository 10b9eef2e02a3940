// EventLoopLagProbe: how late the GUI event loop runs a timer — the smoothness the user feels.
#pragma once

#include <QElapsedTimer>
#include <QObject>
#include <QTimer>

#include <vector>

class EventLoopLagProbe : public QObject {
    Q_OBJECT
public:
    static constexpr int IntervalMs = 20;

    explicit EventLoopLagProbe(QObject *parent = nullptr);

    struct Figures {
        int samples = 0;
        double p50Ms = 0, p99Ms = 0, maxMs = 0;
    };
    // The figures since the last call, and a fresh start.
    Figures takeFigures();

private:
    void tick();

    QTimer m_timer { this };
    QElapsedTimer m_clock;
    qint64 m_expectedNs = 0;
    std::vector<qint64> m_lagNs;
};

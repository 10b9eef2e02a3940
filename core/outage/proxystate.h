// ProxyState: what the proxy thread reports to every other thread (atomics, no lock), and the
// upstream servers it forwards to.
#pragma once

#include <QString>

#include <atomic>

struct ProxyUpstream {
    QString host;
    quint16 port = 4222;
};

struct ProxyState {
    std::atomic<bool> refusing { false }; // connections are being refused: down, or a flap's down half
    std::atomic<int> connections { 0 };
    std::atomic<quint64> droppedAcks { 0 }; // PubAcks swallowed by the ack-loss mode
};

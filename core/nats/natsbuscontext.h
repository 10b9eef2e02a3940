// NatsBus::Context: what cnats' connection callbacks and the blocking-call pool may touch (shared by
// natsbus.cpp and natsbusstream.cpp; not part of NatsBus' interface).
#pragma once

#include "nats/natsbus.h"

#include <QLoggingCategory>
#include <QMetaObject>

#include <atomic>
#include <mutex>

struct NatsBus::Context {
    std::mutex mutex;
    NatsBus *owner = nullptr; // null once the bus is destroyed
    std::atomic<bool> connected { false };

    // Runs fn(owner) on the owner's thread, if the owner still exists. Caller must not hold mutex.
    template <typename F> void post(F fn)
    {
        std::lock_guard lock(mutex);
        if (owner)
            QMetaObject::invokeMethod(
                owner, [o = owner, fn] { fn(o); }, Qt::QueuedConnection);
    }
};

Q_DECLARE_LOGGING_CATEGORY(lcNats)

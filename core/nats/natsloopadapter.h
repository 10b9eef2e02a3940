// NatsLoopAdapter: drives one cnats connection from its owner thread's Qt event loop (no reader thread).
#pragma once

#include <QObject>

#include <nats/nats.h>

#include <atomic>
#include <functional>

class QSocketNotifier;

// cnats calls attach/read/write/detach with the connection's lock held, from this thread (publishes,
// read and write events) and from its own threads (the reconnect thread attaches, the timer thread
// asks to write a PING or stops polling a stale connection). Calls from this thread change the
// notifiers at once; calls from other threads set the wanted state and queue one update onto the
// loop, never waiting for it. A notifier only reaches cnats while its socket is still wanted: once
// cnats stopped polling a socket (before it closes it) a late notifier event is dropped, so a
// closed or reused descriptor is never read here.
class NatsLoopAdapter : public QObject {
    Q_OBJECT
public:
    explicit NatsLoopAdapter(QObject *parent = nullptr);
    ~NatsLoopAdapter() override;

    // Makes cnats drive the connection made with options through this adapter's thread.
    natsStatus install(natsOptions *options);
    // Runs on this thread after every read event (drains synchronous subscriptions).
    void setAfterRead(std::function<void()> afterRead) { m_afterRead = std::move(afterRead); }
    // Sends what cnats buffered, without waiting. Before natsConnection_Close: with bytes unsent it
    // waits up to 500 ms for a PONG that only this (then blocked) loop could read.
    void sendBuffered();

    // What the loop would do next, now, without waiting: apply what cnats' other threads asked for,
    // send what is buffered, read once. For a wait on this thread for a request made on another
    // (its bytes wait here to be sent, its answer to be read).
    void pump();

    quint64 readEvents() const { return m_readEvents; }

private:
    static natsStatus onAttach(void **userData, void *loop, natsConnection *nc, natsSock fd);
    static natsStatus onRead(void *userData, bool add);
    static natsStatus onWrite(void *userData, bool add);
    static natsStatus onDetach(void *userData);

    void update(); // from cnats: at once on this thread, queued from any other
    void apply(); // this thread: the notifiers as cnats wants them
    void readable();
    void writable();
    void dropNotifiers();

    std::atomic<natsConnection *> m_connection { nullptr };
    std::atomic<int> m_fd { -1 };
    std::atomic<quint64> m_generation { 0 }; // one per attach: a reconnect gets fresh notifiers
    std::atomic<bool> m_wantRead { false };
    std::atomic<bool> m_wantWrite { false };
    std::atomic<bool> m_updateQueued { false };
    QSocketNotifier *m_readNotifier = nullptr; // children: they move with the adapter
    QSocketNotifier *m_writeNotifier = nullptr;
    quint64 m_notifierGeneration = 0;
    std::function<void()> m_afterRead;
    quint64 m_readEvents = 0;
};

// ThreadedPublisher: the publish path where cnats keeps its own threads (js_PublishMsgAsync); used
// with TLS and with ACKHOOK_NATS_EVENT_LOOP=0. The default path is InboxPublisher.
#pragma once

#include "nats/outgoingevent.h"
#include "nats/publishresult.h"

#include <QByteArray>

#include <nats/nats.h>

#include <chrono>
#include <cstddef>
#include <functional>
#include <optional>
#include <utility>
#include <vector>

class QObject;

// PubAcks arrive on the reply subscription's own delivery thread (cnats' js.c makes one per
// JetStream context); the ack handler never touches a QObject: it files the result under a mutex
// and posts one delivery to the owner's thread, where the sink gets every result filed meanwhile.
// The state the handler reaches lives until process exit (cnats gives no "last callback"
// guarantee): a late PubAck after this object is gone finds no pending entry and is dropped.
class ThreadedPublisher {
public:
    using Report = std::pair<quint64, PublishResult>;
    using ReportsSink = std::function<void(std::vector<Report> &reports)>;

    ThreadedPublisher(QObject *owner, QByteArray expectedStream, ReportsSink sink);
    ~ThreadedPublisher();
    ThreadedPublisher(const ThreadedPublisher &) = delete;
    ThreadedPublisher &operator=(const ThreadedPublisher &) = delete;

    // Before natsConnection_JetStream: the ack handler and its closure.
    void install(jsOptions *options);
    // The JetStream context made with those options.
    void attach(jsCtx *js) { m_js = js; }

    // Nullopt when handed to cnats (the outcome follows through the sink), else why it failed at once.
    std::optional<PublishResult> publish(quint64 token, const OutgoingEvent &event, std::chrono::milliseconds maxWait);
    // Every publish still pending fails with result, each exactly once (connection lost or closed):
    // cnats 3.4.1 leaves pending async publishes unresolved on close.
    void failAll(const PublishResult &result);
    // The results filed so far, to the sink now (on the owner's thread).
    void deliver();
    std::size_t pending() const;

private:
    struct Shared;
    Shared *m_shared; // lives until process exit
    QByteArray m_expectedStream;
    jsCtx *m_js = nullptr;
    bool m_publishedOnce = false; // cnats 3.4.1 crashes when asked for pending publishes before any
};

// InboxPublisher: JetStream publishes on one cnats connection driven by this thread's event loop,
// their PubAcks read back on the same thread from one synchronous inbox subscription.
#pragma once

#include "nats/outgoingevent.h"
#include "nats/publishresult.h"

#include <QByteArray>
#include <QPointer>

#include <nats/nats.h>

#include <chrono>
#include <deque>
#include <functional>
#include <optional>
#include <unordered_map>
#include <utility>
#include <vector>

class NatsLoopAdapter;
class QObject;

// No cnats thread is involved between the socket and the answer: the loop reads (NatsLoopAdapter),
// then drains the subscription at once (a synchronous subscription has no delivery thread); each
// publish carries the reply subject <inbox>.<n>, Nats-Msg-Id and Nats-Expected-Stream, and what the
// loop publishes in one iteration leaves in one send. cnats' MaxWait is replaced by a deadline
// queue of our own (entries answered in time cost nothing when it expires). Everything here runs on
// the owner's thread: no lock.
class InboxPublisher {
public:
    using Clock = std::chrono::steady_clock;
    using Report = std::pair<quint64, PublishResult>;
    using ReportsSink = std::function<void(std::vector<Report> &reports)>;

    InboxPublisher(QObject *owner, QByteArray expectedStream, ReportsSink sink);
    ~InboxPublisher();
    InboxPublisher(const InboxPublisher &) = delete;
    InboxPublisher &operator=(const InboxPublisher &) = delete;

    // Before natsConnection_Connect: cnats is driven by the owner thread's loop from then on.
    natsStatus install(natsOptions *options);
    // After natsConnection_Connect (also while it still retries): the inbox subscription.
    natsStatus subscribe(natsConnection *connection);

    // Nullopt when sent (the outcome follows through the sink), else why it failed at once.
    std::optional<PublishResult> publish(quint64 token, const OutgoingEvent &event, Clock::time_point deadline);
    // Reports the publishes whose deadline passed as timed out; the earliest deadline still pending.
    std::optional<Clock::time_point> expire(Clock::time_point now);
    // Every publish still pending fails with result, each exactly once (connection lost or closed).
    void failAll(const PublishResult &result);
    // Before natsConnection_Close: PubAcks already read are delivered, buffered bytes sent.
    void beforeClose();
    // After natsConnection_Close, before natsConnection_Destroy.
    void afterClose();
    // Sends, reads and drains once without waiting for the loop (see NatsBus::teardownLink).
    void pump();

    std::size_t pending() const { return m_pending.size(); }
    quint64 lateAnswers() const { return m_lateAnswers; }
    quint64 unattributedNoResponders() const { return m_noResponders; }

    // A PubAck's JSON ({"stream","seq","duplicate"} or {"error":{...}}) as a result.
    static PublishResult parsePubAck(const char *data, int length);

private:
    void drain(); // after every read event
    void deliver(); // m_reports to the sink
    void retire(natsMsg *msg); // destroyed with the others after the next read (see destroyRetired)
    void destroyRetired();
    static constexpr std::size_t MaxRetired = 4096; // a bound between two reads

    QPointer<NatsLoopAdapter> m_loop; // a child of the owner; deleted later after the close
    QByteArray m_expectedStream;
    ReportsSink m_sink;
    natsConnection *m_connection = nullptr;
    natsSubscription *m_subscription = nullptr;
    QByteArray m_inbox; // "_INBOX.<nuid>."
    quint64 m_nextReply = 1;
    std::unordered_map<quint64, quint64> m_pending; // reply number -> dispatch token
    std::deque<std::pair<Clock::time_point, quint64>> m_deadlines; // sorted when every wait is the same
    std::vector<Report> m_reports; // reused: no allocation per drain
    std::vector<natsMsg *> m_retired; // published messages and read PubAcks, destroyed after a read
    quint64 m_lateAnswers = 0;
    quint64 m_noResponders = 0;
};

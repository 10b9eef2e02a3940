// NatsBus: the one cnats connection and JetStream context; publishes asynchronously and reports acks.
#pragma once

#include "nats/clusterview.h"
#include "nats/eventpublisher.h"
#include "nats/natsconnectionoptions.h"
#include "nats/streamcheck.h"
#include "nats/streamsettings.h"

#include <QDeadlineTimer>
#include <QElapsedTimer>
#include <QMutex>
#include <QObject>
#include <QStringList>
#include <QThreadPool>
#include <QTimer>

#include <atomic>
#include <chrono>
#include <memory>
#include <vector>

class InboxPublisher;
class ThreadedPublisher;
struct __natsConnection;
struct __natsOptions;
struct __jsCtx;
struct jsStreamInfo;

class NatsBus : public QObject, public EventPublisher {
    Q_OBJECT
public:
    enum class State { Disconnected, Connecting, Connected, Reconnecting, Closed };
    Q_ENUM(State)

    using Options = NatsConnectionOptions;

    using Replica = ClusterView::Replica;
    using Cluster = ClusterView;

    struct Status {
        State state = State::Disconnected;
        QString connectedUrl;
        quint64 reconnects = 0;
        qint64 rttUs = -1; // -1 until measured
        // When rttUs was measured (ms since the epoch); 0 until then. A PING is sent every
        // RttInterval: an older measurement means the server has not answered one (no PONG).
        qint64 rttAtMs = 0;
        bool streamReady = false;
        QString streamError; // why the stream cannot take events (missing, not capturing a subject, ...)
        qint64 streamMessages = -1; // -1 until read (every 2 s with the RTT)
        qint64 streamBytes = -1;
        qint64 maxPayload = -1; // the server's max_payload (headers + body), -1 until connected
        // Why the last connection attempt failed (authorization, TLS, …); empty once connected.
        QString connectError;
        Cluster cluster;
    };

    static constexpr std::chrono::seconds RttInterval { 2 };

    explicit NatsBus(Options options, QObject *parent = nullptr);
    ~NatsBus() override;

    // Starts connecting (in the background if the server is not there yet). False on a setup error.
    bool start(QString *error);
    // Closes the connection; every publish still pending is reported as failed.
    void close();
    // Make before break: connects to urls (through the fault proxy, or straight to NATS again) and
    // publishes there from now on; the publishes still pending on the old connection keep it open
    // until their PubAcks arrive (or their wait ends, or it drops), so none fails for the move.
    // Returns once the new connection is up or, when its server is not reachable, retrying in the
    // background (then publishes fail fast as disconnected until it connects). False with *error
    // only when the connection cannot be set up at all; the old one is kept then.
    bool moveTo(const QStringList &urls, bool ignoreDiscoveredServers, QString *error);

    State state() const { return m_state; }
    static QString stateName(State state);
    Status status() const; // safe from any thread
    bool isConnected() const override;
    std::optional<PublishResult> publishAsync(
        quint64 token, const OutgoingEvent &event, std::chrono::milliseconds maxWait) override;

    const Options &options() const { return m_options; }
    // cnats driven by this thread's loop, PubAcks on our inbox: the default; not with TLS or
    // ACKHOOK_NATS_EVENT_LOOP=0, where cnats keeps its threads (ThreadedPublisher).
    bool usesEventLoop() const { return m_eventLoop; }
    bool isStreamReady() const { return status().streamReady; } // safe from any thread
    int pendingPublishes() const;
    // The connected server's max_payload: the NATS headers plus the body of one message. -1 until
    // the first connection; the last known value while disconnected. Safe from any thread.
    qint64 maxPayload() const { return m_maxPayload.load(std::memory_order_relaxed); }
    // The NATS header bytes of event as publishAsync sends it (with Nats-Expected-Stream).
    qint64 headerBytes(const OutgoingEvent &event) const { return natsHeaderBytes(event, m_expectedStream); }

Q_SIGNALS:
    void stateChanged(NatsBus::State state);
    void streamReady(const QString &stream);
    void streamFailed(const QString &message);
    void rttMeasured(qint64 rttUs);

private:
    struct Context;
    // One cnats connection with its JetStream context and its own callback context: the active
    // one, and those retired by moveTo() until their pending publishes are answered.
    struct Link {
        Context *context = nullptr;
        __natsOptions *options = nullptr;
        __natsConnection *connection = nullptr;
        __jsCtx *js = nullptr;
        // One of the two publishers: cnats driven by this thread, PubAcks on an inbox (the
        // default), or cnats' own threads (TLS, ACKHOOK_NATS_EVENT_LOOP=0).
        std::shared_ptr<InboxPublisher> inbox;
        std::unique_ptr<ThreadedPublisher> threaded;
        std::size_t pendingPublishes() const;
        QDeadlineTimer retireDeadline; // retired links: closed at the latest then
    };
    static Context *newContext(NatsBus *owner); // lives until process exit
    static void onConnected(__natsConnection *nc, void *closure);
    static void onDisconnected(__natsConnection *nc, void *closure);
    static void onReconnected(__natsConnection *nc, void *closure);
    static void onClosed(__natsConnection *nc, void *closure);

    void setState(State state);
    void handleConnectionUp();
    void handleConnectionLost();
    void handleClosedByClient();
    void teardown(); // close and destroy the cnats objects; pending publishes are failed
    void teardownLink(Link &link);
    void closeRetiredLinks(bool all); // those done with, or all
    void publishReports(std::vector<std::pair<quint64, PublishResult>> &reports);
    void expireInboxPublishes(); // event-loop mode: our deadline queue instead of cnats' MaxWait
    void armInboxTimer(std::optional<std::chrono::steady_clock::time_point> next);
    void failPending(Link &link, FailureReason reason, const QString &detail);
    void ensureStream(); // looks the stream up, creates it if missing (and allowed), checks its subjects
    void requestStreamCheck(); // after a no_stream failure or a poll that saw the stream change
    void finishStreamCheck(const StreamCheck &check);
    void measureRtt();

    Options m_options;
    Link m_link; // its Context lives until process exit: cnats gives no "last callback" guarantee
    std::vector<Link> m_retired; // moved away from, waiting for their last PubAcks
    QTimer m_retireTimer { this };
    std::chrono::milliseconds m_longestWait { 5000 }; // the longest maxWait of a publish so far
    bool m_moving = false; // inside moveTo(): no Connecting state for the new link
    void updateStatus(const std::function<void(Status &)> &change);

    State m_state = State::Disconnected;
    mutable QMutex m_statusMutex;
    Status m_status; // mirror for other threads
    std::atomic<qint64> m_maxPayload { -1 }; // read on every webhook: no mutex
    bool m_startedOnce = false; // the first start() probes the credentials (probeAccess)
    QByteArray m_expectedStream; // Nats-Expected-Stream of every publish
    bool m_streamCheckRunning = false;
    bool m_streamCheckAgain = false; // asked for while one ran
    QTimer m_streamCheckTimer { this }; // a look-up asked for too soon after the last one
    StreamFound m_streamFound = StreamFound::Unknown; // by the last full check; the poll compares
    bool m_streamSeen = false; // found or created once: a later "missing" means it was deleted
    QElapsedTimer m_lastStreamCheck;
    QStringList m_reportedDifferences; // logged once, not after every reconnect
    QThreadPool m_blockingCalls; // JetStream API requests and RTT pings block: never on this thread
    QTimer m_rttTimer { this }; // a child: moves with its owner to another thread
    QTimer m_restartTimer { this };
    bool m_eventLoop = true; // unless TLS or ACKHOOK_NATS_EVENT_LOOP=0: see the constructor
    // Event-loop mode: closed links' cnats objects, destroyed once the pool no longer uses them.
    struct Remains {
        __jsCtx *js = nullptr;
        __natsConnection *connection = nullptr;
        __natsOptions *options = nullptr;
    };
    std::vector<Remains> m_remains;
    QTimer m_remainsTimer { this };
    void destroyRemains(bool wait); // wait: for the pool (closing for good), else later if busy
    QTimer m_inboxTimer { this };
    bool m_closed = false; // close() was called: no automatic restart
    bool m_restarting = false; // replacing connections cnats closed: log once, not every attempt
};

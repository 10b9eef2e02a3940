// WebhookCaller: one webhook sender under load (unique ids, one retry of a 5xx with the same id);
// CallerCrowd: several on a thread of their own; the accounting of what the callers were answered
// against what the stream holds (lost, hung).
#pragma once

#include <QByteArray>
#include <QElapsedTimer>
#include <QHash>
#include <QList>
#include <QMutex>
#include <QObject>
#include <QSet>
#include <QTcpSocket>

#include <atomic>
#include <functional>
#include <vector>

class QThread;

namespace TestSupport {

struct CallOutcome {
    QByteArray id;
    int status = 0; // 0: no answer (the connection went away)
    qint64 latencyMs = 0;
};

// One caller: one keep-alive connection, one request at a time, a new unique id each time; a request
// answered 5xx is retried once later with the same id, as a real caller would. With a pause, it
// waits that long after each answer (a steady load instead of as fast as the box allows).
class WebhookCaller : public QObject {
    Q_OBJECT
public:
    WebhookCaller(int number, quint16 port, std::function<void(const CallOutcome &)> done, int pauseMs = 0);
    ~WebhookCaller() override;
    void start();
    void stop() { m_running = false; } // finishes the request in flight
    bool idle() const { return m_current.isEmpty(); }
    qint64 waitingMs() const { return m_current.isEmpty() ? 0 : m_clock.elapsed(); }
    int connectionsLost() const { return m_lost; }

private:
    void sendNext();
    void read();
    void lost();

    int m_number;
    quint16 m_port;
    std::function<void(const CallOutcome &)> m_done;
    int m_pauseMs;
    QTcpSocket m_socket { this };
    QByteArray m_buffer;
    QByteArray m_current;
    QList<QByteArray> m_retry;
    QSet<QByteArray> m_retried;
    QElapsedTimer m_clock;
    bool m_running = false;
    bool m_paused = false;
    int m_counter = 0;
    int m_lost = 0;
};

// WebhookCallers on a thread of their own: a test that blocks its main thread (a cnats request
// waiting for a stream leader, a server start) neither delays their requests nor inflates the
// latencies they measure. Every answer is kept with the time it came (ms since the crowd started).
class CallerCrowd {
public:
    struct Answer {
        qint64 atMs = 0;
        CallOutcome outcome;
    };
    CallerCrowd(quint16 port, int callers, int pauseMs);
    ~CallerCrowd(); // stops the callers (their requests in flight are abandoned) and the thread
    CallerCrowd(const CallerCrowd &) = delete;
    CallerCrowd &operator=(const CallerCrowd &) = delete;

    qint64 elapsedMs() const { return m_clock.elapsed(); } // the answers' clock
    QList<Answer> answers() const; // so far, in the order they came
    qint64 okSince(qint64 sinceMs) const; // 2xx answers that came at or after sinceMs
    qint64 longestWaitMs() const { return m_longestWaitMs.load(); } // of any request, answered or not
    // Stops sending and waits (up to timeoutMs) until every request in flight is answered.
    bool stop(int timeoutMs);

private:
    QThread *m_thread;
    QObject *m_context; // lives on m_thread, parent of the callers
    std::vector<WebhookCaller *> m_callers;
    QElapsedTimer m_clock;
    mutable QMutex m_mutex;
    QList<Answer> m_answers;
    std::atomic<qint64> m_longestWaitMs { 0 };
};

// Every answer the callers got, and per id the best one.
struct CallFigures {
    explicit CallFigures(qint64 hungAfterMs)
        : hungAfterMs(hungAfterMs)
    {
    }
    qint64 hungAfterMs; // an answer slower than this counts as hung
    qint64 sent = 0, ok = 0, failed = 0, other = 0, unanswered = 0, hung = 0, maxLatencyMs = 0;
    QHash<QByteArray, int> bestStatus; // per id: 2xx if any answer was 2xx, else the last status
    QSet<QByteArray> answered5xx;

    void add(const CallOutcome &o);
};

// The callers' answers against what the stream holds (Nats-Msg-Id -> copies stored).
struct StreamAccount {
    qint64 lost = 0; // answered 2xx, not stored: the promise broken
    qint64 duplicates = 0; // extra copies of one id
    qint64 storedAfter500 = 0; // answered only non-2xx, stored anyway (allowed: "not confirmed")
    QByteArrayList lostIds;
};
StreamAccount accountStream(const CallFigures &figures, const QHash<QByteArray, int> &storedCopies);

} // namespace TestSupport

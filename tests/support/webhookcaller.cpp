// WebhookCaller: the request loop of one caller; the accounting of answers against the stream.
#include "webhookcaller.h"

#include "testsupport.h"

#include <QDeadlineTimer>
#include <QThread>
#include <QTimer>

#include <algorithm>

namespace TestSupport {

WebhookCaller::WebhookCaller(int number, quint16 port, std::function<void(const CallOutcome &)> done, int pauseMs)
    : m_number(number)
    , m_port(port)
    , m_done(std::move(done))
    , m_pauseMs(pauseMs)
{
    connect(&m_socket, &QTcpSocket::connected, this, &WebhookCaller::sendNext);
    connect(&m_socket, &QTcpSocket::readyRead, this, &WebhookCaller::read);
    connect(&m_socket, &QTcpSocket::disconnected, this, &WebhookCaller::lost);
    connect(&m_socket, &QTcpSocket::errorOccurred, this, [this] {
        if (m_socket.state() == QAbstractSocket::UnconnectedState)
            lost();
    });
}

WebhookCaller::~WebhookCaller()
{
    // The socket is destroyed after the members its slots use: no slot may run from its destructor.
    QObject::disconnect(&m_socket, nullptr, this, nullptr);
}

void WebhookCaller::start()
{
    m_running = true;
    m_socket.connectToHost(QHostAddress::LocalHost, m_port);
}

void WebhookCaller::sendNext()
{
    if (!m_running || m_paused || !m_current.isEmpty() || m_socket.state() != QAbstractSocket::ConnectedState)
        return;
    if (!m_retry.isEmpty()) {
        m_current = m_retry.takeFirst();
    } else {
        m_current
            = "c" + QByteArray::number(m_number) + "-" + QByteArray::number(++m_counter) + "-" + uniqueKey().left(8);
    }
    const QByteArray body = "{\"id\":\"" + m_current + "\"}";
    m_socket.write(rawRequest(
        "POST", "/webhook", body, { { "Content-Type", "application/json" }, { "Idempotency-Key", m_current } }));
    m_clock.start();
}

void WebhookCaller::read()
{
    m_buffer += m_socket.readAll();
    const qsizetype end = m_buffer.indexOf("\r\n\r\n");
    if (end < 0 || m_current.isEmpty())
        return;
    const qsizetype lengthAt = m_buffer.toLower().indexOf("content-length:");
    if (lengthAt < 0 || lengthAt > end)
        return;
    const qsizetype lineEnd = m_buffer.indexOf("\r\n", lengthAt);
    const qsizetype length = m_buffer.mid(lengthAt + 15, lineEnd - lengthAt - 15).trimmed().toLongLong();
    if (m_buffer.size() < end + 4 + length)
        return;
    CallOutcome outcome { m_current, m_buffer.mid(9, 3).toInt(), m_clock.elapsed() };
    m_buffer.remove(0, end + 4 + length);
    if (outcome.status >= 500 && !m_retried.contains(m_current)) {
        m_retried.insert(m_current);
        m_retry.append(m_current);
    }
    m_current.clear();
    m_done(outcome);
    if (m_pauseMs <= 0) {
        sendNext();
        return;
    }
    m_paused = true;
    QTimer::singleShot(m_pauseMs, this, [this] {
        m_paused = false;
        sendNext();
    });
}

void WebhookCaller::lost()
{
    // The connection went away with a request unanswered: the caller never heard back.
    ++m_lost;
    if (!m_current.isEmpty()) {
        m_done(CallOutcome { m_current, 0, m_clock.elapsed() });
        m_current.clear();
    }
    m_buffer.clear();
    if (m_running)
        QTimer::singleShot(50, this, [this] { m_socket.connectToHost(QHostAddress::LocalHost, m_port); });
}

CallerCrowd::CallerCrowd(quint16 port, int callers, int pauseMs)
    : m_thread(new QThread)
    , m_context(new QObject)
{
    m_clock.start();
    m_thread->setObjectName(QStringLiteral("callers"));
    m_context->moveToThread(m_thread);
    m_thread->start();
    QMetaObject::invokeMethod(
        m_context,
        [&] {
            for (int i = 0; i < callers; ++i) {
                auto *caller = new WebhookCaller(
                    i, port,
                    [this](const CallOutcome &outcome) {
                        QMutexLocker lock(&m_mutex);
                        m_answers.append({ m_clock.elapsed(), outcome });
                    },
                    pauseMs);
                caller->setParent(m_context);
                m_callers.push_back(caller);
                caller->start();
            }
            auto *watch = new QTimer(m_context); // how long the oldest unanswered request has waited
            QObject::connect(watch, &QTimer::timeout, m_context, [this] {
                for (const WebhookCaller *caller : m_callers)
                    m_longestWaitMs.store(std::max(m_longestWaitMs.load(), caller->waitingMs()));
            });
            watch->start(20);
        },
        Qt::BlockingQueuedConnection);
}

CallerCrowd::~CallerCrowd()
{
    // The callers and their sockets go on their own thread; the context once that thread is over.
    QMetaObject::invokeMethod(
        m_context, [this] { qDeleteAll(m_context->children()); }, Qt::BlockingQueuedConnection);
    m_thread->quit();
    m_thread->wait();
    delete m_context;
    delete m_thread;
}

QList<CallerCrowd::Answer> CallerCrowd::answers() const
{
    QMutexLocker lock(&m_mutex);
    return m_answers;
}

qint64 CallerCrowd::okSince(qint64 sinceMs) const
{
    QMutexLocker lock(&m_mutex);
    return std::count_if(m_answers.cbegin(), m_answers.cend(),
        [sinceMs](const Answer &a) { return a.atMs >= sinceMs && a.outcome.status / 100 == 2; });
}

bool CallerCrowd::stop(int timeoutMs)
{
    QMetaObject::invokeMethod(
        m_context,
        [this] {
            for (WebhookCaller *caller : m_callers)
                caller->stop();
        },
        Qt::BlockingQueuedConnection);
    const QDeadlineTimer deadline(timeoutMs);
    for (;;) {
        bool idle = true;
        QMetaObject::invokeMethod(
            m_context,
            [&] {
                for (const WebhookCaller *caller : m_callers)
                    idle = idle && caller->idle();
            },
            Qt::BlockingQueuedConnection);
        if (idle)
            return true;
        if (deadline.hasExpired())
            return false;
        QThread::msleep(10); // the callers run on their own thread: this one only polls them
    }
}

void CallFigures::add(const CallOutcome &o)
{
    ++sent;
    maxLatencyMs = qMax(maxLatencyMs, o.latencyMs);
    if (o.latencyMs > hungAfterMs)
        ++hung;
    if (o.status == 0)
        ++unanswered;
    else if (o.status / 100 == 2)
        ++ok;
    else if (o.status >= 500)
        ++failed;
    else
        ++other;
    if (o.status >= 500)
        answered5xx.insert(o.id);
    if (bestStatus.value(o.id) / 100 != 2)
        bestStatus.insert(o.id, o.status);
}

StreamAccount accountStream(const CallFigures &figures, const QHash<QByteArray, int> &storedCopies)
{
    StreamAccount account;
    for (auto it = figures.bestStatus.cbegin(); it != figures.bestStatus.cend(); ++it) {
        const int copies = storedCopies.value(it.key());
        account.duplicates += qMax(0, copies - 1);
        if (it.value() / 100 == 2 && copies == 0) {
            ++account.lost;
            account.lostIds.append(it.key());
        }
        if (it.value() / 100 != 2 && copies > 0)
            ++account.storedAfter500;
    }
    return account;
}

} // namespace TestSupport

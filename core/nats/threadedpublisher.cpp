// ThreadedPublisher: js_PublishMsgAsync, PubAcks filed by cnats' delivery thread, delivered on ours.
#include "nats/threadedpublisher.h"
#include "nats/natsstatus.h"

#include <QMetaObject>
#include <QObject>

#include <algorithm>
#include <memory>
#include <mutex>
#include <unordered_map>

struct ThreadedPublisher::Shared {
    std::mutex mutex;
    QObject *owner = nullptr; // null once the publisher is gone: nothing is posted any more
    ThreadedPublisher *front = nullptr;
    ReportsSink sink;
    std::unordered_map<const natsMsg *, quint64> pending; // message in cnats' hands -> dispatch token
    std::vector<Report> reports;
    bool deliveryPosted = false;

    static void ackHandler(jsCtx *, natsMsg *msg, jsPubAck *ack, jsPubAckErr *error, void *closure)
    {
        auto *self = static_cast<Shared *>(closure);
        PublishResult result = ack
            ? PublishResult::ack(QString::fromUtf8(ack->Stream), ack->Sequence, ack->Duplicate)
            : publishFailure(error ? error->Err : NATS_ERR, error ? error->ErrCode : static_cast<jsErrCode>(0),
                error ? error->ErrText : nullptr);
        {
            std::lock_guard lock(self->mutex);
            // Erase before the message is destroyed: its address may be reused by the next publish.
            const auto it = self->pending.find(msg);
            if (it != self->pending.end()) {
                self->reports.emplace_back(it->second, std::move(result));
                self->pending.erase(it);
                // Posted under the mutex while the owner is known to be alive; Qt drops an event
                // posted to an object destroyed before it runs.
                if (!self->deliveryPosted && self->owner) {
                    self->deliveryPosted = true;
                    QMetaObject::invokeMethod(self->owner, [self] { self->deliver(); }, Qt::QueuedConnection);
                }
            }
        }
        natsMsg_Destroy(msg);
    }

    void deliver() // on the owner's thread, which is also the only one that destroys the front
    {
        std::vector<Report> taken;
        {
            std::lock_guard lock(mutex);
            deliveryPosted = false;
            if (!front)
                return;
            taken.swap(reports);
        }
        if (!taken.empty() && sink)
            sink(taken);
    }

    static Shared *make()
    {
        // Few (one per connection) and reachable by cnats' threads at any time: freed at exit.
        static std::mutex allMutex;
        static std::vector<std::unique_ptr<Shared>> all;
        std::lock_guard lock(allMutex);
        return all.emplace_back(std::make_unique<Shared>()).get();
    }
};

ThreadedPublisher::ThreadedPublisher(QObject *owner, QByteArray expectedStream, ReportsSink sink)
    : m_shared(Shared::make())
    , m_expectedStream(std::move(expectedStream))
{
    std::lock_guard lock(m_shared->mutex);
    m_shared->owner = owner;
    m_shared->front = this;
    m_shared->sink = std::move(sink);
}

ThreadedPublisher::~ThreadedPublisher()
{
    std::lock_guard lock(m_shared->mutex);
    m_shared->owner = nullptr;
    m_shared->front = nullptr;
    m_shared->sink = nullptr;
    m_shared->pending.clear();
    m_shared->reports.clear();
}

void ThreadedPublisher::install(jsOptions *options)
{
    options->PublishAsync.AckHandler = &Shared::ackHandler;
    options->PublishAsync.AckHandlerClosure = m_shared;
}

std::optional<PublishResult> ThreadedPublisher::publish(
    quint64 token, const OutgoingEvent &event, std::chrono::milliseconds maxWait)
{
    natsMsg *msg = nullptr;
    natsStatus s = natsMsg_Create(
        &msg, event.subject.constData(), nullptr, event.body.constData(), static_cast<int>(event.body.size()));
    for (qsizetype i = 0; s == NATS_OK && i < event.headers.size(); ++i)
        s = natsMsgHeader_Add(msg, event.headers[i].first.constData(), event.headers[i].second.constData());
    if (s != NATS_OK) {
        natsMsg_Destroy(msg);
        return publishFailure(s, static_cast<jsErrCode>(0), nats_GetLastError(nullptr));
    }

    jsPubOptions options;
    jsPubOptions_Init(&options);
    options.MaxWait = std::max<qint64>(1, maxWait.count()); // cnats 3.4.1: no MaxWait, no timeout at all
    options.MsgId = event.msgId.constData();
    // A publish that the configured stream does not store fails (no_stream) instead of landing in
    // another stream that happens to capture the subject (docs/DESIGN.md §7).
    options.ExpectStream = m_expectedStream.constData();

    {
        std::lock_guard lock(m_shared->mutex);
        m_shared->pending.emplace(msg, token); // before publishing: the ack may beat the return
    }
    natsMsg *handedOver = msg;
    m_publishedOnce = true;
    s = js_PublishMsgAsync(m_js, &handedOver, &options);
    if (s != NATS_OK) {
        bool stillOurs = false;
        {
            std::lock_guard lock(m_shared->mutex);
            stillOurs = m_shared->pending.erase(msg) > 0;
        }
        natsMsg_Destroy(handedOver); // no-op when cnats took ownership
        if (stillOurs)
            return publishFailure(s, static_cast<jsErrCode>(0), nats_GetLastError(nullptr));
        return std::nullopt; // cnats already reported it through the ack handler
    }
    return std::nullopt;
}

void ThreadedPublisher::failAll(const PublishResult &result)
{
    // cnats 3.4.1 creates its pending map at the first async publish and dereferences it here
    // unchecked: asking before any publish crashes.
    if (!m_js || !m_publishedOnce)
        return;
    natsMsgList list {};
    if (js_PublishAsyncGetPendingList(&list, m_js) != NATS_OK)
        return; // NATS_NOT_FOUND: nothing pending
    std::vector<Report> failed;
    {
        std::lock_guard lock(m_shared->mutex);
        for (int i = 0; i < list.Count; ++i) {
            const auto it = m_shared->pending.find(list.Msgs[i]);
            if (it != m_shared->pending.end()) {
                failed.emplace_back(it->second, result);
                m_shared->pending.erase(it);
            }
        }
    }
    natsMsgList_Destroy(&list);
    if (!failed.empty() && m_shared->sink)
        m_shared->sink(failed);
}

void ThreadedPublisher::deliver()
{
    m_shared->deliver();
}

std::size_t ThreadedPublisher::pending() const
{
    std::lock_guard lock(m_shared->mutex);
    return m_shared->pending.size();
}

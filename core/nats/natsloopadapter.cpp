// NatsLoopAdapter: cnats' event-loop hooks (natsOptions_SetEventLoop) on QSocketNotifiers.
#include "nats/natsloopadapter.h"

#include <QSocketNotifier>
#include <QThread>

NatsLoopAdapter::NatsLoopAdapter(QObject *parent)
    : QObject(parent)
{
}

NatsLoopAdapter::~NatsLoopAdapter() = default;

natsStatus NatsLoopAdapter::install(natsOptions *options)
{
    return natsOptions_SetEventLoop(options, this, &NatsLoopAdapter::onAttach, &NatsLoopAdapter::onRead,
        &NatsLoopAdapter::onWrite, &NatsLoopAdapter::onDetach);
}

void NatsLoopAdapter::sendBuffered()
{
    // One non-blocking send of what is buffered; cnats then has nothing left to flush at close.
    if (natsConnection *connection = m_connection.load(std::memory_order_acquire); connection && m_wantWrite.load())
        natsConnection_ProcessWriteEvent(connection);
}

natsStatus NatsLoopAdapter::onAttach(void **userData, void *loop, natsConnection *nc, natsSock fd)
{
    // The first attach comes from natsConnection_Connect (this thread) or, with RetryOnFailedConnect,
    // from the reconnect thread, as every later one does.
    auto *self = static_cast<NatsLoopAdapter *>(loop);
    *userData = self;
    self->m_connection.store(nc, std::memory_order_release);
    self->m_wantWrite.store(false);
    self->m_wantRead.store(true);
    self->m_fd.store(static_cast<int>(fd));
    self->m_generation.fetch_add(1);
    self->update();
    return NATS_OK;
}

natsStatus NatsLoopAdapter::onRead(void *userData, bool add)
{
    auto *self = static_cast<NatsLoopAdapter *>(userData);
    self->m_wantRead.store(add);
    self->update();
    return NATS_OK;
}

natsStatus NatsLoopAdapter::onWrite(void *userData, bool add)
{
    auto *self = static_cast<NatsLoopAdapter *>(userData);
    self->m_wantWrite.store(add);
    self->update();
    return NATS_OK;
}

natsStatus NatsLoopAdapter::onDetach(void *userData)
{
    auto *self = static_cast<NatsLoopAdapter *>(userData);
    self->m_wantRead.store(false);
    self->m_wantWrite.store(false);
    self->m_fd.store(-1);
    self->m_generation.fetch_add(1);
    self->update();
    return NATS_OK;
}

void NatsLoopAdapter::update()
{
    if (QThread::currentThread() == thread()) {
        apply();
        return;
    }
    // Another cnats thread, holding the connection's lock: queue and return, never wait for the loop.
    if (!m_updateQueued.exchange(true))
        QMetaObject::invokeMethod(
            this,
            [this] {
                m_updateQueued.store(false);
                apply();
            },
            Qt::QueuedConnection);
}

void NatsLoopAdapter::dropNotifiers()
{
    // Possibly inside one of their own slots (an error read stops polling): disable now, delete later.
    for (QSocketNotifier **notifier : { &m_readNotifier, &m_writeNotifier }) {
        if (*notifier) {
            (*notifier)->setEnabled(false);
            (*notifier)->deleteLater();
            *notifier = nullptr;
        }
    }
}

void NatsLoopAdapter::apply()
{
    const quint64 generation = m_generation.load();
    if (generation != m_notifierGeneration) {
        dropNotifiers();
        m_notifierGeneration = generation;
        const int fd = m_fd.load();
        if (fd >= 0) {
            m_readNotifier = new QSocketNotifier(fd, QSocketNotifier::Read, this);
            m_writeNotifier = new QSocketNotifier(fd, QSocketNotifier::Write, this);
            m_readNotifier->setEnabled(false);
            m_writeNotifier->setEnabled(false);
            connect(m_readNotifier, &QSocketNotifier::activated, this, &NatsLoopAdapter::readable);
            connect(m_writeNotifier, &QSocketNotifier::activated, this, &NatsLoopAdapter::writable);
        }
    }
    if (m_readNotifier && m_readNotifier->isEnabled() != m_wantRead.load())
        m_readNotifier->setEnabled(m_wantRead.load());
    if (m_writeNotifier && m_writeNotifier->isEnabled() != m_wantWrite.load())
        m_writeNotifier->setEnabled(m_wantWrite.load());
}

void NatsLoopAdapter::pump()
{
    apply();
    writable();
    readable();
}

void NatsLoopAdapter::readable()
{
    // cnats stopped polling this socket (from its timer thread, say) and may close it any moment:
    // an event already queued for it must not reach cnats. Nor one for a socket of an older attach.
    if (!m_wantRead.load() || m_notifierGeneration != m_generation.load())
        return;
    natsConnection *connection = m_connection.load(std::memory_order_acquire);
    ++m_readEvents;
    natsConnection_ProcessReadEvent(connection);
    if (m_afterRead)
        m_afterRead();
}

void NatsLoopAdapter::writable()
{
    if (!m_wantWrite.load() || m_notifierGeneration != m_generation.load())
        return;
    natsConnection_ProcessWriteEvent(m_connection.load(std::memory_order_acquire));
}

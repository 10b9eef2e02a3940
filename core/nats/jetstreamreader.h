// JetStreamReader: a cnats connection and JetStream context of its own, for code that reads the
// stream independently of ackhook's publishing connection (StreamAudit, LossDetector). Blocking
// calls: use it on one worker thread only.
#pragma once

#include "nats/natsaccess.h"

#include <QString>
#include <QStringList>

struct __natsConnection;
struct __jsCtx;

class JetStreamReader {
public:
    JetStreamReader() = default;
    ~JetStreamReader() { close(); }
    JetStreamReader(const JetStreamReader &) = delete;
    JetStreamReader &operator=(const JetStreamReader &) = delete;

    // Connects when not connected; empty when connected, else why not.
    QString ensureConnected(const QStringList &urls, const NatsAccess &access, const char *name);
    void close();
    bool isConnected() const { return m_js != nullptr; }
    __jsCtx *js() const { return m_js; }

private:
    __natsConnection *m_connection = nullptr;
    __jsCtx *m_js = nullptr;
};

// WebhookClient: requests to this ackhook's own webhook listener, sent as a caller sends them.
#pragma once

#include "http/headers.h"

#include <QObject>

#include <functional>

class QNetworkAccessManager;
class QNetworkReply;
class Runtime;

class WebhookClient : public QObject {
    Q_OBJECT
public:
    explicit WebhookClient(Runtime *runtime, QObject *parent = nullptr);

    QByteArray baseUrl() const; // http://host:port of the webhook listener
    // One request, with the listener's own credentials when it requires them; done (may be empty)
    // gets the finished reply, which is deleted later.
    void send(const QByteArray &method, const QByteArray &target, HeaderList headers, const QByteArray &body,
        const std::function<void(QNetworkReply *)> &done = nullptr);

private:
    Runtime *m_runtime;
    QNetworkAccessManager *m_network;
};

// WebhookClient: the window's test events and resends go through the real HTTP listener.
#include "webhookclient.h"

#include "runtime.h"

#include <QNetworkAccessManager>
#include <QNetworkReply>
#include <QSslCertificate>
#include <QSslConfiguration>
#include <QSslError>

WebhookClient::WebhookClient(Runtime *runtime, QObject *parent)
    : QObject(parent)
    , m_runtime(runtime)
    , m_network(new QNetworkAccessManager(this))
{
}

QByteArray WebhookClient::baseUrl() const
{
    return m_runtime->webhookBaseUrl().toLatin1();
}

void WebhookClient::send(const QByteArray &method, const QByteArray &target, HeaderList headers, const QByteArray &body,
    const std::function<void(QNetworkReply *)> &done)
{
    m_runtime->config().gateway.auth.authorize(headers, body);
    QNetworkRequest request(QUrl::fromEncoded(baseUrl() + target));
    for (const auto &[name, value] : headers)
        request.setRawHeader(name, value);
    QNetworkReply *reply = m_network->sendCustomRequest(request, method, body);
    const QString tlsCertFile = m_runtime->config().gateway.tlsCertFile;
    if (!tlsCertFile.isEmpty()) {
        // HTTPS with a certificate this machine may not trust (a private CA, a name other than the
        // loopback address): accepted only when the listener presents the certificate of its own file.
        connect(reply, &QNetworkReply::sslErrors, this, [reply, tlsCertFile](const QList<QSslError> &) {
            const QList<QSslCertificate> own = QSslCertificate::fromPath(tlsCertFile);
            if (!own.isEmpty() && reply->sslConfiguration().peerCertificate() == own.constFirst())
                reply->ignoreSslErrors();
        });
    }
    connect(reply, &QNetworkReply::finished, this, [reply, done] {
        reply->deleteLater();
        if (done)
            done(reply);
    });
}

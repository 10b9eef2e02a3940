// AdminServer: the admin and monitoring API (docs/DESIGN.md §8) on QHttpServer, main thread.
#pragma once

#include <QHostAddress>
#include <QHttpServer>
#include <QJsonObject>
#include <QObject>

class Runtime;

class AdminServer : public QObject {
    Q_OBJECT
public:
    explicit AdminServer(Runtime *runtime, QObject *parent = nullptr);

    // A non-loopback address requires a token (docs/DESIGN.md §8).
    bool listen(const QHostAddress &address, quint16 port, const QString &token, QString *error);
    quint16 port() const { return m_port; }


private:
    using Method = QHttpServerRequest::Method;
    void handle(const QHttpServerRequest &request, QHttpServerResponder &&responder);
    QHttpServerResponse handleNow(const QHttpServerRequest &request);
    QHttpServerResponse listFailed(const QHttpServerRequest &request);
    QHttpServerResponse exportFailed(const QHttpServerRequest &request);
    QHttpServerResponse discardFailed(const QString &idText);
    void replayFailed(const QHttpServerRequest &request, QHttpServerResponder &&responder);
    QJsonObject outageJson() const;
    QHttpServerResponse putOutage(const QHttpServerRequest &request);
    QHttpServerResponse natsControl(bool start);
    // /api/endpoints/<path or number>/dispatch: GET, POST {"dispatch":NAME}, DELETE (back to the config's).
    QHttpServerResponse endpointDispatch(const QHttpServerRequest &request, const QString &which);
    bool authorized(const QHttpServerRequest &request) const;

    Runtime *m_runtime;
    QHttpServer m_server;
    QString m_token;
    quint16 m_port = 0;
};

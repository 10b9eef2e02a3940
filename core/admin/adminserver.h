// AdminServer: the admin and monitoring API (docs/DESIGN.md §8) on an HttpListener, main thread.
#pragma once

#include "admin/adminrequestguard.h"
#include "http/httplistener.h"

#include <QHostAddress>
#include <QJsonObject>
#include <QObject>

class Runtime;

class AdminServer : public QObject {
    Q_OBJECT
public:
    struct Options {
        QHostAddress address = QHostAddress::LocalHost;
        quint16 port = 12001;
        QString token; // required on every call when set; mandatory off loopback (docs/DESIGN.md §8)
        QStringList allowedHosts; // Host names accepted besides the listener's own (AdminRequestGuard)
        HttpListener::Options http; // limits and timeouts: the webhook listener's
    };

    explicit AdminServer(Runtime *runtime, QObject *parent = nullptr);

    bool listen(const Options &options, QString *error);
    quint16 port() const { return m_port; }
    RefusalCounts refusals() const; // any thread
    const AdminRequestGuard &guard() const { return m_guard; }

private:
    void handle(HttpRequest &&request, const HttpResponder &responder);
    HttpResponse handleNow(const HttpRequest &request);
    HttpResponse listFailed(const HttpRequest &request);
    HttpResponse exportFailed(const HttpRequest &request);
    HttpResponse discardFailed(const QString &idText);
    void replayFailed(const HttpRequest &request, const HttpResponder &responder);
    QJsonObject outageJson() const;
    HttpResponse putOutage(const HttpRequest &request);
    HttpResponse natsControl(bool start);
    // /api/endpoints/<path or number>/dispatch: GET, POST {"dispatch":NAME}, DELETE (back to the config's).
    HttpResponse endpointDispatch(const HttpRequest &request, const QString &which);
    // /api/endpoints/<path or number>/confirm-subscription: POST {"topic_arn":…} confirms the endpoint's
    // pending AWS SNS subscription (fetches its SubscribeURL); answered when SNS has answered.
    void confirmSubscription(const HttpRequest &request, const HttpResponder &responder, const QString &which);
    // The endpoint named in /api/endpoints/<which>/<action>; -1 with *notFound saying how to name one.
    qsizetype endpointIndex(const QString &which, const QString &action, QString *notFound) const;

    Runtime *m_runtime;
    HttpListener *m_listener = nullptr;
    AdminRequestGuard m_guard;
    quint16 m_port = 0;
};

// SnsClient: the only requests ackhook itself makes to the outside, and only to AWS SNS: the signing
// certificate of an SNS message (cached by its URL) and, when a person asks for it, a subscription's
// SubscribeURL. Only https://sns.<region>.amazonaws.com[.cn] URLs (SnsMessage::isSnsUrl), TLS verified
// against the system's certificate authorities, no redirects, no proxy, 5 s for the whole exchange
// and a size cap.
// Lives on one thread (the webhook server's or the main one), like its QNetworkAccessManager.
#pragma once

#include "webhook/snsmessage.h"

#include <QHash>
#include <QObject>
#include <QUrl>

#include <functional>
#include <memory>

class QNetworkAccessManager;
class QNetworkReply;

class SnsClient : public QObject {
    Q_OBJECT
public:
    static constexpr int TimeoutMs = 5000;
    static constexpr qsizetype MaxCached = 32; // certificates kept (SNS uses one per region at a time)
    static constexpr int FailureKeptMs = 30000; // a failed fetch is not repeated for this long
    static constexpr qsizetype MaxWaiting = 256; // requests waiting for certificates
    static constexpr qsizetype MaxAnswerBytes = 64 * 1024; // a SubscribeURL's answer

    explicit SnsClient(QObject *parent = nullptr);
    ~SnsClient() override;

    struct Cached {
        std::shared_ptr<const SnsSigningKey> key; // set: the certificate's key
        QString error; // set: its fetch failed less than FailureKeptMs ago (a 503's reason)
        bool found() const { return key || !error.isEmpty(); }
    };
    Cached cached(const QUrl &certificateUrl);
    // Fetches the certificate (once, however many wait for it); done runs on this thread when
    // cached() has it or its failure. Only while canWait(): at most MaxWaiting requests wait.
    void fetchCertificate(const QUrl &certificateUrl, std::function<void()> done);
    bool canWait() const { return m_waitingCount < MaxWaiting; }

    struct Confirmation {
        bool confirmed = false;
        QString subscriptionArn; // from SNS's ConfirmSubscriptionResponse
        QString error; // why not: SNS's own error code and message, or the connection's
    };
    // GETs a SubscribeURL (which must be isSnsUrl) and reads SNS's answer; done runs on this thread.
    void confirmSubscription(const QUrl &subscribeUrl, std::function<void(const Confirmation &)> done);

    // Where an SNS URL is fetched from: itself, or for tests the loopback origin in ACKHOOK_SNS_ORIGIN
    // (http://127.0.0.1:PORT; anything else there is ignored) with the URL's path and query.
    static QUrl fetchUrl(const QUrl &snsUrl);

private:
    QNetworkReply *get(const QUrl &snsUrl, qsizetype maxBytes);
    void certificateArrived(const QUrl &certificateUrl, QNetworkReply *reply);
    void store(const QUrl &certificateUrl, Cached entry);

    QNetworkAccessManager *m_network;
    struct Entry {
        Cached cached;
        qint64 atMs = 0;
    };
    QHash<QUrl, Entry> m_cache;
    QHash<QUrl, QList<std::function<void()>>> m_waiting;
    qsizetype m_waitingCount = 0;
};
